import { describe, expect, it } from 'vitest';
import type { Conversation } from '../api/types';
import { apiQuery, applyConversation, DEFAULT_FILTER, filterFromParams, filterToParams, matchesFilter, mergePage, sortConversations } from './filters';

let seq = 0;
function conv(over: Partial<Conversation> = {}): Conversation {
  seq++;
  return {
    id: seq, inbox_id: 1, contact_id: seq, status: 'open', priority: 'none', labels: [], assignee_id: null, team_id: null,
    snoozed_until: null, created_at: '2026-11-01T10:00:00Z', last_activity_at: '2026-11-01T10:00:00Z', first_response_at: null,
    resolved_at: null, last_incoming_at: '2026-11-01T10:00:00Z', public: false, ...over,
  };
}

describe('filter state in the URL', () => {
  it('round-trips and leaves defaults out', () => {
    const f = { scope: 'mine' as const, status: 'resolved' as const, inboxId: 3, teamId: 2, label: 'billing', sort: 'priority' as const };
    const p = filterToParams(f);
    expect(p.toString()).toBe('scope=mine&status=resolved&inbox=3&team=2&label=billing&sort=priority');
    expect(filterFromParams(p)).toEqual(f);
    expect(filterToParams(DEFAULT_FILTER).toString()).toBe('');
  });

  it('ignores garbage', () => {
    expect(filterFromParams(new URLSearchParams('scope=everything&status=gone&inbox=-1&team=abc&sort=random'))).toEqual(DEFAULT_FILTER);
  });

  it('becomes the API query', () => {
    expect(apiQuery({ ...DEFAULT_FILTER, scope: 'mine' })).toEqual({ assignee_id: 'me', status: 'open' });
    expect(apiQuery({ ...DEFAULT_FILTER, scope: 'unassigned', status: 'all', inboxId: 4, teamId: 5, label: 'vip' })).toEqual({
      assignee_id: 'none', inbox_id: 4, team_id: 5, label: 'vip',
    });
  });
});

describe('matching live conversations', () => {
  it('checks scope, status, inbox, team and label', () => {
    const c = conv({ assignee_id: 7, team_id: 2, labels: ['vip'], inbox_id: 3 });
    expect(matchesFilter({ ...DEFAULT_FILTER, scope: 'mine' }, c, 7)).toBe(true);
    expect(matchesFilter({ ...DEFAULT_FILTER, scope: 'mine' }, c, 8)).toBe(false);
    expect(matchesFilter({ ...DEFAULT_FILTER, scope: 'unassigned' }, c, 7)).toBe(false);
    expect(matchesFilter({ ...DEFAULT_FILTER, status: 'resolved' }, c, 7)).toBe(false);
    expect(matchesFilter({ ...DEFAULT_FILTER, status: 'all', inboxId: 3, teamId: 2, label: 'vip' }, c, 7)).toBe(true);
    expect(matchesFilter({ ...DEFAULT_FILTER, label: 'billing' }, c, 7)).toBe(false);
  });

  it('inserts, replaces and removes', () => {
    const a = conv({ last_activity_at: '2026-11-01T10:00:00Z' });
    const b = conv({ last_activity_at: '2026-11-01T11:00:00Z' });
    let list = sortConversations([a, b], 'last_activity');
    expect(list.map((c) => c.id)).toEqual([b.id, a.id]);
    list = applyConversation(list, { ...a, last_activity_at: '2026-11-01T12:00:00Z' }, DEFAULT_FILTER, 1);
    expect(list.map((c) => c.id)).toEqual([a.id, b.id]);
    list = applyConversation(list, { ...a, status: 'resolved' }, DEFAULT_FILTER, 1);
    expect(list.map((c) => c.id)).toEqual([b.id]);
    const same = applyConversation(list, conv({ status: 'resolved' }), DEFAULT_FILTER, 1);
    expect(same).toBe(list);
  });
});

describe('sorting', () => {
  it('puts the longest-waiting first and conversations without a customer message last', () => {
    const old = conv({ last_incoming_at: '2026-11-01T08:00:00Z' });
    const recent = conv({ last_incoming_at: '2026-11-01T09:30:00Z' });
    const none = conv({ last_incoming_at: null });
    expect(sortConversations([none, recent, old], 'waiting').map((c) => c.id)).toEqual([old.id, recent.id, none.id]);
  });

  it('orders by priority, then last activity', () => {
    const low = conv({ priority: 'low' });
    const urgent = conv({ priority: 'urgent' });
    const highOld = conv({ priority: 'high', last_activity_at: '2026-11-01T09:00:00Z' });
    const highNew = conv({ priority: 'high', last_activity_at: '2026-11-01T11:00:00Z' });
    expect(sortConversations([low, highOld, urgent, highNew], 'priority').map((c) => c.id)).toEqual([urgent.id, highNew.id, highOld.id, low.id]);
  });

  it('merges a further page without duplicates', () => {
    const a = conv();
    const b = conv();
    const c = conv();
    expect(mergePage([a, b], [b, c], 'last_activity').map((x) => x.id).sort()).toEqual([a.id, b.id, c.id].sort());
  });
});
