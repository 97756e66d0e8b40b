// The 24-hour customer-service window of WhatsApp, Messenger and Instagram (and WhatsApp
// numbers through Twilio): free-form replies only within 24 hours of the customer's last
// message. The server says when it ends (conversation.customer_window_expires_at, docs/API.md);
// this decides what the desk shows for it.
import type { Conversation, Inbox } from '../api/types';

export type WindowState = { kind: 'none' } | { kind: 'open'; expiresAt: number; minutesLeft: number } | { kind: 'closed' };

/** Whether the inbox's channel has the window at all. */
export function hasCustomerWindow(inbox: Pick<Inbox, 'channel' | 'config'> | undefined | null): boolean {
  if (!inbox) return false;
  if (inbox.channel === 'whatsapp' || inbox.channel === 'messenger' || inbox.channel === 'instagram') return true;
  const phone = inbox.config?.phone_number;
  return inbox.channel === 'twilio' && typeof phone === 'string' && phone.startsWith('whatsapp:');
}

export function windowState(
  conv: Pick<Conversation, 'customer_window_expires_at'>,
  inbox: Pick<Inbox, 'channel' | 'config'> | undefined | null,
  now: number,
): WindowState {
  if (!hasCustomerWindow(inbox)) return { kind: 'none' };
  const expires = conv.customer_window_expires_at ? Date.parse(conv.customer_window_expires_at) : NaN;
  if (!Number.isFinite(expires) || expires <= now) return { kind: 'closed' };
  return { kind: 'open', expiresAt: expires, minutesLeft: Math.ceil((expires - now) / 60_000) };
}

/** Whether the inbox sends WhatsApp: the Cloud API, or a Twilio WhatsApp sender. Both have
 * message templates (GET /inboxes/{id}/templates). */
export function sendsWhatsApp(inbox: Pick<Inbox, 'channel' | 'config'> | undefined | null): boolean {
  return inbox?.channel === 'whatsapp' || (inbox?.channel === 'twilio' && hasCustomerWindow(inbox));
}

/** Only WhatsApp (directly or through Twilio) refuses free text once the window is closed
 * (Messenger sends with a tag). */
export function needsTemplate(
  conv: Pick<Conversation, 'customer_window_expires_at'>,
  inbox: Pick<Inbox, 'channel' | 'config'> | undefined | null,
  now: number,
): boolean {
  return sendsWhatsApp(inbox) && windowState(conv, inbox, now).kind === 'closed';
}

/** Messenger and Instagram send a reply outside the window with Meta's HUMAN_AGENT message tag,
 * which Meta allows up to 7 days after the customer's last message (docs/channels/MESSENGER.md):
 * the end of that (the window's end + 6 days), or null when the channel has no such tag or the
 * customer never wrote. */
/** Whether the channel replies outside the window with Meta's HUMAN_AGENT tag. */
export function hasHumanAgentTag(inbox: Pick<Inbox, 'channel'> | undefined | null): boolean {
  return inbox?.channel === 'messenger' || inbox?.channel === 'instagram';
}

export function humanAgentTagUntil(
  conv: Pick<Conversation, 'customer_window_expires_at'>,
  inbox: Pick<Inbox, 'channel'> | undefined | null,
): number | null {
  if (!hasHumanAgentTag(inbox)) return null;
  const expires = conv.customer_window_expires_at ? Date.parse(conv.customer_window_expires_at) : NaN;
  return Number.isFinite(expires) ? expires + 6 * 24 * 3_600_000 : null;
}

/** Hours and minutes left, e.g. { h: 3, m: 12 }. */
export function splitMinutes(minutes: number): { h: number; m: number } {
  return { h: Math.floor(minutes / 60), m: minutes % 60 };
}
