// The Messenger / Instagram codec against fixtures written from Meta's documentation
// (tests/channels/{messenger,instagram}/fixtures/README.md) and generated adversarial input.
#include "channels/messenger/messenger_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "channels/messenger/messenger_gateway.hpp"
#include "codec_fixtures.hpp"
#include "core/text.hpp"

namespace ms = parley::channels::messenger;
namespace core = parley::core;
namespace json = boost::json;
using Outcome = parley::app::DeliveryResult::Outcome;

namespace {

using parley::test::readFixture;

ms::WebhookBatch parse(const std::string& name, ms::Product product = ms::Product::Messenger) {
  const std::string folder = product == ms::Product::Instagram ? "instagram" : "messenger";
  return parley::test::parsedOr(ms::parseWebhook(readFixture(folder, name), product), name);
}

core::InboundMessage only(const ms::WebhookBatch& batch) { return parley::test::onlyMessage(batch.batch); }

ms::WebhookBatch parseBody(const std::string& body, ms::Product product = ms::Product::Messenger) {
  return parley::test::parsedOr(ms::parseWebhook(body, product), body.substr(0, 200));
}

using parley::test::payloadOf;

std::string wrap(const std::string& event) {
  return R"({"object":"page","entry":[{"id":"682498302938465","time":1,"messaging":[)" + event + "]}]}";
}

void expectInvalid(const std::string& body, const std::string& mentions = "") {
  auto r = ms::parseWebhook(body, ms::Product::Messenger);
  ASSERT_FALSE(r.ok()) << "accepted: " << body.substr(0, 300);
  EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput) << r.error().message;
  if (!mentions.empty()) {
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
  }
}

// A documented notification that is accepted and of which nothing is stored (counted as ignored).
void expectOnlyIgnored(const std::string& name, ms::Product product = ms::Product::Messenger) {
  const auto parsed = parse(name, product);
  EXPECT_TRUE(parsed.batch.messages.empty()) << name;
  EXPECT_TRUE(parsed.batch.statuses.empty() && parsed.batch.edits.empty() && parsed.watermarks.empty()) << name;
  EXPECT_EQ(parsed.batch.ignored, 1) << name;
}

constexpr const char* kPsid = "1254459154682919";
constexpr const char* kPage = "682498302938465";

}  // namespace

// ---- Messenger inbound ----------------------------------------------------------------------------

TEST(MessengerWebhook, TextNamesSenderPageAndTime) {
  const auto m = only(parse("text"));
  EXPECT_EQ(m.kind, core::MessageKind::Text);
  EXPECT_EQ(m.text, "hello, world!");
  EXPECT_EQ(m.account_id, kPage);
  EXPECT_EQ(m.contact.external_id, kPsid);
  EXPECT_TRUE(m.contact.name.empty());  // Messenger sends no name: the desk shows the PSID
  EXPECT_TRUE(m.contact.phone.empty());
  EXPECT_EQ(m.sent_at, 1458692752478);
  EXPECT_FALSE(m.echo);
  EXPECT_EQ(m.external_id.rfind("m_AG5Hz", 0), 0u);
}

TEST(MessengerWebhook, QuickReplyIsInteractiveWithPayload) {
  const auto m = only(parse("quick_reply"));
  EXPECT_EQ(m.kind, core::MessageKind::Interactive);
  EXPECT_EQ(m.text, "Red");
  EXPECT_EQ(payloadOf(m).at("payload").as_string(), "COLOR_RED");
  EXPECT_EQ(payloadOf(m).at("interactive_type").as_string(), "quick_reply");
}

TEST(MessengerWebhook, ReplyToNamesTheQuotedMessage) {
  EXPECT_EQ(only(parse("reply_to")).reply_to_external_id, "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU");
}

TEST(MessengerWebhook, MediaKindsKeepTheUrlToFetch) {
  const std::pair<const char*, core::MessageKind> cases[] = {{"image", core::MessageKind::Image},
                                                             {"audio", core::MessageKind::Audio},
                                                             {"video", core::MessageKind::Video},
                                                             {"file", core::MessageKind::Document}};
  for (const auto& [name, kind] : cases) {
    const auto m = only(parse(name));
    EXPECT_EQ(m.kind, kind) << name;
    ASSERT_EQ(m.media.size(), 1u) << name;
    EXPECT_EQ(m.media[0].provider_ref.rfind("https://", 0), 0u) << name;
  }
  EXPECT_NE(only(parse("image")).media[0].provider_ref.find("_nc_cat=1&oh=abc"), std::string::npos);  // query kept whole
}

TEST(MessengerWebhook, SeveralPhotosInOneMessageAreAllFetched) {
  const auto m = only(parse("two_images"));
  EXPECT_EQ(m.kind, core::MessageKind::Image);
  EXPECT_EQ(m.media.size(), 2u);
}

TEST(MessengerWebhook, LocationHasCoordinatesAndTitle) {
  const auto m = only(parse("location"));
  EXPECT_EQ(m.kind, core::MessageKind::Location);
  EXPECT_DOUBLE_EQ(*m.latitude, 52.5251);
  EXPECT_DOUBLE_EQ(*m.longitude, 13.3694);
  EXPECT_EQ(m.location_name, "Berlin Hauptbahnhof");
}

TEST(MessengerWebhook, FallbackLinkAndTemplateAreShown) {
  const auto fallback = only(parse("fallback"));
  EXPECT_EQ(fallback.kind, core::MessageKind::Text);
  EXPECT_EQ(fallback.text, "look at this");  // the customer's own text wins
  EXPECT_EQ(payloadOf(fallback).at("attachment_type").as_string(), "fallback");
  const auto tmpl = only(parse("template"));
  EXPECT_EQ(tmpl.kind, core::MessageKind::Template);
  EXPECT_TRUE(payloadOf(tmpl).contains("attachments"));
}

TEST(MessengerWebhook, AnImageWithAStickerIdIsASticker) {
  const auto m = only(parse("sticker"));
  EXPECT_EQ(m.kind, core::MessageKind::Sticker);
  EXPECT_EQ(m.media.size(), 1u);
  EXPECT_EQ(payloadOf(m).at("sticker_id").as_string(), "369239263222822");
}

