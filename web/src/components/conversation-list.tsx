// The conversation list: filters (mine / unassigned / all, status, inbox, team, label), sort
// (last activity, waiting longest, priority), cursor pagination and live updates. The filter
// lives in the URL query; j / k move between conversations.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Conversation } from '../api/types';
import { useI18n } from '../i18n';
import { apiQuery, applyConversation, filterToParams, mergePage, SCOPES, SORTS, sortConversations, STATUSES, type ListFilter } from '../lib/filters';
import { linkHandler, navigate } from '../lib/router';
import { inboxOf, teamName, useContact, useLive, userName, useSession } from '../state';
import { errorText } from '../lib/errors';
import { ChannelIcon, channelLabelKey } from './icons';
import { PublicBadge } from './reply-mode';

export function conversationHref(id: number, f: ListFilter) {
  const s = filterToParams(f).toString();
  return `/conversations/${id}` + (s ? '?' + s : '');
}

export function ConversationList({ filter, selectedId }: { filter: ListFilter; selectedId: number | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const [items, setItems] = useState<Conversation[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const queryKey = JSON.stringify(apiQuery(filter));
  const generation = useRef(0);

  async function load(more: boolean) {
    const gen = more ? generation.current : ++generation.current;
    setLoading(true);
    setError(null);
    try {
      const page = await api.conversations({ ...apiQuery(filter), limit: 25, cursor: more ? cursor : null });
      if (gen !== generation.current) return;
      setItems((prev) => (more ? mergePage(prev, page.data, filter.sort) : sortConversations(page.data, filter.sort)));
      setCursor(page.next_cursor);
    } catch (e) {
      if (gen === generation.current) setError(errorText(i18n, e));
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  }

  useEffect(() => void load(false), [queryKey]);
  useEffect(() => setItems((prev) => sortConversations(prev, filter.sort)), [filter.sort]);

  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (reloadTimer.current && clearTimeout(reloadTimer.current)), []);
  useLive((e) => {
    if (e.type === 'contact.updated') {
      // A merge or unmerge moves conversations between contacts without conversation events.
      if (reloadTimer.current) clearTimeout(reloadTimer.current);
      reloadTimer.current = setTimeout(() => load(false), 500);
    } else if (e.type === 'conversation.created' || e.type === 'conversation.updated') {
      setItems((prev) => applyConversation(prev, e.data, filter, dir.me.id));
    } else if (e.type === 'message.created' && e.data.direction === 'incoming') {
      setItems((prev) =>
        prev.map((c) => (c.id === e.data.conversation_id ? { ...c, last_activity_at: e.data.created_at, last_incoming_at: e.data.created_at } : c)),
      );
    }
  });

  // j / k: next / previous conversation.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const el = e.target as HTMLElement;
      if (el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName))) return;
      if (e.key !== 'j' && e.key !== 'k') return;
      if (!items.length) return;
      e.preventDefault();
      const idx = items.findIndex((c) => c.id === selectedId);
      const next = e.key === 'j' ? Math.min(items.length - 1, idx + 1) : Math.max(0, idx < 0 ? 0 : idx - 1);
      const target = items[next];
      navigate(conversationHref(target.id, filter));
      requestAnimationFrame(() => listRef.current?.querySelector<HTMLAnchorElement>(`a[data-id="${target.id}"]`)?.focus());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [items, selectedId, filter]);

  const setFilter = (patch: Partial<ListFilter>) => {
    const next = { ...filter, ...patch };
    const s = filterToParams(next).toString();
    navigate((selectedId ? `/conversations/${selectedId}` : '/') + (s ? '?' + s : ''), { replace: true });
  };

  return (
    <section class="list-pane" aria-labelledby="list-title">
      <div class="list-head">
        <h1 id="list-title" class="pane-title">
          {t('list.title')}
        </h1>
        <span class="muted small" aria-live="polite">
          {!loading && i18n.tn('list.count', items.length) + (cursor ? '+' : '')}
        </span>
      </div>
      <fieldset class="segmented">
        <legend class="visually-hidden">{t('list.scope')}</legend>
        {SCOPES.map((s) => (
          <label key={s} class={filter.scope === s ? 'is-on' : ''}>
            <input type="radio" name="scope" value={s} checked={filter.scope === s} onChange={() => setFilter({ scope: s })} />
            <span>{t(`list.scope.${s}`)}</span>
          </label>
        ))}
      </fieldset>
      <details class="filters" open>
        <summary>{t('list.filters')}</summary>
        <div class="filter-grid">
          <label class="field field-compact">
            <span>{t('list.status')}</span>
            <select aria-label={t('list.status')} value={filter.status} onChange={(e) => setFilter({ status: e.currentTarget.value as ListFilter['status'] })}>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
              <option value="all">{t('status.all')}</option>
            </select>
          </label>
          <label class="field field-compact">
            <span>{t('list.inbox')}</span>
            <select aria-label={t('list.inbox')} value={filter.inboxId ?? ''} onChange={(e) => setFilter({ inboxId: e.currentTarget.value ? Number(e.currentTarget.value) : null })}>
              <option value="">{t('nav.allInboxes')}</option>
              {dir.inboxes.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name} ({t(channelLabelKey(i.channel))})
                </option>
              ))}
            </select>
          </label>
          <label class="field field-compact">
            <span>{t('list.team')}</span>
            <select aria-label={t('list.team')} value={filter.teamId ?? ''} onChange={(e) => setFilter({ teamId: e.currentTarget.value ? Number(e.currentTarget.value) : null })}>
              <option value="">{t('list.anyTeam')}</option>
              {dir.teams.map((tm) => (
                <option key={tm.id} value={tm.id}>
                  {tm.name}
                </option>
              ))}
            </select>
          </label>
          <LabelFilter value={filter.label} onChange={(label) => setFilter({ label })} />
          <label class="field field-compact">
            <span>{t('list.sort')}</span>
            <select aria-label={t('list.sort')} value={filter.sort} onChange={(e) => setFilter({ sort: e.currentTarget.value as ListFilter['sort'] })} aria-describedby={filter.sort !== 'last_activity' ? 'sort-note' : undefined}>
              {SORTS.map((s) => (
                <option key={s} value={s}>
                  {t(`list.sort.${s}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {filter.sort !== 'last_activity' && (
          <p id="sort-note" class="muted small">
            {t('list.sortNote')}
          </p>
        )}
      </details>
      {error && (
        <div class="form-error" role="alert">
          {error}{' '}
          <button type="button" class="btn btn-link" onClick={() => load(false)}>
            {t('app.retry')}
          </button>
        </div>
      )}
      <ul class="conv-list" ref={listRef} aria-busy={loading} aria-labelledby="list-title">
        {items.map((c) => (
          <ConversationItem key={c.id} c={c} href={conversationHref(c.id, filter)} selected={c.id === selectedId} />
        ))}
      </ul>
      {!loading && !error && items.length === 0 && <p class="empty-state">{t('list.empty')}</p>}
      {loading && <p class="muted small list-loading">{t('app.loading')}</p>}
      {cursor && !loading && (
        <button type="button" class="btn btn-secondary btn-block" onClick={() => load(true)}>
          {t('app.loadMore')}
        </button>
      )}
    </section>
  );
}

function LabelFilter({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <form
      class="field field-compact"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(text.trim());
      }}
    >
      <label for="label-filter">{t('list.label')}</label>
      <input id="label-filter" type="text" value={text} placeholder={t('list.labelPlaceholder')} onInput={(e) => setText(e.currentTarget.value)} onBlur={() => text.trim() !== value && onChange(text.trim())} maxLength={50} />
    </form>
  );
}

function ConversationItem({ c, href, selected }: { c: Conversation; href: string; selected: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const contact = useContact(c.contact_id);
  const inbox = inboxOf(dir, c.inbox_id);
  const assignee = c.assignee_id ? userName(dir, c.assignee_id) ?? '#' + c.assignee_id : null;
  const team = teamName(dir, c.team_id);
  // The API has no "waiting since" yet: a conversation counts as waiting while it is open and
  // no reply is known to have come after the customer's last message.
  const waiting = c.status === 'open' && !!c.last_incoming_at && !(c.first_response_at && c.first_response_at > c.last_incoming_at);
  return (
    <li>
      <a href={href} onClick={linkHandler} data-id={c.id} class={'conv-item' + (selected ? ' is-selected' : '')} aria-current={selected ? 'true' : undefined}>
        <div class="conv-item-top">
          <ChannelIcon channel={inbox?.channel ?? 'other'} size={18} labelled />
          <span class="conv-name">{contact?.name || t('conv.title', { id: c.id })}</span>
          <time class="muted small" dateTime={c.last_activity_at} title={i18n.dateTime(c.last_activity_at)}>
            {i18n.relative(c.last_activity_at)}
          </time>
        </div>
        <div class="conv-item-meta">
          <span class="muted small">
            {inbox?.name ?? ''} · #{c.id}
          </span>
          {c.priority !== 'none' && <span class={'badge badge-prio-' + c.priority}>{t(`priority.${c.priority}`)}</span>}
          {c.status !== 'open' && <span class={'badge badge-status-' + c.status}>{t(`status.${c.status}`)}</span>}
          {c.public && <PublicBadge />}
        </div>
        <div class="conv-item-meta">
          <span class="small">{assignee ?? <span class="muted">{t('list.unassigned')}</span>}</span>
          {team && <span class="muted small">· {team}</span>}
          {waiting && c.last_incoming_at && <span class="waiting small">{t('list.waiting', { time: i18n.since(c.last_incoming_at) })}</span>}
        </div>
        {c.labels.length > 0 && (
          <div class="label-row">
            {c.labels.map((l) => (
              <span key={l} class="label-chip">
                {l}
              </span>
            ))}
          </div>
        )}
      </a>
    </li>
  );
}

