// Routing joined to conversations, on a real SQLite store with a manual clock and no thread:
// the test calls pass() where the routing thread would. What an agent notices: who is offered
// a conversation, what accepting, rejecting or ignoring an offer does, that a transfer keeps the
// customer's place, that resolving frees the agent, that a restart forgets nothing.
#include "app/routing_service.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "app/store_fixture.hpp"
#include "bus/in_process_bus.hpp"

using namespace parley;

namespace {

// A store that runs a hook right after its next read: what other threads do while the routing
// service is between reading the store and installing what it read.
class HookStore final : public app::Store {
 public:
  explicit HookStore(std::unique_ptr<app::Store> inner) : inner_(std::move(inner)) {}
  core::Status write(const std::function<core::Status(app::StoreTx&)>& fn) override { return inner_->write(fn); }
  core::Status read(const std::function<core::Status(app::StoreTx&)>& fn) override {
    auto s = inner_->read(fn);
    if (after_read) {
      auto hook = std::move(after_read);
      after_read = nullptr;
      hook();
    }
    return s;
  }
  bool healthy() override { return inner_->healthy(); }
  std::string backendName() const override { return inner_->backendName(); }
  std::function<void()> after_read;

 private:
  std::unique_ptr<app::Store> inner_;
};

class RoutingServiceTest : public parley::testing::StoreTest {
 protected:
  RoutingServiceTest() : StoreTest("routing") {}
  void SetUp() override {
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
      admin_ = addUser(tx, "admin@t.test", "Admin", core::Role::Admin);
      ann_ = addUser(tx, "ann@t.test", "Ann", core::Role::Agent);
      bob_ = addUser(tx, "bob@t.test", "Bob", core::Role::Agent);
      api_inbox_ = addInbox(tx, "API", core::ChannelKind::Api, "http://127.0.0.1:9/");
      mail_inbox_ = addInbox(tx, "Mail", core::ChannelKind::Email, "http://127.0.0.1:9/");
      // Ann and Bob work both inboxes (routing offers an agent only what he may open).
      auto desk = tx.createTeam(core::Team{{}, tenant_, "Desk", "", {}, clock_.now()});
      if (!desk) return desk.error();
      if (auto s = tx.setTeamMembers(tenant_, *desk, {ann_.user_id, bob_.user_id}); !s) return s;
      for (auto id : {api_inbox_, mail_inbox_}) {
        auto box = tx.getInbox(tenant_, id);
        if (!box) return box.error();
        box->team_ids = {*desk};
        if (auto s = tx.updateInbox(*box); !s) return s;
      }
      ann_.team_ids = bob_.team_ids = {*desk};
      return {};
    }));
    startServices();
  }
  void TearDown() override {
    routing_.reset();
    desk_.reset();
    StoreTest::TearDown();
  }

  // A fresh bus, desk and routing service on the same store (what a restart is).
  void startServices() {
    bus_ = std::make_unique<bus::InProcessBus>(1);
    bus_->subscribe([this](const app::Event& e) { events_.push_back(e); });
    desk_ = std::make_unique<app::DeskService>(*store_, *bus_, clock_, app::ChannelGateways{});
    routing_ = std::make_unique<app::RoutingService>(*store_, *bus_, clock_, *desk_);
    auto started = routing_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }
  void restart() {
    routing_.reset();
    desk_.reset();
    startServices();
    drive();
  }

  void drive() {
    for (int i = 0; i < 20 && routing_->pass() > 0; ++i) {
    }
  }
  // The agent labels the conversation and snoozes it; the customer's next message brings it back.
  void labelAndSnooze(core::ConversationId c, const std::string& label) {
    app::ConversationPatch patch;
    patch.add_labels = {label};
    patch.status = core::ConversationStatus::Snoozed;
    patch.snoozed_until = clock_.now() + 3'600'000;
    ASSERT_TRUE(desk_->updateConversation(admin_, c, patch).ok());
    drive();
  }
  // The wallboard's "today" of a queue (answered, service level, ASA, abandoned).
  boost::json::object today(core::routing::QueueId queue) {
    auto body = routing_->statsJson(admin_);
    EXPECT_TRUE(body.ok());
    if (!body) return {};
    const auto stats = boost::json::parse(*body);
    for (const auto& q : stats.at("queues").as_array()) {
      if (q.at("queue_id").to_number<std::int64_t>() != queue.value) continue;
      boost::json::object figures;
      for (const char* key : {"answered_today", "abandoned_today", "service_level_today", "asa_today_s"}) figures[key] = q.at(key);
      return figures;
    }
    return {};
  }
  // A queue "Support" in which Ann answered Carl after 5 seconds.
  core::routing::QueueId supportWithOneAnswered() {
    auto support = queue(R"({"name":"Support",)" + members() + "}");
    available(ann_);
    auto carl = customerWrites("carl");
    advance(5'000);
    EXPECT_TRUE(routing_->accept(ann_, carl).ok());
    EXPECT_EQ(today(support).at("answered_today").as_int64(), 1);
    return support;
  }
  void advance(core::TimestampMs ms) {
    clock_.advance(ms);
    drive();
  }

  core::routing::QueueId queue(const std::string& json) {
    auto q = routing_->createQueue(admin_, json);
    EXPECT_TRUE(q.ok()) << q.error().message;
    return q ? q->id : core::routing::QueueId{};
  }
  void available(const core::Actor& agent, core::Availability a = core::Availability::Available) {
    ASSERT_TRUE(desk_->setAvailability(agent, a).ok());
    drive();
  }
  core::ConversationId customerWrites(const std::string& who, core::InboxId inbox = {}, bool routing_runs = true,
                                      const std::string& text = "") {
    core::InboundMessage in;
    in.inbox_id = inbox.valid() ? inbox : api_inbox_;
    in.external_id = who + std::to_string(++message_no_);
    in.contact.external_id = who;
    in.contact.name = who;
    in.text = text.empty() ? "Hello from " + who : text;
    auto r = desk_->ingest(in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (routing_runs) drive();
    return r->conversation_id;
  }
  core::TeamId team(const std::vector<core::UserId>& members) {
    core::TeamId id;
    EXPECT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
      id = *tx.createTeam(core::Team{{}, tenant_, "Support", "", {}, clock_.now()});
      return tx.setTeamMembers(tenant_, id, members);
    }).ok());
    return id;
  }
  // What the users/teams API does: the write, then the routing service hears of it.
  void setMembers(core::TeamId id, const std::vector<core::UserId>& members) {
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) { return tx.setTeamMembers(tenant_, id, members); }).ok());
    routing_->staffChanged(tenant_);
    drive();
  }
  void setActive(core::UserId id, bool active) {
    auto u = user(id);
    u.active = active;
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) { return tx.updateUser(u); }).ok());
    routing_->staffChanged(tenant_);
    drive();
  }
  std::vector<std::string> revokedReasons(core::UserId to) {
    std::vector<std::string> out;
    for (const auto& e : events_) {
      if (e.type != "routing.offer_revoked" || e.only_user != to) continue;
      out.push_back(std::get<app::RoutingOfferRevoked>(e.subject).reason);
    }
    return out;
  }
  std::vector<core::ConversationId> offered(const core::Actor& agent) {
    std::vector<core::ConversationId> out;
    for (const auto& o : routing_->offers(agent)) out.push_back(o.conversation_id);
    return out;
  }
  core::Conversation conversation(core::ConversationId id) {
    return *app::readOne(*store_, [&](app::StoreTx& tx) { return tx.getConversation(tenant_, id); });
  }
  core::User user(core::UserId id) {
    return *app::readOne(*store_, [&](app::StoreTx& tx) { return tx.getUser(tenant_, id); });
  }
  int eventsOf(const std::string& type, core::UserId to) {
    int n = 0;
    for (const auto& e : events_) n += e.type == type && e.only_user == to;
    return n;
  }
  void resolve(core::ConversationId id) {
    app::ConversationPatch patch;
    patch.status = core::ConversationStatus::Resolved;
    ASSERT_TRUE(desk_->updateConversation(admin_, id, patch).ok());
    drive();
  }
  std::string members() {
    return R"("agent_ids":[)" + std::to_string(ann_.user_id.value) + "," + std::to_string(bob_.user_id.value) + "]";
  }

  std::unique_ptr<bus::InProcessBus> bus_;
  std::vector<app::Event> events_;
  std::unique_ptr<app::DeskService> desk_;
  std::unique_ptr<app::RoutingService> routing_;
  core::Actor admin_, ann_, bob_;
  core::InboxId api_inbox_, mail_inbox_;
  int message_no_ = 0;
};

