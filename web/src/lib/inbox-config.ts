// The inbox forms of the settings screen: which config keys each channel has
// (docs/channels/*.md), how a config object becomes form values and back, and
// which field a server error names. Pure; tested in inbox-config.test.ts.
//
// Secrets: the API shows every password and token as "********" and keeps the stored one when
// "********" is sent back, so the form starts with the mask in those fields and saving an
// unchanged form changes nothing. Clearing such a field removes the key (no SMTP login, say).
// Keys the form does not show (tls_verify, ca_file, allow_plaintext) are kept as they are.
import type { MessageKey } from '../i18n';

export const MASK = '********';

export type FieldKind = 'text' | 'email' | 'url' | 'password' | 'number' | 'textarea' | 'checkbox';

export interface ConfigField {
  /** The config key; signature_de / signature_en are the two languages of `signature`. */
  key: string;
  label: MessageKey;
  kind: FieldKind;
  group: MessageKey;
  required?: boolean;
  placeholder?: string;
  help?: MessageKey;
  min?: number;
  max?: number;
  /** The value must be above `min`, not equal to it. */
  exclusiveMin?: boolean;
  /** The number input's step ("any" for fractions). */
  step?: string;
}

/** The outbox's send rate for this inbox (docs/OUTBOX.md): above 0, at most 10000, fractions
 * allowed; empty means the channel's documented default. */
export const RATE_FIELD: ConfigField = {
  key: 'max_messages_per_second',
  label: 'inbox.maxRate',
  kind: 'number',
  group: 'inbox.sending',
  min: 0,
  max: 10000,
  exclusiveMin: true,
  step: 'any',
  help: 'inbox.maxRateHelp',
};

export const EMAIL_FIELDS: ConfigField[] = [
  { key: 'address', label: 'inbox.address', kind: 'email', group: 'inbox.sender', required: true, placeholder: 'support@acme.example', help: 'inbox.addressHelp' },
  { key: 'display_name', label: 'inbox.displayName', kind: 'text', group: 'inbox.sender', help: 'inbox.displayNameHelp' },
  { key: 'imap_url', label: 'inbox.imapUrl', kind: 'url', group: 'inbox.imap', placeholder: 'imaps://mail.acme.example/INBOX', help: 'inbox.imapUrlHelp' },
  { key: 'imap_user', label: 'inbox.imapUser', kind: 'text', group: 'inbox.imap' },
  { key: 'imap_password', label: 'inbox.imapPassword', kind: 'password', group: 'inbox.imap' },
  { key: 'poll_interval_s', label: 'inbox.pollInterval', kind: 'number', group: 'inbox.imap', min: 5, max: 86400, placeholder: '60', help: 'inbox.pollIntervalHelp' },
  { key: 'smtp_url', label: 'inbox.smtpUrl', kind: 'url', group: 'inbox.smtp', required: true, placeholder: 'smtps://mail.acme.example:465', help: 'inbox.smtpUrlHelp' },
  { key: 'smtp_user', label: 'inbox.smtpUser', kind: 'text', group: 'inbox.smtp' },
  { key: 'smtp_password', label: 'inbox.smtpPassword', kind: 'password', group: 'inbox.smtp' },
  { key: 'signature_de', label: 'inbox.signatureDe', kind: 'textarea', group: 'inbox.replies', help: 'inbox.signatureHelp' },
  { key: 'signature_en', label: 'inbox.signatureEn', kind: 'textarea', group: 'inbox.replies', help: 'inbox.signatureHelp' },
  { key: 'quote_history', label: 'inbox.quoteHistory', kind: 'checkbox', group: 'inbox.replies' },
  RATE_FIELD,
];

export const WHATSAPP_FIELDS: ConfigField[] = [
  { key: 'phone_number_id', label: 'inbox.phoneNumberId', kind: 'text', group: 'inbox.connection', required: true, placeholder: '106540352242922' },
  { key: 'access_token', label: 'inbox.accessToken', kind: 'password', group: 'inbox.connection', required: true },
  { key: 'app_secret', label: 'inbox.appSecret', kind: 'password', group: 'inbox.connection', required: true, help: 'inbox.appSecretHelp' },
  { key: 'verify_token', label: 'inbox.verifyToken', kind: 'password', group: 'inbox.connection', required: true, help: 'inbox.verifyTokenHelp' },
  { key: 'api_base_url', label: 'inbox.apiBaseUrl', kind: 'url', group: 'inbox.connection', placeholder: 'https://graph.facebook.com/v23.0', help: 'inbox.apiBaseUrlHelp' },
  { key: 'business_account_id', label: 'inbox.businessAccountId', kind: 'text', group: 'inbox.connection', placeholder: '102290129340398', help: 'inbox.businessAccountIdHelp' },
  { ...RATE_FIELD, placeholder: '80' },
];

