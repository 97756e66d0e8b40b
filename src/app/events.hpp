// DESIGN: domain events ("message.created", "conversation.updated" ...) published by the use
// cases after their transaction committed, and carried by an EventBus to the WebSocket hub
// (and later to outbound webhooks and automation rules). An event carries what its receivers
// need to decide visibility (tenant, inbox and the inbox's teams) and the object itself.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/domain.hpp"

namespace parley::app {

// Someone is typing in a conversation ("conversation.typing"): an agent in the desk, or the
// customer in a channel that reports it (the web-chat widget). Never stored, never replayed.
struct TypingNotice {
  core::ConversationId conversation_id;
  core::InboxId inbox_id;
  bool typing = false;
  core::UserId user_id;        // an agent typing ...
  core::ContactId contact_id;  // ... or the customer
  std::string name;            // the agent's name, for "Anna is typing"
};

// Routing (app/routing_service.hpp): an offer to one agent ("routing.offer"), its withdrawal
// ("routing.offer_revoked"), and the live queue figures ("queue.stats", as JSON text made by
// the routing service: the same body as GET /api/v1/queues/stats).
struct RoutingOffer {
  core::ConversationId conversation_id;
  std::int64_t queue_id = 0;
  std::string queue_name;
  core::TimestampMs offered_at = 0;
  core::TimestampMs expires_at = 0;
  core::ChannelKind channel = core::ChannelKind::Api;
  std::string contact_name;
  std::string preview;
};
struct RoutingOfferRevoked {
  core::ConversationId conversation_id;
  std::string reason;  // accepted_elsewhere, expired, task_gone, agent_unavailable, transferred
};
struct QueueStatsNotice {
  std::string json;  // a JSON object text
};

struct Event {
  std::uint64_t id = 0;  // assigned by the bus, increasing
  std::string type;
  core::TenantId tenant_id;
  std::optional<core::InboxId> inbox_id;  // unset: visible to every user of the tenant
  std::vector<core::TeamId> inbox_team_ids;
  std::variant<core::Message, core::Conversation, core::Contact, core::User, TypingNotice, RoutingOffer,
               RoutingOfferRevoked, QueueStatsNotice>
      subject;
  // Narrower audiences (on top of tenant and inbox): only this user, or only supervisors and admins.
  core::UserId only_user;
  bool supervisors_only = false;
};

class EventBus {
 public:
  using Handler = std::function<void(const Event&)>;
  virtual ~EventBus() = default;
  virtual void publish(Event event) = 0;
  // Handlers run on the publishing thread and must not block. That thread may be the SQLite
  // store's writer (DeskService::ingestAsync publishes right after the commit): a handler only
  // queues work, and never calls the store.
  virtual void subscribe(Handler handler) = 0;
};

}  // namespace parley::app
