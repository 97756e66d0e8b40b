// Inline SVG icons: one glyph per channel kind (drawn here, no icon font) and a few UI glyphs.
// Decorative icons are aria-hidden; the text next to them (or a title) names them.
import type { JSX } from 'preact';
import { useI18n, type MessageKey } from '../i18n';

const CHANNEL_COLORS: Record<string, string> = {
  api: '#4b5563', web_chat: '#2563eb', whatsapp: '#15803d', messenger: '#7c3aed', instagram: '#be185d',
  telegram: '#0369a1', twilio: '#b91c1c', sms: '#b91c1c', x: '#111827', email: '#b45309', voice: '#0f766e',
};

// 16x16 strokes/paths, drawn in white on the channel colour.
const GLYPHS: Record<string, JSX.Element> = {
  api: <path d="M6 4 3 8l3 4M10 4l3 4-3 4" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />,
  web_chat: <path d="M3 4.5h10v6H7l-3 2.5v-2.5H3z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />,
  whatsapp: (
    <g fill="none" stroke="currentColor" stroke-width="1.4">
      <path d="M3.2 13 4 10.4A5 5 0 1 1 6 12.3z" stroke-linejoin="round" />
      <path d="M6.3 6.2c0 2 1.5 3.5 3.5 3.6" stroke-linecap="round" />
    </g>
  ),
  messenger: (
    <g fill="none" stroke="currentColor" stroke-width="1.4" stroke-linejoin="round">
      <path d="M8 2.8c3 0 5.2 2 5.2 4.8S11 12.4 8 12.4c-.6 0-1.1 0-1.6-.2L4.2 13.4v-2.1A4.6 4.6 0 0 1 2.8 7.6c0-2.8 2.2-4.8 5.2-4.8z" />
      <path d="m5.2 8.6 2-1.8 1.4 1.2 2-1.8" stroke-linecap="round" />
    </g>
  ),
  instagram: (
    <g fill="none" stroke="currentColor" stroke-width="1.4">
      <rect x="3" y="3" width="10" height="10" rx="3" />
      <circle cx="8" cy="8" r="2.3" />
      <circle cx="11" cy="5" r=".5" fill="currentColor" />
    </g>
  ),
  telegram: <path d="M2.8 7.6 13 3.6l-1.8 8.8-3.3-2.4-1.6 1.6-.3-2.6L11 5.3 5.3 8.6z" fill="none" stroke="currentColor" stroke-width="1.3" stroke-linejoin="round" />,
  sms: (
    <g>
      <path d="M2.8 4h10.4v6.6H7.4L4.6 13v-2.4H2.8z" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linejoin="round" />
      <circle cx="5.6" cy="7.3" r=".8" fill="currentColor" /><circle cx="8" cy="7.3" r=".8" fill="currentColor" /><circle cx="10.4" cy="7.3" r=".8" fill="currentColor" />
    </g>
  ),
  x: <path d="M4 3.5 12 12.5M12 3.5 4 12.5" stroke="currentColor" stroke-width="1.7" stroke-linecap="round" />,
  email: (
    <g fill="none" stroke="currentColor" stroke-width="1.4" stroke-linejoin="round">
      <rect x="2.6" y="4" width="10.8" height="8" rx="1" />
      <path d="m3 4.6 5 4 5-4" />
    </g>
  ),
  voice: <path d="M5 2.8 6.6 5.6 5.4 6.8a7 7 0 0 0 3.8 3.8l1.2-1.2 2.8 1.6-.6 2.2C8 13.4 2.6 8 2.8 3.4z" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linejoin="round" />,
  other: <circle cx="8" cy="8" r="3" fill="none" stroke="currentColor" stroke-width="1.5" />,
};

/** The server's channel names (core::ChannelKind: api, webchat, whatsapp, messenger, instagram,
 * telegram, twilio, x, email, voice) and a few spellings of them, to one glyph. */
export function channelKey(channel: string): string {
  if (channel === 'twilio' || channel === 'twilio_sms') return 'sms';
  if (channel === 'webchat' || channel === 'web-chat') return 'web_chat';
  return channel in GLYPHS ? channel : 'other';
}

