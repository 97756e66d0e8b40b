// Conversation actions: assign (me / an agent / a team), resolve and reopen, snooze until a
// time, priority, labels. Each change is one API call; the answer replaces the conversation.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Conversation, Priority } from '../api/types';
import { useI18n } from '../i18n';
import { PRIORITIES } from '../lib/filters';
import { markSelfAssigned } from '../lib/notify';
import { useSession } from '../state';
import { errorText } from '../lib/errors';
import { Icon } from './icons';
import { TransferButton } from './transfer';

/** Local date-time for <input type="datetime-local"> (no seconds). */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The API wants UTC like 2026-12-01T08:00:00Z. */
export function toApiTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function snoozePresets(now: Date): { key: 'actions.snoozeOneHour' | 'actions.snoozeTomorrow' | 'actions.snoozeNextWeek'; at: Date }[] {
  const hour = new Date(now.getTime() + 3600_000);
  const tomorrow = new Date(now);
  tomorrow.setDate(now.getDate() + 1);
  tomorrow.setHours(9, 0, 0, 0);
  const week = new Date(now);
  week.setDate(now.getDate() + ((8 - now.getDay()) % 7 || 7));
  week.setHours(9, 0, 0, 0);
  return [
    { key: 'actions.snoozeOneHour', at: hour },
    { key: 'actions.snoozeTomorrow', at: tomorrow },
    { key: 'actions.snoozeNextWeek', at: week },
  ];
}

