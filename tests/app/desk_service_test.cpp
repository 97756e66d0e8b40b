// The desk's use cases on a real SQLite store: contact matching across channels, merge and
// un-merge, replies through the outbox with retries, delivery receipts that never regress.
#include "app/desk_service.hpp"

#include <gtest/gtest.h>

#include <future>

#include "app/outbox_worker.hpp"
#include "app/store_fixture.hpp"
#include "bus/in_process_bus.hpp"

using namespace parley;

namespace {

class ScriptedGateway final : public app::ChannelGateway {
 public:
  std::vector<app::DeliveryResult> script;  // answers in turn, then Delivered
  std::vector<std::string> delivered_payloads;
  std::size_t files_per_message = 0;  // 0: any number
  core::Result<std::string> encode(const app::OutboundContext& c) const override {
    std::string payload = "reply:" + c.message.text + ":" + c.idempotency_key;
    for (const auto& a : c.attachments) payload += ":" + a.filename;
    if (!c.reply_to_external_id.empty()) payload += ":quotes " + c.reply_to_external_id;
    return payload;
  }
  std::size_t filesPerMessage(const core::Inbox&, bool, const std::vector<core::Attachment>&, const core::Message&) const override {
    return files_per_message;
  }
  app::DeliveryResult deliver(const core::Inbox&, const core::OutboxItem& item) override {
    delivered_payloads.push_back(item.payload);
    if (script.empty()) return {app::DeliveryResult::Outcome::Delivered, "", 0, {}};
    auto r = script.front();
    script.erase(script.begin());
    return r;
  }
};

class DeskServiceTest : public parley::testing::StoreTest {
 protected:
  DeskServiceTest() : StoreTest("desk") {}
  void SetUp() override {
    bus_.subscribe([this](const app::Event& e) { events_.push_back(e); });
    gateway_ = std::make_shared<ScriptedGateway>();
    app::ChannelGateways gateways{{core::ChannelKind::Api, gateway_}};
    desk_ = std::make_unique<app::DeskService>(*store_, bus_, clock_, gateways);
    outbox_ = std::make_unique<app::OutboxWorker>(*store_, *desk_, clock_, gateways, app::OutboxPolicy{3, 1000, 60000, 32});
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
      admin_ = addUser(tx, "admin@t.test", "Admin", core::Role::Admin);
      api_inbox_ = addInbox(tx, "API", core::ChannelKind::Api, "http://127.0.0.1:9/");
      other_inbox_ = addInbox(tx, "Second", core::ChannelKind::Api, "http://127.0.0.1:9/");
      return {};
    }));
  }
  void TearDown() override {
    outbox_.reset();
    desk_.reset();
    StoreTest::TearDown();
  }

  core::IngestResult ingest(core::InboxId inbox, std::string ext, core::InboundContact contact, std::string text = "Hallo") {
    core::InboundMessage in;
    in.inbox_id = inbox;
    in.external_id = std::move(ext);
    in.contact = std::move(contact);
    in.text = std::move(text);
    auto r = desk_->ingest(in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return *r;
  }

  // Files `names` uploaded by the admin, not yet sent: their ids in order.
  std::vector<core::AttachmentId> uploaded(std::initializer_list<const char*> names) {
    std::vector<core::AttachmentId> ids;
    EXPECT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
      for (const char* name : names) {
        core::Attachment a;
        a.tenant_id = tenant_;
        a.sha256 = std::string(64, 'a');
        a.size = 10;
        a.content_type = "application/pdf";
        a.filename = name;
        a.uploaded_by = admin_.user_id;
        a.created_at = clock_.now();
        auto id = tx.insertAttachment(a);
        if (!id) return id.error();
        ids.push_back(*id);
      }
      return {};
    }));
    return ids;
  }

  bus::InProcessBus bus_{1};
  std::vector<app::Event> events_;
  std::shared_ptr<ScriptedGateway> gateway_;
  std::unique_ptr<app::DeskService> desk_;
  std::unique_ptr<app::OutboxWorker> outbox_;
  core::Actor admin_;
  core::InboxId api_inbox_, other_inbox_;
};

