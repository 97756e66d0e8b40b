import { describe, expect, it } from 'vitest';
import { pickLanguage, STRINGS, translate } from './i18n';
import {
  clientId,
  formatSize,
  isEmail,
  mergeMessages,
  needsEmail,
  panelMode,
  safeColor,
  startRetryDelayMs,
  storageKey,
  textOn,
  unreadAgentIds,
  type WidgetConfig,
  type WidgetMessage,
} from './logic';

const msg = (id: number, from: 'visitor' | 'agent' = 'visitor', extra: Partial<WidgetMessage> = {}): WidgetMessage => ({
  id, conversation_id: 1, from, text: `m${id}`, created_at: '', attachments: [], ...extra,
});

const config = (extra: Partial<WidgetConfig> = {}): WidgetConfig => ({
  inbox_id: 1, name: 'Shop', color: '#2450c8', greeting: { de: '', en: '' }, offline_message: { de: '', en: '' },
  prechat: { enabled: false, require_email: false }, online: true, within_hours: true, agents_available: true,
  next_opening_at: null, max_upload_bytes: 1024, max_text_bytes: 1000, ...extra,
});

describe('messages', () => {
  it('merges by id, newest copy wins, ordered', () => {
    const merged = mergeMessages([msg(3), msg(1)], [msg(2), msg(3, 'visitor', { text: 'new' })]);
    expect(merged.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(merged[2].text).toBe('new');
  });
  it('lists unread agent messages only', () => {
    expect(unreadAgentIds([msg(1), msg(2, 'agent'), msg(3, 'agent', { read: true })])).toEqual([2]);
  });
});

describe('colours', () => {
  it('accepts #rrggbb only', () => {
    expect(safeColor('#ABCDEF')).toBe('#abcdef');
    expect(safeColor('red')).toBe('#2450c8');
    expect(safeColor('#fff;background:url(x)')).toBe('#2450c8');
    expect(safeColor(undefined)).toBe('#2450c8');
  });
  it('picks readable text', () => {
    expect(textOn('#2450c8')).toBe('#ffffff');
    expect(textOn('#ffeb3b')).toBe('#000000');
    expect(textOn('#000000')).toBe('#ffffff');
  });
});

describe('forms', () => {
  it('knows e-mail addresses', () => {
    expect(isEmail(' kunde@example.org ')).toBe(true);
    expect(isEmail('kunde@example')).toBe(false);
    expect(isEmail('a b@example.org')).toBe(false);
  });
  it('shows the pre-chat form until name or e-mail are known', () => {
    const c = config({ prechat: { enabled: true, require_email: true } });
    expect(panelMode(c, { name: '', email: '', verified: false }, [])).toBe('prechat');
    expect(panelMode(c, { name: 'Jana', email: '', verified: false }, [])).toBe('prechat');
    expect(panelMode(c, { name: 'Jana', email: 'j@x.de', verified: false }, [])).toBe('chat');
    expect(panelMode(c, { name: '', email: '', verified: false }, [msg(1)])).toBe('chat');
    expect(panelMode(config(), null, [])).toBe('chat');
  });
  it('asks for an e-mail address when nobody is online', () => {
    expect(needsEmail(config({ online: false }), { name: '', email: '', verified: false })).toBe(true);
    expect(needsEmail(config({ online: false }), { name: '', email: 'a@b.de', verified: false })).toBe(false);
    expect(needsEmail(config(), { name: '', email: '', verified: false })).toBe(false);
  });
});

describe('misc', () => {
  it('formats sizes per language', () => {
    expect(formatSize(512, 'en')).toBe('512 B');
    expect(formatSize(1536, 'de')).toBe('1,5 KB');
    expect(formatSize(3 * 1024 * 1024, 'en')).toBe('3 MB');
  });
  it('makes client ids the server accepts', () => {
    expect(clientId()).toMatch(/^[a-z0-9]{20}$/);
    expect(clientId()).not.toBe(clientId());
  });
  it('keeps one token per server and inbox', () => {
    expect(storageKey('https://desk.example.com', '12')).toBe('parley-widget:https://desk.example.com:12');
  });
});

describe('i18n', () => {
  it('takes the page language, then the browser', () => {
    expect(pickLanguage(undefined, 'de-AT', ['en-US'])).toBe('de');
    expect(pickLanguage(undefined, '', ['de-DE', 'en'])).toBe('de');
    expect(pickLanguage('en', 'de', ['de'])).toBe('en');
    expect(pickLanguage(undefined, 'fr', ['de'])).toBe('en');
    expect(pickLanguage(undefined, undefined, [])).toBe('en');
  });
  it('has every string in both languages with the same placeholders', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(STRINGS.de).sort()).toEqual(Object.keys(STRINGS.en).sort());
    for (const key of Object.keys(STRINGS.en) as (keyof typeof STRINGS.en)[]) {
      expect(STRINGS.de[key], key).not.toBe('');
      expect(placeholders(STRINGS.de[key]), key).toEqual(placeholders(STRINGS.en[key]));
    }
    expect(translate('de', 'typing', { name: 'Anna' })).toBe('Anna schreibt …');
  });
});

describe('startRetryDelayMs', () => {
  it('tries again after network errors, rate limits and server errors, backing off to 5 minutes', () => {
    expect(startRetryDelayMs(0, 0, 0.5)).toBe(2_000);
    expect(startRetryDelayMs(503, 1, 0.5)).toBe(4_000);
    expect(startRetryDelayMs(429, 2, 0.5)).toBe(8_000);
    expect(startRetryDelayMs(502, 10, 0.5)).toBe(300_000);
    expect(startRetryDelayMs(0, 0, 0)).toBe(1_500);
    expect(startRetryDelayMs(0, 0, 1)).toBe(2_500);
  });
  it('gives up on a wrong inbox, a foreign site, a bug, and after the last attempt', () => {
    for (const status of [400, 401, 403, 404, -1]) expect(startRetryDelayMs(status, 0, 0.5)).toBeNull();
    expect(startRetryDelayMs(503, 12, 0.5)).toBeNull();
  });
});
