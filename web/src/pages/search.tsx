// Search: full-text over messages (GET /search) and contacts (GET /contacts?q=), side by side.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Contact, Message } from '../api/types';
import { ChannelIcon } from '../components/icons';
import { useI18n } from '../i18n';
import { linkHandler, navigate } from '../lib/router';
import { inboxOf, useContact, useSession } from '../state';
import { errorText } from '../lib/errors';

export function SearchPage({ q }: { q: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [msgCursor, setMsgCursor] = useState<string | null>(null);
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [contactCursor, setContactCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setMessages(null);
    setContacts(null);
    setError(null);
    if (!q.trim()) return;
    api.search(q).then((p) => {
      setMessages(p.data);
      setMsgCursor(p.next_cursor);
    }, (e) => {
      setMessages([]);
      setError(errorText(i18n, e));
    });
    api.contacts(q).then((p) => {
      setContacts(p.data.filter((c) => !c.merged_into));
      setContactCursor(p.next_cursor);
    }, () => setContacts([]));
  }, [q]);

  async function openContact(c: Contact) {
    try {
      const convs = await api.contactConversations(c.id);
      if (convs.length) navigate(`/conversations/${convs[0].id}`);
    } catch (e) {
      setError(errorText(i18n, e));
    }
  }

  return (
    <div class="page search-page">
      <div class="page-head">
        <h1 class="pane-title">{t('search.title', { q })}</h1>
        <a class="btn btn-ghost" href="/" onClick={linkHandler}>
          {t('search.clear')}
        </a>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="search-columns">
        <section aria-labelledby="sr-messages">
          <h2 id="sr-messages">{t('search.messages')}</h2>
          {messages === null ? (
            <p class="muted">{t('app.loading')}</p>
          ) : messages.length === 0 ? (
            <p class="muted">{t('search.noMessages')}</p>
          ) : (
            <ul class="result-list">
              {messages.map((m) => (
                <SearchHit key={m.id} m={m} />
              ))}
            </ul>
          )}
          {msgCursor && (
            <button type="button" class="btn btn-secondary" onClick={() => api.search(q, msgCursor).then((p) => {
              setMessages((prev) => [...(prev ?? []), ...p.data]);
              setMsgCursor(p.next_cursor);
            })}>
              {t('app.loadMore')}
            </button>
          )}
        </section>
        <section aria-labelledby="sr-contacts">
          <h2 id="sr-contacts">{t('search.contacts')}</h2>
          {contacts === null ? (
            <p class="muted">{t('app.loading')}</p>
          ) : contacts.length === 0 ? (
            <p class="muted">{t('search.noContacts')}</p>
          ) : (
            <ul class="result-list">
              {contacts.map((c) => (
                <li key={c.id}>
                  <button type="button" class="result result-button" onClick={() => openContact(c)}>
                    <span class="avatar" aria-hidden="true">
                      {(c.name || '?').slice(0, 1).toUpperCase()}
                    </span>
                    <span>
                      <strong>{c.name || '—'}</strong> <span class="muted small">#{c.id}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {contactCursor && (
            <button type="button" class="btn btn-secondary" onClick={() => api.contacts(q, contactCursor).then((p) => {
              setContacts((prev) => [...(prev ?? []), ...p.data.filter((c) => !c.merged_into)]);
              setContactCursor(p.next_cursor);
            })}>
              {t('app.loadMore')}
            </button>
          )}
        </section>
      </div>
    </div>
  );
}

function SearchHit({ m }: { m: Message }) {
  const i18n = useI18n();
  const { dir } = useSession();
  const inbox = inboxOf(dir, m.inbox_id);
  const contact = useContact(m.sender_contact_id);
  return (
    <li>
      <a class="result" href={`/conversations/${m.conversation_id}`} onClick={linkHandler}>
        <ChannelIcon channel={inbox?.channel ?? 'other'} size={18} labelled />
        <span class="result-body">
          <span class="result-meta small muted">
            {contact?.name ?? ''} · #{m.conversation_id} · <time dateTime={m.created_at}>{i18n.dateTime(m.created_at)}</time>
          </span>
          <span class="result-text">{m.text.length > 300 ? m.text.slice(0, 300) + '…' : m.text}</span>
        </span>
      </a>
    </li>
  );
}