// Messenger changelog, 1 June 2026: during the transition a sticker comes as an `image` and a
// `sticker` attachment, both with the sticker_id: one sticker with one file, not two images.
TEST(MessengerWebhook, StickerInTransitionIsOneStickerWithOneFile) {
  const auto m = only(parse("sticker_transition"));
  EXPECT_EQ(m.kind, core::MessageKind::Sticker);
  ASSERT_EQ(m.media.size(), 1u);
  EXPECT_EQ(m.media[0].provider_ref, "https://scontent.xx.fbcdn.net/s.png");
  EXPECT_EQ(payloadOf(m).at("sticker_id").as_string(), "369239263222822");
  // The same with the `sticker` attachment first; and when only the second one has a URL, its file is kept.
  std::string reversed = readFixture("messenger", "sticker_transition");
  reversed.replace(reversed.find(R"("type":"image")"), 14, R"("type":"XXXXX")");
  reversed.replace(reversed.find(R"("type":"sticker")"), 16, R"("type":"image")");
  reversed.replace(reversed.find(R"("type":"XXXXX")"), 14, R"("type":"sticker")");
  const auto r = only(parseBody(reversed));
  EXPECT_EQ(r.kind, core::MessageKind::Sticker);
  EXPECT_EQ(r.media.size(), 1u);
  std::string first_without_url = readFixture("messenger", "sticker_transition");
  const std::string first_url = R"("url":"https://scontent.xx.fbcdn.net/s.png",)";
  first_without_url.replace(first_without_url.find(first_url), first_url.size(), "");
  const auto w = only(parseBody(first_without_url));
  EXPECT_EQ(w.kind, core::MessageKind::Sticker);
  ASSERT_EQ(w.media.size(), 1u);
  EXPECT_EQ(w.media[0].provider_ref, "https://scontent.xx.fbcdn.net/s.png");
  // Two photos without a sticker_id stay two files.
  EXPECT_EQ(only(parse("two_images")).media.size(), 2u);
}

// messaging_referrals without a message (m.me links: "When a person clicks an m.me link and a
// conversation already exists ... This action will reset the 24-hour standard messaging window"):
// an activity line for the agent, named by sender and time since it has no mid.
TEST(MessengerWebhook, ReferralOnAnExistingThreadIsAnActivityLine) {
  const auto m = only(parse("referral_open_thread"));
  EXPECT_TRUE(m.activity);
  EXPECT_FALSE(m.echo);
  EXPECT_EQ(m.contact.external_id, kPsid);
  EXPECT_EQ(m.account_id, kPage);
  EXPECT_EQ(m.sent_at, 1796320869000);
  EXPECT_EQ(m.external_id, "referral:1254459154682919:1796320869000");
  EXPECT_EQ(m.text, "The customer opened the conversation from an m.me link (ref summer, SHORTLINK)");
  EXPECT_EQ(payloadOf(m).at("activity").as_string(), "referral");
  EXPECT_EQ(payloadOf(m).at("ref").as_string(), "summer");
  EXPECT_EQ(payloadOf(m).at("source").as_string(), "SHORTLINK");
  EXPECT_EQ(payloadOf(m).at("type").as_string(), "OPEN_THREAD");
  // Redelivered: the same id, so the desk stores it once.
  EXPECT_EQ(only(parse("referral_open_thread")).external_id, m.external_id);
  // Without a ref (an m.me link without one): the source alone.
  std::string bare = readFixture("messenger", "referral_open_thread");
  bare.replace(bare.find(R"("ref":"summer",)"), 15, "");
  EXPECT_EQ(only(parseBody(bare)).text, "The customer opened the conversation from an m.me link (SHORTLINK)");
  // A ref of the wrong type is malformed, as any documented field is.
  std::string numeric = readFixture("messenger", "referral_open_thread");
  numeric.replace(numeric.find(R"("summer")"), 8, "42");
  expectInvalid(numeric, "referral.ref");
  // A message carrying a referral stays the message (its referral in the payload).
  EXPECT_FALSE(only(parse("doc_message_referral_ad", ms::Product::Instagram)).activity);
}

TEST(MessengerWebhook, PostbackIsInteractiveAndDedupable) {
  const auto m = only(parse("postback"));
  EXPECT_EQ(m.kind, core::MessageKind::Interactive);
  EXPECT_EQ(m.text, "Get Started");
  EXPECT_EQ(m.external_id, "m_postback-1");
  EXPECT_EQ(payloadOf(m).at("payload").as_string(), "GET_STARTED");
  EXPECT_TRUE(payloadOf(m).contains("referral"));
  // Without a mid the same redelivered event gets the same id.
  const auto a = only(parse("postback_no_mid")), b = only(parse("postback_no_mid"));
  EXPECT_FALSE(a.external_id.empty());
  EXPECT_EQ(a.external_id, b.external_id);
}

TEST(MessengerWebhook, ReactionAndItsRemoval) {
  const auto r = only(parse("reaction"));
  EXPECT_EQ(r.kind, core::MessageKind::Reaction);
  EXPECT_EQ(r.text, "\u2764\ufe0f");
  EXPECT_EQ(r.reply_to_external_id, "m_reacted-to");
  EXPECT_FALSE(payloadOf(r).at("removed").as_bool());
  const auto u = only(parse("unreaction"));
  EXPECT_TRUE(payloadOf(u).at("removed").as_bool());
  EXPECT_NE(r.external_id, u.external_id);
}

TEST(MessengerWebhook, EchoIsTheBusinessesAndNamesTheCustomer) {
  const auto m = only(parse("echo"));
  EXPECT_TRUE(m.echo);
  EXPECT_EQ(m.contact.external_id, kPsid);  // the recipient, not the page
  EXPECT_EQ(m.text, "Sent from the Page inbox");
  EXPECT_EQ(payloadOf(m).at("app_id").as_string(), "1517776481860111");
}

TEST(MessengerWebhook, EchoOfParleysOwnSendIsSkipped) {
  const auto b = parse("echo_parley");
  EXPECT_TRUE(b.batch.messages.empty());
  EXPECT_EQ(b.batch.ignored, 1);
}

TEST(MessengerWebhook, EchoNamingAReplyOfParleysTellsWhichReply) {
  const auto echoWith = [](const std::string& metadata) {
    return ms::parseWebhook(wrap(R"({"sender":{"id":"682498302938465"},"recipient":{"id":")" + std::string(kPsid) +
                                 R"("},"timestamp":1,"message":{"mid":"m_echo_1","is_echo":true,"text":"Hallo!","metadata":")" +
                                 metadata + R"("}})"),
                            ms::Product::Messenger);
  };
  auto named = echoWith("parley:42");
  ASSERT_TRUE(named.ok()) << named.error().message;
  const auto m = only(*named);
  EXPECT_TRUE(m.echo);
  EXPECT_EQ(m.echo_of.value, 42);
  EXPECT_EQ(m.external_id, "m_echo_1");
  EXPECT_EQ(m.contact.external_id, kPsid);
  // Not a reply id: another app's metadata that merely starts alike is an echo like any other.
  for (const char* other : {"parley:abc", "parley:", "parley:-3", "parley:12x", "parleyX"}) {
    auto r = echoWith(other);
    ASSERT_TRUE(r.ok()) << other;
    const auto o = only(*r);
    EXPECT_TRUE(o.echo) << other;
    EXPECT_FALSE(o.echo_of.valid()) << other;
  }
}

// ---- comments on the Page (feed) -----------------------------------------------------------------

