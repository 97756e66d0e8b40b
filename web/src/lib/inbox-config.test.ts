import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n';
import { en } from '../i18n/en';
import {
  configFromForm, configProblem, CREATABLE_CHANNELS, fieldOfError, fieldsFor, formFromConfig, MASK, webhookPath, webhookUnreachable, webhookUrl,
} from './inbox-config';

// An e-mail inbox as GET /inboxes/{id} shows it: passwords masked, a key the form does not show.
const stored = {
  address: 'support@acme.example',
  display_name: 'Acme Support',
  imap_url: 'imaps://mail.acme.example/INBOX',
  imap_user: 'support@acme.example',
  imap_password: MASK,
  smtp_url: 'smtp://mail.acme.example:587',
  smtp_user: 'support@acme.example',
  smtp_password: MASK,
  poll_interval_s: 120,
  signature: { de: 'Viele Grüße\nIhr Acme-Team', en: 'Kind regards' },
  quote_history: true,
  tls_verify: false,
};

describe('inbox config forms', () => {
  it('save an unchanged e-mail form as exactly the config it was read from (masks included)', () => {
    const values = formFromConfig('email', stored);
    expect(values.smtp_password).toBe(MASK);
    expect(values.poll_interval_s).toBe('120');
    expect(values.signature_de).toBe('Viele Grüße\nIhr Acme-Team');
    expect(configFromForm('email', values, stored)).toEqual(stored);
  });

  it('drop emptied fields, keep keys the form does not show, take numbers as numbers', () => {
    const values = { ...formFromConfig('email', stored), imap_url: '', imap_user: ' ', imap_password: '', poll_interval_s: '300', signature_en: '' };
    const out = configFromForm('email', values, stored);
    expect(out).not.toHaveProperty('imap_url');
    expect(out).not.toHaveProperty('imap_user');
    expect(out).not.toHaveProperty('imap_password');
    expect(out.poll_interval_s).toBe(300);
    expect(out.signature).toEqual({ de: 'Viele Grüße\nIhr Acme-Team' });
    expect(out.tls_verify).toBe(false);
  });

  it('build a new e-mail inbox without empty keys; a plain signature string fills both languages', () => {
    const values = { ...formFromConfig('email'), address: ' support@acme.test ', smtp_url: 'smtp://127.0.0.1:1', smtp_password: ' pw with spaces ' };
    expect(configFromForm('email', values)).toEqual({ address: 'support@acme.test', smtp_url: 'smtp://127.0.0.1:1', smtp_password: ' pw with spaces ' });
    const sig = formFromConfig('email', { signature: 'Gruß' });
    expect([sig.signature_de, sig.signature_en]).toEqual(['Gruß', 'Gruß']);
  });

  it('turn a stored quote_history off, but add no false key to a new inbox', () => {
    expect(configFromForm('email', { ...formFromConfig('email', stored), quote_history: false }, stored).quote_history).toBe(false);
    expect(configFromForm('email', formFromConfig('email'))).not.toHaveProperty('quote_history');
  });

  it('edit WhatsApp keys the same way', () => {
    const wa = { phone_number_id: '106540352242922', access_token: MASK, app_secret: MASK, verify_token: MASK, api_base_url: 'https://graph.facebook.com/v23.0' };
    expect(configFromForm('whatsapp', formFromConfig('whatsapp', wa), wa)).toEqual(wa);
    expect(configFromForm('api', {}, { x: 1 })).toEqual({ x: 1 });
  });

  it('take the send rate as a number, fractions too, and refuse 0, negatives, words and more than 10000 at the field', () => {
    const wa = { phone_number_id: '106540352242922', access_token: MASK, app_secret: MASK, verify_token: MASK };
    const form = formFromConfig('whatsapp', { ...wa, max_messages_per_second: 1000 });
    expect(form.max_messages_per_second).toBe('1000');
    expect(configFromForm('whatsapp', { ...form, max_messages_per_second: '0.5' }, wa)).toEqual({ ...wa, max_messages_per_second: 0.5 });
    // Emptied: the channel's documented default again.
    expect(configFromForm('whatsapp', { ...form, max_messages_per_second: '' }, { ...wa, max_messages_per_second: 1000 })).toEqual(wa);
    expect(configProblem('whatsapp', form)).toBeNull();
    expect(configProblem('whatsapp', { ...form, max_messages_per_second: '' })).toBeNull();
    for (const bad of ['0', '-1', 'fast', '10001']) {
      expect(configProblem('whatsapp', { ...form, max_messages_per_second: bad })).toEqual({
        field: 'max_messages_per_second', key: 'inbox.numberAbove', params: { min: 0, max: 10000 },
      });
    }
    expect(configProblem('email', { ...formFromConfig('email', stored), max_messages_per_second: '3' })).toBeNull();
    expect(configProblem('email', { ...formFromConfig('email', stored), poll_interval_s: '2' })?.key).toBe('inbox.numberRange');
    // The server's own refusal names the same field.
    expect(fieldOfError('max_messages_per_second: must be above 0 and at most 10000')).toBe('max_messages_per_second');
    expect(createI18n('de').t('inbox.numberAbove', { min: 0, max: 10000 })).toBe('Bitte eine Zahl über 0 und höchstens 10000 eingeben.');
  });

  it('find the field a server error names', () => {
    expect(fieldOfError('config.smtp_url: must start with smtps:// or smtp://')).toBe('smtp_url');
    expect(fieldOfError('config.imap_user: is required with imap_url')).toBe('imap_user');
    expect(fieldOfError('config.signature.en: must be a string')).toBe('signature_en');
    expect(fieldOfError('config.signature: must be a string or an object')).toBe('signature_de');
    expect(fieldOfError('name: is required')).toBe('name');
    expect(fieldOfError('channel: unknown channel')).toBeNull();
    expect(fieldOfError('the database is busy')).toBeNull();
  });

  it('know each channel’s webhook', () => {
    expect(webhookPath('email', 7)).toBe('/webhooks/email/7');
    expect(webhookPath('api', 3)).toBe('/webhooks/api/3');
    expect(webhookPath('whatsapp', 3)).toBe('/webhooks/whatsapp');
    expect(webhookPath('messenger', 3)).toBe('/webhooks/messenger');
    expect(webhookPath('instagram', 3)).toBe('/webhooks/instagram');
    expect(webhookPath('telegram', 3)).toBe('/webhooks/telegram/3');
    expect(webhookPath('twilio', 3)).toBe('/webhooks/twilio/sms');
    expect(webhookPath('x', 3)).toBe('/webhooks/x');
    expect(webhookPath('voice', 3)).toBeNull();
  });

  it('show Twilio the URL it signs: under the public URL of the server, not the desk’s address', () => {
    const desk = 'http://10.0.0.5:8080';
    expect(webhookUrl('twilio', 4, { public_base_url: 'https://parley.example.com/' }, desk)).toBe('https://parley.example.com/webhooks/twilio/sms');
    expect(webhookUrl('twilio', 4, {}, desk)).toBe('http://10.0.0.5:8080/webhooks/twilio/sms');
    expect(webhookUrl('telegram', 4, { public_base_url: 'https://ignored.example' }, desk)).toBe('http://10.0.0.5:8080/webhooks/telegram/4');
    expect(webhookUrl('voice', 4, {}, desk)).toBeNull();
  });

  it('offer a form for every provider channel, with the keys and required ones of docs/channels', () => {
    const keys = (c: string) => (fieldsFor(c) ?? []).map((f) => f.key);
    const required = (c: string) => (fieldsFor(c) ?? []).filter((f) => f.required).map((f) => f.key);
    expect(required('messenger')).toEqual(['page_id', 'page_access_token', 'app_secret', 'verify_token']);
    expect(required('instagram')).toEqual(['instagram_id', 'access_token', 'app_secret', 'verify_token']);
    expect(required('telegram')).toEqual(['bot_token', 'secret_token']);
    expect(required('twilio')).toEqual(['account_sid', 'auth_token', 'phone_number', 'public_base_url']);
    // X: OAuth 1.0a keys or an OAuth 2.0 token (with what refreshes it); the server names what is missing.
    expect(required('x')).toEqual(['user_id', 'consumer_secret']);
    expect(keys('twilio')).toContain('messaging_service_sid');
    expect(keys('x')).toEqual(expect.arrayContaining(['consumer_key', 'oauth1_access_token', 'oauth1_access_token_secret']));
    expect(keys('x')).toEqual(expect.arrayContaining(['access_token', 'refresh_token', 'client_id', 'client_secret']));
    for (const c of CREATABLE_CHANNELS) {
      if (c !== 'api' && c !== 'webchat') expect(fieldsFor(c), c).not.toBeNull();
    }
    expect(fieldsFor('voice')).toBeNull();
    expect(fieldsFor('toString')).toBeNull();
  });

  it('edit an X inbox whose OAuth 2.0 tokens Parley refreshes: secrets stay masked, the stored expiry survives', () => {
    const secretKeys = (fieldsFor('x') ?? []).filter((f) => f.kind === 'password').map((f) => f.key);
    expect(secretKeys).toEqual(expect.arrayContaining(['access_token', 'refresh_token', 'client_secret', 'consumer_secret']));
    expect((fieldsFor('x') ?? []).find((f) => f.key === 'client_id')?.kind).toBe('text');
    const x = { user_id: '2244994945', consumer_secret: MASK, access_token: MASK, refresh_token: MASK, client_id: 'cid', client_secret: MASK, oauth2_expires_at: 1800007200 };
    const values = formFromConfig('x', x);
    expect(values.refresh_token).toBe(MASK);
    expect(configFromForm('x', values, x)).toEqual(x);
    // A public client: the client secret is cleared, the rest kept.
    const { client_secret: _cleared, ...publicClient } = x;
    expect(configFromForm('x', { ...values, client_secret: '' }, x)).toEqual(publicClient);
  });

  it('edit a Telegram inbox without touching its masked tokens, and clear an optional key', () => {
    const tg = { bot_token: MASK, secret_token: MASK, api_base_url: 'https://api.telegram.org', max_messages_per_second: 30 };
    expect(configFromForm('telegram', formFromConfig('telegram', tg), tg)).toEqual(tg);
    const twilio = { account_sid: 'AC123', auth_token: MASK, phone_number: '+4915112345678', public_base_url: 'https://parley.example.com', messaging_service_sid: 'MG1' };
    const values = { ...formFromConfig('twilio', twilio), messaging_service_sid: ' ' };
    const { messaging_service_sid: _dropped, ...rest } = twilio;
    expect(configFromForm('twilio', values, twilio)).toEqual(rest);
  });

  it('mask exactly the keys the server keeps secret (names with password, token or secret)', () => {
    const secret = (key: string) => /password|token|secret/.test(key);
    for (const c of CREATABLE_CHANNELS) {
      for (const f of fieldsFor(c) ?? []) expect(f.kind === 'password', `${c}.${f.key}`).toBe(secret(f.key));
    }
  });

  it('label every field with a string of the catalog', () => {
    for (const f of CREATABLE_CHANNELS.flatMap((c) => fieldsFor(c) ?? [])) {
      expect(en).toHaveProperty(f.label);
      expect(en).toHaveProperty(f.group);
      if (f.help) expect(en).toHaveProperty(f.help);
    }
  });
});