TEST_F(RoutingServiceTest, OfferThenAcceptAssignsTheConversation) {
  auto q = queue(R"({"name":"Support",)" + members() + "}");
  available(ann_);
  auto c = customerWrites("carl");
  EXPECT_EQ(offered(ann_), std::vector{c});
  EXPECT_EQ(eventsOf("routing.offer", ann_.user_id), 1);
  EXPECT_EQ(conversation(c).queue_id, q);
  EXPECT_EQ(conversation(c).enqueued_at, clock_.now());
  EXPECT_EQ(routing_->routingState(conversation(c)), "offered");

  auto accepted = routing_->accept(ann_, c);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(accepted->assignee_id, ann_.user_id);
  EXPECT_EQ(conversation(c).assignee_id, ann_.user_id);
  EXPECT_TRUE(offered(ann_).empty());
  EXPECT_EQ(routing_->routingState(conversation(c)), "assigned");
  drive();  // the desk's own conversation.updated changes nothing
  EXPECT_EQ(conversation(c).assignee_id, ann_.user_id);
  EXPECT_EQ(routing_->accept(ann_, c).error().code, core::ErrorCode::Conflict) << "accepting twice: offer_gone";
  EXPECT_EQ(routing_->accept(bob_, c).error().code, core::ErrorCode::Conflict);
}