TEST_F(DeskServiceTest, SamePhoneOnTwoInboxesIsOneContactWithTwoConversations) {
  auto first = ingest(api_inbox_, "m1", {"crm-1", "Jana", "+49 30 1234567", "", true});
  auto second = ingest(other_inbox_, "m1", {"x-9", "", "030 1234567", "", true});
  EXPECT_EQ(first.contact_id, second.contact_id);
  EXPECT_NE(first.conversation_id, second.conversation_id);
  EXPECT_TRUE(first.new_contact);
  EXPECT_FALSE(second.new_contact);
}

TEST_F(DeskServiceTest, UnverifiedPhoneNeverJoinsAnExistingContact) {
  auto verified = ingest(api_inbox_, "m1", {"crm-1", "Jana", "+49 30 1234567", "", true});
  auto claimed = ingest(other_inbox_, "m2", {"anon-7", "Mallory", "+49 30 1234567", "", false});
  EXPECT_NE(verified.contact_id, claimed.contact_id);
}

TEST_F(DeskServiceTest, RedeliveryStoresNothingNewAndAResolvedConversationIsNotReopenedButReplaced) {
  auto first = ingest(api_inbox_, "m1", {"c-1", "", "", "", true});
  auto again = ingest(api_inbox_, "m1", {"c-1", "", "", "", true}, "changed body, same id");
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.message_id, first.message_id);
  app::ConversationPatch resolve;
  resolve.status = core::ConversationStatus::Resolved;
  ASSERT_TRUE(desk_->updateConversation(admin_, first.conversation_id, resolve).ok());
  auto later = ingest(api_inbox_, "m2", {"c-1", "", "", "", true});
  EXPECT_NE(later.conversation_id, first.conversation_id);
  EXPECT_TRUE(later.new_conversation);
}

TEST_F(DeskServiceTest, MergeThenUnmergeRestoresTheTimelines) {
  auto a = ingest(api_inbox_, "m1", {"a", "Jana", "", "jana@example.de", true});
  auto b = ingest(other_inbox_, "m2", {"b", "J. Müller", "+4917612345678", "", true});
  ASSERT_TRUE(desk_->mergeContacts(admin_, a.contact_id, b.contact_id).ok());
  auto both = desk_->listConversations(admin_, app::ConversationFilter{.contact_id = a.contact_id});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->size(), 2u);
  // After the merge, a new message from b's phone lands on the merged contact.
  auto c = ingest(other_inbox_, "m3", {"", "", "+4917612345678", "", true});
  EXPECT_EQ(c.contact_id, a.contact_id);
  ASSERT_TRUE(desk_->unmergeContact(admin_, b.contact_id).ok());
  auto back = desk_->listConversations(admin_, app::ConversationFilter{.contact_id = b.contact_id});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->size(), 1u);

  // The moved conversation's timeline says what happened, in words a desk can translate.
  auto timeline = desk_->listMessages(admin_, b.conversation_id, core::MessageId{}, 50);
  ASSERT_TRUE(timeline.ok());
  std::vector<std::string> activities;
  for (const auto& m : *timeline) {
    if (m.direction == core::MessageDirection::Activity) activities.push_back(m.payload_json);
  }
  ASSERT_EQ(activities.size(), 2u);
  EXPECT_EQ(activities[0], R"({"activity":"merged","by":"Admin","contact":"J. Müller","into":"Jana"})");
  EXPECT_EQ(activities[1], R"({"activity":"unmerged","by":"Admin","contact":"J. Müller"})");
}

TEST_F(DeskServiceTest, ActivityLinesCarryWhatHappenedForTranslation) {
  auto a = ingest(api_inbox_, "m1", {"a", "Jana", "", "", true});
  app::ConversationPatch patch;
  patch.assignee_id = admin_.user_id;
  patch.status = core::ConversationStatus::Pending;
  ASSERT_TRUE(desk_->updateConversation(admin_, a.conversation_id, patch).ok());
  auto timeline = desk_->listMessages(admin_, a.conversation_id, core::MessageId{}, 50);
  ASSERT_TRUE(timeline.ok());
  std::vector<std::string> payloads;
  for (const auto& m : *timeline) {
    if (m.direction == core::MessageDirection::Activity) payloads.push_back(m.payload_json);
  }
  EXPECT_EQ(payloads, (std::vector<std::string>{R"({"activity":"assigned","by":"Admin","to":"Admin"})",
                                                R"({"activity":"status","by":"Admin","status":"pending"})"}));
}

