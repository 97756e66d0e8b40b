// Settings → Inboxes: the list (with the live state of e-mail inboxes), one inbox's details
// (its webhook URL and secret, the e-mail poller's status re-read every 10 seconds, the config
// form) and the form for a new API, e-mail, web-chat or WhatsApp inbox (web chat: its own
// fields, components/webchat-form.tsx, and the embed snippet). Inboxes of other channels are
// shown read-only. The config forms are described in lib/inbox-config.ts; a 400 from the
// server names the config key, and that field is marked and focused.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import type { ChannelStatus, Inbox, Team } from '../api/types';
import { ErrorLine, TeamChecks, useAction } from '../components/forms';
import { ChannelIcon, channelLabelKey } from '../components/icons';
import { TemplateSyncPanel } from '../components/template-sync';
import { WebchatFields, type FieldError } from '../components/webchat-form';
import { useI18n, type MessageKey } from '../i18n';
import {
  configEntries, configFromForm, configProblem, CREATABLE_CHANNELS, fieldOfError, fieldsFor, formFromConfig, MASK, webhookUnreachable, webhookUrl,
  type ConfigField, type FormValues,
} from '../lib/inbox-config';
import { sendsWhatsApp } from '../lib/customer-window';
import { defaultTimeZone } from '../lib/timezones';
import { embedSnippet, webchatConfigFromForm, webchatFieldOfError, webchatFormFromConfig, webchatProblem, type WebchatForm } from '../lib/webchat-config';
import { useSession } from '../state';
import { errorText } from '../lib/errors';

/** How often the e-mail status is re-read while the screen is open. */
export const STATUS_REFRESH_MS = 10_000;

const KNOWN_STATES = ['ok', 'error', 'webhook_only'];

