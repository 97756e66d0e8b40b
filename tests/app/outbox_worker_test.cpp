// The outbox on a real SQLite store and a manual clock: rate limits per sender that hold items
// back without spending attempts, a provider's 429 that pauses one inbox while others flow,
// and what happens to an attempt a crash interrupted (failed with a reason for providers that
// cannot drop a repeat, re-sent with the same key for those that can), and the desk's Resend.
#include "app/outbox_worker.hpp"

#include <gtest/gtest.h>

#include "app/store_fixture.hpp"
#include "bus/in_process_bus.hpp"

using namespace parley;
using Outcome = app::DeliveryResult::Outcome;
using Throttle = app::DeliveryResult::Throttle;

namespace {

// A provider: answers from a script in turn, then Delivered. Records what it was given and
// whether the item was durably marked "sending" when it was called.
class FakeProvider final : public app::ChannelGateway {
 public:
  FakeProvider(app::Store& store, bool idempotent) : store_(store), idempotent_(idempotent) {}
  std::vector<app::DeliveryResult> script;
  std::vector<std::string> sent;  // payloads, in order
  std::vector<bool> marked_when_called;
  std::optional<app::SendRate> per_chat;  // a limit per recipient (Telegram's per chat), if set
  core::Result<std::string> encode(const app::OutboundContext& c) const override {
    return "send:" + c.message.text + ":" + c.idempotency_key + ":chat-" + std::to_string(c.contact.id.value);
  }
  std::optional<app::RecipientLimit> recipientLimit(const core::Inbox&, const core::OutboxItem& item) const override {
    if (!per_chat) return std::nullopt;
    return app::RecipientLimit{item.payload.substr(item.payload.rfind(":chat-") + 1), *per_chat};
  }
  app::DeliveryResult deliver(const core::Inbox&, const core::OutboxItem& item) override {
    sent.push_back(item.payload);
    core::TimestampMs since = 0;
    (void)store_.read([&](app::StoreTx& tx) -> core::Status {
      auto stored = tx.outboxForMessage(item.tenant_id, item.message_id);
      if (stored) since = stored->sending_since;
      return {};
    });
    marked_when_called.push_back(since > 0);
    if (script.empty()) return {Outcome::Delivered, "", 0, "provider-" + std::to_string(sent.size())};
    auto r = script.front();
    script.erase(script.begin());
    return r;
  }
  bool idempotentResend() const override { return idempotent_; }

 private:
  app::Store& store_;
  bool idempotent_;
};

app::DeliveryResult tooMany(core::TimestampMs retry_after_ms, Throttle scope = Throttle::Sender) {
  app::DeliveryResult r{Outcome::RetryLater, "Telegram error 429: Too Many Requests: retry after 30", retry_after_ms, {}};
  r.throttle = scope;
  return r;
}

class OutboxWorkerTest : public parley::testing::StoreTest {
 protected:
  OutboxWorkerTest() : StoreTest("outbox") {}
  void SetUp() override {
    telegram_ = std::make_shared<FakeProvider>(*store_, false);
    api_ = std::make_shared<FakeProvider>(*store_, true);
    gateways_ = {{core::ChannelKind::Telegram, telegram_}, {core::ChannelKind::Api, api_}};
    desk_ = std::make_unique<app::DeskService>(*store_, bus_, clock_, gateways_);
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
      admin_ = addUser(tx, "admin@t.test", "Admin", core::Role::Admin);
      bot_a_ = addInbox(tx, "Bot A", core::ChannelKind::Telegram);
      bot_b_ = addInbox(tx, "Bot B", core::ChannelKind::Telegram);
      api_inbox_ = addInbox(tx, "API", core::ChannelKind::Api, "http://127.0.0.1:9/");
      return {};
    }));
    restart();
  }
  void TearDown() override {
    outbox_.reset();
    desk_.reset();
    StoreTest::TearDown();
  }

  // A new worker on the same store: what a process restart sees.
  void restart(app::OutboxPolicy policy = {}) {
    outbox_.reset();
    policy.max_attempts = 3;
    policy.first_backoff_ms = 1000;
    policy.max_backoff_ms = 60'000;
    if (!policy.send_rate) policy.send_rate = [this](const core::Inbox&) { return rate_; };
    outbox_ = std::make_unique<app::OutboxWorker>(*store_, *desk_, clock_, gateways_, policy);
  }

  core::ConversationId conversationIn(core::InboxId inbox, const std::string& who) {
    core::InboundMessage in;
    in.inbox_id = inbox;
    in.external_id = "in-" + who + "-" + std::to_string(inbox.value);
    in.contact = {who, who, "", "", true};
    in.text = "Hallo";
    auto r = desk_->ingest(in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r->conversation_id;
  }
  core::Message reply(core::ConversationId conversation, const std::string& text) {
    auto r = desk_->reply(admin_, conversation, app::ReplyInput{text});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return *r;
  }
  core::OutboxItem item(core::MessageId id) {
    auto o = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.outboxForMessage(tenant_, id); });
    EXPECT_TRUE(o.ok()) << o.error().message;
    return o ? *o : core::OutboxItem{};
  }
  // What a crash right after the provider was called leaves behind: the item marked "sending".
  void crashWhileSending(core::MessageId id) {
    const auto o = item(id);
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) {
      return tx.markOutboxSending(o.id, 0, clock_.now(), clock_.now() + 10 * 60 * 1000);
    }));
  }

  bus::InProcessBus bus_{1};
  std::shared_ptr<FakeProvider> telegram_, api_;
  app::ChannelGateways gateways_;
  std::unique_ptr<app::DeskService> desk_;
  std::unique_ptr<app::OutboxWorker> outbox_;
  app::SendRate rate_{};
  core::Actor admin_;
  core::InboxId bot_a_, bot_b_, api_inbox_;
};