TEST_F(DeskServiceTest, ReplyIsDeliveredThroughTheOutboxWithBackoffAndMarkedSent) {
  auto in = ingest(api_inbox_, "m1", {"c-1", "", "", "", true});
  gateway_->script = {{app::DeliveryResult::Outcome::RetryLater, "HTTP 503", 0, {}}};
  auto reply = desk_->reply(admin_, in.conversation_id, app::ReplyInput{"Guten Tag"});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->delivery_status, core::DeliveryStatus::Pending);
  EXPECT_EQ(outbox_->runOnce(), 1);
  EXPECT_EQ(outbox_->runOnce(), 0) << "backing off: not due yet";
  clock_.advance(1000);
  EXPECT_EQ(outbox_->runOnce(), 1);
  EXPECT_EQ(message(reply->id).delivery_status, core::DeliveryStatus::Sent);
  ASSERT_EQ(gateway_->delivered_payloads.size(), 2u);
  EXPECT_EQ(gateway_->delivered_payloads[0], gateway_->delivered_payloads[1]) << "same payload and idempotency key";
}

TEST_F(DeskServiceTest, ExhaustedRetriesMarkTheReplyFailedWithTheReason) {
  auto in = ingest(api_inbox_, "m1", {"c-1", "", "", "", true});
  gateway_->script.assign(5, {app::DeliveryResult::Outcome::RetryLater, "callback answered HTTP 502", 0, {}});
  auto reply = desk_->reply(admin_, in.conversation_id, app::ReplyInput{"Hallo"});
  for (int i = 0; i < 3; ++i) {
    outbox_->runOnce();
    clock_.advance(60'000);
  }
  auto m = message(reply->id);
  EXPECT_EQ(m.delivery_status, core::DeliveryStatus::Failed);
  EXPECT_NE(m.delivery_error.find("HTTP 502"), std::string::npos) << m.delivery_error;
}

TEST_F(DeskServiceTest, DeliveryReceiptsOutOfOrderNeverRegress) {
  auto in = ingest(api_inbox_, "m1", {"c-1", "", "", "", true});
  auto reply = desk_->reply(admin_, in.conversation_id, app::ReplyInput{"Hallo"});
  ASSERT_TRUE(desk_->applyDeliveryStatus(tenant_, reply->id, core::DeliveryStatus::Read, "").ok());
  ASSERT_TRUE(desk_->applyDeliveryStatus(tenant_, reply->id, core::DeliveryStatus::Delivered, "").ok());
  ASSERT_TRUE(desk_->applyDeliveryStatus(tenant_, reply->id, core::DeliveryStatus::Sent, "").ok());
  EXPECT_EQ(message(reply->id).delivery_status, core::DeliveryStatus::Read);
}

TEST_F(DeskServiceTest, IngestAsyncStoresAndPublishesLikeIngestOnlyWhileTheInboxIsAccepted) {
  auto run = [&](std::string ext, std::function<bool(const core::Inbox&)> accept) {
    core::InboundMessage in;
    in.inbox_id = api_inbox_;
    in.external_id = std::move(ext);
    in.contact = {"crm-async", "Jana", "+49 30 1234567", "", true};
    in.text = "Hallo";
    std::promise<app::Result<core::IngestResult>> answered;
    EXPECT_TRUE(desk_->ingestAsync(in, std::move(accept), [&](app::Result<core::IngestResult> r) { answered.set_value(std::move(r)); }));
    return answered.get_future().get();
  };
  // The caller checked the request against an inbox it remembered; the write proves it current.
  auto refused = run("a-1", [](const core::Inbox&) { return false; });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::Conflict);
  EXPECT_TRUE(events_.empty()) << "nothing stored, nothing published";

  auto first = run("a-1", [&](const core::Inbox& inbox) { return inbox.id == api_inbox_; });
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->duplicate);
  EXPECT_TRUE(first->new_contact);
  EXPECT_EQ(message(first->message_id).text, "Hallo");
  std::vector<std::string> types;
  for (const auto& e : events_) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"conversation.created", "message.created", "contact.updated"}));

  auto again = run("a-1", nullptr);  // a redelivery: the same answer, nothing new
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->message_id, first->message_id);
  EXPECT_EQ(events_.size(), 3u);

  // A failed check is answered at once, before any write.
  core::InboundMessage empty;
  empty.inbox_id = api_inbox_;
  empty.contact.external_id = "crm-async";
  bool answered_now = false;
  EXPECT_TRUE(desk_->ingestAsync(empty, nullptr, [&](app::Result<core::IngestResult> r) {
    answered_now = !r.ok() && r.error().code == core::ErrorCode::InvalidInput;
  }));
  EXPECT_TRUE(answered_now);
}

