// Pure helpers of the widget (no DOM, no network): message lists, colours, sizes, ids, storage
// keys, what to show when. Unit-tested with Vitest (logic.test.ts).
export interface WidgetFile {
  id: number;
  filename: string;
  content_type: string;
  size: number;
  url: string | null;
}

export interface WidgetMessage {
  id: number;
  conversation_id: number;
  from: 'visitor' | 'agent';
  text: string;
  created_at: string;
  agent_name?: string;
  read?: boolean;
  attachments: WidgetFile[];
}

export interface WidgetConfig {
  inbox_id: number;
  name: string;
  color: string;
  greeting: { de: string; en: string };
  offline_message: { de: string; en: string };
  prechat: { enabled: boolean; require_email: boolean };
  online: boolean;
  within_hours: boolean;
  agents_available: boolean;
  next_opening_at: string | null;
  max_upload_bytes: number;
  max_text_bytes: number;
}

export interface Visitor {
  name: string;
  email: string;
  verified: boolean;
}

/** Adds `incoming` to `list`: one entry per id (the newer copy wins), ordered by id. */
export function mergeMessages(list: readonly WidgetMessage[], incoming: readonly WidgetMessage[]): WidgetMessage[] {
  const byId = new Map<number, WidgetMessage>();
  for (const m of list) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export function lastId(list: readonly WidgetMessage[]): number {
  return list.length ? list[list.length - 1].id : 0;
}

/** Agent messages the visitor has not confirmed as read yet. */
export function unreadAgentIds(list: readonly WidgetMessage[]): number[] {
  return list.filter((m) => m.from === 'agent' && !m.read).map((m) => m.id);
}

/** "#rrggbb" or the default; never anything a style could be abused with. */
export function safeColor(color: string | undefined | null, fallback = '#2450c8'): string {
  return typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color.toLowerCase() : fallback;
}

/** Black or white text, whichever reads better on `color` (WCAG relative luminance). */
export function textOn(color: string): '#000000' | '#ffffff' {
  const c = safeColor(color);
  const channel = (i: number) => {
    const v = parseInt(c.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast with white (1.05 / (l + 0.05)) against contrast with black ((l + 0.05) / 0.05).
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#ffffff' : '#000000';
}

export function formatSize(bytes: number, lang: 'de' | 'en'): string {
  const fmt = (v: number, unit: string) => `${v.toLocaleString(lang === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: 1 })} ${unit}`;
  if (bytes < 1024) return fmt(bytes, 'B');
  if (bytes < 1024 * 1024) return fmt(bytes / 1024, 'KB');
  return fmt(bytes / (1024 * 1024), 'MB');
}

export function clientId(random: () => number = Math.random): string {
  let out = '';
  for (let i = 0; i < 20; i++) out += '0123456789abcdefghijklmnopqrstuvwxyz'[Math.floor(random() * 36)];
  return out;
}

/** Where the visitor token is kept in the site's localStorage: one per Parley server and inbox. */
export function storageKey(base: string, inboxId: string): string {
  return `parley-widget:${base}:${inboxId}`;
}

export function isEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim()) && text.trim().length <= 320;
}

/** What the panel shows above the conversation. */
export function panelMode(config: WidgetConfig, visitor: Visitor | null, messages: readonly WidgetMessage[]): 'prechat' | 'chat' {
  if (!config.prechat.enabled || messages.length) return 'chat';
  if (!visitor) return 'prechat';
  const missingEmail = config.prechat.require_email && !visitor.email;
  return !visitor.name && !visitor.email ? 'prechat' : missingEmail ? 'prechat' : 'chat';
}

/** The visitor must leave an e-mail address before writing (offline, or the form requires it). */
export function needsEmail(config: WidgetConfig, visitor: Visitor | null): boolean {
  if (visitor && visitor.email) return false;
  return !config.online || config.prechat.require_email;
}

/** A local time like "Mon 09:00" for the next opening, in the visitor's own time zone. */
export function formatOpening(iso: string | null, lang: 'de' | 'en', now: Date = new Date()): string | null {
  if (!iso) return null;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  const sameDay = at.toDateString() === now.toDateString();
  const time = at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${at.toLocaleDateString(locale, { weekday: 'long' })} ${time}`;
}

/**
 * How long to wait before starting the widget again after its start failed with HTTP `status`
 * (0: no answer at all), or null to give up and remove it. Worth another try: the network, a
 * rate limit, a server that is busy or restarting (0, 408, 429, 5xx), at most `maxAttempts` times,
 * from 2 s doubling to 5 minutes, spread by `jitter` (0..1) so the visitors of a busy site do not
 * come back in step. Not worth it: a wrong inbox, a site that may not use it, a bug (other statuses).
 */
export function startRetryDelayMs(status: number, attempt: number, jitter: number, maxAttempts = 12): number | null {
  const transient = status === 0 || status === 408 || status === 429 || (status >= 500 && status <= 599);
  if (!transient || attempt >= maxAttempts) return null;
  const base = Math.min(2_000 * 2 ** attempt, 300_000);
  return Math.round(base * (0.75 + 0.5 * Math.min(Math.max(jitter, 0), 1)));
}
