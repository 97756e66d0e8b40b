import { describe, expect, it } from 'vitest';
import { routingApi, type Offer, type Queue } from '../api/routing';
import { Api } from '../api/client';
import {
  emptyOffers, formatClock, GRACE_MS, longestWaitNow, moveItem, NOTICE_MS, offersReducer, queueFieldOfError, queueFormFrom,
  queueFromForm, queueProblem, revokeReasonKey, rulesForSave, secondsLeft, slLevel, capacityForm, capacityFromForm,
} from './routing';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const offer = (id: number, offeredAt = T0, seconds = 20): Offer => ({
  conversation_id: id,
  queue_id: 1,
  queue_name: 'Support',
  offered_at: new Date(offeredAt).toISOString(),
  expires_at: new Date(offeredAt + seconds * 1000).toISOString(),
  channel: 'whatsapp',
  contact_name: 'Jana ' + id,
  preview: 'Hallo',
});

describe('countdown', () => {
  it('formats as a clock and never goes below 0:00', () => {
    expect(formatClock(7)).toBe('0:07');
    expect(formatClock(95)).toBe('1:35');
    expect(formatClock(3725)).toBe('1:02:05');
    expect(formatClock(-3)).toBe('0:00');
    expect(formatClock(Number.NaN)).toBe('0:00');
  });

  it('counts whole seconds up (0.2 s left still reads 0:01)', () => {
    expect(secondsLeft(T0 + 200, T0)).toBe(1);
    expect(secondsLeft(T0 + 20_000, T0)).toBe(20);
    expect(secondsLeft(T0, T0 + 5000)).toBe(0);
  });
});

describe('offer list', () => {
  it('runs a fresh offer for its whole time from arrival, whatever the desk clock says', () => {
    // The desk clock is 15 s behind the server: comparing with expires_at would show 0:35.
    const s = offersReducer(emptyOffers, { type: 'offered', offer: offer(1), now: T0 - 15_000 });
    expect(s.offers).toHaveLength(1);
    expect(secondsLeft(s.offers[0].deadline, T0 - 15_000)).toBe(20);
    expect(s.offers[0].total).toBe(20);
  });

  it('a repeated offer keeps its countdown; a replayed old one is not shown', () => {
    let s = offersReducer(emptyOffers, { type: 'offered', offer: offer(1), now: T0 });
    const again = offersReducer(s, { type: 'offered', offer: offer(1), now: T0 + 5000 });
    expect(again).toBe(s);
    s = offersReducer(s, { type: 'offered', offer: offer(2, T0 - 600_000), now: T0 });
    expect(s.offers.map((o) => o.conversation_id)).toEqual([1]);
    // The desk clock 10 s ahead of the server: still a fresh offer, read from its arrival.
    const ahead = offersReducer(emptyOffers, { type: 'offered', offer: offer(3), now: T0 + 10_000 });
    expect(secondsLeft(ahead.offers[0].deadline, T0 + 10_000)).toBe(20);
  });

  it('reads loaded offers against expires_at but never beyond the total', () => {
    const s = offersReducer(emptyOffers, { type: 'loaded', offers: [offer(1), offer(2, T0 - 60_000)], now: T0 + 5000 });
    expect(s.offers.map((o) => [o.conversation_id, secondsLeft(o.deadline, T0 + 5000)])).toEqual([[2, 0], [1, 15]]);
    const behind = offersReducer(emptyOffers, { type: 'loaded', offers: [offer(3)], now: T0 - 600_000 });
    expect(secondsLeft(behind.offers[0].deadline, T0 - 600_000)).toBe(20);
  });

  it('lists several offers soonest-expiring first, one entry per conversation', () => {
    let s = offersReducer(emptyOffers, { type: 'offered', offer: offer(1, T0, 30), now: T0 });
    s = offersReducer(s, { type: 'offered', offer: offer(2, T0, 10), now: T0 });
    s = offersReducer(s, { type: 'offered', offer: offer(1, T0, 30), now: T0 + 1000 });
    expect(s.offers.map((o) => o.conversation_id)).toEqual([2, 1]);
  });

  it('a revoked offer leaves a notice with its reason that lapses', () => {
    let s = offersReducer(emptyOffers, { type: 'offered', offer: offer(1), now: T0 });
    s = offersReducer(s, { type: 'revoked', conversation_id: 1, reason: 'accepted_elsewhere', now: T0 + 3000 });
    expect(s.offers).toEqual([]);
    expect(s.notices).toEqual([{ conversation_id: 1, contact_name: 'Jana 1', reason: 'accepted_elsewhere', until: T0 + 3000 + NOTICE_MS }]);
    // A revoke for an offer never shown changes nothing.
    expect(offersReducer(s, { type: 'revoked', conversation_id: 9, reason: 'expired', now: T0 })).toBe(s);
    s = offersReducer(s, { type: 'tick', now: T0 + 3000 + NOTICE_MS });
    expect(s.notices).toEqual([]);
  });

  it('an offer its queue now accepts on the agent\'s behalf goes without a notice', () => {
    let s = offersReducer(emptyOffers, { type: 'offered', offer: offer(1), now: T0 });
    s = offersReducer(s, { type: 'revoked', conversation_id: 1, reason: 'auto_accepted', now: T0 + 1000 });
    expect(s.offers).toEqual([]);
    expect(s.notices).toEqual([]);
  });

  it('my own accept or reject removes it without a notice', () => {
    let s = offersReducer(emptyOffers, { type: 'offered', offer: offer(1), now: T0 });
    s = offersReducer(s, { type: 'handled', conversation_id: 1 });
    expect(s).toEqual(emptyOffers);
  });

  it('an offer past its time goes after a grace period, as expired', () => {
    let s = offersReducer(emptyOffers, { type: 'offered', offer: offer(1), now: T0 });
    expect(offersReducer(s, { type: 'tick', now: T0 + 20_000 })).toBe(s);
    s = offersReducer(s, { type: 'tick', now: T0 + 20_000 + GRACE_MS });
    expect(s.offers).toEqual([]);
    expect(s.notices[0].reason).toBe('expired');
  });

  it('reload keeps the deadline of an offer already shown and drops what the server no longer lists', () => {
    let s = offersReducer(emptyOffers, { type: 'offered', offer: offer(1), now: T0 + 10_000 });
    s = offersReducer(s, { type: 'offered', offer: offer(2), now: T0 + 10_000 });
    s = offersReducer(s, { type: 'loaded', offers: [offer(1)], now: T0 + 15_000 });
    expect(s.offers.map((o) => [o.conversation_id, o.deadline])).toEqual([[1, T0 + 30_000]]);
  });

  it('names every reason the contract has, and a fallback', () => {
    expect(revokeReasonKey('transferred')).toBe('offer.reason.transferred');
    expect(revokeReasonKey('something_new')).toBe('offer.reason.other');
  });
});