describe('webhookUnreachable', () => {
  it('warns when a provider could not call the URL', () => {
    expect(webhookUnreachable('whatsapp', 'http://parley.example.com/webhooks/whatsapp')).toBe(true); // not HTTPS
    expect(webhookUnreachable('twilio', 'https://127.0.0.1:8080/webhooks/twilio/sms')).toBe(true); // this machine
    expect(webhookUnreachable('x', 'https://192.168.1.20/webhooks/x')).toBe(true); // a private network
    expect(webhookUnreachable('messenger', 'https://localhost/webhooks/messenger')).toBe(true);
    expect(webhookUnreachable('telegram', 'https://parley.example.com:8080/webhooks/telegram/4')).toBe(true); // not a Telegram port
  });
  it('is quiet for public HTTPS addresses and for channels nobody calls from outside', () => {
    expect(webhookUnreachable('whatsapp', 'https://parley.example.com/webhooks/whatsapp')).toBe(false);
    expect(webhookUnreachable('telegram', 'https://parley.example.com:8443/webhooks/telegram/4')).toBe(false);
    expect(webhookUnreachable('twilio', 'https://172.32.0.1/webhooks/twilio/sms')).toBe(false); // public, outside 172.16/12
    expect(webhookUnreachable('api', 'http://127.0.0.1:8080/webhooks/api/3')).toBe(false); // the caller may be local
    expect(webhookUnreachable('email', 'http://127.0.0.1:8080/webhooks/email/3')).toBe(false);
  });
});
