// The desk with a WhatsApp inbox on a real SQLite store and a manual clock: the synced
// templates kept in the inbox's channel state are what a template reply is checked against,
// the stored message reads as the rendered body and keeps the template, nothing is stored when
// it does not fit, and the 24-hour customer-service window decides whether free text may go.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <random>

#include "app/desk_service.hpp"
#include "bus/in_process_bus.hpp"
#include "channels/whatsapp/whatsapp_gateway.hpp"
#include "channels/whatsapp/whatsapp_templates.hpp"
#include "core/customer_window.hpp"
#include "store/open_store.hpp"

namespace {

using namespace parley;
namespace wa = channels::whatsapp;
namespace json = boost::json;

constexpr core::TimestampMs kHour = 3600 * 1000;

class WhatsAppTemplatesDesk : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("parley-watpl-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    auto opened = store::openStore("sqlite://" + (dir_ / "p.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    app::ChannelGateways gateways{{core::ChannelKind::WhatsApp, std::make_shared<wa::WhatsAppGateway>(dir_ / "files")}};
    desk_ = std::make_unique<app::DeskService>(*store_, bus_, clock_, gateways);
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
      tenant_ = *tx.createTenant(core::Tenant{{}, "Shop", clock_.now()});
      core::User admin;
      admin.tenant_id = tenant_;
      admin.email = "admin@shop.test";
      admin.name = "Admin";
      admin.role = core::Role::Admin;
      admin_ = {*tx.createUser(admin), tenant_, core::Role::Admin, {}};
      core::Inbox whatsapp;
      whatsapp.tenant_id = tenant_;
      whatsapp.name = "WhatsApp";
      whatsapp.channel = core::ChannelKind::WhatsApp;
      whatsapp.config_json = R"({"phone_number_id":"106540352242922","access_token":"t","app_secret":"s",)"
                             R"("verify_token":"v","business_account_id":"102290129340398"})";
      whatsapp_ = *tx.createInbox(whatsapp);
      core::Inbox api;
      api.tenant_id = tenant_;
      api.name = "API";
      api.callback_url = "http://127.0.0.1:9/x";
      api_ = *tx.createInbox(api);
      wa::StoredTemplates stored;
      stored.synced_at = stored.last_attempt_at = clock_.now();
      wa::MessageTemplate order;
      order.name = "order_update";
      order.language = "de";
      order.status = "APPROVED";
      order.category = "UTILITY";
      order.body = {"", "Hallo {{1}}, Ihre Bestellung {{2}} ist unterwegs.", {"1", "2"}};
      stored.templates.push_back(order);
      return tx.setChannelState(whatsapp_, wa::kTemplatesStateKey, wa::serializeStoredTemplates(stored), clock_.now());
    }).ok());
  }
  void TearDown() override {
    desk_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  core::ConversationId customerWrites(core::InboxId inbox, const std::string& id) {
    core::InboundMessage in;
    in.inbox_id = inbox;
    in.external_id = id;
    in.contact.phone = "+4915112345678";
    in.contact.external_id = "4915112345678";
    in.contact.verified = true;
    in.text = "Wo bleibt mein Paket?";
    auto r = desk_->ingest(in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r->conversation_id;
  }

  std::size_t messageCount(core::ConversationId id) {
    auto list = desk_->listMessages(admin_, id, core::MessageId{0}, 100);
    return list ? list->size() : 0;
  }

  app::ReplyInput templateReply(std::vector<std::string> body) {
    app::ReplyInput input;
    input.template_reply = app::TemplateReply{"order_update", "de", {}, std::move(body), {}};
    return input;
  }

  std::filesystem::path dir_;
  app::ManualClock clock_{1'764'547'200'000};
  std::unique_ptr<app::Store> store_;
  bus::InProcessBus bus_{1};
  std::unique_ptr<app::DeskService> desk_;
  core::TenantId tenant_;
  core::Actor admin_;
  core::InboxId whatsapp_, api_;
};

TEST_F(WhatsAppTemplatesDesk, TemplateReplyIsStoredAsTheRenderedBodyWithTheTemplateInItsPayload) {
  const auto conversation = customerWrites(whatsapp_, "wamid.1");
  auto sent = desk_->reply(admin_, conversation, templateReply({"Jana", "4711"}));
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(sent->text, "Hallo Jana, Ihre Bestellung 4711 ist unterwegs.");
  EXPECT_EQ(sent->kind, core::MessageKind::Template);
  auto payload = json::parse(sent->payload_json);
  EXPECT_EQ(payload.at("template").at("name").as_string(), "order_update");
  EXPECT_EQ(payload.at("template").at("parameters").at("body"), json::parse(R"(["Jana","4711"])"));
  // The outbox holds the send; the message reads back the same from the store.
  auto stored = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.getMessage(tenant_, sent->id); });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->text, sent->text);
  auto due = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.dueOutbox(clock_.now(), 10, {}); });
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_NE(due->front().payload.find("template_payload"), std::string::npos);
}

