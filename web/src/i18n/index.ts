// The small i18n module: every visible string goes through t(key, params); dates, times and
// numbers through Intl in the user's locale. The current I18n travels in a Preact context so a
// language switch re-renders the screen without losing its state.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Language } from '../api/types';
import { de } from './de';
import { en, type MessageKey } from './en';

export type { MessageKey };
export const LANGUAGES: Language[] = ['en', 'de'];
const catalogs: Record<Language, Record<MessageKey, string>> = { en, de };
const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE' };

export function isLanguage(v: unknown): v is Language {
  return v === 'en' || v === 'de';
}

export function interpolate(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export interface I18n {
  lang: Language;
  locale: string;
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** Plural: looks up `${base}_one` or `${base}_other` by Intl.PluralRules, {count} formatted. */
  tn(base: string, count: number, params?: Record<string, string | number>): string;
  number(n: number): string;
  dateTime(iso: string | number | Date): string;
  date(iso: string | number | Date): string;
  time(iso: string | number | Date): string;
  /** "5 minutes ago", "in 2 hours" relative to now. */
  relative(iso: string | number | Date, now?: number): string;
  /** A compact duration since `iso`: "5 min", "3 h", "2 d". */
  since(iso: string | number | Date, now?: number): string;
}

export function createI18n(lang: Language): I18n {
  const catalog = catalogs[lang];
  const locale = LOCALES[lang];
  const plural = new Intl.PluralRules(locale);
  const nf = new Intl.NumberFormat(locale);
  const dtf = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const df = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const tf = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const toDate = (v: string | number | Date) => (v instanceof Date ? v : new Date(v));
  const t = (key: MessageKey, params?: Record<string, string | number>) => interpolate(catalog[key] ?? en[key] ?? key, params);
  return {
    lang,
    locale,
    t,
    tn(base, count, params) {
      const form = plural.select(count) === 'one' ? 'one' : 'other';
      return t(`${base}_${form}` as MessageKey, { ...params, count: nf.format(count) });
    },
    number: (n) => nf.format(n),
    dateTime: (v) => dtf.format(toDate(v)),
    date: (v) => df.format(toDate(v)),
    time: (v) => tf.format(toDate(v)),
    relative(v, now = Date.now()) {
      const diff = (toDate(v).getTime() - now) / 1000;
      const abs = Math.abs(diff);
      if (abs < 45) return catalog['time.justNow'];
      const steps: [number, Intl.RelativeTimeFormatUnit][] = [
        [60, 'second'], [3600, 'minute'], [86400, 'hour'], [604800, 'day'], [2629800, 'week'], [31557600, 'month'],
      ];
      let unit: Intl.RelativeTimeFormatUnit = 'year';
      let divisor = 31557600;
      for (let i = 0; i < steps.length; i++) {
        if (abs < steps[i][0]) {
          unit = steps[i][1];
          divisor = i === 0 ? 1 : steps[i - 1][0];
          break;
        }
      }
      return rtf.format(Math.round(diff / divisor), unit);
    },
    since(v, now = Date.now()) {
      const s = Math.max(0, (now - toDate(v).getTime()) / 1000);
      const unitFmt = (n: number, unit: 'minute' | 'hour' | 'day') =>
        new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 0 }).format(n);
      if (s < 3600) return unitFmt(Math.max(1, Math.floor(s / 60)), 'minute');
      if (s < 86400) return unitFmt(Math.floor(s / 3600), 'hour');
      return unitFmt(Math.floor(s / 86400), 'day');
    },
  };
}

export const I18nContext = createContext<I18n>(createI18n('en'));
export const useI18n = () => useContext(I18nContext);

/** The language to show before anyone signed in: the last one used here, else the browser's. */
export function initialLanguage(): Language {
  try {
    const saved = localStorage.getItem('parley.lang');
    if (isLanguage(saved)) return saved;
  } catch {
    // storage blocked
  }
  const nav = typeof navigator !== 'undefined' ? navigator.language : 'en';
  return nav.toLowerCase().startsWith('de') ? 'de' : 'en';
}

export function rememberLanguage(lang: Language) {
  try {
    localStorage.setItem('parley.lang', lang);
  } catch {
    // storage blocked
  }
}

export const catalogsForTest = catalogs;
