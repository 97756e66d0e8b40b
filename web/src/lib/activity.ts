// Activity lines in the agent's language. The server stores an English sentence as the text
// and what happened as the payload ({"activity": kind, "by", "to", "team", "status",
// "contact", "into", "from", "other", "other_id"}); the desk words it itself, and falls back to the server's text for kinds
// it does not know (or lines written before payloads existed).
import type { I18n, MessageKey } from '../i18n';

const KINDS: Record<string, MessageKey> = {
  assigned: 'activity.assigned',
  unassigned: 'activity.unassigned',
  team_assigned: 'activity.team_assigned',
  status: 'activity.status',
  merged: 'activity.merged',
  unmerged: 'activity.unmerged',
  // WhatsApp: the customer's number or security code changed (app/customer_account_change.hpp).
  number_changed: 'activity.number_changed',
  user_id_changed: 'activity.user_id_changed',
  // Messenger: the customer came back from an m.me link, an ad ... (payload ref, source).
  referral: 'activity.referral',
  // Telegram: the customer blocked or unblocked the bot.
  bot_blocked: 'activity.bot_blocked',
  bot_unblocked: 'activity.bot_unblocked',
  number_conflict: 'activity.number_conflict',
  identity_changed: 'activity.identity_changed',
};

// Where a Messenger referral came from (Meta's referral.source).
const ORIGINS: Record<string, MessageKey> = {
  SHORTLINK: 'activity.origin.shortlink',
  ADS: 'activity.origin.ads',
  MESSENGER_CODE: 'activity.origin.messenger_code',
  CUSTOMER_CHAT_PLUGIN: 'activity.origin.chat_plugin',
};

const STATUSES: Record<string, MessageKey> = {
  open: 'status.open',
  pending: 'status.pending',
  snoozed: 'status.snoozed',
  resolved: 'status.resolved',
};

function field(payload: Record<string, unknown>, key: string): string {
  const v = payload[key];
  return typeof v === 'string' ? v : '';
}

export function activityText(payload: unknown, fallback: string, i18n: Pick<I18n, 't'>): string {
  if (!payload || typeof payload !== 'object') return fallback;
  const p = payload as Record<string, unknown>;
  const key = KINDS[field(p, 'activity')];
  if (!key) return fallback;
  const status = field(p, 'status');
  const source = field(p, 'source');
  const ref = field(p, 'ref');
  return i18n.t(key, {
    origin: i18n.t(ORIGINS[source] ?? 'activity.origin.other'),
    ref: ref ? ` (ref ${ref})` : '',
    by: field(p, 'by'),
    to: field(p, 'to'),
    team: field(p, 'team'),
    status: STATUSES[status] ? i18n.t(STATUSES[status]) : status,
    contact: field(p, 'contact'),
    into: field(p, 'into'),
    from: field(p, 'from'),
    other: field(p, 'other'),
    other_id: field(p, 'other_id'),
  });
}
