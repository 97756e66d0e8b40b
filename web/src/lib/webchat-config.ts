// The web-chat inbox form (docs/channels/WEBCHAT.md, "Configuration"): the config object as form
// state and back, the checks the desk makes before saving (the server makes them again and
// names the key when it refuses), and which field a server error names. Pure; tested in
// webchat-config.test.ts.
//
// Times: <input type="time"> cannot hold 24:00, which the server allows as the end of a day;
// in the form an end of 00:00 stands for it ("until midnight").
import type { MessageKey } from '../i18n';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export const DEFAULT_COLOR = '#2450c8';
export const MAX_TEXT_BYTES = 1000;
export const MAX_ORIGINS = 50;
export const MAX_INTERVALS = 12;

export interface Interval {
  from: string;
  to: string;
}

export interface Localized {
  de: string;
  en: string;
}

export interface WebchatForm {
  origins: string[];
  greeting: Localized;
  /** '' = the default colour. */
  color: string;
  prechatEnabled: boolean;
  requireEmail: boolean;
  hoursEnabled: boolean;
  timezone: string;
  weekly: Record<Day, Interval[]>;
  closedDates: string[];
  offline: Localized;
  /** An origin typed into "Add a site" but not added yet (added on save when valid). */
  originDraft: string;
}

/** A field of the form, as its id suffix: "allowed_origins", "greeting_de", "weekly_mon", … */
export type WebchatField = string;

export interface Problem {
  field: WebchatField;
  key: MessageKey;
  params?: Record<string, string | number>;
}

const emptyWeek = (): Record<Day, Interval[]> => ({ mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] });

/** Business hours when the admin first switches them on: Monday to Friday, 9 to 5. */
export function defaultWeek(): Record<Day, Interval[]> {
  const week = emptyWeek();
  for (const d of DAYS.slice(0, 5)) week[d] = [{ from: '09:00', to: '17:00' }];
  return week;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const localized = (v: unknown): Localized => ({ de: str(obj(v).de), en: str(obj(v).en) });

export function webchatFormFromConfig(config: Record<string, unknown> = {}, defaultTimezone = 'Europe/Berlin'): WebchatForm {
  const prechat = obj(config.prechat);
  const hours = config.business_hours && typeof config.business_hours === 'object' ? obj(config.business_hours) : null;
  const weekly = emptyWeek();
  if (hours) {
    const stored = obj(hours.weekly);
    for (const d of DAYS) {
      const list = Array.isArray(stored[d]) ? (stored[d] as unknown[]) : [];
      weekly[d] = list.map((x) => {
        const [from = '', to = ''] = str(x).split('-');
        return { from, to: to === '24:00' ? '00:00' : to };
      });
    }
  }
  return {
    origins: Array.isArray(config.allowed_origins) ? config.allowed_origins.map(str).filter(Boolean) : [],
    greeting: localized(config.greeting),
    color: str(config.color),
    prechatEnabled: prechat.enabled === true,
    requireEmail: prechat.require_email === true,
    hoursEnabled: !!hours,
    timezone: hours ? str(hours.timezone) : defaultTimezone,
    weekly: hours ? weekly : defaultWeek(),
    closedDates: hours && Array.isArray(hours.closed_dates) ? hours.closed_dates.map(str).filter(Boolean) : [],
    offline: localized(config.offline_message),
    originDraft: '',
  };
}

function localizedOut(l: Localized): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (l.de.trim()) out.de = l.de.trim();
  if (l.en.trim()) out.en = l.en.trim();
  return Object.keys(out).length ? out : undefined;
}

/** The config to send; `base` is the stored one (an unchanged form gives it back). */
export function webchatConfigFromForm(form: WebchatForm, base: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  const draft = form.originDraft.trim() ? normalizeOrigin(form.originDraft) : null;
  const set = (key: string, value: unknown) => {
    if (value === undefined) delete out[key];
    else out[key] = value;
  };
  set('allowed_origins', draft && !form.origins.includes(draft) ? [...form.origins, draft] : [...form.origins]);
  set('greeting', localizedOut(form.greeting));
  set('color', form.color.trim() ? form.color.trim().toLowerCase() : undefined);
  if (form.prechatEnabled) set('prechat', { enabled: true, require_email: form.requireEmail });
  else set('prechat', 'prechat' in base ? { enabled: false, require_email: false } : undefined);
  if (form.hoursEnabled) {
    const weekly: Record<string, string[]> = {};
    for (const d of DAYS) {
      if (form.weekly[d].length) weekly[d] = form.weekly[d].map((i) => `${i.from}-${i.to === '00:00' ? '24:00' : i.to}`);
    }
    const hours: Record<string, unknown> = { timezone: form.timezone, weekly };
    if (form.closedDates.length) hours.closed_dates = [...form.closedDates];
    set('business_hours', hours);
  } else {
    set('business_hours', undefined);
  }
  set('offline_message', localizedOut(form.offline));
  return out;
}

/** An origin as the server keeps it (scheme://host[:port], lower case, default port dropped),
 * or null when the text is none: a path, query, fragment or user name is refused. */