TEST_F(DeskServiceTest, AReplyWhoseProviderIdAnEchoAlreadyHoldsStillGetsItsStatus) {
  // The echo of the send was stored first under the provider's message id: the send's answer
  // then names the same id. The reply is marked sent; the id stays where it is.
  auto in = ingest(api_inbox_, "m1", {"psid-1", "", "", "", true});
  auto echo = ingest(api_inbox_, "mid-77", {"psid-1", "", "", "", true});
  auto reply = desk_->reply(admin_, in.conversation_id, app::ReplyInput{"Hallo"});
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  auto applied = desk_->applyDeliveryStatus(tenant_, reply->id, core::DeliveryStatus::Sent, "", "mid-77");
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(message(reply->id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(reply->id).external_id, "");
  EXPECT_EQ(message(echo.message_id).external_id, "mid-77");
}

TEST_F(DeskServiceTest, WatermarkReceiptMovesEveryAcceptedReplyUpToItsTime) {
  // Messenger's read receipt names a moment: replies the provider accepted up to it are read;
  // a later reply, one still pending and another contact's stay as they were.
  auto in = ingest(api_inbox_, "m1", {"psid-1", "", "", "", true});
  auto other = ingest(api_inbox_, "m2", {"psid-2", "", "", "", true});
  auto first = desk_->reply(admin_, in.conversation_id, app::ReplyInput{"eins"});
  auto pending = desk_->reply(admin_, in.conversation_id, app::ReplyInput{"zwei"});
  auto theirs = desk_->reply(admin_, other.conversation_id, app::ReplyInput{"drei"});
  ASSERT_TRUE(desk_->applyDeliveryStatus(tenant_, first->id, core::DeliveryStatus::Sent, "", "mid-1").ok());
  ASSERT_TRUE(desk_->applyDeliveryStatus(tenant_, theirs->id, core::DeliveryStatus::Sent, "", "mid-3").ok());
  const auto watermark = clock_.now();
  clock_.advance(5'000);
  auto later = desk_->reply(admin_, in.conversation_id, app::ReplyInput{"vier"});
  ASSERT_TRUE(desk_->applyDeliveryStatus(tenant_, later->id, core::DeliveryStatus::Sent, "", "mid-4").ok());
  core::Inbox inbox;
  ASSERT_TRUE(store_->read([&](app::StoreTx& tx) -> core::Status {
    inbox = *tx.getInbox(tenant_, api_inbox_);
    return {};
  }));
  auto moved = desk_->applyWatermarkStatus(inbox, "psid-1", core::DeliveryStatus::Read, watermark);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(*moved, 1);
  EXPECT_EQ(message(first->id).delivery_status, core::DeliveryStatus::Read);
  EXPECT_EQ(message(pending->id).delivery_status, core::DeliveryStatus::Pending);
  EXPECT_EQ(message(later->id).delivery_status, core::DeliveryStatus::Sent);
  EXPECT_EQ(message(theirs->id).delivery_status, core::DeliveryStatus::Sent);
  // An older delivery watermark never moves "read" back.
  EXPECT_EQ(*desk_->applyWatermarkStatus(inbox, "psid-1", core::DeliveryStatus::Delivered, watermark), 0);
  EXPECT_EQ(message(first->id).delivery_status, core::DeliveryStatus::Read);
  auto unknown = desk_->applyWatermarkStatus(inbox, "nobody", core::DeliveryStatus::Read, watermark);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::NotFound);
}

TEST_F(DeskServiceTest, MoreFilesThanAMessageCarriesGoOutAsMessagesInARow) {
  // A channel with one file per message (WhatsApp, Telegram, ...): the reply keeps the text, the
  // quote and the first file; every further file is a message of its own, sent in order.
  gateway_->files_per_message = 1;
  auto in = ingest(api_inbox_, "m1", {"c-1", "", "", "", true});
  const auto files = uploaded({"a.pdf", "b.jpg", "c.png"});
  events_.clear();
  app::ReplyInput input{"Ihre Unterlagen"};
  input.attachment_ids = files;
  input.reply_to_id = in.message_id;
  std::vector<core::Message> further;
  auto reply = desk_->reply(admin_, in.conversation_id, input, &further);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->text, "Ihre Unterlagen");
  EXPECT_EQ(reply->attachment_ids, std::vector<core::AttachmentId>{files[0]});
  EXPECT_EQ(reply->reply_to_id, in.message_id);
  ASSERT_EQ(further.size(), 2u);
  EXPECT_EQ(further[0].attachment_ids, std::vector<core::AttachmentId>{files[1]});
  EXPECT_EQ(further[1].attachment_ids, std::vector<core::AttachmentId>{files[2]});
  for (const auto& m : further) {
    EXPECT_EQ(m.text, "");
    EXPECT_FALSE(m.reply_to_id.valid());
    EXPECT_EQ(m.delivery_status, core::DeliveryStatus::Pending);
    EXPECT_GT(m.id.value, reply->id.value);
  }
  int created = 0;
  for (const auto& e : events_) created += e.type == "message.created";
  EXPECT_EQ(created, 3);

  ASSERT_EQ(outbox_->runOnce(), 3);
  const auto key = [](const core::Message& m) { return "parley-msg-" + std::to_string(m.id.value); };
  ASSERT_EQ(gateway_->delivered_payloads.size(), 3u);
  EXPECT_EQ(gateway_->delivered_payloads[0], "reply:Ihre Unterlagen:" + key(*reply) + ":a.pdf:quotes m1");
  EXPECT_EQ(gateway_->delivered_payloads[1], "reply::" + key(further[0]) + ":b.jpg");
  EXPECT_EQ(gateway_->delivered_payloads[2], "reply::" + key(further[1]) + ":c.png");
  for (const auto& m : further) EXPECT_EQ(message(m.id).delivery_status, core::DeliveryStatus::Sent);

  // A private note keeps its files together; so does a channel without a limit.
  const auto note_files = uploaded({"d.pdf", "e.pdf"});
  app::ReplyInput note{"intern", true};
  note.attachment_ids = note_files;
  further.clear();
  auto kept = desk_->reply(admin_, in.conversation_id, note, &further);
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_EQ(kept->attachment_ids, note_files);
  EXPECT_TRUE(further.empty());
}