export function channelLabelKey(channel: string): MessageKey {
  const c = channel === 'webchat' || channel === 'web-chat' ? 'web_chat' : channel;
  const keys = ['api', 'web_chat', 'whatsapp', 'messenger', 'instagram', 'telegram', 'twilio', 'sms', 'x', 'email', 'voice'];
  return (keys.includes(c) ? `channel.${c}` : 'channel.other') as MessageKey;
}

/** A channel badge; `labelled` gives it an accessible name (otherwise it is decorative). */
export function ChannelIcon({ channel, size = 20, labelled = false }: { channel: string; size?: number; labelled?: boolean }) {
  const { t } = useI18n();
  const key = channelKey(channel);
  const label = t(channelLabelKey(channel));
  return (
    <span
      class="channel-icon"
      style={{ background: CHANNEL_COLORS[key] ?? '#4b5563', width: size + 'px', height: size + 'px' }}
      {...(labelled ? { role: 'img', 'aria-label': label, title: label } : { 'aria-hidden': 'true', title: label })}
    >
      <svg viewBox="0 0 16 16" width={Math.round(size * 0.75)} height={Math.round(size * 0.75)} aria-hidden="true" focusable="false">
        {GLYPHS[key]}
      </svg>
    </span>
  );
}

export function Icon({ name, size = 16 }: { name: 'search' | 'paperclip' | 'send' | 'x' | 'check' | 'clock' | 'alert' | 'user' | 'logout' | 'undo' | 'keyboard' | 'spell'; size?: number }) {
  const p: Record<string, JSX.Element> = {
    search: <g fill="none" stroke="currentColor" stroke-width="1.6"><circle cx="7" cy="7" r="4.2" /><path d="m10.2 10.2 3.3 3.3" stroke-linecap="round" /></g>,
    paperclip: <path d="M10.5 5.5 6 10a1.4 1.4 0 0 0 2 2l5-5a2.8 2.8 0 0 0-4-4L4 8a4.2 4.2 0 0 0 6 6l3.5-3.5" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" />,
    send: <path d="M2.5 8 13.5 3l-3.5 10.5-2.2-4.3zM7.8 9.2 13.5 3" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linejoin="round" />,
    x: <path d="m4 4 8 8M12 4l-8 8" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />,
    check: <path d="m3 8.5 3 3 7-7" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />,
    clock: <g fill="none" stroke="currentColor" stroke-width="1.4"><circle cx="8" cy="8" r="5.5" /><path d="M8 5v3.2l2 1.3" stroke-linecap="round" /></g>,
    alert: <g fill="none" stroke="currentColor" stroke-width="1.5"><path d="M8 2.5 14 13H2z" stroke-linejoin="round" /><path d="M8 6.5v3M8 11.2v.3" stroke-linecap="round" /></g>,
    user: <g fill="none" stroke="currentColor" stroke-width="1.4"><circle cx="8" cy="5.5" r="2.7" /><path d="M2.8 13.5c.6-2.6 2.7-4 5.2-4s4.6 1.4 5.2 4" stroke-linecap="round" /></g>,
    logout: <path d="M9.5 3H3.5v10h6M7 8h7m-2.5-2.5L14 8l-2.5 2.5" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round" />,
    undo: <path d="M5 6.5H10a3 3 0 0 1 0 6H7M5 6.5 7.5 4M5 6.5 7.5 9" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round" />,
    keyboard: <g fill="none" stroke="currentColor" stroke-width="1.3"><rect x="1.8" y="4" width="12.4" height="8" rx="1.2" /><path d="M4.5 6.5h1M7.5 6.5h1M10.5 6.5h1M5 9.5h6" stroke-linecap="round" /></g>,
    spell: <g fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round"><path d="M2.5 9.5 5 3l2.5 6.5M3.4 7.3h3.2" /><path d="M9 8.5l1.8 1.8L14 6.5" /><path d="M2 13c1-.9 2-.9 3 0s2 .9 3 0 2-.9 3 0 2 .9 3 0" /></g>,
  };
  return (
    <svg class="icon" viewBox="0 0 16 16" width={size} height={size} aria-hidden="true" focusable="false">
      {p[name]}
    </svg>
  );
}
