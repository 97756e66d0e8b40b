// The routing (ACD) part of the API (docs/API.md, "Routing"): skills, queues, agents' routing
// profiles, team capacity defaults, routing rules, offers to the signed-in agent, transfer and
// the live queue figures. Shapes as the server sends them; calls through the one Api client.
import { api, type Api } from './client';
import type { Conversation } from './types';

export const STRATEGIES = ['longest_idle', 'least_occupied', 'most_skilled', 'round_robin', 'preferred_agent_first'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const CHANNEL_KINDS = ['voice', 'chat', 'messaging', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type Capacity = Partial<Record<ChannelKind, number>>;
export type RoutingState = 'waiting' | 'offered' | 'assigned' | 'pending' | 'none';

export interface Skill {
  id: number;
  name: string;
}

export interface SkillLevel {
  skill_id: number;
  level: number;
}

export interface ServiceLevel {
  threshold_s: number;
  /** A fraction, 0..1. */
  target: number;
}

export interface EscalationStep {
  after_s: number;
  relax_to: SkillLevel[] | null;
  raise_priority_by: number;
  overflow_to_queue_id: number | null;
}

export interface BusinessHoursSpec {
  time_zone: string;
  /** mon..sun → [["08:00","18:00"], …]; a missing day is closed. */
  days: Record<string, [string, string][]>;
  holidays: string[];
}

export interface Queue {
  id: number;
  name: string;
  strategy: Strategy;
  /** Used by preferred_agent_first after preferred_timeout_s; the server keeps both always. */
  fallback_strategy: Strategy;
  preferred_timeout_s: number;
  required_skills: SkillLevel[];
  service_level: ServiceLevel;
  offer_timeout_s: number;
  offer_fanout: number;
  auto_accept: boolean;
  wrap_up_s: number;
  escalation: EscalationStep[];
  business_hours: BusinessHoursSpec | null;
  team_ids: number[];
  agent_ids: number[];
}

export type QueueInput = Omit<Queue, 'id'>;

export interface RoutingProfile {
  user_id: number;
  skills: SkillLevel[];
  /** Read: the capacity that applies (own, the team's, or the built-in one); write: null = not own. */
  capacity: Capacity | null;
  /** Read only: whether `capacity` is the agent's own. */
  capacity_is_own?: boolean;
  chat_interruptible_by_email: boolean;
  queue_ids: number[];
}

export interface RoutingRule {
  id?: number;
  position?: number;
  inbox_id: number | null;
  label: string | null;
  language: string | null;
  channel: string | null;
  queue_id: number;
  priority: number;
}

export interface Offer {
  conversation_id: number;
  queue_id: number;
  queue_name: string;
  expires_at: string;
  offered_at: string;
  channel: string;
  contact_name: string;
  preview: string;
}

export const REVOKE_REASONS = ['accepted_elsewhere', 'expired', 'task_gone', 'agent_unavailable', 'transferred'] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

export interface OfferRevoked {
  conversation_id: number;
  reason: RevokeReason | string;
}

export interface ChannelWaiting {
  waiting: number;
  longest_wait_s: number;
}

export interface QueueStats {
  queue_id: number;
  name: string;
  waiting: number;
  offered: number;
  longest_wait_s: number;
  agents_logged_in: number;
  agents_available: number;
  agents_busy: number;
  agents_away: number;
  service_level_today: number | null;
  service_level_15m: number | null;
  asa_today_s: number | null;
  asa_15m_s: number | null;
  abandoned_today: number;
  answered_today: number;
  target: ServiceLevel;
  by_channel: Record<string, ChannelWaiting>;
}

export interface QueueStatsAnswer {
  at: string;
  queues: QueueStats[];
}

export interface TransferTarget {
  queue_id?: number;
  agent_id?: number;
  team_id?: number;
  note?: string;
}

/** Conversation fields the routing adds (older servers send none of them). */
export interface RoutedConversation extends Conversation {
  queue_id?: number | null;
  enqueued_at?: string | null;
  routing_state?: RoutingState;
}

/** The calls, over an Api (the app's one by default; tests hand in one with a fake fetch). */
export function routingApi(client: Api = api) {
  return {
    skills: () => client.get<{ skills: Skill[] }>('/skills').then((a) => a.skills),
    createSkill: (name: string) => client.post<Skill>('/skills', { name }),
    renameSkill: (id: number, name: string) => client.patch<Skill>(`/skills/${id}`, { name }),
    deleteSkill: (id: number) => client.del<void>(`/skills/${id}`),

    queues: () => client.get<{ queues: Queue[] }>('/queues').then((a) => a.queues),
    createQueue: (q: QueueInput) => client.post<Queue>('/queues', q),
    updateQueue: (id: number, q: Partial<QueueInput>) => client.patch<Queue>(`/queues/${id}`, q),
    deleteQueue: (id: number) => client.del<void>(`/queues/${id}`),
    queueStats: () => client.get<QueueStatsAnswer>('/queues/stats'),

    profile: (userId: number) => client.get<RoutingProfile>(`/users/${userId}/routing`),
    saveProfile: (userId: number, p: Omit<RoutingProfile, 'user_id' | 'capacity_is_own'>) => client.put<RoutingProfile>(`/users/${userId}/routing`, { user_id: userId, ...p }),
    teamRouting: (teamId: number) => client.get<{ capacity: Capacity }>(`/teams/${teamId}/routing`),
    saveTeamRouting: (teamId: number, capacity: Capacity) => client.put<{ capacity: Capacity }>(`/teams/${teamId}/routing`, { capacity }),

    rules: () => client.get<{ rules: RoutingRule[] }>('/routing_rules').then((a) => a.rules),
    saveRules: (rules: RoutingRule[]) => client.put<{ rules: RoutingRule[] }>('/routing_rules', { rules }).then((a) => a.rules),

    offers: () => client.get<{ offers: Offer[] }>('/offers').then((a) => a.offers),
    accept: (conversationId: number) => client.post<RoutedConversation>(`/offers/${conversationId}/accept`),
    reject: (conversationId: number) => client.post<void>(`/offers/${conversationId}/reject`),

    transfer: (conversationId: number, target: TransferTarget) => client.post<RoutedConversation>(`/conversations/${conversationId}/transfer`, target),
  };
}

export const routing = routingApi();