export function InboxesAdmin() {
  const { t } = useI18n();
  const { dir, reloadDirectory } = useSession();
  const isAdmin = dir.me.role === 'admin';
  const { error, busy, run } = useAction();
  const [list, setList] = useState<Inbox[]>(dir.inboxes);
  const [selected, setSelected] = useState<number | null>(null);
  const [justCreated, setJustCreated] = useState<number | null>(null);
  const detailRef = useRef<HTMLElement>(null);

  useEffect(() => setList(dir.inboxes), [dir.inboxes]);
  // The table's status column follows the pollers while this screen is open.
  const hasEmail = list.some((i) => i.channel === 'email');
  useEffect(() => {
    if (!hasEmail) return;
    const timer = setInterval(() => api.inboxes().then(setList, () => {}), STATUS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [hasEmail]);
  useEffect(() => {
    if (selected !== null) detailRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [selected]);

  const current = selected !== null ? list.find((i) => i.id === selected) : undefined;

  return (
    <section aria-labelledby="inboxes-h">
      <h2 id="inboxes-h">{t('admin.inboxes')}</h2>
      {!isAdmin && <p class="muted small">{t('admin.readOnly')}</p>}
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('admin.name')}</th>
            <th scope="col">{t('admin.channel')}</th>
            <th scope="col">{t('admin.status')}</th>
            <th scope="col">{t('admin.teamsCol')}</th>
            <th scope="col">{t('admin.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {list.map((ib) => (
            <tr key={ib.id} class={ib.id === selected ? 'is-selected' : ''}>
              <th scope="row">{ib.name}</th>
              <td>
                <ChannelIcon channel={ib.channel} size={16} /> {t(channelLabelKey(ib.channel))}
              </td>
              <td>{ib.channel === 'email' ? <StateBadge status={ib.channel_status} /> : <span class="muted">—</span>}</td>
              <td>
                {isAdmin ? (
                  <InboxTeams inbox={ib} teams={dir.teams} onSaved={reloadDirectory} />
                ) : (
                  ib.team_ids.map((id) => dir.teams.find((x) => x.id === id)?.name).filter(Boolean).join(', ') || '—'
                )}
              </td>
              <td class="row-actions">
                <button
                  type="button"
                  class="btn btn-secondary btn-sm"
                  aria-expanded={ib.id === selected}
                  aria-label={t('admin.detailsOf', { name: ib.name })}
                  onClick={() => {
                    setJustCreated(null);
                    setSelected(ib.id === selected ? null : ib.id);
                  }}
                >
                  {t('admin.details')}
                </button>
                {isAdmin && (
                  <button
                    type="button"
                    class="btn btn-danger btn-sm"
                    disabled={busy}
                    onClick={async () => {
                      if (!confirm(t('app.confirmDelete', { name: ib.name }))) return;
                      await run(() => api.del(`/inboxes/${ib.id}`));
                      if (selected === ib.id) setSelected(null);
                      await reloadDirectory();
                    }}
                  >
                    {t('app.delete')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorLine error={error} />
      {current && (
        <InboxDetail
          key={current.id}
          initial={current}
          sectionRef={detailRef}
          revealSecret={justCreated === current.id}
          onClose={() => setSelected(null)}
          onSaved={reloadDirectory}
          onFresh={(ib) => setList((prev) => prev.map((x) => (x.id === ib.id ? { ...x, channel_status: ib.channel_status } : x)))}
        />
      )}
      {isAdmin && (
        <InboxForm
          key="new"
          inbox={null}
          teams={dir.teams}
          onDone={async (ib) => {
            await reloadDirectory();
            setJustCreated(ib.id);
            setSelected(ib.id);
          }}
        />
      )}
    </section>
  );
}

function InboxTeams({ inbox, teams, onSaved }: { inbox: Inbox; teams: Team[]; onSaved: () => Promise<void> }) {
  const { t } = useI18n();
  const [ids, setIds] = useState(inbox.team_ids);
  const { error, busy, run } = useAction();
  useEffect(() => setIds(inbox.team_ids), [inbox.team_ids.join(',')]);
  const changed = JSON.stringify([...ids].sort()) !== JSON.stringify([...inbox.team_ids].sort());
  if (!teams.length) return <span class="muted">—</span>;
  return (
    <div>
      <TeamChecks teams={teams} value={ids} onChange={setIds} legend={t('admin.teamsCol') + ': ' + inbox.name} />
      {changed && (
        <button type="button" class="btn btn-primary btn-sm" disabled={busy} onClick={async () => {
          if (await run(() => api.updateInbox(inbox.id, { team_ids: ids }))) await onSaved();
        }}>
          {t('app.save')}
        </button>
      )}
      <ErrorLine error={error} />
    </div>
  );
}

/** ok / error / webhook_only as a coloured badge; "not polled yet" before the first poll. */
export function StateBadge({ status }: { status: ChannelStatus | null | undefined }) {
  const { t } = useI18n();
  const state = status?.state && KNOWN_STATES.includes(status.state) ? status.state : 'unknown';
  return <span class={'badge badge-mail-' + state}>{t(`inbox.state.${state}` as MessageKey)}</span>;
}

// ---- one inbox ----
function InboxDetail({ initial, sectionRef, revealSecret, onClose, onSaved, onFresh }: {
  initial: Inbox;
  sectionRef: { current: HTMLElement | null };
  revealSecret: boolean;
  onClose: () => void;
  onSaved: () => Promise<void>;
  /** Each fresh read, so the list shows the same state. */
  onFresh: (ib: Inbox) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const isAdmin = dir.me.role === 'admin';
  const [inbox, setInbox] = useState<Inbox>(initial);
  const [checkedAt, setCheckedAt] = useState<number | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const id = initial.id;

  const refresh = () =>
    api.inbox(id).then(
      (ib) => {
        setInbox(ib);
        onFresh(ib);
        setCheckedAt(Date.now());
        setLoadError(null);
      },
      (e) => setLoadError(errorText(i18n, e)),
    );
  // GET /inboxes/{id} now and every 10 seconds while the details are open (the e-mail state).
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), STATUS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [id]);

  const editable = isAdmin && (fieldsFor(inbox.channel) !== null || inbox.channel === 'api' || inbox.channel === 'webchat');
  return (
    <section class="card inbox-detail" aria-labelledby="inbox-detail-h" ref={sectionRef}>
      <div class="detail-head">
        <h3 id="inbox-detail-h">
          <ChannelIcon channel={inbox.channel} size={18} /> {inbox.name} · {t(channelLabelKey(inbox.channel))}
        </h3>
        <button type="button" class="btn btn-ghost btn-sm" onClick={onClose}>
          {t('app.close')}
        </button>
      </div>
      <ErrorLine error={loadError} />
      {inbox.channel === 'email' && <MailStatus status={inbox.channel_status} checkedAt={checkedAt} onRefresh={refresh} />}
      {sendsWhatsApp(inbox) && <TemplateSyncPanel inboxId={inbox.id} isAdmin={isAdmin} />}
      <WebhookInfo inbox={inbox} revealSecret={revealSecret} />
      {inbox.channel === 'webchat' && <EmbedInfo inbox={inbox} revealSecret={revealSecret} />}
      {editable ? (
        <InboxForm
          inbox={inbox}
          teams={dir.teams}
          onDone={async (saved) => {
            setInbox((prev) => ({ ...saved, channel_status: prev.channel_status }));
            await onSaved();
            void refresh();
          }}
        />
      ) : (
        <ConfigList inbox={inbox} />
      )}
    </section>
  );
}

function MailStatus({ status, checkedAt, onRefresh }: { status: ChannelStatus | null | undefined; checkedAt: number | null; onRefresh: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  // The API gives ISO 8601 times (older servers: epoch milliseconds).
  const when = (value: string | number | undefined) => {
    const ms = typeof value === 'string' ? Date.parse(value) : value;
    return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? (
      <time dateTime={new Date(ms).toISOString()}>
        {i18n.dateTime(ms)} ({i18n.relative(ms)})
      </time>
    ) : (
      <span class="muted">{t('admin.never')}</span>
    );
  };
  const skipped = Array.isArray(status?.skipped) ? status!.skipped : [];
  return (
    <section class="mail-status" aria-labelledby="mail-status-h">
      <h4 id="mail-status-h">{t('inbox.statusTitle')}</h4>
      <p class="mail-state" aria-live="polite">
        <StateBadge status={status} />{' '}
        {status?.state === 'webhook_only' && <span class="small muted">{t('inbox.stateHelp.webhook_only')}</span>}
        {!status && <span class="small muted">{t('inbox.stateHelp.unknown')}</span>}
      </p>
      {status && (
        <dl class="facts">
          {status.last_error ? (
            <div>
              <dt>{t('inbox.lastError')}</dt>
              <dd class="form-error">{status.last_error}</dd>
            </div>
          ) : null}
          {typeof status.failures === 'number' && status.failures > 0 && (
            <div>
              <dt>{t('inbox.failures')}</dt>
              <dd>{i18n.number(status.failures)}</dd>
            </div>
          )}
          <div>
            <dt>{t('inbox.lastPoll')}</dt>
            <dd>{when(status.last_poll_at)}</dd>
          </div>
          {status.state !== 'webhook_only' && (
            <>
              <div>
                <dt>{t('inbox.lastSuccess')}</dt>
                <dd>{when(status.last_success_at)}</dd>
              </div>
              <div>
                <dt>{t('inbox.nextPoll')}</dt>
                <dd>{when(status.next_poll_at)}</dd>
              </div>
            </>
          )}
        </dl>
      )}
      {skipped.length > 0 && (
        <>
          <h5>{t('inbox.skipped')}</h5>
          <ul class="skipped-list">
            {skipped.map((s, i) => (
              <li key={i}>
                {t('inbox.skippedItem', { uid: s.uid ?? '?', reason: s.reason ?? '' })}
                {typeof s.at === 'number' && <span class="muted small"> · {i18n.dateTime(s.at)}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      <p class="small muted">
        {checkedAt ? t('inbox.checked', { time: i18n.time(checkedAt) }) : t('app.loading')}{' '}
        <button type="button" class="btn btn-link" onClick={() => void onRefresh()}>
          {t('inbox.refresh')}
        </button>
      </p>
    </section>
  );
}

/** Copies to the clipboard; where the browser does not allow it (a page served over plain
 * http), selects the text instead so Ctrl+C copies it. */
async function copyOrSelect(text: string, el: HTMLElement | null): Promise<'copied' | 'selected'> {
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    return 'copied';
  } catch {
    if (el) {
      const range = document.createRange();
      range.selectNodeContents(el);
      const sel = window.getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
      el.focus();
    }
    return 'selected';
  }
}

/** The inbox secret, hidden until "Show secret" (shown at once right after creating the inbox). */
function SecretRow({ secret, revealSecret }: { secret: string; revealSecret: boolean }) {
  const { t } = useI18n();
  const [shown, setShown] = useState(revealSecret);
  const [copied, setCopied] = useState<'copied' | 'selected' | null>(null);
  const code = useRef<HTMLElement>(null);
  return (
    <div class="secret-row">
      <span class="field-label">{t('inbox.secret')}</span>
      {shown ? (
        <code class="secret inbox-secret" tabIndex={0} ref={code}>
          {secret}
        </code>
      ) : (
        <code class="secret muted" aria-hidden="true">
          ••••••••••••••••
        </code>
      )}
      <button type="button" class="btn btn-secondary btn-sm" aria-expanded={shown} onClick={() => setShown(!shown)}>
        {shown ? t('inbox.hideSecret') : t('inbox.showSecret')}
      </button>
      {shown && (
        <button type="button" class="btn btn-secondary btn-sm" onClick={() => copyOrSelect(secret, code.current).then(setCopied)}>
          {copied === 'copied' ? t('app.copied') : t('app.copy')}
        </button>
      )}
      {copied === 'selected' && (
        <span class="small muted" role="status">
          {t('inbox.copySelected')}
        </span>
      )}
    </div>
  );
}

/** Web chat: the one line for the company's pages, and identity verification with the secret. */
function EmbedInfo({ inbox, revealSecret }: { inbox: Inbox; revealSecret: boolean }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'copied' | 'selected' | null>(null);
  const code = useRef<HTMLElement>(null);
  const snippet = embedSnippet(location.origin, inbox.id);
  return (
    <section class="webhook-info embed-info" aria-labelledby="embed-h">
      <h4 id="embed-h">{t('wc.embed')}</h4>
      <p class="small muted" id="embed-help">
        {t('wc.embedHelp')}
      </p>
      <div class="secret-row">
        <code class="secret embed-snippet" tabIndex={0} ref={code} aria-describedby="embed-help">
          {snippet}
        </code>
        <button type="button" class="btn btn-secondary btn-sm" onClick={() => copyOrSelect(snippet, code.current).then(setCopied)}>
          {copied === 'copied' ? t('app.copied') : t('wc.copySnippet')}
        </button>
      </div>
      <p class="small muted" role="status">
        {copied === 'copied' ? t('wc.snippetCopied') : copied === 'selected' ? t('inbox.copySelected') : ''}
      </p>
      <h5>{t('wc.identity')}</h5>
      <p class="small">
        {t('wc.identityHelp')}{' '}
        <a href={WEBCHAT_DOC} target="_blank" rel="noopener noreferrer">
          {t('wc.identityDoc')}
        </a>
      </p>
      {inbox.secret ? <SecretRow secret={inbox.secret} revealSecret={revealSecret} /> : <p class="small muted">{t('wc.secretAdmin')}</p>}
    </section>
  );
}

/** docs/channels/WEBCHAT.md, shipped with the desk (vite.config.ts). */
export const WEBCHAT_DOC = '/docs/webchat.txt';

function WebhookInfo({ inbox, revealSecret }: { inbox: Inbox; revealSecret: boolean }) {
  const { t } = useI18n();
  const url = webhookUrl(inbox.channel, inbox.id, inbox.config, location.origin);
  if (!url) return null;
  const withSecret = (inbox.channel === 'email' || inbox.channel === 'api') && !!inbox.secret;
  const helps: Record<string, MessageKey> = {
    email: 'inbox.webhookEmailHelp',
    api: 'inbox.webhookApiHelp',
    whatsapp: 'inbox.webhookWhatsappHelp',
    messenger: 'inbox.webhookMessengerHelp',
    instagram: 'inbox.webhookInstagramHelp',
    telegram: 'inbox.webhookTelegramHelp',
    twilio: 'inbox.webhookTwilioHelp',
    x: 'inbox.webhookXHelp',
  };
  const help: MessageKey | null = Object.hasOwn(helps, inbox.channel) ? helps[inbox.channel] : null;
  return (
    <section class="webhook-info" aria-labelledby="webhook-h">
      <h4 id="webhook-h">{t('inbox.webhook')}</h4>
      <p>
        <code class="secret webhook-url">{url}</code>
      </p>
      {webhookUnreachable(inbox.channel, url) && (
        <p class="small warning" role="note">
          {t('inbox.webhookNotPublic')}
        </p>
      )}
      {help && <p class="small muted">{t(help)}</p>}
      {withSecret && <SecretRow secret={inbox.secret!} revealSecret={revealSecret} />}
    </section>
  );
}

function ConfigList({ inbox }: { inbox: Inbox }) {
  const { t } = useI18n();
  const entries = configEntries(inbox.config ?? {});
  return (
    <section aria-labelledby="config-h">
      <h4 id="config-h">{t('inbox.config')}</h4>
      {inbox.callback_url && (
        <p>
          {t('admin.callbackUrl')}: <code>{inbox.callback_url}</code>
        </p>
      )}
      {entries.length ? (
        <dl class="facts">
          {entries.map(([k, v]) => (
            <div key={k}>
              <dt>
                <code>{k}</code>
              </dt>
              <dd class="pre">{v}</dd>
            </div>
          ))}
        </dl>
      ) : (
        !inbox.callback_url && <p class="muted">{t('admin.empty')}</p>
      )}
      {fieldsFor(inbox.channel) === null && inbox.channel !== 'api' && inbox.channel !== 'webchat' && <p class="small muted">{t('inbox.readOnlyChannel')}</p>}
    </section>
  );
}

// ---- the form: a new inbox (inbox null) or an existing one ----
function InboxForm({ inbox, teams, onDone }: { inbox: Inbox | null; teams: Team[]; onDone: (ib: Inbox) => Promise<void> | void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const creating = inbox === null;
  const prefix = creating ? 'new-inbox' : `inbox-${inbox.id}`;
  const [channel, setChannel] = useState<string>(inbox?.channel ?? 'email');
  const [name, setName] = useState(inbox?.name ?? '');
  const [callback, setCallback] = useState(inbox?.callback_url ?? '');
  const [teamIds, setTeamIds] = useState<number[]>([]);
  const [values, setValues] = useState<FormValues>(() => formFromConfig(inbox?.channel ?? 'email', inbox?.config));
  const [wc, setWc] = useState<WebchatForm>(() => webchatFormFromConfig(inbox?.channel === 'webchat' ? inbox.config : {}, defaultTimeZone()));
  /** Web chat: what the desk's own check refused (an origin, an interval), at its field. */
  const [clientProblem, setClientProblem] = useState<FieldError | null>(null);
  const [saved, setSaved] = useState(false);
  const { error, busy, run, raw, setError } = useAction();
  const fields = fieldsFor(channel) ?? [];
  const refused = raw instanceof ApiError && raw.status === 400 ? raw.message : null;
  const webchat = channel === 'webchat';
  const wcError: FieldError | null = !webchat ? null : clientProblem ?? (refused && webchatFieldOfError(refused) ? { field: webchatFieldOfError(refused)!, message: errorText(i18n, raw) } : null);
  const badField = webchat ? wcError?.field ?? null : clientProblem?.field ?? (refused ? fieldOfError(refused) : null);
  const errorId = `${prefix}-error`;

  // After a refused save, the field the server (or the desk's own check) named gets the focus.
  useEffect(() => {
    if (badField) document.getElementById(`${prefix}-${badField}`)?.focus();
  }, [raw, clientProblem]);

  async function submit(e: Event) {
    e.preventDefault();
    setSaved(false);
    let wcForm = wc;
    if (webchat) {
      const problem = webchatProblem(wc);
      setError(null);
      if (problem) {
        setClientProblem({ field: problem.field, message: t(problem.key, problem.params) });
        return;
      }
      setClientProblem(null);
      // A site typed but not added yet is added with the save.
      const withDraft = webchatConfigFromForm(wc, {}).allowed_origins as string[];
      wcForm = { ...wc, origins: withDraft, originDraft: '' };
      setWc(wcForm);
    }
    if (!webchat && channel !== 'api') {
      // A number out of its range (the send rate, the poll interval) is named at its field.
      const problem = configProblem(channel, values);
      setError(null);
      setClientProblem(problem ? { field: problem.field, message: t(problem.key, problem.params) } : null);
      if (problem) return;
    }
    const base = creating ? {} : inbox.config ?? {};
    const body =
      channel === 'api' ? { callback_url: callback.trim() } : webchat ? { config: webchatConfigFromForm(wcForm, base) } : { config: configFromForm(channel, values, base) };
    const result = await run(() =>
      creating ? api.createInbox({ name: name.trim(), channel, team_ids: teamIds, ...body }) : api.updateInbox(inbox.id, { name: name.trim(), ...body }),
    );
    if (!result) return;
    if (creating) {
      setName('');
      setCallback('');
      setTeamIds([]);
      setValues(formFromConfig(channel));
      setWc(webchatFormFromConfig({}, defaultTimeZone()));
    } else {
      // The saved config as the server shows it (passwords masked again).
      setName(result.name);
      setValues(formFromConfig(channel, result.config));
      if (webchat) setWc(webchatFormFromConfig(result.config, defaultTimeZone()));
      setSaved(true);
    }
    await onDone(result);
  }

  const groups: MessageKey[] = [];
  for (const f of fields) if (!groups.includes(f.group)) groups.push(f.group);
  const invalid = (key: string) => badField === key;
  const describedBy = (key: string, help?: boolean) => [help ? `${prefix}-${key}-help` : '', invalid(key) ? errorId : ''].filter(Boolean).join(' ') || undefined;

  return (
    <form class={'card form-card inbox-form' + (creating ? '' : ' inbox-form-edit')} onSubmit={submit} aria-labelledby={`${prefix}-h`}>
      <h3 id={`${prefix}-h`}>{creating ? t('admin.newInbox') : t('inbox.config')}</h3>
      <div class="form-grid">
        {creating && (
          <div class="field">
            <label for={`${prefix}-channel`}>{t('admin.channel')}</label>
            <select
              id={`${prefix}-channel`}
              value={channel}
              onChange={(e) => {
                const c = e.currentTarget.value;
                setChannel(c);
                setValues(formFromConfig(c));
                setWc(webchatFormFromConfig({}, defaultTimeZone()));
                setClientProblem(null);
              }}
            >
              {CREATABLE_CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {t(channelLabelKey(c))}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="field">
          <label for={`${prefix}-name`}>{t('admin.name')}</label>
          <input
            id={`${prefix}-name`}
            type="text"
            required
            maxLength={200}
            value={name}
            aria-invalid={invalid('name') || undefined}
            aria-describedby={describedBy('name')}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
      </div>
      {channel === 'api' && (
        <div class="field">
          <label for={`${prefix}-callback_url`}>{t('admin.callbackUrl')}</label>
          <input
            id={`${prefix}-callback_url`}
            type="url"
            required
            value={callback}
            placeholder="https://crm.example/parley"
            aria-invalid={invalid('callback_url') || undefined}
            aria-describedby={describedBy('callback_url', true)}
            onInput={(e) => setCallback(e.currentTarget.value)}
          />
          <span id={`${prefix}-callback_url-help`} class="small muted">
            {t('admin.callbackUrlHelp')}
          </span>
        </div>
      )}
      {groups.map((g) => (
        <fieldset key={g} class="form-section">
          <legend>{t(g)}</legend>
          <div class="form-grid">
            {fields
              .filter((f) => f.group === g)
              .map((f) => (
                <ConfigInput
                  key={f.key}
                  f={f}
                  id={`${prefix}-${f.key}`}
                  value={values[f.key]}
                  stored={!creating && inbox.config?.[f.key] === MASK}
                  invalid={invalid(f.key)}
                  errorId={errorId}
                  onChange={(v) => setValues({ ...values, [f.key]: v })}
                />
              ))}
          </div>
        </fieldset>
      ))}
      {webchat && <WebchatFields prefix={prefix} form={wc} onChange={setWc} error={wcError} onProblem={setClientProblem} />}
      {creating && teams.length > 0 && <TeamChecks teams={teams} value={teamIds} onChange={setTeamIds} legend={t('admin.teamsCol')} />}
      {/* A web-chat error that names its field stands at that field. */}
      <ErrorLine error={webchat ? (wcError && wcError.field !== 'name' ? null : error) : clientProblem?.message ?? error} id={errorId} />
      <div class="row-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {creating ? t('app.create') : t('app.save')}
        </button>
        {saved && !error && (
          <span class="small muted" role="status">
            {t('app.saved')}
          </span>
        )}
      </div>
    </form>
  );
}

function ConfigInput({ f, id, value, stored, invalid, errorId, onChange }: {
  f: ConfigField;
  id: string;
  value: string | boolean | undefined;
  /** A secret is stored (the API shows it as ********). */
  stored: boolean;
  invalid: boolean;
  errorId: string;
  onChange: (v: string | boolean) => void;
}) {
  const { t } = useI18n();
  const helpKey: MessageKey | undefined = f.kind === 'password' && stored ? 'inbox.passwordKept' : f.help;
  const describedBy = [helpKey ? `${id}-help` : '', invalid ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const help = helpKey ? (
    <span id={`${id}-help`} class="small muted">
      {t(helpKey)}
    </span>
  ) : null;
  if (f.kind === 'checkbox') {
    return (
      <label class="check field-wide">
        <input id={id} type="checkbox" checked={value === true} aria-describedby={describedBy} onChange={(e) => onChange(e.currentTarget.checked)} />
        <span>{t(f.label)}</span>
      </label>
    );
  }
  const common = {
    id,
    required: f.required,
    placeholder: f.placeholder,
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
  };
  const text = typeof value === 'string' ? value : '';
  return (
    <div class={'field' + (f.kind === 'textarea' ? ' field-textarea' : '')}>
      <label for={id}>{t(f.label)}</label>
      {f.kind === 'textarea' ? (
        <textarea {...common} rows={3} value={text} onInput={(e) => onChange(e.currentTarget.value)} />
      ) : f.kind === 'password' ? (
        <input {...common} type="password" spellcheck={false} autoComplete="new-password" value={text} onInput={(e) => onChange(e.currentTarget.value)} />
      ) : f.kind === 'number' ? (
        <input {...common} type="number" min={f.min} max={f.max} step={f.step} value={text} onInput={(e) => onChange(e.currentTarget.value)} />
      ) : f.kind === 'email' ? (
        <input {...common} type="email" spellcheck={false} autoComplete="off" value={text} onInput={(e) => onChange(e.currentTarget.value)} />
      ) : (
        <input
          {...common}
          type="text"
          inputMode={f.kind === 'url' ? 'url' : undefined}
          spellcheck={f.kind === 'url' ? false : undefined}
          autoComplete="off"
          value={text}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      )}
      {help}
    </div>
  );
}
