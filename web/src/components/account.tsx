// "My account": who is signed in, and changing one's own password (current, new, new again).
// Checked in the desk first (lib/password.ts), then PATCH /users/{id} with the current
// password; the server ends the user's other sessions and keeps this one.
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { User } from '../api/types';
import { useI18n } from '../i18n';
import { errorText } from '../lib/errors';
import { checkPasswordChange, MIN_PASSWORD_LENGTH, refusedField, type PasswordField, type PasswordForm } from '../lib/password';
import { Dialog } from './dialog';
import { ErrorLine } from './forms';

const FIELDS: PasswordField[] = ['current', 'next', 'repeat'];
const EMPTY: PasswordForm = { current: '', next: '', repeat: '' };

export function AccountDialog({ me, onClose }: { me: Pick<User, 'id' | 'name' | 'email' | 'role'>; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <Dialog title={t('account.title')} onClose={onClose}>
      <dl class="account-facts">
        <div>
          <dt>{t('admin.name')}</dt>
          <dd>{me.name}</dd>
        </div>
        <div>
          <dt>{t('admin.email')}</dt>
          <dd>{me.email}</dd>
        </div>
        <div>
          <dt>{t('admin.role')}</dt>
          <dd>{t(`role.${me.role}`)}</dd>
        </div>
      </dl>
      <PasswordChange me={me} />
    </Dialog>
  );
}

export function PasswordChange({ me }: { me: Pick<User, 'id' | 'email'> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [form, setForm] = useState<PasswordForm>(EMPTY);
  /** Messages (already in the user's language) under the fields they are about. */
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<PasswordField, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const refs = { current: useRef<HTMLInputElement>(null), next: useRef<HTMLInputElement>(null), repeat: useRef<HTMLInputElement>(null) };
  const min = { min: MIN_PASSWORD_LENGTH };

  const set = (field: PasswordField, value: string) => {
    setForm({ ...form, [field]: value });
    setSaved(false);
    if (fieldErrors[field]) setFieldErrors({ ...fieldErrors, [field]: undefined });
  };
  const showErrors = (errors: Partial<Record<PasswordField, string>>) => {
    setFieldErrors(errors);
    const first = FIELDS.find((f) => errors[f]);
    if (first) refs[first].current?.focus();
  };

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const problems = checkPasswordChange(form);
    if (Object.keys(problems).length) {
      showErrors(Object.fromEntries(Object.entries(problems).map(([f, key]) => [f, t(key, min)])));
      return;
    }
    setFieldErrors({});
    setBusy(true);
    try {
      await api.changeOwnPassword(me.id, form.current, form.next);
      setForm(EMPTY);
      setSaved(true);
    } catch (err) {
      const field = refusedField(err);
      if (field === 'current') showErrors({ current: t('account.err.wrongCurrent') });
      else if (field) showErrors({ [field]: errorText(i18n, err) });
      else setError(`${t('account.err.failed')} ${errorText(i18n, err)}`);
    } finally {
      setBusy(false);
    }
  }

  const input = (field: PasswordField, label: string, autoComplete: string, help?: string) => {
    const id = `account-${field}`;
    const describedBy = [help ? `${id}-help` : '', fieldErrors[field] ? `${id}-error` : ''].filter(Boolean).join(' ');
    return (
      <div class="field">
        <label for={id}>{label}</label>
        <input
          ref={refs[field]}
          id={id}
          type="password"
          autoComplete={autoComplete}
          required
          minLength={field === 'current' ? undefined : MIN_PASSWORD_LENGTH}
          value={form[field]}
          aria-invalid={fieldErrors[field] ? 'true' : undefined}
          aria-describedby={describedBy || undefined}
          onInput={(e) => set(field, e.currentTarget.value)}
        />
        {help && (
          <span id={`${id}-help`} class="small muted">
            {help}
          </span>
        )}
        {fieldErrors[field] && (
          <span id={`${id}-error`} class="form-error small field-error" role="alert">
            {fieldErrors[field]}
          </span>
        )}
      </div>
    );
  };

  return (
    <form class="account-password" onSubmit={submit} noValidate aria-labelledby="account-password-h" aria-describedby="account-password-help">
      <h3 id="account-password-h">{t('account.password')}</h3>
      <p id="account-password-help" class="small muted">
        {t('account.passwordHelp')}
      </p>
      {/* For password managers: which account the new password belongs to. */}
      <input type="email" name="username" autoComplete="username" value={me.email} readOnly hidden />
      {input('current', t('account.current'), 'current-password')}
      {input('next', t('account.new'), 'new-password', t('account.newHelp', min))}
      {input('repeat', t('account.repeat'), 'new-password')}
      <ErrorLine error={error} />
      <div role="status">{saved && <p class="notice">{t('account.saved')}</p>}</div>
      <div class="dialog-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? t('account.saving') : t('app.save')}
        </button>
      </div>
    </form>
  );
}