TEST_F(DeskServiceTest, FirstResponseAndActivityLinesAreRecorded) {
  auto in = ingest(api_inbox_, "m1", {"c-1", "", "", "", true});
  clock_.advance(30'000);
  ASSERT_TRUE(desk_->reply(admin_, in.conversation_id, app::ReplyInput{"intern", true}).ok());
  auto view = desk_->viewConversation(admin_, in.conversation_id);
  EXPECT_EQ(view->conversation.first_response_at, 0) << "a private note is no response";
  ASSERT_TRUE(desk_->reply(admin_, in.conversation_id, app::ReplyInput{"Hallo"}).ok());
  view = desk_->viewConversation(admin_, in.conversation_id);
  EXPECT_EQ(view->conversation.first_response_at, clock_.now());
  app::ConversationPatch patch;
  patch.assignee_id = admin_.user_id;
  patch.status = core::ConversationStatus::Resolved;
  ASSERT_TRUE(desk_->updateConversation(admin_, in.conversation_id, patch).ok());
  auto messages = desk_->listMessages(admin_, in.conversation_id, core::MessageId{}, 50);
  int activities = 0;
  for (const auto& m : *messages) activities += m.direction == core::MessageDirection::Activity;
  EXPECT_EQ(activities, 2);  // assigned, resolved
  EXPECT_EQ(desk_->viewConversation(admin_, in.conversation_id)->conversation.resolved_at, clock_.now());
}

TEST_F(DeskServiceTest, SnoozingNeedsAFutureTimeAndLabelsAreNormalised) {
  auto in = ingest(api_inbox_, "m1", {"c-1", "", "", "", true});
  app::ConversationPatch snooze;
  snooze.status = core::ConversationStatus::Snoozed;
  EXPECT_EQ(desk_->updateConversation(admin_, in.conversation_id, snooze).error().code, core::ErrorCode::InvalidInput);
  app::ConversationPatch labels;
  labels.labels = std::vector<std::string>{" VIP", "billing", "vip"};
  auto c = desk_->updateConversation(admin_, in.conversation_id, labels);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->labels, (std::vector<std::string>{"billing", "vip"}));
  labels.labels = std::vector<std::string>{"no spaces allowed"};
  EXPECT_FALSE(desk_->updateConversation(admin_, in.conversation_id, labels).ok());
}

