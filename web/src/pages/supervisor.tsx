// Supervisor: agents with their availability (live, from user.availability) and open load, open conversations per inbox and per team, and the
// longest-waiting conversations. Counted in the browser from the open conversations (the API
// has no aggregate endpoint yet); re-counted on live changes.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Conversation } from '../api/types';
import { ChannelIcon } from '../components/icons';
import { Presence } from '../components/presence';
import { QueueStatsSection } from '../components/queue-stats';
import { useI18n } from '../i18n';
import { linkHandler } from '../lib/router';
import { supervisorStats } from '../lib/stats';
import { inboxOf, useContact, useLive, userName, useSession } from '../state';
import { errorText } from '../lib/errors';

const MAX = 2000;

export function SupervisorPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const [open, setOpen] = useState<Conversation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = () =>
    api.all<Conversation>('/conversations', { status: 'open' }, MAX).then(
      (list) => {
        setOpen(list);
        setError(null);
      },
      (e) => setError(errorText(i18n, e)),
    );
  useEffect(() => {
    load();
    return () => void (timer.current && clearTimeout(timer.current));
  }, []);
  useLive((e) => {
    if (e.type !== 'conversation.created' && e.type !== 'conversation.updated') return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(load, 1500);
  });

  if (error) {
    return (
      <div class="page">
        <p class="form-error" role="alert">
          {error}
        </p>
      </div>
    );
  }
  if (!open) return <div class="page muted">{t('app.loading')}</div>;
  const s = supervisorStats(open);
  const agents = dir.users.filter((u) => u.active).map((u) => ({ u, n: s.byAssignee.get(u.id) ?? 0 })).sort((a, b) => b.n - a.n || a.u.name.localeCompare(b.u.name));

  return (
    <div class="page supervisor">
      <div class="page-head">
        <h1 class="pane-title">{t('sup.title')}</h1>
        <p class="muted">{t('sup.total', { count: i18n.number(s.total) })}</p>
      </div>
      {open.length >= MAX && <p class="notice small">{t('sup.truncated', { count: i18n.number(MAX) })}</p>}
      <div class="cards">
        <QueueStatsSection />
        <section class="card card-wide" aria-labelledby="sup-agents">
          <h2 id="sup-agents">{t('sup.agents')}</h2>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('sup.agent')}</th>
                <th scope="col">{t('sup.status')}</th>
                <th scope="col" class="num">{t('sup.openLoad')}</th>
              </tr>
            </thead>
            <tbody>
              {agents.map(({ u, n }) => (
                <tr key={u.id}>
                  <th scope="row">
                    {u.name} <span class="muted small">· {t(`role.${u.role}`)}</span>
                  </th>
                  <td data-user-id={u.id} class="sup-presence">
                    <Presence availability={u.availability} since={u.availability_changed_at} />
                  </td>
                  <td class="num">
                    <LoadBar n={n} max={Math.max(1, ...agents.map((a) => a.n))} label={i18n.number(n)} />
                  </td>
                </tr>
              ))}
              <tr>
                <th scope="row" class="muted">
                  {t('sup.unassigned')}
                </th>
                <td />
                <td class="num">{i18n.number(s.byAssignee.get(null) ?? 0)}</td>
              </tr>
            </tbody>
          </table>
        </section>
        <section class="card" aria-labelledby="sup-inbox">
          <h2 id="sup-inbox">{t('sup.perInbox')}</h2>
          <table class="table">
            <tbody>
              {dir.inboxes.map((ib) => (
                <tr key={ib.id}>
                  <th scope="row">
                    <ChannelIcon channel={ib.channel} size={16} labelled /> {ib.name}
                  </th>
                  <td class="num">{i18n.number(s.byInbox.get(ib.id) ?? 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section class="card" aria-labelledby="sup-team">
          <h2 id="sup-team">{t('sup.perTeam')}</h2>
          <table class="table">
            <tbody>
              {dir.teams.map((tm) => (
                <tr key={tm.id}>
                  <th scope="row">{tm.name}</th>
                  <td class="num">{i18n.number(s.byTeam.get(tm.id) ?? 0)}</td>
                </tr>
              ))}
              <tr>
                <th scope="row" class="muted">
                  {t('sup.noTeam')}
                </th>
                <td class="num">{i18n.number(s.byTeam.get(null) ?? 0)}</td>
              </tr>
            </tbody>
          </table>
        </section>
        <section class="card card-wide" aria-labelledby="sup-waiting">
          <h2 id="sup-waiting">{t('sup.longestWaiting')}</h2>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('sup.conversation')}</th>
                <th scope="col">{t('list.inbox')}</th>
                <th scope="col">{t('actions.assignee')}</th>
                <th scope="col">{t('sup.waitingSince')}</th>
              </tr>
            </thead>
            <tbody>
              {s.longestWaiting.map((c) => (
                <WaitingRow key={c.id} c={c} />
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}

function LoadBar({ n, max, label }: { n: number; max: number; label: string }) {
  return (
    <span class="loadbar">
      <span class="loadbar-fill" style={{ width: `${Math.round((n / max) * 100)}%` }} aria-hidden="true" />
      <span class="loadbar-label">{label}</span>
    </span>
  );
}

function WaitingRow({ c }: { c: Conversation }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const contact = useContact(c.contact_id);
  const inbox = inboxOf(dir, c.inbox_id);
  return (
    <tr>
      <th scope="row">
        <a href={`/conversations/${c.id}`} onClick={linkHandler}>
          {contact?.name || '—'} <span class="muted small">#{c.id}</span>
        </a>
      </th>
      <td>{inbox?.name}</td>
      <td>{c.assignee_id ? userName(dir, c.assignee_id) : <span class="muted">{t('sup.unassigned')}</span>}</td>
      <td>
        {c.last_incoming_at && (
          <time dateTime={c.last_incoming_at} title={i18n.dateTime(c.last_incoming_at)}>
            {i18n.since(c.last_incoming_at)}
          </time>
        )}
      </td>
    </tr>
  );
}