TEST(MessengerFeed, ACommentIsAPublicMessageFromItsAuthor) {
  const auto m = only(parse("feed_comment"));
  EXPECT_TRUE(m.is_public);
  EXPECT_TRUE(m.new_conversation_unless_threaded);  // every comment is its own thread
  EXPECT_FALSE(m.echo);
  EXPECT_EQ(m.external_id, "778899001122_5001");
  EXPECT_EQ(m.account_id, kPage);
  EXPECT_EQ(m.contact.external_id, "4100000000000001");
  EXPECT_EQ(m.contact.name, "Erika Muster");
  EXPECT_EQ(m.contact.scope_suffix, ":facebook");  // not a PSID: never a Messenger recipient
  EXPECT_EQ(m.text, "Habt ihr Sonntag offen?");
  EXPECT_EQ(m.sent_at, 1764748790000);
  // Its post is the thread only when that is a visitor post Parley stored (a Page post is not).
  EXPECT_EQ(m.thread_refs, std::vector<std::string>{"682498302938465_778899001122"});
  EXPECT_TRUE(m.reply_to_external_id.empty());
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("comment_id").as_string(), "778899001122_5001");
  EXPECT_EQ(p.at("thread_comment_id").as_string(), "778899001122_5001");
  EXPECT_EQ(p.at("post_id").as_string(), "682498302938465_778899001122");
  EXPECT_EQ(p.at("permalink_url").as_string(), "https://www.facebook.com/parley.demo/posts/778899001122");
  EXPECT_EQ(p.at("commented_at").as_int64(), 1764748790000);  // the private reply's 7 days count from it
}

TEST(MessengerFeed, AVisitorPostIsAPublicMessageAnsweredAsAPost) {
  const auto m = only(parse("feed_visitor_post"));
  EXPECT_TRUE(m.is_public);
  EXPECT_EQ(m.external_id, "682498302938465_778899005555");
  EXPECT_EQ(m.contact.external_id, "4100000000000011");
  EXPECT_EQ(m.contact.name, "Petra Besucher");
  EXPECT_EQ(m.text, "Meine Bestellung 12345 ist nicht angekommen. Wer hilft?");
  EXPECT_TRUE(m.thread_refs.empty());
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("object").as_string(), "post");  // a private reply names recipient.post_id
  EXPECT_EQ(p.at("comment_id").as_string(), "682498302938465_778899005555");
  EXPECT_EQ(p.at("thread_comment_id").as_string(), "682498302938465_778899005555");

  const auto photo = only(parse("feed_visitor_photo"));
  EXPECT_EQ(photo.kind, core::MessageKind::Image);
  ASSERT_EQ(photo.media.size(), 1u);
  EXPECT_EQ(photo.media[0].provider_ref.rfind("https://scontent.xx.fbcdn.net/", 0), 0u);
  EXPECT_EQ(photo.text, "So kam das Paket an");

  // A comment on it joins its conversation (the post is its thread), quoting nothing.
  const auto comment = only(parse("feed_comment_on_visitor_post"));
  EXPECT_EQ(comment.thread_refs, std::vector<std::string>{"682498302938465_778899005555"});
  EXPECT_TRUE(comment.reply_to_external_id.empty());
  // The Page's own post adds nothing.
  expectOnlyIgnored("feed_page_post");
}

TEST(MessengerFeed, AnAnswerInACommentsThreadJoinsIt) {
  const auto m = only(parse("feed_comment_answer"));
  EXPECT_TRUE(m.is_public);
  ASSERT_EQ(m.thread_refs.size(), 1u);
  EXPECT_EQ(m.thread_refs[0], "778899001122_5001");
  EXPECT_EQ(m.reply_to_external_id, "778899001122_5001");
  EXPECT_EQ(payloadOf(m).at("thread_comment_id").as_string(), "778899001122_5001");
}

TEST(MessengerFeed, APhotoInACommentIsFetched) {
  const auto m = only(parse("feed_comment_photo"));
  EXPECT_EQ(m.kind, core::MessageKind::Image);
  ASSERT_EQ(m.media.size(), 1u);
  EXPECT_EQ(m.media[0].provider_ref.rfind("https://scontent.xx.fbcdn.net/", 0), 0u);
  EXPECT_EQ(m.text, "So sieht es bei mir aus");
}

TEST(MessengerFeed, AnEditedCommentChangesItsText) {
  const auto b = parse("feed_comment_edited");
  EXPECT_TRUE(b.batch.messages.empty());
  ASSERT_EQ(b.batch.edits.size(), 1u);
  EXPECT_EQ(b.batch.edits[0].provider_message_id, "778899001122_5001");
  EXPECT_EQ(b.batch.edits[0].text, "Habt ihr am Sonntag offen?");
}

TEST(MessengerFeed, ThePagesOwnCommentsRemovalsAndReactionsAddNothing) {
  for (const char* name : {"feed_comment_by_page", "feed_comment_removed", "feed_reaction"}) expectOnlyIgnored(name);
  // Instagram's webhook never reads a feed (its comments are not handled).
  const auto ig = ms::parseWebhook(R"({"object":"instagram","entry":[{"id":"1","time":1,"changes":[{"field":"feed",)"
                                   R"("value":{"item":"comment","verb":"add","comment_id":"1_2","from":{"id":"3"},"message":"x"}}]}]})",
                                   ms::Product::Instagram);
  ASSERT_TRUE(ig.ok());
  EXPECT_TRUE(ig->batch.messages.empty());
  // A comment whose fields have the wrong type is refused like any malformed event.
  expectInvalid(R"({"object":"page","entry":[{"id":"682498302938465","changes":[{"field":"feed","value":)"
                R"({"item":"comment","verb":"add","comment_id":"1_2","from":{"id":"3"},"message":7}}]}]})",
                "message");
}

TEST(MessengerSend, APrivateReplyNamesTheCommentOrTheVisitorPost) {
  for (const auto& [field, id] : {std::pair{"comment_id", "778899001122_5001"}, std::pair{"post_id", "682498302938465_778899005555"}}) {
    ms::SendRequest r;
    r.recipient_id = id;
    r.recipient_field = field;
    r.text = "Wir melden uns per Nachricht.";
    const auto o = json::parse(*ms::encodeSend(r)).as_object();
    EXPECT_EQ(json::serialize(o.at("recipient")), std::string(R"({")") + field + R"(":")" + id + R"("})");
    EXPECT_EQ(o.at("messaging_type").as_string(), "RESPONSE");
  }
}

TEST(MessengerSend, AReplyCommentIsItsTextUpToEightThousandCharacters) {
  EXPECT_EQ(*ms::encodeCommentReply("Ja!"), R"({"message":"Ja!"})");
  EXPECT_EQ(*ms::encodeCommentReply("", true), "{}");  // a photo alone
  EXPECT_FALSE(ms::encodeCommentReply("  ").ok());
  EXPECT_TRUE(ms::encodeCommentReply(std::string(8000, 'a')).ok());
  auto over = ms::encodeCommentReply(std::string(8001, 'a'));
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("8000"), std::string::npos);
  EXPECT_EQ(*ms::commentRepliesUrl("http://127.0.0.1:9/v23.0/", "778899001122_5001"),
            "http://127.0.0.1:9/v23.0/778899001122_5001/comments");
  EXPECT_FALSE(ms::commentRepliesUrl("http://127.0.0.1:9/v23.0", "../me").ok());
  const auto sent = ms::interpretCommentAnswer(ms::Product::Messenger, 200, R"({"id":"778899001122_9001"})");
  EXPECT_EQ(sent.outcome, parley::app::DeliveryResult::Outcome::Delivered);
  EXPECT_EQ(sent.provider_message_id, "778899001122_9001");
}

