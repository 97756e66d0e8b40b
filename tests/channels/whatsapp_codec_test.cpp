// The WhatsApp Cloud API codec against fixtures written from Meta's documentation
// (tests/channels/whatsapp/fixtures/README.md lists the page of each) and against generated
// adversarial input. What is asserted is what a user of the desk would notice: who wrote, what
// they wrote, which message it answers, what happened to a reply, and that nothing crashes.
#include "channels/whatsapp/whatsapp_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/delivery.hpp"
#include "codec_fixtures.hpp"

namespace wa = parley::channels::whatsapp;
namespace core = parley::core;
namespace json = boost::json;
using Outcome = parley::app::DeliveryResult::Outcome;

namespace {

std::string readFixture(const std::string& name) { return parley::test::readFixture("whatsapp", name); }

core::InboundBatch parseFixture(const std::string& name) {
  return parley::test::parsedOr(wa::parseWebhook(readFixture(name)), name);
}

using parley::test::onlyMessage;

using parley::test::payloadOf;

// A minimal authentic-looking webhook around one message object (given as JSON text).
std::string webhookWithMessage(const std::string& message_json, const std::string& contacts_json =
                                   R"([{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}])") {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":)" +
         contacts_json + R"(,"messages":[)" + message_json + "]}}]}]}";
}

void expectInvalid(const std::string& body, const std::string& mentions = "") {
  auto r = wa::parseWebhook(body);
  ASSERT_FALSE(r.ok()) << "accepted: " << body.substr(0, 300);
  EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
  if (!mentions.empty()) {
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
  }
}

}  // namespace

// ---- every documented kind ------------------------------------------------------------------------

TEST(WhatsAppWebhook, TextMessageWithSenderAccountAndTime) {
  const auto batch = parseFixture("text");
  const auto& m = onlyMessage(batch);
  EXPECT_EQ(m.kind, core::MessageKind::Text);
  EXPECT_EQ(m.text, "Does it come in another color?");
  EXPECT_EQ(m.external_id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=");
  EXPECT_EQ(m.account_id, "106540352242922");  // metadata.phone_number_id routes to the inbox
  EXPECT_FALSE(m.inbox_id.valid());             // the caller fills it from account_id
  EXPECT_EQ(m.contact.external_id, "16505551234");
  EXPECT_EQ(m.contact.phone, "+16505551234");
  EXPECT_EQ(m.contact.name, "Sheena Nelson");
  EXPECT_TRUE(m.contact.verified);
  EXPECT_EQ(m.sent_at, 1749416383000);
  EXPECT_EQ(m.payload_json, "{}");
  EXPECT_TRUE(m.media.empty());
  EXPECT_TRUE(m.reply_to_external_id.empty());
  EXPECT_FALSE(m.echo);
  EXPECT_TRUE(batch.statuses.empty());
  EXPECT_EQ(batch.ignored, 0);
}

TEST(WhatsAppWebhook, MediaKindsKeepTheMediaIdHashTypeCaptionAndFilename) {
  struct Case {
    const char* fixture;
    core::MessageKind kind;
    const char* media_id;
    const char* mime;
    const char* sha256;
    const char* caption;
    const char* filename;
  };
  const Case cases[] = {
      {"image", core::MessageKind::Image, "1003383421387256", "image/jpeg", "NOgxI+CYOwmpuaO8ZqX0MuxKoUYVp/WbPbmGDIPJ2Pc=",
       "This is a caption", ""},
      {"audio", core::MessageKind::Audio, "1003383421387257", "audio/ogg; codecs=opus",
       "uiVxM4BKPTJDMyE4gMVTHBTIrpaBo8mbRz9MT2wGxWk=", "", ""},
      {"video", core::MessageKind::Video, "1003383421387258", "video/mp4", "c5a2Zh6Q5xVxE8K/3mIeO/TwJkcIdhGnHtfLLvlT2WE=",
       "Our new couch", ""},
      {"document", core::MessageKind::Document, "1003383421387259", "application/pdf",
       "7mTuLVe6ZrWkBwLpBaKgFq0Ze0GBs2sIYhBfEtkAwa8=", "Invoice 2025-07", "invoice_2025_07.pdf"},
      {"sticker", core::MessageKind::Sticker, "1003383421387260", "image/webp",
       "ZNg0pwgdQfq8FmUd6BLc7DmUCQdY0x0vFjxtmVNTclg=", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fixture);
    const auto batch = parseFixture(c.fixture);
    const auto& m = onlyMessage(batch);
    EXPECT_EQ(m.kind, c.kind);
    ASSERT_EQ(m.media.size(), 1u);
    EXPECT_EQ(m.media[0].provider_ref, c.media_id);
    EXPECT_EQ(m.media[0].mime_type, c.mime);
    EXPECT_EQ(m.media[0].sha256, c.sha256);
    EXPECT_EQ(m.media[0].filename, c.filename);
    EXPECT_EQ(m.text, c.caption);
    EXPECT_TRUE(m.attachment_ids.empty());  // nothing is downloaded by the codec
    EXPECT_EQ(m.contact.name, "Sheena Nelson");
  }
  EXPECT_TRUE(payloadOf(onlyMessage(parseFixture("audio"))).at("voice").as_bool());
  EXPECT_FALSE(payloadOf(onlyMessage(parseFixture("sticker"))).at("animated").as_bool());
}

TEST(WhatsAppWebhook, LocationWithNameAndAddress) {
  const auto& m = onlyMessage(parseFixture("location"));
  EXPECT_EQ(m.kind, core::MessageKind::Location);
  ASSERT_TRUE(m.latitude && m.longitude);
  EXPECT_DOUBLE_EQ(*m.latitude, 37.483253479004);
  EXPECT_DOUBLE_EQ(*m.longitude, -122.14960479736);
  EXPECT_EQ(m.location_name, "Philz Coffee, 1 Hacker Way, Menlo Park, CA 94025");
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("location").at("name").as_string(), "Philz Coffee");
  EXPECT_EQ(p.at("location").at("address").as_string(), "1 Hacker Way, Menlo Park, CA 94025");
  EXPECT_EQ(p.at("location").at("url").as_string(), "https://philzcoffee.com/");
}

TEST(WhatsAppWebhook, SharedContactsKeptWholeInThePayload) {
  const auto& m = onlyMessage(parseFixture("contacts"));
  EXPECT_EQ(m.kind, core::MessageKind::Contacts);
  EXPECT_EQ(m.text, "Barbara J. Johnson");
  const auto p = payloadOf(m);
  const auto& card = p.at("contacts").as_array().at(0).as_object();
  EXPECT_EQ(card.at("phones").as_array().at(0).at("wa_id").as_string(), "16505551234");
  EXPECT_EQ(card.at("emails").as_array().at(0).at("email").as_string(), "bjohnson@luckyshrub.com");
  EXPECT_EQ(card.at("org").at("company").as_string(), "Lucky Shrub");
  // The sender is still the customer, not the shared card.
  EXPECT_EQ(m.contact.external_id, "16505551234");
  EXPECT_EQ(m.contact.name, "Sheena Nelson");
}

