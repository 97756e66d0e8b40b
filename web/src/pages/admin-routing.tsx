// Settings for the routing (ACD): skills; queues with every field of the API (strategy and
// fallback, required skills with levels, service level, offers, auto-accept, wrap-up,
// escalation steps, business hours, member teams and agents); each agent's routing profile
// (skills 1–5, capacity per channel kind, chat interruptible by e-mail, queues) and the teams'
// capacity defaults; the ordered routing rules. Admins change everything; supervisors read
// skills and queues and edit the profiles of agents. Form state and checks: lib/routing.ts.
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  CHANNEL_KINDS, routing, STRATEGIES, type Queue, type RoutingProfile, type RoutingRule, type Skill, type Strategy,
} from '../api/routing';
import { DeleteButton, ErrorLine, FormRow, NumberInput, SaveCancel, TeamChecks, useAction } from '../components/forms';
import { channelLabelKey } from '../components/icons';
import { loadQueues } from '../components/transfer';
import { BusinessHours, fieldErrors, type FieldError } from '../components/webchat-form';
import { useI18n, type MessageKey } from '../i18n';
import {
  capacityForm, capacityFromForm, moveItem, queueFieldOfError, queueFormFrom, queueFromForm, queueProblem, rulesForSave,
  type CapacityForm, type EscalationRow, type QueueForm, type SkillRow,
} from '../lib/routing';
import { defaultTimeZone } from '../lib/timezones';
import { errorText } from '../lib/errors';
import { ApiError } from '../api/client';
import { useSession } from '../state';
import '../routing.css';

/** Skills, read once per screen (they change only here). */
function useSkills(): [Skill[], () => Promise<void>] {
  const [skills, setSkills] = useState<Skill[]>([]);
  const reload = () => routing.skills().then((s) => setSkills([...s].sort((a, b) => a.name.localeCompare(b.name))), () => setSkills([]));
  useEffect(() => void reload(), []);
  return [skills, reload];
}

function useQueueList(): [Queue[] | null, () => Promise<void>] {
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const reload = () => loadQueues(true).then((q) => setQueues(q), () => setQueues([]));
  useEffect(() => void reload(), []);
  return [queues, reload];
}

