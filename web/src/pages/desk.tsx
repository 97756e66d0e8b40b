// The desk: conversation list | conversation (header with actions, the contact's whole
// timeline across channels, composer) | contact panel.
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import type { Conversation, Message } from '../api/types';
import { ActionsBar } from '../components/actions';
import { Composer, type ComposerHandle } from '../components/composer';
import { PublicBadge } from '../components/reply-mode';
import { ContactPanel } from '../components/contact-panel';
import { RoutingLine } from '../components/transfer';
import { WindowBadge } from '../components/window-badge';
import { ConversationList } from '../components/conversation-list';
import { ChannelIcon, channelLabelKey } from '../components/icons';
import { MessageItem } from '../components/message';
import { useI18n } from '../i18n';
import { filterFromParams } from '../lib/filters';
import { applyTyping, clearByMessage, nextExpiry, pruneTypers, type Typer } from '../lib/typing';
import { inboxOf, useContact, useLive, useSession } from '../state';
import { errorText } from '../lib/errors';
import { isEditable } from './shell';

export function DeskPage({ conversationId, params }: { conversationId: number | null; params: URLSearchParams }) {
  const { t } = useI18n();
  const filter = filterFromParams(params);
  return (
    <div class={'desk' + (conversationId ? ' has-conversation' : '')}>
      <ConversationList filter={filter} selectedId={conversationId} />
      {conversationId ? (
        <ConversationPane key={conversationId} id={conversationId} />
      ) : (
        <section class="conv-pane conv-empty" aria-label={t('conv.select')}>
          <p class="empty-state">{t('conv.select')}</p>
        </section>
      )}
    </div>
  );
}

/** Messages of several conversations in time order (then by id). */
export function mergeTimeline(byConversation: Map<number, Message[]>): Message[] {
  const all: Message[] = [];
  for (const list of byConversation.values()) all.push(...list);
  return all.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
}

/** Adds or replaces a message; an older copy never overwrites a newer one (the POST answer
 * can arrive after the live message.updated that followed it). */
export function upsertMessage(list: Message[], m: Message): Message[] {
  const i = list.findIndex((x) => x.id === m.id);
  if (i < 0) return [...list, m];
  if (Date.parse(list[i].updated_at) > Date.parse(m.updated_at)) return list;
  const copy = [...list];
  copy[i] = m;
  return copy;
}