TEST(WhatsAppWebhook, ButtonAndListRepliesAreInteractiveWithIdAndTitle) {
  {
    const auto& m = onlyMessage(parseFixture("interactive_button_reply"));
    EXPECT_EQ(m.kind, core::MessageKind::Interactive);
    EXPECT_EQ(m.text, "Change");
    const auto p = payloadOf(m);
    EXPECT_EQ(p.at("interactive_type").as_string(), "button_reply");
    EXPECT_EQ(p.at("id").as_string(), "change-button");
    EXPECT_EQ(p.at("title").as_string(), "Change");
    EXPECT_EQ(m.reply_to_external_id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI4NTQ0QjMzN0IzMEM0QjdBMjcA");
  }
  {
    const auto& m = onlyMessage(parseFixture("interactive_list_reply"));
    EXPECT_EQ(m.kind, core::MessageKind::Interactive);
    EXPECT_EQ(m.text, "Express Shipping");
    const auto p = payloadOf(m);
    EXPECT_EQ(p.at("interactive_type").as_string(), "list_reply");
    EXPECT_EQ(p.at("id").as_string(), "priority_express");
    EXPECT_EQ(p.at("description").as_string(), "Next Day to 2 Days");
  }
  {
    const auto& m = onlyMessage(parseFixture("button"));  // a template's quick-reply button
    EXPECT_EQ(m.kind, core::MessageKind::Interactive);
    EXPECT_EQ(m.text, "Unsubscribe from promos");
    const auto p = payloadOf(m);
    EXPECT_EQ(p.at("interactive_type").as_string(), "button");
    EXPECT_EQ(p.at("payload").as_string(), "Unsubscribe from promos");
    EXPECT_EQ(p.at("title").as_string(), "Unsubscribe from promos");
  }
  {
    const auto& m = onlyMessage(parseFixture("interactive_nfm_reply"));  // a completed Flow
    EXPECT_EQ(m.kind, core::MessageKind::Interactive);
    EXPECT_EQ(m.text, "Sent");
    const auto p = payloadOf(m);
    EXPECT_EQ(p.at("interactive_type").as_string(), "nfm_reply");
    EXPECT_NE(p.at("response_json").as_string().find("appointment_date"), std::string::npos);
  }
}

TEST(WhatsAppWebhook, ReactionsPointAtTheReactedMessageAndRemovalHasNoEmoji) {
  const std::string target = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI4NTQ0QjMzN0IzMEM0QjdBMjcA";
  {
    const auto& m = onlyMessage(parseFixture("reaction"));
    EXPECT_EQ(m.kind, core::MessageKind::Reaction);
    EXPECT_EQ(m.text, "\xF0\x9F\x91\x8D");  // 👍
    EXPECT_EQ(m.reply_to_external_id, target);
    const auto p = payloadOf(m);
    EXPECT_EQ(p.at("emoji").as_string(), "\xF0\x9F\x91\x8D");
    EXPECT_EQ(p.at("message_id").as_string(), target);
    EXPECT_FALSE(p.at("removed").as_bool());
  }
  {
    const auto& m = onlyMessage(parseFixture("reaction_removed"));
    EXPECT_EQ(m.kind, core::MessageKind::Reaction);
    EXPECT_EQ(m.text, "");
    EXPECT_EQ(m.reply_to_external_id, target);
    const auto p = payloadOf(m);
    EXPECT_EQ(p.at("emoji").as_string(), "");
    EXPECT_TRUE(p.at("removed").as_bool());
  }
  // The older form of a removal: an empty emoji string.
  auto r = wa::parseWebhook(webhookWithMessage(
      R"({"from":"16505551234","id":"wamid.R3","timestamp":"1","type":"reaction","reaction":{"message_id":"wamid.X","emoji":""}})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(payloadOf(onlyMessage(*r)).at("removed").as_bool());
}

TEST(WhatsAppWebhook, QuotedRepliesForwardsAndAdReferrals) {
  EXPECT_EQ(onlyMessage(parseFixture("context_reply")).reply_to_external_id,
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI4NTQ0QjMzN0IzMEM0QjdBMjcA");
  const auto& forwarded = onlyMessage(parseFixture("forwarded"));
  EXPECT_TRUE(forwarded.reply_to_external_id.empty());
  EXPECT_TRUE(payloadOf(forwarded).at("forwarded").as_bool());
  const auto& ad = onlyMessage(parseFixture("referral"));
  EXPECT_EQ(ad.kind, core::MessageKind::Text);
  EXPECT_EQ(ad.text, "Can I get more info about this?");
  const auto p = payloadOf(ad);
  EXPECT_EQ(p.at("referral").at("source_type").as_string(), "ad");
  EXPECT_EQ(p.at("referral").at("source_id").as_string(), "120226305854810726");
  EXPECT_EQ(p.at("referral").at("headline").as_string(), "Chat with Lucky Shrub");
}

TEST(WhatsAppWebhook, SystemAndUnsupportedMessagesAreKeptAsUnsupported) {
  {
    // A changed number is no message but a change of the contact (whatsapp_system_test.cpp).
    auto parsed = parley::test::parsedOr(wa::parseWebhookBatch(readFixture("system")), "system");
    EXPECT_TRUE(parsed.batch.messages.empty());
    ASSERT_EQ(parsed.system_changes.size(), 1u);
    EXPECT_EQ(parsed.system_changes[0].change.new_external_id, "12195555358");
  }
  {
    const auto& m = onlyMessage(parseFixture("unsupported"));
    EXPECT_EQ(m.kind, core::MessageKind::Unsupported);
    const auto p = payloadOf(m);
    EXPECT_EQ(p.at("type").as_string(), "unsupported");
    EXPECT_EQ(p.at("unsupported").at("type").as_string(), "poll_creation");
    const auto& error = p.at("errors").as_array().at(0).as_object();
    EXPECT_EQ(error.at("code").as_string(), "131051");
    EXPECT_EQ(error.at("title").as_string(), "Message type unknown");
    EXPECT_EQ(error.at("details").as_string(), "Message type is currently not supported.");
  }
}

TEST(WhatsAppWebhook, UsernameOnlySenderUsesTheBusinessScopedId) {
  const auto& m = onlyMessage(parseFixture("bsuid_only"));
  EXPECT_EQ(m.contact.external_id, "US.13491208655302741918");
  EXPECT_EQ(m.contact.phone, "");  // no phone number without wa_id
  EXPECT_EQ(m.contact.name, "Sheena Nelson");
  EXPECT_EQ(m.text, "Hi from my username");
  EXPECT_TRUE(m.contact.also_external_ids.empty());
}

TEST(WhatsAppWebhook, AGroupMessageIsTheGroupsWithTheParticipantInThePayload) {
  // "The message object includes a group_id field"; "from" is the participant who wrote.
  const auto& m = onlyMessage(parseFixture("doc_group_text"));
  EXPECT_EQ(m.contact.external_id, "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD");
  EXPECT_EQ(m.contact.scope_suffix, wa::kGroupScopeSuffix);
  EXPECT_EQ(m.contact.phone, "");  // the participant's number is not the group's
  EXPECT_EQ(m.contact.name, "WhatsApp group Y2FwaV9ncm91");
  EXPECT_EQ(m.text, "Does anyone know when the store opens tomorrow?");
  const auto participant = payloadOf(m).at("group_participant");
  EXPECT_EQ(participant.at("wa_id").as_string(), "16505551234");
  EXPECT_EQ(participant.at("name").as_string(), "Sheena Nelson");
  // A reply to the group: recipient_type "group", "to" the group id.
  wa::SendRequest r;
  r.to = std::string(wa::kGroupRecipientPrefix) + "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD";
  r.content = wa::TextContent{"Tomorrow at 9.", false};
  auto body = wa::encodeSend(r);
  ASSERT_TRUE(body.ok()) << body.error().message;
  const auto o = json::parse(*body).as_object();
  EXPECT_EQ(o.at("recipient_type").as_string(), "group");
  EXPECT_EQ(o.at("to").as_string(), "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD");
  r.to = std::string(wa::kGroupRecipientPrefix) + "no/slashes";
  EXPECT_FALSE(wa::encodeSend(r).ok());
}

TEST(WhatsAppWebhook, ASenderWithNumberAndBusinessScopedIdKeepsBoth) {
  // "BSUID will be assigned to the user_id parameter and appear in all messages webhooks": the
  // customer is their wa_id, and the BSUID is kept so that a later message with only the BSUID
  // (a username that hides the number) finds the same contact.
  const auto& m = onlyMessage(parseFixture("bsuid_and_number"));
  EXPECT_EQ(m.contact.external_id, "16505551234");
  EXPECT_EQ(m.contact.phone, "+16505551234");
  EXPECT_EQ(m.contact.also_external_ids, std::vector<std::string>{"US.13491208655302741918"});
  EXPECT_EQ(m.contact.name, "Sheena Nelson");
}

// ---- statuses -----------------------------------------------------------------------------------

TEST(WhatsAppWebhook, StatusesInAnyOrderNeverRegress) {
  const auto batch = parseFixture("statuses_out_of_order");
  EXPECT_TRUE(batch.messages.empty());
  ASSERT_EQ(batch.statuses.size(), 3u);
  // Kept in Meta's (wrong) order with their own timestamps ...
  EXPECT_EQ(batch.statuses[0].status, core::DeliveryStatus::Read);
  EXPECT_EQ(batch.statuses[1].status, core::DeliveryStatus::Sent);
  EXPECT_EQ(batch.statuses[2].status, core::DeliveryStatus::Delivered);
  EXPECT_EQ(batch.statuses[0].at, 1749944440000);
  for (const auto& s : batch.statuses) {
    EXPECT_EQ(s.provider_message_id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBIzRUJDRjM1RjY1ODc1QTVGRjYA");
    EXPECT_EQ(s.account_id, "106540352242922");
    EXPECT_TRUE(s.error.empty());
  }
  // ... and whatever order they are applied in, the stored status ends at "read".
  std::vector<std::size_t> order{0, 1, 2};
  do {
    core::DeliveryStatus stored = core::DeliveryStatus::Pending;
    for (auto i : order) stored = core::mergeDeliveryStatus(stored, batch.statuses[i].status);
    EXPECT_EQ(stored, core::DeliveryStatus::Read);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(WhatsAppWebhook, FailedStatusCarriesTheProvidersCodeAndText) {
  const auto batch = parseFixture("status_failed");
  ASSERT_EQ(batch.statuses.size(), 1u);
  const auto& s = batch.statuses[0];
  EXPECT_EQ(s.status, core::DeliveryStatus::Failed);
  EXPECT_EQ(s.provider_message_id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJBMTMyRjE4NjEwNDhEMUZEQzAA");
  // title and message are the same text in Meta's payload: shown once.
  EXPECT_EQ(s.error, "131026 Message undeliverable: Message Undeliverable.");
}

TEST(WhatsAppWebhook, FailedStatusWithoutErrorsStillSaysSo) {
  const std::string body =
      R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.F","status":"failed","timestamp":"1"}]}}]}]})";
  auto r = wa::parseWebhook(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->statuses.size(), 1u);
  EXPECT_FALSE(r->statuses[0].error.empty());
}

// ---- batches, names by id, ids as strings ----------------------------------------------------------

TEST(WhatsAppWebhook, BatchKeepsEveryEntryChangeAndMessageAndMapsNamesByWaId) {
  const auto batch = parseFixture("batch_multi_entry");
  ASSERT_EQ(batch.messages.size(), 4u);
  ASSERT_EQ(batch.statuses.size(), 1u);
  EXPECT_EQ(batch.ignored, 0);
  // contacts[] lists Bob first, messages[] starts with Alice: names follow wa_id, not position.
  EXPECT_EQ(batch.messages[0].external_id, "wamid.ALICE.1");
  EXPECT_EQ(batch.messages[0].contact.name, "Alice Schmidt");
  EXPECT_EQ(batch.messages[0].contact.phone, "+4930123456");
  EXPECT_EQ(batch.messages[1].external_id, "wamid.BOB.1");
  EXPECT_EQ(batch.messages[1].contact.name, "Bob Meier");
  EXPECT_EQ(batch.messages[1].contact.phone, "+4915112345678");
  EXPECT_EQ(batch.messages[2].external_id, "wamid.ALICE.2");
  EXPECT_EQ(batch.messages[2].contact.name, "Alice Schmidt");
  EXPECT_EQ(batch.statuses[0].provider_message_id, "wamid.OUT.9");
  EXPECT_EQ(batch.statuses[0].status, core::DeliveryStatus::Delivered);
  // The second entry is another business number; ids above 2^53 survive as exact strings.
  EXPECT_EQ(batch.messages[3].account_id, "9007199254740993");
  EXPECT_EQ(batch.messages[3].external_id, "9007199254740993001");
  EXPECT_EQ(batch.messages[3].contact.name, "Carla Rossi");
  EXPECT_EQ(batch.messages[0].account_id, "106540352242922");
}

TEST(WhatsAppWebhook, SenderMissingFromContactsGetsNoOtherPersonsName) {
  auto r = wa::parseWebhook(webhookWithMessage(
      R"({"from":"4930999999","id":"wamid.N","timestamp":"1","type":"text","text":{"body":"hi"}})",
      R"([{"profile":{"name":"Somebody Else"},"wa_id":"4930123456"}])"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(onlyMessage(*r).contact.name, "");
  EXPECT_EQ(onlyMessage(*r).contact.external_id, "4930999999");
}

TEST(WhatsAppWebhook, NumericIdsAreKeptExactlyAsText) {
  // 2^53 + 1 cannot be represented by a double; it must not be rounded.
  auto r = wa::parseWebhook(webhookWithMessage(
      R"({"from":16505551234,"id":9007199254740993,"timestamp":1749416383,"type":"text","text":{"body":"x"}})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(onlyMessage(*r).external_id, "9007199254740993");
  EXPECT_EQ(onlyMessage(*r).contact.external_id, "16505551234");
  EXPECT_EQ(onlyMessage(*r).contact.name, "Sheena Nelson");
  EXPECT_EQ(onlyMessage(*r).sent_at, 1749416383000);
  // An id that already lost digits (a fraction, or beyond 64 bits) is refused, not guessed.
  expectInvalid(webhookWithMessage(R"({"from":"1","id":1.5,"type":"text","text":{"body":"x"}})"), "id");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":123456789012345678901234567890,"type":"text","text":{"body":"x"}})"),
                "id");
}

// ---- unknown kinds and fields --------------------------------------------------------------------

TEST(WhatsAppWebhook, UnknownKindsAreAcceptedCountedAndNeverLoseACustomerMessage) {
  const auto batch = parseFixture("unknown_kind");
  // A message of a type unknown here is kept (it opens the 24-hour window) as Unsupported.
  const auto& m = onlyMessage(batch);
  EXPECT_EQ(m.kind, core::MessageKind::Unsupported);
  EXPECT_EQ(m.external_id, "wamid.FUTURE.1");
  EXPECT_EQ(payloadOf(m).at("type").as_string(), "hologram");
  EXPECT_EQ(payloadOf(m).at("hologram").at("id").as_string(), "42");
  EXPECT_TRUE(batch.statuses.empty());
  // ignored: the "deleted" status, the value-level error, two non-"messages" changes.
  EXPECT_EQ(batch.ignored, 4);
}

TEST(WhatsAppWebhook, UnknownFieldsAreIgnored) {
  const auto& m = onlyMessage(parseFixture("unknown_field"));
  EXPECT_EQ(m.kind, core::MessageKind::Text);
  EXPECT_EQ(m.text, "Unknown fields must not matter");
  EXPECT_EQ(m.contact.name, "Sheena Nelson");
  EXPECT_EQ(m.payload_json, "{}");
}

TEST(WhatsAppWebhook, OtherMetaProductsAreIgnored) {
  auto r = wa::parseWebhook(R"({"object":"page","entry":[{"id":"1","messaging":[{"x":1}]}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->messages.empty());
  EXPECT_EQ(r->ignored, 1);
}

TEST(WhatsAppWebhook, EveryFixtureParsesAndIsUnchangedByAReparse) {
  std::size_t count = 0;
  for (const auto& name : parley::test::jsonFixtureNames("whatsapp")) {
    SCOPED_TRACE(name + ".json");
    const auto first = parseFixture(name);
    const auto second = parseFixture(name);
    EXPECT_EQ(first.messages.size(), second.messages.size());
    const auto system_changes = parley::test::parsedOr(wa::parseWebhookBatch(readFixture(name)), name).system_changes.size();
    EXPECT_GT(first.messages.size() + first.statuses.size() + first.edits.size() + static_cast<std::size_t>(first.ignored) +
                  system_changes,
              0u);
    for (const auto& m : first.messages) {
      EXPECT_FALSE(m.external_id.empty());
      EXPECT_FALSE(m.contact.external_id.empty());
      EXPECT_EQ(m.account_id.empty(), false);
      EXPECT_TRUE(json::parse(m.payload_json).is_object());
    }
    ++count;
  }
  EXPECT_GE(count, 20u);
}

// ---- Meta's own examples (doc_*.json, verbatim but for the noted typos) and real-world payloads ----

TEST(WhatsAppDocExamples, TextImageLocationAndContactsShowWhatTheCustomerSent) {
  const auto text = onlyMessage(parseFixture("doc_text"));
  EXPECT_EQ(text.text, "Does it come in another color?");
  EXPECT_EQ(text.contact.phone, "+16505551234");
  EXPECT_EQ(text.contact.name, "Sheena Nelson");
  const auto image = onlyMessage(parseFixture("doc_image"));
  EXPECT_EQ(image.kind, core::MessageKind::Image);
  EXPECT_EQ(image.text, "Taj Mahal");
  ASSERT_EQ(image.media.size(), 1u);
  EXPECT_EQ(image.media[0].provider_ref, "1003383421387256");  // fetched by id; the new `url` is not needed
  EXPECT_EQ(image.media[0].mime_type, "image/jpeg");
  const auto sticker = onlyMessage(parseFixture("doc_sticker"));
  EXPECT_EQ(sticker.kind, core::MessageKind::Sticker);
  EXPECT_TRUE(payloadOf(sticker).at("animated").as_bool());
  const auto receipt = onlyMessage(parseFixture("doc_document"));
  EXPECT_EQ(receipt.kind, core::MessageKind::Document);
  EXPECT_EQ(receipt.text, "my receipt");
  ASSERT_EQ(receipt.media.size(), 1u);
  EXPECT_EQ(receipt.media[0].filename, "receipt.pdf");
  const auto place = onlyMessage(parseFixture("doc_location"));
  EXPECT_EQ(place.kind, core::MessageKind::Location);
  EXPECT_DOUBLE_EQ(*place.latitude, 37.44221496582);
  EXPECT_DOUBLE_EQ(*place.longitude, -122.16165924072);
  EXPECT_EQ(place.location_name, "Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301");
  const auto card = onlyMessage(parseFixture("doc_contacts"));
  EXPECT_EQ(card.kind, core::MessageKind::Contacts);
  EXPECT_EQ(card.text, "Barbara J. Johnson");
  EXPECT_EQ(payloadOf(card).at("contacts").at(0).at("phones").at(0).at("wa_id").as_string(), "14125550829");
}

TEST(WhatsAppDocExamples, RepliesButtonsAndAdsKeepWhatWasChosenAndWhere) {
  const auto button = onlyMessage(parseFixture("doc_interactive_button_reply"));
  EXPECT_EQ(button.kind, core::MessageKind::Interactive);
  EXPECT_EQ(button.text, "Change");
  EXPECT_EQ(payloadOf(button).at("id").as_string(), "change-button");
  EXPECT_EQ(button.reply_to_external_id, "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1QjJGRjI1RDY0RkE4Nzg4QzcA");
  const auto row = onlyMessage(parseFixture("doc_interactive_list_reply"));
  EXPECT_EQ(row.text, "Priority Mail Express");
  EXPECT_EQ(payloadOf(row).at("description").as_string(), "Next Day to 2 Days");
  const auto quick = onlyMessage(parseFixture("doc_button"));
  EXPECT_EQ(quick.text, "Unsubscribe");
  EXPECT_EQ(payloadOf(quick).at("payload").as_string(), "Unsubscribe");
  const auto ad = onlyMessage(parseFixture("doc_text_from_ad"));
  EXPECT_EQ(ad.text, "Can I get more info about this?");
  EXPECT_EQ(payloadOf(ad).at("referral").at("source_id").as_string(), "120226305854810726");
}

TEST(WhatsAppDocExamples, ReactionsOrdersSystemAndUnsupportedNeverVanish) {
  const auto like = onlyMessage(parseFixture("doc_reaction"));
  EXPECT_EQ(like.kind, core::MessageKind::Reaction);
  EXPECT_EQ(like.text, "\xF0\x9F\x91\x8D");
  EXPECT_EQ(like.reply_to_external_id, "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=");
  const auto removed = onlyMessage(parseFixture("doc_reaction_removed"));
  EXPECT_TRUE(payloadOf(removed).at("removed").as_bool());
  const auto order = onlyMessage(parseFixture("doc_order"));
  EXPECT_EQ(order.kind, core::MessageKind::Unsupported);
  EXPECT_EQ(order.text, "Love these!\n2 x di9ozbzfi4 (30 USD)\n1 x nqryix03ez (25 USD)");
  EXPECT_EQ(payloadOf(order).at("order").at("catalog_id").as_string(), "194836987003835");
  const auto system = parley::test::parsedOr(wa::parseWebhookBatch(readFixture("doc_system_user_changed_number")), "system");
  ASSERT_EQ(system.system_changes.size(), 1u);
  EXPECT_EQ(system.system_changes[0].change.text, "User Sheena Nelson changed from 16505551234 to 12195555358");
  EXPECT_EQ(system.system_changes[0].change.old_phone, "+16505551234");
  const auto unsupported = onlyMessage(parseFixture("doc_unsupported"));
  EXPECT_EQ(unsupported.kind, core::MessageKind::Unsupported);
  EXPECT_EQ(payloadOf(unsupported).at("unsupported").at("type").as_string(), "edit");
}

TEST(WhatsAppDocExamples, StatusesIncludingFailedPlayedAndGroupRecipients) {
  const auto sent = parseFixture("doc_status_sent");
  ASSERT_EQ(sent.statuses.size(), 1u);
  EXPECT_EQ(sent.statuses[0].status, core::DeliveryStatus::Sent);
  EXPECT_EQ(parseFixture("doc_status_read_v24").statuses.size(), 1u);  // no conversation, no pricing
  const auto failed = parseFixture("doc_status_failed");
  ASSERT_EQ(failed.statuses.size(), 1u);
  EXPECT_EQ(failed.statuses[0].status, core::DeliveryStatus::Failed);
  EXPECT_EQ(failed.statuses[0].error,
            "131049 This message was not delivered to maintain healthy ecosystem engagement.: In order to maintain a "
            "healthy ecosystem engagement, the message failed to be delivered.");
  const auto more = parseFixture("doc_status_played_group");
  ASSERT_EQ(more.statuses.size(), 2u);
  EXPECT_EQ(more.statuses[0].status, core::DeliveryStatus::Read);  // a voice message played was read
  EXPECT_EQ(more.statuses[1].status, core::DeliveryStatus::Delivered);
  EXPECT_EQ(more.ignored, 0);
}

TEST(WhatsAppDocExamples, ANumberWrittenWithAPlusIsTheSameCustomer) {
  const auto m = onlyMessage(parseFixture("doc_params_from_with_plus"));
  EXPECT_EQ(m.contact.external_id, "16505551234");
  EXPECT_EQ(m.contact.phone, "+16505551234");
  EXPECT_EQ(m.contact.name, "Sheena Nelson");
}

TEST(WhatsAppDocExamples, WhatTheBusinessWroteFromTheAppIsItsOwnNeverTheCustomers) {
  const auto echo = onlyMessage(parseFixture("doc_smb_message_echoes"));
  EXPECT_TRUE(echo.echo);
  EXPECT_EQ(echo.contact.external_id, "16505551234");  // the customer is `to`
  EXPECT_EQ(echo.contact.phone, "+16505551234");
  EXPECT_EQ(echo.text, "Here's the info you requested! https://www.meta.com/quest/quest-3/");
  EXPECT_EQ(echo.account_id, "106540352242922");
  const auto history = parseFixture("doc_history_media");  // chat history sync: not imported
  EXPECT_TRUE(history.messages.empty());
  EXPECT_EQ(history.ignored, 1);
}

TEST(WhatsAppRealWorld, EditsChangeTheStoredTextAndDeletionsAddNothing) {
  // The customer's (messages webhook) and the business's in the WhatsApp Business app
  // (smb_message_echoes: "A business customer revokes (deletes) a previously sent message using
  // the WhatsApp Business app", "... edits a previously sent message").
  for (const auto& [fixture, original, text] :
       {std::tuple{"realworld_edit", "wamid.zzzzzz", "Text was edited"},
        std::tuple{"realworld_edit_caption", "", "caption"},
        std::tuple{"doc_smb_echo_edit", "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0N0FCNjMA",
                   "Here's the info you requested! https://www.meta.com/quest/quest-3s/"}}) {
    const auto edit = parseFixture(fixture);
    EXPECT_TRUE(edit.messages.empty()) << fixture;
    ASSERT_EQ(edit.edits.size(), 1u) << fixture;
    if (*original) {
      EXPECT_EQ(edit.edits[0].provider_message_id, original);
    }
    EXPECT_EQ(edit.edits[0].text, text);
    EXPECT_EQ(edit.edits[0].account_id, "106540352242922");
  }
  for (const char* fixture : {"realworld_revoke", "doc_smb_echo_revoke"}) {
    const auto revoke = parseFixture(fixture);
    EXPECT_TRUE(revoke.messages.empty()) << fixture;
    EXPECT_TRUE(revoke.edits.empty()) << fixture;
    EXPECT_EQ(revoke.ignored, 1) << fixture;
  }
}

// ---- malformed and adversarial input -----------------------------------------------------------

TEST(WhatsAppWebhookAdversarial, EveryTruncationIsRejectedCleanly) {
  const std::string body = readFixture("batch_multi_entry");
  for (std::size_t n = 0; n < body.size(); ++n) {
    auto r = wa::parseWebhook(std::string_view(body).substr(0, n));
    // A prefix of an object is never a complete JSON document, except trailing whitespace cuts.
    if (r.ok()) {
      EXPECT_EQ(body.find_first_not_of(" \n\t\r", n), std::string::npos);
    } else {
      EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput);
    }
  }
}

TEST(WhatsAppWebhookAdversarial, InvalidUtf8IsRejected) {
  expectInvalid(webhookWithMessage("{\"from\":\"1\",\"id\":\"w\",\"type\":\"text\",\"text\":{\"body\":\"\xC3\x28\"}}"));
  expectInvalid(webhookWithMessage("{\"from\":\"1\",\"id\":\"w\xFF\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}"));
  expectInvalid(std::string("\xEF\xBB\xBF\xFE{}"));
  expectInvalid(std::string("{\"object\":\"whatsapp_business_account\",\"entry\":[]}\x80"));
}

TEST(WhatsAppWebhookAdversarial, TenThousandDeepNestingIsRejectedWithoutRecursing) {
  const int depth = 10'000;
  expectInvalid(std::string(depth, '[') + std::string(depth, ']'));
  std::string objects;
  for (int i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  expectInvalid(objects);
  // Hidden in an unknown field of an otherwise valid webhook.
  std::string deep = std::string(depth, '[') + std::string(depth, ']');
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"text","text":{"body":"x"},"future":)" + deep + "}"));
  // Reasonable nesting inside an unknown field is fine.
  std::string shallow = std::string(40, '[') + std::string(40, ']');
  auto ok = wa::parseWebhook(webhookWithMessage(R"({"from":"1","id":"w","type":"text","text":{"body":"x"},"future":)" + shallow + "}"));
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST(WhatsAppWebhookAdversarial, FiveMegabyteBodies) {
  const std::string huge_text(5 * 1024 * 1024, 'a');
  const auto start = std::chrono::steady_clock::now();
  auto r = wa::parseWebhook(
      webhookWithMessage(R"({"from":"1","id":"w","type":"text","text":{"body":")" + huge_text + R"("}})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(onlyMessage(*r).text.size(), huge_text.size());
  // Many small messages: every one kept.
  std::string many;
  const int count = 40'000;
  for (int i = 0; i < count; ++i) {
    if (i) many += ',';
    many += R"({"from":"16505551234","id":"wamid.)" + std::to_string(i) + R"(","timestamp":"1","type":"text","text":{"body":"hi"}})";
  }
  ASSERT_GT(many.size(), 3u * 1024 * 1024);
  auto r2 = wa::parseWebhook(webhookWithMessage(many));
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(r2->messages.size(), static_cast<std::size_t>(count));
  EXPECT_EQ(r2->messages.back().external_id, "wamid." + std::to_string(count - 1));
  EXPECT_EQ(r2->messages.back().contact.name, "Sheena Nelson");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count(), 10);
  // 5 MB of garbage, and a body beyond the codec's own ceiling.
  expectInvalid(std::string(5 * 1024 * 1024, '{'));
  auto too_large = wa::parseWebhook(std::string(wa::kMaxWebhookBytes + 1, ' '));
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().code, core::ErrorCode::TooLarge);
}

TEST(WhatsAppWebhookAdversarial, NonObjectsAndEmptyBodies) {
  for (const char* body : {"", " ", "[]", "\"text\"", "42", "null", "true", "{", "}", "{\"entry\":[]}x"}) {
    SCOPED_TRACE(body);
    expectInvalid(body);
  }
  expectInvalid(R"({"object":"whatsapp_business_account"})", "entry");
}

TEST(WhatsAppWebhookAdversarial, DocumentedFieldsWithTheWrongTypeNameThePath) {
  const std::string pre = R"({"object":"whatsapp_business_account","entry":)";
  expectInvalid(pre + "{}}", "entry");
  expectInvalid(pre + "[1]}", "entry[0]");
  expectInvalid(pre + R"([{"changes":"x"}]})", "changes");
  expectInvalid(pre + R"([{"changes":[{"field":7}]}]})", "field");
  expectInvalid(pre + R"([{"changes":[{"field":"messages","value":[]}]}]})", "value");
  expectInvalid(pre + R"([{"changes":[{"field":"messages","value":{}}]}]})", "metadata");
  expectInvalid(pre + R"([{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":{}}}}]}]})",
                "phone_number_id");
  expectInvalid(pre + R"([{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":{}}}]}]})",
                "messages");
  expectInvalid(pre + R"([{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"statuses":[{"id":"w","status":3}]}}]}]})",
                "status");
  expectInvalid(pre + R"([{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"statuses":[{"id":"w","status":"failed","errors":{}}]}}]}]})",
                "errors");
  expectInvalid(webhookWithMessage(R"({"from":"1","type":"text","text":{"body":"x"}})"), "id");
  expectInvalid(webhookWithMessage(R"({"id":"w","type":"text","text":{"body":"x"}})"), "from");
  expectInvalid(webhookWithMessage(R"({"from":true,"id":"w","type":"text","text":{"body":"x"}})"), "from");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","timestamp":"soon","type":"text","text":{"body":"x"}})"),
                "timestamp");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","timestamp":1.5,"type":"text","text":{"body":"x"}})"),
                "timestamp");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":7,"text":{"body":"x"}})"), "type");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"text","text":{"body":5}})"), "body");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"text","text":"x"})"), "text");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"image","image":{"mime_type":"image/jpeg"}})"),
                "image.id");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"document","document":{"id":"m","filename":[]}})"),
                "filename");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"location","location":{"latitude":"52.5","longitude":13.4}})"),
                "latitude");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"location","location":{"latitude":952.5,"longitude":13.4}})"),
                "latitude");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"reaction","reaction":{"emoji":"x"}})"), "message_id");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"b","title":3}}})"),
                "title");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"text","text":{"body":"x"},"context":"w0"})"), "context");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"text","text":{"body":"x"}})",
                                   R"([{"profile":{"name":42},"wa_id":"1"}])"),
                "name");
  expectInvalid(webhookWithMessage(R"({"from":"1","id":"w","type":"text","text":{"body":"x"}})", R"({"wa_id":"1"})"),
                "contacts");
}