export function normalizeOrigin(text: string): string | null {
  const s = text.trim();
  if (s === '*') return '*';
  if (!/^https?:\/\/[^/?#\s]/i.test(s) || /[?#\s\\]/.test(s) || s.length > 300) return null;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password) return null;
  if (url.pathname !== '/') return null;
  return url.origin;
}

/** Why an origin cannot be added (null: it can). */
export function originProblem(text: string, list: string[]): Problem | null {
  const value = text.trim();
  if (!value) return { field: 'allowed_origins', key: 'wc.originEmpty' };
  const normal = normalizeOrigin(value);
  if (!normal) return { field: 'allowed_origins', key: 'wc.originInvalid', params: { value } };
  if (list.includes(normal)) return { field: 'allowed_origins', key: 'wc.originDuplicate', params: { value: normal } };
  if (list.length >= MAX_ORIGINS) return { field: 'allowed_origins', key: 'wc.originTooMany', params: { max: MAX_ORIGINS } };
  return null;
}

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const bytes = (s: string) => new TextEncoder().encode(s.trim()).length;

/** The first thing the server would refuse, found before sending. */
export function webchatProblem(form: WebchatForm): Problem | null {
  if (form.originDraft.trim()) {
    const problem = originProblem(form.originDraft, form.origins);
    if (problem) return problem;
  }
  if (!form.origins.length && !form.originDraft.trim()) return { field: 'allowed_origins', key: 'wc.originsRequired' };
  for (const [key, text] of [['greeting_de', form.greeting.de], ['greeting_en', form.greeting.en], ['offline_de', form.offline.de], ['offline_en', form.offline.en]] as const) {
    if (bytes(text) > MAX_TEXT_BYTES) return { field: key, key: 'wc.tooLong', params: { max: MAX_TEXT_BYTES } };
  }
  if (form.color.trim() && !/^#[0-9a-f]{6}$/i.test(form.color.trim())) return { field: 'color', key: 'wc.colorInvalid' };
  return hoursProblem(form);
}

/** The business-hours part of a form: web-chat inboxes and routing queues share it. */
export type HoursForm = Pick<WebchatForm, 'hoursEnabled' | 'timezone' | 'weekly' | 'closedDates'>;

/** The first thing the server would refuse in business hours (null when off or fine). */
export function hoursProblem(form: HoursForm): Problem | null {
  if (!form.hoursEnabled) return null;
  if (!form.timezone) return { field: 'timezone', key: 'wc.timezoneRequired' };
  for (const d of DAYS) {
    const list = form.weekly[d];
    if (list.length > MAX_INTERVALS) return { field: `weekly_${d}`, key: 'wc.intervalTooMany', params: { max: MAX_INTERVALS } };
    const spans: [number, number][] = [];
    for (const i of list) {
      if (!CLOCK.test(i.from) || !CLOCK.test(i.to)) return { field: `weekly_${d}`, key: 'wc.intervalInvalid' };
      const start = minutes(i.from);
      const end = i.to === '00:00' ? 1440 : minutes(i.to);
      if (end <= start) return { field: `weekly_${d}`, key: 'wc.intervalOrder', params: { from: i.from, to: i.to } };
      spans.push([start, end]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < spans.length; k++) if (spans[k][0] < spans[k - 1][1]) return { field: `weekly_${d}`, key: 'wc.intervalOverlap' };
  }
  for (const date of form.closedDates) if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return { field: 'closed_dates', key: 'wc.dateInvalid' };
  return null;
}

/** The form field a server error names ("config.business_hours.weekly.mon: intervals overlap" →
 * weekly_mon), or null. */
export function webchatFieldOfError(message: string): WebchatField | null {
  const m = /^(config\.)?([a-z_]+)((?:\.[a-z_]+)*)\s*:/.exec(message);
  if (!m) return null;
  const [, prefix, key, restText] = m;
  const rest = restText.split('.').filter(Boolean);
  if (!prefix) return key === 'name' ? 'name' : null;
  switch (key) {
    case 'allowed_origins':
    case 'color':
      return key;
    case 'greeting':
      return rest[0] === 'en' ? 'greeting_en' : 'greeting_de';
    case 'offline_message':
      return rest[0] === 'en' ? 'offline_en' : 'offline_de';
    case 'prechat':
      return rest[0] === 'require_email' ? 'prechat_require_email' : 'prechat_enabled';
    case 'business_hours':
      if (rest[0] === 'timezone') return 'timezone';
      if (rest[0] === 'closed_dates') return 'closed_dates';
      if (rest[0] === 'weekly') return rest[1] && (DAYS as readonly string[]).includes(rest[1]) ? `weekly_${rest[1]}` : 'weekly_mon';
      return 'hours_enabled';
    default:
      return null;
  }
}

/** The embed snippet of docs/channels/WEBCHAT.md for this server and inbox. */
export function embedSnippet(origin: string, inboxId: number): string {
  return `<script src="${origin}/widget.js" data-parley-inbox="${inboxId}" async></script>`;
}
