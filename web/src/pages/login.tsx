// The sign-in screen: e-mail and password, errors announced, language switch before login.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Language } from '../api/types';
import { LANGUAGES, useI18n } from '../i18n';
import { errorText } from '../lib/errors';

export function Login({ notice, lang, setLang, onLoggedIn }: { notice?: string; lang: Language; setLang: (l: Language) => void; onLoggedIn: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => emailRef.current?.focus(), []);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.login(email.trim(), password);
      await onLoggedIn();
    } catch (err) {
      // The two answers of a sign-in everyone meets, in the user's language (src/app/auth_service.cpp).
      setError(errorText(i18n, err, { unauthorized: 'error.login.wrong', rate_limited: 'error.login.rateLimited' }));
      setBusy(false);
      passwordRef.current?.focus();
      passwordRef.current?.select();
    }
  }

  return (
    <main class="login-screen" id="main">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title" noValidate={false}>
        <div class="brand brand-lg" aria-hidden="true">
          <span class="brand-mark">P</span> {t('app.name')}
        </div>
        <h1 id="login-title">{t('login.title')}</h1>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <label class="field">
          <span>{t('login.email')}</span>
          <input ref={emailRef} type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'login-error' : undefined} />
        </label>
        <label class="field">
          <span>{t('login.password')}</span>
          <input ref={passwordRef} type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'login-error' : undefined} />
        </label>
        <div id="login-error" class="form-error" role="alert">
          {error}
        </div>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
        <label class="field field-inline login-lang">
          <span>{t('login.language')}</span>
          <select aria-label={t('login.language')} value={lang} onChange={(e) => setLang(e.currentTarget.value as Language)}>
            {LANGUAGES.map((l) => (
              <option value={l} key={l}>
                {t(`lang.${l}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
    </main>
  );
}
