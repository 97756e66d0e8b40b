// The root: restores the session (GET /auth/me), shows the login screen or the signed-in shell,
// owns the language and the live stream, and raises alerts for conversations assigned to me.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from './api/client';
import { EventStream, type StreamState } from './api/stream';
import type { Conversation, Language, Me, StreamEvent, User } from './api/types';
import { createI18n, I18nContext, initialLanguage, isLanguage, rememberLanguage } from './i18n';
import { alertAssigned, newlyAssignedToMe, wasSelfAssigned } from './lib/notify';
import { navigate } from './lib/router';
import { Login } from './pages/login';
import { Shell } from './pages/shell';
import { applyUser, clearContacts, forgetContact, getContact, loadDirectory, publishLive, SessionContext, type Directory } from './state';

type Phase = { kind: 'loading' } | { kind: 'login'; notice?: string } | { kind: 'ready'; dir: Directory };

export function App() {
  const [lang, setLangState] = useState<Language>(initialLanguage);
  const i18n = useMemo(() => createI18n(lang), [lang]);
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [live, setLive] = useState<StreamState>('connecting');
  const assignees = useRef(new Map<number, number | null>());

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = i18n.t('app.name');
  }, [lang]);

  const setLang = useCallback((l: Language) => {
    rememberLanguage(l);
    setLangState(l);
  }, []);

  const enter = useCallback(async (me: Me) => {
    if (isLanguage(me.language)) setLang(me.language);
    const dir = await loadDirectory(me);
    // Seed what is mine, so an update can tell "newly assigned to me" from "still mine".
    const mine = await api.all<Conversation>('/conversations', { assignee_id: 'me' }, 500).catch(() => []);
    assignees.current = new Map(mine.map((c) => [c.id, c.assignee_id]));
    setPhase({ kind: 'ready', dir });
  }, []);

  useEffect(() => {
    api.onUnauthorized = () => {
      clearContacts();
      setPhase((p) => (p.kind === 'ready' ? { kind: 'login', notice: 'session' } : p));
    };
    api.me().then(enter, () => setPhase({ kind: 'login' }));
  }, []);

  const dir = phase.kind === 'ready' ? phase.dir : null;
  const meId = dir?.me.id ?? 0;
  const i18nRef = useRef(i18n);
  i18nRef.current = i18n;

  // The live stream runs while signed in.
  useEffect(() => {
    if (!meId) return;
    const stream = new EventStream({
      onState: setLive,
      stillSignedIn: async () => {
        try {
          await api.me();
          return true;
        } catch (e) {
          return !(e && (e as { status?: number }).status === 401);
        }
      },
      onEvent: (e: StreamEvent) => {
        if (e.type === 'conversation.created' || e.type === 'conversation.updated') {
          const before = assignees.current.get(e.data.id);
          const known = assignees.current.has(e.data.id);
          assignees.current.set(e.data.id, e.data.assignee_id);
          const prev = known ? ({ ...e.data, assignee_id: before ?? null } as Conversation) : undefined;
          if (newlyAssignedToMe(prev, e.data, meId) && !wasSelfAssigned(e.data.id)) {
            const c = e.data;
            getContact(c.contact_id)
              .then((contact) => contact.name, () => '')
              .then((name) =>
                alertAssigned(i18nRef.current.t('conv.title', { id: c.id }), name || i18nRef.current.t('conv.title', { id: c.id }), () => navigate(`/conversations/${c.id}`)),
              );
          }
        }
        if (e.type === 'contact.updated') forgetContact(e.data.id); // the event has no identities: read it again
        if (e.type === 'user.availability') setPhase((p) => (p.kind === 'ready' ? { kind: 'ready', dir: applyUser(p.dir, e.data) } : p));
        if (e.type === 'replay.incomplete') location.reload();
        publishLive(e);
      },
    });
    stream.start();
    return () => stream.stop();
  }, [meId]);

  const session = useMemo(
    () =>
      dir && {
        dir,
        live,
        reloadDirectory: async () => {
          const fresh = await loadDirectory(dir.me);
          setPhase({ kind: 'ready', dir: fresh });
        },
        setMe: (me: Me) => setPhase({ kind: 'ready', dir: { ...dir, me } }),
        applyUser: (user: User) => setPhase((p) => (p.kind === 'ready' ? { kind: 'ready', dir: applyUser(p.dir, user) } : p)),
      },
    [dir, live],
  );

  return (
    <I18nContext.Provider value={i18n}>
      {phase.kind === 'loading' && (
        <div class="center-screen" role="status">
          {i18n.t('app.loading')}
        </div>
      )}
      {phase.kind === 'login' && (
        <Login
          notice={phase.notice === 'session' ? i18n.t('app.sessionEnded') : undefined}
          lang={lang}
          setLang={setLang}
          onLoggedIn={async () => {
            const me = await api.me();
            await enter(me);
          }}
        />
      )}
      {phase.kind === 'ready' && session && (
        <SessionContext.Provider value={session}>
          <Shell setLang={setLang} onLogout={() => setPhase({ kind: 'login' })} />
        </SessionContext.Provider>
      )}
    </I18nContext.Provider>
  );
}
