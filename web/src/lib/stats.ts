// Supervisor figures from the list of open conversations: load per agent, per inbox and per
// team, and the longest-waiting conversations (oldest last customer message first).
import type { Conversation } from '../api/types';
import { sortConversations } from './filters';

export interface SupervisorStats {
  total: number;
  byAssignee: Map<number | null, number>;
  byInbox: Map<number, number>;
  byTeam: Map<number | null, number>;
  longestWaiting: Conversation[];
}

function bump<K>(m: Map<K, number>, k: K) {
  m.set(k, (m.get(k) ?? 0) + 1);
}

export function supervisorStats(open: Conversation[], top = 10): SupervisorStats {
  const byAssignee = new Map<number | null, number>();
  const byInbox = new Map<number, number>();
  const byTeam = new Map<number | null, number>();
  for (const c of open) {
    bump(byAssignee, c.assignee_id);
    bump(byInbox, c.inbox_id);
    bump(byTeam, c.team_id);
  }
  const longestWaiting = sortConversations(open.filter((c) => c.last_incoming_at), 'waiting').slice(0, top);
  return { total: open.length, byAssignee, byInbox, byTeam, longestWaiting };
}
