// The desk's routing logic, pure and tested in routing.test.ts: the offer countdown, the list of
// offers as a reducer (WebSocket events, GET /offers, my own accept/reject, ticking clock), the
// queue form (Queue ↔ form state, the checks before saving), the colour of a service level, and
// the ordered rule list.
//
// Clocks: the server's expires_at is compared with the desk's clock only as far as it can be
// trusted. A fresh offer (from the stream) runs for expires_at − offered_at from the moment it
// arrived, whatever the two clocks say; an offer read with GET /offers counts down to expires_at
// but never shows more than that total. An offer whose time is up stays a moment longer
// (GRACE_MS) so the server's own routing.offer_revoked can say why it went.
import type { MessageKey } from '../i18n';
import {
  STRATEGIES, type BusinessHoursSpec, type Capacity, type ChannelKind, type EscalationStep, type Offer, type Queue,
  type QueueInput, type QueueStats, type RoutingRule, type SkillLevel, type Strategy,
} from '../api/routing';
import { DAYS, defaultWeek, hoursProblem, type HoursForm, type Interval, type Problem } from './webchat-config';

// ---- countdown ----

/** Whole seconds left until `deadline` (ms), never below zero; 0.2 s counts as 1 s. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** A duration as a clock: 7 → "0:07", 95 → "1:35", 3725 → "1:02:05"; negative or NaN → "0:00". */
export function formatClock(seconds: number): string {
  const s = Number.isFinite(seconds) ? Math.max(0, Math.floor(seconds)) : 0;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

// ---- offers ----

export const GRACE_MS = 2000;
export const NOTICE_MS = 6000;

export interface OfferEntry extends Offer {
  /** When it runs out, on the desk's clock (ms). */
  deadline: number;
  /** The whole offer time in seconds (for the progress bar). */
  total: number;
}

/** Why an offer went away, shown for a few seconds in its place. */
export interface OfferNotice {
  conversation_id: number;
  contact_name: string;
  reason: string;
  until: number;
}

export interface OfferState {
  offers: OfferEntry[];
  notices: OfferNotice[];
}

export type OfferAction =
  | { type: 'loaded'; offers: Offer[]; now: number }
  | { type: 'offered'; offer: Offer; now: number }
  | { type: 'revoked'; conversation_id: number; reason: string; now: number }
  /** I accepted or rejected it: gone without a notice. */
  | { type: 'handled'; conversation_id: number }
  | { type: 'tick'; now: number };

export const emptyOffers: OfferState = { offers: [], notices: [] };

function entry(offer: Offer, now: number, fresh: boolean): OfferEntry {
  const expires = Date.parse(offer.expires_at);
  const offered = Date.parse(offer.offered_at);
  const totalMs = Number.isFinite(expires) && Number.isFinite(offered) && expires > offered ? expires - offered : 0;
  // "Fresh" only while the two clocks are within one offer time of each other: an event the
  // stream replays after a reconnect is old, and counts against expires_at like a loaded one.
  if (fresh && Math.abs(now - offered) > totalMs) fresh = false;
  const remaining = fresh ? totalMs : Math.min(totalMs, Math.max(0, (Number.isFinite(expires) ? expires : now) - now));
  return { ...offer, deadline: now + remaining, total: Math.round(totalMs / 1000) };
}

const byDeadline = (a: OfferEntry, b: OfferEntry) => a.deadline - b.deadline || a.conversation_id - b.conversation_id;

export function offersReducer(state: OfferState, action: OfferAction): OfferState {
  switch (action.type) {
    case 'loaded': {
      // The server's list is the truth; an offer already shown keeps its deadline.
      const known = new Map(state.offers.map((o) => [o.conversation_id, o]));
      const offers = action.offers.map((o) => {
        const had = known.get(o.conversation_id);
        return had && had.expires_at === o.expires_at ? { ...had, ...o } : entry(o, action.now, false);
      });
      return { offers: offers.sort(byDeadline), notices: state.notices.filter((n) => !offers.some((o) => o.conversation_id === n.conversation_id)) };
    }
    case 'offered': {
      // The same offer again (a replay) keeps its countdown; one already over is not shown.
      const had = state.offers.find((o) => o.conversation_id === action.offer.conversation_id);
      if (had && had.expires_at === action.offer.expires_at) return state;
      const fresh = entry(action.offer, action.now, true);
      if (fresh.deadline <= action.now) return state;
      const offers = [...state.offers.filter((o) => o.conversation_id !== fresh.conversation_id), fresh].sort(byDeadline);
      return { offers, notices: state.notices.filter((n) => n.conversation_id !== fresh.conversation_id) };
    }
    case 'revoked': {
      const gone = state.offers.find((o) => o.conversation_id === action.conversation_id);
      if (!gone) return state;
      // Its queue now accepts for the agent: the conversation comes to him (or the next agent)
      // by itself; nothing to explain.
      if (action.reason === 'auto_accepted') return { ...state, offers: state.offers.filter((o) => o !== gone) };
      return {
        offers: state.offers.filter((o) => o !== gone),
        notices: [...state.notices.filter((n) => n.conversation_id !== gone.conversation_id), { conversation_id: gone.conversation_id, contact_name: gone.contact_name, reason: action.reason, until: action.now + NOTICE_MS }],
      };
    }
    case 'handled': {
      if (!state.offers.some((o) => o.conversation_id === action.conversation_id)) return state;
      return { ...state, offers: state.offers.filter((o) => o.conversation_id !== action.conversation_id) };
    }
    case 'tick': {
      const lapsed = state.offers.filter((o) => o.deadline + GRACE_MS <= action.now);
      const notices = state.notices.filter((n) => n.until > action.now);
      if (!lapsed.length && notices.length === state.notices.length) return state;
      return {
        offers: state.offers.filter((o) => !lapsed.includes(o)),
        notices: [...notices, ...lapsed.map((o) => ({ conversation_id: o.conversation_id, contact_name: o.contact_name, reason: 'expired', until: action.now + NOTICE_MS }))],
      };
    }
  }
}

/** The text key for a revoke reason (an unknown one reads as "withdrawn"). */
export function revokeReasonKey(reason: string): MessageKey {
  switch (reason) {
    case 'accepted_elsewhere':
    case 'expired':
    case 'task_gone':
    case 'agent_unavailable':
    case 'transferred':
    case 'gone':
      return `offer.reason.${reason}` as MessageKey;
    default:
      return 'offer.reason.other';
  }
}

// ---- live figures ----

export type SlLevel = 'none' | 'ok' | 'near' | 'below';

/** A service level against its target: below it, within 5 points under it (near), or met. */
export function slLevel(value: number | null | undefined, target: number): SlLevel {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'none';
  if (value + 1e-9 >= target) return 'ok';
  return value + 0.05 + 1e-9 >= target ? 'near' : 'below';
}

/** The longest wait as of `now`: the server's figure plus the time since it was taken (only
 * while someone waits). */
export function longestWaitNow(q: Pick<QueueStats, 'waiting' | 'longest_wait_s'>, at: string, now: number): number {
  const taken = Date.parse(at);
  const extra = q.waiting > 0 && Number.isFinite(taken) ? Math.max(0, (now - taken) / 1000) : 0;
  return q.longest_wait_s + extra;
}

/** Totals over every queue (the "all queues" row). */
export function totalStats(queues: QueueStats[]): { waiting: number; offered: number; longest_wait_s: number; answered_today: number; abandoned_today: number } {
  return queues.reduce(
    (t, q) => ({
      waiting: t.waiting + q.waiting,
      offered: t.offered + q.offered,
      longest_wait_s: Math.max(t.longest_wait_s, q.longest_wait_s),
      answered_today: t.answered_today + q.answered_today,
      abandoned_today: t.abandoned_today + q.abandoned_today,
    }),
    { waiting: 0, offered: 0, longest_wait_s: 0, answered_today: 0, abandoned_today: 0 },
  );
}

// ---- the queue form ----

export interface SkillRow {
  skill_id: string;
  level: string;
}

export interface EscalationRow {
  after_s: string;
  relax: boolean;
  relax_to: SkillRow[];
  raise_priority_by: string;
  overflow_to_queue_id: string;
}

export interface QueueForm extends HoursForm {
  name: string;
  strategy: Strategy;
  /** '' = none. */
  fallback_strategy: Strategy | '';
  preferred_timeout_s: string;
  required_skills: SkillRow[];
  sl_threshold_s: string;
  /** Percent, 1..100. */
  sl_target_pct: string;
  offer_timeout_s: string;
  offer_fanout: string;
  auto_accept: boolean;
  wrap_up_s: string;
  escalation: EscalationRow[];
  team_ids: number[];
  agent_ids: number[];
}

export const QUEUE_DEFAULTS = { strategy: 'longest_idle' as Strategy, threshold_s: 20, target: 0.8, offer_timeout_s: 20, offer_fanout: 1, wrap_up_s: 0, preferred_timeout_s: 30 };
/** The server's limits (app/routing_config.cpp): seconds up to a week, fan-out up to 8. */
const WEEK = 7 * 86400;
export const LIMITS = { name: 200, seconds: WEEK, offer_fanout: 8, priority: 100, escalation: 20 };

const num = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? '' : String(n));
const skillRows = (list: SkillLevel[] | null | undefined): SkillRow[] => (list ?? []).map((s) => ({ skill_id: String(s.skill_id), level: String(s.level) }));
/** Percent without float noise: 0.8 → "80", 0.955 → "95.5". */
const pct = (fraction: number) => String(Math.round(fraction * 1000) / 10);

