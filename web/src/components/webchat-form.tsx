// The web-chat part of the inbox form (docs/channels/WEBCHAT.md): allowed sites (a list with
// add and remove, each origin checked as it is added), greeting and offline message in German
// and English, colour, pre-chat form, business hours (time zone, weekly intervals, closed
// dates). The state and its checks live in lib/webchat-config.ts; a refused key (the desk's own
// check or the server's 400) is marked at its field, with the message under it.
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useI18n, type MessageKey } from '../i18n';
import { COMMON_TIME_ZONES, otherTimeZones } from '../lib/timezones';
import {
  DAYS, DEFAULT_COLOR, defaultWeek, MAX_TEXT_BYTES, normalizeOrigin, originProblem,
  type Day, type HoursForm, type Interval, type Localized, type WebchatForm,
} from '../lib/webchat-config';
import { Icon } from './icons';

export interface FieldError {
  field: string;
  message: string;
}

interface Props {
  prefix: string;
  form: WebchatForm;
  onChange: (form: WebchatForm) => void;
  error: FieldError | null;
  /** The desk's own check refused something (an origin to add), or null to clear it. */
  onProblem: (e: FieldError | null) => void;
}

export function WebchatFields({ prefix, form, onChange, error, onProblem }: Props) {
  const { t } = useI18n();
  const set = (patch: Partial<WebchatForm>) => onChange({ ...form, ...patch });
  const { id, aria, errorAt } = fieldErrors(prefix, error);

  return (
    <>
      <Origins prefix={prefix} form={form} set={set} onProblem={onProblem} errorAt={errorAt} aria={aria} />

      <fieldset class="form-section">
        <legend>{t('wc.appearance')}</legend>
        <div class="field">
          <label for={id('color')}>{t('wc.color')}</label>
          <div class="color-row">
            <input
              type="color"
              class="color-picker"
              aria-label={t('wc.colorPicker')}
              value={/^#[0-9a-f]{6}$/i.test(form.color.trim()) ? form.color.trim().toLowerCase() : DEFAULT_COLOR}
              onInput={(e) => set({ color: e.currentTarget.value })}
            />
            <input
              id={id('color')}
              type="text"
              class="color-text"
              spellcheck={false}
              autoComplete="off"
              maxLength={7}
              placeholder={DEFAULT_COLOR}
              value={form.color}
              {...aria('color', true)}
              onInput={(e) => set({ color: e.currentTarget.value })}
            />
            {form.color && (
              <button type="button" class="btn btn-ghost btn-sm" onClick={() => set({ color: '' })}>
                {t('wc.colorDefault')}
              </button>
            )}
          </div>
          <span id={`${id('color')}-help`} class="small muted">
            {t('wc.colorHelp', { color: DEFAULT_COLOR })}
          </span>
          {errorAt('color')}
        </div>
        <LocalizedTexts prefix={prefix} base="greeting" label="wc.greeting" defaults="wc.greetingDefault" value={form.greeting} onChange={(greeting) => set({ greeting })} aria={aria} errorAt={errorAt} />
      </fieldset>

      <fieldset class="form-section">
        <legend>{t('wc.prechat')}</legend>
        <label class="check">
          <input id={id('prechat_enabled')} type="checkbox" checked={form.prechatEnabled} {...aria('prechat_enabled')} onChange={(e) => set({ prechatEnabled: e.currentTarget.checked })} />
          <span>{t('wc.prechatEnabled')}</span>
        </label>
        {errorAt('prechat_enabled')}
        <label class="check">
          <input
            id={id('prechat_require_email')}
            type="checkbox"
            checked={form.prechatEnabled && form.requireEmail}
            disabled={!form.prechatEnabled}
            {...aria('prechat_require_email')}
            onChange={(e) => set({ requireEmail: e.currentTarget.checked })}
          />
          <span>{t('wc.requireEmail')}</span>
        </label>
        {errorAt('prechat_require_email')}
      </fieldset>

      <BusinessHours prefix={prefix} form={form} set={set} aria={aria} errorAt={errorAt} />

      <fieldset class="form-section">
        <legend>{t('wc.offline')}</legend>
        <LocalizedTexts prefix={prefix} base="offline" label="wc.offlineMessage" defaults="wc.offlineDefault" value={form.offline} onChange={(offline) => set({ offline })} aria={aria} errorAt={errorAt} />
      </fieldset>
    </>
  );
}

export type Aria = (field: string, help?: boolean) => { 'aria-invalid'?: boolean; 'aria-describedby'?: string };
export type ErrorAt = (field: string) => JSX.Element | null;

/** Ids, aria props and the error line for the fields of a form whose one error names a field
 * (`${prefix}-${field}` is the field's id; the web-chat form and the queue form use it). */
export function fieldErrors(prefix: string, error: FieldError | null): { id: (field: string) => string; aria: Aria; errorAt: ErrorAt } {
  const id = (field: string) => `${prefix}-${field}`;
  const errorId = (field: string) => `${prefix}-${field}-error`;
  /** aria props of a field: invalid and described by its error (and help) when it has one. */
  const aria = (field: string, help?: boolean) => {
    const bad = error?.field === field;
    const describedBy = [help ? `${id(field)}-help` : '', bad ? errorId(field) : ''].filter(Boolean).join(' ');
    return { 'aria-invalid': bad || undefined, 'aria-describedby': describedBy || undefined };
  };
  const errorAt = (field: string) =>
    error?.field === field ? (
      <p id={errorId(field)} class="form-error small field-error" role="alert">
        {error.message}
      </p>
    ) : null;
  return { id, aria, errorAt };
}

function LocalizedTexts({ prefix, base, label, defaults, value, onChange, aria, errorAt }: {
  prefix: string;
  base: string;
  /** `${label}.de` / `.en`: the two fields' labels. */
  label: string;
  /** `${defaults}.de` / `.en`: what the widget shows when the field is empty. */
  defaults: string;
  value: Localized;
  onChange: (v: Localized) => void;
  aria: Aria;
  errorAt: ErrorAt;
}) {
  const { t } = useI18n();
  return (
    <div class="form-grid">
      {(['de', 'en'] as const).map((lang) => {
        const field = `${base}_${lang}`;
        const fid = `${prefix}-${field}`;
        return (
          <div key={lang} class="field field-textarea">
            <label for={fid}>{t(`${label}.${lang}` as MessageKey)}</label>
            <textarea id={fid} rows={2} maxLength={MAX_TEXT_BYTES} placeholder={t(`${defaults}.${lang}` as MessageKey)} value={value[lang]} {...aria(field, true)} onInput={(e) => onChange({ ...value, [lang]: e.currentTarget.value })} />
            <span id={`${fid}-help`} class="small muted">
              {t('wc.emptyDefault')}
            </span>
            {errorAt(field)}
          </div>
        );
      })}
    </div>
  );
}

function Origins({ prefix, form, set, onProblem, errorAt, aria }: {
  prefix: string;
  form: WebchatForm;
  set: (patch: Partial<WebchatForm>) => void;
  onProblem: (e: FieldError | null) => void;
  errorAt: ErrorAt;
  aria: Aria;
}) {
  const { t } = useI18n();
  const fid = `${prefix}-allowed_origins`;
  const origins = form.origins;

  function add() {
    const problem = originProblem(form.originDraft, origins);
    if (problem) {
      onProblem({ field: 'allowed_origins', message: t(problem.key, problem.params) });
      document.getElementById(fid)?.focus();
      return;
    }
    set({ origins: [...origins, normalizeOrigin(form.originDraft)!], originDraft: '' });
    onProblem(null);
  }

  return (
    <fieldset class="form-section">
      <legend>{t('wc.origins')}</legend>
      <p id={`${fid}-help`} class="small muted">
        {t('wc.originsHelp')}
      </p>
      {origins.length ? (
        <ul class="origin-list" aria-label={t('wc.origins')}>
          {origins.map((o) => (
            <li key={o}>
              <code>{o}</code>
              {o === '*' && <span class="small muted"> {t('wc.originAny')}</span>}
              <button type="button" class="btn btn-ghost btn-icon btn-xs" aria-label={t('wc.originRemove', { value: o })} onClick={() => set({ origins: origins.filter((x) => x !== o) })}>
                <Icon name="x" size={12} />
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="small muted">{t('wc.originsNone')}</p>
      )}
      <div class="field">
        <label for={fid}>{t('wc.originAdd')}</label>
        <div class="add-row">
          <input
            id={fid}
            type="text"
            inputMode="url"
            spellcheck={false}
            autoComplete="off"
            placeholder="https://shop.example.com"
            value={form.originDraft}
            {...aria('allowed_origins', true)}
            onInput={(e) => set({ originDraft: e.currentTarget.value })}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
          <button type="button" class="btn btn-secondary" onClick={add}>
            {t('wc.add')}
          </button>
        </div>
        {errorAt('allowed_origins')}
      </div>
    </fieldset>
  );
}

/** Business hours (time zone, weekly intervals, closed dates); routing queues use it too. */
export function BusinessHours({ prefix, form, set, aria, errorAt, offText }: {
  prefix: string;
  /** What "no business hours" means here (default: the web chat's sentence). */
  offText?: string;
  form: HoursForm;
  set: (patch: Partial<HoursForm>) => void;
  aria: Aria;
  errorAt: ErrorAt;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const others = useMemo(() => otherTimeZones(), []);
  const [newDate, setNewDate] = useState('');
  // Monday 2024-01-01 … Sunday 2024-01-07, named in the desk's language.
  const dayName = useMemo(() => {
    const f = new Intl.DateTimeFormat(i18n.locale, { weekday: 'long', timeZone: 'UTC' });
    return Object.fromEntries(DAYS.map((d, k) => [d, f.format(Date.UTC(2024, 0, 1 + k))])) as Record<Day, string>;
  }, [i18n.locale]);
  const setDay = (d: Day, list: Interval[]) => set({ weekly: { ...form.weekly, [d]: list } });
  const zones = COMMON_TIME_ZONES.includes(form.timezone) || others.includes(form.timezone) || !form.timezone ? null : form.timezone;

  return (
    <fieldset class="form-section">
      <legend>{t('wc.hours')}</legend>
      <label class="check">
        <input
          id={`${prefix}-hours_enabled`}
          type="checkbox"
          checked={form.hoursEnabled}
          {...aria('hours_enabled')}
          onChange={(e) => {
            const on = e.currentTarget.checked;
            const empty = DAYS.every((d) => !form.weekly[d].length);
            set({ hoursEnabled: on, ...(on && empty ? { weekly: defaultWeek() } : {}) });
          }}
        />
        <span>{t('wc.hoursEnabled')}</span>
      </label>
      {errorAt('hours_enabled')}
      {!form.hoursEnabled && <p class="small muted">{offText ?? t('wc.hoursAlways')}</p>}
      {form.hoursEnabled && (
        <>
          <div class="field field-narrow">
            <label for={`${prefix}-timezone`}>{t('wc.timezone')}</label>
            <select id={`${prefix}-timezone`} value={form.timezone} {...aria('timezone')} onChange={(e) => set({ timezone: e.currentTarget.value })}>
              {zones && <option value={zones}>{zones}</option>}
              <optgroup label={t('wc.timezonesCommon')}>
                {COMMON_TIME_ZONES.map((z) => (
                  <option key={z} value={z}>
                    {z.replace(/_/g, ' ')}
                  </option>
                ))}
              </optgroup>
              {others.length > 0 && (
                <optgroup label={t('wc.timezonesAll')}>
                  {others.map((z) => (
                    <option key={z} value={z}>
                      {z.replace(/_/g, ' ')}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
            {errorAt('timezone')}
          </div>
          <p class="small muted" id={`${prefix}-hours-help`}>
            {t('wc.hoursHelp')}
          </p>
          <div class="hours-week">
            {DAYS.map((d) => {
              const list = form.weekly[d];
              const field = `weekly_${d}`;
              const headId = `${prefix}-day-${d}`;
              return (
                <div key={d} class="hours-day" role="group" aria-labelledby={headId}>
                  <span id={headId} class="hours-day-name">
                    {dayName[d]}
                  </span>
                  <div class="hours-intervals">
                    {list.length === 0 && <span class="muted small hours-closed">{t('wc.closed')}</span>}
                    {list.map((iv, k) => (
                      <span key={k} class="hours-interval">
                        <input
                          id={k === 0 ? `${prefix}-${field}` : undefined}
                          type="time"
                          step={60}
                          required
                          value={iv.from}
                          aria-label={t('wc.from', { day: dayName[d], n: k + 1 })}
                          {...aria(field)}
                          onInput={(e) => setDay(d, list.map((x, j) => (j === k ? { ...x, from: e.currentTarget.value } : x)))}
                        />
                        <span aria-hidden="true">–</span>
                        <input
                          type="time"
                          step={60}
                          required
                          value={iv.to}
                          aria-label={t('wc.until', { day: dayName[d], n: k + 1 })}
                          aria-invalid={aria(field)['aria-invalid']}
                          aria-describedby={[`${prefix}-hours-help`, aria(field)['aria-describedby']].filter(Boolean).join(' ')}
                          onInput={(e) => setDay(d, list.map((x, j) => (j === k ? { ...x, to: e.currentTarget.value } : x)))}
                        />
                        <button
                          type="button"
                          class="btn btn-ghost btn-icon btn-xs"
                          aria-label={t('wc.intervalRemove', { day: dayName[d], from: iv.from, to: iv.to })}
                          onClick={() => setDay(d, list.filter((_, j) => j !== k))}
                        >
                          <Icon name="x" size={12} />
                        </button>
                      </span>
                    ))}
                    <button
                      id={list.length === 0 ? `${prefix}-${field}` : undefined}
                      type="button"
                      class="btn btn-link btn-sm"
                      aria-label={t('wc.intervalAddOn', { day: dayName[d] })}
                      onClick={() => {
                        const last = list[list.length - 1];
                        setDay(d, [...list, last ? { from: last.to === '00:00' ? '23:00' : last.to, to: '00:00' } : { from: '09:00', to: '17:00' }]);
                      }}
                    >
                      {t('wc.intervalAdd')}
                    </button>
                  </div>
                  {errorAt(field)}
                </div>
              );
            })}
          </div>
          <button
            type="button"
            class="btn btn-secondary btn-sm"
            onClick={() => {
              const week = { ...form.weekly };
              for (const d of DAYS.slice(1, 5)) week[d] = form.weekly.mon.map((x) => ({ ...x }));
              set({ weekly: week });
            }}
          >
            {t('wc.copyMonday', { mon: dayName.mon, fri: dayName.fri })}
          </button>

          <div class="field closed-dates">
            <span class="field-label" id={`${prefix}-closed-h`}>
              {t('wc.closedDates')}
            </span>
            {form.closedDates.length > 0 && (
              <ul class="origin-list" aria-labelledby={`${prefix}-closed-h`}>
                {form.closedDates.map((date) => (
                  <li key={date}>
                    <time dateTime={date}>{i18n.date(date + 'T12:00:00Z')}</time>
                    <button type="button" class="btn btn-ghost btn-icon btn-xs" aria-label={t('wc.closedRemove', { date })} onClick={() => set({ closedDates: form.closedDates.filter((x) => x !== date) })}>
                      <Icon name="x" size={12} />
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <div class="add-row">
              <label class="visually-hidden" for={`${prefix}-closed_dates`}>
                {t('wc.closedAdd')}
              </label>
              <input id={`${prefix}-closed_dates`} type="date" value={newDate} {...aria('closed_dates')} onInput={(e) => setNewDate(e.currentTarget.value)} />
              <button
                type="button"
                class="btn btn-secondary btn-sm"
                disabled={!newDate}
                onClick={() => {
                  if (!form.closedDates.includes(newDate)) set({ closedDates: [...form.closedDates, newDate].sort() });
                  setNewDate('');
                }}
              >
                {t('wc.closedAdd')}
              </button>
            </div>
            {errorAt('closed_dates')}
          </div>
        </>
      )}
    </fieldset>
  );
}