export function ActionsBar({ conv, onChange }: { conv: Conversation; onChange: (c: Conversation) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [snoozeOpen, setSnoozeOpen] = useState(false);
  const [snoozeAt, setSnoozeAt] = useState('');
  const [newLabel, setNewLabel] = useState('');
  const snoozeRef = useRef<HTMLDivElement>(null);

  useEffect(() => setError(null), [conv.id]);

  async function run(fn: () => Promise<Conversation>) {
    setBusy(true);
    setError(null);
    try {
      onChange(await fn());
      return true;
    } catch (e) {
      setError(errorText(i18n, e));
      return false;
    } finally {
      setBusy(false);
    }
  }

  const agents = dir.users.filter((u) => u.active);
  const mine = conv.assignee_id === dir.me.id;

  return (
    <div class="actions" role="group" aria-label={t('actions.title')}>
      <div class="actions-row">
        <label class="field field-compact">
          <span>{t('actions.assignee')}</span>
          <select
            aria-label={t('actions.assignee')}
            value={conv.assignee_id ?? ''}
            disabled={busy}
            onChange={(e) => {
              const id = e.currentTarget.value ? Number(e.currentTarget.value) : null;
              if (id === dir.me.id) markSelfAssigned(conv.id);
              run(() => api.assign(conv.id, { assignee_id: id }));
            }}
          >
            <option value="">{t('actions.unassigned')}</option>
            {agents.map((u) => (
              <option key={u.id} value={u.id}>
                {u.id === dir.me.id ? `${u.name} (${t('conv.you')})` : u.name}
              </option>
            ))}
            {conv.assignee_id && !agents.some((u) => u.id === conv.assignee_id) && <option value={conv.assignee_id}>#{conv.assignee_id}</option>}
          </select>
        </label>
        <label class="field field-compact">
          <span>{t('actions.team')}</span>
          <select aria-label={t('actions.team')} value={conv.team_id ?? ''} disabled={busy} onChange={(e) => run(() => api.assign(conv.id, { team_id: e.currentTarget.value ? Number(e.currentTarget.value) : null }))}>
            <option value="">{t('actions.noTeam')}</option>
            {dir.teams.map((tm) => (
              <option key={tm.id} value={tm.id}>
                {tm.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field field-compact">
          <span>{t('actions.priority')}</span>
          <select aria-label={t('actions.priority')} value={conv.priority} disabled={busy} onChange={(e) => run(() => api.setPriority(conv.id, e.currentTarget.value as Priority))}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(`priority.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <div class="actions-status">
          {!mine && (
            <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => {
                markSelfAssigned(conv.id);
                run(() => api.assign(conv.id, { assignee_id: dir.me.id }));
              }}>
              {t('actions.assignMe')}
            </button>
          )}
          {conv.status !== 'resolved' && <TransferButton conv={conv} onChange={onChange} />}
          {conv.status === 'resolved' || conv.status === 'snoozed' ? (
            <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => run(() => api.setStatus(conv.id, 'open'))}>
              {t('actions.reopen')}
            </button>
          ) : (
            <button type="button" class="btn btn-success" disabled={busy} onClick={() => run(() => api.setStatus(conv.id, 'resolved'))}>
              <Icon name="check" /> {t('actions.resolve')}
            </button>
          )}
          {conv.status !== 'resolved' && (
            <div class="popover-anchor" ref={snoozeRef}>
              <button
                type="button"
                class="btn btn-secondary"
                aria-expanded={snoozeOpen}
                aria-controls={`snooze-${conv.id}`}
                onClick={() => {
                  setSnoozeAt(toLocalInput(snoozePresets(new Date())[1].at));
                  setSnoozeOpen(!snoozeOpen);
                }}
              >
                <Icon name="clock" /> {t('actions.snooze')}
              </button>
              {snoozeOpen && (
                <form
                  id={`snooze-${conv.id}`}
                  class="popover"
                  onKeyDown={(e) => {
                    if (e.key === 'Escape') {
                      e.stopPropagation();
                      setSnoozeOpen(false);
                    }
                  }}
                  onSubmit={async (e) => {
                    e.preventDefault();
                    const at = new Date(snoozeAt);
                    if (isNaN(at.getTime())) return;
                    if (await run(() => api.setStatus(conv.id, 'snoozed', toApiTime(at)))) setSnoozeOpen(false);
                  }}
                >
                  <div class="preset-list">
                    {snoozePresets(new Date()).map((p) => (
                      <button
                        type="button"
                        key={p.key}
                        class="btn btn-ghost btn-block btn-left"
                        onClick={async () => {
                          if (await run(() => api.setStatus(conv.id, 'snoozed', toApiTime(p.at)))) setSnoozeOpen(false);
                        }}
                      >
                        {t(p.key)} <span class="muted small">{i18n.dateTime(p.at)}</span>
                      </button>
                    ))}
                  </div>
                  <label class="field">
                    <span>{t('actions.snoozeUntil')}</span>
                    <input type="datetime-local" required value={snoozeAt} min={toLocalInput(new Date())} onInput={(e) => setSnoozeAt(e.currentTarget.value)} />
                  </label>
                  <button type="submit" class="btn btn-primary" disabled={busy}>
                    {t('actions.snoozeApply')}
                  </button>
                </form>
              )}
            </div>
          )}
        </div>
      </div>
      <div class="actions-row labels-row">
        <span class="field-label" id={`labels-${conv.id}`}>
          {t('actions.labels')}
        </span>
        <ul class="label-row" aria-labelledby={`labels-${conv.id}`}>
          {conv.labels.length === 0 && <li class="muted small">{t('actions.noLabels')}</li>}
          {conv.labels.map((l) => (
            <li key={l} class="label-chip">
              {l}
              <button type="button" class="chip-remove" aria-label={t('actions.removeLabel', { label: l })} disabled={busy} onClick={() => run(() => api.removeLabel(conv.id, l))}>
                <Icon name="x" size={10} />
              </button>
            </li>
          ))}
        </ul>
        <form
          class="inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            const labels = newLabel.split(',').map((s) => s.trim()).filter(Boolean);
            if (!labels.length) return;
            if (await run(() => api.addLabels(conv.id, labels))) setNewLabel('');
          }}
        >
          <label class="visually-hidden" for={`add-label-${conv.id}`}>
            {t('actions.addLabel')}
          </label>
          <input id={`add-label-${conv.id}`} type="text" class="input-sm" placeholder={t('actions.addLabel')} value={newLabel} maxLength={50} onInput={(e) => setNewLabel(e.currentTarget.value)} />
          <button type="submit" class="btn btn-ghost btn-sm" disabled={busy || !newLabel.trim()}>
            +<span class="visually-hidden"> {t('actions.addLabel')}</span>
          </button>
        </form>
      </div>
      {conv.status === 'snoozed' && conv.snoozed_until && <p class="small muted">{t('actions.snoozedUntil', { time: i18n.dateTime(conv.snoozed_until) })}</p>}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