TEST_F(RoutingServiceTest, RejectGoesToTheNextAgent) {
  queue(R"({"name":"Support",)" + members() + "}");
  available(ann_);
  available(bob_);
  auto c = customerWrites("carl");
  const bool ann_first = !offered(ann_).empty();
  const auto& first = ann_first ? ann_ : bob_;
  const auto& second = ann_first ? bob_ : ann_;
  ASSERT_EQ(offered(first), std::vector{c});
  ASSERT_TRUE(routing_->reject(first, c).ok());
  drive();
  EXPECT_TRUE(offered(first).empty());
  EXPECT_EQ(offered(second), std::vector{c});
  EXPECT_EQ(routing_->reject(first, c).error().code, core::ErrorCode::Conflict);
}

TEST_F(RoutingServiceTest, AnUnansweredOfferMovesOnAndThreeMissesSetTheAgentAway) {
  queue(R"({"name":"Support","offer_timeout_s":10,"agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}");
  available(ann_);
  for (int i = 0; i < 3; ++i) {
    auto c = customerWrites("c" + std::to_string(i));
    ASSERT_EQ(offered(ann_), std::vector{c}) << i;
    advance(10'001);
    EXPECT_TRUE(offered(ann_).empty());
    if (i < 2) {
      // Skipped for this task a while; the next customer's task comes to her.
      resolve(c);
    }
  }
  EXPECT_EQ(user(ann_.user_id).availability, core::Availability::Away) << "three missed offers in a row";
  EXPECT_GE(eventsOf("routing.offer_revoked", ann_.user_id), 3);
  int availability_events = 0;
  for (const auto& e : events_) availability_events += e.type == "user.availability";
  EXPECT_GE(availability_events, 2) << "the desk hears she was set away";
}

TEST_F(RoutingServiceTest, AnUnansweredOfferGoesToTheOtherAgent) {
  queue(R"({"name":"Support","offer_timeout_s":10,)" + members() + "}");
  available(ann_);
  available(bob_);
  auto c = customerWrites("carl");
  const bool ann_first = !offered(ann_).empty();
  advance(10'001);
  EXPECT_EQ(offered(ann_first ? bob_ : ann_), std::vector{c});
}

TEST_F(RoutingServiceTest, AutoAcceptAssignsWithoutAsking) {
  queue(R"({"name":"Messaging","auto_accept":true,)" + members() + "}");
  available(bob_);
  auto c = customerWrites("carl");
  EXPECT_EQ(conversation(c).assignee_id, bob_.user_id);
  EXPECT_TRUE(offered(bob_).empty());
}

TEST_F(RoutingServiceTest, AutoAcceptNeverAssignsToSomeoneWhoCannotSeeTheInbox) {
  core::Actor outsider;
  ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
    outsider = addUser(tx, "otto@t.test", "Otto", core::Role::Agent);  // in no team of the inboxes
    return {};
  }));
  queue(R"({"name":"Messaging","auto_accept":true,"agent_ids":[)" + std::to_string(outsider.user_id.value) + "," +
        std::to_string(bob_.user_id.value) + "]}");
  available(outsider);
  auto first = customerWrites("carl");
  EXPECT_FALSE(conversation(first).assignee_id.valid()) << "Otto is the only one available, and may not open it";
  available(bob_);
  EXPECT_EQ(conversation(first).assignee_id, bob_.user_id);
  auto second = customerWrites("dora");
  EXPECT_NE(conversation(second).assignee_id, outsider.user_id);
  EXPECT_TRUE(offered(outsider).empty());
  EXPECT_TRUE(offered(bob_).empty()) << "auto_accept: no offer to answer";
}

TEST_F(RoutingServiceTest, TodaysFiguresGoOnAcrossAConfigurationChange) {
  auto support = supportWithOneAnswered();
  auto before = today(support);
  queue(R"({"name":"Billing",)" + members() + "}");  // a change: the engine is built anew
  drive();
  EXPECT_EQ(today(support), before) << "not back to zero";
}

