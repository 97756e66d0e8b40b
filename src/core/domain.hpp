// DESIGN: the domain model as plain value types (see shared/design/ARCHITECTURE.md).
// No I/O, no JSON, no SQL here. Enums have one canonical lower-case spelling, used by the
// API and by both stores; parse functions return std::nullopt for anything else.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"

namespace parley::core {

namespace routing {
struct RoutingQueueTag;  // core/routing/routing_types.hpp: QueueId
}

enum class Role { Admin, Supervisor, Agent };
// An agent's status, set by the agent: routing offers work only to Available agents; the web
// chat says no one is there when no agent of the inbox is Available.
enum class Availability { Available, Away, Offline };
enum class Language { De, En };
enum class ChannelKind { Api, WebChat, WhatsApp, Messenger, Instagram, Telegram, Twilio, X, Email, Voice };
// What an identity value is. Phone is always E.164, Email always lower-case.
enum class IdentityKind { Phone, Email, External };
enum class ConversationStatus { Open, Pending, Snoozed, Resolved };
enum class Priority { None, Low, Medium, High, Urgent };
enum class MessageDirection { Incoming, Outgoing, Note, Activity };
// Ordered: a status only ever moves forward (see delivery.hpp). Failed is terminal.
enum class DeliveryStatus { None, Pending, Sent, Delivered, Read, Failed };
enum class OutboxState { Pending, Done, Failed };
// What a message is. Media kinds carry their files as attachments; structured extras (shared
// contacts, the id of a pressed button, a reaction's emoji) live in Message::payload_json.
enum class MessageKind { Text, Image, Audio, Video, Document, Sticker, Location, Contacts, Interactive, Reaction, Template, Unsupported };
// An attachment whose bytes are still at the provider is Pending until the media fetcher
// stores them (Stored) or gives up (Failed, with the reason in Attachment::error).
enum class AttachmentState { Stored, Pending, Failed };

std::string_view toString(Role v);
std::string_view toString(Availability v);
std::string_view toString(Language v);
std::string_view toString(ChannelKind v);
std::string_view toString(IdentityKind v);
std::string_view toString(ConversationStatus v);
std::string_view toString(Priority v);
std::string_view toString(MessageDirection v);
std::string_view toString(DeliveryStatus v);
std::string_view toString(OutboxState v);
std::string_view toString(MessageKind v);
std::string_view toString(AttachmentState v);

std::optional<Role> parseRole(std::string_view s);
std::optional<Availability> parseAvailability(std::string_view s);
std::optional<Language> parseLanguage(std::string_view s);
std::optional<ChannelKind> parseChannelKind(std::string_view s);
std::optional<IdentityKind> parseIdentityKind(std::string_view s);
std::optional<ConversationStatus> parseConversationStatus(std::string_view s);
std::optional<Priority> parsePriority(std::string_view s);
std::optional<MessageDirection> parseMessageDirection(std::string_view s);
std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view s);
std::optional<OutboxState> parseOutboxState(std::string_view s);
std::optional<MessageKind> parseMessageKind(std::string_view s);
std::optional<AttachmentState> parseAttachmentState(std::string_view s);

struct Tenant {
  TenantId id;
  std::string name;
  TimestampMs created_at = 0;
};

struct User {
  UserId id;
  TenantId tenant_id;
  std::string email;  // lower-case, unique across all tenants (login is by e-mail)
  std::string name;
  Role role = Role::Agent;
  Language language = Language::En;
  std::string password_hash;  // argon2id encoded string; never leaves the server
  bool active = true;
  // Written only by setUserAvailability (an agent's status is not part of their profile).
  Availability availability = Availability::Offline;
  TimestampMs availability_changed_at = 0;
  TimestampMs created_at = 0;
};

struct Team {
  TeamId id;
  TenantId tenant_id;
  std::string name;
  std::string description;
  std::vector<UserId> member_ids;  // filled by reads; written with setTeamMembers
  TimestampMs created_at = 0;
};

struct Inbox {
  InboxId id;
  TenantId tenant_id;
  std::string name;
  ChannelKind channel = ChannelKind::Api;
  // Channel configuration as a JSON object text; parsed by the channel adapter. Secrets in it
  // are never returned by the API.
  std::string config_json = "{}";
  std::string secret;            // API channel: HMAC secret for inbound and outbound signatures
  std::string callback_url;      // API channel: where agent replies are delivered
  std::vector<TeamId> team_ids;  // teams whose agents may see this inbox
  TimestampMs created_at = 0;
};

struct ContactIdentity {
  IdentityId id;
  TenantId tenant_id;
  ContactId contact_id;
  IdentityKind kind = IdentityKind::External;
  // For External: the channel scope, e.g. "api:12" (inbox 12) or "telegram"; empty otherwise.
  std::string scope;
  std::string value;  // E.164 phone, lower-case e-mail, or the channel's own id (kept as a string)
  bool verified = false;
  // The contact this identity belonged to before a merge moved it; lets un-merge restore it.
  ContactId original_contact_id;
  TimestampMs created_at = 0;
};

struct Contact {
  ContactId id;
  TenantId tenant_id;
  std::string name;
  std::string attributes_json = "{}";
  ContactId merged_into;  // set when this contact was merged into another one
  TimestampMs created_at = 0;
  TimestampMs updated_at = 0;
};