TEST(MessengerWebhook, DeliveryGivesMidsAndAWatermark) {
  const auto b = parse("delivery");
  ASSERT_EQ(b.batch.statuses.size(), 1u);
  EXPECT_EQ(b.batch.statuses[0].provider_message_id, "mid.1458668856218:ed81099e15d3f4f233");
  EXPECT_EQ(b.batch.statuses[0].status, core::DeliveryStatus::Delivered);
  ASSERT_EQ(b.watermarks.size(), 1u);
  EXPECT_EQ(b.watermarks[0].watermark, 1458668856253);
  EXPECT_EQ(b.watermarks[0].contact_id, kPsid);
  EXPECT_EQ(b.watermarks[0].account_id, kPage);
}

TEST(MessengerWebhook, ReadIsAWatermark) {
  const auto b = parse("read");
  EXPECT_TRUE(b.batch.statuses.empty());
  ASSERT_EQ(b.watermarks.size(), 1u);
  EXPECT_EQ(b.watermarks[0].status, core::DeliveryStatus::Read);
  EXPECT_EQ(b.watermarks[0].watermark, 1458668856253);
}

TEST(MessengerWebhook, EventsWithNothingToStoreAreIgnored) {
  for (const char* name : {"optin", "standby", "unknown_kind", "doc_policy_enforcement"}) {
    const auto b = parse(name);
    EXPECT_TRUE(b.batch.messages.empty()) << name;
    EXPECT_EQ(b.batch.ignored, 1) << name;
  }
  // An event without a sender (the checkbox plugin's opt-in) costs nothing of the delivery: the
  // customer's message beside it is kept.
  const auto b = parse("optin_checkbox_with_text");
  ASSERT_EQ(b.batch.messages.size(), 1u);
  EXPECT_EQ(b.batch.messages[0].text, only(parse("text")).text);
  EXPECT_EQ(b.batch.ignored, 1);
}

TEST(MessengerWebhook, UnknownFieldsAreIgnored) { EXPECT_EQ(only(parse("unknown_field")).text, "still text"); }

TEST(MessengerWebhook, BatchKeepsEveryEntryInOrderWithItsPage) {
  const auto b = parse("batch_multi_entry");
  ASSERT_EQ(b.batch.messages.size(), 3u);
  EXPECT_EQ(b.batch.messages[0].text, "first");
  EXPECT_EQ(b.batch.messages[1].text, "second");
  EXPECT_EQ(b.batch.messages[2].account_id, "111122223333444");
  EXPECT_EQ(b.batch.messages[2].contact.external_id, "9998887776665554");
}

TEST(MessengerWebhook, AnotherProductsBodyIsIgnored) {
  auto b = ms::parseWebhook(readFixture("instagram", "text"), ms::Product::Messenger);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->batch.messages.empty());
  EXPECT_EQ(b->batch.ignored, 1);
}

// ---- adversarial ------------------------------------------------------------------------------------

TEST(MessengerWebhook, MalformedBodiesAreInvalidInput) {
  const std::string text = readFixture("messenger", "text");
  expectInvalid(text.substr(0, text.size() / 2));
  expectInvalid("[]");
  expectInvalid("{}", "entry");
  expectInvalid(std::string(10000, '[') + std::string(10000, ']'));
  expectInvalid(wrap(R"({"sender":{"id":"1"},"recipient":{"id":"2"},"message":{"text":"no mid"}})"), "mid");
  expectInvalid(wrap(R"({"recipient":{"id":"2"},"message":{"mid":"m","text":"x"}})"), "sender");
  expectInvalid(wrap(R"({"sender":{"id":"1"},"recipient":{"id":"2"},"message":{"mid":"m","text":7}})"), "text");
  expectInvalid(wrap(R"({"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":"soon","message":{"mid":"m","text":"x"}})"));
  expectInvalid(wrap(R"({"sender":{"id":"1"},"recipient":{"id":"2"},"message":{"mid":"m","attachments":[{"type":"location","payload":{"coordinates":{"lat":91,"long":0}}}]}})"));
  expectInvalid(R"({"object":"page","entry":[{"time":1,"messaging":[]}]})", "id");
  expectInvalid("{\"object\":\"page\",\"entry\":[{\"id\":\"1\",\"messaging\":[{\"sender\":{\"id\":\"1\"},\"recipient\":{\"id\":\"2\"},"
                "\"message\":{\"mid\":\"m\",\"text\":\"\xff\xfe\"}}]}]}");
}

TEST(MessengerWebhook, FiveMegabyteBodyIsParsedWithinBounds) {
  const std::string big(5 * 1024 * 1024, 'a');
  auto b = ms::parseWebhook(wrap(R"({"sender":{"id":"1"},"recipient":{"id":"2"},"message":{"mid":"m","text":")" + big + "\"}}"),
                            ms::Product::Messenger);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->batch.messages[0].text.size(), big.size());
  auto too_big = ms::parseWebhook(std::string(ms::kMaxWebhookBytes + 1, ' '), ms::Product::Messenger);
  EXPECT_FALSE(too_big.ok());
}

TEST(MessengerWebhook, DuplicatesKeepTheSameIdsForDedup) {
  const std::string raw = readFixture("messenger", "text");
  auto a = ms::parseWebhook(raw, ms::Product::Messenger), b = ms::parseWebhook(raw, ms::Product::Messenger);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->batch.messages[0].external_id, b->batch.messages[0].external_id);
}

TEST(MessengerWebhook, OutOfOrderReceiptsAreAllReported) {
  // read before delivery: both kept; the desk's merge never moves a status backwards.
  auto b = ms::parseWebhook(wrap(R"({"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":5,"read":{"watermark":4}},
                                    {"sender":{"id":"1"},"recipient":{"id":"2"},"delivery":{"mids":["m1"],"watermark":3}})"),
                            ms::Product::Messenger);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->watermarks.size(), 2u);
  EXPECT_EQ(b->watermarks[0].status, core::DeliveryStatus::Read);
  EXPECT_EQ(b->watermarks[1].status, core::DeliveryStatus::Delivered);
}

