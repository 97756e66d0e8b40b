import { describe, expect, it } from 'vitest';
import { catalogsForTest, createI18n, interpolate } from './index';
import { de } from './de';
import { en } from './en';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n catalogs', () => {
  it('have exactly the same keys in German and English', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it('have no empty strings', () => {
    for (const [lang, catalog] of Object.entries(catalogsForTest)) {
      for (const [key, value] of Object.entries(catalog)) {
        expect(value.trim(), `${lang}:${key}`).not.toBe('');
      }
    }
  });

  it('use the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(de[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('have both plural forms wherever one exists', () => {
    for (const key of Object.keys(en)) {
      if (key.endsWith('_one')) expect(en).toHaveProperty(key.replace(/_one$/, '_other'));
      if (key.endsWith('_other')) expect(en).toHaveProperty(key.replace(/_other$/, '_one'));
    }
  });

  it('actually translate most strings (German is not a copy of English)', () => {
    const keys = Object.keys(en) as (keyof typeof en)[];
    const same = keys.filter((k) => en[k] === de[k]);
    expect(same.length / keys.length).toBeLessThan(0.15);
  });
});

describe('t and formatters', () => {
  it('interpolates parameters and leaves unknown ones visible', () => {
    expect(interpolate('Hi {name}, {missing}', { name: 'Jana' })).toBe('Hi Jana, {missing}');
  });

  it('chooses plural forms by locale and formats the count', () => {
    const en = createI18n('en');
    const de = createI18n('de');
    expect(en.tn('list.count', 1)).toBe('1 conversation');
    expect(en.tn('list.count', 1234)).toBe('1,234 conversations');
    expect(de.tn('list.count', 1)).toBe('1 Konversation');
    expect(de.tn('list.count', 1234)).toBe('1.234 Konversationen');
  });

  it('formats numbers and dates in the locale', () => {
    const when = '2026-11-23T19:18:30.123Z';
    expect(createI18n('de').number(1234.5)).toBe('1.234,5');
    expect(createI18n('en').number(1234.5)).toBe('1,234.5');
    expect(createI18n('de').date(when)).toMatch(/23\.\s?11\.\s?2026/);
    expect(createI18n('en').date(when)).toMatch(/23 Nov 2026/);
  });

  it('says relative times in the language', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(createI18n('en').relative('2026-11-23T11:55:00Z', now)).toBe('5 minutes ago');
    expect(createI18n('de').relative('2026-11-23T11:55:00Z', now)).toBe('vor 5 Minuten');
    expect(createI18n('de').relative('2026-11-23T11:59:50Z', now)).toBe('gerade eben');
    expect(createI18n('en').relative('2026-11-22T12:00:00Z', now)).toBe('yesterday');
    expect(createI18n('en').since('2026-11-23T09:00:00Z', now)).toMatch(/^3\s?hr/);
  });
});