describe('service level colour', () => {
  it('is met at the target, near within 5 points, below otherwise; none without a figure', () => {
    expect(slLevel(0.8, 0.8)).toBe('ok');
    expect(slLevel(0.95, 0.8)).toBe('ok');
    expect(slLevel(0.76, 0.8)).toBe('near');
    expect(slLevel(0.75, 0.8)).toBe('near');
    expect(slLevel(0.7, 0.8)).toBe('below');
    expect(slLevel(null, 0.8)).toBe('none');
  });

  it('the longest wait keeps growing between two updates while someone waits', () => {
    const at = new Date(T0).toISOString();
    expect(longestWaitNow({ waiting: 2, longest_wait_s: 40 }, at, T0 + 5000)).toBe(45);
    expect(longestWaitNow({ waiting: 0, longest_wait_s: 0 }, at, T0 + 5000)).toBe(0);
  });
});

const stored: Queue = {
  id: 3,
  name: 'Billing DE',
  strategy: 'preferred_agent_first',
  fallback_strategy: 'most_skilled',
  preferred_timeout_s: 45,
  required_skills: [{ skill_id: 1, level: 3 }],
  service_level: { threshold_s: 60, target: 0.9 },
  offer_timeout_s: 25,
  offer_fanout: 2,
  auto_accept: true,
  wrap_up_s: 30,
  escalation: [
    { after_s: 60, relax_to: [{ skill_id: 1, level: 1 }], raise_priority_by: 0, overflow_to_queue_id: null },
    { after_s: 300, relax_to: null, raise_priority_by: 2, overflow_to_queue_id: 4 },
  ],
  business_hours: { time_zone: 'Europe/Berlin', days: { mon: [['08:00', '18:00']], sat: [['10:00', '24:00']] }, holidays: ['2026-12-24'] },
  team_ids: [1],
  agent_ids: [5, 6],
};