TEST(MessengerWebhook, SignatureAndHandshake) {
  const std::string body = readFixture("messenger", "text");
  const auto header = ms::signatureHeader("secret", body);
  EXPECT_TRUE(ms::verifySignature("secret", body, header));
  EXPECT_FALSE(ms::verifySignature("secret", body + " ", header));
  EXPECT_FALSE(ms::verifySignature("other", body, header));
  EXPECT_FALSE(ms::verifySignature("", body, header));
  EXPECT_FALSE(ms::verifySignature("secret", body, "sha256=" + std::string(64, '0')));
  EXPECT_FALSE(ms::verifySignature("secret", body, "sha1=abc"));
  EXPECT_TRUE(ms::verifyHandshake("subscribe", "tok", "tok"));
  EXPECT_FALSE(ms::verifyHandshake("subscribe", "tok", "tok2"));
  EXPECT_FALSE(ms::verifyHandshake("unsubscribe", "tok", "tok"));
  EXPECT_FALSE(ms::verifyHandshake("subscribe", "", ""));
}

// ---- Meta's own examples (doc_*.json) ------------------------------------------------------------------

TEST(MessengerDocExamples, EveryExampleIsAcceptedWithoutAnError) {
  for (const auto& [folder, product] : {std::pair{std::string("messenger"), ms::Product::Messenger},
                                        std::pair{std::string("instagram"), ms::Product::Instagram}}) {
    for (const auto& name : parley::test::jsonFixtureNames(folder)) {
      SCOPED_TRACE(folder + "/" + name);
      auto r = ms::parseWebhook(readFixture(folder, name), product);
      ASSERT_TRUE(r.ok()) << r.error().message;
      for (const auto& m : r->batch.messages) {
        EXPECT_FALSE(m.external_id.empty());
        EXPECT_FALSE(m.contact.external_id.empty());
        EXPECT_TRUE(json::parse(m.payload_json).is_object());
      }
    }
  }
}

TEST(MessengerDocExamples, MessagesRepliesAndAttachments) {
  const auto text = only(parse("doc_messages_text_quick_reply"));
  EXPECT_EQ(text.kind, core::MessageKind::Interactive);
  EXPECT_EQ(text.text, "hello, world!");
  EXPECT_EQ(text.contact.external_id, "6875645092485937");
  EXPECT_EQ(text.sent_at, 1458692752478);
  EXPECT_EQ(only(parse("doc_messages_reply")).reply_to_external_id, "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU");
  const auto image = only(parse("doc_messages_attachment"));
  EXPECT_EQ(image.kind, core::MessageKind::Image);
  ASSERT_EQ(image.media.size(), 1u);
}

TEST(MessengerDocExamples, EchoesAreTheBusinessesNeverTheCustomers) {
  for (const char* name : {"doc_message_echoes_text", "doc_message_echoes_attachment", "doc_message_echoes_template",
                           "doc_message_echoes_fallback", "doc_message_echoes_reply", "doc_message_echoes_appointment_booking"}) {
    SCOPED_TRACE(name);
    const auto m = only(parse(name));
    EXPECT_TRUE(m.echo);
    EXPECT_EQ(m.contact.external_id, "6875645092485937");  // the customer is the recipient
  }
  EXPECT_EQ(only(parse("doc_message_echoes_text")).text, "hello, world!");
  EXPECT_EQ(only(parse("doc_message_echoes_fallback")).text, "Legacy Attachment\nhttps://www.messenger.com/");
  expectOnlyIgnored("doc_message_echoes_standby");  // another app owns the thread
}

TEST(MessengerDocExamples, PostbacksInTheChangesFormWithSecondsAndUserRefs) {
  const auto psid = only(parse("doc_messaging_postbacks_psid"));
  EXPECT_EQ(psid.kind, core::MessageKind::Interactive);
  EXPECT_EQ(psid.text, "TITLE-FOR-THE-CTA");
  EXPECT_EQ(psid.external_id, "m_MESSAGE-ID");
  EXPECT_EQ(psid.sent_at, 1527459824000);  // "1527459824" is Unix seconds
  EXPECT_EQ(payloadOf(psid).at("referral").at("ref").as_string(), "USER-DEFINED-REFERRAL-PARAM");
  expectOnlyIgnored("doc_messaging_postbacks_user_ref");  // no PSID to answer
  expectOnlyIgnored("doc_messaging_postbacks_user_ref_messaging");  // the same event in messaging[]
  // Changes of other fields are counted, never refused, whatever their shape.
  auto odd = ms::parseWebhook(R"({"object":"page","entry":[{"id":"682498302938465","time":1,)"
                              R"("changes":[1,{"field":5},{"field":"feed","value":[1]},{"field":"messages","value":"x"}]}]})",
                              ms::Product::Messenger);
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  EXPECT_EQ(odd->batch.ignored, 4);
  // The same for an echo of a message sent to a user_ref (Send API: recipient.user_ref).
  auto echo = ms::parseWebhook(wrap(R"({"sender":{"id":"682498302938465"},"recipient":{"user_ref":"UREF"},"timestamp":1,)"
                                    R"("message":{"mid":"m_to_user_ref","is_echo":true,"text":"Thanks!"}})"),
                               ms::Product::Messenger);
  ASSERT_TRUE(echo.ok()) << echo.error().message;
  EXPECT_TRUE(echo->batch.messages.empty());
  EXPECT_EQ(echo->batch.ignored, 1);
}

TEST(MessengerDocExamples, ReactionsReceiptsReferralsAndEdits) {
  const auto love = only(parse("doc_message_reactions"));
  EXPECT_EQ(love.kind, core::MessageKind::Reaction);
  EXPECT_EQ(love.text, "\xE2\x9D\xA4\xEF\xB8\x8F");
  const auto read = parse("doc_message_reads");
  ASSERT_EQ(read.watermarks.size(), 1u);
  EXPECT_EQ(read.watermarks[0].watermark, 1458668856253);
  const auto delivered = parse("doc_message_deliveries");
  ASSERT_EQ(delivered.batch.statuses.size(), 1u);
  EXPECT_EQ(delivered.batch.statuses[0].provider_message_id, "mid.1458668856218:ed81099e15d3f4f233");
  const auto mme = only(parse("doc_messaging_referrals_mme"));
  EXPECT_TRUE(mme.activity);
  EXPECT_EQ(mme.text, "The customer opened the conversation from an m.me link (ref <REF_DATA_PASSED_IN_M.ME_PARAM>, SHORTLINK)");
  const auto ad = only(parse("doc_messaging_referrals_ad"));
  EXPECT_TRUE(ad.activity);
  EXPECT_EQ(ad.text, "The customer opened the conversation from an ad (ref <REF_DATA_IF_SPECIFIED_IN_THE_AD>, ADS)");
  EXPECT_EQ(payloadOf(ad).at("referral").at("ad_id").as_string(), "<ID_OF_THE_AD>");
  const auto edit = parse("doc_message_edits");
  EXPECT_TRUE(edit.batch.messages.empty());
  ASSERT_EQ(edit.batch.edits.size(), 1u);
  EXPECT_EQ(edit.batch.edits[0].provider_message_id, "mid.1457764197618:41d102a3e1ae206a38");
  EXPECT_EQ(edit.batch.edits[0].text, "hello, world! (edited)");
  EXPECT_EQ(edit.batch.edits[0].account_id, kPage);
}