// ---- skills ----
export function SkillsAdmin() {
  const { t } = useI18n();
  const { dir } = useSession();
  const canEdit = dir.me.role === 'admin';
  const [skills, reload] = useSkills();
  const { error, busy, run } = useAction();
  const [name, setName] = useState('');
  const [editing, setEditing] = useState<{ id: number; name: string } | null>(null);

  return (
    <section aria-labelledby="skills-h">
      <h2 id="skills-h">{t('admin.skills')}</h2>
      <p class="muted small">{t('skills.help')}</p>
      {!canEdit && <p class="muted small">{t('admin.readOnly')}</p>}
      {skills.length === 0 ? (
        <p class="muted">{t('skills.empty')}</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              {canEdit && <th scope="col">{t('admin.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {skills.map((s) => (
              <tr key={s.id}>
                <th scope="row">
                  {editing?.id === s.id ? (
                    <input
                      type="text"
                      required
                      maxLength={100}
                      aria-label={t('skills.renameOf', { name: s.name })}
                      value={editing.name}
                      onInput={(e) => setEditing({ id: s.id, name: e.currentTarget.value })}
                      onKeyDown={(e) => e.key === 'Escape' && setEditing(null)}
                    />
                  ) : (
                    s.name
                  )}
                </th>
                {canEdit && (
                  <td class="row-actions">
                    {editing?.id === s.id ? (
                      <SaveCancel
                        disabled={busy || !editing.name.trim()}
                        onCancel={() => setEditing(null)}
                        onSave={async () => {
                          if (await run(() => routing.renameSkill(s.id, editing.name.trim()), { conflict: 'skills.taken' })) {
                            setEditing(null);
                            await reload();
                          }
                        }}
                      />
                    ) : (
                      <>
                        <button type="button" class="btn btn-secondary btn-sm" onClick={() => setEditing({ id: s.id, name: s.name })}>
                          {t('skills.rename')}
                          <span class="visually-hidden"> {s.name}</span>
                        </button>
                        <DeleteButton name={s.name} disabled={busy} onConfirmed={() => run(() => routing.deleteSkill(s.id)).then(reload)} />
                      </>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorLine error={error} />
      {canEdit && (
        <form class="card form-card" onSubmit={async (e) => {
          e.preventDefault();
          if (await run(() => routing.createSkill(name.trim()), { conflict: 'skills.taken' })) {
            setName('');
            await reload();
          }
        }}>
          <h3>{t('skills.new')}</h3>
          <FormRow label={t('admin.name')}>
            <input id="skill-name" type="text" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </FormRow>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('app.create')}
          </button>
        </form>
      )}
    </section>
  );
}

// ---- skill rows (queues' required skills, escalation, agents' skills) ----
function SkillLevels({ id, legend, rows, skills, onChange, aria, levelLabel }: {
  id: string;
  legend: string;
  rows: SkillRow[];
  skills: Skill[];
  onChange: (rows: SkillRow[]) => void;
  aria?: { 'aria-invalid'?: boolean; 'aria-describedby'?: string };
  levelLabel?: string;
}) {
  const { t } = useI18n();
  const nameOf = (sid: string) => skills.find((s) => String(s.id) === sid)?.name ?? '';
  const set = (k: number, patch: Partial<SkillRow>) => onChange(rows.map((r, j) => (j === k ? { ...r, ...patch } : r)));
  return (
    <fieldset class="form-section">
      <legend>{legend}</legend>
      <ul class="skill-rows">
        {rows.map((r, k) => (
          <li key={k} class="skill-row">
            <label class="field">
              <span>{t('queue.skill')}</span>
              <select id={k === 0 ? id : undefined} value={r.skill_id} {...aria} onChange={(e) => set(k, { skill_id: e.currentTarget.value })}>
                <option value="">{t('transfer.choose')}</option>
                {skills.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>{levelLabel ?? t('queue.level')}</span>
              <select value={r.level} onChange={(e) => set(k, { level: e.currentTarget.value })}>
                {[1, 2, 3, 4, 5].map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" class="btn btn-ghost btn-sm" onClick={() => onChange(rows.filter((_, j) => j !== k))}>
              {t('queue.skillRemove', { name: nameOf(r.skill_id) || String(k + 1) })}
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        id={rows.length === 0 ? id : undefined}
        class="btn btn-link btn-sm"
        disabled={skills.length === 0}
        onClick={() => onChange([...rows, { skill_id: '', level: '1' }])}
      >
        {t('queue.skillAdd')}
      </button>
    </fieldset>
  );
}

// ---- queues ----
export function QueuesAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const canEdit = dir.me.role === 'admin';
  const [queues, reload] = useQueueList();
  const [skills] = useSkills();
  const { error, busy, run } = useAction();
  const [editing, setEditing] = useState<Queue | 'new' | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const defaultId = queues && queues.length ? Math.min(...queues.map((q) => q.id)) : null;
  const pct = (v: number) => new Intl.NumberFormat(i18n.locale, { style: 'percent', maximumFractionDigits: 1 }).format(v);

  return (
    <section aria-labelledby="queues-h">
      <h2 id="queues-h">{t('admin.queues')}</h2>
      <p class="muted small">
        {t('queue.help')} {t('queue.defaultHelp')}
      </p>
      {!canEdit && <p class="muted small">{t('admin.readOnly')}</p>}
      {saved && (
        <p class="notice small" role="status">
          {saved}
        </p>
      )}
      {queues && queues.length === 0 && <p class="muted">{t('queue.empty')}</p>}
      {queues && queues.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('queue.col.strategy')}</th>
              <th scope="col">{t('queue.col.sl')}</th>
              <th scope="col">{t('queue.col.members')}</th>
              {canEdit && <th scope="col">{t('admin.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.id} class={editing !== 'new' && editing?.id === q.id ? 'is-selected' : ''}>
                <th scope="row">
                  {q.name} {q.id === defaultId && <span class="badge">{t('queue.defaultQueue')}</span>}
                </th>
                <td>{t(`queue.strategy.${q.strategy}` as MessageKey)}</td>
                <td>{t('queue.slValue', { target: pct(q.service_level.target), threshold: `${q.service_level.threshold_s} s` })}</td>
                <td>{t('queue.membersValue', { teams: i18n.number(q.team_ids.length), agents: i18n.number(q.agent_ids.length) })}</td>
                {canEdit && (
                  <td class="row-actions">
                    <button type="button" class="btn btn-secondary btn-sm" onClick={() => {
                      setSaved(null);
                      setEditing(q);
                    }}>
                      {t('app.edit')}
                      <span class="visually-hidden"> {q.name}</span>
                    </button>
                    <DeleteButton
                      name={q.name}
                      disabled={busy}
                      onConfirmed={async () => {
                        await run(() => routing.deleteQueue(q.id));
                        if (editing !== 'new' && editing?.id === q.id) setEditing(null);
                        await reload();
                      }}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorLine error={error} />
      {canEdit && editing === null && (
        <button type="button" class="btn btn-primary" onClick={() => {
          setSaved(null);
          setEditing('new');
        }}>
          {t('queue.new')}
        </button>
      )}
      {canEdit && editing !== null && (
        <QueueEditor
          key={editing === 'new' ? 'new' : editing.id}
          queue={editing === 'new' ? null : editing}
          queues={queues ?? []}
          skills={skills}
          onCancel={() => setEditing(null)}
          onSaved={async (q, created) => {
            setEditing(null);
            setSaved(t(created ? 'queue.created' : 'queue.saved', { name: q.name }));
            await reload();
          }}
        />
      )}
    </section>
  );
}

function QueueEditor({ queue, queues, skills, onCancel, onSaved }: {
  queue: Queue | null;
  queues: Queue[];
  skills: Skill[];
  onCancel: () => void;
  onSaved: (q: Queue, created: boolean) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const [form, setForm] = useState<QueueForm>(() => queueFormFrom(queue, defaultTimeZone()));
  const [fieldError, setFieldError] = useState<FieldError | null>(null);
  const { error, busy, run, raw } = useAction();
  const prefix = 'queue';
  const { id, aria, errorAt } = fieldErrors(prefix, fieldError);
  const set = (patch: Partial<QueueForm>) => setForm((f) => ({ ...f, ...patch }));
  const setStep = (k: number, patch: Partial<EscalationRow>) => set({ escalation: form.escalation.map((s, j) => (j === k ? { ...s, ...patch } : s)) });
  const others = queues.filter((q) => q.id !== queue?.id);
  const strategyOptions = (list: readonly Strategy[]) =>
    list.map((s) => (
      <option key={s} value={s}>
        {t(`queue.strategy.${s}` as MessageKey)}
      </option>
    ));

  const focus = (field: string) => setTimeout(() => document.getElementById(`${prefix}-${field}`)?.focus(), 0);

  // A 400 from the server names its field: mark it there.
  useEffect(() => {
    if (!(raw instanceof ApiError) || raw.status !== 400) return;
    const field = queueFieldOfError(raw.message);
    if (field) {
      setFieldError({ field, message: errorText(i18n, raw) });
      focus(field);
    }
  }, [raw]);

  async function submit(e: Event) {
    e.preventDefault();
    const problem = queueProblem(form, queue?.id ?? null);
    if (problem) {
      setFieldError({ field: problem.field, message: t(problem.key, problem.params) });
      focus(problem.field);
      return;
    }
    setFieldError(null);
    const body = queueFromForm(form);
    const saved = await run(() => (queue ? routing.updateQueue(queue.id, body) : routing.createQueue(body)));
    if (saved) onSaved(saved, !queue);
  }

  return (
    <form class="card form-card queue-form" onSubmit={submit} noValidate aria-labelledby="queue-form-h">
      <h3 id="queue-form-h">{queue ? t('queue.editTitle', { name: queue.name }) : t('queue.new')}</h3>
      <div class="field">
        <label for={id('name')}>{t('admin.name')}</label>
        <input id={id('name')} type="text" required maxLength={100} value={form.name} {...aria('name')} onInput={(e) => set({ name: e.currentTarget.value })} />
        {errorAt('name')}
      </div>

      <fieldset class="form-section">
        <legend>{t('queue.basics')}</legend>
        <div class="form-grid">
          <div class="field">
            <label for={id('strategy')}>{t('queue.strategy')}</label>
            <select id={id('strategy')} value={form.strategy} {...aria('strategy')} onChange={(e) => set({ strategy: e.currentTarget.value as Strategy })}>
              {strategyOptions(STRATEGIES)}
            </select>
            {errorAt('strategy')}
          </div>
          {form.strategy === 'preferred_agent_first' && (
            <>
              <div class="field">
                <label for={id('preferred_timeout_s')}>{t('queue.preferredTimeout')}</label>
                <NumberInput id={id('preferred_timeout_s')} min={1} value={form.preferred_timeout_s} {...aria('preferred_timeout_s')} onInput={(v) => set({ preferred_timeout_s: v })} />
                {errorAt('preferred_timeout_s')}
              </div>
              <div class="field">
                <label for={id('fallback_strategy')}>{t('queue.fallback')}</label>
                <select id={id('fallback_strategy')} value={form.fallback_strategy || 'longest_idle'} {...aria('fallback_strategy')} onChange={(e) => set({ fallback_strategy: e.currentTarget.value as Strategy })}>
                  {strategyOptions(STRATEGIES.filter((s) => s !== 'preferred_agent_first'))}
                </select>
                {errorAt('fallback_strategy')}
              </div>
            </>
          )}
        </div>
      </fieldset>

      <SkillLevels id={id('required_skills')} legend={t('queue.skillsRequired')} rows={form.required_skills} skills={skills} aria={aria('required_skills')} onChange={(rows) => set({ required_skills: rows })} />
      {form.required_skills.length === 0 && <p class="small muted">{t('queue.skillsNone')}</p>}
      {errorAt('required_skills')}

      <fieldset class="form-section">
        <legend>{t('queue.sl')}</legend>
        <div class="form-grid">
          <div class="field">
            <label for={id('sl_threshold_s')}>{t('queue.slThreshold')}</label>
            <NumberInput id={id('sl_threshold_s')} min={1} value={form.sl_threshold_s} {...aria('sl_threshold_s', true)} onInput={(v) => set({ sl_threshold_s: v })} />
            {errorAt('sl_threshold_s')}
          </div>
          <div class="field">
            <label for={id('sl_target_pct')}>{t('queue.slTarget')}</label>
            <input id={id('sl_target_pct')} type="text" inputMode="decimal" class="input-num" value={form.sl_target_pct} {...aria('sl_target_pct')} onInput={(e) => set({ sl_target_pct: e.currentTarget.value })} />
            {errorAt('sl_target_pct')}
          </div>
        </div>
        <p class="small muted field" id={`${id('sl_threshold_s')}-help`}>
          {t('queue.slHelp')}
        </p>
      </fieldset>

      <fieldset class="form-section">
        <legend>{t('queue.offers')}</legend>
        <div class="form-grid">
          <div class="field">
            <label for={id('offer_timeout_s')}>{t('queue.offerTimeout')}</label>
            <NumberInput id={id('offer_timeout_s')} min={5} value={form.offer_timeout_s} {...aria('offer_timeout_s')} onInput={(v) => set({ offer_timeout_s: v })} />
            {errorAt('offer_timeout_s')}
          </div>
          <div class="field">
            <label for={id('offer_fanout')}>{t('queue.fanout')}</label>
            <NumberInput id={id('offer_fanout')} min={1} value={form.offer_fanout} {...aria('offer_fanout', true)} onInput={(v) => set({ offer_fanout: v })} />
            <span class="small muted" id={`${id('offer_fanout')}-help`}>
              {t('queue.fanoutHelp')}
            </span>
            {errorAt('offer_fanout')}
          </div>
          <div class="field">
            <label for={id('wrap_up_s')}>{t('queue.wrapUp')}</label>
            <NumberInput id={id('wrap_up_s')} min={0} value={form.wrap_up_s} {...aria('wrap_up_s')} onInput={(v) => set({ wrap_up_s: v })} />
            {errorAt('wrap_up_s')}
          </div>
        </div>
        <label class="check">
          <input id={id('auto_accept')} type="checkbox" checked={form.auto_accept} onChange={(e) => set({ auto_accept: e.currentTarget.checked })} />
          <span>{t('queue.autoAccept')}</span>
        </label>
      </fieldset>

      <fieldset class="form-section">
        <legend>{t('queue.escalation')}</legend>
        {form.escalation.length === 0 && <p class="small muted">{t('queue.escalationNone')}</p>}
        <ol class="step-list">
          {form.escalation.map((s, k) => {
            const field = `escalation_${k}`;
            return (
              <li key={k} class="step">
                <div role="group" aria-labelledby={`${id(field)}-h`}>
                <div class="step-head">
                  <span class="field-label" id={`${id(field)}-h`}>
                    {t('queue.step', { n: k + 1 })}
                  </span>
                  <button type="button" class="btn btn-ghost btn-sm" onClick={() => set({ escalation: form.escalation.filter((_, j) => j !== k) })}>
                    {t('queue.stepRemove', { n: k + 1 })}
                  </button>
                </div>
                <div class="form-grid">
                  <div class="field">
                    <label for={id(field)}>{t('queue.stepAfter')}</label>
                    <NumberInput id={id(field)} min={1} value={s.after_s} {...aria(field)} onInput={(v) => setStep(k, { after_s: v })} />
                  </div>
                  <div class="field">
                    <label for={`${id(field)}-raise`}>{t('queue.stepRaise')}</label>
                    <NumberInput id={`${id(field)}-raise`} min={0} value={s.raise_priority_by} onInput={(v) => setStep(k, { raise_priority_by: v })} />
                  </div>
                  <div class="field">
                    <label for={`${id(field)}-overflow`}>{t('queue.stepOverflow')}</label>
                    <select id={`${id(field)}-overflow`} value={s.overflow_to_queue_id} onChange={(e) => setStep(k, { overflow_to_queue_id: e.currentTarget.value })}>
                      <option value="">{t('queue.stepOverflowNone')}</option>
                      {others.map((q) => (
                        <option key={q.id} value={q.id}>
                          {q.name}
                        </option>
                      ))}
                    </select>
                  </div>
                </div>
                <label class="check">
                  <input type="checkbox" checked={s.relax} onChange={(e) => setStep(k, { relax: e.currentTarget.checked, relax_to: s.relax_to.length ? s.relax_to : [...form.required_skills].map((r) => ({ ...r, level: '1' })) })} />
                  <span>{t('queue.stepRelax')}</span>
                </label>
                {s.relax && <SkillLevels id={`${id(field)}-relax`} legend={t('queue.stepRelax')} rows={s.relax_to} skills={skills} onChange={(rows) => setStep(k, { relax_to: rows })} />}
                {errorAt(field)}
                </div>
              </li>
            );
          })}
        </ol>
        <button
          type="button"
          id={form.escalation.length === 0 ? id('escalation') : undefined}
          class="btn btn-link btn-sm"
          onClick={() => {
            const last = form.escalation[form.escalation.length - 1];
            const after = last && /^\d+$/.test(last.after_s) ? String(Number(last.after_s) * 2) : String(Math.max(60, Number(form.sl_threshold_s) || 60));
            set({ escalation: [...form.escalation, { after_s: after, relax: false, relax_to: [], raise_priority_by: '1', overflow_to_queue_id: '' }] });
          }}
        >
          {t('queue.stepAdd')}
        </button>
        {errorAt('escalation')}
      </fieldset>

      <BusinessHours prefix={prefix} form={form} set={set} aria={aria} errorAt={errorAt} offText={t('queue.hoursOff')} />

      <fieldset class="form-section">
        <legend>{t('queue.members')}</legend>
        <p class="small muted">{t('queue.membersHelp')}</p>
        <TeamChecks legend={t('queue.memberTeams')} teams={dir.teams} value={form.team_ids} onChange={(ids) => set({ team_ids: ids })} />
        <TeamChecks legend={t('queue.memberAgents')} teams={dir.users.filter((u) => u.active)} value={form.agent_ids} onChange={(ids) => set({ agent_ids: ids })} />
      </fieldset>

      <ErrorLine error={fieldError ? null : error} />
      <div class="row-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {queue ? t('app.save') : t('app.create')}
        </button>
        <button type="button" class="btn btn-ghost" onClick={onCancel}>
          {t('app.cancel')}
        </button>
      </div>
    </form>
  );
}

// ---- agents' routing profiles and team defaults ----
export function AgentRoutingAdmin() {
  const { t } = useI18n();
  const { dir } = useSession();
  const isAdmin = dir.me.role === 'admin';
  // Supervisors edit agents; admins everyone.
  const people = dir.users.filter((u) => u.active && (isAdmin || u.role === 'agent'));
  const [userId, setUserId] = useState<number | null>(people[0]?.id ?? null);
  const [skills] = useSkills();
  const [queues] = useQueueList();

  return (
    <section aria-labelledby="routing-agents-h">
      <h2 id="routing-agents-h">{t('admin.routingAgents')}</h2>
      <p class="muted small">{t('profile.help')}</p>
      {people.length === 0 ? (
        <p class="muted">{t('profile.noAgents')}</p>
      ) : (
        <>
          <div class="field-narrow">
            <FormRow label={t('profile.choose')}>
              <select id="profile-user" value={userId ?? ''} onChange={(e) => setUserId(Number(e.currentTarget.value))}>
                {people.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name} ({t(`role.${u.role}`)})
                  </option>
                ))}
              </select>
            </FormRow>
          </div>
          {userId && <ProfileEditor key={userId} userId={userId} name={people.find((u) => u.id === userId)?.name ?? ''} skills={skills} queues={queues ?? []} />}
        </>
      )}
      {isAdmin && <TeamDefaults />}
    </section>
  );
}

function CapacityFields({ idPrefix, value, disabled, onChange }: { idPrefix: string; value: CapacityForm; disabled?: boolean; onChange: (v: CapacityForm) => void }) {
  const { t } = useI18n();
  return (
    <div class="form-grid">
      {CHANNEL_KINDS.map((k) => (
        <div key={k} class="field">
          <label for={`${idPrefix}-${k}`}>{t(`profile.kind.${k}`)}</label>
          <NumberInput id={`${idPrefix}-${k}`} min={0} max={1000} required disabled={disabled} value={value[k]} onInput={(v) => onChange({ ...value, [k]: v })} />
        </div>
      ))}
    </div>
  );
}

function ProfileEditor({ userId, name, skills, queues }: { userId: number; name: string; skills: Skill[]; queues: Queue[] }) {
  const { t } = useI18n();
  const { error, busy, run, setError } = useAction();
  const [profile, setProfile] = useState<RoutingProfile | null>(null);
  const [rows, setRows] = useState<SkillRow[]>([]);
  const [capacity, setCapacity] = useState<CapacityForm>(capacityForm(null));
  const [ownCapacity, setOwnCapacity] = useState(false);
  const [interruptible, setInterruptible] = useState(true);
  const [queueIds, setQueueIds] = useState<number[]>([]);
  const [saved, setSaved] = useState(false);

  const apply = (p: RoutingProfile) => {
    setProfile(p);
    setRows(p.skills.map((s) => ({ skill_id: String(s.skill_id), level: String(s.level) })));
    setCapacity(capacityForm(p.capacity));
    setOwnCapacity(p.capacity_is_own ?? true);
    setInterruptible(p.chat_interruptible_by_email);
    setQueueIds(p.queue_ids);
  };
  useEffect(() => void run(() => routing.profile(userId)).then((p) => p && apply(p)), [userId]);

  async function save(e: Event) {
    e.preventDefault();
    setSaved(false);
    const cap = ownCapacity ? capacityFromForm(capacity) : null;
    if (ownCapacity && (!cap || Object.keys(cap).length < CHANNEL_KINDS.length)) return setError(t('profile.capacityInvalid'));
    if (rows.some((r) => !r.skill_id)) return setError(t('queue.err.skillMissing'));
    if (new Set(rows.map((r) => r.skill_id)).size !== rows.length) return setError(t('queue.err.skillTwice'));
    const p = await run(() =>
      routing.saveProfile(userId, {
        skills: rows.map((r) => ({ skill_id: Number(r.skill_id), level: Number(r.level) })),
        capacity: cap,
        chat_interruptible_by_email: interruptible,
        queue_ids: queueIds,
      }),
    );
    if (p) {
      apply(p);
      setSaved(true);
    }
  }

  if (!profile) return <ErrorLine error={error} />;
  return (
    <form class="card form-card queue-form" onSubmit={save} aria-label={name}>
      <SkillLevels id="profile-skills" legend={t('profile.skills')} rows={rows} skills={skills} levelLabel={t('profile.level')} onChange={setRows} />
      <fieldset class="form-section">
        <legend>{t('profile.capacity')}</legend>
        <label class="check">
          <input id="profile-own-capacity" type="checkbox" checked={ownCapacity} onChange={(e) => setOwnCapacity(e.currentTarget.checked)} />
          <span>{t('profile.ownCapacity')}</span>
        </label>
        {!ownCapacity && <p class="small muted">{t('profile.capacityHelp')}</p>}
        <CapacityFields idPrefix="profile-capacity" value={capacity} disabled={!ownCapacity} onChange={setCapacity} />
        <label class="check">
          <input type="checkbox" checked={interruptible} onChange={(e) => setInterruptible(e.currentTarget.checked)} />
          <span>{t('profile.interruptible')}</span>
        </label>
      </fieldset>
      <TeamChecks legend={t('profile.queues')} teams={queues} value={queueIds} onChange={setQueueIds} />
      <ErrorLine error={error} />
      {saved && (
        <p class="notice small" role="status">
          {t('profile.saved', { name })}
        </p>
      )}
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {t('app.save')}
      </button>
    </form>
  );
}

function TeamDefaults() {
  const { t } = useI18n();
  const { dir } = useSession();
  const { error, busy, run } = useAction();
  const [values, setValues] = useState<Record<number, CapacityForm>>({});
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    Promise.all(dir.teams.map((tm) => routing.teamRouting(tm.id).then((r) => [tm.id, capacityForm(r.capacity)] as const, () => [tm.id, capacityForm(null)] as const))).then((list) =>
      setValues(Object.fromEntries(list)),
    );
  }, [dir.teams]);
  if (!dir.teams.length) return null;
  return (
    <section class="card form-card queue-form" aria-labelledby="team-defaults-h">
      <h3 id="team-defaults-h">{t('profile.teamDefaults')}</h3>
      <p class="small muted">{t('profile.teamHelp')}</p>
      {dir.teams.map((tm) => (
        <form key={tm.id} class="form-section" aria-label={tm.name} onSubmit={async (e) => {
          e.preventDefault();
          setSaved(null);
          const cap = capacityFromForm(values[tm.id] ?? capacityForm(null));
          if (!cap) return;
          if (await run(() => routing.saveTeamRouting(tm.id, cap))) setSaved(t('profile.teamSaved', { name: tm.name }));
        }}>
          <p class="field-label">{tm.name}</p>
          <CapacityFields idPrefix={`team-${tm.id}-capacity`} value={values[tm.id] ?? capacityForm(null)} onChange={(v) => setValues({ ...values, [tm.id]: v })} />
          <button type="submit" class="btn btn-secondary btn-sm field" disabled={busy}>
            {t('app.save')}
            <span class="visually-hidden"> {tm.name}</span>
          </button>
        </form>
      ))}
      <ErrorLine error={error} />
      {saved && (
        <p class="notice small" role="status">
          {saved}
        </p>
      )}
    </section>
  );
}

// ---- routing rules ----
// The channel names the server uses (core/domain.cpp); labels through channelLabelKey.
const RULE_CHANNELS = ['api', 'webchat', 'whatsapp', 'messenger', 'instagram', 'telegram', 'twilio', 'x', 'email', 'voice'];

export function RulesAdmin() {
  const { t } = useI18n();
  const { dir } = useSession();
  const [queues] = useQueueList();
  const { error, busy, run, setError } = useAction();
  const [rules, setRules] = useState<RoutingRule[] | null>(null);
  const [dirty, setDirty] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => void run(() => routing.rules()).then((r) => r && setRules([...r].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)))), []);
  const change = (next: RoutingRule[]) => {
    setRules(next);
    setDirty(true);
    setSaved(false);
  };
  const setRule = (k: number, patch: Partial<RoutingRule>) => rules && change(rules.map((r, j) => (j === k ? { ...r, ...patch } : r)));
  const channelOptions = useMemo(() => RULE_CHANNELS.map((c) => ({ c, label: t(channelLabelKey(c)) })), [t]);

  if (!rules) return <ErrorLine error={error} />;
  return (
    <section aria-labelledby="rules-h">
      <h2 id="rules-h">{t('admin.rules')}</h2>
      <p class="muted small">{t('rules.help')}</p>
      {queues && queues.length === 0 && <p class="notice small">{t('rules.needQueue')}</p>}
      {rules.length === 0 && <p class="muted">{t('rules.empty')}</p>}
      <form onSubmit={async (e) => {
        e.preventDefault();
        const missing = rules.findIndex((r) => !r.queue_id);
        if (missing >= 0) {
          setError(t('rules.queueMissing', { n: missing + 1 }));
          document.getElementById(`rule-${missing}-queue`)?.focus();
          return;
        }
        const out = await run(() => routing.saveRules(rulesForSave(rules)));
        if (out) {
          setRules(out);
          setDirty(false);
          setSaved(true);
        }
      }}>
        <ol class="rule-list">
          {rules.map((r, k) => (
            <li key={r.id ?? `new-${k}`} class="rule">
              <div class="rule-body" role="group" aria-labelledby={`rule-${k}-n`}>
              <span class="rule-n" id={`rule-${k}-n`}>
                {t('rules.rule', { n: k + 1 })}
              </span>
              <div class="rule-fields">
                <FormRow label={t('rules.inbox')}>
                  <select value={r.inbox_id ?? ''} onChange={(e) => setRule(k, { inbox_id: e.currentTarget.value ? Number(e.currentTarget.value) : null })}>
                    <option value="">{t('rules.any')}</option>
                    {dir.inboxes.map((ib) => (
                      <option key={ib.id} value={ib.id}>
                        {ib.name}
                      </option>
                    ))}
                  </select>
                </FormRow>
                <FormRow label={t('rules.channel')}>
                  <select value={r.channel ?? ''} onChange={(e) => setRule(k, { channel: e.currentTarget.value || null })}>
                    <option value="">{t('rules.any')}</option>
                    {channelOptions.map(({ c, label }) => (
                      <option key={c} value={c}>
                        {label}
                      </option>
                    ))}
                  </select>
                </FormRow>
                <FormRow label={t('rules.label')}>
                  <input type="text" maxLength={50} placeholder={t('rules.any')} value={r.label ?? ''} onInput={(e) => setRule(k, { label: e.currentTarget.value })} />
                </FormRow>
                <FormRow label={t('rules.language')}>
                  <input type="text" maxLength={10} placeholder={t('rules.any')} value={r.language ?? ''} onInput={(e) => setRule(k, { language: e.currentTarget.value })} />
                </FormRow>
                <FormRow label={t('rules.queue')}>
                  <select id={`rule-${k}-queue`} required value={r.queue_id || ''} onChange={(e) => setRule(k, { queue_id: Number(e.currentTarget.value) })}>
                    <option value="">{t('transfer.choose')}</option>
                    {(queues ?? []).map((q) => (
                      <option key={q.id} value={q.id}>
                        {q.name}
                      </option>
                    ))}
                  </select>
                </FormRow>
                <FormRow label={t('rules.priority')}>
                  <NumberInput value={String(r.priority ?? 0)} min={-100} max={100} onInput={(v) => setRule(k, { priority: Number(v) || 0 })} />
                </FormRow>
              </div>
              <div class="rule-moves">
                <button type="button" class="btn btn-ghost btn-sm" aria-label={t('rules.up', { n: k + 1 })} disabled={k === 0} onClick={() => change(moveItem(rules, k, -1))}>
                  ↑
                </button>
                <button type="button" class="btn btn-ghost btn-sm" aria-label={t('rules.down', { n: k + 1 })} disabled={k === rules.length - 1} onClick={() => change(moveItem(rules, k, 1))}>
                  ↓
                </button>
                <button type="button" class="btn btn-danger btn-sm" aria-label={t('rules.remove', { n: k + 1 })} onClick={() => change(rules.filter((_, j) => j !== k))}>
                  ×
                </button>
              </div>
              </div>
            </li>
          ))}
        </ol>
        <div class="row-actions">
          <button
            type="button"
            class="btn btn-secondary"
            disabled={!queues || queues.length === 0}
            onClick={() => change([...rules, { inbox_id: null, label: null, language: null, channel: null, queue_id: queues?.[0]?.id ?? 0, priority: 0 }])}
          >
            {t('rules.add')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy || !dirty}>
            {t('rules.save')}
          </button>
          {dirty && <span class="small muted">{t('rules.unsaved')}</span>}
        </div>
        <ErrorLine error={error} />
        {saved && (
          <p class="notice small" role="status">
            {t('rules.saved')}
          </p>
        )}
      </form>
    </section>
  );
}