function hoursFromSpec(spec: BusinessHoursSpec | null | undefined, defaultTimezone: string): HoursForm {
  if (!spec) return { hoursEnabled: false, timezone: defaultTimezone, weekly: defaultWeek(), closedDates: [] };
  const weekly = Object.fromEntries(DAYS.map((d) => [d, [] as Interval[]])) as HoursForm['weekly'];
  for (const d of DAYS) {
    const list = Array.isArray(spec.days?.[d]) ? spec.days[d] : [];
    weekly[d] = list.map(([from, to]) => ({ from, to: to === '24:00' ? '00:00' : to }));
  }
  return { hoursEnabled: true, timezone: spec.time_zone || defaultTimezone, weekly, closedDates: [...(spec.holidays ?? [])].sort() };
}

function hoursToSpec(form: HoursForm): BusinessHoursSpec | null {
  if (!form.hoursEnabled) return null;
  const days: BusinessHoursSpec['days'] = {};
  for (const d of DAYS) if (form.weekly[d].length) days[d] = form.weekly[d].map((i) => [i.from, i.to === '00:00' ? '24:00' : i.to]);
  return { time_zone: form.timezone, days, holidays: [...form.closedDates] };
}

/** The form for a stored queue, or for a new one (the server's defaults). */
export function queueFormFrom(q: Queue | null, defaultTimezone = 'Europe/Berlin'): QueueForm {
  return {
    name: q?.name ?? '',
    strategy: q?.strategy ?? QUEUE_DEFAULTS.strategy,
    fallback_strategy: q?.fallback_strategy ?? QUEUE_DEFAULTS.strategy,
    preferred_timeout_s: num(q?.preferred_timeout_s ?? QUEUE_DEFAULTS.preferred_timeout_s),
    required_skills: skillRows(q?.required_skills),
    sl_threshold_s: num(q?.service_level?.threshold_s ?? QUEUE_DEFAULTS.threshold_s),
    sl_target_pct: pct(q?.service_level?.target ?? QUEUE_DEFAULTS.target),
    offer_timeout_s: num(q?.offer_timeout_s ?? QUEUE_DEFAULTS.offer_timeout_s),
    offer_fanout: num(q?.offer_fanout ?? QUEUE_DEFAULTS.offer_fanout),
    auto_accept: q?.auto_accept ?? false,
    wrap_up_s: num(q?.wrap_up_s ?? QUEUE_DEFAULTS.wrap_up_s),
    escalation: (q?.escalation ?? []).map((e) => ({
      after_s: num(e.after_s),
      relax: e.relax_to !== null && e.relax_to !== undefined,
      relax_to: skillRows(e.relax_to),
      raise_priority_by: num(e.raise_priority_by ?? 0),
      overflow_to_queue_id: e.overflow_to_queue_id ? String(e.overflow_to_queue_id) : '',
    })),
    ...hoursFromSpec(q?.business_hours, defaultTimezone),
    team_ids: [...(q?.team_ids ?? [])],
    agent_ids: [...(q?.agent_ids ?? [])],
  };
}