TEST_F(RoutingServiceTest, TodaysFiguresSurviveARestartAndStartAgainTheNextDay) {
  auto support = supportWithOneAnswered();
  auto second = customerWrites("dora");
  advance(4'000);

  // Saved by the routing thread every kFiguresSaveMs: a crash after that loses nothing of it.
  advance(app::RoutingService::kFiguresSaveMs);
  auto before = today(support);
  restart();
  EXPECT_EQ(today(support), before) << "not back to zero after a restart";

  // What happened since the last periodic save is written at shutdown (main calls saveFigures).
  ASSERT_TRUE(routing_->accept(ann_, second).ok());
  auto answered_two = today(support);
  ASSERT_EQ(answered_two.at("answered_today").as_int64(), 2);
  ASSERT_TRUE(routing_->saveFigures(true));
  restart();
  EXPECT_EQ(today(support), answered_two);

  // The next day starts from zero, also after a restart.
  clock_.advance(24 * 3'600'000);
  restart();
  EXPECT_EQ(today(support).at("answered_today").as_int64(), 0);
}

TEST_F(RoutingServiceTest, AnOpenOfferOfAQueueSwitchedToAutoAcceptIsTakenBackAndAssigned) {
  auto q = queue(R"({"name":"Messaging",)" + members() + "}");
  available(ann_);
  auto c = customerWrites("carl");
  ASSERT_EQ(offered(ann_), std::vector{c});
  auto switched = routing_->updateQueue(admin_, q, R"({"auto_accept":true})");
  ASSERT_TRUE(switched.ok()) << switched.error().message;
  drive();
  EXPECT_EQ(conversation(c).assignee_id, ann_.user_id);
  EXPECT_TRUE(offered(ann_).empty());
  EXPECT_EQ(revokedReasons(ann_.user_id), std::vector<std::string>{"auto_accepted"}) << "her card goes, without a notice";
}

TEST_F(RoutingServiceTest, TransferKeepsTheCustomersOriginalEnqueueTime) {
  auto first = queue(R"({"name":"First",)" + members() + "}");
  auto second = queue(R"({"name":"Second","agent_ids":[)" + std::to_string(bob_.user_id.value) + "]}");
  available(ann_);
  auto c = customerWrites("carl");
  const auto enqueued = conversation(c).enqueued_at;
  ASSERT_TRUE(routing_->accept(ann_, c).ok());
  advance(60'000);
  app::TransferInput to_second;
  to_second.queue_id = second;
  to_second.note = "billing question";
  auto moved = routing_->transfer(admin_, c, to_second);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->queue_id, second);
  EXPECT_EQ(moved->enqueued_at, enqueued) << "the customer keeps his place";
  EXPECT_FALSE(moved->assignee_id.valid());
  available(bob_);
  EXPECT_EQ(offered(bob_), std::vector{c});
  (void)first;
  bool activity = false;
  auto messages = desk_->listMessages(admin_, c, {}, 100);
  for (const auto& m : *messages) activity |= m.direction == core::MessageDirection::Activity && m.text.find("Transferred") == 0;
  EXPECT_TRUE(activity);
}

TEST_F(RoutingServiceTest, ATransferToAnAgentWhoCouldNeverTakeItIsRefusedNamingWhy) {
  queue(R"({"name":"First","agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}");
  core::Actor outsider;
  ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
    outsider = addUser(tx, "otto@t.test", "Otto", core::Role::Agent);  // in no team of the inbox
    return {};
  }));
  available(ann_);
  auto c = customerWrites("carl");
  ASSERT_TRUE(routing_->accept(ann_, c).ok());
  auto refused = [&](core::UserId agent, const std::string& why) {
    app::TransferInput to;
    to.agent_id = agent;
    auto moved = routing_->transfer(admin_, c, to);
    ASSERT_FALSE(moved.ok());
    EXPECT_EQ(moved.error().code, core::ErrorCode::InvalidInput);
    EXPECT_NE(moved.error().message.find(why), std::string::npos) << moved.error().message;
    EXPECT_EQ(conversation(c).assignee_id, ann_.user_id) << "nothing moved";
  };
  refused(outsider.user_id, "Otto cannot see the inbox API");
  refused(bob_.user_id, "Bob is in no routing queue");  // sees the inbox, but in no queue
}

