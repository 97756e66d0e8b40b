import { describe, expect, it } from 'vitest';
import type { CannedResponse, Conversation } from '../api/types';
import { filterCanned } from '../components/composer';
import { snoozePresets, toApiTime } from '../components/actions';
import { mergeTimeline, upsertMessage } from '../pages/desk';
import { channelKey, channelLabelKey } from '../components/icons';
import { markSelfAssigned, newlyAssignedToMe, wasSelfAssigned } from './notify';
import { parseRoute } from './router';
import { supervisorStats } from './stats';
import { previewTemplate, sampleValues, slashQuery } from './template';

const base: Conversation = {
  id: 1, inbox_id: 1, contact_id: 1, status: 'open', priority: 'none', labels: [], assignee_id: null, team_id: null, snoozed_until: null,
  created_at: '', last_activity_at: '2026-11-01T10:00:00Z', first_response_at: null, resolved_at: null, last_incoming_at: null, public: false,
};

describe('canned responses', () => {
  it('find the "/" word at the caret', () => {
    expect(slashQuery('/', 1)).toEqual({ start: 0, query: '' });
    expect(slashQuery('Hallo /gr', 9)).toEqual({ start: 6, query: 'gr' });
    expect(slashQuery('see https://x/y', 15)).toBeNull();
    expect(slashQuery('a/b', 3)).toBeNull();
  });

  it('search short codes and content, the user language and prefix matches first', () => {
    const c = (id: number, short_code: string, language: 'de' | 'en', content: string) => ({ id, short_code, language, content }) as CannedResponse;
    const list = [c(1, 'thanks', 'en', 'Thank you'), c(2, 'thanks', 'de', 'Danke'), c(3, 'refund', 'de', 'Die Rückerstattung… thanks')];
    expect(filterCanned(list, 'than', 'de').map((x) => x.id)).toEqual([2, 1, 3]);
    expect(filterCanned(list, 'rück', 'en').map((x) => x.id)).toEqual([3]);
    expect(filterCanned(list, '', 'en')).toHaveLength(3);
  });

  it('preview fills variables like mustache (unknown ones empty)', () => {
    const v = sampleValues('Max Mustermann', 'max@example.de');
    expect(previewTemplate('Hallo {{contact.first_name}}, {{ agent.first_name }} hier. {{nope}}!', v)).toBe('Hallo Jana, Max hier. !');
  });
});

describe('alerts', () => {
  it('fire only when a conversation becomes mine', () => {
    expect(newlyAssignedToMe(undefined, { ...base, assignee_id: 5 }, 5)).toBe(true);
    expect(newlyAssignedToMe({ ...base, assignee_id: null }, { ...base, assignee_id: 5 }, 5)).toBe(true);
    expect(newlyAssignedToMe({ ...base, assignee_id: 5 }, { ...base, assignee_id: 5, labels: ['x'] }, 5)).toBe(false);
    expect(newlyAssignedToMe(undefined, { ...base, assignee_id: 6 }, 5)).toBe(false);
    expect(newlyAssignedToMe(undefined, { ...base, assignee_id: 5, status: 'resolved' }, 5)).toBe(false);
  });

  it('stay quiet for my own "assign to me" (once, and only shortly after)', () => {
    markSelfAssigned(9, 1000);
    expect(wasSelfAssigned(9, 2000)).toBe(true);
    expect(wasSelfAssigned(9, 2000)).toBe(false);
    markSelfAssigned(9, 1000);
    expect(wasSelfAssigned(9, 60000)).toBe(false);
  });
});

describe('timeline', () => {
  it('merges conversations by time and replaces updated messages', () => {
    const m = (id: number, conversation_id: number, created_at: string) => ({ id, conversation_id, created_at }) as never;
    const t = mergeTimeline(new Map([[1, [m(1, 1, '2026-01-01T10:00:00Z'), m(5, 1, '2026-01-03T10:00:00Z')]], [2, [m(3, 2, '2026-01-02T10:00:00Z')]]]));
    expect(t.map((x: { id: number }) => x.id)).toEqual([1, 3, 5]);
    const at = (s: number) => `2026-01-01T10:00:0${s}.000Z`;
    const list = [{ id: 1, text: 'a', updated_at: at(1) }, { id: 2, text: 'b', updated_at: at(1) }] as never[];
    expect(upsertMessage(list, { id: 2, text: 'c', updated_at: at(2) } as never).map((x: { text: string }) => x.text)).toEqual(['a', 'c']);
    expect(upsertMessage(list, { id: 3, text: 'd', updated_at: at(1) } as never)).toHaveLength(3);
    // A stale copy (the POST answer after the live update) does not undo the update.
    const sent = upsertMessage(list, { id: 2, text: 'b', delivery: 'sent', updated_at: at(3) } as never);
    expect(upsertMessage(sent, { id: 2, text: 'b', delivery: 'pending', updated_at: at(1) } as never)).toBe(sent);
  });
});

