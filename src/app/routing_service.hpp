// DESIGN: routing (ACD) joined to conversations. One core::routing::Engine per tenant, each
// behind its own mutex; engine calls take microseconds, and no store I/O happens while a
// tenant's mutex is held: decisions are taken out under the lock and applied after it.
//
// Fed by
//  - desk events (the EventBus): a conversation created or reopened and unassigned is matched
//    against the tenant's rules (first match wins, else the tenant's first queue) and arrives
//    in the engine with its original enqueue time; assigned by hand -> the task becomes his
//    (taskCompleted + taskRestored, so capacity stays right); resolved or snoozed ->
//    taskCompleted; pending -> taskPending; open again with the same agent -> taskResumed.
//    Agents' availability (user.availability) -> setAgentState. Bus handlers must not block,
//    so the handler only copies the event into a bounded inbox (kMaxInbox); the routing
//    thread drains it. When the inbox overflows, events are dropped and every engine is rebuilt
//    from the store on the next pass (the store is the truth; the engines are a cache of it).
//  - the API: configuration changes (rebuild of the tenant's engine: configuration is rare),
//    accept / reject of offers, transfers (on the caller's worker thread).
//  - the routing thread (a BackgroundLoop, pass()): drains the inbox, calls tick() on every
//    engine whose nextDeadline() is due, takes one step of each tenant's sweep (below),
//    publishes queue.stats.
//
// Decisions applied: Offer -> "routing.offer" to that agent and remembered for GET /offers;
// Assigned -> the conversation is assigned through DeskService (one store transaction, its
// conversation.updated event and an activity line); OfferExpired / OfferRevoked ->
// "routing.offer_revoked" to that agent; AgentSetAway -> DeskService sets him away (so
// user.availability goes out as when he does it himself).
//
// Start: each tenant's engine is rebuilt from the store (and today's figures so far, which
// pass() saves every kFiguresSaveMs and main at shutdown, carried into it): queues, agents with their current
// availability, open unassigned routed conversations (taskArrived with their stored enqueue
// time, so the waiting order survives) and open assigned ones (taskRestored, so capacity does).
// The same rebuild follows every configuration change and every change of the staff (team
// members, a user deactivated or deleted: staffChanged(), called by the users/teams API).
//
// Rebuilds are race-free: a tenant's gate (a mutex apart from the engine's) is held by a rebuild
// from its store read until the fresh engine is installed, by the routing thread while it
// handles one of the tenant's events, fires its timers or sweeps it, and by accept / reject /
// transfer. The routing thread only tries the gate: an event of a tenant being rebuilt waits in
// that tenant's deferred list (in order, with every later event of the tenant) and is handled
// against the fresh engine on the next pass. So each event is handled either before the
// rebuild's read (which then sees its effects in the store) or after the install.
//
// Sweep: after each rebuild and each change of the rules, open unassigned conversations that
// are not routed (open before the first queue existed, or in a deleted queue) are listed in
// pages of kSweepPage per pass, then arrive oldest first, kSweepPage per pass, waiting since
// their stored enqueue time, else the customer's last message, else their creation.
//
// Offers whose conversation's details (contact name, the customer's last message) were not
// read yet (after a rebuild or a transfer) read them from the store before they go out.
//
// Bounds: the inbox (kMaxInbox events), offers remembered (one per task and agent, at most
// kMaxOffers per tenant), tasks per tenant (kMaxTasks: beyond it conversations stay unrouted
// and can be assigned by hand), tenants rebuilt at start (those with a queue), a tenant's
// deferred events (kMaxInbox: beyond it every engine is rebuilt, as when the inbox overflows),
// the conversations one sweep takes in (kMaxTasks).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/clock.hpp"
#include "app/desk_service.hpp"
#include "app/events.hpp"
#include "app/routing_config.hpp"
#include "app/store.hpp"
#include "core/permissions.hpp"
#include "core/routing/engine.hpp"

namespace parley::app {

struct TransferInput {
  std::optional<routing::QueueId> queue_id;
  std::optional<core::UserId> agent_id;
  std::optional<core::TeamId> team_id;
  std::string note;
};

struct RoutingEffect;  // a decision to apply (routing_service.cpp)

struct QueueView {
  routing::QueueId id;
  QueueSettings settings;
};

class RoutingService {
 public:
  static constexpr std::size_t kMaxInbox = 100'000;
  static constexpr std::size_t kMaxOffers = 100'000;
  static constexpr std::size_t kMaxTasks = 500'000;
  static constexpr int kSweepPage = 100;

  RoutingService(Store& store, EventBus& bus, const Clock& clock, DeskService& desk);
  ~RoutingService();
  RoutingService(const RoutingService&) = delete;
  RoutingService& operator=(const RoutingService&) = delete;

  // Rebuilds every tenant's engine from the store.
  Status start();
  // One pass of the routing thread: the inbox, due timers, the figures. Returns work done.
  int pass();
  // Writes each queue's figures of the day that changed since they were last written (every
  // kFiguresSaveMs from pass(); at shutdown with force, after the routing thread stopped), so
  // "today" survives a restart. False when the store refused (the next call tries again).
  // Only on the routing thread, or once it has stopped: never beside pass().
  bool saveFigures(bool force);
  static constexpr core::TimestampMs kFiguresSaveMs = 10'000;
  // Team members, a user's active flag or role changed, or a user was deleted (the users/teams
  // API calls this after its write): the tenant's engine is rebuilt at once.
  void staffChanged(core::TenantId tenant);

