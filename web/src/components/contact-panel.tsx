// The contact panel: name (editable), identities per channel, attributes, the contact's
// conversations across inboxes, and merging another contact into this one (with undo).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Contact, Conversation } from '../api/types';
import { useI18n } from '../i18n';
import { linkHandler } from '../lib/router';
import { forgetContact, inboxOf, putContact, useContact, useSession } from '../state';
import { errorText } from '../lib/errors';
import { Dialog } from './dialog';
import { ChannelIcon, channelLabelKey, Icon } from './icons';

export function ContactPanel({ contactId, conversations, currentId, onMerged }: { contactId: number; conversations: Conversation[]; currentId: number; onMerged: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const contact = useContact(contactId);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [lastMerge, setLastMerge] = useState<{ source: Contact } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    setEditing(false);
    setError(null);
    setNotice(null);
    setLastMerge(null);
  }, [contactId]);

  if (!contact) {
    return (
      <aside class="contact-pane" aria-label={t('contact.panel')}>
        <p class="muted small">{t('app.loading')}</p>
      </aside>
    );
  }

  async function rename(e: Event) {
    e.preventDefault();
    try {
      const c = await api.updateContact(contactId, { name: name.trim() });
      forgetContact(c.id);
      setEditing(false);
    } catch (err) {
      setError(errorText(i18n, err));
    }
  }

  async function undo() {
    if (!lastMerge) return;
    setError(null);
    try {
      await api.unmergeContact(lastMerge.source.id);
      forgetContact(lastMerge.source.id);
      forgetContact(contactId);
      setLastMerge(null);
      setNotice(t('contact.unmerged'));
      onMerged();
    } catch (err) {
      setError(errorText(i18n, err));
    }
  }

  const scopeInbox = (scope?: string) => {
    const m = scope ? /^inbox:(\d+)$/.exec(scope) : null;
    return m ? inboxOf(dir, Number(m[1])) : undefined;
  };
  const attributes = Object.entries(contact.attributes ?? {});

  return (
    <aside class="contact-pane" aria-labelledby="contact-heading">
      <h2 id="contact-heading" class="visually-hidden">
        {t('contact.panel')}
      </h2>
      <div class="contact-card">
        <span class="avatar avatar-lg" aria-hidden="true">
          {(contact.name || '?').slice(0, 1).toUpperCase()}
        </span>
        {editing ? (
          <form class="inline-form" onSubmit={rename}>
            <label class="visually-hidden" for="contact-name">
              {t('contact.name')}
            </label>
            <input id="contact-name" type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={200} autoFocus />
            <button type="submit" class="btn btn-primary btn-sm">
              {t('app.save')}
            </button>
            <button type="button" class="btn btn-ghost btn-sm" onClick={() => setEditing(false)}>
              {t('app.cancel')}
            </button>
          </form>
        ) : (
          <div class="contact-name-row">
            <p class="contact-name">{contact.name || '—'}</p>
            <button
              type="button"
              class="btn btn-link btn-sm"
              onClick={() => {
                setName(contact.name);
                setEditing(true);
              }}
            >
              {t('contact.rename')}
            </button>
          </div>
        )}
        <p class="muted small">{t('contact.since', { date: i18n.date(contact.created_at) })}</p>
        {contact.merged_into && <p class="notice small">{t('contact.mergedInto', { id: contact.merged_into })}</p>}
      </div>
      {notice && (
        <p class="notice small" role="status">
          {notice}
        </p>
      )}
      {lastMerge && (
        <div class="notice small" role="status">
          {t('contact.merged', { name: lastMerge.source.name })}{' '}
          <button type="button" class="btn btn-link btn-sm" onClick={undo}>
            <Icon name="undo" size={14} /> {t('contact.undo')}
          </button>
        </div>
      )}
      {error && (
        <p class="form-error small" role="alert">
          {error}
        </p>
      )}

      <div class="panel-section">
        <h3 id="identities-heading">{t('contact.identities')}</h3>
        <ul class="identity-list">
          {(contact.identities ?? []).map((idn) => {
            const inbox = scopeInbox(idn.scope);
            return (
              <li key={idn.id}>
                {inbox ? <ChannelIcon channel={inbox.channel} size={16} /> : <span class="identity-kind">{t(`contact.identity.${idn.kind}`)}</span>}
                <span class="identity-value">{idn.value}</span>
                <span class="muted small">
                  {inbox ? `${t(channelLabelKey(inbox.channel))} · ${inbox.name}` : idn.scope && idn.kind === 'external' ? idn.scope : t(`contact.identity.${idn.kind}`)}
                  {idn.verified ? ` · ${t('contact.verified')}` : ''}
                </span>
              </li>
            );
          })}
        </ul>
      </div>

      <div class="panel-section">
        <h3 id="attributes-heading">{t('contact.attributes')}</h3>
        {attributes.length === 0 ? (
          <p class="muted small">{t('contact.noAttributes')}</p>
        ) : (
          <dl class="attr-list">
            {attributes.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
              </div>
            ))}
          </dl>
        )}
      </div>

      <div class="panel-section">
        <h3 id="contact-convs-heading">{t('contact.conversations')}</h3>
        <ul class="mini-conv-list">
          {conversations.map((c) => {
            const inbox = inboxOf(dir, c.inbox_id);
            return (
              <li key={c.id}>
                <a href={`/conversations/${c.id}`} onClick={linkHandler} aria-current={c.id === currentId ? 'true' : undefined}>
                  <ChannelIcon channel={inbox?.channel ?? 'other'} size={16} labelled />
                  <span>
                    #{c.id} · {inbox?.name}
                  </span>
                  <span class={'badge badge-status-' + c.status}>{t(`status.${c.status}`)}</span>
                  <time class="muted small" dateTime={c.last_activity_at}>
                    {i18n.date(c.last_activity_at)}
                  </time>
                </a>
              </li>
            );
          })}
        </ul>
      </div>

      <MergeBox
        target={contact}
        onMerged={(source) => {
          setLastMerge({ source });
          setNotice(null);
          forgetContact(source.id);
          forgetContact(contactId);
          onMerged();
        }}
        onError={(msg) => setError(msg)}
      />
    </aside>
  );
}

