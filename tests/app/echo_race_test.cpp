// The provider's echo of our own reply (Instagram, X; app/echo_claim.hpp) on a real SQLite
// store: when it comes in while the send call still waits for its answer, the agent sees the
// reply once, and it ends sent (then delivered) whatever that answer turns out to be; an echo
// of what the business typed in the provider's own app is still its own message.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "app/desk_service.hpp"
#include "app/echo_claim.hpp"
#include "app/outbox_worker.hpp"
#include "app/store_fixture.hpp"
#include "bus/in_process_bus.hpp"

using namespace parley;
using Outcome = app::DeliveryResult::Outcome;

namespace {

// A provider that cannot drop a repeat (Instagram's Send API): while it is "in its send call",
// it runs `during_send` (where the tests let the echo webhook in), then answers from a script.
class EchoingProvider final : public app::ChannelGateway {
 public:
  std::vector<app::DeliveryResult> script;  // answers in turn, then Delivered with "mid-<n>"
  std::function<void()> during_send;        // runs once, in the next send call
  int calls = 0;
  core::Result<std::string> encode(const app::OutboundContext& c) const override { return "send:" + c.message.text; }
  app::DeliveryResult deliver(const core::Inbox&, const core::OutboxItem&) override {
    ++calls;
    if (auto hook = std::exchange(during_send, nullptr)) hook();
    if (script.empty()) return {Outcome::Delivered, "", 0, "mid-" + std::to_string(calls)};
    auto r = script.front();
    script.erase(script.begin());
    return r;
  }
};

class EchoRaceTest : public parley::testing::StoreTest {
 protected:
  EchoRaceTest() : StoreTest("echorace") {}
  void SetUp() override {
    bus_.subscribe([this](const app::Event& e) { events_.push_back(e.type); });
    provider_ = std::make_shared<EchoingProvider>();
    gateways_ = {{core::ChannelKind::Instagram, provider_}, {core::ChannelKind::X, provider_}};
    desk_ = std::make_unique<app::DeskService>(*store_, bus_, clock_, gateways_);
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
      admin_ = addUser(tx, "admin@t.test", "Admin", core::Role::Admin);
      instagram_ = addInbox(tx, "Instagram", core::ChannelKind::Instagram);
      x_ = addInbox(tx, "X", core::ChannelKind::X);
      return {};
    }));
    restart();
    conversation_ = customerWrites("igsid-anna");
  }
  void TearDown() override {
    outbox_.reset();
    desk_.reset();
    StoreTest::TearDown();
  }
  // A new worker on the same store: what a process restart sees.
  void restart() {
    outbox_ = std::make_unique<app::OutboxWorker>(*store_, *desk_, clock_, gateways_, app::OutboxPolicy{3, 1000, 60000, 32});
  }

  core::ConversationId customerWrites(const std::string& who, core::InboxId inbox = {}) {
    core::InboundMessage in;
    in.inbox_id = inbox.valid() ? inbox : instagram_;
    in.external_id = "in-" + who;
    in.contact = {who, "", "", "", true};
    in.text = "Wo ist mein Paket?";
    auto r = desk_->ingest(in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? r->conversation_id : core::ConversationId{};
  }
  // The echo webhook of a message the account sent to `to`.
  core::IngestResult echo(const std::string& mid, const std::string& text, const std::string& to = "igsid-anna",
                          core::InboxId inbox = {}, core::MessageId echo_of = {}) {
    core::InboundMessage in;
    in.inbox_id = inbox.valid() ? inbox : instagram_;
    in.external_id = mid;
    in.contact = {to, "", "", "", true};
    in.text = text;
    in.echo = true;
    in.echo_of = echo_of;  // the reply the provider says it echoes (Messenger's metadata)
    auto r = desk_->ingest(in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : core::IngestResult{};
  }
  core::Message reply(const std::string& text, std::vector<core::AttachmentId> files = {},
                      core::ConversationId conversation = {}) {
    app::ReplyInput input{text};
    input.attachment_ids = std::move(files);
    auto r = desk_->reply(admin_, conversation.valid() ? conversation : conversation_, input);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : core::Message{};
  }
  std::vector<core::Message> timeline(core::ConversationId conversation = {}) {
    auto r = desk_->listMessages(admin_, conversation.valid() ? conversation : conversation_, core::MessageId{}, 50);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : std::vector<core::Message>{};
  }
  core::OutboxItem item(core::MessageId id) {
    auto o = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.outboxForMessage(tenant_, id); });
    EXPECT_TRUE(o.ok()) << o.error().message;
    return o ? *o : core::OutboxItem{};
  }
  // The process dies in the send calls of these replies; restarted, the worker fails them
  // "check and resend" (kInterruptedReason).
  void crashInTheSendCallsOf(const std::vector<core::Message>& replies) {
    for (const auto& m : replies) {
      const auto o = item(m.id);
      ASSERT_TRUE(store_->write([&](app::StoreTx& tx) {
        return tx.markOutboxSending(o.id, 0, clock_.now(), clock_.now() + 10 * 60 * 1000);
      }));
    }
    restart();
    outbox_->runOnce();
    for (const auto& m : replies) ASSERT_EQ(message(m.id).delivery_status, core::DeliveryStatus::Failed);
  }
  // The echo settled the reply: nothing stored, the reply sent with the echo's id, its item
  // done, and the desk told once.
  void expectSettledBy(const core::IngestResult& echoed, core::MessageId reply, const std::string& mid,
                       std::size_t timeline_before) {
    EXPECT_TRUE(echoed.duplicate);
    EXPECT_EQ(echoed.message_id, reply);
    EXPECT_EQ(timeline().size(), timeline_before) << "the echo is no message of its own";
    EXPECT_EQ(message(reply).delivery_status, core::DeliveryStatus::Sent);
    EXPECT_EQ(message(reply).delivery_error, "");
    EXPECT_EQ(message(reply).external_id, mid);
    EXPECT_EQ(item(reply).state, core::OutboxState::Done);
    EXPECT_EQ(count("message.updated"), 1) << "the desk sees the reply change";
  }
  int count(const std::string& event) const { return static_cast<int>(std::count(events_.begin(), events_.end(), event)); }

  bus::InProcessBus bus_{1};
  std::vector<std::string> events_;
  std::shared_ptr<EchoingProvider> provider_;
  app::ChannelGateways gateways_;
  std::unique_ptr<app::DeskService> desk_;
  std::unique_ptr<app::OutboxWorker> outbox_;
  core::Actor admin_;
  core::InboxId instagram_, x_;
  core::ConversationId conversation_;
};