TEST_F(DeskServiceTest, EventsArePublishedAfterCommit) {
  ingest(api_inbox_, "m1", {"c-1", "", "", "", true});
  std::vector<std::string> types;
  for (const auto& e : events_) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"conversation.created", "message.created", "contact.updated"}));
}

}  // namespace

// --- threaded channels (e-mail) ----------------------------------------------------------------

namespace {

core::InboundMessage mail(core::InboxId inbox, std::string message_id, std::string from, std::vector<std::string> refs = {}) {
  core::InboundMessage in;
  in.inbox_id = inbox;
  in.external_id = std::move(message_id);
  in.contact.email = std::move(from);
  in.text = "Guten Tag";
  in.thread_refs = std::move(refs);
  in.new_conversation_unless_threaded = true;
  return in;
}

}  // namespace

TEST_F(DeskServiceTest, ANewMailOpensANewConversationAndAReplyJoinsItsThreadEvenWhenResolved) {
  auto first = desk_->ingest(mail(api_inbox_, "a@mail", "kunde@example.de"));
  ASSERT_TRUE(first.ok());
  auto second = desk_->ingest(mail(api_inbox_, "b@mail", "kunde@example.de"));
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->conversation_id, second->conversation_id) << "a new mail is a new case, even from the same sender";
  EXPECT_EQ(first->contact_id, second->contact_id);

  app::ConversationPatch resolve;
  resolve.status = core::ConversationStatus::Resolved;
  ASSERT_TRUE(desk_->updateConversation(admin_, first->conversation_id, resolve).ok());
  // A colleague of the customer answers in the thread: References name the first mail.
  auto reply = desk_->ingest(mail(api_inbox_, "c@mail", "kollegin@example.de", {"unknown@elsewhere", "a@mail"}));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->conversation_id, first->conversation_id);
  auto conversation = desk_->viewConversation(admin_, first->conversation_id);
  ASSERT_TRUE(conversation.ok());
  EXPECT_EQ(conversation->conversation.status, core::ConversationStatus::Open) << "the customer wrote again";
  EXPECT_NE(message(reply->message_id).sender_contact_id, first->contact_id) << "the message keeps its own sender";
}

TEST_F(DeskServiceTest, AConversationTokenThreadsOnlyInItsOwnInbox) {
  auto first = desk_->ingest(mail(api_inbox_, "a@mail", "kunde@example.de"));
  ASSERT_TRUE(first.ok());
  auto by_token = mail(api_inbox_, "d@mail", "kunde@example.de");
  by_token.thread_conversation_id = first->conversation_id;
  auto joined = desk_->ingest(by_token);
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->conversation_id, first->conversation_id);

  auto foreign = mail(other_inbox_, "e@mail", "kunde@example.de");
  foreign.thread_conversation_id = first->conversation_id;  // belongs to another inbox
  auto separate = desk_->ingest(foreign);
  ASSERT_TRUE(separate.ok());
  EXPECT_NE(separate->conversation_id, first->conversation_id);
  EXPECT_TRUE(separate->new_conversation);
}

TEST_F(DeskServiceTest, AnAutoReplyNeverReopensAndAnUnmatchedOneIsFiledResolved) {
  auto first = desk_->ingest(mail(api_inbox_, "a@mail", "kunde@example.de"));
  ASSERT_TRUE(first.ok());
  app::ConversationPatch resolve;
  resolve.status = core::ConversationStatus::Resolved;
  ASSERT_TRUE(desk_->updateConversation(admin_, first->conversation_id, resolve).ok());

  auto out_of_office = mail(api_inbox_, "ooo@mail", "kunde@example.de", {"a@mail"});
  out_of_office.automated = true;
  out_of_office.automated_label = "auto-reply";
  auto threaded = desk_->ingest(out_of_office);
  ASSERT_TRUE(threaded.ok());
  EXPECT_EQ(threaded->conversation_id, first->conversation_id);
  EXPECT_EQ(desk_->viewConversation(admin_, first->conversation_id)->conversation.status, core::ConversationStatus::Resolved);

  auto bounce = mail(api_inbox_, "dsn@mail", "mailer-daemon@example.de");
  bounce.automated = true;
  bounce.automated_label = "bounce";
  auto filed = desk_->ingest(bounce);
  ASSERT_TRUE(filed.ok());
  EXPECT_TRUE(filed->new_conversation);
  auto view = desk_->viewConversation(admin_, filed->conversation_id);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->conversation.status, core::ConversationStatus::Resolved) << "nobody has to answer a bounce";
  EXPECT_EQ(view->conversation.labels, std::vector<std::string>{"bounce"});
}

