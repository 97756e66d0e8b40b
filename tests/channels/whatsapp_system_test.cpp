// WhatsApp "system" messages (the customer changed their number or their security code) against
// Meta's example and the older documented spelling (tests/channels/whatsapp/fixtures/README.md):
// what the desk needs to keep the customer's timeline, and a clear 400 for a bad shape.
#include <gtest/gtest.h>

#include <string>

#include "channels/whatsapp/whatsapp_codec.hpp"
#include "codec_fixtures.hpp"

namespace wa = parley::channels::whatsapp;
namespace core = parley::core;
using Kind = parley::app::CustomerAccountChange::Kind;

namespace {

wa::WebhookBatch parseFixture(const std::string& name) {
  return parley::test::parsedOr(wa::parseWebhookBatch(parley::test::readFixture("whatsapp", name)), name);
}

// One system message object in Meta's envelope (system webhooks carry no contacts array).
std::string systemWebhook(const std::string& message_json) {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"messages":[)" +
         message_json + "]}}]}]}";
}

wa::SystemChange onlyChange(const wa::WebhookBatch& parsed) {
  EXPECT_TRUE(parsed.batch.messages.empty()) << "a system change is no message";
  EXPECT_EQ(parsed.system_changes.size(), 1u);
  return parsed.system_changes.empty() ? wa::SystemChange{} : parsed.system_changes.front();
}

// The change in a webhook around one system message object.
wa::SystemChange changeOf(const std::string& message_json) {
  return onlyChange(parley::test::parsedOr(wa::parseWebhookBatch(systemWebhook(message_json)), message_json));
}

}  // namespace

TEST(WhatsAppSystem, MetasExampleNumberChangeNamesTheOldAndTheNewNumber) {
  const auto system = onlyChange(parseFixture("doc_system_user_changed_number"));
  EXPECT_EQ(system.account_id, "106540352242922");
  EXPECT_EQ(system.change.kind, Kind::NumberChanged);
  EXPECT_EQ(system.change.message_id, "wamid.HBgLMTk4MzU1NTE5NzQVAgASGAoxMTgyMDg2MjY3AA==");
  EXPECT_EQ(system.change.external_id, "16505551234");
  EXPECT_EQ(system.change.old_phone, "+16505551234");
  EXPECT_EQ(system.change.new_external_id, "12195555358");
  EXPECT_EQ(system.change.new_phone, "+12195555358");
  EXPECT_EQ(system.change.text, "User Sheena Nelson changed from 16505551234 to 12195555358");
  EXPECT_EQ(system.change.provider_type, "user_changed_number");
}

TEST(WhatsAppSystem, OlderSpellingWithNewWaIdAndCustomerIsTheSameChange) {
  const auto system = onlyChange(parseFixture("system_customer_changed_number_v11"));
  EXPECT_EQ(system.change.kind, Kind::NumberChanged);
  EXPECT_EQ(system.change.external_id, "16505551234");
  EXPECT_EQ(system.change.new_external_id, "12195555358");
  EXPECT_EQ(system.change.new_phone, "+12195555358");
  EXPECT_EQ(system.change.provider_type, "customer_changed_number");

  // Only system.customer names the customer (no `from`); a '+' is the same number.
  const auto customer_only = changeOf(
      R"({"id":"wamid.c1","type":"system","system":{"type":"customer_changed_number","customer":"+16505551234","new_wa_id":"+12195555358"}})");
  EXPECT_EQ(customer_only.change.external_id, "16505551234");
  EXPECT_EQ(customer_only.change.new_external_id, "12195555358");
  EXPECT_EQ(customer_only.change.text, "");  // no sentence: the desk words the line itself
}

TEST(WhatsAppSystem, ASecurityCodeChangeIsALineOnly) {
  const auto system = onlyChange(parseFixture("system_customer_identity_changed"));
  EXPECT_EQ(system.change.kind, Kind::IdentityChanged);
  EXPECT_EQ(system.change.external_id, "16505551234");
  EXPECT_EQ(system.change.new_external_id, "");
  EXPECT_EQ(system.change.text, "Sheena Nelson's security code changed");

  const auto newer =
      changeOf(R"({"from":"16505551234","id":"wamid.i2","type":"system","system":{"type":"user_identity_changed","body":"x"}})");
  EXPECT_EQ(newer.change.kind, Kind::IdentityChanged);
}