// ---- signature and handshake -------------------------------------------------------------------

TEST(WhatsAppSignature, HexHmacOfTheRawBodyWithTheAppSecret) {
  const std::string secret = "6b1c2f0d9e8a7b6c5d4e3f2a1b0c9d8e";
  const std::string body = readFixture("text");
  const std::string header = wa::signatureHeader(secret, body);
  ASSERT_EQ(header.size(), 7u + 64u);
  EXPECT_TRUE(wa::verifySignature(secret, body, header));
  std::string upper = header;
  std::transform(upper.begin() + 7, upper.end(), upper.begin() + 7, [](unsigned char c) { return std::toupper(c); });
  EXPECT_TRUE(wa::verifySignature(secret, body, upper));
  EXPECT_FALSE(wa::verifySignature("another-secret", body, header));
  EXPECT_FALSE(wa::verifySignature(secret, body + " ", header));  // the raw bytes, not the JSON
  EXPECT_FALSE(wa::verifySignature(secret, body, header.substr(7)));
  EXPECT_FALSE(wa::verifySignature(secret, body, "sha1=" + header.substr(7)));
  EXPECT_FALSE(wa::verifySignature(secret, body, header + "0"));
  EXPECT_FALSE(wa::verifySignature(secret, body, ""));
  EXPECT_FALSE(wa::verifySignature("", body, wa::signatureHeader("", body)));
  // A known value (HMAC-SHA256 of "test" with key "secret").
  EXPECT_EQ(wa::signatureHeader("secret", "test"),
            "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914");
}

