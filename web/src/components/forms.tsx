// Small pieces the settings screens share: an async action with its error and busy state, the
// error line under a form, a secret with a copy button, team checkboxes.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { errorText, type KnownErrors } from '../lib/errors';

export function useAction() {
  const i18n = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** The last error as thrown (an ApiError with the server's message), for callers that look
   * at it (which config key a 400 names). */
  const [raw, setRaw] = useState<unknown>(null);
  /** `known`: this call's own sentences for some codes (see lib/errors.ts). */
  async function run<T>(fn: () => Promise<T>, known?: KnownErrors): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    setRaw(null);
    try {
      return await fn();
    } catch (e) {
      setError(errorText(i18n, e, known));
      setRaw(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, run, setError, raw };
}

export function ErrorLine({ error, id }: { error: string | null; id?: string }) {
  return error ? (
    <p class="form-error" role="alert" id={id}>
      {error}
    </p>
  ) : null;
}

export function SecretBox({ title, value }: { title: string; value: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div class="secret-box" role="status">
      <p>{title}</p>
      <div class="secret-row">
        <code class="secret" tabIndex={0}>
          {value}
        </code>
        <button
          type="button"
          class="btn btn-secondary btn-sm"
          onClick={() => navigator.clipboard?.writeText(value).then(() => setCopied(true), () => setCopied(false))}
        >
          {copied ? t('app.copied') : t('app.copy')}
        </button>
      </div>
    </div>
  );
}

export function TeamChecks({ teams, value, onChange, legend }: { teams: { id: number; name: string }[]; value: number[]; onChange: (ids: number[]) => void; legend: string }) {
  return (
    <fieldset class="checks">
      <legend>{legend}</legend>
      {teams.map((tm) => (
        <label key={tm.id} class="check">
          <input type="checkbox" checked={value.includes(tm.id)} onChange={(e) => onChange(e.currentTarget.checked ? [...value, tm.id] : value.filter((x) => x !== tm.id))} />
          <span>{tm.name}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** One labelled field as the settings forms write it: `<label class="field"><span>label</span>
 * control help</label>`; `help` is tied to the control by the caller's aria-describedby when
 * it has an id. */
export function FormRow({ label, help, helpId, wide, children }: { label: string; help?: string; helpId?: string; wide?: boolean; children: ComponentChildren }) {
  return (
    <label class={'field' + (wide ? ' field-wide' : '')}>
      <span>{label}</span>
      {children}
      {help && (
        <span class="small muted" id={helpId}>
          {help}
        </span>
      )}
    </label>
  );
}

/** A whole number typed as text (so a half-typed value stays as typed); `value` is the text. */
export function NumberInput(p: {
  id?: string;
  value: string;
  min?: number;
  max?: number;
  required?: boolean;
  disabled?: boolean;
  onInput: (v: string) => void;
  'aria-label'?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
}) {
  return (
    <input
      id={p.id}
      type="number"
      inputMode="numeric"
      step={1}
      min={p.min}
      max={p.max}
      required={p.required}
      disabled={p.disabled}
      class="input-num"
      value={p.value}
      aria-label={p['aria-label']}
      aria-invalid={p['aria-invalid']}
      aria-describedby={p['aria-describedby']}
      onInput={(e) => p.onInput(e.currentTarget.value)}
    />
  );
}

/** "Delete" for one row of a settings table: asks first ("Delete “name”?"); the name is part of
 * the button's accessible name, so a screen reader hears which row. */
export function DeleteButton({ name, disabled, onConfirmed }: { name: string; disabled?: boolean; onConfirmed: () => void }) {
  const { t } = useI18n();
  return (
    <button type="button" class="btn btn-danger btn-sm" disabled={disabled} onClick={() => confirm(t('app.confirmDelete', { name })) && onConfirmed()}>
      {t('app.delete')}
      <span class="visually-hidden"> {name}</span>
    </button>
  );
}

/** "Save" and "Cancel" for a row of a settings table being edited in place. */
export function SaveCancel({ disabled, onSave, onCancel }: { disabled?: boolean; onSave: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  return (
    <>
      <button type="button" class="btn btn-primary btn-sm" disabled={disabled} onClick={onSave}>
        {t('app.save')}
      </button>
      <button type="button" class="btn btn-ghost btn-sm" onClick={onCancel}>
        {t('app.cancel')}
      </button>
    </>
  );
}