function MergeBox({ target, onMerged, onError }: { target: Contact; onMerged: (source: Contact) => void; onError: (m: string) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Contact[]>([]);
  const [confirm, setConfirm] = useState<Contact | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const query = q.trim();
    if (query.length < 2) {
      setResults([]);
      return;
    }
    const timer = setTimeout(() => {
      api.contacts(query).then(
        (page) => setResults(page.data.filter((c) => c.id !== target.id && !c.merged_into)),
        () => setResults([]),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [q, target.id]);

  async function merge(source: Contact) {
    setBusy(true);
    try {
      const merged = await api.mergeContact(target.id, source.id);
      if (merged && typeof merged === 'object' && 'id' in merged) putContact(merged);
      setConfirm(null);
      setQ('');
      onMerged(source);
    } catch (e) {
      setConfirm(null);
      onError(errorText(i18n, e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="panel-section">
      <h3 id="merge-heading">{t('contact.merge')}</h3>
      <label class="field">
        <span class="small">{t('contact.mergeSearch')}</span>
        <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} maxLength={200} />
      </label>
      {results.length > 0 && (
        <ul class="merge-results">
          {results.map((c) => (
            <li key={c.id}>
              <span>
                {c.name || '—'} <span class="muted small">#{c.id}</span>
              </span>
              <button type="button" class="btn btn-secondary btn-sm" onClick={() => setConfirm(c)}>
                {t('contact.mergeDo')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {confirm && (
        <Dialog title={t('contact.merge')} onClose={() => setConfirm(null)}>
          <p>{t('contact.mergeConfirm', { source: confirm.name || '#' + confirm.id, target: target.name || '#' + target.id })}</p>
          <div class="dialog-actions">
            <button type="button" class="btn btn-secondary" onClick={() => setConfirm(null)}>
              {t('app.cancel')}
            </button>
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => merge(confirm)}>
              {t('contact.mergeDo')}
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}