TEST(InstagramDocExamples, WhatTheExamplesPageDescribes) {
  constexpr auto ig = ms::Product::Instagram;
  EXPECT_EQ(only(parse("doc_message_text", ig)).text, "Hi! Is this still available?");
  EXPECT_EQ(only(parse("doc_message_attachments", ig)).media.size(), 2u);
  for (const char* kind : {"audio", "video", "file"}) {
    EXPECT_EQ(only(parse(std::string("doc_message_attachment_") + kind, ig)).media.size(), 1u) << kind;
  }
  for (const char* kind : {"share", "ig_post", "ig_reel", "reel", "story_mention", "ig_story", "story", "media"}) {
    const auto m = only(parse(std::string("doc_message_attachment_") + kind, ig));
    EXPECT_NE(m.text.find("https://lookaside.fbsbx.com/ig_messaging_cdn/"), std::string::npos) << kind;  // a link to open
  }
  {  // Unsent by the customer: no new message, the stored one is taken back.
    const auto unsent = parse("doc_message_is_deleted", ig);
    EXPECT_TRUE(unsent.batch.messages.empty());
    ASSERT_EQ(unsent.batch.edits.size(), 1u);
    EXPECT_TRUE(unsent.batch.edits[0].unsent);
    EXPECT_EQ(unsent.batch.edits[0].provider_message_id, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0");
    EXPECT_EQ(unsent.batch.edits[0].account_id, "17841405822304914");
    EXPECT_EQ(unsent.batch.edits[0].at, 1569262485349);
    EXPECT_TRUE(unsent.batch.edits[0].text.empty());
    // The business taking back its own message in Instagram's app is no customer's unsend.
    std::string echo = readFixture("instagram", "doc_message_is_deleted");
    echo.replace(echo.find(R"("is_deleted": true)"), 18, R"("is_deleted": true, "is_echo": true)");
    auto parsed = ms::parseWebhook(echo, ig);
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed->batch.edits.empty());
  }
  EXPECT_TRUE(only(parse("doc_message_is_echo", ig)).echo);
  expectOnlyIgnored("doc_message_is_self", ig);  // a test the account sent itself
  EXPECT_EQ(only(parse("doc_message_is_unsupported", ig)).kind, core::MessageKind::Unsupported);
  EXPECT_EQ(payloadOf(only(parse("doc_message_quick_reply", ig))).at("payload").as_string(), "COLOR_RED");
  EXPECT_EQ(payloadOf(only(parse("doc_message_referral_ad", ig))).at("referral").at("source").as_string(), "ADS");
  EXPECT_FALSE(only(parse("doc_message_reply_to", ig)).reply_to_external_id.empty());
  EXPECT_TRUE(payloadOf(only(parse("doc_message_reply_to_story", ig))).contains("story"));
  EXPECT_EQ(only(parse("doc_message_reactions_react", ig)).kind, core::MessageKind::Reaction);
  EXPECT_TRUE(payloadOf(only(parse("doc_message_reactions_unreact", ig))).at("removed").as_bool());
  EXPECT_EQ(only(parse("doc_messaging_postbacks", ig)).kind, core::MessageKind::Interactive);
  expectOnlyIgnored("doc_messaging_referral", ig);
  EXPECT_EQ(parse("doc_messaging_seen", ig).batch.statuses.size(), 1u);
  const auto edit = parse("doc_message_edit", ig);
  ASSERT_EQ(edit.batch.edits.size(), 1u);
  EXPECT_EQ(edit.batch.edits[0].text, "Hi! Is this still available in blue?");
  // The comments example (Facebook Login for Business): a public message from the commenter.
  const auto commented = only(parse("doc_comments_changes", ig));
  EXPECT_TRUE(commented.is_public);
  EXPECT_EQ(commented.contact.external_id, "1914016405541658");
  EXPECT_EQ(commented.external_id, "<COMMENT_ID>");
  // Post shares (share + ig_post during Meta's transition) and reels: caption and link to open.
  const auto post = only(parse("doc_post_share_transition", ig));
  EXPECT_EQ(post.text, "Build a workspace that works for you\n"
                       "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18139494541428835&signature=x");
  EXPECT_EQ(only(parse("realworld_ig_reel", ig)).text.rfind("Our new collection #spring\nhttps://", 0), 0u);
  // A caption of 2,200 Cyrillic characters (4,400 bytes) is shown cut, never refused.
  const auto long_caption = only(parse("share_long_caption", ig));
  EXPECT_EQ(long_caption.text.rfind("жжж", 0), 0u);
  EXPECT_TRUE(parley::core::isValidUtf8(long_caption.text));
  EXPECT_NE(long_caption.text.find("\nhttps://lookaside.fbsbx.com/"), std::string::npos);
}

// ---- Instagram ----------------------------------------------------------------------------------------