TEST(WhatsAppHandshake, OnlySubscribeWithTheRightTokenPasses) {
  EXPECT_TRUE(wa::verifyHandshake("subscribe", "meatyhamhock", "meatyhamhock"));
  EXPECT_FALSE(wa::verifyHandshake("subscribe", "meatyhamhock", "meatyhamhoc"));
  EXPECT_FALSE(wa::verifyHandshake("unsubscribe", "meatyhamhock", "meatyhamhock"));
  EXPECT_FALSE(wa::verifyHandshake("", "meatyhamhock", "meatyhamhock"));
  EXPECT_FALSE(wa::verifyHandshake("subscribe", "", ""));
}

// ---- outbound ------------------------------------------------------------------------------------

namespace {

json::object encoded(const wa::SendRequest& request) {
  auto body = wa::encodeSend(request);
  EXPECT_TRUE(body.ok()) << (body.ok() ? "" : body.error().message);
  return body.ok() ? json::parse(*body).as_object() : json::object{};
}

void expectRefused(const wa::SendRequest& request, const std::string& mentions) {
  auto body = wa::encodeSend(request);
  ASSERT_FALSE(body.ok()) << *body;
  EXPECT_EQ(body.error().code, core::ErrorCode::InvalidInput);
  EXPECT_NE(body.error().message.find(mentions), std::string::npos) << body.error().message;
}

}  // namespace