TEST_F(OutboxWorkerTest, NonIdempotentProvidersAreCalledOnlyAfterTheAttemptIsDurablyMarked) {
  auto m = reply(conversationIn(bot_a_, "anna"), "Guten Tag");
  EXPECT_EQ(outbox_->runOnce(), 1);
  ASSERT_EQ(telegram_->marked_when_called, std::vector<bool>{true});
  EXPECT_EQ(message(m.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(item(m.id).sending_since, 0) << "the outcome clears the mark";

  auto api = reply(conversationIn(api_inbox_, "crm"), "Hallo");
  EXPECT_EQ(outbox_->runOnce(), 1);
  EXPECT_EQ(api_->marked_when_called, std::vector<bool>{false}) << "the API channel needs no mark: its key drops repeats";
  EXPECT_EQ(message(api.id).delivery_status, core::DeliveryStatus::Sent);
}

TEST_F(OutboxWorkerTest, ACrashMidSendFailsTheMessageWithTheReasonInsteadOfSendingItTwice) {
  auto m = reply(conversationIn(bot_a_, "anna"), "Ihre Bestellung ist unterwegs");
  crashWhileSending(m.id);
  restart();
  outbox_->runOnce();
  EXPECT_TRUE(telegram_->sent.empty()) << "not sent blindly again";
  auto failed = message(m.id);
  EXPECT_EQ(failed.delivery_status, core::DeliveryStatus::Failed);
  EXPECT_EQ(failed.delivery_error, std::string(app::kInterruptedReason));
  EXPECT_EQ(item(m.id).state, core::OutboxState::Failed);

  // The agent checked: it did not arrive. Resend goes through once, with a fresh attempt.
  auto resent = desk_->retryMessage(admin_, failed.conversation_id, m.id);
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_EQ(resent->delivery_status, core::DeliveryStatus::Pending);
  EXPECT_EQ(resent->delivery_error, "");
  EXPECT_EQ(item(m.id).attempts, 0);
  outbox_->runOnce();
  ASSERT_EQ(telegram_->sent.size(), 1u);
  EXPECT_EQ(message(m.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(m.id).external_id, "provider-1");
  outbox_->runOnce();
  EXPECT_EQ(telegram_->sent.size(), 1u);
}

TEST_F(OutboxWorkerTest, ACrashMidSendOfTheApiChannelResendsWithTheSameKey) {
  auto m = reply(conversationIn(api_inbox_, "crm"), "Hallo");
  const auto payload = item(m.id).payload;
  crashWhileSending(m.id);
  restart();
  outbox_->runOnce();
  ASSERT_EQ(api_->sent.size(), 1u);
  EXPECT_EQ(api_->sent[0], payload) << "same payload, same idempotency key: the receiver drops the repeat";
  EXPECT_NE(api_->sent[0].find("parley-msg-" + std::to_string(m.id.value)), std::string::npos);
  EXPECT_EQ(message(m.id).delivery_status, core::DeliveryStatus::Sent);
}

TEST_F(OutboxWorkerTest, AMarkWhoseLeaseRanOutIsTreatedAsInterrupted) {
  auto m = reply(conversationIn(bot_a_, "anna"), "Hallo");
  crashWhileSending(m.id);  // by another worker that never came back; this one is already running
  outbox_->runOnce();       // the start-up pass of this worker handles it at once
  EXPECT_EQ(message(m.id).delivery_status, core::DeliveryStatus::Failed);

  auto second = reply(conversationIn(bot_b_, "ben"), "Hallo");
  crashWhileSending(second.id);
  outbox_->runOnce();
  EXPECT_EQ(message(second.id).delivery_status, core::DeliveryStatus::Pending) << "within the lease: someone may be sending it";
  clock_.advance(10 * 60 * 1000);
  outbox_->runOnce();
  EXPECT_TRUE(telegram_->sent.empty());
  EXPECT_EQ(message(second.id).delivery_error, std::string(app::kInterruptedReason));
}

TEST_F(OutboxWorkerTest, A429PausesThatInboxWithoutSpendingAttemptsWhileOthersKeepFlowing) {
  auto a1 = reply(conversationIn(bot_a_, "anna"), "eins");
  auto a2 = reply(conversationIn(bot_a_, "anton"), "zwei");
  auto b1 = reply(conversationIn(bot_b_, "ben"), "drei");
  telegram_->script = {tooMany(30'000)};
  outbox_->runOnce();
  EXPECT_EQ(telegram_->sent.size(), 2u) << "a1 throttled, a2 held back without a call, b1 sent";
  EXPECT_EQ(message(b1.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(a1.id).delivery_status, core::DeliveryStatus::Pending);
  EXPECT_EQ(item(a1.id).attempts, 0);
  EXPECT_EQ(item(a1.id).throttled, 1);
  EXPECT_EQ(item(a2.id).attempts, 0);
  EXPECT_EQ(item(a2.id).next_attempt_at, clock_.now() + 30'000);
  EXPECT_EQ(outbox_->throttled(), 1u);

  clock_.advance(29'000);
  auto b2 = reply(conversationIn(bot_b_, "berta"), "vier");
  outbox_->runOnce();
  EXPECT_EQ(message(b2.id).delivery_status, core::DeliveryStatus::Sent) << "bot B is not paused";
  EXPECT_EQ(telegram_->sent.size(), 3u);
  clock_.advance(1000);
  outbox_->runOnce();
  EXPECT_EQ(message(a1.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(a2.id).delivery_status, core::DeliveryStatus::Sent);
}

TEST_F(OutboxWorkerTest, ARecipientPairLimitHoldsOnlyThatItem) {
  auto a1 = reply(conversationIn(bot_a_, "anna"), "eins");
  auto a2 = reply(conversationIn(bot_a_, "anton"), "zwei");
  telegram_->script = {tooMany(6000, Throttle::Recipient)};
  outbox_->runOnce();
  EXPECT_EQ(message(a1.id).delivery_status, core::DeliveryStatus::Pending);
  EXPECT_EQ(message(a2.id).delivery_status, core::DeliveryStatus::Sent) << "another customer of the same inbox";
  clock_.advance(6000);
  outbox_->runOnce();
  EXPECT_EQ(message(a1.id).delivery_status, core::DeliveryStatus::Sent);
}

TEST_F(OutboxWorkerTest, ThrottledAnswersBeyondTheBoundCountAsAttempts) {
  app::OutboxPolicy policy;
  policy.max_throttled = 2;
  restart(policy);
  auto m = reply(conversationIn(bot_a_, "anna"), "eins");
  telegram_->script.assign(10, tooMany(1000));
  for (int i = 0; i < 8; ++i) {
    outbox_->runOnce();
    clock_.advance(60'000);
  }
  const auto o = item(m.id);
  EXPECT_EQ(o.throttled, 2);
  EXPECT_EQ(o.attempts, 3);
  EXPECT_EQ(o.state, core::OutboxState::Failed);
  EXPECT_NE(message(m.id).delivery_error.find("gave up after 3 attempts"), std::string::npos);
  EXPECT_EQ(telegram_->sent.size(), 5u);
}

// A 503 with "Retry-After: 1800" is retried after 30 minutes, not after the back-off's cap, and
// the inbox waits with it: a later reply does not overtake it. More than an hour is cut to one.
TEST_F(OutboxWorkerTest, ALongRetryAfterOnAServerErrorIsHonouredAndHoldsTheInbox) {
  const auto conversation = conversationIn(bot_a_, "anna");
  auto m = reply(conversation, "eins");
  telegram_->script.push_back(app::DeliveryResult{Outcome::RetryLater, "HTTP 503", 1'800'000, {}});
  const auto before = clock_.now();
  outbox_->runOnce();
  const auto o = item(m.id);
  EXPECT_EQ(o.attempts, 1);
  EXPECT_EQ(o.next_attempt_at, before + 1'800'000);  // the policy's max_backoff_ms is 60 s here
  auto later = reply(conversation, "zwei");
  outbox_->runOnce();
  clock_.advance(1'799'000);
  outbox_->runOnce();
  EXPECT_EQ(telegram_->sent.size(), 1u) << "nothing goes to the inbox while it waits";
  clock_.advance(1'000);
  for (int i = 0; i < 3; ++i) {
    outbox_->runOnce();
    clock_.advance(1'000);
  }
  ASSERT_EQ(telegram_->sent.size(), 3u);
  EXPECT_NE(telegram_->sent[1].find("eins"), std::string::npos) << "the first reply first";
  EXPECT_NE(telegram_->sent[2].find("zwei"), std::string::npos);
  EXPECT_EQ(item(later.id).state, core::OutboxState::Done);

  auto capped = reply(conversationIn(bot_b_, "bert"), "drei");
  telegram_->script.push_back(app::DeliveryResult{Outcome::RetryLater, "HTTP 503", 5 * 3'600'000, {}});
  const auto at = clock_.now();
  outbox_->runOnce();
  EXPECT_EQ(item(capped.id).next_attempt_at, at + 3'600'000);
}

TEST_F(OutboxWorkerTest, TheRateLimitHoldsItemsBackInOrderWithoutSpendingAttempts) {
  rate_ = {1, 1};  // one a second, like a Twilio long code
  auto conversation = conversationIn(bot_a_, "anna");
  auto m1 = reply(conversation, "eins");
  auto m2 = reply(conversation, "zwei");
  auto m3 = reply(conversation, "drei");
  outbox_->runOnce();
  ASSERT_EQ(telegram_->sent.size(), 1u);
  EXPECT_EQ(item(m2.id).attempts, 0);
  EXPECT_EQ(item(m2.id).next_attempt_at, clock_.now() + 1000);
  EXPECT_EQ(item(m3.id).next_attempt_at, clock_.now() + 2000);
  EXPECT_EQ(outbox_->runOnce(), 0) << "nothing is due before the next token";
  clock_.advance(1000);
  outbox_->runOnce();
  clock_.advance(1000);
  outbox_->runOnce();
  ASSERT_EQ(telegram_->sent.size(), 3u);
  EXPECT_NE(telegram_->sent[1].find(":zwei:"), std::string::npos);
  EXPECT_NE(telegram_->sent[2].find(":drei:"), std::string::npos);
  EXPECT_EQ(message(m1.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(m3.id).delivery_status, core::DeliveryStatus::Sent);
}

TEST_F(OutboxWorkerTest, ALimitPerChatSpacesRepliesToOneChatWhileOtherChatsGo) {
  rate_ = {30, 30};                   // the bot: 30 a second
  telegram_->per_chat = app::SendRate{1, 1};  // one chat: one a second
  auto anna = conversationIn(bot_a_, "anna");
  auto ben = conversationIn(bot_a_, "ben");
  auto a1 = reply(anna, "eins");
  auto a2 = reply(anna, "zwei");
  auto b1 = reply(ben, "für Ben");
  outbox_->runOnce();
  ASSERT_EQ(telegram_->sent.size(), 2u) << "Anna's first reply and Ben's go at once";
  EXPECT_NE(telegram_->sent[1].find(":für Ben:"), std::string::npos);
  EXPECT_EQ(item(a2.id).attempts, 0);
  EXPECT_EQ(item(a2.id).next_attempt_at, clock_.now() + 1000) << "Anna's second waits a second";
  clock_.advance(1000);
  outbox_->runOnce();
  ASSERT_EQ(telegram_->sent.size(), 3u);
  EXPECT_NE(telegram_->sent[2].find(":zwei:"), std::string::npos);
  for (const auto& m : {a1, a2, b1}) EXPECT_EQ(message(m.id).delivery_status, core::DeliveryStatus::Sent);
}

TEST_F(OutboxWorkerTest, ResendIsOnlyForFailedOutgoingMessagesTheAgentCanSee) {
  auto conversation = conversationIn(bot_a_, "anna");
  auto sent = reply(conversation, "eins");
  outbox_->runOnce();
  auto again = desk_->retryMessage(admin_, conversation, sent.id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, core::ErrorCode::Conflict) << "a sent message is not sent again";

  auto other = conversationIn(bot_b_, "ben");
  auto wrong = desk_->retryMessage(admin_, other, sent.id);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, core::ErrorCode::NotFound) << "the message must be in that conversation";

  telegram_->script = {{Outcome::Failed, "Telegram error 403: Forbidden: bot was blocked by the user", 0, {}}};
  auto blocked = reply(conversation, "zwei");
  outbox_->runOnce();
  EXPECT_EQ(message(blocked.id).delivery_status, core::DeliveryStatus::Failed);
  auto resend = desk_->retryMessage(admin_, conversation, blocked.id);
  ASSERT_TRUE(resend.ok());
  auto twice = desk_->retryMessage(admin_, conversation, blocked.id);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, core::ErrorCode::Conflict) << "already on its way again";

  core::Actor stranger{core::UserId{9999}, tenant_, core::Role::Agent, {}};
  auto hidden = desk_->retryMessage(stranger, conversation, blocked.id);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, core::ErrorCode::NotFound);
}

}  // namespace