TEST_F(EchoRaceTest, AnEchoBeforeTheSendAnswerShowsTheReplyOnceSentThenDelivered) {
  auto sent = reply("Es ist unterwegs.");
  core::IngestResult during;
  provider_->during_send = [&] {
    during = echo("mid-1", "Es ist unterwegs.");
    EXPECT_EQ(message(sent.id).external_id, "mid-1") << "the echo's id is on the reply at once";
  };
  events_.clear();
  EXPECT_EQ(outbox_->runOnce(), 1);
  EXPECT_TRUE(during.duplicate);
  EXPECT_EQ(during.message_id, sent.id);
  EXPECT_EQ(during.conversation_id, conversation_);
  EXPECT_EQ(count("message.created"), 0) << "no second row for the desk";

  auto messages = timeline();
  ASSERT_EQ(messages.size(), 2u) << "the customer's message and the reply, once";
  EXPECT_EQ(messages[1].id, sent.id);
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent) << "the send's answer, same id, marks it sent";
  EXPECT_EQ(message(sent.id).external_id, "mid-1");
  EXPECT_EQ(count("message.updated"), 1);
  EXPECT_EQ(item(sent.id).state, core::OutboxState::Done);

  // The provider's receipts find the reply by that id.
  ASSERT_TRUE(desk_->applyProviderStatus(core::Inbox{.id = instagram_, .tenant_id = tenant_},
                                         core::InboundStatus{"", "mid-1", core::DeliveryStatus::Delivered, "", 0})
                  .ok());
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Delivered);
  EXPECT_TRUE(echo("mid-1", "Es ist unterwegs.").duplicate) << "a redelivered echo adds nothing either";
  EXPECT_EQ(timeline().size(), 2u);
}