TEST(WhatsAppSystem, ABusinessScopedUserIdChangeGivesTheContactItsNewId) {
  // System messages reference and changelog (11 Aug 2026): "user_changed_user_id — the user's
  // BSUID changed. The notification reports only the BSUID change; no phone number is included",
  // with system.previous_user_id and previous_parent_user_id beside the new values.
  const auto system = onlyChange(parseFixture("doc_system_user_changed_user_id"));
  EXPECT_EQ(system.change.kind, Kind::NumberChanged);  // a new channel id for the same contact
  EXPECT_EQ(system.change.external_id, "US.13491208655302741918");
  EXPECT_EQ(system.change.new_external_id, "US.20017359927731605123");
  EXPECT_EQ(system.change.old_phone, "");
  EXPECT_EQ(system.change.new_phone, "");
  EXPECT_EQ(system.change.provider_type, "user_changed_user_id");
  EXPECT_EQ(system.change.text, "User Sheena Nelson changed from US.13491208655302741918 to US.20017359927731605123");

  // No `from` at all (no number may be shared), the new id only as from_user_id, no sentence.
  const auto bare = changeOf(
      R"({"from_user_id":"US.2","id":"wamid.u2","timestamp":"1750269342","type":"system","system":{"type":"user_changed_user_id","previous_user_id":"US.1"}})");
  EXPECT_EQ(bare.change.external_id, "US.1");
  EXPECT_EQ(bare.change.new_external_id, "US.2");
  EXPECT_EQ(bare.change.text, "The customer's WhatsApp user id changed from US.1 to US.2");

  auto missing = wa::parseWebhookBatch(systemWebhook(
      R"({"id":"wamid.u3","type":"system","system":{"type":"user_changed_user_id","user_id":"US.2"}})"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("messages[0].system.previous_user_id"), std::string::npos) << missing.error().message;
}

TEST(WhatsAppSystem, AnUnknownSystemTypeStaysAnInformationalMessage) {
  // A system type Parley does not act on: no change of the contact, kept as before (Meta's sentence).
  auto parsed = wa::parseWebhookBatch(systemWebhook(
      R"({"from":"16505551234","id":"wamid.u1","timestamp":"1750269342","type":"system","system":{"type":"user_changed_something","body":"User ID changed"}})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->system_changes.empty());
  ASSERT_EQ(parsed->batch.messages.size(), 1u);
  EXPECT_EQ(parsed->batch.messages[0].kind, core::MessageKind::Unsupported);
  EXPECT_EQ(parsed->batch.messages[0].text, "User ID changed");
  EXPECT_EQ(parsed->batch.messages[0].contact.external_id, "16505551234");
}

TEST(WhatsAppSystem, BadShapesAreRefusedNamingTheField) {
  struct Case {
    const char* message;
    const char* mentions;
  };
  const Case cases[] = {
      {R"({"from":"16505551234","id":"wamid.b1","type":"system"})", "messages[0].system: required"},
      {R"({"from":"16505551234","id":"wamid.b2","type":"system","system":"changed"})", "messages[0].system"},
      {R"({"from":"16505551234","id":"wamid.b3","type":"system","system":{"type":"user_changed_number","body":"x"}})",
       "messages[0].system.wa_id"},
      {R"({"from":"16505551234","id":"wamid.b4","type":"system","system":{"type":"user_changed_number","wa_id":{"n":1}}})",
       "messages[0].system.wa_id"},
      {R"({"from":"16505551234","id":"wamid.b5","type":"system","system":{"type":"user_changed_number","wa_id":"1","body":5}})",
       "messages[0].system.body"},
      {R"({"id":"wamid.b6","type":"system","system":{"type":"user_changed_number","wa_id":"12195555358"}})", "messages[0].from"},
      {R"({"from":"16505551234","type":"system","system":{"type":"user_changed_number","wa_id":"12195555358"}})", "messages[0].id"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    auto r = wa::parseWebhookBatch(systemWebhook(c.message));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput);
    EXPECT_NE(r.error().message.find(c.mentions), std::string::npos) << r.error().message;
  }
}