TEST_F(RoutingServiceTest, ResolvingFreesTheAgentForTheNextCustomer) {
  auto q = queue(R"({"name":"Support","auto_accept":true,"agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}");
  ASSERT_TRUE(routing_->setAgentRouting(admin_, ann_.user_id, R"({"capacity":{"messaging":1}})").ok());
  available(ann_);
  auto one = customerWrites("carl");
  auto two = customerWrites("dora");
  EXPECT_EQ(conversation(one).assignee_id, ann_.user_id);
  EXPECT_FALSE(conversation(two).assignee_id.valid()) << "her one messaging slot is taken";
  EXPECT_EQ(routing_->routingState(conversation(two)), "waiting");
  resolve(one);
  EXPECT_EQ(conversation(two).assignee_id, ann_.user_id);
  (void)q;
}

TEST_F(RoutingServiceTest, ARestartKeepsTheWaitingOrderAndTheAgentsLoad) {
  queue(R"({"name":"Support","auto_accept":true,"agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}");
  ASSERT_TRUE(routing_->setAgentRouting(admin_, ann_.user_id, R"({"capacity":{"messaging":1}})").ok());
  available(ann_);
  auto served = customerWrites("carl");
  auto older = customerWrites("dora");
  advance(5'000);
  auto newer = customerWrites("emil");
  ASSERT_EQ(conversation(served).assignee_id, ann_.user_id);
  restart();
  EXPECT_FALSE(conversation(older).assignee_id.valid()) << "her load survived the restart";
  EXPECT_FALSE(conversation(newer).assignee_id.valid());
  resolve(served);
  EXPECT_EQ(conversation(older).assignee_id, ann_.user_id) << "the customer who waited longest comes first";
  EXPECT_FALSE(conversation(newer).assignee_id.valid());
}

TEST_F(RoutingServiceTest, AfterARestartAWaitingCustomerIsOfferedWithHisName) {
  queue(R"({"name":"Support","agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}");
  auto c = customerWrites("carl");
  EXPECT_EQ(routing_->routingState(conversation(c)), "waiting") << "nobody is available yet";
  restart();
  EXPECT_EQ(routing_->routingState(conversation(c)), "waiting");
  available(ann_);
  auto offers = routing_->offers(ann_);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].conversation_id, c);
  EXPECT_EQ(offers[0].contact_name, "carl");
  EXPECT_EQ(offers[0].queue_name, "Support");
}

TEST_F(RoutingServiceTest, AfterARestartAnOfferShowsTheCustomersLastMessage) {
  queue(R"({"name":"Support","agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}");
  auto c = customerWrites("carl");
  EXPECT_EQ(customerWrites("carl", {}, true, "Where is my parcel?"), c);
  restart();
  events_.clear();
  available(ann_);
  auto offers = routing_->offers(ann_);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].preview, "Where is my parcel?") << "GET /offers after a restart";
  EXPECT_EQ(offers[0].contact_name, "carl");
  const app::RoutingOffer* sent = nullptr;
  for (const auto& e : events_) {
    if (e.type == "routing.offer" && e.only_user == ann_.user_id) sent = &std::get<app::RoutingOffer>(e.subject);
  }
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->preview, "Where is my parcel?") << "the offer card on her desk";
  EXPECT_EQ(sent->contact_name, "carl");
}

TEST_F(RoutingServiceTest, ATransferredConversationIsOfferedWithItsPreview) {
  auto first = queue(R"({"name":"First","agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}");
  auto second = queue(R"({"name":"Second","agent_ids":[)" + std::to_string(bob_.user_id.value) + "]}");
  (void)first;
  // Assigned by hand to someone outside the queues: routing lets go of it, and the transfer
  // brings it back without its details.
  auto c = customerWrites("carl", {}, true, "Bitte zurückrufen");
  app::ConversationPatch mine;
  mine.assignee_id = admin_.user_id;
  ASSERT_TRUE(desk_->updateConversation(admin_, c, mine).ok());
  drive();
  available(bob_);
  app::TransferInput to_second;
  to_second.queue_id = second;
  ASSERT_TRUE(routing_->transfer(admin_, c, to_second).ok());
  drive();
  auto offers = routing_->offers(bob_);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].preview, "Bitte zurückrufen");
  EXPECT_EQ(offers[0].contact_name, "carl");
}