TEST_F(WhatsAppTemplatesDesk, TemplatesThatDoNotFitStoreNothing) {
  const auto conversation = customerWrites(whatsapp_, "wamid.2");
  const auto before = messageCount(conversation);
  auto wrong = desk_->reply(admin_, conversation, templateReply({"Jana"}));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, core::ErrorCode::InvalidInput);
  EXPECT_NE(wrong.error().message.find("expects 2 body parameters, 1 given"), std::string::npos) << wrong.error().message;
  auto unknown = templateReply({"Jana", "4711"});
  unknown.template_reply->language = "en_US";
  EXPECT_EQ(desk_->reply(admin_, conversation, unknown).error().code, core::ErrorCode::InvalidInput);
  auto with_text = templateReply({"Jana", "4711"});
  with_text.text = "Hallo";
  EXPECT_EQ(desk_->reply(admin_, conversation, with_text).error().code, core::ErrorCode::InvalidInput);
  EXPECT_EQ(messageCount(conversation), before);

  // Another channel has no templates.
  const auto api_conversation = customerWrites(api_, "api-1");
  auto elsewhere = desk_->reply(admin_, api_conversation, templateReply({"Jana", "4711"}));
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, core::ErrorCode::InvalidInput);
  EXPECT_NE(elsewhere.error().message.find("WhatsApp"), std::string::npos);
}

TEST_F(WhatsAppTemplatesDesk, FreeTextNeedsTheCustomerWindowTemplatesAndNotesDoNot) {
  const auto conversation = customerWrites(whatsapp_, "wamid.3");
  auto view = desk_->viewConversation(admin_, conversation);
  ASSERT_TRUE(view.ok());
  ASSERT_TRUE(view->conversation.customer_window_expires_at.has_value());
  EXPECT_EQ(*view->conversation.customer_window_expires_at, clock_.now() + 24 * kHour);

  app::ReplyInput text;
  text.text = "Ist unterwegs!";
  clock_.advance(23 * kHour);
  EXPECT_TRUE(desk_->reply(admin_, conversation, text).ok());

  clock_.advance(2 * kHour);  // 25 hours after the customer's message
  const auto before = messageCount(conversation);
  auto closed = desk_->reply(admin_, conversation, text);
  ASSERT_FALSE(closed.ok());
  EXPECT_TRUE(app::isCustomerWindowClosed(closed.error()));
  EXPECT_NE(closed.error().message.find("template"), std::string::npos);
  EXPECT_EQ(messageCount(conversation), before);
  app::ReplyInput note;
  note.text = "Kunde morgen anrufen";
  note.private_note = true;
  EXPECT_TRUE(desk_->reply(admin_, conversation, note).ok());
  EXPECT_TRUE(desk_->reply(admin_, conversation, templateReply({"Jana", "4711"})).ok());

  // The customer writes again: the window opens again, for 24 hours from now.
  customerWrites(whatsapp_, "wamid.4");
  EXPECT_TRUE(desk_->reply(admin_, conversation, text).ok());
  app::ConversationFilter filter;
  auto listed = desk_->listConversations(admin_, filter);
  ASSERT_TRUE(listed.ok());
  for (const auto& c : *listed) {
    if (c.inbox_id == whatsapp_) {
      EXPECT_EQ(c.customer_window_expires_at, clock_.now() + 24 * kHour);
    }
    if (c.inbox_id == api_) {
      EXPECT_FALSE(c.customer_window_expires_at.has_value());
    }
  }
}

TEST(CustomerWindow, WhichChannelsHaveOne) {
  core::Inbox inbox;
  const core::TimestampMs wrote = 1'000'000;
  for (auto channel : {core::ChannelKind::WhatsApp, core::ChannelKind::Messenger, core::ChannelKind::Instagram}) {
    inbox.channel = channel;
    EXPECT_EQ(core::customerWindowExpiresAt(inbox, wrote), wrote + 24 * kHour);
    EXPECT_FALSE(core::customerWindowExpiresAt(inbox, 0).has_value());  // never wrote: closed
    EXPECT_FALSE(core::customerWindowOpen(inbox, 0, wrote));
    EXPECT_TRUE(core::customerWindowOpen(inbox, wrote, wrote + 24 * kHour - 1));
    EXPECT_FALSE(core::customerWindowOpen(inbox, wrote, wrote + 24 * kHour));
  }
  inbox.channel = core::ChannelKind::Twilio;
  inbox.config_json = R"({"account_sid":"AC1","phone_number" : "whatsapp:+14155550100"})";
  EXPECT_TRUE(core::hasCustomerWindow(inbox));
  inbox.config_json = R"({"account_sid":"AC1","phone_number":"+14155550100"})";
  EXPECT_FALSE(core::hasCustomerWindow(inbox));
  EXPECT_TRUE(core::customerWindowOpen(inbox, 0, wrote));
  for (auto channel : {core::ChannelKind::Api, core::ChannelKind::Telegram, core::ChannelKind::Email, core::ChannelKind::WebChat}) {
    inbox.channel = channel;
    EXPECT_FALSE(core::customerWindowExpiresAt(inbox, wrote).has_value());
  }
}

}  // namespace