  // --- configuration (admin writes; see docs/ROUTING.md for who reads) ---
  Result<std::vector<RoutingSkill>> skills(const core::Actor& actor);
  Result<RoutingSkill> createSkill(const core::Actor& actor, const std::string& name);
  Result<RoutingSkill> renameSkill(const core::Actor& actor, routing::SkillId id, const std::string& name);
  Status deleteSkill(const core::Actor& actor, routing::SkillId id);

  Result<std::vector<QueueView>> queues(const core::Actor& actor);
  Result<QueueView> queue(const core::Actor& actor, routing::QueueId id);
  Result<QueueView> createQueue(const core::Actor& actor, std::string_view body);
  Result<QueueView> updateQueue(const core::Actor& actor, routing::QueueId id, std::string_view body);
  Status deleteQueue(const core::Actor& actor, routing::QueueId id);

  // GET/PUT /users/{id}/routing and /teams/{id}/routing, as JSON object texts.
  Result<std::string> agentRouting(const core::Actor& actor, core::UserId user);
  Result<std::string> setAgentRouting(const core::Actor& actor, core::UserId user, std::string_view body);
  Result<std::string> teamRouting(const core::Actor& actor, core::TeamId team);
  Result<std::string> setTeamRouting(const core::Actor& actor, core::TeamId team, std::string_view body);

  Result<std::vector<RoutingRule>> rules(const core::Actor& actor);
  Result<std::vector<RoutingRule>> replaceRules(const core::Actor& actor, std::string_view body);

  // --- offers and transfers ---
  std::vector<RoutingOffer> offers(const core::Actor& actor);
  // Conflict ("offer_gone") when the offer is no longer his.
  Result<core::Conversation> accept(const core::Actor& actor, core::ConversationId id);
  Status reject(const core::Actor& actor, core::ConversationId id);
  Result<core::Conversation> transfer(const core::Actor& actor, core::ConversationId id, const TransferInput& input);

  // --- live figures (supervisors, admins) ---
  Result<std::string> statsJson(const core::Actor& actor);
  // waiting | offered | assigned | pending | none, for the conversation objects of the API.
  std::string routingState(const core::Conversation& conversation);

 private:
  struct Tenant;
  struct Pending;  // an event waiting in the inbox
  using Gate = std::shared_ptr<std::mutex>;

  void onEvent(const Event& event);
  std::shared_ptr<Tenant> tenant(core::TenantId id, bool create);
  Status rebuild(core::TenantId id);
  Gate gate(core::TenantId id);
  // Routing thread: handles the event now, or defers it while the tenant is being rebuilt.
  void handleOrDefer(Pending pending);
  int handleDeferred();
  int sweep(Tenant& t);
  void handle(const Pending& pending);
  // waiting_since: the enqueue time of a conversation that arrives (0: now).
  void handleConversation(const core::Conversation& conversation, core::TimestampMs waiting_since = 0);
  void handleAvailability(const core::User& user);
  // Applies decisions outside the tenant's lock (store I/O, events).
  void apply(core::TenantId tenant, std::vector<RoutingEffect> effects);
  void readDetails(core::TenantId tenant, RoutingOffer& offer);
  // Whether `agent` may see the conversation's inbox (his role, his teams): a queue's members
  // are not checked against the inboxes its rules send there, so every offer is.
  bool agentMaySee(core::TenantId tenant, core::UserId agent, core::ConversationId conversation);
  // A queue with auto_accept: its offer (made only to someone who may see the conversation) is
  // accepted on the agent's behalf at once. True when the offer was of such a queue.
  bool acceptOnBehalf(core::TenantId tenant, core::ConversationId task, core::UserId agent, routing::QueueId queue);
  std::string statsBody(Tenant& t, core::TimestampMs now);
  void publishStats(core::TimestampMs now, bool force);
  Status answerOffer(const core::Actor& actor, core::ConversationId id, bool accept);
  Status requireAdmin(const core::Actor& actor) const;
  Status requireSupervisor(const core::Actor& actor) const;

  Store& store_;
  EventBus& bus_;
  core::TimestampMs last_figures_save_ = 0;  // the routing thread's (and shutdown's) alone
  const Clock& clock_;
  DeskService& desk_;

  std::mutex tenants_mutex_;
  std::map<core::TenantId, std::shared_ptr<Tenant>> tenants_;
  std::map<core::TenantId, Gate> gates_;         // one per tenant ever routed (tenants_mutex_)
  std::map<core::TenantId, int> rebuilding_;     // rebuilds under way (tenants_mutex_)
  std::map<core::TenantId, std::deque<Pending>> deferred_;  // routing thread only

  std::mutex inbox_mutex_;
  std::deque<Pending> inbox_;
  bool overflowed_ = false;
  std::map<core::ConversationId, std::string> batch_previews_;  // routing thread only
};

}  // namespace parley::app
