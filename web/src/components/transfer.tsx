// Routing in the conversation view: the line under the title that says where the conversation
// stands (waiting in queue X since …, offered, assigned through X; in line since the customer's
// original enqueue time) and the "Transfer" action — a dialog to choose a queue, an agent or a
// team with an optional note → POST /conversations/{id}/transfer. The queue list is read once
// and shared (useQueues); the settings page refreshes it when queues change.
import { useEffect, useState } from 'preact/hooks';
import { routing, type Queue, type RoutedConversation, type TransferTarget } from '../api/routing';
import type { Conversation } from '../api/types';
import { useI18n } from '../i18n';
import { useSession } from '../state';
import { Dialog } from './dialog';
import { ErrorLine, useAction } from './forms';

// ---- the shared queue list ----
let queueList: Promise<Queue[]> | null = null;
const queueListeners = new Set<() => void>();

/** The queues (read once; `fresh` reads them again and tells every useQueues). */
export function loadQueues(fresh = false): Promise<Queue[]> {
  if (!queueList || fresh) {
    queueList = routing.queues();
    queueList.catch(() => (queueList = null));
    if (fresh) queueList.then(() => queueListeners.forEach((l) => l()), () => {});
  }
  return queueList;
}

/** The queues, or null while loading (and when the server has none to give). */
export function useQueues(): Queue[] | null {
  const [queues, setQueues] = useState<Queue[] | null>(null);
  useEffect(() => {
    let alive = true;
    const read = () => loadQueues().then((q) => alive && setQueues(q), () => alive && setQueues(null));
    read();
    queueListeners.add(read);
    return () => {
      alive = false;
      queueListeners.delete(read);
    };
  }, []);
  return queues;
}

/** "Waiting in queue Support since 10:02 · In line since 09:58"; nothing when not routed. */
export function RoutingLine({ conv }: { conv: Conversation }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queues = useQueues();
  const c = conv as RoutedConversation;
  const state = c.routing_state;
  if (!state || state === 'none' || !c.queue_id) return null;
  const queue = queues?.find((q) => q.id === c.queue_id)?.name ?? `#${c.queue_id}`;
  const since = c.enqueued_at;
  const stateText =
    state === 'waiting'
      ? t('routing.state.waiting', { queue, time: since ? i18n.since(since) : '—' })
      : t(`routing.state.${state}` as 'routing.state.offered', { queue });
  return (
    <p class="routing-line small" data-routing-state={state}>
      <span class={'badge badge-routing-' + state}>{stateText}</span>
      {since && (
        <time class="muted routing-enqueued" dateTime={since}>
          {t('routing.enqueued', { time: i18n.dateTime(since) })}
        </time>
      )}
    </p>
  );
}

type Kind = 'queue' | 'agent' | 'team';

export function TransferButton({ conv, onChange }: { conv: Conversation; onChange: (c: Conversation) => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="btn btn-secondary" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        {t('transfer.button')}
      </button>
      {open && (
        <TransferDialog
          conv={conv}
          onClose={() => setOpen(false)}
          onDone={(c) => {
            setOpen(false);
            onChange(c);
          }}
        />
      )}
    </>
  );
}

function TransferDialog({ conv, onClose, onDone }: { conv: Conversation; onClose: () => void; onDone: (c: Conversation) => void }) {
  const { t } = useI18n();
  const { dir } = useSession();
  const queues = useQueues();
  const { error, busy, run, setError } = useAction();
  const [kind, setKind] = useState<Kind>('queue');
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const agents = dir.users.filter((u) => u.active && u.id !== conv.assignee_id);
  const options: { id: number; name: string }[] = kind === 'queue' ? queues ?? [] : kind === 'agent' ? agents : dir.teams;

  async function submit(e: Event) {
    e.preventDefault();
    if (!target) {
      setError(t('transfer.pick'));
      document.getElementById('transfer-target')?.focus();
      return;
    }
    const body: TransferTarget = { [`${kind}_id`]: Number(target) };
    if (note.trim()) body.note = note.trim();
    const c = await run(() => routing.transfer(conv.id, body));
    if (c) onDone(c);
  }

  return (
    <Dialog title={t('transfer.title')} onClose={onClose}>
      <form class="transfer-form" onSubmit={submit} noValidate>
        <fieldset class="transfer-kinds">
          <legend class="field-label">{t('transfer.to')}</legend>
          {(['queue', 'agent', 'team'] as Kind[]).map((k) => (
            <label key={k} class="check">
              <input
                type="radio"
                name="transfer-kind"
                value={k}
                checked={kind === k}
                onChange={() => {
                  setKind(k);
                  setTarget('');
                }}
              />
              <span>{t(`transfer.kind.${k}`)}</span>
            </label>
          ))}
        </fieldset>
        <label class="field">
          <span>{t(`transfer.${kind}`)}</span>
          <select id="transfer-target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
            <option value="">{t('transfer.choose')}</option>
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        {kind === 'queue' && queues && queues.length === 0 && <p class="small muted">{t('transfer.noQueues')}</p>}
        <label class="field">
          <span>{t('transfer.note')}</span>
          <textarea rows={3} maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        <p class="small muted">{t('transfer.keepsPlace')}</p>
        <ErrorLine error={error} />
        <div class="row-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('transfer.submit')}
          </button>
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            {t('app.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