TEST_F(RoutingServiceTest, TeamMembershipAndDeactivationTakeEffectAtOnce) {
  auto support = team({ann_.user_id});
  queue(R"({"name":"Support","team_ids":[)" + std::to_string(support.value) + "]}");
  available(bob_);
  auto c = customerWrites("carl");
  EXPECT_TRUE(offered(bob_).empty()) << "Bob is not in the team";
  setMembers(support, {ann_.user_id, bob_.user_id});
  EXPECT_EQ(offered(bob_), std::vector{c}) << "added to the queue's team: offered at once";
  // Deactivated: the offer is withdrawn at once and goes to nobody else (Ann is away).
  setActive(bob_.user_id, false);
  EXPECT_TRUE(offered(bob_).empty());
  EXPECT_EQ(revokedReasons(bob_.user_id), std::vector<std::string>{"gone"});
  EXPECT_EQ(routing_->routingState(conversation(c)), "waiting");
  // Active again, and then out of the team: the same.
  setActive(bob_.user_id, true);
  EXPECT_EQ(offered(bob_), std::vector{c});
  setMembers(support, {ann_.user_id});
  EXPECT_TRUE(offered(bob_).empty());
  EXPECT_EQ(revokedReasons(bob_.user_id).size(), 2u);
}

TEST_F(RoutingServiceTest, ADeletedAgentsConversationsGoBackToTheQueueInTheirPlace) {
  queue(R"({"name":"Support",)" + members() + "}");
  available(ann_);
  auto c = customerWrites("carl");
  ASSERT_TRUE(routing_->accept(ann_, c).ok());
  const auto enqueued = conversation(c).enqueued_at;
  available(bob_);
  advance(30'000);
  // What DELETE /users/{id} does: the store unassigns her conversations, routing hears of it.
  ASSERT_TRUE(store_->write([&](app::StoreTx& tx) { return tx.deleteUser(tenant_, ann_.user_id); }).ok());
  routing_->staffChanged(tenant_);
  drive();
  EXPECT_EQ(offered(bob_), std::vector{c});
  EXPECT_EQ(conversation(c).enqueued_at, enqueued) << "the customer keeps his place";
}

TEST_F(RoutingServiceTest, EventsDuringARebuildAreNotLost) {
  auto hooked = std::make_unique<HookStore>(std::move(store_));
  HookStore* hook = hooked.get();
  routing_.reset();
  desk_.reset();
  store_ = std::move(hooked);
  startServices();
  auto q = queue(R"({"name":"Support",)" + members() + "}");
  auto waiting = customerWrites("carl");  // nobody is available
  core::ConversationId during;
  hook->after_read = [&] {
    // Between the rebuild's read and its install: Ann goes available, a customer writes, and
    // the routing thread runs a pass.
    ASSERT_TRUE(desk_->setAvailability(ann_, core::Availability::Available).ok());
    during = customerWrites("dora", {}, false);
    std::thread([&] { routing_->pass(); }).join();
  };
  ASSERT_TRUE(routing_->updateQueue(admin_, q, R"({"offer_timeout_s":30})").ok());
  ASSERT_TRUE(during.valid()) << "the hook ran";
  drive();
  auto got = offered(ann_);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector{waiting, during})) << "her availability and the new conversation both reached the new engine";
  EXPECT_EQ(routing_->routingState(conversation(during)), "offered");
}

TEST_F(RoutingServiceTest, ChangesWhileTheRoutingThreadRunsLoseNothing) {
  auto q = queue(R"({"name":"Support",)" + members() + "}");
  std::atomic<bool> stop{false};
  std::thread routing_thread([&] {
    while (!stop) routing_->pass();
  });
  std::vector<core::ConversationId> all;
  for (int i = 0; i < 20; ++i) {
    std::string who = "c";
    who += std::to_string(i);
    all.push_back(customerWrites(who, {}, false));
    ASSERT_TRUE(routing_->updateQueue(admin_, q, i % 2 ? R"({"offer_timeout_s":30})" : R"({"offer_timeout_s":40})").ok());
    ASSERT_TRUE(desk_->setAvailability(i % 2 ? ann_ : bob_, i % 3 ? core::Availability::Available : core::Availability::Away).ok());
  }
  stop = true;
  routing_thread.join();
  drive();
  // At the end Ann is available (i = 19) and Bob away (i = 18): Ann has as many offers as her
  // messaging capacity (8), the others wait, nothing is lost or offered to Bob.
  EXPECT_TRUE(offered(bob_).empty());
  EXPECT_EQ(offered(ann_).size(), 8u);
  int waiting = 0;
  for (auto c : all) {
    const auto state = routing_->routingState(conversation(c));
    EXPECT_TRUE(state == "offered" || state == "waiting") << state;
    waiting += state == "waiting";
  }
  EXPECT_EQ(waiting, 12);
}