function ConversationPane({ id }: { id: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const [conv, setConv] = useState<Conversation | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'notFound' | 'error'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [contactConvs, setContactConvs] = useState<Conversation[]>([]);
  const [messages, setMessages] = useState<Map<number, Message[]>>(new Map());
  const [reload, setReload] = useState(0);
  const [announce, setAnnounce] = useState('');
  const [typers, setTypers] = useState<Typer[]>([]);
  const composer = useRef<ComposerHandle | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const contact = useContact(conv?.contact_id);

  // The conversation, then the contact's conversations and all their messages.
  useEffect(() => {
    let alive = true;
    (async () => {
      try {
        const c = await api.conversation(id);
        if (!alive) return;
        setConv(c);
        setState('ready');
        const [own, convs] = await Promise.all([api.messages(id), api.contactConversations(c.contact_id).catch(() => [c])]);
        if (!alive) return;
        const map = new Map<number, Message[]>([[id, own]]);
        setContactConvs(convs.some((x) => x.id === id) ? convs : [c, ...convs]);
        setMessages(new Map(map));
        const others = convs.filter((x) => x.id !== id).slice(0, 20);
        const lists = await Promise.all(others.map((x) => api.messages(x.id).catch(() => [] as Message[])));
        if (!alive) return;
        others.forEach((x, i) => map.set(x.id, lists[i]));
        setMessages(new Map(map));
      } catch (e) {
        if (!alive) return;
        if (e instanceof ApiError && e.notFound) setState('notFound');
        else {
          setError(errorText(i18n, e));
          setState('error');
        }
      }
    })();
    return () => {
      alive = false;
    };
  }, [id, reload]);

  useLive((e) => {
    if (e.type === 'conversation.updated' || e.type === 'conversation.created') {
      if (e.data.id === id) setConv(e.data);
      if (conv && e.data.contact_id === conv.contact_id) {
        setContactConvs((prev) => (prev.some((x) => x.id === e.data.id) ? prev.map((x) => (x.id === e.data.id ? e.data : x)) : [e.data, ...prev]));
        setMessages((prev) => (prev.has(e.data.id) ? prev : new Map(prev).set(e.data.id, [])));
      }
    } else if (e.type === 'message.created' || e.type === 'message.updated') {
      const m = e.data;
      setMessages((prev) => {
        if (!prev.has(m.conversation_id)) return prev;
        const next = new Map(prev);
        next.set(m.conversation_id, upsertMessage(prev.get(m.conversation_id)!, m));
        return next;
      });
      if (e.type === 'message.created' && m.direction === 'incoming' && m.conversation_id === id) {
        setAnnounce(t('conv.newMessage', { name: contact?.name ?? '' }) + ': ' + m.text.slice(0, 140));
      }
      if (e.type === 'message.created' && m.conversation_id === id) setTypers((prev) => clearByMessage(prev, m));
    } else if (e.type === 'conversation.typing' && e.data.conversation_id === id) {
      setTypers((prev) => applyTyping(pruneTypers(prev, Date.now()), e.data, dir.me.id, Date.now()));
    }
  });

  // A "typing" that is not repeated lapses: one timer, for the next entry to expire.
  const expiry = nextExpiry(typers);
  useEffect(() => {
    if (expiry === null) return;
    const timer = setTimeout(() => setTypers((prev) => pruneTypers(prev, Date.now())), Math.max(0, expiry - Date.now()) + 50);
    return () => clearTimeout(timer);
  }, [expiry]);

  // r: write a reply.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'r' && !e.ctrlKey && !e.metaKey && !e.altKey && !isEditable(e.target)) {
        e.preventDefault();
        composer.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const timeline = mergeTimeline(messages);
  useEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [timeline.length, state]);

  if (state === 'notFound') {
    return (
      <section class="conv-pane conv-empty" aria-labelledby="conv-missing">
        <div role="alert">
          <h1 id="conv-missing" class="empty-state">
            {t('conv.notFound')}
          </h1>
        </div>
      </section>
    );
  }
  if (state === 'error') {
    return (
      <section class="conv-pane conv-empty">
        <p class="form-error" role="alert">
          {error}{' '}
          <button type="button" class="btn btn-link" onClick={() => setReload((n) => n + 1)}>
            {t('app.retry')}
          </button>
        </p>
      </section>
    );
  }
  if (!conv) {
    return (
      <section class="conv-pane conv-empty">
        <p class="muted" role="status">
          {t('app.loading')}
        </p>
      </section>
    );
  }

  const inbox = inboxOf(dir, conv.inbox_id);
  let lastConv = -1;
  return (
    <>
      <section
        class="conv-pane"
        aria-labelledby="conv-heading"
        onDragOver={(e) => e.dataTransfer?.types.includes('Files') && e.preventDefault()}
        onDrop={(e) => {
          if (!e.dataTransfer?.files.length || e.defaultPrevented) return;
          e.preventDefault();
          composer.current?.addFiles(e.dataTransfer.files);
        }}
      >
        <header class="conv-head">
          <div class="conv-title">
            <ChannelIcon channel={inbox?.channel ?? 'other'} size={24} labelled />
            <div>
              <h1 id="conv-heading" class="pane-title">
                {contact?.name || t('conv.title', { id: conv.id })}
              </h1>
              <p class="muted small">
                {t('conv.title', { id: conv.id })} · {inbox ? t('conv.via', { channel: t(channelLabelKey(inbox.channel)), inbox: inbox.name }) : ''} · <span class={'badge badge-status-' + conv.status}>{t(`status.${conv.status}`)}</span>
                {conv.public && <> · <PublicBadge /></>}
                {' '}<WindowBadge conv={conv} />
              </p>
              <RoutingLine conv={conv} />
            </div>
          </div>
          <ActionsBar conv={conv} onChange={(c) => setConv(c)} />
        </header>
        <div
          class="timeline-scroll"
          ref={scroller}
          onScroll={(e) => {
            const el = e.currentTarget as HTMLDivElement;
            stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
          }}
        >
          <ol class="timeline" aria-label={t('conv.timeline', { name: contact?.name ?? '' })}>
            {timeline.map((m) => {
              const divider = m.conversation_id !== lastConv;
              lastConv = m.conversation_id;
              const mInbox = inboxOf(dir, m.inbox_id);
              return (
                <Fragment key={m.id}>
                  {divider && (
                    <li class={'conv-divider' + (m.conversation_id === id ? ' is-current' : '')}>
                      <span>
                        {mInbox && <ChannelIcon channel={mInbox.channel} size={14} />}
                        {t('conv.otherConversation', { id: m.conversation_id, inbox: mInbox?.name ?? '' })}
                        {m.conversation_id === id ? ` (${t('conv.current')})` : ''}
                      </span>
                    </li>
                  )}
                  <MessageItem
                    m={m}
                    inCurrent={m.conversation_id === id}
                    publicThread={m.conversation_id === id ? conv.public : contactConvs.find((c) => c.id === m.conversation_id)?.public}
                    reactedTo={m.kind === 'reaction' && m.reply_to_id ? timeline.find((x) => x.id === m.reply_to_id) : undefined}
                  />
                </Fragment>
              );
            })}
          </ol>
        </div>
        <TypingLine typers={typers} />
        <div class="visually-hidden" aria-live="polite">
          {announce}
        </div>
        <Composer
          conv={conv}
          handle={composer}
          onSent={(m) => {
            stick.current = true;
            setMessages((prev) => new Map(prev).set(m.conversation_id, upsertMessage(prev.get(m.conversation_id) ?? [], m)));
          }}
        />
      </section>
      <ContactPanel contactId={conv.contact_id} conversations={contactConvs} currentId={id} onMerged={() => setReload((n) => n + 1)} />
    </>
  );
}

/** "Anna is typing…" under the timeline; the line keeps its height so nothing jumps. */
export function TypingLine({ typers }: { typers: Typer[] }) {
  const { t } = useI18n();
  const names = typers.map((x) => (x.side === 'agent' ? x.name || t('conv.unknownAgent') : x.name || t('typing.customer')));
  const text = !names.length ? '' : names.length === 1 ? t('typing.one', { name: names[0] }) : t('typing.two', { first: names.slice(0, -1).join(', '), last: names[names.length - 1] });
  return (
    <div class="typing-line small muted" aria-live="polite">
      {text && (
        <>
          <span class="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {text}
        </>
      )}
    </div>
  );
}
