// The signed-in frame: top bar (search, my availability, live state, account menu), the
// sidebar (main navigation and the inboxes with their open counts) and the routed page.
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Availability, Language } from '../api/types';
import { AccountDialog } from '../components/account';
import { Dialog } from '../components/dialog';
import { OfferTray } from '../components/offers';
import { ChannelIcon, Icon } from '../components/icons';
import { AVAILABILITIES, isAvailability, PresenceDot } from '../components/presence';
import { LANGUAGES, useI18n } from '../i18n';
import { filterFromParams, filterToParams } from '../lib/filters';
import { askPermission, notificationsEnabled, setNotificationsEnabled } from '../lib/notify';
import { spellMemory } from '../lib/spellcheck';
import { linkHandler, navigate, useRoute } from '../lib/router';
import { clearContacts, useLive, useSession } from '../state';
import { errorText } from '../lib/errors';
import { AdminPage } from './admin';
import { DeskPage } from './desk';
import { SearchPage } from './search';
import { SupervisorPage } from './supervisor';

export function isEditable(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export function Shell({ setLang, onLogout }: { setLang: (l: Language) => void; onLogout: () => void }) {
  const { t } = useI18n();
  const { dir } = useSession();
  const route = useRoute();
  const [helpOpen, setHelpOpen] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const canAdmin = dir.me.role !== 'agent';

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return;
      if (e.key === '/') {
        e.preventDefault();
        searchRef.current?.focus();
      } else if (e.key === '?') {
        e.preventDefault();
        setHelpOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const section = route.name === 'desk' || route.name === 'search' ? 'desk' : route.name;
  return (
    <div class="app">
      <a class="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header class="topbar">
        <a class="brand" href="/" onClick={linkHandler}>
          <span class="brand-mark" aria-hidden="true">
            P
          </span>
          {t('app.name')}
        </a>
        <SearchBox inputRef={searchRef} initial={route.name === 'search' ? route.q : ''} />
        <div class="topbar-end">
          <PresenceMenu />
          <LiveBadge />
          <button type="button" class="btn btn-ghost btn-icon" onClick={() => setHelpOpen(true)} aria-label={t('nav.shortcuts')} title={t('nav.shortcuts')}>
            <Icon name="keyboard" />
          </button>
          <UserMenu setLang={setLang} onLogout={onLogout} />
        </div>
      </header>
      <div class="frame">
        <nav class="sidebar" aria-label={t('nav.main')}>
          <ul class="nav-list">
            <li>
              <a href="/" onClick={linkHandler} aria-current={section === 'desk' ? 'page' : undefined}>
                {t('nav.inbox')}
              </a>
            </li>
            {canAdmin && (
              <li>
                <a href="/supervisor" onClick={linkHandler} aria-current={section === 'supervisor' ? 'page' : undefined}>
                  {t('nav.supervisor')}
                </a>
              </li>
            )}
            <li>
              <a href="/admin" onClick={linkHandler} aria-current={section === 'admin' ? 'page' : undefined}>
                {t('nav.admin')}
              </a>
            </li>
          </ul>
          <InboxNav />
        </nav>
        <main id="main" class="main" tabIndex={-1}>
          {route.name === 'desk' && <DeskPage conversationId={route.conversationId} params={route.params} />}
          {route.name === 'search' && <SearchPage q={route.q} />}
          {route.name === 'supervisor' && <SupervisorPage />}
          {route.name === 'admin' && <AdminPage section={route.section} />}
          {route.name === 'notFound' && <p class="empty-state">{t('error.not_found')}</p>}
        </main>
      </div>
      <OfferTray />
      {helpOpen && <ShortcutHelp onClose={() => setHelpOpen(false)} />}
    </div>
  );
}

function SearchBox({ inputRef, initial }: { inputRef: RefObject<HTMLInputElement | null>; initial: string }) {
  const { t } = useI18n();
  const [q, setQ] = useState(initial);
  useEffect(() => setQ(initial), [initial]);
  return (
    <form
      class="search-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const v = q.trim();
        if (v) navigate('/search?q=' + encodeURIComponent(v));
      }}
    >
      <label class="visually-hidden" for="global-search">
        {t('search.label')}
      </label>
      <Icon name="search" />
      <input id="global-search" ref={inputRef} type="search" placeholder={t('search.placeholder')} value={q} onInput={(e) => setQ(e.currentTarget.value)} maxLength={200} aria-keyshortcuts="/" />
    </form>
  );
}