TEST_F(RoutingServiceTest, ConversationsOpenBeforeTheFirstQueueEnterItOldestFirst) {
  auto older = customerWrites("carl");  // no queue yet: nothing is routed
  const auto carl_wrote = clock_.now();
  advance(60'000);
  auto newer = customerWrites("dora");
  advance(60'000);
  EXPECT_EQ(routing_->routingState(conversation(older)), "none");
  ASSERT_TRUE(desk_->setAvailability(ann_, core::Availability::Available).ok());
  ASSERT_TRUE(routing_->setAgentRouting(admin_, ann_.user_id, R"({"capacity":{"messaging":1}})").ok());
  auto q = queue(R"({"name":"Support","agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}");
  drive();
  EXPECT_EQ(offered(ann_), std::vector{older}) << "the customer who waited longest first";
  EXPECT_EQ(conversation(older).queue_id, q);
  EXPECT_EQ(conversation(older).enqueued_at, carl_wrote) << "waiting since his last message, not since the queue";
  EXPECT_EQ(conversation(newer).queue_id, q);
  EXPECT_EQ(routing_->routingState(conversation(newer)), "waiting");
}

TEST_F(RoutingServiceTest, TheSweepIsBoundedPerPass) {
  constexpr int kMany = app::RoutingService::kSweepPage + 20;
  for (int i = 0; i < kMany; ++i) {
    std::string who = "c";
    who += std::to_string(i);  // appended, not "c" + to_string(): GCC 12 -Wrestrict false positive
    customerWrites(who, {}, false);
  }
  drive();
  queue(R"({"name":"Support"})");
  auto routed = [&] {
    auto all = app::readOne(*store_, [&](app::StoreTx& tx) {
      app::ConversationFilter f;
      f.tenant_id = tenant_;
      f.limit = 1000;
      return tx.listConversations(f);
    });
    int n = 0;
    for (const auto& c : *all) n += c.queue_id.valid();
    return n;
  };
  EXPECT_EQ(routed(), 0);
  routing_->pass();  // lists the first page
  routing_->pass();  // and the rest
  EXPECT_EQ(routed(), 0) << "listed, not routed yet";
  routing_->pass();
  EXPECT_EQ(routed(), app::RoutingService::kSweepPage);
  routing_->pass();
  EXPECT_EQ(routed(), kMany);
}

TEST_F(RoutingServiceTest, ConversationsOfADeletedQueueMoveOnKeepingTheirPlace) {
  auto general = queue(R"({"name":"General",)" + members() + "}");
  auto old = queue(R"({"name":"Old",)" + members() + "}");
  ASSERT_TRUE(routing_->replaceRules(admin_, R"({"rules":[{"inbox_id":)" + std::to_string(api_inbox_.value) +
                                                 R"(,"queue_id":)" + std::to_string(old.value) + "}]}")
                  .ok());
  auto c = customerWrites("carl");
  const auto enqueued = conversation(c).enqueued_at;
  ASSERT_EQ(conversation(c).queue_id, old);
  advance(30'000);
  ASSERT_TRUE(routing_->deleteQueue(admin_, old).ok());
  drive();
  EXPECT_EQ(conversation(c).queue_id, general) << "no rule left: the default queue";
  EXPECT_EQ(conversation(c).enqueued_at, enqueued);
  EXPECT_EQ(routing_->routingState(conversation(c)), "waiting");
}

TEST_F(RoutingServiceTest, RulesSendConversationsToTheirQueues) {
  auto general = queue(R"({"name":"General",)" + members() + "}");
  auto mail = queue(R"({"name":"Mail",)" + members() + "}");
  auto by_inbox = queue(R"({"name":"API inbox",)" + members() + "}");
  auto vip = queue(R"({"name":"VIP",)" + members() + "}");
  // Written "VIP": labels are kept lower-case, so the rule is too (it would never match otherwise).
  auto rules = routing_->replaceRules(admin_, R"({"rules":[{"label":"VIP","queue_id":)" + std::to_string(vip.value) +
                                                  R"(,"priority":5},{"channel":"email","queue_id":)" +
                                                  std::to_string(mail.value) + R"(},{"inbox_id":)" +
                                                  std::to_string(api_inbox_.value) + R"(,"queue_id":)" +
                                                  std::to_string(by_inbox.value) + "}]}");
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  EXPECT_EQ(conversation(customerWrites("a", mail_inbox_)).queue_id, mail);
  EXPECT_EQ(conversation(customerWrites("b")).queue_id, by_inbox);
  // A labelled conversation that comes back (snoozed, then the customer writes) goes to VIP.
  auto c = customerWrites("c");
  labelAndSnooze(c, "vip");
  EXPECT_EQ(customerWrites("c"), c);
  EXPECT_EQ(conversation(c).queue_id, vip);
  // Without rules: the first queue.
  ASSERT_TRUE(routing_->replaceRules(admin_, R"({"rules":[]})").ok());
  EXPECT_EQ(conversation(customerWrites("d", mail_inbox_)).queue_id, general);
}

TEST(LowerLanguageTag, ReadsTagsAsSystemsWriteThem) {
  EXPECT_EQ(app::lowerLanguageTag("de"), "de");
  EXPECT_EQ(app::lowerLanguageTag("DE"), "de");
  EXPECT_EQ(app::lowerLanguageTag("en_GB"), "en-gb");
  EXPECT_EQ(app::lowerLanguageTag("zh-Hant-TW"), "zh-hant-tw");
  for (const char* bad : {"", "d", "German", "de-", "-de", "d3", "de--at", "de at", "ü"}) EXPECT_EQ(app::lowerLanguageTag(bad), "") << bad;
}

TEST_F(RoutingServiceTest, WhatOlderVersionsStoredStillWorks) {
  // Saved before today's checks: an escalation step that does nothing, a rule label "VIP".
  core::routing::QueueId vip;
  ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
    app::RoutingQueueRecord general{{}, tenant_, "General", R"({"agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}", clock_.now()};
    if (auto id = tx.createRoutingQueue(general); !id) return id.error();
    app::RoutingQueueRecord record{{}, tenant_, "VIP",
                                   R"({"auto_accept":true,"escalation":[{"after_s":60,"relax_to":null,"raise_priority_by":0,)"
                                   R"("overflow_to_queue_id":null}],"agent_ids":[)" + std::to_string(ann_.user_id.value) + "]}",
                                   clock_.now()};
    auto id = tx.createRoutingQueue(record);
    if (!id) return id.error();
    vip = *id;
    app::RoutingRule rule;
    rule.tenant_id = tenant_;
    rule.label = "VIP";
    rule.queue_id = vip;
    return tx.replaceRoutingRules(tenant_, {rule});
  }));
  restart();
  available(ann_);
  auto c = customerWrites("carl");
  labelAndSnooze(c, "vip");
  EXPECT_EQ(customerWrites("carl"), c);
  EXPECT_EQ(conversation(c).queue_id, vip) << "the stored rule \"VIP\" matches the label";
  EXPECT_EQ(conversation(c).assignee_id, ann_.user_id) << "auto_accept kept: the queue did not fall back to defaults";
  // And the queue can still be edited (its no-op step is dropped, not an error).
  auto renamed = routing_->updateQueue(admin_, vip, R"({"name":"VIP customers"})");
  ASSERT_TRUE(renamed.ok()) << renamed.error().message;
}