TEST(InstagramWebhook, EveryDocumentedKind) {
  constexpr auto ig = ms::Product::Instagram;
  const auto text = only(parse("text", ig));
  EXPECT_EQ(text.contact.external_id, "908765432123456");
  EXPECT_EQ(text.account_id, "17841405822304914");
  EXPECT_EQ(text.text, "Hi! Is this still available?");
  EXPECT_EQ(only(parse("image", ig)).media.size(), 1u);
  const auto story = only(parse("story_reply", ig));
  EXPECT_EQ(story.text, "love this!");
  EXPECT_TRUE(payloadOf(story).contains("story"));
  const auto mention = only(parse("story_mention", ig));
  EXPECT_EQ(mention.kind, core::MessageKind::Unsupported);
  EXPECT_EQ(payloadOf(mention).at("attachment_type").as_string(), "story_mention");
  EXPECT_NE(mention.text.find("https://lookaside.fbsbx.com"), std::string::npos);
  EXPECT_EQ(only(parse("reply_to", ig)).reply_to_external_id, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1");
  const auto echo = only(parse("echo", ig));
  EXPECT_TRUE(echo.echo);
  EXPECT_EQ(echo.contact.external_id, "908765432123456");
  EXPECT_EQ(only(parse("reaction", ig)).kind, core::MessageKind::Reaction);
  const auto seen = parse("seen", ig);
  ASSERT_EQ(seen.batch.statuses.size(), 1u);
  EXPECT_EQ(seen.batch.statuses[0].status, core::DeliveryStatus::Read);
  EXPECT_EQ(seen.batch.statuses[0].provider_message_id, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjEcho");
  EXPECT_EQ(only(parse("postback", ig)).text, "Track my order");
  EXPECT_TRUE(parse("deleted", ig).batch.messages.empty());
  EXPECT_EQ(only(parse("unsupported", ig)).kind, core::MessageKind::Unsupported);
}

TEST(InstagramComments, ACommentIsAPublicMessageFromTheCommenter) {
  constexpr auto ig = ms::Product::Instagram;
  const auto m = only(parse("comment", ig));
  EXPECT_TRUE(m.is_public);
  EXPECT_TRUE(m.new_conversation_unless_threaded);
  EXPECT_EQ(m.external_id, "17865799348089039");
  EXPECT_EQ(m.contact.external_id, "908765432123456");  // the IGSID: the same contact as in Direct
  EXPECT_EQ(m.contact.name, "@someone");
  EXPECT_TRUE(m.contact.scope_suffix.empty());
  EXPECT_EQ(m.text, "nice");
  EXPECT_EQ(m.sent_at, 1569262486134);  // entry.time: a comment carries no time of its own
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("thread_comment_id").as_string(), "17865799348089039");
  EXPECT_EQ(p.at("media_id").as_string(), "1");
  EXPECT_EQ(p.at("media_product_type").as_string(), "FEED");

  const auto answer = only(parse("comment_answer", ig));
  ASSERT_EQ(answer.thread_refs.size(), 1u);
  EXPECT_EQ(answer.thread_refs[0], "17865799348089039");
  EXPECT_EQ(answer.reply_to_external_id, "17865799348089039");
  EXPECT_EQ(payloadOf(answer).at("thread_comment_id").as_string(), "17865799348089039");
  // The account's own comment (its reply) adds nothing.
  expectOnlyIgnored("comment_own", ig);
  // A comment with no text (a sticker or GIF) still shows that the customer wrote.
  auto bare = ms::parseWebhook(R"({"object":"instagram","entry":[{"id":"17841405822304914","time":1,"changes":[{"field":"comments",)"
                               R"("value":{"id":"17865799348089050","from":{"id":"908765432123456","username":"someone"}}}]}]})",
                               ig);
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  EXPECT_EQ(only(*bare).kind, core::MessageKind::Unsupported);
}

TEST(InstagramComments, RepliesGoToTheRepliesEdgeWithTextOnly) {
  constexpr auto ig = ms::Product::Instagram;
  EXPECT_EQ(*ms::commentRepliesUrl("http://127.0.0.1:9/v23.0", "17865799348089039", ig),
            "http://127.0.0.1:9/v23.0/17865799348089039/replies");
  EXPECT_TRUE(ms::encodeCommentReply(std::string(2200, 'a'), false, ig).ok());
  auto over = ms::encodeCommentReply(std::string(2201, 'a'), false, ig);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("Instagram has at most 2200"), std::string::npos);
}

// ---- outbound ------------------------------------------------------------------------------------------

TEST(MessengerSend, TextInsideTheWindowIsAResponse) {
  ms::SendRequest r;
  r.recipient_id = kPsid;
  r.text = "Hallo!";
  r.echo_of = 4711;
  auto body = ms::encodeSend(r);
  ASSERT_TRUE(body.ok()) << body.error().message;
  const auto o = json::parse(*body).as_object();
  EXPECT_EQ(o.at("recipient").at("id").as_string(), kPsid);
  EXPECT_EQ(o.at("messaging_type").as_string(), "RESPONSE");
  EXPECT_FALSE(o.contains("tag"));
  EXPECT_EQ(o.at("message").at("text").as_string(), "Hallo!");
  EXPECT_EQ(o.at("message").at("metadata").as_string(), "parley:4711");  // names the reply
}

TEST(MessengerSend, InstagramSendsCarryNoMetadata) {
  ms::SendRequest r;
  r.recipient_id = kPsid;
  r.text = "Hallo!";
  r.echo_metadata = false;  // what the gateway sets for Instagram: its send API has no such field
  const auto o = json::parse(*ms::encodeSend(r)).as_object();
  EXPECT_FALSE(o.at("message").as_object().contains("metadata"));
  EXPECT_EQ(o.at("message").at("text").as_string(), "Hallo!");
}