TEST_F(DeskServiceTest, AnAgentsStatusIsStoredAndAnnouncedToTheTenant) {
  events_.clear();
  auto user = desk_->setAvailability(admin_, core::Availability::Available);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->availability, core::Availability::Available);
  EXPECT_TRUE(user->password_hash.empty()) << "the event carries no password hash";
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].type, "user.availability");
  EXPECT_FALSE(events_[0].inbox_id.has_value()) << "every desk of the tenant hears it";
  core::User stored;
  ASSERT_TRUE(store_->read([&](app::StoreTx& tx) -> core::Status {
    stored = *tx.getUser(tenant_, admin_.user_id);
    return {};
  }));
  EXPECT_EQ(stored.availability, core::Availability::Available);

  // The same status again changes nothing: no event, the time it was set stays.
  const auto since = stored.availability_changed_at;
  clock_.advance(60'000);
  events_.clear();
  auto again = desk_->setAvailability(admin_, core::Availability::Available);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->availability_changed_at, since);
  EXPECT_TRUE(events_.empty());
}

TEST_F(DeskServiceTest, APublicPostOpensAPublicThreadThatPrivateMessagesNeverJoin) {
  // An X mention: public, one conversation per thread.
  core::InboundMessage mention;
  mention.inbox_id = api_inbox_;
  mention.external_id = "9007199254740993101";
  mention.contact.external_id = "3001969357";
  mention.text = "@shop my order never arrived";
  mention.is_public = true;
  mention.new_conversation_unless_threaded = true;
  auto opened = desk_->ingest(mention);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto view = desk_->viewConversation(admin_, opened->conversation_id);
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->conversation.is_public);

  // The customer's reply in the thread joins it.
  core::InboundMessage in_thread = mention;
  in_thread.external_id = "9007199254740993102";
  in_thread.thread_refs = {"9007199254740993101"};
  auto joined = desk_->ingest(in_thread);
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->conversation_id, opened->conversation_id);

  // A direct message from the same person is private: a conversation of its own, not the thread.
  auto direct = ingest(api_inbox_, "dm-1", {"3001969357", "", "", "", true}, "the details");
  EXPECT_NE(direct.conversation_id, opened->conversation_id);
  EXPECT_EQ(direct.contact_id, opened->contact_id) << "one person, two conversations";
  auto private_view = desk_->viewConversation(admin_, direct.conversation_id);
  ASSERT_TRUE(private_view.ok());
  EXPECT_FALSE(private_view->conversation.is_public);
  EXPECT_EQ(ingest(api_inbox_, "dm-2", {"3001969357", "", "", "", true}, "more").conversation_id, direct.conversation_id);

  // A new post outside the thread opens a new public conversation, never the private one.
  core::InboundMessage other = mention;
  other.external_id = "9007199254740993200";
  auto second = desk_->ingest(other);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->conversation_id, opened->conversation_id);
  EXPECT_NE(second->conversation_id, direct.conversation_id);
  // ... and the customer's next DM still continues the private chat, not the newer thread.
  EXPECT_EQ(ingest(api_inbox_, "dm-3", {"3001969357", "", "", "", true}, "again").conversation_id, direct.conversation_id);
}

