// Settings: inboxes (pages/admin-inboxes.tsx: API, e-mail and WhatsApp inboxes, the e-mail
// poller's live status), teams and members, users
// and roles, canned responses (language variants, live preview), API tokens (shown once).
// Routing (pages/admin-routing.tsx): skills, queues, agents' routing profiles, routing rules.
// Sections follow the role: admins manage everything; supervisors manage teams and canned
// responses; everyone manages their own API tokens.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { ApiToken, CannedResponse, Language, Role, User } from '../api/types';
import { ErrorLine, SaveCancel, SecretBox, useAction } from '../components/forms';
import { LANGUAGES, useI18n, type MessageKey } from '../i18n';
import { linkHandler, navigate } from '../lib/router';
import { previewTemplate, sampleValues, TEMPLATE_VARIABLES } from '../lib/template';
import { useSession } from '../state';
import { InboxesAdmin } from './admin-inboxes';
import { AgentRoutingAdmin, QueuesAdmin, RulesAdmin, SkillsAdmin } from './admin-routing';

type Section = 'inboxes' | 'teams' | 'users' | 'canned' | 'tokens' | 'skills' | 'queues' | 'routing' | 'rules';
const LABELS: Record<Section, MessageKey> = {
  inboxes: 'admin.inboxes', teams: 'admin.teams', users: 'admin.users', canned: 'admin.canned', tokens: 'admin.tokens',
  skills: 'admin.skills', queues: 'admin.queues', routing: 'admin.routingAgents', rules: 'admin.rules',
};

export function sectionsFor(role: Role): Section[] {
  if (role === 'admin') return ['inboxes', 'teams', 'users', 'skills', 'queues', 'routing', 'rules', 'canned', 'tokens'];
  if (role === 'supervisor') return ['inboxes', 'teams', 'users', 'skills', 'queues', 'routing', 'canned', 'tokens'];
  return ['canned', 'tokens'];
}

export function AdminPage({ section }: { section: string }) {
  const { t } = useI18n();
  const { dir } = useSession();
  const sections = sectionsFor(dir.me.role);
  const current = (sections.includes(section as Section) ? section : sections[0]) as Section;
  useEffect(() => {
    if (section !== current) navigate('/admin/' + current, { replace: true });
  }, [section, current]);
  return (
    <div class="page admin">
      <div class="page-head">
        <h1 class="pane-title">{t('admin.title')}</h1>
      </div>
      <nav class="tabs" aria-label={t('admin.sections')}>
        {sections.map((s) => (
          <a key={s} href={'/admin/' + s} onClick={linkHandler} aria-current={s === current ? 'page' : undefined}>
            {t(LABELS[s])}
          </a>
        ))}
      </nav>
      <div class="admin-body">
        {current === 'inboxes' && <InboxesAdmin />}
        {current === 'teams' && <TeamsAdmin />}
        {current === 'users' && <UsersAdmin />}
        {current === 'canned' && <CannedAdmin />}
        {current === 'tokens' && <TokensAdmin />}
        {current === 'skills' && <SkillsAdmin />}
        {current === 'queues' && <QueuesAdmin />}
        {current === 'routing' && <AgentRoutingAdmin />}
        {current === 'rules' && <RulesAdmin />}
      </div>
    </div>
  );
}