TEST(WhatsAppSend, TextReplyWithoutLinkPreview) {
  const auto o = encoded({"+16505551234", "wamid.IN.1", wa::TextContent{"Guten Tag! https://example.com"}});
  EXPECT_EQ(o.at("messaging_product").as_string(), "whatsapp");
  EXPECT_EQ(o.at("recipient_type").as_string(), "individual");
  EXPECT_EQ(o.at("to").as_string(), "16505551234");
  EXPECT_EQ(o.at("type").as_string(), "text");
  EXPECT_EQ(o.at("text").at("body").as_string(), "Guten Tag! https://example.com");
  EXPECT_FALSE(o.at("text").at("preview_url").as_bool());
  EXPECT_EQ(o.at("context").at("message_id").as_string(), "wamid.IN.1");
  const auto plain = encoded({"16505551234", "", wa::TextContent{"Hallo"}});
  EXPECT_FALSE(plain.contains("context"));
}

TEST(WhatsAppSend, ACustomerKnownOnlyByTheirBusinessScopedUserIdIsTheRecipient) {
  // Meta's business-scoped user ids: "use recipient to send to a BSUID or parent BSUID".
  const auto o = encoded({"US.13491208655302741918", "wamid.IN.2", wa::TextContent{"Hallo Sheena"}});
  EXPECT_EQ(o.at("recipient").as_string(), "US.13491208655302741918");
  EXPECT_FALSE(o.contains("to"));
  EXPECT_EQ(o.at("recipient_type").as_string(), "individual");
  EXPECT_EQ(o.at("context").at("message_id").as_string(), "wamid.IN.2");
  EXPECT_EQ(encoded({"US.ENT.11815799212886844830", "", wa::TextContent{"x"}}).at("recipient").as_string(),
            "US.ENT.11815799212886844830");
  EXPECT_TRUE(wa::isBusinessScopedUserId("DE.abc123"));
  EXPECT_FALSE(wa::isBusinessScopedUserId("de.abc123"));
  EXPECT_FALSE(wa::isBusinessScopedUserId("US."));
  EXPECT_FALSE(wa::isBusinessScopedUserId("US.13491208655302741918\"\"x"));
  EXPECT_FALSE(wa::isBusinessScopedUserId("16505551234"));
  expectRefused({"US.1349-1208", "", wa::TextContent{"x"}}, "business-scoped user id");
}