const int = (s: string) => Number(s.trim());
const isInt = (s: string, min: number, max: number) => /^-?\d+$/.test(s.trim()) && int(s) >= min && int(s) <= max;
const skillsOut = (rows: SkillRow[]): SkillLevel[] => rows.map((r) => ({ skill_id: int(r.skill_id), level: int(r.level) }));

/** The body of POST /queues or PATCH /queues/{id}; call queueProblem first. */
export function queueFromForm(form: QueueForm): QueueInput {
  const preferred = form.strategy === 'preferred_agent_first';
  return {
    name: form.name.trim(),
    strategy: form.strategy,
    // The server keeps both always; they matter only for preferred_agent_first.
    fallback_strategy: form.fallback_strategy || QUEUE_DEFAULTS.strategy,
    preferred_timeout_s: preferred || isInt(form.preferred_timeout_s, 0, LIMITS.seconds) ? int(form.preferred_timeout_s) : QUEUE_DEFAULTS.preferred_timeout_s,
    required_skills: skillsOut(form.required_skills),
    service_level: { threshold_s: int(form.sl_threshold_s), target: Math.round(Number(form.sl_target_pct.trim().replace(',', '.')) * 10) / 1000 },
    offer_timeout_s: int(form.offer_timeout_s),
    offer_fanout: int(form.offer_fanout),
    auto_accept: form.auto_accept,
    wrap_up_s: int(form.wrap_up_s),
    escalation: form.escalation.map(
      (e): EscalationStep => ({
        after_s: int(e.after_s),
        relax_to: e.relax ? skillsOut(e.relax_to) : null,
        raise_priority_by: e.raise_priority_by.trim() ? int(e.raise_priority_by) : 0,
        overflow_to_queue_id: e.overflow_to_queue_id ? int(e.overflow_to_queue_id) : null,
      }),
    ),
    business_hours: hoursToSpec(form),
    team_ids: [...form.team_ids],
    agent_ids: [...form.agent_ids],
  };
}