// The Meta webhook fields shared by Messenger and Instagram (docs/channels/MESSENGER.md).
const metaWebhookFields = (group: MessageKey): ConfigField[] => [
  { key: 'app_secret', label: 'inbox.appSecret', kind: 'password', group, required: true, help: 'inbox.appSecretHelp' },
  { key: 'verify_token', label: 'inbox.verifyToken', kind: 'password', group, required: true, help: 'inbox.verifyTokenHelp' },
  { key: 'api_base_url', label: 'inbox.apiBaseUrl', kind: 'url', group, placeholder: 'https://graph.facebook.com/v23.0', help: 'inbox.apiBaseUrlHelp' },
];

export const MESSENGER_FIELDS: ConfigField[] = [
  { key: 'page_id', label: 'inbox.pageId', kind: 'text', group: 'inbox.connectionMessenger', required: true, placeholder: '106540352242922' },
  { key: 'page_access_token', label: 'inbox.pageAccessToken', kind: 'password', group: 'inbox.connectionMessenger', required: true },
  ...metaWebhookFields('inbox.connectionMessenger'),
  RATE_FIELD,
];

export const INSTAGRAM_FIELDS: ConfigField[] = [
  { key: 'instagram_id', label: 'inbox.instagramId', kind: 'text', group: 'inbox.connectionInstagram', required: true, placeholder: '17841400000000000' },
  { key: 'access_token', label: 'inbox.accessToken', kind: 'password', group: 'inbox.connectionInstagram', required: true },
  ...metaWebhookFields('inbox.connectionInstagram'),
  RATE_FIELD,
];

// docs/channels/TELEGRAM.md
export const TELEGRAM_FIELDS: ConfigField[] = [
  { key: 'bot_token', label: 'inbox.botToken', kind: 'password', group: 'inbox.connectionTelegram', required: true, help: 'inbox.botTokenHelp' },
  { key: 'secret_token', label: 'inbox.secretToken', kind: 'password', group: 'inbox.connectionTelegram', required: true, help: 'inbox.secretTokenHelp' },
  { key: 'api_base_url', label: 'inbox.telegramApiBaseUrl', kind: 'url', group: 'inbox.connectionTelegram', placeholder: 'https://api.telegram.org', help: 'inbox.telegramApiBaseUrlHelp' },
  RATE_FIELD,
];

// docs/channels/TWILIO.md
export const TWILIO_FIELDS: ConfigField[] = [
  { key: 'account_sid', label: 'inbox.accountSid', kind: 'text', group: 'inbox.connectionTwilio', required: true, placeholder: 'AC…' },
  { key: 'auth_token', label: 'inbox.authToken', kind: 'password', group: 'inbox.connectionTwilio', required: true },
  { key: 'phone_number', label: 'inbox.twilioNumber', kind: 'text', group: 'inbox.connectionTwilio', required: true, placeholder: '+4915112345678', help: 'inbox.twilioNumberHelp' },
  { key: 'messaging_service_sid', label: 'inbox.messagingServiceSid', kind: 'text', group: 'inbox.connectionTwilio', placeholder: 'MG…', help: 'inbox.messagingServiceSidHelp' },
  { key: 'public_base_url', label: 'inbox.publicBaseUrl', kind: 'url', group: 'inbox.connectionTwilio', required: true, placeholder: 'https://parley.example.com', help: 'inbox.publicBaseUrlHelp' },
  { key: 'api_base_url', label: 'inbox.twilioApiBaseUrl', kind: 'url', group: 'inbox.connectionTwilio', placeholder: 'https://api.twilio.com', help: 'inbox.twilioApiBaseUrlHelp' },
  { key: 'content_api_base_url', label: 'inbox.contentApiBaseUrl', kind: 'url', group: 'inbox.connectionTwilio', placeholder: 'https://content.twilio.com', help: 'inbox.contentApiBaseUrlHelp' },
  RATE_FIELD,
];