TEST_F(RoutingServiceTest, BadConfigurationIsRefusedWithTheFieldNamed) {
  auto bad = [&](const std::string& json, const std::string& field) {
    auto q = routing_->createQueue(admin_, json);
    ASSERT_FALSE(q.ok()) << json;
    EXPECT_EQ(q.error().code, core::ErrorCode::InvalidInput) << json;
    EXPECT_NE(q.error().message.find(field), std::string::npos) << q.error().message;
  };
  bad(R"({"name":"Q","strategy":"fastest"})", "strategy");
  bad(R"({"name":"Q","required_skills":[{"skill_id":1,"level":6}]})", "level");
  bad(R"({"name":"Q","required_skills":[{"skill_id":99,"level":2}]})", "unknown skill");
  bad(R"({"name":"Q","offer_timeout_s":-5})", "offer_timeout_s");
  bad(R"({"name":"Q","business_hours":{"time_zone":"Mars/Olympus"}})", "time_zone");
  bad(R"({"name":"Q","business_hours":{"days":{"mon":[["18:00","08:00"]]}}})", "business_hours");
  bad(R"({"name":"Q","agent_ids":[424242]})", "agent_ids");
  bad(R"({"strategy":"round_robin"})", "name");
  bad(R"({"name":"Q","escalation":[{"after_s":60}]})", "a step needs relax_to, raise_priority_by or overflow_to_queue_id");
  for (const auto& [rule, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"label":"two words","queue_id":1})", "rules.label"},
           {R"({"language":"German","queue_id":1})", "rules.language"},
           {R"({"language":"d","queue_id":1})", "rules.language"}}) {
    auto r = routing_->replaceRules(admin_, R"({"rules":[)" + rule + "]}");
    ASSERT_FALSE(r.ok()) << rule;
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  }
  auto forbidden = routing_->createQueue(ann_, R"({"name":"Q"})");
  EXPECT_EQ(forbidden.error().code, core::ErrorCode::Forbidden);
  EXPECT_TRUE(routing_->queues(admin_)->empty()) << "nothing half-stored";
}

}  // namespace
