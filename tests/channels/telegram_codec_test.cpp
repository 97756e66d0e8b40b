// The Telegram Bot API codec (and the gateway's pure parts: config, encode) against fixtures
// written from the Bot API documentation (tests/channels/telegram/fixtures/README.md names the
// section of each) and against generated adversarial input. What is asserted is what a user of
// the desk would notice: who wrote, in which chat, what they wrote, which message it answers,
// what happened to a reply, and that nothing crashes.
#include "channels/telegram/telegram_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/reply_buttons.hpp"
#include "channels/telegram/telegram_gateway.hpp"
#include "codec_fixtures.hpp"
#include "outbound_reply.hpp"

namespace tg = parley::channels::telegram;
namespace core = parley::core;
namespace app = parley::app;
namespace json = boost::json;
using Outcome = parley::app::DeliveryResult::Outcome;

namespace {

std::string readFixture(const std::string& name) { return parley::test::readFixture("telegram", name); }

tg::ParsedUpdate parseFixture(const std::string& name) {
  return parley::test::parsedOr(tg::parseUpdate(readFixture(name)), name);
}

// By value: callers often pass a temporary.
core::InboundMessage onlyMessage(const tg::ParsedUpdate& update) {
  EXPECT_TRUE(update.batch.edits.empty());
  EXPECT_EQ(update.batch.ignored, 0);
  return parley::test::onlyMessage(update.batch);
}

using parley::test::payloadOf;

tg::ParsedUpdate parseUpdateOrFail(const std::string& body) { return parley::test::parsedOr(tg::parseUpdate(body), body.substr(0, 200)); }

// A private-chat update around one message's content fields (JSON text without braces).
std::string privateMessage(const std::string& content, const std::string& ids = R"("message_id":5,)") {
  return R"({"update_id":1,"message":{)" + ids +
         R"("from":{"id":42,"is_bot":false,"first_name":"Eve"},"chat":{"id":42,"type":"private","first_name":"Eve"},"date":1735689600,)" +
         content + "}}";
}

void expectInvalid(const std::string& body, const std::string& mentions = "") {
  auto r = tg::parseUpdate(body);
  ASSERT_FALSE(r.ok()) << "accepted: " << body.substr(0, 300);
  EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
  if (!mentions.empty()) {
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
  }
}

void expectIgnored(const std::string& name) {
  SCOPED_TRACE(name);
  const auto u = parseFixture(name);
  EXPECT_TRUE(u.batch.messages.empty());
  EXPECT_TRUE(u.batch.edits.empty());
  EXPECT_EQ(u.batch.ignored, 1);
  EXPECT_TRUE(u.callback_query_id.empty());
}

}  // namespace

// ---- every documented kind ------------------------------------------------------------------------

TEST(TelegramWebhook, PrivateTextMessageIsTheUserWithAChatScopedId) {
  const auto u = parseFixture("text");
  EXPECT_EQ(u.update_id, "10000");
  const auto m = onlyMessage(u);
  EXPECT_EQ(m.kind, core::MessageKind::Text);
  EXPECT_EQ(m.text, "Hallo, meine Bestellung ist noch nicht angekommen.");
  // Message ids count per chat: the external id names the chat.
  EXPECT_EQ(m.external_id, "1111111:1365");
  EXPECT_EQ(m.contact.external_id, "1111111");  // the user id (= the private chat's id)
  EXPECT_EQ(m.contact.name, "Anna Schmidt");
  EXPECT_TRUE(m.contact.phone.empty());
  EXPECT_TRUE(m.contact.email.empty());
  EXPECT_EQ(m.sent_at, 1735689600000);
  EXPECT_FALSE(m.inbox_id.valid());  // the webhook URL names the inbox
  EXPECT_TRUE(m.media.empty());
  EXPECT_TRUE(m.reply_to_external_id.empty());
  EXPECT_FALSE(m.echo);
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("from").at("id").as_string(), "1111111");
  EXPECT_EQ(p.at("from").at("username").as_string(), "anna_s");
  EXPECT_EQ(p.at("from").at("language_code").as_string(), "de");
  EXPECT_FALSE(p.contains("chat"));  // a private chat is the user
  EXPECT_TRUE(u.callback_query_id.empty());
}

TEST(TelegramWebhook, PhotoKeepsTheLargestSizeAndTheCaption) {
  const auto m = onlyMessage(parseFixture("photo"));
  EXPECT_EQ(m.kind, core::MessageKind::Image);
  ASSERT_EQ(m.media.size(), 1u);
  // The sizes are listed small, big, medium: the 1280x960 one is kept, whatever the order.
  EXPECT_EQ(m.media[0].provider_ref, "AgACAgIAAxkBAAIBBmVbig1280");
  EXPECT_EQ(m.media[0].mime_type, "image/jpeg");
  EXPECT_EQ(m.media[0].filename, "photo.jpg");
  EXPECT_EQ(m.text, "So sah das Paket aus");
  EXPECT_TRUE(m.attachment_ids.empty());  // nothing is downloaded by the codec
}

TEST(TelegramWebhook, FileKindsKeepTheFileIdNameAndType) {
  struct Case {
    const char* fixture;
    core::MessageKind kind;
    const char* file_id;
    const char* filename;
    const char* mime;
    const char* caption;
  };
  const Case cases[] = {
      {"document", core::MessageKind::Document, "BQACAgIAAxkBAAIBB2VdocPDF", "Rechnung_2025-01.pdf", "application/pdf", "Die Rechnung"},
      {"audio", core::MessageKind::Audio, "CQACAgIAAxkBAAIBCGVaudioMP3", "lied.mp3", "audio/mpeg", ""},
      {"voice", core::MessageKind::Audio, "AwACAgIAAxkBAAIBCWVvoiceOGG", "voice.ogg", "audio/ogg", ""},
      {"video", core::MessageKind::Video, "BAACAgIAAxkBAAIBCmVvideoMP4", "unboxing.mp4", "video/mp4", "Beim Auspacken"},
      {"video_note", core::MessageKind::Video, "DQACAgIAAxkBAAIBC2VnoteMP4", "video_note.mp4", "video/mp4", ""},
      {"sticker", core::MessageKind::Sticker, "CAACAgIAAxkBAAIBDGVstickerTGS", "sticker.tgs", "application/x-tgsticker", ""},
      {"animation", core::MessageKind::Video, "CgACAgIAAxkBAAIBDWVanimMP4", "party.gif.mp4", "video/mp4", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fixture);
    const auto m = onlyMessage(parseFixture(c.fixture));
    EXPECT_EQ(m.kind, c.kind);
    ASSERT_EQ(m.media.size(), 1u);  // an animation is one file, although `document` is set too
    EXPECT_EQ(m.media[0].provider_ref, c.file_id);
    EXPECT_EQ(m.media[0].filename, c.filename);
    EXPECT_EQ(m.media[0].mime_type, c.mime);
    EXPECT_EQ(m.text, c.caption);
    EXPECT_EQ(m.contact.external_id, "1111111");
  }
  auto audio = payloadOf(onlyMessage(parseFixture("audio")));
  EXPECT_EQ(audio.at("title").as_string(), "Das Lied");
  EXPECT_EQ(audio.at("performer").as_string(), "Die Band");
  EXPECT_EQ(audio.at("duration").as_int64(), 183);
  EXPECT_TRUE(payloadOf(onlyMessage(parseFixture("voice"))).at("voice").as_bool());
  EXPECT_TRUE(payloadOf(onlyMessage(parseFixture("video_note"))).at("video_note").as_bool());
  EXPECT_TRUE(payloadOf(onlyMessage(parseFixture("animation"))).at("animation").as_bool());
  auto sticker = payloadOf(onlyMessage(parseFixture("sticker")));
  EXPECT_EQ(sticker.at("emoji").as_string(), "👍");
  EXPECT_EQ(sticker.at("sticker_format").as_string(), "animated");
  EXPECT_EQ(sticker.at("sticker_set").as_string(), "HotCherry");
}

TEST(TelegramWebhook, LocationAndVenue) {
  const auto loc = onlyMessage(parseFixture("location"));
  EXPECT_EQ(loc.kind, core::MessageKind::Location);
  ASSERT_TRUE(loc.latitude && loc.longitude);
  EXPECT_DOUBLE_EQ(*loc.latitude, 52.520008);
  EXPECT_DOUBLE_EQ(*loc.longitude, 13.404954);
  EXPECT_TRUE(loc.location_name.empty());
  EXPECT_DOUBLE_EQ(payloadOf(loc).at("location").at("horizontal_accuracy").as_double(), 25.5);

  const auto venue = onlyMessage(parseFixture("venue"));
  EXPECT_EQ(venue.kind, core::MessageKind::Location);
  ASSERT_TRUE(venue.latitude && venue.longitude);
  EXPECT_DOUBLE_EQ(*venue.latitude, 52.516275);
  EXPECT_EQ(venue.location_name, "Brandenburger Tor, Pariser Platz, 10117 Berlin");
  const auto p = payloadOf(venue);
  EXPECT_EQ(p.at("location").at("name").as_string(), "Brandenburger Tor");
  EXPECT_EQ(p.at("location").at("foursquare_id").as_string(), "4adcda10f964a520af3521e3");
}