describe('queue form', () => {
  it('gives a stored queue back unchanged', () => {
    const form = queueFormFrom(stored);
    expect(form.sl_target_pct).toBe('90');
    expect(form.weekly.sat).toEqual([{ from: '10:00', to: '00:00' }]);
    const { id: _id, ...rest } = stored;
    expect(queueFromForm(form)).toEqual(rest);
    expect(queueProblem(form, stored.id)).toBeNull();
  });

  it('starts a new queue with the server defaults and sends every field', () => {
    const form = { ...queueFormFrom(null), name: '  Sales ' };
    expect(queueProblem(form)).toBeNull();
    expect(queueFromForm(form)).toEqual({
      name: 'Sales', strategy: 'longest_idle', fallback_strategy: 'longest_idle', preferred_timeout_s: 30, required_skills: [],
      service_level: { threshold_s: 20, target: 0.8 }, offer_timeout_s: 20, offer_fanout: 1, auto_accept: false, wrap_up_s: 0,
      escalation: [], business_hours: null, team_ids: [], agent_ids: [],
    });
  });

  it('refuses what the server would, at the field', () => {
    const ok = queueFormFrom(stored);
    const field = (patch: object) => queueProblem({ ...ok, ...patch }, stored.id)?.field;
    expect(field({ name: ' ' })).toBe('name');
    expect(field({ offer_fanout: '0' })).toBe('offer_fanout');
    expect(field({ offer_fanout: '9' })).toBe('offer_fanout');
    expect(field({ offer_timeout_s: '2.5' })).toBe('offer_timeout_s');
    expect(field({ sl_target_pct: '120' })).toBe('sl_target_pct');
    expect(field({ preferred_timeout_s: '' })).toBe('preferred_timeout_s');
    expect(field({ fallback_strategy: 'preferred_agent_first' })).toBe('fallback_strategy');
    expect(field({ required_skills: [{ skill_id: '1', level: '6' }] })).toBe('required_skills');
    expect(field({ required_skills: [{ skill_id: '1', level: '2' }, { skill_id: '1', level: '3' }] })).toBe('required_skills');
    expect(queueProblem({ ...ok, required_skills: [{ skill_id: '1', level: '6' }] })?.key).toBe('queue.err.level');
    const steps = ok.escalation;
    expect(field({ escalation: [steps[1], steps[0]] })).toBe('escalation_1');
    expect(field({ escalation: [{ ...steps[1], overflow_to_queue_id: '3' }] })).toBe('escalation_0');
    expect(field({ escalation: [{ after_s: '10', relax: false, relax_to: [], raise_priority_by: '0', overflow_to_queue_id: '' }] })).toBe('escalation_0');
    expect(field({ weekly: { ...ok.weekly, mon: [{ from: '18:00', to: '08:00' }] } })).toBe('weekly_mon');
  });

  it('accepts a German decimal comma in the target', () => {
    expect(queueFromForm({ ...queueFormFrom(null), name: 'x', sl_target_pct: '95,5' }).service_level.target).toBe(0.955);
  });

  it('finds the field a server error names', () => {
    expect(queueFieldOfError('offer_fanout: must be 1..50')).toBe('offer_fanout');
    expect(queueFieldOfError('service_level.target: must be in (0, 1]')).toBe('sl_target_pct');
    expect(queueFieldOfError('escalation[1].after_s: must grow')).toBe('escalation_1');
    expect(queueFieldOfError('escalation.after_s: is required')).toBe('escalation');
    expect(queueFieldOfError('business_hours.days.tue: intervals overlap')).toBe('weekly_tue');
    expect(queueFieldOfError('business_hours.time_zone: unknown')).toBe('timezone');
    expect(queueFieldOfError('something else')).toBeNull();
  });
});

describe('profiles and rules', () => {
  it('capacity: empty fields are left to the team, bad ones refused', () => {
    expect(capacityFromForm({ ...capacityForm({ chat: 3 }), email: ' 12 ' })).toEqual({ chat: 3, email: 12 });
    expect(capacityFromForm({ ...capacityForm({}), voice: 'x' })).toBeNull();
    expect(capacityForm(null)).toEqual({ voice: '', chat: '', messaging: '', email: '' });
  });

  it('moves rules up and down and numbers them for saving', () => {
    expect(moveItem([1, 2, 3], 2, -1)).toEqual([1, 3, 2]);
    const same = [1, 2];
    expect(moveItem(same, 0, -1)).toBe(same);
    expect(
      rulesForSave([
        { id: 7, position: 9, inbox_id: 2, label: ' vip ', language: '', channel: null, queue_id: 1, priority: 5 },
        { inbox_id: null, label: null, language: 'de', channel: 'email', queue_id: 2, priority: 0 },
      ]),
    ).toEqual([
      { id: 7, position: 1, inbox_id: 2, label: 'vip', language: null, channel: null, queue_id: 1, priority: 5 },
      { position: 2, inbox_id: null, label: null, language: 'de', channel: 'email', queue_id: 2, priority: 0 },
    ]);
  });
});

describe('routing API calls', () => {
  it('send the contract paths and bodies with the CSRF header', async () => {
    const calls: { url: string; method: string; body?: string; csrf?: string }[] = [];
    const client = new Api(async (url, init) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      calls.push({ url, method: init?.method ?? 'GET', body: init?.body as string | undefined, csrf: headers['X-CSRF-Token'] });
      if (url.endsWith('/offers')) return new Response(JSON.stringify({ offers: [offer(1)] }), { status: 200 });
      if (url.endsWith('/reject')) return new Response(null, { status: 204 });
      if (url.endsWith('/accept')) return new Response(JSON.stringify({ error: { code: 'offer_gone', message: 'gone' } }), { status: 409 });
      return new Response(JSON.stringify({ id: 1 }), { status: 200 });
    });
    client.csrfToken = 'tok';
    const r = routingApi(client);
    expect((await r.offers())[0].conversation_id).toBe(1);
    await r.reject(1);
    await expect(r.accept(1)).rejects.toMatchObject({ status: 409, code: 'offer_gone' });
    await r.transfer(5, { queue_id: 2, note: 'VIP' });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/v1/offers', 'POST /api/v1/offers/1/reject', 'POST /api/v1/offers/1/accept', 'POST /api/v1/conversations/5/transfer',
    ]);
    expect(JSON.parse(calls[3].body!)).toEqual({ queue_id: 2, note: 'VIP' });
    expect(calls[3].csrf).toBe('tok');
  });
});