TEST(WhatsAppSend, TextLimitsAreInCharacters) {
  std::string umlauts;
  for (int i = 0; i < 4096; ++i) umlauts += "\xC3\xBC";  // ü: 4096 characters, 8192 bytes
  EXPECT_TRUE(wa::encodeSend({"16505551234", "", wa::TextContent{umlauts}}).ok());
  expectRefused({"16505551234", "", wa::TextContent{umlauts + "u"}}, "4096");
  expectRefused({"16505551234", "", wa::TextContent{"  \n"}}, "empty");
  expectRefused({"not-a-number", "", wa::TextContent{"x"}}, "to");
  expectRefused({"", "", wa::TextContent{"x"}}, "to");
  expectRefused({"16505551234", "", wa::TextContent{"caf\xC3"}}, "UTF-8");
  expectRefused({"16505551234", "", wa::TextContent{"\xED\xA0\x80"}}, "UTF-8");  // a UTF-16 surrogate
  expectRefused({"16505551234", "", wa::TemplateContent{"x", "en", {"\xC0\xAF"}}}, "UTF-8");  // overlong '/'
}

TEST(WhatsAppSend, MediaByUploadedIdOrByLink) {
  {
    const auto o = encoded({"16505551234", "", wa::MediaContent{wa::MediaType::Image, "1013859600285441", "", "The best succulent ever?", ""}});
    EXPECT_EQ(o.at("type").as_string(), "image");
    EXPECT_EQ(o.at("image").at("id").as_string(), "1013859600285441");
    EXPECT_EQ(o.at("image").at("caption").as_string(), "The best succulent ever?");
    EXPECT_FALSE(o.at("image").as_object().contains("link"));
  }
  {
    const auto o = encoded({"16505551234", "wamid.IN.2",
                            wa::MediaContent{wa::MediaType::Document, "", "https://files.example.com/r.pdf", "Ihre Rechnung", "rechnung.pdf"}});
    EXPECT_EQ(o.at("type").as_string(), "document");
    EXPECT_EQ(o.at("document").at("link").as_string(), "https://files.example.com/r.pdf");
    EXPECT_EQ(o.at("document").at("filename").as_string(), "rechnung.pdf");
    EXPECT_EQ(o.at("document").at("caption").as_string(), "Ihre Rechnung");
    EXPECT_EQ(o.at("context").at("message_id").as_string(), "wamid.IN.2");
  }
  for (auto type : {wa::MediaType::Audio, wa::MediaType::Video, wa::MediaType::Sticker}) {
    const auto o = encoded({"16505551234", "", wa::MediaContent{type, "123", "", "", ""}});
    const std::string name(o.at("type").as_string());
    EXPECT_EQ(o.at(name).at("id").as_string(), "123");
  }
  expectRefused({"16505551234", "", wa::MediaContent{wa::MediaType::Image, "1", "https://x.example/a.png", "", ""}}, "exactly one");
  expectRefused({"16505551234", "", wa::MediaContent{wa::MediaType::Image, "", "", "", ""}}, "exactly one");
  expectRefused({"16505551234", "", wa::MediaContent{wa::MediaType::Image, "", "file:///etc/passwd", "", ""}}, "http");
  expectRefused({"16505551234", "", wa::MediaContent{wa::MediaType::Audio, "1", "", "a caption", ""}}, "caption");
  expectRefused({"16505551234", "", wa::MediaContent{wa::MediaType::Image, "1", "", "", "a.png"}}, "filename");
  expectRefused({"16505551234", "", wa::MediaContent{wa::MediaType::Image, "1", "", std::string(1025, 'c'), ""}}, "1024");
}

