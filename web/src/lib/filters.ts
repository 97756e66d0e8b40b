// The conversation list's filter and sort state: kept in the URL query (so a reload or a shared
// link shows the same list), turned into the API query, and used to decide whether a live
// event's conversation belongs in the list. The server orders by last activity only; the other
// sort orders are applied to the conversations loaded so far.
import type { Conversation, ConversationStatus, Priority } from '../api/types';

export type Scope = 'mine' | 'unassigned' | 'all';
export type SortKey = 'last_activity' | 'waiting' | 'priority';
export const SCOPES: Scope[] = ['mine', 'unassigned', 'all'];
export const STATUSES: ConversationStatus[] = ['open', 'pending', 'snoozed', 'resolved'];
export const SORTS: SortKey[] = ['last_activity', 'waiting', 'priority'];
export const PRIORITIES: Priority[] = ['none', 'low', 'medium', 'high', 'urgent'];

export interface ListFilter {
  scope: Scope;
  status: ConversationStatus | 'all';
  inboxId: number | null;
  teamId: number | null;
  label: string;
  sort: SortKey;
}

export const DEFAULT_FILTER: ListFilter = { scope: 'all', status: 'open', inboxId: null, teamId: null, label: '', sort: 'last_activity' };

function positiveInt(v: string | null): number | null {
  if (!v || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n > 0 && Number.isSafeInteger(n) ? n : null;
}

export function filterFromParams(params: URLSearchParams): ListFilter {
  const scope = params.get('scope') as Scope;
  const status = params.get('status') as ConversationStatus | 'all';
  const sort = params.get('sort') as SortKey;
  return {
    scope: SCOPES.includes(scope) ? scope : DEFAULT_FILTER.scope,
    status: status === 'all' || STATUSES.includes(status) ? status : DEFAULT_FILTER.status,
    inboxId: positiveInt(params.get('inbox')),
    teamId: positiveInt(params.get('team')),
    label: (params.get('label') ?? '').trim().slice(0, 50),
    sort: SORTS.includes(sort) ? sort : DEFAULT_FILTER.sort,
  };
}

/** Only what differs from the default goes into the URL. */
export function filterToParams(f: ListFilter): URLSearchParams {
  const p = new URLSearchParams();
  if (f.scope !== DEFAULT_FILTER.scope) p.set('scope', f.scope);
  if (f.status !== DEFAULT_FILTER.status) p.set('status', f.status);
  if (f.inboxId) p.set('inbox', String(f.inboxId));
  if (f.teamId) p.set('team', String(f.teamId));
  if (f.label) p.set('label', f.label);
  if (f.sort !== DEFAULT_FILTER.sort) p.set('sort', f.sort);
  return p;
}

export function apiQuery(f: ListFilter): Record<string, string | number> {
  const q: Record<string, string | number> = {};
  if (f.scope === 'mine') q.assignee_id = 'me';
  if (f.scope === 'unassigned') q.assignee_id = 'none';
  if (f.status !== 'all') q.status = f.status;
  if (f.inboxId) q.inbox_id = f.inboxId;
  if (f.teamId) q.team_id = f.teamId;
  if (f.label) q.label = f.label;
  return q;
}

export function matchesFilter(f: ListFilter, c: Conversation, meId: number): boolean {
  if (f.scope === 'mine' && c.assignee_id !== meId) return false;
  if (f.scope === 'unassigned' && c.assignee_id !== null) return false;
  if (f.status !== 'all' && c.status !== f.status) return false;
  if (f.inboxId && c.inbox_id !== f.inboxId) return false;
  if (f.teamId && c.team_id !== f.teamId) return false;
  if (f.label && !c.labels.includes(f.label)) return false;
  return true;
}

const PRIORITY_RANK: Record<Priority, number> = { urgent: 4, high: 3, medium: 2, low: 1, none: 0 };
const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

/** A new array in the chosen order; ties fall back to last activity, newest first, then id. */
export function sortConversations(list: Conversation[], sort: SortKey): Conversation[] {
  const byActivity = (a: Conversation, b: Conversation) => ms(b.last_activity_at) - ms(a.last_activity_at) || b.id - a.id;
  const out = [...list];
  if (sort === 'last_activity') return out.sort(byActivity);
  if (sort === 'priority') return out.sort((a, b) => PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || byActivity(a, b));
  // Waiting longest first: the oldest last customer message; conversations without one last.
  return out.sort((a, b) => {
    const wa = ms(a.last_incoming_at);
    const wb = ms(b.last_incoming_at);
    if (isNaN(wa) !== isNaN(wb)) return isNaN(wa) ? 1 : -1;
    return (isNaN(wa) ? 0 : wa - wb) || byActivity(a, b);
  });
}

/** Applies a live update: replaces or inserts the conversation when it matches, drops it when it no longer does. */
export function applyConversation(list: Conversation[], c: Conversation, f: ListFilter, meId: number): Conversation[] {
  const rest = list.filter((x) => x.id !== c.id);
  if (!matchesFilter(f, c, meId)) return rest.length === list.length ? list : rest;
  return sortConversations([...rest, c], f.sort);
}

/** Appends a further page, dropping duplicates that shifted between pages. */
export function mergePage(list: Conversation[], page: Conversation[], sort: SortKey): Conversation[] {
  const seen = new Set(list.map((c) => c.id));
  return sortConversations([...list, ...page.filter((c) => !seen.has(c.id))], sort);
}