TEST(MessengerSend, InstagramTakesAThousandBytesOfTextAndTheFilesItsUploadDocuments) {
  ms::SendRequest r;
  r.recipient_id = kPsid;
  r.product = ms::Product::Instagram;
  r.text = std::string(1000, 'a');
  EXPECT_TRUE(ms::encodeSend(r).ok());
  std::string cyrillic;
  for (int i = 0; i < 600; ++i) cyrillic += "ж";  // 600 characters, 1200 bytes
  r.text = cyrillic;
  auto refused = ms::encodeSend(r);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("at most 1000 bytes"), std::string::npos);
  r.product = ms::Product::Messenger;  // Messenger counts 2000 characters
  EXPECT_TRUE(ms::encodeSend(r).ok());

  EXPECT_TRUE(ms::checkInstagramFile("a.png", "image/png", 8 * 1024 * 1024).ok());
  EXPECT_FALSE(ms::checkInstagramFile("a.png", "image/png", 8 * 1024 * 1024 + 1).ok());
  EXPECT_TRUE(ms::checkInstagramFile("a.pdf", "application/pdf", 25 * 1024 * 1024).ok());
  EXPECT_TRUE(ms::checkInstagramFile("a.mov", "video/quicktime", 1000).ok());
  auto webp = ms::checkInstagramFile("a.webp", "image/webp", 1000);
  ASSERT_FALSE(webp.ok());
  EXPECT_NE(webp.error().message.find("cannot be sent on Instagram"), std::string::npos);
  EXPECT_FALSE(ms::checkInstagramFile("a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 10).ok());

  EXPECT_EQ(ms::asciiUploadName("Rechnung-2026_03.pdf"), "Rechnung-2026_03.pdf");
  EXPECT_EQ(ms::asciiUploadName("Größe März.png"), "Gr__e_M_rz.png");
  EXPECT_EQ(ms::asciiUploadName("счёт.pdf"), "attachment.pdf");
  EXPECT_EQ(ms::asciiUploadName("照片"), "attachment");
}

TEST(MessengerSend, OutsideTheWindowUsesTheHumanAgentTag) {
  ms::SendRequest r;
  r.recipient_id = kPsid;
  r.attachment_id = "1857777774821032";
  r.attachment_type = ms::AttachmentType::Image;
  r.human_agent = true;
  const auto o = json::parse(*ms::encodeSend(r)).as_object();
  EXPECT_EQ(o.at("messaging_type").as_string(), "MESSAGE_TAG");
  EXPECT_EQ(o.at("tag").as_string(), "HUMAN_AGENT");
  EXPECT_EQ(o.at("message").at("attachment").at("type").as_string(), "image");
  EXPECT_EQ(o.at("message").at("attachment").at("payload").at("attachment_id").as_string(), "1857777774821032");
}

TEST(MessengerSend, RefusesWhatMetaWould) {
  ms::SendRequest r;
  r.recipient_id = kPsid;
  EXPECT_FALSE(ms::encodeSend(r).ok());  // neither text nor file
  r.text = std::string(2001, 'x');
  EXPECT_FALSE(ms::encodeSend(r).ok());
  r.text = "\xff";
  EXPECT_FALSE(ms::encodeSend(r).ok());
  r.text = "   ";
  EXPECT_FALSE(ms::encodeSend(r).ok());
  r.text = "ok";
  r.recipient_id = "../me";
  EXPECT_FALSE(ms::encodeSend(r).ok());
  EXPECT_FALSE(ms::sendUrl("https://graph.facebook.com/v23.0", "1/../2").ok());
  EXPECT_EQ(*ms::sendUrl("https://graph.facebook.com/v23.0/", "682498302938465"),
            "https://graph.facebook.com/v23.0/682498302938465/messages");
  EXPECT_EQ(*ms::uploadUrl("http://127.0.0.1:1/v23.0", "1"), "http://127.0.0.1:1/v23.0/1/message_attachments");
}

TEST(MessengerSend, AnswersAndErrors) {
  auto ok = ms::interpretSendAnswer(ms::Product::Messenger, 200, R"({"recipient_id":"1","message_id":"m_abc"})");
  EXPECT_EQ(ok.outcome, Outcome::Delivered);
  EXPECT_EQ(ok.provider_message_id, "m_abc");
  EXPECT_EQ(ms::interpretSendAnswer(ms::Product::Messenger, 200, "{}").outcome, Outcome::Failed);
  EXPECT_EQ(*ms::parseUploadResponse(R"({"attachment_id":"1857777774821032"})"), "1857777774821032");

  auto window = ms::classifySendError(ms::Product::Messenger, 400,
                                      R"({"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":"x"}})");
  EXPECT_EQ(window.outcome, Outcome::Failed);
  EXPECT_NE(window.error.find("Messenger error 10/2018278"), std::string::npos) << window.error;
  EXPECT_NE(window.error.find("outside of allowed window"), std::string::npos);
  EXPECT_EQ(ms::classifySendError(ms::Product::Messenger, 400, R"({"error":{"message":"(#551) This person isn't available right now.","code":551}})").outcome,
            Outcome::Failed);
  for (int code : {4, 17, 32, 613, 1200}) {
    auto r = ms::classifySendError(ms::Product::Messenger, 400, R"({"error":{"message":"limit","code":)" + std::to_string(code) + "}}");
    EXPECT_EQ(r.outcome, Outcome::RetryLater) << code;
  }
  auto throttled = ms::classifySendError(ms::Product::Instagram, 429, "", 7);
  EXPECT_EQ(throttled.outcome, Outcome::RetryLater);
  EXPECT_EQ(throttled.retry_after_ms, 7000);
  EXPECT_NE(throttled.error.find("Instagram"), std::string::npos);
  EXPECT_EQ(ms::classifySendError(ms::Product::Messenger, 503, "<html>").outcome, Outcome::RetryLater);
  EXPECT_EQ(ms::classifySendError(ms::Product::Messenger, 400, "not json").outcome, Outcome::Failed);
  // Messenger's error table: 1/1357046 "Received invalid JSON reply" — the message was sent; a
  // retry would send it twice. 1/99 "unknown error, missing permissions" does not pass with time.
  auto sent = ms::classifySendError(ms::Product::Messenger, 400,
                                    R"({"error":{"message":"Received invalid JSON reply.","type":"OAuthException","code":1,"error_subcode":1357046,"fbtrace_id":"x"}})");
  EXPECT_EQ(sent.outcome, Outcome::Delivered);
  EXPECT_TRUE(sent.provider_message_id.empty());  // the named echo brings it
  EXPECT_EQ(ms::classifySendError(ms::Product::Messenger, 400,
                                  R"({"error":{"message":"An unknown error occurred.","code":1,"error_subcode":99}})")
                .outcome,
            Outcome::Failed);
  EXPECT_EQ(ms::classifySendError(ms::Product::Messenger, 500, R"({"error":{"message":"An unknown error occurred.","code":1}})").outcome,
            Outcome::RetryLater);
}

TEST(MessengerConfig, KeysPerProduct) {
  auto m = ms::parseInboxConfig(ms::Product::Messenger,
                                R"({"page_id":"1","page_access_token":"t","app_secret":"s","verify_token":"v","api_base_url":"http://x/v23.0/"})");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->account_id, "1");
  EXPECT_EQ(m->api_base_url, "http://x/v23.0");
  auto missing = ms::parseInboxConfig(ms::Product::Messenger, R"({"page_id":"1"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("config.page_access_token"), std::string::npos);
  auto ig = ms::parseInboxConfig(ms::Product::Instagram, R"({"instagram_id":"178","access_token":"t","app_secret":"s","verify_token":"v"})");
  ASSERT_TRUE(ig.ok());
  EXPECT_EQ(ig->account_id, "178");
  EXPECT_FALSE(ms::parseInboxConfig(ms::Product::Instagram, R"({"instagram_id":"a/b","access_token":"t","app_secret":"s","verify_token":"v"})").ok());
}

// The User Profile APIs: Messenger names first_name + last_name, Instagram name, else @username.
TEST(MessengerProfile, TheNameComesFromTheDocumentedFields) {
  EXPECT_EQ(*ms::profileUrl(ms::Product::Messenger, "https://graph.facebook.com/v23.0/", "1254459154682919"),
            "https://graph.facebook.com/v23.0/1254459154682919?fields=first_name,last_name,profile_pic");
  EXPECT_EQ(*ms::profileUrl(ms::Product::Instagram, "https://graph.facebook.com/v23.0", "908765432123456"),
            "https://graph.facebook.com/v23.0/908765432123456?fields=name,username,profile_pic");
  EXPECT_FALSE(ms::profileUrl(ms::Product::Messenger, "https://graph.facebook.com/v23.0", "1/../me").ok());
  EXPECT_FALSE(ms::profileUrl(ms::Product::Messenger, "file:///etc", "1").ok());

  EXPECT_EQ(*ms::parseProfileName(ms::Product::Messenger,
                                  R"({"first_name":"Peter","last_name":"Chang","profile_pic":"https://x/p.jpg","id":"1254459154682919"})"),
            "Peter Chang");
  EXPECT_EQ(*ms::parseProfileName(ms::Product::Messenger, R"({"first_name":"  Jana\n","id":"1"})"), "Jana");
  EXPECT_EQ(*ms::parseProfileName(ms::Product::Instagram, R"({"name":"Peter Chang","username":"peter.chang"})"), "Peter Chang");
  EXPECT_EQ(*ms::parseProfileName(ms::Product::Instagram, R"({"name":null,"username":"peter.chang"})"), "@peter.chang");
  auto nobody = ms::parseProfileName(ms::Product::Instagram, R"({"profile_pic":"https://x/p.jpg","id":"9"})");
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().code, core::ErrorCode::NotFound);
  EXPECT_FALSE(ms::parseProfileName(ms::Product::Messenger, "[1]").ok());
  EXPECT_FALSE(ms::parseProfileName(ms::Product::Messenger, "{\"first_name\":").ok());
  const std::string huge = R"({"first_name":")" + std::string(300, 'a') + R"("})";
  EXPECT_FALSE(ms::parseProfileName(ms::Product::Messenger, huge).ok());  // over 200 bytes: no name rather than a wall of text
}