TEST(WhatsAppSend, TemplateWithBodyParameters) {
  const auto o = encoded({"16505551234", "", wa::TemplateContent{"order_update", "de", {"Jana", "#4711"}}});
  EXPECT_EQ(o.at("type").as_string(), "template");
  const auto& t = o.at("template").as_object();
  EXPECT_EQ(t.at("name").as_string(), "order_update");
  EXPECT_EQ(t.at("language").at("code").as_string(), "de");
  const auto& component = t.at("components").as_array().at(0).as_object();
  EXPECT_EQ(component.at("type").as_string(), "body");
  const auto& parameters = component.at("parameters").as_array();
  ASSERT_EQ(parameters.size(), 2u);
  EXPECT_EQ(parameters[0].at("type").as_string(), "text");
  EXPECT_EQ(parameters[0].at("text").as_string(), "Jana");
  EXPECT_EQ(parameters[1].at("text").as_string(), "#4711");
  const auto hello = encoded({"16505551234", "", wa::TemplateContent{"hello_world", "en_US", {}}});
  EXPECT_FALSE(hello.at("template").as_object().contains("components"));
  expectRefused({"16505551234", "", wa::TemplateContent{"", "en_US", {}}}, "name");
  expectRefused({"16505551234", "", wa::TemplateContent{"x", "", {}}}, "language");
  expectRefused({"16505551234", "", wa::TemplateContent{"x", "en", {"a", ""}}}, "parameter");
}

TEST(WhatsAppSend, ReactionNeverCarriesAContext) {
  const auto o = encoded({"16505551234", "wamid.IN.3", wa::ReactionContent{"wamid.IN.3", "\xF0\x9F\x98\x80"}});
  EXPECT_EQ(o.at("type").as_string(), "reaction");
  EXPECT_EQ(o.at("reaction").at("message_id").as_string(), "wamid.IN.3");
  EXPECT_EQ(o.at("reaction").at("emoji").as_string(), "\xF0\x9F\x98\x80");
  EXPECT_FALSE(o.contains("context"));
  const auto removal = encoded({"16505551234", "", wa::ReactionContent{"wamid.IN.3", ""}});
  EXPECT_EQ(removal.at("reaction").at("emoji").as_string(), "");
  expectRefused({"16505551234", "", wa::ReactionContent{"", "x"}}, "message id");
}

