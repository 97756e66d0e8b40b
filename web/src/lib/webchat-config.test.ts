import { describe, expect, it } from 'vitest';
import { de } from '../i18n/de';
import { en } from '../i18n/en';
import {
  embedSnippet, normalizeOrigin, originProblem, webchatConfigFromForm, webchatFieldOfError, webchatFormFromConfig, webchatProblem,
} from './webchat-config';

// A web-chat inbox as docs/channels/WEBCHAT.md describes it.
const stored = {
  allowed_origins: ['https://shop.example.com', 'http://127.0.0.1:8081'],
  greeting: { de: 'Moin! Wie können wir helfen?', en: 'Hi! How can we help?' },
  color: '#2d5a27',
  prechat: { enabled: true, require_email: true },
  business_hours: {
    timezone: 'Europe/Vienna',
    weekly: { mon: ['09:00-12:30', '13:30-17:00'], fri: ['22:00-24:00'], sat: ['10:00-14:00'] },
    closed_dates: ['2026-12-24', '2026-12-31'],
  },
  offline_message: { de: 'Gerade ist niemand da.', en: 'Nobody is here.' },
};

describe('web-chat inbox form', () => {
  it('saves an unchanged form as exactly the config it was read from', () => {
    const form = webchatFormFromConfig(stored);
    expect(form.weekly.fri).toEqual([{ from: '22:00', to: '00:00' }]); // 24:00 shows as 00:00 (midnight)
    expect(form.timezone).toBe('Europe/Vienna');
    expect(webchatProblem(form)).toBeNull();
    expect(webchatConfigFromForm(form, stored)).toEqual(stored);
  });

  it('builds a new inbox with only the keys that are set', () => {
    const form = { ...webchatFormFromConfig({}, 'Europe/Zurich'), origins: ['https://shop.example.com'] };
    expect(form.hoursEnabled).toBe(false);
    expect(webchatConfigFromForm(form)).toEqual({ allowed_origins: ['https://shop.example.com'] });
    const on = { ...form, hoursEnabled: true, greeting: { de: ' Grüezi! ', en: '' }, color: '#ABCDEF', prechatEnabled: true };
    expect(webchatConfigFromForm(on)).toEqual({
      allowed_origins: ['https://shop.example.com'],
      greeting: { de: 'Grüezi!' },
      color: '#abcdef',
      prechat: { enabled: true, require_email: false },
      business_hours: { timezone: 'Europe/Zurich', weekly: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] } },
    });
  });

  it('turns things off: no hours, no pre-chat, emptied texts and colour go', () => {
    const form = { ...webchatFormFromConfig(stored), hoursEnabled: false, prechatEnabled: false, greeting: { de: '', en: '' }, color: '' };
    const out = webchatConfigFromForm(form, stored);
    expect(out).not.toHaveProperty('business_hours');
    expect(out).not.toHaveProperty('greeting');
    expect(out).not.toHaveProperty('color');
    expect(out.prechat).toEqual({ enabled: false, require_email: false });
  });

  it('takes an origin typed but not added yet along', () => {
    const form = { ...webchatFormFromConfig(stored), originDraft: 'HTTPS://Blog.Example.com:443/' };
    expect(webchatProblem(form)).toBeNull();
    expect(webchatConfigFromForm(form, stored).allowed_origins).toEqual([...stored.allowed_origins, 'https://blog.example.com']);
    expect(webchatProblem({ ...form, originDraft: 'blog.example.com' })?.key).toBe('wc.originInvalid');
  });

  it('checks origins the way the server does', () => {
    expect(normalizeOrigin('https://Shop.Example.com')).toBe('https://shop.example.com');
    expect(normalizeOrigin('http://127.0.0.1:8081')).toBe('http://127.0.0.1:8081');
    expect(normalizeOrigin('http://shop.example.com:80/')).toBe('http://shop.example.com');
    expect(normalizeOrigin('https://[::1]:8443')).toBe('https://[::1]:8443');
    expect(normalizeOrigin('*')).toBe('*');
    for (const bad of ['shop.example.com', 'ftp://shop.example.com', 'https://shop.example.com/path', 'https://shop.example.com?x=1',
      'https://shop.example.com#top', 'https://user@shop.example.com', 'https://', 'javascript:alert(1)', 'https://a b.com', 'https:shop.example.com']) {
      expect(normalizeOrigin(bad), bad).toBeNull();
    }
    expect(originProblem('https://shop.example.com/', ['https://shop.example.com'])?.key).toBe('wc.originDuplicate');
    expect(originProblem('  ', [])?.key).toBe('wc.originEmpty');
    expect(originProblem('https://x.example', [])).toBeNull();
  });

  it('finds the problems before the server does, at their field', () => {
    const ok = webchatFormFromConfig(stored);
    expect(webchatProblem({ ...ok, origins: [] })).toEqual({ field: 'allowed_origins', key: 'wc.originsRequired' });
    expect(webchatProblem({ ...ok, color: 'blue' })?.field).toBe('color');
    expect(webchatProblem({ ...ok, greeting: { de: 'ä'.repeat(501), en: '' } })?.field).toBe('greeting_de');
    expect(webchatProblem({ ...ok, weekly: { ...ok.weekly, tue: [{ from: '17:00', to: '09:00' }] } })).toMatchObject({ field: 'weekly_tue', key: 'wc.intervalOrder' });
    expect(webchatProblem({ ...ok, weekly: { ...ok.weekly, wed: [{ from: '09:00', to: '13:00' }, { from: '12:00', to: '18:00' }] } })).toMatchObject({ field: 'weekly_wed', key: 'wc.intervalOverlap' });
    expect(webchatProblem({ ...ok, weekly: { ...ok.weekly, thu: [{ from: '', to: '17:00' }] } })).toMatchObject({ field: 'weekly_thu', key: 'wc.intervalInvalid' });
    expect(webchatProblem({ ...ok, weekly: { ...ok.weekly, sun: [{ from: '00:00', to: '00:00' }] } })).toBeNull(); // the whole day
    expect(webchatProblem({ ...ok, timezone: '' })?.field).toBe('timezone');
  });

  it('finds the field a server error names', () => {
    expect(webchatFieldOfError("config.allowed_origins: 'x' is not an origin like https://shop.example.com (scheme and host, no path)")).toBe('allowed_origins');
    expect(webchatFieldOfError('config.business_hours.timezone: \'Mars/Olympus\' is not a time zone')).toBe('timezone');
    expect(webchatFieldOfError('config.business_hours.weekly.mon: intervals overlap')).toBe('weekly_mon');
    expect(webchatFieldOfError('config.business_hours.weekly.xyz: not a day (mon ... sun)')).toBe('weekly_mon');
    expect(webchatFieldOfError('config.business_hours.closed_dates: \'2026-13-01\' is not a date like 2026-12-24')).toBe('closed_dates');
    expect(webchatFieldOfError('config.greeting.en: at most 1000 bytes')).toBe('greeting_en');
    expect(webchatFieldOfError('config.offline_message.de: must be a string')).toBe('offline_de');
    expect(webchatFieldOfError('config.color: must be a colour like "#2450c8"')).toBe('color');
    expect(webchatFieldOfError('config.prechat.require_email: must be true or false')).toBe('prechat_require_email');
    expect(webchatFieldOfError('name: is required')).toBe('name');
    expect(webchatFieldOfError('config.foo: unknown key')).toBeNull();
    expect(webchatFieldOfError('the database is busy')).toBeNull();
  });

  it('writes the embed snippet of the guide', () => {
    expect(embedSnippet('https://desk.example.com', 12)).toBe('<script src="https://desk.example.com/widget.js" data-parley-inbox="12" async></script>');
  });

  it('has the strings the form builds its keys for', () => {
    for (const base of ['wc.greeting', 'wc.greetingDefault', 'wc.offlineMessage', 'wc.offlineDefault']) {
      for (const lang of ['de', 'en']) {
        expect(en).toHaveProperty(`${base}.${lang}`);
        expect(de).toHaveProperty(`${base}.${lang}`);
      }
    }
  });
});