TEST(TelegramWebhook, SharedContactsAndTheUsersOwnVerifiedNumber) {
  // Someone else's card: kept in the payload, never the sender's phone.
  const auto other = onlyMessage(parseFixture("contact_other"));
  EXPECT_EQ(other.kind, core::MessageKind::Contacts);
  EXPECT_EQ(other.text, "Bernd Bauer");
  EXPECT_TRUE(other.contact.phone.empty());
  const auto card = payloadOf(other).at("contacts").as_array().at(0).as_object();
  EXPECT_EQ(card.at("name").at("formatted_name").as_string(), "Bernd Bauer");
  EXPECT_EQ(card.at("phones").as_array().at(0).at("phone").as_string(), "+49 30 1234567");
  EXPECT_EQ(card.at("telegram_user_id").as_string(), "2222222");
  EXPECT_NE(card.at("vcard").as_string().find("FN:Bernd Bauer"), std::string::npos);

  // The user's own contact (contact.user_id is the sender): Telegram vouches for the number.
  const auto own = onlyMessage(parseFixture("contact_own"));
  EXPECT_EQ(own.contact.external_id, "1111111");
  EXPECT_EQ(own.contact.phone, "+4915112345678");
  EXPECT_TRUE(own.contact.verified);
}

TEST(TelegramWebhook, RepliesQuotesAndForwards) {
  const auto reply = onlyMessage(parseFixture("reply"));
  EXPECT_EQ(reply.text, "A-2025-0042");
  EXPECT_EQ(reply.reply_to_external_id, "1111111:1380");  // the quoted message, in the same chat
  EXPECT_EQ(payloadOf(reply).at("quote").as_string(), "Bestellnummer");

  const auto fwd = onlyMessage(parseFixture("forwarded"));
  const auto p = payloadOf(fwd);
  EXPECT_TRUE(p.at("forwarded").as_bool());
  EXPECT_EQ(p.at("forward_origin").at("type").as_string(), "user");
  EXPECT_TRUE(fwd.reply_to_external_id.empty());
}

// MessageEntity "url: For "text_link" only, URL that will be opened after user taps on the text":
// the desk stores plain text, so the link's target is written out right after its span.
TEST(TelegramWebhook, ATextLinkKeepsItsUrlAfterTheLinkedWords) {
  EXPECT_EQ(onlyMessage(parseFixture("text_link")).text, "my order is here (https://shop.example/orders/42)");
  const auto photo = onlyMessage(parseFixture("caption_text_link"));
  EXPECT_EQ(photo.kind, core::MessageKind::Image);
  EXPECT_EQ(photo.text, "damaged, see tracking (https://track.example/p/7)");
  const auto edit = parseFixture("edited_text_link");
  ASSERT_EQ(edit.batch.edits.size(), 1u);
  EXPECT_EQ(edit.batch.edits[0].text, "my order is over here (https://shop.example/orders/42)");
  // Other entities (bold, italic, mentions) change nothing.
  EXPECT_EQ(onlyMessage(parseFixture("guide_message_with_entities")).text, "Bold and italics");
}