TEST(WhatsAppSend, Urls) {
  EXPECT_EQ(*wa::sendUrl("https://graph.facebook.com/v23.0", "106540352242922"),
            "https://graph.facebook.com/v23.0/106540352242922/messages");
  EXPECT_EQ(*wa::sendUrl("http://127.0.0.1:9000/v23.0/", "106540352242922"),
            "http://127.0.0.1:9000/v23.0/106540352242922/messages");
  EXPECT_EQ(*wa::mediaInfoUrl("https://graph.facebook.com/v23.0", "1003383421387256"),
            "https://graph.facebook.com/v23.0/1003383421387256");
  EXPECT_FALSE(wa::sendUrl("https://graph.facebook.com/v23.0", "../me").ok());
  EXPECT_FALSE(wa::sendUrl("https://graph.facebook.com/v23.0", "1?x=y").ok());
  EXPECT_FALSE(wa::mediaInfoUrl("https://graph.facebook.com/v23.0", "").ok());
  EXPECT_FALSE(wa::mediaInfoUrl("ftp://graph.facebook.com", "1").ok());
}

TEST(WhatsAppSend, AnswerGivesTheWamid) {
  const std::string answer =
      R"({"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA","message_status":"accepted"}]})";
  auto id = wa::parseSendResponse(answer);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*id, "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA");
  EXPECT_FALSE(wa::parseSendResponse(R"({"messaging_product":"whatsapp","messages":[]})").ok());
  EXPECT_FALSE(wa::parseSendResponse(R"({"messages":[{"id":""}]})").ok());
  EXPECT_FALSE(wa::parseSendResponse("<html>").ok());
  const auto delivered = wa::interpretSendAnswer(200, answer);
  EXPECT_EQ(delivered.outcome, Outcome::Delivered);
  EXPECT_EQ(delivered.provider_message_id, *id);
  EXPECT_EQ(delivered.recipient_id, "");  // the number is the account's id: nothing to learn
  EXPECT_EQ(wa::interpretSendAnswer(200, "{}").outcome, Outcome::Failed);
  // "A WhatsApp user's phone number and ID may not always match": the id the customer writes
  // from is learnt from the answer (a Brazilian mobile number whose account id lacks the 9).
  const auto brazil = wa::interpretSendAnswer(
      200, R"({"messaging_product":"whatsapp","contacts":[{"input":"+55 11 98765-4321","wa_id":"551187654321"}],"messages":[{"id":"wamid.BR"}]})");
  EXPECT_EQ(brazil.outcome, Outcome::Delivered);
  EXPECT_EQ(brazil.recipient_id, "551187654321");
  const auto bsuid = wa::interpretSendAnswer(
      200, R"({"messaging_product":"whatsapp","contacts":[{"input":"US.1","user_id":"US.1"}],"messages":[{"id":"wamid.U"}]})");
  EXPECT_EQ(bsuid.recipient_id, "");
}

TEST(WhatsAppSend, ErrorsAreClassifiedByMetasCode) {
  auto error = [](int code, const std::string& message, const std::string& details) {
    return R"({"error":{"message":")" + message + R"(","type":"OAuthException","code":)" + std::to_string(code) +
           R"(,"error_data":{"messaging_product":"whatsapp","details":")" + details + R"("},"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}})";
  };
  struct Case {
    long status;
    int code;
    Outcome outcome;
  };
  const Case cases[] = {
      {400, 130429, Outcome::RetryLater},  // throughput reached: answered with HTTP 400
      {400, 131056, Outcome::RetryLater},  // (business, consumer) pair rate limit
      {429, 4, Outcome::RetryLater},       // app request limit
      {400, 80007, Outcome::RetryLater},
      {500, 131000, Outcome::RetryLater},  // something went wrong
      {400, 131000, Outcome::RetryLater},
      {503, 131016, Outcome::RetryLater},  // service unavailable
      {400, 131047, Outcome::Failed},      // re-engagement: more than 24 h since the customer wrote
      {400, 131026, Outcome::Failed},      // undeliverable
      {400, 131048, Outcome::Failed},      // spam rate limit: retrying makes it worse
      {400, 132001, Outcome::Failed},      // template does not exist
      {400, 132000, Outcome::Failed},      // template parameter count mismatch
      {400, 100, Outcome::Failed},         // invalid parameter
      {401, 190, Outcome::Failed},         // access token expired
      {403, 10, Outcome::Failed},          // permission denied
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    const auto r = wa::classifySendError(c.status, error(c.code, "(#" + std::to_string(c.code) + ") Title", "The details"));
    EXPECT_EQ(r.outcome, c.outcome);
    EXPECT_NE(r.error.find("WhatsApp error " + std::to_string(c.code)), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("The details"), std::string::npos) << r.error;
  }
  const auto window = wa::classifySendError(400, error(131047, "Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."));
  EXPECT_EQ(window.error,
            "WhatsApp error 131047: Re-engagement message (Message failed to send because more than 24 hours have passed since "
            "the customer last replied to this number.)");
  // Retry-After is honoured; statuses without a JSON body are classified by status.
  const auto limited = wa::classifySendError(429, error(4, "(#4) Application request limit reached", "x"), 30);
  EXPECT_EQ(limited.outcome, Outcome::RetryLater);
  EXPECT_EQ(limited.retry_after_ms, 30'000);
  EXPECT_EQ(wa::classifySendError(502, "<html>Bad Gateway</html>").outcome, Outcome::RetryLater);
  EXPECT_NE(wa::classifySendError(502, "<html>Bad Gateway</html>").error.find("HTTP 502"), std::string::npos);
  EXPECT_EQ(wa::classifySendError(404, "").outcome, Outcome::Failed);
  EXPECT_EQ(wa::classifySendError(400, error(131047, "x", "y"), 30).retry_after_ms, 0);
  EXPECT_EQ(wa::interpretSendAnswer(400, error(131026, "Message undeliverable", "x")).outcome, Outcome::Failed);
}

TEST(WhatsAppMedia, MediaInfoAnswer) {
  auto info = wa::parseMediaInfo(
      R"({"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256&ext=1&hash=x","mime_type":"image/jpeg","sha256":"81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3","file_size":303833,"id":"1003383421387256"})");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->url, "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256&ext=1&hash=x");
  EXPECT_EQ(info->mime_type, "image/jpeg");
  EXPECT_EQ(info->file_size, 303833);
  EXPECT_EQ(info->id, "1003383421387256");
  auto as_string = wa::parseMediaInfo(R"({"url":"https://x.example/m","file_size":"303833"})");
  ASSERT_TRUE(as_string.ok());
  EXPECT_EQ(as_string->file_size, 303833);
  EXPECT_FALSE(wa::parseMediaInfo(R"({"url":"file:///etc/passwd"})").ok());
  EXPECT_FALSE(wa::parseMediaInfo(R"({"error":{"code":100}})").ok());
  EXPECT_FALSE(wa::parseMediaInfo(R"({"url":"https://x.example/m","file_size":-1})").ok());
}
