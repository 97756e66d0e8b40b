// The shapes the Parley API answers with (docs/API.md). Times are ISO 8601 UTC strings.
export type Role = 'admin' | 'supervisor' | 'agent';
export type Language = 'de' | 'en';
export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'resolved';
export type Priority = 'none' | 'low' | 'medium' | 'high' | 'urgent';
export type Availability = 'available' | 'away' | 'offline';
export type DeliveryStatus = 'none' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface User {
  id: number;
  tenant_id?: number;
  email: string;
  name: string;
  role: Role;
  language: Language;
  active: boolean;
  created_at: string;
  team_ids?: number[];
  /** Set by each user for themselves (PUT /auth/me/availability); routing offers work to `available`. */
  availability?: Availability;
  availability_changed_at?: string | null;
}

export interface Me extends User {
  team_ids: number[];
  csrf_token: string;
}

export interface LoginAnswer {
  token: string;
  csrf_token: string;
  expires_at: string;
  user: User & { team_ids: number[] };
}

export interface Team {
  id: number;
  name: string;
  description: string;
  member_ids: number[];
}

export interface Inbox {
  id: number;
  name: string;
  channel: string;
  config: Record<string, unknown>;
  team_ids: number[];
  callback_url?: string | null;
  created_at: string;
  secret?: string;
  /** E-mail inboxes, from GET /inboxes and /inboxes/{id}: the poller's live state. */
  channel_status?: ChannelStatus | null;
}

/** The state an e-mail inbox's poller keeps (docs/channels/EMAIL.md). Times are epoch ms. */
export interface ChannelStatus {
  state: 'ok' | 'error' | 'webhook_only' | string;
  last_error?: string;
  failures?: number;
  last_poll_at?: string | number;
  next_poll_at?: string | number;
  last_success_at?: string | number;
  skipped?: { uid?: number; reason?: string; at?: string | number }[];
}

export interface Identity {
  id: number;
  contact_id: number;
  kind: 'phone' | 'email' | 'external';
  value: string;
  verified: boolean;
  scope?: string;
  created_at: string;
}

export interface Contact {
  id: number;
  name: string;
  attributes: Record<string, unknown>;
  merged_into: number | null;
  created_at: string;
  updated_at: string;
  identities?: Identity[];
}

export interface Conversation {
  id: number;
  inbox_id: number;
  contact_id: number;
  status: ConversationStatus;
  priority: Priority;
  labels: string[];
  assignee_id: number | null;
  team_id: number | null;
  snoozed_until: string | null;
  created_at: string;
  last_activity_at: string;
  first_response_at: string | null;
  resolved_at: string | null;
  last_incoming_at: string | null;
  /** last_incoming_at + 24 h on WhatsApp, Messenger, Instagram (and Twilio WhatsApp); else null. */
  customer_window_expires_at?: string | null;
  public: boolean;
  /** Routing (null/absent when not routed): the queue, the customer's original enqueue time. */
  queue_id?: number | null;
  enqueued_at?: string | null;
  routing_state?: 'waiting' | 'offered' | 'assigned' | 'pending' | 'none';
}

export interface Message {
  id: number;
  conversation_id: number;
  inbox_id: number;
  direction: 'incoming' | 'outgoing' | 'note' | 'activity';
  private: boolean;
  kind: string;
  text: string;
  payload: Record<string, unknown>;
  sender_user_id: number | null;
  sender_contact_id: number | null;
  external_id: string | null;
  reply_to_id: number | null;
  delivery_status: DeliveryStatus;
  delivery_error: string | null;
  attachment_ids: number[];
  /** The files of attachment_ids, in the same order (newer servers; older ones send ids only). */
  attachments?: MessageAttachment[];
  created_at: string;
  updated_at: string;
  location: { latitude: number; longitude: number; name: string } | null;
}

/** The answer to a reply: the message, and when the channel carries fewer files per message
 * than the reply had, the further messages with the next files, in the order they are sent. */
export interface SentReply extends Message {
  further_messages?: Message[];
}

export interface Attachment {
  id: number;
  message_id: number | null;
  filename: string;
  content_type: string;
  size: number;
  state: 'pending' | 'stored' | 'failed';
  error: string | null;
  url: string;
}

/** A file of a message as the message JSON describes it. */
export interface MessageAttachment {
  id: number;
  filename: string;
  content_type: string;
  size: number;
  state: 'stored' | 'pending' | 'failed';
  error: string | null;
}

export interface CannedResponse {
  id: number;
  short_code: string;
  language: Language;
  content: string;
  created_at: string;
  updated_at: string;
}

export interface ApiToken {
  id: number;
  name: string;
  user_id: number;
  revoked: boolean;
  last_used_at: string | null;
  created_at: string;
  token?: string;
}

/** `conversation.typing`: an agent (user_id, name) or the customer (contact_id; web chat) is
 * typing; never replayed, and a `true` that is not repeated lapses after about 6 s. */
export interface TypingEvent {
  conversation_id: number;
  inbox_id: number;
  typing: boolean;
  side: 'agent' | 'customer';
  user_id: number | null;
  contact_id: number | null;
  name: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export type StreamEvent =
  | { id?: string; type: 'hello'; data: { user_id: number } }
  | { id?: string; type: 'message.created' | 'message.updated'; data: Message }
  | { id?: string; type: 'conversation.created' | 'conversation.updated'; data: Conversation }
  | { id?: string; type: 'contact.updated'; data: Contact }
  | { id?: string; type: 'user.availability'; data: User }
  | { id?: string; type: 'conversation.typing'; data: TypingEvent }
  | { id?: string; type: 'routing.offer'; data: import('./routing').Offer }
  | { id?: string; type: 'routing.offer_revoked'; data: import('./routing').OfferRevoked }
  | { id?: string; type: 'queue.stats'; data: import('./routing').QueueStatsAnswer }
  | { id?: string; type: 'replay.incomplete'; data: { message: string } };