function skillsProblem(rows: SkillRow[], field: string): Problem | null {
  const seen = new Set<string>();
  for (const r of rows) {
    if (!r.skill_id) return { field, key: 'queue.err.skillMissing' };
    if (!isInt(r.level, 1, 5)) return { field, key: 'queue.err.level' };
    if (seen.has(r.skill_id)) return { field, key: 'queue.err.skillTwice' };
    seen.add(r.skill_id);
  }
  return null;
}

/** The first thing the server would refuse, named by its field (the id suffix in the form). */
export function queueProblem(form: QueueForm, ownId: number | null = null): Problem | null {
  if (!form.name.trim()) return { field: 'name', key: 'queue.err.name' };
  if (form.name.trim().length > LIMITS.name) return { field: 'name', key: 'queue.err.nameLong', params: { max: LIMITS.name } };
  if (!STRATEGIES.includes(form.strategy)) return { field: 'strategy', key: 'queue.err.strategy' };
  if (form.strategy === 'preferred_agent_first') {
    if (form.fallback_strategy === 'preferred_agent_first') return { field: 'fallback_strategy', key: 'queue.err.fallback' };
    if (!isInt(form.preferred_timeout_s, 1, LIMITS.seconds)) return { field: 'preferred_timeout_s', key: 'queue.err.range', params: { min: 1, max: LIMITS.seconds } };
  }
  const skills = skillsProblem(form.required_skills, 'required_skills');
  if (skills) return skills;
  if (!isInt(form.sl_threshold_s, 1, LIMITS.seconds)) return { field: 'sl_threshold_s', key: 'queue.err.range', params: { min: 1, max: LIMITS.seconds } };
  const target = Number(form.sl_target_pct.trim().replace(',', '.'));
  if (!form.sl_target_pct.trim() || !Number.isFinite(target) || target <= 0 || target > 100) return { field: 'sl_target_pct', key: 'queue.err.target' };
  if (!isInt(form.offer_timeout_s, 1, LIMITS.seconds)) return { field: 'offer_timeout_s', key: 'queue.err.range', params: { min: 1, max: LIMITS.seconds } };
  if (!isInt(form.offer_fanout, 1, LIMITS.offer_fanout)) return { field: 'offer_fanout', key: 'queue.err.range', params: { min: 1, max: LIMITS.offer_fanout } };
  if (!isInt(form.wrap_up_s, 0, LIMITS.seconds)) return { field: 'wrap_up_s', key: 'queue.err.range', params: { min: 0, max: LIMITS.seconds } };
  if (form.escalation.length > LIMITS.escalation) return { field: 'escalation', key: 'queue.err.tooManySteps', params: { max: LIMITS.escalation } };
  let last = 0;
  for (let k = 0; k < form.escalation.length; k++) {
    const e = form.escalation[k];
    const field = `escalation_${k}`;
    if (!isInt(e.after_s, 1, LIMITS.seconds)) return { field, key: 'queue.err.range', params: { min: 1, max: LIMITS.seconds } };
    if (int(e.after_s) <= last) return { field, key: 'queue.err.stepOrder' };
    last = int(e.after_s);
    if (e.raise_priority_by.trim() && !isInt(e.raise_priority_by, 0, LIMITS.priority)) return { field, key: 'queue.err.range', params: { min: 0, max: LIMITS.priority } };
    if (e.relax) {
      const relax = skillsProblem(e.relax_to, field);
      if (relax) return relax;
    }
    if (ownId !== null && e.overflow_to_queue_id === String(ownId)) return { field, key: 'queue.err.overflowSelf' };
    if (!e.relax && !e.overflow_to_queue_id && !(e.raise_priority_by.trim() && int(e.raise_priority_by) > 0)) return { field, key: 'queue.err.stepEmpty' };
  }
  return hoursProblem(form);
}