function LiveBadge() {
  const { t } = useI18n();
  const { live } = useSession();
  const ok = live === 'live';
  return (
    <span class={'live-badge ' + (ok ? 'is-live' : 'is-off')} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />
      {ok ? t('nav.live') : t('nav.reconnecting')}
    </span>
  );
}

function UserMenu({ setLang, onLogout }: { setLang: (l: Language) => void; onLogout: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir, setMe } = useSession();
  const [open, setOpen] = useState(false);
  const [notify, setNotify] = useState(notificationsEnabled());
  const [message, setMessage] = useState<string | null>(null);
  const [accountOpen, setAccountOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  useDismiss(open, setOpen, ref, buttonRef);

  function openAccount() {
    // The menu closes; the dialog gives focus back to the menu's button when it closes.
    setOpen(false);
    buttonRef.current?.focus();
    setAccountOpen(true);
  }

  async function changeLanguage(l: Language) {
    setLang(l);
    try {
      const user = await api.setLanguage(dir.me.id, l);
      setMe({ ...dir.me, language: user.language });
      setMessage(null);
    } catch (e) {
      setMessage(errorText(i18n, e));
    }
  }

  async function toggleNotify(on: boolean) {
    setNotify(on);
    setNotificationsEnabled(on);
    setMessage(null);
    if (on) {
      const p = await askPermission();
      if (p === 'denied') setMessage(t('nav.notificationsBlocked'));
    }
  }

  async function logout() {
    // Offline first, while the session still exists (best effort, at most two seconds).
    if (dir.me.availability !== 'offline') {
      await Promise.race([api.setAvailability('offline').catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    }
    try {
      await api.logout();
    } catch {
      // the session is gone either way
    }
    clearContacts();
    spellMemory.clear();
    navigate('/', { replace: true });
    onLogout();
  }

  return (
    <div class="menu" ref={ref}>
      <button ref={buttonRef} type="button" class="btn btn-ghost menu-button" aria-haspopup="true" aria-expanded={open} aria-controls="user-menu" onClick={() => setOpen(!open)}>
        <span class="avatar" aria-hidden="true">
          {initials(dir.me.name)}
        </span>
        <span class="menu-name">{dir.me.name}</span>
      </button>
      <div id="user-menu" class="menu-panel" hidden={!open} aria-label={t('nav.userMenu')} role="group">
        <p class="muted small">{t('nav.signedInAs', { name: dir.me.name, role: t(`role.${dir.me.role}`) })}</p>
        <label class="field">
          <span>{t('nav.language')}</span>
          <select aria-label={t('nav.language')} value={i18n.lang} onChange={(e) => changeLanguage(e.currentTarget.value as Language)}>
            {LANGUAGES.map((l) => (
              <option value={l} key={l}>
                {t(`lang.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={notify} onChange={(e) => toggleNotify(e.currentTarget.checked)} />
          <span>{t('nav.notifications')}</span>
        </label>
        {message && (
          <p class="form-error" role="alert">
            {message}
          </p>
        )}
        <button type="button" class="btn btn-secondary btn-block" onClick={openAccount}>
          {t('account.title')}
        </button>
        <button type="button" class="btn btn-secondary btn-block" onClick={logout}>
          <Icon name="logout" /> {t('nav.logout')}
        </button>
      </div>
      {accountOpen && <AccountDialog me={dir.me} onClose={() => setAccountOpen(false)} />}
    </div>
  );
}

/** A top-bar popover closes on a click elsewhere and on Escape (focus back to its button). */
function useDismiss(open: boolean, setOpen: (open: boolean) => void, ref: RefObject<HTMLElement | null>, buttonRef: RefObject<HTMLElement | null>) {
  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
}

/** My availability: the dot and label in the top bar, a menu to change it. The server routes
 * new conversations to available agents only and tells everyone (user.availability). */
function PresenceMenu() {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir, applyUser } = useSession();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  useDismiss(open, setOpen, ref, buttonRef);
  useEffect(() => {
    if (open) menuRef.current?.querySelector<HTMLElement>('[aria-checked="true"]')?.focus();
  }, [open]);
  const current: Availability = isAvailability(dir.me.availability) ? dir.me.availability : 'offline';

  async function choose(a: Availability) {
    setError(null);
    if (a === current) {
      setOpen(false);
      return;
    }
    setBusy(true);
    try {
      applyUser(await api.setAvailability(a));
      setOpen(false);
      buttonRef.current?.focus();
    } catch (e) {
      setError(errorText(i18n, e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="menu presence-menu" ref={ref}>
      <button
        ref={buttonRef}
        type="button"
        class={'btn btn-ghost menu-button presence is-' + current}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls="presence-menu"
        onClick={() => {
          setError(null);
          setOpen(!open);
        }}
      >
        <PresenceDot availability={current} />
        <span class="visually-hidden">{t('presence.label')}: </span>
        <span class="presence-label">{t(`presence.${current}`)}</span>
      </button>
      <div class="menu-panel presence-panel" hidden={!open}>
        <div
          id="presence-menu"
          ref={menuRef}
          role="menu"
          aria-label={t('presence.label')}
          aria-busy={busy}
          onKeyDown={(e) => {
            const items = Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitemradio"]') ?? []);
            const i = items.indexOf(document.activeElement as HTMLElement);
            const go = (n: number) => {
              e.preventDefault();
              items[(n + items.length) % items.length]?.focus();
            };
            if (e.key === 'ArrowDown') go(i + 1);
            else if (e.key === 'ArrowUp') go(i - 1);
            else if (e.key === 'Home') go(0);
            else if (e.key === 'End') go(items.length - 1);
          }}
        >
          {AVAILABILITIES.map((a) => (
            <button
              key={a}
              type="button"
              role="menuitemradio"
              aria-checked={a === current}
              tabIndex={a === current ? 0 : -1}
              class={'presence-choice' + (a === current ? ' is-on' : '')}
              disabled={busy}
              onClick={() => choose(a)}
            >
              <PresenceDot availability={a} />
              <span>
                <span class="presence-choice-name">{t(`presence.${a}`)}</span>
                <span class="presence-choice-help small">{t(`presence.help.${a}`)}</span>
              </span>
            </button>
          ))}
        </div>
        {error && (
          <p class="form-error small" role="alert">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return '?';
  return ((parts[0][0] ?? '') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}

/** Inboxes with the number of open conversations; counted again (debounced) on live changes. */
function InboxNav() {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const route = useRoute();
  const [counts, setCounts] = useState<Record<number, { n: number; more: boolean }>>({});
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const recount = () => {
    Promise.all(
      dir.inboxes.map((inbox) =>
        api.conversations({ inbox_id: inbox.id, status: 'open', limit: 100 }).then(
          (page) => [inbox.id, { n: page.data.length, more: !!page.next_cursor }] as const,
          () => [inbox.id, { n: 0, more: false }] as const,
        ),
      ),
    ).then((entries) => setCounts(Object.fromEntries(entries)));
  };
  useEffect(recount, [dir.inboxes]);
  useLive((e) => {
    if (e.type !== 'conversation.created' && e.type !== 'conversation.updated') return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(recount, 1000);
  });
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const params = route.name === 'desk' ? route.params : new URLSearchParams();
  const current = filterFromParams(params);
  const hrefFor = (inboxId: number | null) => {
    const p = filterToParams({ ...current, inboxId });
    const s = p.toString();
    return '/' + (s ? '?' + s : '');
  };
  return (
    <div class="inbox-nav">
      <h2 class="nav-heading" id="inbox-nav-heading">
        {t('nav.inboxes')}
      </h2>
      <ul class="nav-list" aria-labelledby="inbox-nav-heading">
        <li>
          <a href={hrefFor(null)} onClick={linkHandler} aria-current={route.name === 'desk' && !current.inboxId ? 'true' : undefined}>
            <span class="nav-label">{t('nav.allInboxes')}</span>
          </a>
        </li>
        {dir.inboxes.map((inbox) => {
          const c = counts[inbox.id];
          const label = c ? (c.more ? i18n.number(c.n) + '+' : i18n.number(c.n)) : '';
          return (
            <li key={inbox.id}>
              <a href={hrefFor(inbox.id)} onClick={linkHandler} aria-current={route.name === 'desk' && current.inboxId === inbox.id ? 'true' : undefined}>
                <ChannelIcon channel={inbox.channel} size={18} />
                <span class="nav-label">{inbox.name}</span>
                {c && (
                  <span class="count" title={i18n.tn('nav.openCount', c.n)}>
                    <span aria-hidden="true">{label}</span>
                    <span class="visually-hidden">{i18n.tn('nav.openCount', c.n)}</span>
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const rows: [string, string][] = [
    ['j', t('keys.next')], ['k', t('keys.prev')], ['r', t('keys.reply')], ['/', t('keys.search')], ['?', t('keys.help')], ['o', t('offer.shortcut')],
    ['Enter', t('keys.send')], ['Shift + Enter', t('keys.newline')], ['/', t('keys.canned')], ['Esc', t('keys.escape')],
  ];
  return (
    <Dialog title={t('keys.title')} onClose={onClose}>
      <dl class="shortcuts">
        {rows.map(([k, v], i) => (
          <div key={i}>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