describe('snooze', () => {
  it('sends UTC without milliseconds, and presets lie in the future', () => {
    expect(toApiTime(new Date('2026-12-01T08:00:00.000Z'))).toBe('2026-12-01T08:00:00Z');
    const now = new Date('2026-11-25T15:00:00');
    for (const p of snoozePresets(now)) expect(p.at.getTime()).toBeGreaterThan(now.getTime());
    expect(snoozePresets(now)[2].at.getDay()).toBe(1); // next Monday
  });
});

describe('routes', () => {
  it('parse the app paths', () => {
    expect(parseRoute('/', '')).toMatchObject({ name: 'desk', conversationId: null });
    expect(parseRoute('/conversations/12', '?scope=mine')).toMatchObject({ name: 'desk', conversationId: 12 });
    expect(parseRoute('/conversations/abc', '')).toEqual({ name: 'notFound' });
    expect(parseRoute('/search', '?q=Rechnung')).toMatchObject({ name: 'search', q: 'Rechnung' });
    expect(parseRoute('/admin/tokens', '')).toEqual({ name: 'admin', section: 'tokens' });
    expect(parseRoute('/supervisor', '')).toEqual({ name: 'supervisor' });
  });
});

describe('supervisor figures', () => {
  it('count per agent, inbox and team and list the longest waiting', () => {
    const list: Conversation[] = [
      { ...base, id: 1, assignee_id: 2, inbox_id: 1, team_id: 1, last_incoming_at: '2026-11-01T09:00:00Z' },
      { ...base, id: 2, assignee_id: 2, inbox_id: 2, team_id: null, last_incoming_at: '2026-11-01T08:00:00Z' },
      { ...base, id: 3, assignee_id: null, inbox_id: 1, team_id: 1, last_incoming_at: null },
    ];
    const s = supervisorStats(list);
    expect(s.total).toBe(3);
    expect(s.byAssignee.get(2)).toBe(2);
    expect(s.byAssignee.get(null)).toBe(1);
    expect(s.byInbox.get(1)).toBe(2);
    expect(s.byTeam.get(null)).toBe(1);
    expect(s.longestWaiting.map((c) => c.id)).toEqual([2, 1]);
  });
});

describe('channel icons', () => {
  it('cover every channel kind of the server, unknown ones get a generic badge', () => {
    const kinds = ['api', 'webchat', 'whatsapp', 'messenger', 'instagram', 'telegram', 'twilio', 'x', 'email', 'voice'];
    for (const k of kinds) {
      expect(channelKey(k), k).not.toBe('other');
      expect(channelLabelKey(k), k).not.toBe('channel.other');
    }
    expect(channelKey('pigeon')).toBe('other');
    expect(channelLabelKey('pigeon')).toBe('channel.other');
  });
});

describe('availability', () => {
  it('a user.availability event updates the user and, when it is me, me (team ids and CSRF token kept)', async () => {
    const { applyUser } = await import('../state');
    const user = (id: number, availability: 'available' | 'away' | 'offline') =>
      ({ id, email: `u${id}@x`, name: `U${id}`, role: 'agent', language: 'de', active: true, created_at: '', availability }) as const;
    const dir = {
      me: { ...user(1, 'available'), team_ids: [3], csrf_token: 'tok' },
      users: [user(1, 'available'), user(2, 'offline')],
      teams: [], inboxes: [], canned: [],
    };
    const a = applyUser(dir, { ...user(2, 'away'), availability_changed_at: '2026-12-01T10:00:00Z' });
    expect(a.users.map((u) => u.availability)).toEqual(['available', 'away']);
    expect(a.me).toBe(dir.me);
    const b = applyUser(a, user(1, 'offline'));
    expect(b.me).toMatchObject({ availability: 'offline', team_ids: [3], csrf_token: 'tok' });
    expect(b.users[0].availability).toBe('offline');
    expect(applyUser(b, user(9, 'away')).users.map((u) => u.id)).toEqual([1, 2, 9]);
  });
});