TEST(TelegramWebhook, TextLinkOffsetsCountUtf16UnitsSoEmojiBeforeTheLinkCountTwice) {
  // U+1F600 (4 bytes in UTF-8, 2 UTF-16 units) and "ü" (2 bytes, 1 unit) before the link; the
  // link on "Tracking", the emoji-only link on U+1F4E6 at the end; two links in one text.
  const std::string text = "\xF0\x9F\x98\x80 Grüße: Tracking und \xF0\x9F\x93\xA6";
  const auto m = onlyMessage(parseUpdateOrFail(privateMessage(
      R"("text":")" + text + R"(","entities":[{"type":"text_link","offset":10,"length":8,"url":"https://t.example/1"},)"
      R"({"type":"bold","offset":0,"length":2},{"type":"text_link","offset":23,"length":2,"url":"https://t.example/box"}])")));
  EXPECT_EQ(m.text, "\xF0\x9F\x98\x80 Grüße: Tracking (https://t.example/1) und \xF0\x9F\x93\xA6 (https://t.example/box)");
  // An offset past the end puts the URL at the end; a span that already is its URL gets nothing.
  EXPECT_EQ(onlyMessage(parseUpdateOrFail(privateMessage(
                R"("text":"see","entities":[{"type":"text_link","offset":2,"length":9,"url":"https://t.example/x"}])")))
                .text,
            "see (https://t.example/x)");
  EXPECT_EQ(onlyMessage(parseUpdateOrFail(privateMessage(
                R"("text":"https://t.example/x","entities":[{"type":"text_link","offset":0,"length":19,"url":"https://t.example/x"}])")))
                .text,
            "https://t.example/x");
  // A length that ends inside a surrogate pair ends after the whole emoji.
  EXPECT_EQ(onlyMessage(parseUpdateOrFail(privateMessage(
                R"("text":"\uD83D\uDE00!","entities":[{"type":"text_link","offset":0,"length":1,"url":"https://t.example/e"}])")))
                .text,
            "\xF0\x9F\x98\x80 (https://t.example/e)!");
  // A malformed entity is skipped: the links are an extra, the customer's message is kept.
  EXPECT_EQ(onlyMessage(parseUpdateOrFail(privateMessage(
                    R"("text":"a b","entities":[{"type":"text_link","offset":"0","length":1,"url":"https://t.example"},)"
                    R"({"type":"text_link","offset":2,"length":1,"url":")" + std::string(9000, 'x') + R"("},"x",)"
                    R"({"type":"text_link","offset":2,"length":1,"url":"https://t.example/ok"}])")))
                .text,
            "a b (https://t.example/ok)");
  EXPECT_EQ(onlyMessage(parseUpdateOrFail(privateMessage(R"("text":"a","entities":{})"))).text, "a");
}

TEST(TelegramWebhook, EditsUpdateTheStoredMessageAndNeverAddOne) {
  const auto text = parseFixture("edited_message");
  EXPECT_TRUE(text.batch.messages.empty());
  ASSERT_EQ(text.batch.edits.size(), 1u);
  EXPECT_EQ(text.batch.edits[0].provider_message_id, "1111111:1365");  // the id text.json was stored under
  EXPECT_EQ(text.batch.edits[0].text, "Hallo, meine Bestellung A-2025-0042 ist noch nicht angekommen.");
  EXPECT_EQ(text.batch.edits[0].at, 1735689700000);

  const auto caption = parseFixture("edited_caption");
  ASSERT_EQ(caption.batch.edits.size(), 1u);
  EXPECT_EQ(caption.batch.edits[0].provider_message_id, "1111111:1366");
  EXPECT_EQ(caption.batch.edits[0].text, "So sah das Paket bei der Lieferung aus");

  // A caption removed: the photo's text becomes empty.
  auto removed = tg::parseUpdate(
      R"({"update_id":3,"edited_message":{"message_id":9,"chat":{"id":42,"type":"private"},"date":1,"edit_date":2,"photo":[{"file_id":"p","file_unique_id":"u","width":1,"height":1}]}})");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  ASSERT_EQ(removed->batch.edits.size(), 1u);
  EXPECT_EQ(removed->batch.edits[0].text, "");

  // A live location moving is an edit too, but nothing an agent reads changes.
  expectIgnored("edited_live_location");
}

TEST(TelegramWebhook, CallbackQueryIsAnInteractiveMessageWithTheButtonsDataAndLabel) {
  const auto u = parseFixture("callback_query");
  EXPECT_EQ(u.callback_query_id, "4382bfdwdsb323b2d9");  // to be answered
  const auto m = onlyMessage(u);
  EXPECT_EQ(m.kind, core::MessageKind::Interactive);
  EXPECT_EQ(m.external_id, "callback:4382bfdwdsb323b2d9");
  EXPECT_EQ(m.text, "Ja, danke");                      // the label of the pressed button
  EXPECT_EQ(m.reply_to_external_id, "1111111:1381");  // the bot's message with the keyboard
  EXPECT_EQ(m.contact.external_id, "1111111");
  EXPECT_EQ(m.contact.name, "Anna Schmidt");
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("interactive_type").as_string(), "callback_query");
  EXPECT_EQ(p.at("data").as_string(), "solved:yes");
  EXPECT_EQ(p.at("title").as_string(), "Ja, danke");

  const auto inline_cb = parseFixture("callback_inline");
  EXPECT_EQ(inline_cb.callback_query_id, "4382bfdwdsb323b2e0");
  const auto im = onlyMessage(inline_cb);
  EXPECT_EQ(im.text, "rate:5");  // no keyboard to find a label in
  EXPECT_EQ(im.contact.external_id, "1111111");
  EXPECT_TRUE(im.reply_to_external_id.empty());
  EXPECT_EQ(payloadOf(im).at("inline_message_id").as_string(), "AAAAAIvoAAAVGf0cLY8vRQ");
}

TEST(TelegramWebhook, ReactionsPointAtTheReactedMessageAndRemovalHasNoEmoji) {
  const auto set = onlyMessage(parseFixture("message_reaction"));
  EXPECT_EQ(set.kind, core::MessageKind::Reaction);
  EXPECT_EQ(set.text, "❤");
  EXPECT_EQ(set.reply_to_external_id, "1111111:1380");
  EXPECT_EQ(set.external_id, "1111111:1380:reaction:10020");  // redelivery repeats update_id
  EXPECT_EQ(set.contact.external_id, "1111111");
  auto p = payloadOf(set);
  EXPECT_EQ(p.at("emoji").as_string(), "❤");
  EXPECT_FALSE(p.at("removed").as_bool());
  EXPECT_EQ(p.at("message_id").as_string(), "1111111:1380");

  const auto removed = onlyMessage(parseFixture("message_reaction_removed"));
  EXPECT_EQ(removed.text, "");
  EXPECT_TRUE(payloadOf(removed).at("removed").as_bool());
  EXPECT_NE(removed.external_id, set.external_id);
}

TEST(TelegramWebhook, GroupChatIsOneContactAndConversationWithTheMemberInThePayload) {
  const auto m = onlyMessage(parseFixture("group_message"));
  // The group is the contact: every member's message lands in the group's conversation, and a
  // reply goes back to the group.
  EXPECT_EQ(m.contact.external_id, "-1001234567890");
  EXPECT_EQ(m.contact.name, "Einkauf Müller GmbH");
  EXPECT_EQ(m.external_id, "-1001234567890:88");
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("from").at("id").as_string(), "3333333");
  EXPECT_EQ(p.at("from").at("name").as_string(), "Carla");
  EXPECT_EQ(p.at("from").at("username").as_string(), "carla_c");
  EXPECT_EQ(p.at("chat").at("type").as_string(), "supergroup");
  EXPECT_EQ(p.at("message_thread_id").as_string(), "12");
  EXPECT_FALSE(p.contains("is_topic_message"));  // a reply thread, not a forum topic
  const auto topic = onlyMessage(tg::parseUpdate(R"({"update_id":1,"message":{"message_id":9,"message_thread_id":12,"is_topic_message":true,"from":{"id":3,"is_bot":false,"first_name":"C"},"chat":{"id":-1001234567890,"type":"supergroup","title":"G","is_forum":true},"date":1,"text":"x"}})").value());
  EXPECT_TRUE(payloadOf(topic).at("is_topic_message").as_bool());
}

TEST(TelegramWebhook, AForumTopicMessageAsALiveGroupSendsIt) {
  const auto m = onlyMessage(parseFixture("forum_topic_reply"));
  EXPECT_EQ(m.text, "And the operator answers");
  EXPECT_EQ(m.contact.external_id, "-1001854699958");
  EXPECT_EQ(m.reply_to_external_id, "-1001854699958:30");  // the topic's creation message
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("message_thread_id").as_string(), "30");
  EXPECT_TRUE(p.at("is_topic_message").as_bool());
}

TEST(TelegramSend, PhotosTelegramRefusesAreRecognised) {
  EXPECT_TRUE(tg::photoRefused(tg::parseApiError(R"({"ok":false,"error_code":400,"description":"Bad Request: PHOTO_INVALID_DIMENSIONS"})").description));
  EXPECT_TRUE(tg::photoRefused("Bad Request: IMAGE_PROCESS_FAILED"));
  EXPECT_FALSE(tg::photoRefused("Bad Request: chat not found"));
  EXPECT_FALSE(tg::photoRefused(""));
}

TEST(TelegramSend, AForumTopicIsNamedInTheRequest) {
  tg::SendRequest r{"-1001234567890", "Gern", "", {}, "12"};
  auto body = tg::encodeSendMessage(r);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(json::parse(*body).at("message_thread_id").as_int64(), 12);
  auto fields = tg::encodeSendFileFields(r);
  ASSERT_TRUE(fields.ok());
  EXPECT_NE(std::find(fields->begin(), fields->end(), std::pair<std::string, std::string>{"message_thread_id", "12"}), fields->end());
  r.message_thread_id = "";
  EXPECT_FALSE(json::parse(*tg::encodeSendMessage(r)).as_object().contains("message_thread_id"));
  r.message_thread_id = "-3";
  EXPECT_FALSE(tg::encodeSendMessage(r).ok());
}

// Bot API, my_chat_member: "For private chats, this update is received only when the bot is
// blocked or unblocked by the user": a line for the agent, named by the update.
TEST(TelegramWebhook, AUserBlockingOrUnblockingTheBotIsANoticeForTheirChat) {
  const auto blocked = parseFixture("my_chat_member");
  EXPECT_TRUE(blocked.batch.messages.empty());
  EXPECT_EQ(blocked.batch.ignored, 0);
  ASSERT_TRUE(blocked.notice.has_value());
  EXPECT_EQ(blocked.notice->notice_id, "my_chat_member:10027");
  EXPECT_EQ(blocked.notice->external_id, "1111111");
  EXPECT_EQ(blocked.notice->kind, "bot_blocked");
  EXPECT_EQ(blocked.notice->text.rfind("The customer blocked the bot", 0), 0u);
  EXPECT_EQ(blocked.notice->at, 1735691200000);
  const auto unblocked = parseFixture("my_chat_member_unblocked");
  ASSERT_TRUE(unblocked.notice.has_value());
  EXPECT_EQ(unblocked.notice->kind, "bot_unblocked");
  EXPECT_EQ(unblocked.notice->text, "The customer unblocked the bot");
  EXPECT_EQ(unblocked.notice->notice_id, "my_chat_member:10028");
  EXPECT_FALSE(parseFixture("my_chat_member_group").notice.has_value());
  // A member change without the statuses is malformed.
  expectInvalid(R"({"update_id":9,"my_chat_member":{"chat":{"id":1,"type":"private"},"date":1,"new_chat_member":{"status":"kicked"}}})",
                "my_chat_member.old_chat_member");
}

TEST(TelegramWebhook, ServiceMessagesAndOtherUpdateKindsAreAcceptedAndIgnored) {
  expectIgnored("service_new_members");
  expectIgnored("automatic_forward");  // the business's own channel post, mirrored into its group
  expectIgnored("channel_post");
  expectIgnored("my_chat_member_group");  // the bot removed from a group: no customer's doing in a chat of theirs
  expectIgnored("unknown_kind");
  for (const char* kind : {"inline_query", "chosen_inline_result", "shipping_query", "pre_checkout_query", "poll",
                           "poll_answer", "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
                           "business_connection", "business_message", "edited_business_message",
                           "deleted_business_messages", "message_reaction_count", "purchased_paid_media",
                           "edited_channel_post"}) {
    SCOPED_TRACE(kind);
    auto r = tg::parseUpdate(std::string(R"({"update_id":7,")") + kind + R"(":{"id":"x","anything":[1,2,3]}})");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->batch.messages.empty());
    EXPECT_EQ(r->batch.ignored, 1);
  }
  // A bare update (no kind at all) is accepted too.
  auto bare = tg::parseUpdate(R"({"update_id":8})");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->batch.ignored, 1);
}

TEST(TelegramWebhook, CustomerContentThisCodeDoesNotNormaliseIsKeptAsUnsupported) {
  const auto m = onlyMessage(parseFixture("poll"));
  EXPECT_EQ(m.kind, core::MessageKind::Unsupported);
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("type").as_string(), "poll");
  EXPECT_EQ(p.at("poll").at("question").as_string(), "Lieferung morgen oder übermorgen?");
  auto dice = tg::parseUpdate(privateMessage(R"("dice":{"emoji":"🎲","value":4})"));
  ASSERT_TRUE(dice.ok());
  EXPECT_EQ(onlyMessage(*dice).kind, core::MessageKind::Unsupported);
}

TEST(TelegramWebhook, UnknownFieldsAreIgnored) {
  const auto m = onlyMessage(parseFixture("unknown_fields"));
  EXPECT_EQ(m.text, "Danke!");
  EXPECT_EQ(m.external_id, "1111111:1383");
}

TEST(TelegramWebhook, IdsBeyondTwoToTheFiftyThreeAreKeptExactly) {
  const auto u = parseFixture("huge_ids");
  EXPECT_EQ(u.update_id, "18446744073709551615");
  const auto m = onlyMessage(u);
  EXPECT_EQ(m.contact.external_id, "9007199254740993");  // 2^53 + 1: a double would say ...992
  EXPECT_EQ(m.external_id, "9007199254740993:9223372036854775807");
  EXPECT_EQ(m.reply_to_external_id, "9007199254740993:9007199254740995");
  // Negative supergroup ids, and ids given as decimal strings by a re-encoding proxy.
  auto r = tg::parseUpdate(
      R"({"update_id":"12","message":{"message_id":"3","chat":{"id":"-1009007199254740993","type":"supergroup","title":"G"},"date":1,"text":"x"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(onlyMessage(*r).external_id, "-1009007199254740993:3");
}

// The example updates of Telegram's webhook guide, as published
// (https://core.telegram.org/bots/webhooks#testing-your-bot-with-updates; fixtures guide_*.json).
TEST(TelegramWebhook, TheWebhookGuidesExampleUpdates) {
  {
    // The first example's chat has no "type": a private chat, as every chat with a first_name.
    const auto m = onlyMessage(parseFixture("guide_message_text_curl"));
    EXPECT_EQ(m.kind, core::MessageKind::Text);
    EXPECT_EQ(m.text, "/start");
    EXPECT_EQ(m.external_id, "1111111:1365");
    EXPECT_EQ(m.contact.external_id, "1111111");
    EXPECT_EQ(m.contact.name, "Test Test Lastname");
    EXPECT_EQ(m.sent_at, 1441645532000);
  }
  EXPECT_EQ(onlyMessage(parseFixture("guide_message_text")).contact.name, "Test Firstname Test Lastname");
  for (const char* name : {"guide_forwarded_message", "guide_forwarded_channel_message"}) {
    SCOPED_TRACE(name);
    const auto m = onlyMessage(parseFixture(name));
    EXPECT_EQ(m.text, "/start");
    const auto p = payloadOf(m);
    EXPECT_TRUE(p.at("forwarded").as_bool());  // the pre-7.0 forward_from / forward_date
    EXPECT_TRUE(p.at("forward_from").is_object());
  }
  {
    const auto m = onlyMessage(parseFixture("guide_message_with_reply"));
    EXPECT_EQ(m.reply_to_external_id, "1111111:1334");  // a reply quotes a message of the same chat
  }
  {
    const auto u = parseFixture("guide_edited_message");
    ASSERT_EQ(u.batch.edits.size(), 1u);
    EXPECT_TRUE(u.batch.messages.empty());
    EXPECT_EQ(u.batch.edits[0].provider_message_id, "1111111:1365");
    EXPECT_EQ(u.batch.edits[0].text, "Edited text");
    EXPECT_EQ(u.batch.edits[0].at, 1441646600000);
  }
  EXPECT_EQ(onlyMessage(parseFixture("guide_message_with_entities")).text, "Bold and italics");
  {
    const auto m = onlyMessage(parseFixture("guide_message_with_audio"));
    EXPECT_EQ(m.kind, core::MessageKind::Audio);
    ASSERT_EQ(m.media.size(), 1u);
    EXPECT_EQ(m.media[0].provider_ref, "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX");
    EXPECT_EQ(m.media[0].mime_type, "audio/mpeg");
    EXPECT_EQ(payloadOf(m).at("title").as_string(), "Test music file");
  }
  {
    const auto m = onlyMessage(parseFixture("guide_voice_message"));
    EXPECT_EQ(m.kind, core::MessageKind::Audio);
    ASSERT_EQ(m.media.size(), 1u);
    EXPECT_EQ(m.media[0].mime_type, "audio/ogg");
  }
  {
    const auto m = onlyMessage(parseFixture("guide_message_with_document"));
    EXPECT_EQ(m.kind, core::MessageKind::Document);
    ASSERT_EQ(m.media.size(), 1u);
    EXPECT_EQ(m.media[0].filename, "Testfile.pdf");
    EXPECT_EQ(m.media[0].mime_type, "application/pdf");
  }
  // inline_query (whose id the guide writes as a number) and chosen_inline_result: not messages.
  expectIgnored("guide_inline_query");
  expectIgnored("guide_chosen_inline_query");
  {
    const auto u = parseFixture("guide_callback_query");
    const auto m = onlyMessage(u);
    EXPECT_EQ(u.callback_query_id, "4382bfdwdsb323b2d9");
    EXPECT_EQ(m.kind, core::MessageKind::Interactive);
    EXPECT_EQ(m.text, "Data from button callback");
    EXPECT_EQ(m.contact.external_id, "1111111");  // an inline message: the user's private chat
    EXPECT_EQ(payloadOf(m).at("inline_message_id").as_string(), "1234csdbsk4839");
  }
}

TEST(TelegramWebhook, AlbumPartsKeepTheirMediaGroup) {
  const auto m = onlyMessage(tg::parseUpdate(privateMessage(
      R"("media_group_id":"13659213456789","photo":[{"file_id":"A","file_unique_id":"a","width":90,"height":60}])")).value());
  EXPECT_EQ(m.kind, core::MessageKind::Image);
  EXPECT_EQ(payloadOf(m).at("media_group_id").as_string(), "13659213456789");
}

TEST(TelegramWebhook, EveryFixtureParsesTheSameTwice) {
  std::size_t count = 0;
  for (const auto& name : parley::test::jsonFixtureNames("telegram")) {
    SCOPED_TRACE(name + ".json");
    const auto first = parseFixture(name);
    const auto second = parseFixture(name);
    ASSERT_EQ(first.batch.messages.size(), second.batch.messages.size());
    EXPECT_EQ(first.batch.messages.size() + first.batch.edits.size() + static_cast<std::size_t>(first.batch.ignored) +
                  (first.notice ? 1u : 0u),
              1u);
    EXPECT_EQ(first.notice.has_value(), second.notice.has_value());
    if (first.notice && second.notice) EXPECT_EQ(first.notice->notice_id, second.notice->notice_id);
    for (std::size_t i = 0; i < first.batch.messages.size(); ++i) {
      const auto& m = first.batch.messages[i];
      EXPECT_EQ(m.external_id, second.batch.messages[i].external_id);
      EXPECT_EQ(m.payload_json, second.batch.messages[i].payload_json);
      EXPECT_FALSE(m.external_id.empty());
      EXPECT_FALSE(m.contact.external_id.empty());
      EXPECT_FALSE(m.contact.name.empty());
      EXPECT_TRUE(m.account_id.empty());
      EXPECT_TRUE(json::parse(m.payload_json).is_object());
    }
    ++count;
  }
  EXPECT_GE(count, 30u);
}

// ---- malformed and adversarial input -----------------------------------------------------------

TEST(TelegramWebhookAdversarial, EveryTruncationIsRejectedCleanly) {
  for (const char* name : {"callback_query", "photo", "huge_ids"}) {
    const std::string body = readFixture(name);
    for (std::size_t n = 0; n < body.size(); ++n) {
      auto r = tg::parseUpdate(std::string_view(body).substr(0, n));
      if (r.ok()) {
        EXPECT_EQ(body.find_first_not_of(" \n\t\r", n), std::string::npos) << name << " cut at " << n;
      } else {
        EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput);
      }
    }
  }
}

TEST(TelegramWebhookAdversarial, InvalidUtf8IsRejected) {
  expectInvalid(privateMessage("\"text\":\"\xC3\x28\""));
  expectInvalid(privateMessage("\"text\":\"\xED\xA0\x80\""));  // a UTF-16 surrogate
  expectInvalid(privateMessage("\"text\":\"ok\",\"future\":\"\xFF\""));
  expectInvalid(std::string("\xEF\xBB\xBF\xFE{}"));
  expectInvalid(std::string("{\"update_id\":1}\x80"));
}

TEST(TelegramWebhookAdversarial, TenThousandDeepNestingIsRejectedWithoutRecursing) {
  const int depth = 10'000;
  expectInvalid(std::string(depth, '[') + std::string(depth, ']'));
  std::string objects;
  for (int i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  expectInvalid(objects);
  // Hidden in an unknown field of an otherwise valid update.
  expectInvalid(privateMessage("\"text\":\"x\",\"future\":" + std::string(depth, '[') + std::string(depth, ']')));
  // Reasonable nesting inside an unknown field is fine.
  auto ok = tg::parseUpdate(privateMessage("\"text\":\"x\",\"future\":" + std::string(40, '[') + std::string(40, ']')));
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST(TelegramWebhookAdversarial, IdsThatAreNotExact64BitIntegersAreRefused) {
  // A fraction, an exponent, or more than 64 bits: the parser made a double of it, digits may
  // already be lost, so it is refused rather than rounded to someone else's chat.
  expectInvalid(privateMessage("\"text\":\"x\"", R"("message_id":5.5,)"), "message_id");
  expectInvalid(privateMessage("\"text\":\"x\"", R"("message_id":1e3,)"), "message_id");
  expectInvalid(R"({"update_id":1,"message":{"message_id":1,"chat":{"id":123456789012345678901234567890,"type":"private"},"date":1,"text":"x"}})",
                "chat.id");
  expectInvalid(R"({"update_id":1,"message":{"message_id":1,"chat":{"id":-9.2e18,"type":"private"},"date":1,"text":"x"}})", "chat.id");
  expectInvalid(R"({"update_id":1,"message":{"message_id":1,"chat":{"id":"12abc","type":"private"},"date":1,"text":"x"}})", "chat.id");
  expectInvalid(R"({"update_id":1,"message":{"message_id":1,"chat":{"id":"007","type":"private"},"date":1,"text":"x"}})", "chat.id");
  expectInvalid(R"({"update_id":1.0})", "update_id");
  // 1e400 is infinity to the parser, and infinity has no JSON spelling: refused wherever it is.
  expectInvalid(privateMessage(R"("text":"x","forward_origin":{"type":"user","date":1e400})"), "out of range");
  expectInvalid(privateMessage(R"("location":{"latitude":1,"longitude":2,"horizontal_accuracy":-1e400})"), "out of range");
  expectInvalid(R"({"update_id":18446744073709551616})", "update_id");
  expectInvalid(privateMessage("\"text\":\"x\",\"reply_to_message\":{\"message_id\":true}"), "reply_to_message.message_id");
  // Message ids are positive: "-5" would make "<chat>:-5", which names no message.
  expectInvalid(privateMessage("\"text\":\"x\"", R"("message_id":-5,)"), "message_id");
  expectInvalid(privateMessage("\"text\":\"x\"", R"("message_id":0,)"), "message_id");
}

TEST(TelegramWebhookAdversarial, NonObjectsEmptyBodiesAndHugeBodies) {
  for (const char* body : {"", " ", "[]", "\"text\"", "42", "null", "true", "{", "}", "{\"update_id\":1}x"}) {
    SCOPED_TRACE(body);
    expectInvalid(body);
  }
  expectInvalid("{}", "update_id");
  const auto start = std::chrono::steady_clock::now();
  const std::string huge_text(5 * 1024 * 1024, 'a');
  auto big = tg::parseUpdate(privateMessage("\"text\":\"" + huge_text + "\""));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(onlyMessage(*big).text.size(), huge_text.size());
  expectInvalid(std::string(5 * 1024 * 1024, '{'));
  auto too_large = tg::parseUpdate(std::string(tg::kMaxWebhookBytes + 1, ' '));
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().code, core::ErrorCode::TooLarge);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count(), 10);
}

TEST(TelegramWebhookAdversarial, DocumentedFieldsWithTheWrongTypeNameThePath) {
  expectInvalid(R"({"update_id":1,"message":"hi"})", "message");
  expectInvalid(R"({"update_id":1,"message":{"chat":{"id":1},"date":1,"text":"x"}})", "message.message_id");
  expectInvalid(R"({"update_id":1,"message":{"message_id":1,"date":1,"text":"x"}})", "message.chat");
  expectInvalid(R"({"update_id":1,"message":{"message_id":1,"chat":"42","date":1,"text":"x"}})", "message.chat");
  expectInvalid(R"({"update_id":1,"message":{"message_id":1,"chat":{"type":"private"},"date":1,"text":"x"}})", "chat.id");
  expectInvalid(privateMessage(R"("text":5)"), "message.text");
  expectInvalid(privateMessage(R"("text":"x","from":{"id":"x"})"), "from.id");
  expectInvalid(R"({"update_id":1,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"date":"today","text":"x"}})", "date");
  expectInvalid(R"({"update_id":1,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"date":-5,"text":"x"}})", "date");
  expectInvalid(privateMessage(R"("photo":[])"), "photo");
  expectInvalid(privateMessage(R"("photo":{"file_id":"x"})"), "photo");
  expectInvalid(privateMessage(R"("photo":[{"width":1,"height":1}])"), "file_id");
  expectInvalid(privateMessage(R"("document":{"file_id":"d","file_name":[]})"), "file_name");
  expectInvalid(privateMessage(R"("location":{"latitude":"52.5","longitude":13.4})"), "latitude");
  expectInvalid(privateMessage(R"("location":{"latitude":95,"longitude":13.4})"), "latitude");
  expectInvalid(privateMessage(R"("venue":{"title":"no location"})"), "venue.location");
  expectInvalid(privateMessage(R"("contact":{"phone_number":49})"), "phone_number");
  expectInvalid(R"({"update_id":1,"callback_query":{"from":{"id":1},"data":"x"}})", "callback_query.id");
  expectInvalid(R"({"update_id":1,"callback_query":{"id":"q","data":"x"}})", "callback_query.from");
  expectInvalid(R"({"update_id":1,"message_reaction":{"chat":{"id":1,"type":"private"},"message_id":1,"date":1,"new_reaction":[1]}})",
                "new_reaction[0]");
  expectInvalid(R"({"update_id":1,"edited_message":{"message_id":1,"chat":{"id":1},"date":1,"text":[]}})", "edited_message.text");
}

// ---- authenticity ------------------------------------------------------------------------------

TEST(TelegramSecretToken, OnlyTheExactTokenPasses) {
  const std::string secret = "s3cr3t_Token-abc";
  EXPECT_TRUE(tg::verifySecretToken(secret, secret));
  EXPECT_FALSE(tg::verifySecretToken(secret, "s3cr3t_Token-abd"));
  EXPECT_FALSE(tg::verifySecretToken(secret, "s3cr3t_Token-ab"));
  EXPECT_FALSE(tg::verifySecretToken(secret, secret + "c"));
  EXPECT_FALSE(tg::verifySecretToken(secret, ""));
  EXPECT_FALSE(tg::verifySecretToken(secret, "S3CR3T_TOKEN-ABC"));
  EXPECT_FALSE(tg::verifySecretToken("", ""));  // an inbox without a token accepts nothing
  EXPECT_TRUE(tg::validSecretToken("abc_DEF-123"));
  EXPECT_TRUE(tg::validSecretToken(std::string(256, 'a')));
  EXPECT_FALSE(tg::validSecretToken(std::string(257, 'a')));
  EXPECT_FALSE(tg::validSecretToken(""));
  EXPECT_FALSE(tg::validSecretToken("with space"));
  EXPECT_FALSE(tg::validSecretToken("ümlaut"));
  EXPECT_TRUE(tg::validBotToken("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"));
  for (const char* bad : {"", "123456789", ":abc", "123:", "1:2:3", "123:abc/../x", "123:abc?x=1", "123:ab c"}) {
    EXPECT_FALSE(tg::validBotToken(bad)) << bad;
  }
}

// ---- outbound ----------------------------------------------------------------------------------

TEST(TelegramSend, TextIsPlainWithTheChatIdAsAnIntegerAndAQuotedReply) {
  tg::SendRequest r{"-1001234567890", "Hallo *Anna* <b>!</b>", "1380", {}};
  auto body = tg::encodeSendMessage(r);
  ASSERT_TRUE(body.ok()) << body.error().message;
  const auto o = json::parse(*body).as_object();
  EXPECT_EQ(o.at("chat_id").as_int64(), -1001234567890);
  EXPECT_EQ(o.at("text").as_string(), "Hallo *Anna* <b>!</b>");
  EXPECT_FALSE(o.contains("parse_mode"));  // the agent's text is never read as markup
  EXPECT_EQ(o.at("reply_parameters").at("message_id").as_int64(), 1380);
  EXPECT_TRUE(o.at("reply_parameters").at("allow_sending_without_reply").as_bool());
  EXPECT_FALSE(o.contains("reply_markup"));
  auto plain = tg::encodeSendMessage({"42", "hi", "", {}});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(json::parse(*plain).as_object().contains("reply_parameters"));
}

TEST(TelegramSend, LimitsAreInUtf16UnitsAndBadInputIsRefused) {
  EXPECT_TRUE(tg::encodeSendMessage({"42", std::string(4096, 'a'), "", {}}).ok());
  EXPECT_FALSE(tg::encodeSendMessage({"42", std::string(4097, 'a'), "", {}}).ok());
  std::string emoji;
  for (int i = 0; i < 2048; ++i) emoji += "😀";  // 2 UTF-16 units each
  EXPECT_TRUE(tg::encodeSendMessage({"42", emoji, "", {}}).ok());
  EXPECT_FALSE(tg::encodeSendMessage({"42", emoji + "😀", "", {}}).ok());
  std::string umlauts;
  for (int i = 0; i < 4096; ++i) umlauts += "ü";  // 2 bytes, 1 unit
  EXPECT_TRUE(tg::encodeSendMessage({"42", umlauts, "", {}}).ok());
  EXPECT_FALSE(tg::encodeSendMessage({"42", "  \n ", "", {}}).ok());
  EXPECT_FALSE(tg::encodeSendMessage({"42", "\xC3\x28", "", {}}).ok());
  for (const char* chat : {"", "abc", "12.5", "99999999999999999999", "@channel", "1; DROP"}) {
    EXPECT_FALSE(tg::encodeSendMessage({chat, "hi", "", {}}).ok()) << chat;
  }
  EXPECT_FALSE(tg::encodeSendMessage({"42", "hi", "x", {}}).ok());
  EXPECT_FALSE(tg::encodeSendMessage({"42", "hi", "-3", {}}).ok());
  // Captions: 1024, and may be empty.
  EXPECT_TRUE(tg::encodeSendFileFields({"42", "", "", {}}).ok());
  EXPECT_TRUE(tg::encodeSendFileFields({"42", std::string(1024, 'c'), "", {}}).ok());
  EXPECT_FALSE(tg::encodeSendFileFields({"42", std::string(1025, 'c'), "", {}}).ok());
}

TEST(TelegramSend, FileFieldsCarryCaptionQuoteAndKeyboardAsText) {
  tg::SendRequest r{"42", "Ihre Rechnung", "7", {{{"OK", "ok", ""}}}};
  auto fields = tg::encodeSendFileFields(r);
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  std::map<std::string, std::string> f(fields->begin(), fields->end());
  EXPECT_EQ(f.at("chat_id"), "42");
  EXPECT_EQ(f.at("caption"), "Ihre Rechnung");
  EXPECT_EQ(json::parse(f.at("reply_parameters")).at("message_id").as_int64(), 7);
  EXPECT_EQ(json::parse(f.at("reply_markup")).at("inline_keyboard").at(0).at(0).at("callback_data").as_string(), "ok");
  EXPECT_EQ(tg::fileMethodFor("image/jpeg", 1000), tg::FileMethod::Photo);
  EXPECT_EQ(tg::fileMethodFor("image/png", 1000), tg::FileMethod::Photo);
  EXPECT_EQ(tg::fileMethodFor("image/jpeg", tg::kMaxPhotoUploadBytes + 1), tg::FileMethod::Document);
  EXPECT_EQ(tg::fileMethodFor("image/gif", 1000), tg::FileMethod::Document);
  EXPECT_EQ(tg::fileMethodFor("application/pdf", 1000), tg::FileMethod::Document);
  EXPECT_STREQ(tg::fileMethodName(tg::FileMethod::Photo), "sendPhoto");
  EXPECT_STREQ(tg::filePartName(tg::FileMethod::Document), "document");
}

TEST(TelegramSend, AnAlbumNamesItsFilesByPartWithTheTextAsTheFirstCaption) {
  // sendMediaGroup: "media: A JSON-serialized array describing messages to be sent, must include
  // 2-10 items"; a file uploaded with the request is named "attach://<file_attach_name>".
  tg::SendRequest r{"42", "Die Fotos", "7", {}};
  r.message_thread_id = "12";
  auto fields = tg::encodeSendMediaGroupFields(r, {{tg::FileMethod::Photo, "file0"}, {tg::FileMethod::Photo, "file1"}});
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  std::map<std::string, std::string> f(fields->begin(), fields->end());
  EXPECT_EQ(f.at("chat_id"), "42");
  EXPECT_EQ(f.at("message_thread_id"), "12");
  EXPECT_EQ(json::parse(f.at("reply_parameters")).at("message_id").as_int64(), 7);
  EXPECT_EQ(f.count("caption"), 0u);  // the album has no caption field; its first file does
  EXPECT_EQ(json::parse(f.at("media")),
            json::parse(R"([{"type":"photo","media":"attach://file0","caption":"Die Fotos"},{"type":"photo","media":"attach://file1"}])"));
  r.text.clear();
  auto no_text = tg::encodeSendMediaGroupFields(r, {{tg::FileMethod::Document, "a"}, {tg::FileMethod::Document, "b"}});
  ASSERT_TRUE(no_text.ok());
  EXPECT_EQ(json::parse(std::map<std::string, std::string>(no_text->begin(), no_text->end()).at("media")),
            json::parse(R"([{"type":"document","media":"attach://a"},{"type":"document","media":"attach://b"}])"));

  // What Telegram refuses: one file or eleven, documents with photos, buttons, a long caption.
  const tg::AlbumFile photo{tg::FileMethod::Photo, "p"};
  EXPECT_FALSE(tg::encodeSendMediaGroupFields(r, {photo}).ok());
  EXPECT_FALSE(tg::encodeSendMediaGroupFields(r, std::vector<tg::AlbumFile>(11, photo)).ok());
  EXPECT_TRUE(tg::encodeSendMediaGroupFields(r, std::vector<tg::AlbumFile>(10, photo)).ok());
  auto mixed = tg::encodeSendMediaGroupFields(r, {photo, {tg::FileMethod::Document, "d"}});
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("photos only with photos"), std::string::npos);
  EXPECT_FALSE(tg::encodeSendMediaGroupFields(r, {photo, {tg::FileMethod::Photo, "x\"y"}}).ok());
  r.inline_keyboard = {{{"OK", "ok", ""}}};
  EXPECT_FALSE(tg::encodeSendMediaGroupFields(r, {photo, photo}).ok());
  r.inline_keyboard.clear();
  r.text = std::string(1025, 'c');
  EXPECT_FALSE(tg::encodeSendMediaGroupFields(r, {photo, photo}).ok());
}

TEST(TelegramSend, AnAlbumsAnswerIsTheListOfItsMessagesAndTheFirstIsTheReplys) {
  auto ok = tg::interpretMediaGroupAnswer(200, R"({"ok":true,"result":[
      {"message_id":501,"media_group_id":"13901","chat":{"id":42,"type":"private","first_name":"A"},"date":1735690000,"caption":"Die Fotos","photo":[]},
      {"message_id":502,"media_group_id":"13901","chat":{"id":42,"type":"private","first_name":"A"},"date":1735690000,"photo":[]}]})");
  EXPECT_EQ(ok.outcome, Outcome::Delivered);
  EXPECT_EQ(ok.provider_message_id, "42:501");
  EXPECT_EQ(tg::interpretMediaGroupAnswer(200, R"({"ok":true,"result":[]})").outcome, Outcome::Failed);
  EXPECT_EQ(tg::interpretMediaGroupAnswer(200, R"({"ok":true,"result":{"message_id":1,"chat":{"id":1,"type":"private"},"date":1}})").outcome,
            Outcome::Failed);
  auto flood = tg::interpretMediaGroupAnswer(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 9","parameters":{"retry_after":9}})");
  EXPECT_EQ(flood.outcome, Outcome::RetryLater);
  EXPECT_EQ(flood.retry_after_ms, 9000);
  EXPECT_EQ(tg::interpretMediaGroupAnswer(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})").outcome,
            Outcome::Failed);
}

TEST(TelegramSend, InlineKeyboardFromTheMessagePayload) {
  auto kb = tg::inlineKeyboardFromPayload(
      R"({"inline_keyboard":[[{"text":"Ja","callback_data":"yes"},{"text":"Nein","callback_data":"no"}],[{"text":"Hilfe","url":"https://example.com/h"}]]})");
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  ASSERT_EQ(kb->size(), 2u);
  auto body = tg::encodeSendMessage({"42", "Gelöst?", "", *kb});
  ASSERT_TRUE(body.ok()) << body.error().message;
  const auto rows = json::parse(*body).at("reply_markup").at("inline_keyboard").as_array();
  EXPECT_EQ(rows.at(0).at(1).at("text").as_string(), "Nein");
  EXPECT_EQ(rows.at(1).at(0).at("url").as_string(), "https://example.com/h");
  // No keyboard, or a payload that is not about keyboards: nothing.
  EXPECT_TRUE(tg::inlineKeyboardFromPayload("{}")->empty());
  EXPECT_TRUE(tg::inlineKeyboardFromPayload("")->empty());
  EXPECT_TRUE(tg::inlineKeyboardFromPayload(R"({"emoji":"x"})")->empty());
  // Malformed keyboards are refused when the reply is written, not at delivery.
  EXPECT_FALSE(tg::inlineKeyboardFromPayload(R"({"inline_keyboard":{}})").ok());
  EXPECT_FALSE(tg::inlineKeyboardFromPayload(R"({"inline_keyboard":[{"text":"x"}]})").ok());
  EXPECT_FALSE(tg::inlineKeyboardFromPayload(R"({"inline_keyboard":[[{"text":"x","callback_data":")" + std::string(65, 'd') + R"("}]]})").ok());
  auto neither = tg::inlineKeyboardFromPayload(R"({"inline_keyboard":[[{"text":"x"}]]})");
  ASSERT_TRUE(neither.ok());
  EXPECT_FALSE(tg::encodeSendMessage({"42", "hi", "", *neither}).ok());
  auto js = tg::inlineKeyboardFromPayload(R"json({"inline_keyboard":[[{"text":"x","url":"javascript:alert(1)"}]]})json");
  ASSERT_TRUE(js.ok());
  EXPECT_FALSE(tg::encodeSendMessage({"42", "hi", "", *js}).ok());
}

// The reply API's "buttons" (app/reply_buttons): Telegram's rules for an InlineKeyboardButton,
// then the payload the gateway turns into reply_markup.inline_keyboard.
TEST(TelegramSend, ReplyButtonsBecomeTheInlineKeyboardTelegramDocuments) {
  const app::ReplyButtons rows{{{"Ja, gelöst", "solved:yes", ""}, {"Nein", "solved:no", ""}},
                               {{"Hilfe-Center", "", "https://example.com/hilfe?a=1&b=\"2\""}, {"Bot", "", "tg://resolve?domain=parley"}}};
  ASSERT_TRUE(app::validateReplyButtons(rows).ok());
  const std::string payload = app::replyButtonsPayload(rows);
  auto keyboard = tg::inlineKeyboardFromPayload(payload);
  ASSERT_TRUE(keyboard.ok()) << keyboard.error().message;
  auto body = tg::encodeSendMessage({"42", "Ist Ihr Problem gelöst?", "", *keyboard});
  ASSERT_TRUE(body.ok()) << body.error().message;
  const auto sent = json::parse(*body);
  const auto expected = json::parse(R"({"inline_keyboard":[[{"text":"Ja, gelöst","callback_data":"solved:yes"},
      {"text":"Nein","callback_data":"solved:no"}],[{"text":"Hilfe-Center","url":"https://example.com/hilfe?a=1&b=\"2\""},
      {"text":"Bot","url":"tg://resolve?domain=parley"}]]})");
  EXPECT_EQ(sent.at("reply_markup"), expected);
  EXPECT_EQ(json::parse(payload), expected);  // the stored payload reads the same
  // With a file: the keyboard goes with sendPhoto / sendDocument as the reply_markup field.
  auto fields = tg::encodeSendFileFields({"42", "Rechnung", "", *keyboard});
  ASSERT_TRUE(fields.ok());
  std::map<std::string, std::string> f(fields->begin(), fields->end());
  EXPECT_EQ(json::parse(f.at("reply_markup")), expected);
}

TEST(TelegramSend, ReplyButtonsAreRefusedWithTheReasonWhenTheyBreakTelegramsRules) {
  auto refused = [](const app::ReplyButtons& rows) {
    auto s = app::validateReplyButtons(rows);
    return s.ok() ? std::string() : s.error().message;
  };
  EXPECT_EQ(refused({}), "");  // no buttons at all is fine
  EXPECT_NE(refused({{{"", "x", ""}}}).find("buttons[0][0].text"), std::string::npos);
  EXPECT_NE(refused({{{"   ", "x", ""}}}).find("needs a label"), std::string::npos);
  EXPECT_NE(refused({{{"a\nb", "x", ""}}}).find("one line"), std::string::npos);
  EXPECT_NE(refused({{{std::string(65, 'l'), "x", ""}}}).find("64 characters"), std::string::npos);
  EXPECT_EQ(refused({{{std::string(64, 'l'), "x", ""}}}), "");
  EXPECT_NE(refused({{{"OK", "", ""}}}).find("exactly one of callback_data"), std::string::npos);
  EXPECT_NE(refused({{{"OK", "ok", "https://example.com"}}}).find("exactly one of callback_data"), std::string::npos);
  // callback_data counts bytes: 64 is the most, also in UTF-8 (ü is two bytes).
  EXPECT_EQ(refused({{{"OK", std::string(64, 'd'), ""}}}), "");
  EXPECT_NE(refused({{{"OK", std::string(65, 'd'), ""}}}).find("1-64 bytes"), std::string::npos);
  std::string umlauts;
  for (int i = 0; i < 33; ++i) umlauts += "\xC3\xBC";
  EXPECT_NE(refused({{{"OK", umlauts, ""}}}).find("buttons[0][0].callback_data"), std::string::npos);
  for (const char* bad : {"javascript:alert(1)", "ftp://example.com", "example.com", "https://", "https://exa mple.com"}) {
    EXPECT_NE(refused({{{"Link", "", bad}}}).find(".url: must be an http://, https:// or tg:// link"), std::string::npos) << bad;
  }
  EXPECT_EQ(refused({{{"Link", "", "HTTPS://Example.com/x"}}}), "");
  EXPECT_NE(refused({{{"a", "a", ""}}, {}}).find("buttons[1]: a row needs at least one button"), std::string::npos);
  EXPECT_NE(refused({std::vector<app::ReplyButton>(9, {"b", "b", ""})}).find("at most 8 buttons in a row"), std::string::npos);
  EXPECT_NE(refused(app::ReplyButtons(11, {{"b", "b", ""}})).find("at most 10 rows"), std::string::npos);
  EXPECT_NE(refused(app::ReplyButtons(10, std::vector<app::ReplyButton>(4, {"b", "b", ""}))).find("at most 30 buttons"),
            std::string::npos);
}

TEST(TelegramSend, UrlsKeepTheTokenInThePathOnlyAndNeverClimb) {
  const std::string token = "123456:ABC-def_ghi";
  EXPECT_EQ(*tg::methodUrl("https://api.telegram.org", token, "sendMessage"), "https://api.telegram.org/bot123456:ABC-def_ghi/sendMessage");
  EXPECT_EQ(*tg::methodUrl("http://127.0.0.1:9/", token, "getFile"), "http://127.0.0.1:9/bot123456:ABC-def_ghi/getFile");
  EXPECT_FALSE(tg::methodUrl("ftp://x", token, "getFile").ok());
  EXPECT_FALSE(tg::methodUrl("https://api.telegram.org", "123/../../x:y", "getFile").ok());
  EXPECT_EQ(*tg::fileUrl("https://api.telegram.org", token, "photos/file_0.jpg"),
            "https://api.telegram.org/file/bot123456:ABC-def_ghi/photos/file_0.jpg");
  EXPECT_EQ(*tg::fileUrl("https://api.telegram.org", token, "documents/a b?#.pdf"),
            "https://api.telegram.org/file/bot123456:ABC-def_ghi/documents/a%20b%3F%23.pdf");
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../b", "a//b", "a/./b", "a/"}) {
    EXPECT_FALSE(tg::fileUrl("https://api.telegram.org", token, bad).ok()) << bad;
  }
}

TEST(TelegramSend, SuccessGivesTheChatScopedIdOfTheSentMessage) {
  auto ok = tg::interpretSendAnswer(
      200, R"({"ok":true,"result":{"message_id":1401,"from":{"id":7000000001,"is_bot":true,"first_name":"Bot"},"chat":{"id":-1001234567890,"type":"supergroup","title":"G"},"date":1735690000,"text":"hi"}})");
  EXPECT_EQ(ok.outcome, Outcome::Delivered);
  EXPECT_EQ(ok.provider_message_id, "-1001234567890:1401");
  auto empty = tg::interpretSendAnswer(200, R"({"ok":true})");
  EXPECT_EQ(empty.outcome, Outcome::Failed);
  EXPECT_FALSE(empty.error.empty());
  EXPECT_EQ(tg::interpretSendAnswer(200, "<html>").outcome, Outcome::Failed);
}

TEST(TelegramSend, ErrorsAreClassified) {
  // Flood control: 429 with parameters.retry_after, which wins over the header.
  auto flood = tg::classifySendError(
      429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})", 2);
  EXPECT_EQ(flood.outcome, Outcome::RetryLater);
  EXPECT_EQ(flood.retry_after_ms, 7000);
  EXPECT_EQ(flood.error, "Telegram error 429: Too Many Requests: retry after 7");
  auto header_only = tg::classifySendError(429, "", 3);
  EXPECT_EQ(header_only.outcome, Outcome::RetryLater);
  EXPECT_EQ(header_only.retry_after_ms, 3000);
  // The Bot API's own trouble.
  for (long status : {500L, 502L, 503L, 504L}) {
    auto r = tg::classifySendError(status, R"({"ok":false,"error_code":502,"description":"Bad Gateway"})");
    EXPECT_EQ(r.outcome, Outcome::RetryLater) << status;
  }
  // About this message or this bot: final, with Telegram's words for the agent.
  auto chat = tg::classifySendError(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})");
  EXPECT_EQ(chat.outcome, Outcome::Failed);
  EXPECT_EQ(chat.error, "Telegram error 400: Bad Request: chat not found");
  auto blocked = tg::classifySendError(403, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})");
  EXPECT_EQ(blocked.outcome, Outcome::Failed);
  EXPECT_NE(blocked.error.find("blocked by the user"), std::string::npos);
  EXPECT_EQ(tg::classifySendError(401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})").outcome, Outcome::Failed);
  // Not the Bot API's JSON: still a bounded, printable reason.
  auto html = tg::classifySendError(404, std::string("<html>\x01\n") + std::string(5000, 'x'));
  EXPECT_EQ(html.outcome, Outcome::Failed);
  EXPECT_LT(html.error.size(), 300u);
  EXPECT_EQ(html.error.find('\n'), std::string::npos);
  // A group upgraded to a supergroup names its new id.
  auto migrated = tg::parseApiError(
      R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001999999999}})");
  EXPECT_EQ(migrated.migrate_to_chat_id, "-1001999999999");
  EXPECT_EQ(migrated.error_code, 400);
}

TEST(TelegramMedia, GetFileAnswerAndRequestBodies) {
  auto f = tg::parseGetFile(
      R"({"ok":true,"result":{"file_id":"AgACAgIAAxkBAAIBBmVbig1280","file_unique_id":"AQADbig","file_size":98712,"file_path":"photos/file_12.jpg"}})");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->file_path, "photos/file_12.jpg");
  EXPECT_EQ(f->file_size, 98712);
  EXPECT_FALSE(tg::parseGetFile(R"({"ok":true,"result":{"file_id":"x"}})").ok());  // no path: not downloadable
  EXPECT_FALSE(tg::parseGetFile(R"({"ok":false,"error_code":400,"description":"Bad Request: file is too big"})").ok());
  EXPECT_FALSE(tg::parseGetFile("[]").ok());
  EXPECT_EQ(json::parse(tg::encodeGetFile("a\"b")).at("file_id").as_string(), "a\"b");
  EXPECT_EQ(json::parse(tg::encodeAnswerCallbackQuery("4382bfdwdsb323b2d9")).at("callback_query_id").as_string(),
            "4382bfdwdsb323b2d9");
  EXPECT_EQ(json::parse(tg::encodeAnswerCallbackQuery("x")).at("method").as_string(), "answerCallbackQuery");
}

TEST(TelegramIds, SplitMessageIds) {
  EXPECT_EQ(tg::splitMessageId("1111111:1365"), (std::pair<std::string, std::string>{"1111111", "1365"}));
  EXPECT_EQ(tg::splitMessageId("-1001234567890:88"), (std::pair<std::string, std::string>{"-1001234567890", "88"}));
  EXPECT_EQ(tg::splitMessageId("1111111:1380:reaction:10020"), (std::pair<std::string, std::string>{"1111111", "1380"}));
  EXPECT_FALSE(tg::splitMessageId("callback:4382bfdwdsb323b2d9"));
  EXPECT_FALSE(tg::splitMessageId(""));
  EXPECT_FALSE(tg::splitMessageId("wamid.HBgL"));
  EXPECT_FALSE(tg::splitMessageId("1:-2"));
}

// ---- the gateway's pure parts: config and encode -------------------------------------------------

TEST(TelegramGatewayConfig, RequiredKeysAndTelegramsRules) {
  auto c = tg::parseInboxConfig(R"({"bot_token":"123456:ABC-def","secret_token":"s_1-x"})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->api_base_url, "https://api.telegram.org");
  auto fake = tg::parseInboxConfig(R"({"bot_token":"123456:ABC-def","secret_token":"s","api_base_url":"http://127.0.0.1:8081/"})");
  ASSERT_TRUE(fake.ok());
  EXPECT_EQ(fake->api_base_url, "http://127.0.0.1:8081");
  struct Bad {
    const char* config;
    const char* mentions;
  } bad[] = {{R"({"secret_token":"s"})", "config.bot_token"},
             {R"({"bot_token":"no-colon","secret_token":"s"})", "config.bot_token"},
             {R"({"bot_token":"1:a"})", "config.secret_token"},
             {R"({"bot_token":"1:a","secret_token":"has space"})", "config.secret_token"},
             {R"({"bot_token":"1:a","secret_token":"s","api_base_url":"file:///etc"})", "config.api_base_url"},
             {R"([])", "config"}};
  for (const auto& b : bad) {
    auto r = tg::parseInboxConfig(b.config);
    ASSERT_FALSE(r.ok()) << b.config;
    EXPECT_NE(r.error().message.find(b.mentions), std::string::npos) << r.error().message;
  }
}

namespace {

struct EncodeFixture : parley::test::OutboundReply {
  EncodeFixture()
      : OutboundReply(core::ChannelKind::Telegram, R"({"bot_token":"123456:SECRET-bot-token","secret_token":"s"})", "1111111",
                      "Ihre Bestellung ist unterwegs.") {
    // An identity of another inbox (a merged contact) and this inbox's chat.
    identities.insert(identities.begin(), {{}, {}, {}, core::IdentityKind::External, "inbox:3", "999", true, {}, 0});
    identities.push_back({{}, {}, {}, core::IdentityKind::Phone, "", "+4915112345678", true, {}, 0});
  }
};

}  // namespace

TEST(TelegramGatewayEncode, EnvelopeNamesThisInboxsChatAndNeverTheToken) {
  tg::TelegramGateway gateway("/nonexistent");
  EncodeFixture f;
  f.reply_to = "1111111:1380";
  auto payload = gateway.encode(f.context());
  ASSERT_TRUE(payload.ok()) << payload.error().message;
  EXPECT_EQ(payload->find("SECRET"), std::string::npos);
  const auto o = json::parse(*payload).as_object();
  EXPECT_EQ(o.at("chat_id").as_string(), "1111111");
  EXPECT_EQ(o.at("text").as_string(), "Ihre Bestellung ist unterwegs.");
  EXPECT_EQ(o.at("reply_to_message_id").as_string(), "1380");
  EXPECT_FALSE(o.contains("attachment"));

  // A quoted message of another chat (or not a message id at all) is not quoted.
  f.reply_to = "2222222:5";
  EXPECT_EQ(json::parse(*gateway.encode(f.context())).at("reply_to_message_id").as_string(), "");
  f.reply_to = "callback:abc";
  EXPECT_EQ(json::parse(*gateway.encode(f.context())).at("reply_to_message_id").as_string(), "");

  // A merged contact with two chats in this inbox: the quoted message's chat, else the first.
  f.identities.push_back({{}, {}, {}, core::IdentityKind::External, "inbox:7", "-1005550000000", true, {}, 0});
  f.reply_to = "-1005550000000:3";
  auto group = json::parse(*gateway.encode(f.context())).as_object();
  EXPECT_EQ(group.at("chat_id").as_string(), "-1005550000000");
  EXPECT_EQ(group.at("reply_to_message_id").as_string(), "3");
  f.reply_to.clear();
  EXPECT_EQ(json::parse(*gateway.encode(f.context())).at("chat_id").as_string(), "1111111");
}

TEST(TelegramGatewayEncode, OneFileTheKeyboardAndWhatTelegramWouldRefuse) {
  tg::TelegramGateway gateway("/nonexistent");
  EncodeFixture f;
  core::Attachment a;
  a.sha256 = std::string(64, 'a');
  a.size = 1234;
  a.content_type = "application/pdf";
  a.filename = "rechnung.pdf";
  f.attachments = {a};
  f.message.payload_json = R"({"inline_keyboard":[[{"text":"OK","callback_data":"ok"}]]})";
  auto payload = gateway.encode(f.context());
  ASSERT_TRUE(payload.ok()) << payload.error().message;
  const auto o = json::parse(*payload).as_object();
  EXPECT_EQ(o.at("attachment").at("filename").as_string(), "rechnung.pdf");
  EXPECT_EQ(o.at("attachment").at("sha256").as_string(), a.sha256);
  EXPECT_EQ(o.at("inline_keyboard").at(0).at(0).at("callback_data").as_string(), "ok");

  f.attachments = {a, a};
  EXPECT_FALSE(gateway.encode(f.context()).ok());  // an album takes no buttons
  f.message.payload_json.clear();
  auto album = gateway.encode(f.context());
  ASSERT_TRUE(album.ok()) << album.error().message;
  EXPECT_EQ(json::parse(*album).at("album").as_array().size(), 2u);
  EXPECT_FALSE(json::parse(*album).as_object().contains("attachment"));
  f.attachments = std::vector<core::Attachment>(11, a);
  EXPECT_FALSE(gateway.encode(f.context()).ok());
  f.message.payload_json = R"({"inline_keyboard":[[{"text":"OK","callback_data":"ok"}]]})";
  f.attachments = {a};
  f.attachments[0].size = tg::kMaxUploadBytes + 1;  // "50 MB for other files" (Bot API, Sending files)
  auto too_large = gateway.encode(f.context());
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().code, core::ErrorCode::InvalidInput);
  EXPECT_EQ(too_large.error().message,
            "\"rechnung.pdf\" (application/pdf, 50.1 MB) is too large for Telegram: bots send files of up to 50 MB");
  f.attachments[0].size = 10;
  f.message.text = std::string(1025, 'x');  // too long for a caption
  EXPECT_FALSE(gateway.encode(f.context()).ok());
  f.attachments.clear();
  EXPECT_TRUE(gateway.encode(f.context()).ok());  // fine as a message of its own
  f.message.text = std::string(4097, 'x');
  EXPECT_FALSE(gateway.encode(f.context()).ok());
  f.message.text = "x";
  f.message.payload_json = R"({"inline_keyboard":"yes"})";
  EXPECT_FALSE(gateway.encode(f.context()).ok());

  EncodeFixture no_chat;
  no_chat.identities.erase(no_chat.identities.begin() + 1);
  auto refused = gateway.encode(no_chat.context());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::InvalidInput);
}

TEST(TelegramGateway, PhotosOrDocumentsGoAsAlbumsOfUpToTenAndEverythingElseOneByOne) {
  const tg::TelegramGateway gateway("/nonexistent");
  const core::Inbox inbox{};
  auto file = [](std::string type, std::int64_t size = 1000) {
    core::Attachment a;
    a.filename = "f";
    a.content_type = std::move(type);
    a.size = size;
    return a;
  };
  const auto photo = file("image/jpeg");
  const auto pdf = file("application/pdf");
  const core::Message reply;
  EXPECT_EQ(gateway.filesPerMessage(inbox, false, {photo, file("image/png"), photo}, reply), 3u);
  EXPECT_EQ(gateway.filesPerMessage(inbox, false, std::vector<core::Attachment>(23, photo), reply), 10u);
  EXPECT_EQ(gateway.filesPerMessage(inbox, false, {pdf, file("text/plain"), file("image/gif")}, reply), 3u);  // all documents
  EXPECT_EQ(gateway.filesPerMessage(inbox, false, {photo, pdf}, reply), 1u);
  EXPECT_EQ(gateway.filesPerMessage(inbox, false, {photo}, reply), 1u);
  // Albums of up to 50 MB: four 20 MB documents go in pairs, two 40 MB ones alone.
  EXPECT_EQ(gateway.filesPerMessage(inbox, false, std::vector<core::Attachment>(4, file("application/pdf", 20'000'000)), reply), 2u);
  EXPECT_EQ(gateway.filesPerMessage(inbox, false, std::vector<core::Attachment>(2, file("application/pdf", 40'000'000)), reply), 1u);
  core::Message with_buttons;
  with_buttons.payload_json = R"({"inline_keyboard":[[{"text":"OK","callback_data":"ok"}]]})";
  EXPECT_EQ(gateway.filesPerMessage(inbox, false, {photo, photo}, with_buttons), 1u);
}