TEST_F(EchoRaceTest, AnEchoAfterTheSendAnswerIsRecognisedByItsIdAsBefore) {
  auto sent = reply("Danke!");
  outbox_->runOnce();
  EXPECT_EQ(message(sent.id).external_id, "mid-1");
  auto late = echo("mid-1", "Danke!");
  EXPECT_TRUE(late.duplicate);
  EXPECT_EQ(late.message_id, sent.id);
  EXPECT_EQ(timeline().size(), 2u);
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent);
}

TEST_F(EchoRaceTest, WhatTheBusinessTypedInTheProvidersAppWhileAReplyIsSentIsItsOwnMessage) {
  auto sent = reply("Es ist unterwegs.");
  customerWrites("igsid-ben");
  core::IngestResult typed, to_ben;
  provider_->during_send = [&] {
    typed = echo("mid-app", "Wir haben heute bis 18 Uhr geöffnet.");   // other text, same customer
    to_ben = echo("mid-ben", "Es ist unterwegs.", "igsid-ben");        // same text, another customer
  };
  outbox_->runOnce();
  EXPECT_FALSE(typed.duplicate);
  EXPECT_FALSE(to_ben.duplicate);
  EXPECT_NE(typed.message_id, sent.id);

  auto messages = timeline();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[2].text, "Wir haben heute bis 18 Uhr geöffnet.");
  EXPECT_EQ(messages[2].direction, core::MessageDirection::Outgoing);
  EXPECT_EQ(messages[2].external_id, "mid-app");
  EXPECT_EQ(message(sent.id).external_id, "mid-1") << "the reply keeps the id of its own answer";
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(to_ben.message_id).conversation_id, to_ben.conversation_id);
  EXPECT_NE(to_ben.conversation_id, conversation_);
}

TEST_F(EchoRaceTest, ASendThatTimesOutAfterItsEchoCameIsSentNotRetried) {
  auto sent = reply("Es ist unterwegs.");
  provider_->script = {{Outcome::RetryLater, "Instagram unreachable: Timeout was reached", 0, {}}};
  provider_->during_send = [&] { echo("mid-77", "Es ist unterwegs."); };
  outbox_->runOnce();
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(sent.id).external_id, "mid-77");
  EXPECT_EQ(item(sent.id).state, core::OutboxState::Done);
  EXPECT_EQ(outbox_->delivered(), 1u);
  clock_.advance(60'000);
  outbox_->runOnce();
  EXPECT_EQ(provider_->calls, 1) << "the provider had it: never sent again";
  EXPECT_EQ(timeline().size(), 2u);
}