/** The form field a server 400 names ("offer_fanout: must be 1..50", "escalation[1].after_s: …",
 * "business_hours.days.mon: …"), or null. */
export function queueFieldOfError(message: string): string | null {
  const m = /^([a-z_]+)(?:\[(\d+)\])?((?:\.[a-z_]+)*)\s*:/.exec(message);
  if (!m) return null;
  const [, key, index, restText] = m;
  const rest = restText.split('.').filter(Boolean);
  switch (key) {
    case 'service_level':
      return rest[0] === 'target' ? 'sl_target_pct' : 'sl_threshold_s';
    case 'escalation':
      return index !== undefined ? `escalation_${index}` : 'escalation';
    case 'business_hours':
      if (rest[0] === 'time_zone') return 'timezone';
      if (rest[0] === 'holidays') return 'closed_dates';
      if (rest[0] === 'days') return rest[1] && (DAYS as readonly string[]).includes(rest[1]) ? `weekly_${rest[1]}` : 'weekly_mon';
      return 'hours_enabled';
    case 'name': case 'strategy': case 'fallback_strategy': case 'preferred_timeout_s': case 'required_skills':
    case 'offer_timeout_s': case 'offer_fanout': case 'wrap_up_s': case 'team_ids': case 'agent_ids': case 'auto_accept':
      return key;
    default:
      return null;
  }
}

// ---- agents' profiles ----

export type CapacityForm = Record<ChannelKind, string>;

export function capacityForm(c: Capacity | null | undefined): CapacityForm {
  return { voice: num(c?.voice), chat: num(c?.chat), messaging: num(c?.messaging), email: num(c?.email) };
}

/** Only the kinds that are set (an empty field means "the team's default"). */
export function capacityFromForm(f: CapacityForm): Capacity | null {
  const out: Capacity = {};
  for (const [k, v] of Object.entries(f) as [ChannelKind, string][]) {
    if (!v.trim()) continue;
    if (!isInt(v, 0, 1000)) return null;
    out[k] = int(v);
  }
  return out;
}

// ---- routing rules ----

/** The list with item `i` moved by `delta` (−1 up, +1 down); unchanged at the ends. */
export function moveItem<T>(list: T[], i: number, delta: number): T[] {
  const j = i + delta;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return list;
  const copy = [...list];
  [copy[i], copy[j]] = [copy[j], copy[i]];
  return copy;
}

/** The body of PUT /routing_rules: in this order, positions from 1, empty conditions as null. */
export function rulesForSave(rules: RoutingRule[]): RoutingRule[] {
  const text = (s: string | null) => (s && s.trim() ? s.trim() : null);
  return rules.map((r, k) => ({
    ...(r.id ? { id: r.id } : {}),
    position: k + 1,
    inbox_id: r.inbox_id || null,
    label: text(r.label),
    language: text(r.language),
    channel: text(r.channel),
    queue_id: r.queue_id,
    priority: Number.isFinite(r.priority) ? r.priority : 0,
  }));
}