// docs/channels/X.md
export const X_FIELDS: ConfigField[] = [
  { key: 'user_id', label: 'inbox.xUserId', kind: 'text', group: 'inbox.connectionX', required: true, placeholder: '2244994945', help: 'inbox.xUserIdHelp' },
  { key: 'consumer_secret', label: 'inbox.consumerSecret', kind: 'password', group: 'inbox.connectionX', required: true, help: 'inbox.consumerSecretHelp' },
  { key: 'api_base_url', label: 'inbox.xApiBaseUrl', kind: 'url', group: 'inbox.connectionX', placeholder: 'https://api.x.com', help: 'inbox.xApiBaseUrlHelp' },
  // One of two ways to send: OAuth 1.0a (never expires; signs everything) or OAuth 2.0 (refreshed).
  { key: 'consumer_key', label: 'inbox.consumerKey', kind: 'text', group: 'inbox.connectionXMedia', help: 'inbox.consumerKeyHelp' },
  { key: 'oauth1_access_token', label: 'inbox.oauth1AccessToken', kind: 'password', group: 'inbox.connectionXMedia' },
  { key: 'oauth1_access_token_secret', label: 'inbox.oauth1AccessTokenSecret', kind: 'password', group: 'inbox.connectionXMedia' },
  { key: 'access_token', label: 'inbox.xAccessToken', kind: 'password', group: 'inbox.connectionXOAuth2', help: 'inbox.xAccessTokenHelp' },
  { key: 'refresh_token', label: 'inbox.xRefreshToken', kind: 'password', group: 'inbox.connectionXOAuth2', help: 'inbox.xRefreshTokenHelp' },
  { key: 'client_id', label: 'inbox.xClientId', kind: 'text', group: 'inbox.connectionXOAuth2', help: 'inbox.xClientIdHelp' },
  { key: 'client_secret', label: 'inbox.xClientSecret', kind: 'password', group: 'inbox.connectionXOAuth2', help: 'inbox.xClientSecretHelp' },
  RATE_FIELD,
];

/** The channels an admin can create here, and the ones whose configuration the form edits. */
export const CREATABLE_CHANNELS = ['api', 'email', 'webchat', 'whatsapp', 'messenger', 'instagram', 'telegram', 'twilio', 'x'] as const;
export type CreatableChannel = (typeof CREATABLE_CHANNELS)[number];

const FIELDS: Record<string, ConfigField[]> = {
  email: EMAIL_FIELDS,
  whatsapp: WHATSAPP_FIELDS,
  messenger: MESSENGER_FIELDS,
  instagram: INSTAGRAM_FIELDS,
  telegram: TELEGRAM_FIELDS,
  twilio: TWILIO_FIELDS,
  x: X_FIELDS,
};

export function fieldsFor(channel: string): ConfigField[] | null {
  return Object.hasOwn(FIELDS, channel) ? FIELDS[channel] : null;
}

export type FormValues = Record<string, string | boolean>;

/** The form of a channel filled from a stored config (or empty for a new inbox). */
export function formFromConfig(channel: string, config: Record<string, unknown> = {}): FormValues {
  const out: FormValues = {};
  for (const f of fieldsFor(channel) ?? []) {
    if (f.kind === 'checkbox') {
      out[f.key] = config[f.key] === true;
      continue;
    }
    if (f.key === 'signature_de' || f.key === 'signature_en') {
      const sig = config.signature;
      const lang = f.key.slice(-2);
      if (typeof sig === 'string') out[f.key] = sig;
      else if (sig && typeof sig === 'object') out[f.key] = String((sig as Record<string, unknown>)[lang] ?? '');
      else out[f.key] = '';
      continue;
    }
    const v = config[f.key];
    out[f.key] = typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  }
  return out;
}

/** The config to send: `base` (the stored one, so keys the form does not show survive) with the
 * form's values; empty fields remove their key. */