TEST_F(EchoRaceTest, ASendThatFailsAfterItsEchoCameIsNotShownAsFailed) {
  auto sent = reply("Es ist unterwegs.");
  provider_->script = {{Outcome::Failed, "Instagram error 500: unknown answer", 0, {}}};
  provider_->during_send = [&] { echo("mid-78", "Es ist unterwegs."); };
  events_.clear();
  outbox_->runOnce();
  auto stored = message(sent.id);
  EXPECT_EQ(stored.delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(stored.delivery_error, "");
  EXPECT_EQ(item(sent.id).state, core::OutboxState::Done);
  EXPECT_EQ(item(sent.id).last_error, "");
  EXPECT_EQ(outbox_->failed(), 0u);
  EXPECT_EQ(count("message.updated"), 1) << "the desk hears \"sent\"";
  auto resend = desk_->retryMessage(admin_, conversation_, sent.id);
  EXPECT_FALSE(resend.ok()) << "nothing to resend";
}

// The open case of the echo race: the send call ended with a temporary error or a timeout (the
// provider may have sent it all the same), the item waits for its retry, then the echo comes.

TEST_F(EchoRaceTest, AnEchoAfterATimedOutAttemptShowsTheReplyOnceSentAndNothingIsResent) {
  auto sent = reply("Es ist unterwegs.");
  provider_->script = {{Outcome::RetryLater, "Instagram unreachable: Timeout was reached", 0, {}}};
  outbox_->runOnce();
  ASSERT_EQ(item(sent.id).state, core::OutboxState::Pending) << "waits for its retry";
  ASSERT_EQ(item(sent.id).attempts, 1);
  ASSERT_EQ(item(sent.id).sending_since, 0);
  events_.clear();
  clock_.advance(300);  // before the retry (1 s)

  auto late = echo("mid-41", "Es ist unterwegs.");
  EXPECT_TRUE(late.duplicate);
  EXPECT_EQ(late.message_id, sent.id);
  EXPECT_EQ(late.conversation_id, conversation_);
  EXPECT_EQ(count("message.created"), 0) << "no second row for the desk";
  EXPECT_EQ(count("message.updated"), 1) << "the desk hears \"sent\"";
  auto stored = message(sent.id);
  EXPECT_EQ(stored.external_id, "mid-41");
  EXPECT_EQ(stored.delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(stored.delivery_error, "");
  auto o = item(sent.id);
  EXPECT_EQ(o.state, core::OutboxState::Done);
  EXPECT_EQ(o.last_error, "");
  EXPECT_EQ(o.updated_at, clock_.now());

  clock_.advance(60'000);
  EXPECT_EQ(outbox_->runOnce(), 0);
  EXPECT_EQ(provider_->calls, 1) << "the provider had it: never sent again";
  EXPECT_EQ(timeline().size(), 2u);
  // Receipts and a redelivered echo find it by the id.
  EXPECT_TRUE(echo("mid-41", "Es ist unterwegs.").duplicate);
  ASSERT_TRUE(desk_->applyProviderStatus(core::Inbox{.id = instagram_, .tenant_id = tenant_},
                                         core::InboundStatus{"", "mid-41", core::DeliveryStatus::Read, "", 0})
                  .ok());
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Read);
  EXPECT_EQ(timeline().size(), 2u);
}

TEST_F(EchoRaceTest, AnEchoAfterA5xxLeavesTheWorkerNothingToResendWhenItWakes) {
  auto sent = reply("Wir melden uns morgen.");
  provider_->script = {{Outcome::RetryLater, "Instagram error 2: An unexpected error has occurred. Please retry your request later.", 0, {}}};
  outbox_->runOnce();
  clock_.advance(5'000);  // the retry is due, the worker has not woken yet
  EXPECT_TRUE(echo("mid-42", "Wir melden uns morgen.").duplicate);
  restart();  // even a worker that starts afresh
  EXPECT_EQ(outbox_->runOnce(), 0);
  clock_.advance(10 * 60 * 1000);
  EXPECT_EQ(outbox_->runOnce(), 0);
  EXPECT_EQ(provider_->calls, 1);
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(item(sent.id).state, core::OutboxState::Done);
  EXPECT_EQ(outbox_->failed(), 0u);
  EXPECT_EQ(timeline().size(), 2u);
}

TEST_F(EchoRaceTest, ADifferentTextWhileAReplyAwaitsItsRetryIsItsOwnMessageAndTheRetrySends) {
  auto sent = reply("Es ist unterwegs.");
  customerWrites("igsid-ben");
  provider_->script = {{Outcome::RetryLater, "Instagram unreachable: Timeout was reached", 0, {}}};
  outbox_->runOnce();
  auto typed = echo("mid-app", "Wir haben heute bis 18 Uhr geöffnet.");  // other text, same customer
  auto to_ben = echo("mid-ben", "Es ist unterwegs.", "igsid-ben");        // same text, another customer
  EXPECT_FALSE(typed.duplicate);
  EXPECT_FALSE(to_ben.duplicate);
  EXPECT_NE(to_ben.conversation_id, conversation_);
  auto messages = timeline();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[2].text, "Wir haben heute bis 18 Uhr geöffnet.");
  EXPECT_EQ(messages[2].external_id, "mid-app");
  EXPECT_EQ(message(sent.id).external_id, "");
  EXPECT_EQ(item(sent.id).state, core::OutboxState::Pending) << "still waits for its retry";

  clock_.advance(1'000);
  EXPECT_EQ(outbox_->runOnce(), 1);
  EXPECT_EQ(provider_->calls, 2);
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(sent.id).external_id, "mid-2");
}

TEST_F(EchoRaceTest, TheEchoOfAnEarlierAttemptDuringTheRetrysSendCallTakesTheInFlightPath) {
  auto sent = reply("Es ist unterwegs.");
  provider_->script = {{Outcome::RetryLater, "Instagram unreachable: Timeout was reached", 0, {}},
                       {Outcome::RetryLater, "Instagram unreachable: Timeout was reached", 0, {}}};
  outbox_->runOnce();
  clock_.advance(1'000);
  core::IngestResult during;
  provider_->during_send = [&] {
    during = echo("mid-43", "Es ist unterwegs.");
    EXPECT_EQ(item(sent.id).sending_since, clock_.now()) << "the retry's mark stays: its send call goes on";
  };
  outbox_->runOnce();  // the retry, in whose send call the echo comes; it times out too
  EXPECT_TRUE(during.duplicate);
  EXPECT_EQ(message(sent.id).external_id, "mid-43");
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(item(sent.id).state, core::OutboxState::Done);
  clock_.advance(60'000);
  outbox_->runOnce();
  EXPECT_EQ(provider_->calls, 2) << "no third send";
  EXPECT_EQ(timeline().size(), 2u);
}

TEST_F(EchoRaceTest, AnItemTheEchoFinishedAfterTheWorkerReadItStaysFinishedWhenTheRateLimitHoldsItBack) {
  // One send a second for the inbox: in one pass the worker reads both due items, sends the
  // first and moves the second on. The second waits for its retry; its echo comes while the
  // first is in its send call, after the worker read it.
  outbox_ = std::make_unique<app::OutboxWorker>(
      *store_, *desk_, clock_, gateways_,
      app::OutboxPolicy{.max_attempts = 3, .first_backoff_ms = 1000, .max_backoff_ms = 60000, .batch = 32,
                        .send_rate = [](const core::Inbox&) { return app::SendRate{1.0, 1.0}; }});
  auto waiting = reply("Es ist unterwegs.");
  provider_->script = {{Outcome::RetryLater, "Instagram unreachable: Timeout was reached", 0, {}}};
  outbox_->runOnce();
  ASSERT_EQ(item(waiting.id).attempts, 1);
  clock_.advance(1'000);
  auto next = reply("Noch etwas?");
  {
    auto o = item(next.id);  // due before the retry, so sent first
    o.next_attempt_at = 0;
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) { return tx.updateOutbox(o); }));
  }
  provider_->during_send = [&] { EXPECT_TRUE(echo("mid-44", "Es ist unterwegs.").duplicate); };
  EXPECT_EQ(outbox_->runOnce(), 1);
  EXPECT_EQ(item(waiting.id).state, core::OutboxState::Done) << "not made pending again by the rate limit";
  EXPECT_EQ(message(waiting.id).delivery_status, core::DeliveryStatus::Sent);
  clock_.advance(60'000);
  outbox_->runOnce();
  EXPECT_EQ(provider_->calls, 2) << "the first attempt and the other reply; no retry";
}

TEST_F(EchoRaceTest, AnEchoOfASendACrashInterruptedMakesItSentInsteadOfCheckAndResend) {
  auto sent = reply("Es ist unterwegs.");
  const auto o = item(sent.id);
  ASSERT_TRUE(store_->write([&](app::StoreTx& tx) {  // the process died in the send call
    return tx.markOutboxSending(o.id, 0, clock_.now(), clock_.now() + 10 * 60 * 1000);
  }));
  EXPECT_TRUE(echo("mid-5", "Es ist unterwegs.").duplicate) << "the provider did send it";
  restart();
  outbox_->runOnce();
  EXPECT_EQ(provider_->calls, 0);
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(sent.id).delivery_error, "");
  EXPECT_EQ(item(sent.id).state, core::OutboxState::Done);
}

TEST_F(EchoRaceTest, AnEchoNamingAReplyACrashAlreadyFailedMakesItSentAndNothingIsStored) {
  // Messenger: the echo names the reply (metadata "parley:<id>"). Parley died in the send call,
  // restarted and failed the reply "check and resend"; then Meta's echo (retried while Parley
  // was down) comes in: the reply is sent with the echo's id, no message is added, and the
  // worker sends nothing.
  auto sent = reply("Es ist unterwegs.");
  crashInTheSendCallsOf({sent});
  const auto before = timeline().size();
  events_.clear();
  expectSettledBy(echo("m_7", "Es ist unterwegs.", "igsid-anna", {}, sent.id), sent.id, "m_7", before);
  // The same echo again (Meta redelivers), and one naming a message that is no reply of this
  // inbox: nothing stored, nothing changed.
  EXPECT_TRUE(echo("m_7", "Es ist unterwegs.", "igsid-anna", {}, sent.id).duplicate);
  EXPECT_TRUE(echo("m_8", "Hallo", "igsid-anna", {}, core::MessageId{sent.id.value + 1000}).duplicate);
  EXPECT_EQ(timeline().size(), before);
  outbox_->runOnce();
  EXPECT_EQ(provider_->calls, 0);
}

TEST_F(EchoRaceTest, AnEchoOfAReplyACrashAlreadyFailedMakesItSentOnInstagramToo) {
  // Instagram's echo names no reply: it is matched by recipient and text. Parley died in the
  // send call and failed the reply "check and resend" at the restart; Meta's echo, retried while
  // Parley was down, comes in afterwards.
  auto sent = reply("Es ist unterwegs.");
  auto other = reply("Noch etwas anderes.");
  crashInTheSendCallsOf({sent, other});
  const auto before = timeline().size();
  events_.clear();
  clock_.advance(3'600'000);  // an hour later
  expectSettledBy(echo("mid-9", "Es ist unterwegs."), sent.id, "mid-9", before);  // by recipient and text
  EXPECT_EQ(message(other.id).delivery_status, core::DeliveryStatus::Failed) << "the other reply is not proven sent";
  EXPECT_TRUE(echo("mid-9", "Es ist unterwegs.").duplicate) << "Meta redelivers: nothing changes";
  // What the business typed in Instagram's app is its own message; so is an echo days later.
  EXPECT_FALSE(echo("mid-10", "Bitte melden Sie sich.").duplicate);
  clock_.advance(app::kInterruptedEchoWindowMs);
  EXPECT_FALSE(echo("mid-11", "Noch etwas anderes.").duplicate);
  EXPECT_EQ(message(other.id).delivery_status, core::DeliveryStatus::Failed);
  outbox_->runOnce();
  EXPECT_EQ(provider_->calls, 0) << "nothing is sent again";
}

TEST_F(EchoRaceTest, AnEchoNamingAReplyInItsSendCallGivesItTheIdAndAResentReplyIsNotSentAgain) {
  auto sent = reply("Es ist unterwegs.");
  provider_->during_send = [&] { EXPECT_TRUE(echo("m_1", "Es ist unterwegs.", "igsid-anna", {}, sent.id).duplicate); };
  provider_->script = {{Outcome::RetryLater, "Instagram unreachable: timeout", 0, {}}};
  outbox_->runOnce();
  EXPECT_EQ(message(sent.id).external_id, "m_1");
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent) << "the echo proves it went out";
  EXPECT_EQ(item(sent.id).state, core::OutboxState::Done);

  // A reply the agent resent after a failure, whose first attempt's echo comes only now: sent,
  // and the queued resend does not go out.
  auto other = reply("Noch etwas");
  provider_->script = {{Outcome::Failed, "Instagram error 400: blocked", 0, {}}};
  outbox_->runOnce();
  ASSERT_TRUE(desk_->retryMessage(admin_, conversation_, other.id).ok());
  EXPECT_TRUE(echo("m_2", "Noch etwas", "igsid-anna", {}, other.id).duplicate);
  const int calls = provider_->calls;
  outbox_->runOnce();
  EXPECT_EQ(provider_->calls, calls);
  EXPECT_EQ(message(other.id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(other.id).external_id, "m_2");
}

TEST_F(EchoRaceTest, WithoutAnEchoAFailedSendStillFailsAndAResendStartsWithoutTheOldId) {
  auto sent = reply("Es ist unterwegs.");
  outbox_->runOnce();  // sent as mid-1; then the provider reports it failed
  ASSERT_TRUE(desk_->applyProviderStatus(core::Inbox{.id = instagram_, .tenant_id = tenant_},
                                         core::InboundStatus{"", "mid-1", core::DeliveryStatus::Failed, "undeliverable", 0})
                  .ok());
  ASSERT_TRUE(desk_->retryMessage(admin_, conversation_, sent.id).ok());
  EXPECT_EQ(message(sent.id).external_id, "") << "the failed attempt's id says nothing about the resend";
  provider_->script = {{Outcome::Failed, "Instagram error 400: blocked", 0, {}}};
  outbox_->runOnce();
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Failed);
  EXPECT_EQ(message(sent.id).delivery_error, "Instagram error 400: blocked");
}

TEST_F(EchoRaceTest, TextAndFileSentAsTwoMessagesShowOnceWhenBothEchoesComeFirst) {
  // Meta sends the file first, then the text, and answers with the text's id.
  core::AttachmentId file;
  ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
    core::Attachment a;
    a.tenant_id = tenant_;
    a.sha256 = std::string(64, 'a');
    a.content_type = "image/png";
    a.filename = "karte.png";
    a.uploaded_by = admin_.user_id;
    auto id = tx.insertAttachment(a);
    if (!id) return id.error();
    file = *id;
    return {};
  }));
  auto sent = reply("Hier ist die Karte.", {file});
  core::IngestResult image, text;
  provider_->script = {{Outcome::Delivered, "", 0, "mid-text"}};
  provider_->during_send = [&] {
    core::InboundMessage in;
    in.inbox_id = instagram_;
    in.external_id = "mid-file";
    in.contact = {"igsid-anna", "", "", "", true};
    in.kind = core::MessageKind::Image;
    in.media = {core::InboundMedia{"https://cdn.example/k.png", "", "", ""}};
    in.echo = true;
    auto r = desk_->ingest(in);
    ASSERT_TRUE(r.ok()) << r.error().message;
    image = *r;
    text = echo("mid-text", "Hier ist die Karte.");
  };
  outbox_->runOnce();
  EXPECT_TRUE(image.duplicate);
  EXPECT_TRUE(text.duplicate);
  EXPECT_EQ(timeline().size(), 2u);
  EXPECT_EQ(message(sent.id).external_id, "mid-text");
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent);
}

TEST_F(EchoRaceTest, AnXReplyEchoedWithTheMentionInFrontIsRecognised) {
  auto conversation = customerWrites("x-anna", x_);
  auto sent = reply("Danke für den Hinweis!", {}, conversation);
  core::IngestResult during;
  provider_->script = {{Outcome::Delivered, "", 0, "tweet-9"}};
  provider_->during_send = [&] { during = echo("tweet-9", "@anna Danke für den Hinweis!", "x-anna", x_); };
  outbox_->runOnce();
  EXPECT_TRUE(during.duplicate);
  EXPECT_EQ(timeline(conversation).size(), 2u);
  EXPECT_EQ(message(sent.id).delivery_status, core::DeliveryStatus::Sent);
}

}  // namespace