// ---- teams ----
function TeamsAdmin() {
  const { t } = useI18n();
  const { dir, reloadDirectory } = useSession();
  const canManage = dir.me.role !== 'agent';
  const { error, busy, run } = useAction();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [editing, setEditing] = useState<number | null>(null);
  const [members, setMembers] = useState<number[]>([]);

  return (
    <section aria-labelledby="teams-h">
      <h2 id="teams-h">{t('admin.teams')}</h2>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('admin.name')}</th>
            <th scope="col">{t('admin.description')}</th>
            <th scope="col">{t('admin.members')}</th>
            {canManage && <th scope="col">{t('admin.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {dir.teams.map((tm) => (
            <tr key={tm.id}>
              <th scope="row">{tm.name}</th>
              <td>{tm.description}</td>
              <td>
                {editing === tm.id ? (
                  <fieldset class="checks">
                    <legend class="visually-hidden">{t('admin.members')}</legend>
                    {dir.users.map((u) => (
                      <label key={u.id} class="check">
                        <input type="checkbox" checked={members.includes(u.id)} onChange={(e) => setMembers(e.currentTarget.checked ? [...members, u.id] : members.filter((x) => x !== u.id))} />
                        <span>{u.name}</span>
                      </label>
                    ))}
                  </fieldset>
                ) : (
                  tm.member_ids.map((id) => dir.users.find((u) => u.id === id)?.name ?? '#' + id).join(', ') || '—'
                )}
              </td>
              {canManage && (
                <td class="row-actions">
                  {editing === tm.id ? (
                    <SaveCancel
                      disabled={busy}
                      onCancel={() => setEditing(null)}
                      onSave={async () => {
                        if (await run(() => api.patch(`/teams/${tm.id}`, { member_ids: members }))) {
                          setEditing(null);
                          await reloadDirectory();
                        }
                      }}
                    />
                  ) : (
                    <>
                      <button type="button" class="btn btn-secondary btn-sm" onClick={() => {
                        setMembers(tm.member_ids);
                        setEditing(tm.id);
                      }}>
                        {t('admin.members')}
                      </button>
                      <button type="button" class="btn btn-danger btn-sm" disabled={busy} onClick={async () => {
                        if (!confirm(t('app.confirmDelete', { name: tm.name }))) return;
                        await run(() => api.del(`/teams/${tm.id}`));
                        await reloadDirectory();
                      }}>
                        {t('app.delete')}
                      </button>
                    </>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorLine error={error} />
      {canManage && (
        <form class="card form-card" onSubmit={async (e) => {
          e.preventDefault();
          if (await run(() => api.post('/teams', { name: name.trim(), description: description.trim() }), { conflict: 'admin.err.teamTaken' })) {
            setName('');
            setDescription('');
            await reloadDirectory();
          }
        }}>
          <h3>{t('admin.newTeam')}</h3>
          <label class="field">
            <span>{t('admin.name')}</span>
            <input type="text" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>{t('admin.description')}</span>
            <input type="text" maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </label>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('app.create')}
          </button>
        </form>
      )}
    </section>
  );
}

// ---- users ----
const ROLES: Role[] = ['admin', 'supervisor', 'agent'];

function UsersAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir, reloadDirectory } = useSession();
  const isAdmin = dir.me.role === 'admin';
  const { error, busy, run } = useAction();
  const [form, setForm] = useState({ name: '', email: '', role: 'agent' as Role, language: i18n.lang as Language, password: '' });

  const update = async (u: User, patch: Partial<User>) => {
    if (await run(() => api.updateUser(u.id, patch))) await reloadDirectory();
  };

  return (
    <section aria-labelledby="users-h">
      <h2 id="users-h">{t('admin.users')}</h2>
      {!isAdmin && <p class="muted small">{t('admin.readOnly')}</p>}
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('admin.name')}</th>
            <th scope="col">{t('admin.email')}</th>
            <th scope="col">{t('admin.role')}</th>
            <th scope="col">{t('admin.language')}</th>
            <th scope="col">{t('admin.active')}</th>
            {isAdmin && <th scope="col">{t('admin.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {dir.users.map((u) => (
            <tr key={u.id}>
              <th scope="row">{u.name}</th>
              <td>{u.email}</td>
              <td>
                {isAdmin && u.id !== dir.me.id ? (
                  <select aria-label={`${t('admin.role')}: ${u.name}`} value={u.role} disabled={busy} onChange={(e) => update(u, { role: e.currentTarget.value as Role })}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {t(`role.${r}`)}
                      </option>
                    ))}
                  </select>
                ) : (
                  t(`role.${u.role}`)
                )}
              </td>
              <td>{t(`lang.${u.language}`)}</td>
              <td>
                {isAdmin && u.id !== dir.me.id ? (
                  <input type="checkbox" aria-label={`${t('admin.active')}: ${u.name}`} checked={u.active} disabled={busy} onChange={(e) => update(u, { active: e.currentTarget.checked })} />
                ) : u.active ? (
                  t('app.yes')
                ) : (
                  t('app.no')
                )}
              </td>
              {isAdmin && (
                <td>
                  {u.id !== dir.me.id && (
                    <button type="button" class="btn btn-danger btn-sm" disabled={busy} onClick={async () => {
                      if (!confirm(t('app.confirmDelete', { name: u.name }))) return;
                      await run(() => api.del(`/users/${u.id}`));
                      await reloadDirectory();
                    }}>
                      {t('app.delete')}
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorLine error={error} />
      {isAdmin && (
        <form class="card form-card" onSubmit={async (e) => {
          e.preventDefault();
          const body = { ...form, name: form.name.trim(), email: form.email.trim() };
          if (await run(() => api.post('/users', body), { conflict: 'admin.err.emailTaken' })) {
            setForm({ ...form, name: '', email: '', password: '' });
            await reloadDirectory();
          }
        }}>
          <h3>{t('admin.newUser')}</h3>
          <div class="form-grid">
            <label class="field">
              <span>{t('admin.name')}</span>
              <input type="text" required maxLength={200} value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span>{t('admin.email')}</span>
              <input type="email" required value={form.email} autoComplete="off" onInput={(e) => setForm({ ...form, email: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span>{t('admin.role')}</span>
              <select aria-label={t('admin.role')} value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}`)}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>{t('admin.language')}</span>
              <select aria-label={t('admin.language')} value={form.language} onChange={(e) => setForm({ ...form, language: e.currentTarget.value as Language })}>
                {LANGUAGES.map((l) => (
                  <option key={l} value={l}>
                    {t(`lang.${l}`)}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>{t('admin.password')}</span>
              <input type="password" required minLength={8} autoComplete="new-password" value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} />
            </label>
          </div>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('app.create')}
          </button>
        </form>
      )}
    </section>
  );
}

// ---- canned responses ----
function CannedAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir, reloadDirectory } = useSession();
  const canManage = dir.me.role !== 'agent';
  const { error, busy, run } = useAction();
  const empty = { id: 0, short_code: '', language: i18n.lang as Language, content: '' };
  const [form, setForm] = useState(empty);
  const preview = previewTemplate(form.content, sampleValues(dir.me.name, dir.me.email));
  const sorted = [...dir.canned].sort((a, b) => a.short_code.localeCompare(b.short_code) || a.language.localeCompare(b.language));

  async function save(e: Event) {
    e.preventDefault();
    const body = { short_code: form.short_code.trim(), language: form.language, content: form.content };
    const ok = await run(
      () => (form.id ? api.patch<CannedResponse>(`/canned_responses/${form.id}`, body) : api.post<CannedResponse>('/canned_responses', body)),
      { conflict: 'admin.err.cannedTaken' },
    );
    if (ok) {
      setForm(empty);
      await reloadDirectory();
    }
  }

  return (
    <section aria-labelledby="canned-h">
      <h2 id="canned-h">{t('admin.canned')}</h2>
      {!canManage && <p class="muted small">{t('admin.readOnly')}</p>}
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('admin.shortCode')}</th>
            <th scope="col">{t('admin.language')}</th>
            <th scope="col">{t('admin.content')}</th>
            {canManage && <th scope="col">{t('admin.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {sorted.map((c) => (
            <tr key={c.id}>
              <th scope="row">
                <code>/{c.short_code}</code>
              </th>
              <td>{t(`lang.${c.language}`)}</td>
              <td class="pre">{c.content}</td>
              {canManage && (
                <td class="row-actions">
                  <button type="button" class="btn btn-secondary btn-sm" onClick={() => setForm({ id: c.id, short_code: c.short_code, language: c.language, content: c.content })}>
                    {t('app.edit')}
                  </button>
                  <button type="button" class="btn btn-danger btn-sm" disabled={busy} onClick={async () => {
                    if (!confirm(t('app.confirmDelete', { name: '/' + c.short_code }))) return;
                    await run(() => api.del(`/canned_responses/${c.id}`));
                    await reloadDirectory();
                  }}>
                    {t('app.delete')}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorLine error={error} />
      {canManage && (
        <form class="card form-card canned-form" onSubmit={save}>
          <h3>{form.id ? `${t('app.edit')}: /${form.short_code}` : t('admin.newCanned')}</h3>
          <div class="form-grid">
            <label class="field">
              <span>{t('admin.shortCode')}</span>
              <input type="text" required pattern="[A-Za-z0-9_.\-]+" maxLength={50} value={form.short_code} onInput={(e) => setForm({ ...form, short_code: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span>{t('admin.language')}</span>
              <select aria-label={t('admin.language')} value={form.language} onChange={(e) => setForm({ ...form, language: e.currentTarget.value as Language })}>
                {LANGUAGES.map((l) => (
                  <option key={l} value={l}>
                    {t(`lang.${l}`)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <label class="field">
            <span>{t('admin.content')}</span>
            <textarea required rows={4} value={form.content} onInput={(e) => setForm({ ...form, content: e.currentTarget.value })} aria-describedby="canned-vars" />
            <span id="canned-vars" class="small muted">
              {t('admin.contentHelp', { vars: TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(' ') })}
            </span>
          </label>
          <div class="preview" aria-live="polite">
            <span class="small muted">
              {t('admin.preview')} ({t('admin.previewSample')})
            </span>
            <p class="pre">{preview}</p>
          </div>
          <div class="row-actions">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {form.id ? t('app.save') : t('app.create')}
            </button>
            {form.id !== 0 && (
              <button type="button" class="btn btn-ghost" onClick={() => setForm(empty)}>
                {t('app.cancel')}
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}

// ---- API tokens ----
function TokensAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const { error, busy, run } = useAction();
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<ApiToken | null>(null);
  const load = () => run(() => api.apiTokens()).then((list) => list && setTokens(list));
  useEffect(() => void load(), []);

  return (
    <section aria-labelledby="tokens-h">
      <h2 id="tokens-h">{t('admin.tokens')}</h2>
      {created?.token && <SecretBox title={t('admin.tokenOnce')} value={created.token} />}
      {tokens && tokens.length === 0 && <p class="muted">{t('admin.empty')}</p>}
      {tokens && tokens.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.created')}</th>
              <th scope="col">{t('admin.lastUsed')}</th>
              <th scope="col">{t('admin.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((tk) => (
              <tr key={tk.id} class={tk.revoked ? 'is-revoked' : ''}>
                <th scope="row">{tk.name}</th>
                <td>{i18n.dateTime(tk.created_at)}</td>
                <td>{tk.last_used_at ? i18n.dateTime(tk.last_used_at) : t('admin.never')}</td>
                <td>
                  {tk.revoked ? (
                    <span class="muted">{t('admin.revoked')}</span>
                  ) : (
                    <button type="button" class="btn btn-danger btn-sm" disabled={busy} onClick={async () => {
                      await run(() => api.del(`/api_tokens/${tk.id}`));
                      await load();
                    }}>
                      {t('admin.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorLine error={error} />
      <form class="card form-card" onSubmit={async (e) => {
        e.preventDefault();
        const tk = await run(() => api.post<ApiToken>('/api_tokens', { name: name.trim() }));
        if (tk) {
          setCreated(tk);
          setName('');
          await load();
        }
      }}>
        <h3>{t('admin.newToken')}</h3>
        <label class="field">
          <span>{t('admin.tokenName')}</span>
          <input type="text" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {t('app.create')}
        </button>
      </form>
    </section>
  );
}