export function configFromForm(channel: string, values: FormValues, base: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  const signature: Record<string, string> = {};
  let hasSignature = false;
  for (const f of fieldsFor(channel) ?? []) {
    const v = values[f.key];
    if (f.kind === 'checkbox') {
      if (v === true) out[f.key] = true;
      else if (f.key in base) out[f.key] = false;
      else delete out[f.key];
      continue;
    }
    const text = typeof v === 'string' ? (f.kind === 'password' || f.kind === 'textarea' ? v : v.trim()) : '';
    if (f.key === 'signature_de' || f.key === 'signature_en') {
      hasSignature = true;
      if (text.trim()) signature[f.key.slice(-2)] = text;
      continue;
    }
    if (!text) {
      delete out[f.key];
    } else if (f.kind === 'number') {
      const n = Number(text);
      out[f.key] = Number.isFinite(n) ? n : text; // the server names the key when it is no number
    } else {
      out[f.key] = text;
    }
  }
  if (hasSignature) {
    if (Object.keys(signature).length) out.signature = signature;
    else delete out.signature;
  }
  return out;
}

/** What the desk refuses before saving: a number field that is no number or out of its range. */
export interface ConfigProblem {
  field: string;
  key: MessageKey;
  params: Record<string, number>;
}

export function configProblem(channel: string, values: FormValues): ConfigProblem | null {
  for (const f of fieldsFor(channel) ?? []) {
    const v = values[f.key];
    if (f.kind !== 'number' || typeof v !== 'string' || !v.trim()) continue;
    const n = Number(v.trim());
    const min = f.min ?? -Infinity;
    const max = f.max ?? Infinity;
    const below = f.exclusiveMin ? n <= min : n < min;
    if (!Number.isFinite(n) || below || n > max) {
      return { field: f.key, key: f.exclusiveMin ? 'inbox.numberAbove' : 'inbox.numberRange', params: { min, max } };
    }
  }
  return null;
}

/** The form field a server error names: "config.smtp_url: must start with …" → smtp_url,
 * "name: is required" → name. */
export function fieldOfError(message: string): string | null {
  const m = /^(config\.)?([a-z_]+)(\.[a-z]{2})?\s*:/.exec(message);
  if (!m) return null;
  if (!m[1]) return m[2] === 'name' || m[2] === 'callback_url' || m[2] === RATE_FIELD.key ? m[2] : null;
  if (m[2] === 'signature') return m[3] === '.en' ? 'signature_en' : 'signature_de';
  return m[2];
}

/** The URL a channel's provider or forwarder posts to (null: the channel has none). */
export function webhookPath(channel: string, id: number): string | null {
  switch (channel) {
    case 'email':
      return `/webhooks/email/${id}`;
    case 'api':
      return `/webhooks/api/${id}`;
    case 'whatsapp':
      return '/webhooks/whatsapp';
    case 'messenger':
      return '/webhooks/messenger';
    case 'instagram':
      return '/webhooks/instagram';
    case 'telegram':
      return `/webhooks/telegram/${id}`;
    case 'twilio':
      return '/webhooks/twilio/sms';
    case 'x':
      return '/webhooks/x';
    default:
      return null;
  }
}

/** The full webhook URL to register at the provider. Twilio signs the URL it calls, so a Twilio
 * inbox shows it under its configured public_base_url (the desk may be open under another
 * address); every other channel under the desk's own origin. */
export function webhookUrl(channel: string, id: number, config: Record<string, unknown> | undefined, origin: string): string | null {
  const path = webhookPath(channel, id);
  if (!path) return null;
  const publicBase = channel === 'twilio' ? config?.public_base_url : undefined;
  const base = typeof publicBase === 'string' && publicBase.trim() ? publicBase.trim().replace(/\/+$/, '') : origin;
  return base + path;
}

const PROVIDER_CHANNELS = new Set(['whatsapp', 'messenger', 'instagram', 'telegram', 'twilio', 'x']);

/** Whether a provider could not deliver to this webhook URL: Meta, Telegram, Twilio and X call
 * only public HTTPS addresses (Telegram only on ports 443, 80, 88 or 8443), so a plain-HTTP URL
 * or one on this machine or a private network needs Parley behind an HTTPS reverse proxy. */
export function webhookUnreachable(channel: string, url: string): boolean {
  if (!PROVIDER_CHANNELS.has(channel)) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return true;
  }
  if (parsed.protocol !== 'https:') return true;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return true;
  const octets = host.split('.').map(Number);
  if (octets.length === 4 && octets.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) {
    const [a, b] = octets;
    if (a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)) {
      return true;
    }
  }
  if (channel === 'telegram' && parsed.port && !['443', '80', '88', '8443'].includes(parsed.port)) return true;
  return false;
}

/** Config values as text for the read-only view (secrets arrive masked already). */
export function configEntries(config: Record<string, unknown>): [string, string][] {
  return Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}