struct Conversation {
  ConversationId id;
  TenantId tenant_id;
  InboxId inbox_id;
  ContactId contact_id;
  // The contact this conversation belonged to before a merge moved it; lets un-merge restore it.
  ContactId original_contact_id;
  ConversationStatus status = ConversationStatus::Open;
  Priority priority = Priority::None;
  std::vector<std::string> labels;  // sorted, unique
  UserId assignee_id;
  TeamId team_id;
  TimestampMs snoozed_until = 0;
  TimestampMs created_at = 0;
  TimestampMs last_activity_at = 0;
  TimestampMs first_response_at = 0;  // first outgoing (non-note) message after creation
  TimestampMs resolved_at = 0;
  // The customer's last message: WhatsApp and Messenger allow free-form replies only within
  // 24 hours of it (the customer-service window).
  TimestampMs last_incoming_at = 0;
  // Derived, never stored: last_incoming_at + 24 h for channels with that window (set by the
  // desk service from the inbox, core/customer_window.hpp); unset otherwise.
  std::optional<TimestampMs> customer_window_expires_at;
  bool is_public = false;  // a public thread (an X mention, a page comment), not a private chat
  // Routing (app/routing_service.hpp): the queue the conversation waits or was served in (unset
  // when it is not routed) and the customer's original enqueue time (kept across transfers).
  Id<routing::RoutingQueueTag> queue_id;
  TimestampMs enqueued_at = 0;
};

struct Message {
  MessageId id;
  TenantId tenant_id;
  ConversationId conversation_id;
  InboxId inbox_id;
  MessageDirection direction = MessageDirection::Incoming;
  MessageKind kind = MessageKind::Text;
  std::string text;
  // Structured extras as a JSON object: shared contacts, the id and title of a pressed button,
  // a reaction's emoji, a template's name and parameters. "{}" when there are none.
  std::string payload_json = "{}";
  UserId sender_user_id;        // outgoing / note: the agent who wrote it
  ContactId sender_contact_id;  // incoming: the contact
  // The provider's message id, unique per inbox when set: from the provider for incoming
  // messages, and set from the provider's answer once an outgoing message was accepted (so
  // delivery receipts find it).
  std::string external_id;
  MessageId reply_to_id;
  std::optional<double> latitude, longitude;  // a location message
  std::string location_name;
  DeliveryStatus delivery_status = DeliveryStatus::None;
  std::string delivery_error;  // reason when Failed
  std::vector<AttachmentId> attachment_ids;  // filled by reads
  TimestampMs created_at = 0;
  TimestampMs updated_at = 0;
};

struct Attachment {
  AttachmentId id;
  TenantId tenant_id;
  MessageId message_id;  // unset until linked to a message
  std::string sha256;    // hex; the blob is stored under the data dir by this hash
  std::int64_t size = 0;
  std::string content_type;  // sniffed, not trusted from the client
  std::string filename;
  // Media still at the provider: fetched later by the media fetcher, with retries.
  AttachmentState state = AttachmentState::Stored;
  std::string provider_ref;  // the provider's media id or URL (Pending only)
  std::string error;         // why fetching failed (Failed only)
  int fetch_attempts = 0;
  TimestampMs next_fetch_at = 0;
  // Who uploaded it through the API (unset for files that came with a customer's message).
  // Until it is linked to a message, only they may see it or send it.
  UserId uploaded_by;
  TimestampMs created_at = 0;
};

struct CannedResponse {
  CannedResponseId id;
  TenantId tenant_id;
  std::string short_code;  // what the agent types after '/'
  Language language = Language::En;
  std::string content;  // mustache template
  TimestampMs created_at = 0;
  TimestampMs updated_at = 0;
};

struct Session {
  std::string token_hash;  // SHA-256 hex of the cookie token
  TenantId tenant_id;      // stored and returned like every other field
  UserId user_id;
  std::string csrf_token;
  TimestampMs expires_at = 0;
  TimestampMs created_at = 0;
};

struct ApiToken {
  ApiTokenId id;
  TenantId tenant_id;
  UserId user_id;  // the token acts as this user
  std::string name;
  std::string token_hash;  // SHA-256 hex; the token itself is shown once at creation
  bool revoked = false;
  TimestampMs last_used_at = 0;
  TimestampMs created_at = 0;
};

// One delivery to a provider or callback, kept until done or failed for good.
struct OutboxItem {
  OutboxId id;
  TenantId tenant_id;
  InboxId inbox_id;
  MessageId message_id;
  std::string idempotency_key;  // unique; the receiver uses it to drop a repeated delivery
  std::string payload;          // the exact bytes to send
  OutboxState state = OutboxState::Pending;
  int attempts = 0;
  TimestampMs next_attempt_at = 0;
  std::string last_error;
  TimestampMs created_at = 0;
  TimestampMs updated_at = 0;
  // When the attempt in hand started (0: none). Written and committed before a provider is
  // called, cleared with the outcome: a row still marked after a crash may or may not have
  // reached the customer (app/outbox_worker.hpp).
  TimestampMs sending_since = 0;
  int throttled = 0;  // the provider's "too many requests" answers so far (not counted in attempts)
};

}  // namespace parley::core