// Messenger's messaging_referrals on an existing thread (the customer opened the chat again from an
// m.me link): Meta resets its 24-hour window, so the desk does too; the agent sees a line, not a
// customer message; a redelivery adds nothing; a customer never seen before gets a contact and
// a conversation as for a first message.
TEST_F(DeskServiceTest, ACustomerActivityIsALineThatReopensTheMessengerWindow) {
  core::InboxId messenger;
  ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
    messenger = addInbox(tx, "Messenger", core::ChannelKind::Messenger);
    return {};
  }));
  constexpr core::TimestampMs kDay = 24LL * 3600 * 1000;
  core::InboundMessage wrote;
  wrote.inbox_id = messenger;
  wrote.external_id = "m_old";
  wrote.contact = {"1254459154682919", "", "", "", true};
  wrote.text = "where is my order?";
  wrote.sent_at = clock_.now();
  auto first = desk_->ingest(wrote);
  ASSERT_TRUE(first.ok()) << first.error().message;
  clock_.advance(6 * kDay);

  core::InboundMessage referral;
  referral.inbox_id = messenger;
  referral.external_id = "referral:1254459154682919:" + std::to_string(clock_.now());
  referral.contact = {"1254459154682919", "", "", "", true};
  referral.activity = true;
  referral.sent_at = clock_.now();
  referral.text = "The customer opened the conversation from an m.me link (ref summer, SHORTLINK)";
  referral.payload_json = R"({"activity":"referral","by":"","ref":"summer","source":"SHORTLINK"})";
  auto line = desk_->ingest(referral);
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(line->conversation_id, first->conversation_id);
  EXPECT_FALSE(line->new_contact);
  const auto stored = message(line->message_id);
  EXPECT_EQ(stored.direction, core::MessageDirection::Activity);
  EXPECT_FALSE(stored.sender_contact_id.valid());
  EXPECT_EQ(stored.text, referral.text);
  auto conversation = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.getConversation(tenant_, line->conversation_id); });
  ASSERT_TRUE(conversation.ok());
  EXPECT_EQ(conversation->last_incoming_at, clock_.now());  // the window runs 24 hours from now again

  auto again = desk_->ingest(referral);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->message_id, line->message_id);

  referral.external_id = "referral:999:" + std::to_string(clock_.now());
  referral.contact = {"999", "", "", "", true};
  auto stranger = desk_->ingest(referral);
  ASSERT_TRUE(stranger.ok()) << stranger.error().message;
  EXPECT_TRUE(stranger->new_contact);
  EXPECT_TRUE(stranger->new_conversation);
  EXPECT_EQ(message(stranger->message_id).direction, core::MessageDirection::Activity);
}

// An unsend that names its author (X's tweet_delete_events name who deleted the post) takes back
// only a message that person wrote, also after their contact was merged into another.
TEST_F(DeskServiceTest, AnUnsendNamingItsAuthorTakesBackOnlyThatAuthorsMessage) {
  core::InboxId x_inbox;
  ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
    x_inbox = addInbox(tx, "X", core::ChannelKind::X);
    return {};
  }));
  auto box = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.getInbox(tenant_, x_inbox); });
  ASSERT_TRUE(box.ok());
  core::InboundMessage post;
  post.inbox_id = x_inbox;
  post.external_id = "1050118621198921728";
  post.contact = {"3284025577", "Ann", "", "", true};
  post.text = "@Shop my address is Gartenweg 12";
  post.is_public = true;
  auto stored = desk_->ingest(post);
  ASSERT_TRUE(stored.ok()) << stored.error().message;

  core::InboundEdit deleted{"3001969357", "1050118621198921728", "", 1539202800000, true, "999"};
  auto by_someone_else = desk_->applyEdit(*box, deleted);
  ASSERT_FALSE(by_someone_else.ok());
  EXPECT_EQ(by_someone_else.error().code, core::ErrorCode::NotFound);
  EXPECT_EQ(message(stored->message_id).text, post.text);

  // The author's contact merged into another: still theirs.
  auto other = ingest(api_inbox_, "m-merge", {"crm-3284025577", "Ann B.", "", "", true});
  ASSERT_TRUE(desk_->mergeContacts(admin_, other.contact_id, stored->contact_id).ok());
  deleted.author_external_id = "3284025577";
  ASSERT_TRUE(desk_->applyEdit(*box, deleted).ok());
  EXPECT_EQ(message(stored->message_id).text, "");
  EXPECT_NE(message(stored->message_id).payload_json.find("unsent_at"), std::string::npos);

  deleted.provider_message_id = "no-such-post";
  auto unknown = desk_->applyEdit(*box, deleted);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::NotFound);
}
