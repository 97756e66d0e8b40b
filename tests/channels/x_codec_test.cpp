// The X codec against fixtures written from the Account Activity API documentation
// (tests/channels/x/fixtures/README.md) and generated adversarial input.
#include "channels/x/x_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "channels/x/x_gateway.hpp"
#include "codec_fixtures.hpp"

namespace xc = parley::channels::x;
namespace core = parley::core;
namespace app = parley::app;
namespace json = boost::json;
using Outcome = parley::app::DeliveryResult::Outcome;

namespace {

constexpr const char* kBusiness = "2244994945";
constexpr const char* kCustomer = "3001969357";

std::string readFixture(const std::string& name) { return parley::test::readFixture("x", name); }

xc::WebhookBatch parse(const std::string& name) {
  return parley::test::parsedOr(xc::parseWebhook(readFixture(name)), name);
}

core::InboundMessage only(const xc::WebhookBatch& batch) { return parley::test::onlyMessage(batch.batch); }

using parley::test::payloadOf;

void expectInvalid(const std::string& body, const std::string& mentions = "") {
  auto r = xc::parseWebhook(body);
  ASSERT_FALSE(r.ok()) << "accepted: " << body.substr(0, 300);
  EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput) << r.error().message;
  if (!mentions.empty()) {
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
  }
}

std::string dm(const std::string& id, const std::string& sender, const std::string& text_json) {
  return R"({"type":"message_create","id":")" + id + R"(","created_timestamp":"1539202989627","message_create":{"target":{"recipient_id":"2244994945"},"sender_id":")" +
         sender + R"(","message_data":{"text":)" + text_json + "}}}";
}

std::string dmBody(const std::string& events) {
  return R"({"for_user_id":"2244994945","direct_message_events":[)" + events + "]}";
}

}  // namespace

// ---- signatures ---------------------------------------------------------------------------------

TEST(XCodec, CrcAnswersTheDocumentedVector) {
  // The consumer secret and crc_token of X's published CRC examples; the expected token was
  // computed independently (Python hmac + base64).
  const std::string secret = "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu";
  const std::string token = "9b4507b3-9040-4669-9ca3-6b94edb50553";
  EXPECT_EQ(xc::signature(secret, token), "sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8=");
  EXPECT_EQ(json::parse(xc::crcResponse(secret, token)),
            json::parse(R"({"response_token":"sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8="})"));
}

TEST(XCodec, SignatureIsCheckedOnTheRawBytes) {
  const std::string body = R"({"for_user_id":"1"})";
  EXPECT_EQ(xc::signature("secret", body), "sha256=GQ7bNWj95QexRX3kxMvQQuaSHYOR68bC4OHSy3cJDrY=");
  EXPECT_TRUE(xc::verifySignature("secret", body, "sha256=GQ7bNWj95QexRX3kxMvQQuaSHYOR68bC4OHSy3cJDrY="));
  EXPECT_FALSE(xc::verifySignature("secret", body + " ", "sha256=GQ7bNWj95QexRX3kxMvQQuaSHYOR68bC4OHSy3cJDrY="));
  EXPECT_FALSE(xc::verifySignature("other", body, "sha256=GQ7bNWj95QexRX3kxMvQQuaSHYOR68bC4OHSy3cJDrY="));
  EXPECT_FALSE(xc::verifySignature("secret", body, "GQ7bNWj95QexRX3kxMvQQuaSHYOR68bC4OHSy3cJDrY="));
  EXPECT_FALSE(xc::verifySignature("secret", body, "sha256=gq7bNWj95QexRX3kxMvQQuaSHYOR68bC4OHSy3cJDrY="));  // base64 is case-sensitive
  EXPECT_FALSE(xc::verifySignature("secret", body, ""));
  EXPECT_FALSE(xc::verifySignature("", body, xc::signature("", body)));  // an empty secret never verifies
}

// ---- direct messages ----------------------------------------------------------------------------

TEST(XCodec, DirectMessageFromTheCustomer) {
  auto batch = parse("dm_text");
  EXPECT_EQ(batch.for_user_id, kBusiness);
  auto m = only(batch);
  EXPECT_EQ(m.account_id, kBusiness);
  EXPECT_EQ(m.external_id, "1050119566683860996");
  EXPECT_EQ(m.contact.external_id, kCustomer);
  EXPECT_EQ(m.contact.name, "Jordan Brinks (@furiouscamper)");  // from the users map
  EXPECT_EQ(m.text, "Hello, my order #1234 has not arrived yet");
  EXPECT_EQ(m.kind, core::MessageKind::Text);
  EXPECT_EQ(m.sent_at, 1539202989627);
  EXPECT_FALSE(m.echo);
  EXPECT_FALSE(m.is_public);
  EXPECT_FALSE(m.new_conversation_unless_threaded);
  EXPECT_EQ(payloadOf(m).at("screen_name"), "furiouscamper");
}

TEST(XCodec, DirectMessageWithAPhoto) {
  auto m = only(parse("dm_media"));
  EXPECT_EQ(m.kind, core::MessageKind::Image);
  EXPECT_EQ(m.text, "Here is the damaged box");  // the t.co link X appended for the photo is dropped
  ASSERT_EQ(m.media.size(), 1u);
  EXPECT_EQ(m.media[0].provider_ref,
            "https://ton.twitter.com/1.1/ton/data/dm/1050119566683860997/1050119560782290944/abcdEFGh.jpg");
}

TEST(XCodec, ShortenedLinksAreShownAsTheCustomerWroteThem) {
  // X replaces every link with a t.co link and names the original in entities.urls[].expanded_url.
  const std::string event =
      R"json({"type":"message_create","id":"77","created_timestamp":"1539202989627","message_create":{"target":{"recipient_id":"2244994945"},"sender_id":"3001969357","message_data":{"text":"Siehe https://t.co/abc123 und https://t.co/zzz999","entities":{"hashtags":[],"symbols":[],"user_mentions":[],"urls":[{"url":"https://t.co/abc123","expanded_url":"https://shop.example.de/orders/1234","display_url":"shop.example.de/orders/1234","indices":[6,29]},{"url":"https://t.co/zzz999","expanded_url":"javascript:alert(1)","indices":[34,57]},{"url":5}]}}}})json";
  auto dm_message = only(parley::test::parsedOr(xc::parseWebhook(dmBody(event)), "dm"));
  EXPECT_EQ(dm_message.text, "Siehe https://shop.example.de/orders/1234 und https://t.co/zzz999")
      << "an http(s) target only; a malformed entry is skipped, not refused";

  // A long post's links are in extended_tweet.entities, for its full_text.
  const std::string post =
      R"json({"for_user_id":"2244994945","tweet_create_events":[{"id_str":"9001","timestamp_ms":"1539202989627","text":"@XDevelopers short https://t.co/old","extended_tweet":{"full_text":"@XDevelopers the whole text with https://t.co/long1","entities":{"urls":[{"url":"https://t.co/long1","expanded_url":"https://example.com/a?b=1"}],"user_mentions":[{"id_str":"2244994945"}]}},"entities":{"urls":[{"url":"https://t.co/old","expanded_url":"https://example.com/short"}],"user_mentions":[{"id_str":"2244994945"}]},"user":{"id_str":"3001969357","name":"Jordan","screen_name":"furiouscamper"}}]})json";
  auto mention = only(parley::test::parsedOr(xc::parseWebhook(post), "post"));
  EXPECT_EQ(mention.text, "@XDevelopers the whole text with https://example.com/a?b=1");

  // The photo's own t.co link is dropped, not expanded (it is in entities.urls too).
  EXPECT_EQ(only(parse("dm_media")).text, "Here is the damaged box");
}

TEST(XCodec, DirectMessageWithAVideoTakesTheBestMp4) {
  auto m = only(parse("dm_video"));
  EXPECT_EQ(m.kind, core::MessageKind::Video);
  EXPECT_EQ(m.text, "");
  ASSERT_EQ(m.media.size(), 1u);
  EXPECT_EQ(m.media[0].provider_ref, "https://video.twimg.com/dm_video/1050119560782290999/vid/1280x720/high.mp4");
  EXPECT_EQ(m.media[0].mime_type, "video/mp4");
}

TEST(XCodec, OurOwnDirectMessageIsAnEchoOfTheCustomersConversation) {
  auto m = only(parse("dm_echo"));
  EXPECT_TRUE(m.echo);
  EXPECT_EQ(m.contact.external_id, kCustomer);  // the person written to, never ourselves
  EXPECT_EQ(m.contact.name, "Jordan Brinks (@furiouscamper)");
  EXPECT_EQ(m.text, "Sorry to hear that, we are checking");
}

TEST(XCodec, TypingIsCountedAndNotStored) {
  auto batch = parse("typing");
  EXPECT_TRUE(batch.batch.messages.empty());
  EXPECT_EQ(batch.typing, 1);
}

TEST(XCodec, ReadEventNamesTheLastReadDm) {
  auto batch = parse("read");
  EXPECT_TRUE(batch.batch.messages.empty());
  ASSERT_EQ(batch.reads.size(), 1u);
  EXPECT_EQ(batch.reads[0].account_id, kBusiness);
  EXPECT_EQ(batch.reads[0].contact_id, kCustomer);
  EXPECT_EQ(batch.reads[0].last_read_event_id, "1050119566683861111");
  EXPECT_EQ(batch.reads[0].at, 1539203200000);
  // The account reading the customer's DMs says nothing about our replies.
  auto own = xc::parseWebhook(R"({"for_user_id":"2244994945","direct_message_mark_read_events":[{"created_timestamp":"1","sender_id":"2244994945","last_read_event_id":"5"}]})");
  ASSERT_TRUE(own.ok());
  EXPECT_TRUE(own->reads.empty());
  EXPECT_EQ(own->batch.ignored, 1);
}

TEST(XCodec, FavoritesAndOtherEventsAreIgnored) {
  auto batch = parse("favorite");
  EXPECT_TRUE(batch.batch.messages.empty());
  EXPECT_EQ(batch.batch.ignored, 1);
  auto follow = xc::parseWebhook(R"({"for_user_id":"1","follow_events":[{},{}],"user_event":{"revoke":{}}})");
  ASSERT_TRUE(follow.ok());
  EXPECT_EQ(follow->batch.ignored, 2);
}

// The payload examples of X's documentation, verbatim but for the subscribed account
// (fixtures aaa_*, message_create_object_*, reference_*; tests/channels/x/fixtures/README.md).
TEST(XCodec, TheDocumentedExamplePayloads) {
  {
    // "Account Activity data objects": direct_message_events with apps and users.
    const auto m = only(parse("aaa_dm_message_create"));
    EXPECT_EQ(m.external_id, "954491830116155396");
    EXPECT_EQ(m.text, "Hello World!");
    EXPECT_EQ(m.contact.external_id, kCustomer);
    EXPECT_EQ(m.contact.name, "Jordan Brinks (@furiouscamper)");
    EXPECT_EQ(m.sent_at, 1516403560557);
    EXPECT_FALSE(m.echo);
    EXPECT_FALSE(m.is_public);
  }
  {
    // "Message Create Object": a quick-reply answer, with initiated_via.
    const auto m = only(parse("message_create_object_quick_reply"));
    EXPECT_EQ(m.text, "Blue Bird");
    EXPECT_EQ(m.contact.external_id, "3805104374");
    EXPECT_EQ(payloadOf(m).at("quick_reply_metadata").as_string(), "external_id_2");
  }
  // Deliveries that name no subscribed account (the revoke user_event; the read-receipt example
  // of the DM reference, which leaves out for_user_id) are accepted and store nothing.
  for (const char* name : {"aaa_user_event_revoke", "reference_mark_read_no_for_user_id"}) {
    SCOPED_TRACE(name);
    const auto b = parse(name);
    EXPECT_TRUE(b.for_user_id.empty());
    EXPECT_TRUE(b.batch.messages.empty());
    EXPECT_TRUE(b.reads.empty());
    EXPECT_EQ(b.batch.ignored, 1);
  }
  // aaa_tweet_delete is the account deleting its own post: Parley's replies stay as sent.
  for (const char* name : {"aaa_tweet_delete", "aaa_follow", "aaa_block"}) {
    SCOPED_TRACE(name);
    const auto b = parse(name);
    EXPECT_EQ(b.for_user_id, kBusiness);
    EXPECT_TRUE(b.batch.messages.empty());
    EXPECT_TRUE(b.batch.edits.empty());
    EXPECT_EQ(b.batch.ignored, 1);
  }
}

// X's developer policy (Compliance: "Delete associated Post"): a post its author deleted is
// taken back like an Instagram unsend, and only a post of that author.
TEST(XCodec, APostItsAuthorDeletedIsTakenBack) {
  const auto b = parse("tweet_delete_by_author");
  EXPECT_EQ(b.for_user_id, "3001969357");
  EXPECT_TRUE(b.batch.messages.empty());
  EXPECT_EQ(b.batch.ignored, 0);
  ASSERT_EQ(b.batch.edits.size(), 1u);
  const auto& deleted = b.batch.edits[0];
  EXPECT_TRUE(deleted.unsent);
  EXPECT_TRUE(deleted.text.empty());
  EXPECT_EQ(deleted.account_id, "3001969357");
  EXPECT_EQ(deleted.provider_message_id, "1050118621198921728");
  EXPECT_EQ(deleted.author_external_id, "3284025577");
  EXPECT_EQ(deleted.at, 1539202800000);
  // Ids as numbers keep every digit; a status without an id names nothing; a wrong type is malformed.
  auto numeric = xc::parseWebhook(
      R"({"for_user_id":"1","tweet_delete_events":[{"status":{"id":1050118621198921728,"user_id":3284025577},"timestamp_ms":"1"}]})");
  ASSERT_TRUE(numeric.ok()) << numeric.error().message;
  ASSERT_EQ(numeric->batch.edits.size(), 1u);
  EXPECT_EQ(numeric->batch.edits[0].provider_message_id, "1050118621198921728");
  auto nameless = xc::parseWebhook(R"({"for_user_id":"1","tweet_delete_events":[{"status":{"user_id":"2"}}]})");
  ASSERT_TRUE(nameless.ok());
  EXPECT_EQ(nameless->batch.ignored, 1);
  EXPECT_TRUE(nameless->batch.edits.empty());
  EXPECT_FALSE(xc::parseWebhook(R"({"for_user_id":"1","tweet_delete_events":[{"status":{"id":1.5,"user_id":"2"}}]})").ok());
  EXPECT_FALSE(xc::parseWebhook(R"({"for_user_id":"1","tweet_delete_events":[{}]})").ok());
}

TEST(XCodec, ACapturedMentionInTheAuthorsOwnThread) {
  const auto m = only(parse("captured_mention_in_own_thread"));
  EXPECT_TRUE(m.is_public);
  EXPECT_FALSE(m.echo);
  EXPECT_EQ(m.external_id, "1332557345071644672");
  EXPECT_EQ(m.contact.external_id, "1247048165561270272");
  EXPECT_EQ(m.contact.name, "Tanu Learns (@TanuLearns)");
  EXPECT_EQ(m.text, "@XDevelopers Save this");
  ASSERT_EQ(m.thread_refs.size(), 1u);  // the author's own post: a thread Parley may not know
  EXPECT_EQ(m.thread_refs[0], "1332252354599555074");
  EXPECT_EQ(m.sent_at, 1606541403440);
}

TEST(XCodec, QuotesAndBlockedUsersOpenNoConversation) {
  // A customer quoting the account's post without @mentioning it shares it; nothing to answer.
  auto quote = parse("quote_of_own_post");
  EXPECT_TRUE(quote.batch.messages.empty());
  EXPECT_EQ(quote.batch.ignored, 1);
  // The same quote @mentioning the account is a mention.
  auto mentioned = xc::parseWebhook(R"({"for_user_id":"2244994945","tweet_create_events":[{"id_str":"7","text":"@XDevelopers look","is_quote_status":true,"quoted_status_id_str":"6","user":{"id_str":"3001969357","screen_name":"furiouscamper"},"entities":{"user_mentions":[{"id_str":"2244994945"}]}}]})");
  ASSERT_TRUE(mentioned.ok()) << mentioned.error().message;
  ASSERT_EQ(mentioned->batch.messages.size(), 1u);
  EXPECT_TRUE(mentioned->batch.messages[0].is_public);
  // "user_has_blocked": "true" (a string in X's example; a boolean accepted too).
  auto blocked = parse("aaa_mention_blocked_user");
  EXPECT_TRUE(blocked.batch.messages.empty());
  EXPECT_EQ(blocked.batch.ignored, 1);
  auto not_blocked = parse("mention");  // "user_has_blocked": false
  EXPECT_EQ(not_blocked.batch.messages.size(), 1u);
}

TEST(XCodec, EveryFixtureParses) {
  std::size_t count = 0;
  for (const auto& name : parley::test::jsonFixtureNames("x")) {
    SCOPED_TRACE(name + ".json");
    const auto b = parse(name);
    for (const auto& m : b.batch.messages) {
      EXPECT_FALSE(m.external_id.empty());
      EXPECT_FALSE(m.contact.external_id.empty());
      EXPECT_EQ(m.account_id, b.for_user_id);
      EXPECT_TRUE(json::parse(m.payload_json).is_object());
    }
    ++count;
  }
  EXPECT_GE(count, 24u);
}

TEST(XCodec, BatchKeepsEveryEventInOrderWithItsSender) {
  auto batch = parse("batch");
  ASSERT_EQ(batch.batch.messages.size(), 2u);
  EXPECT_EQ(batch.batch.messages[0].text, "first");
  EXPECT_EQ(batch.batch.messages[0].contact.name, "Jordan Brinks (@furiouscamper)");
  EXPECT_EQ(batch.batch.messages[1].contact.external_id, "783214");
  EXPECT_EQ(batch.batch.messages[1].contact.name, "X (@X)");
}

TEST(XCodec, UnknownFieldsAreTolerated) {
  auto m = only(parse("unknown_field"));
  EXPECT_EQ(m.text, "still readable");
}

// ---- mentions -----------------------------------------------------------------------------------

TEST(XCodec, MentionOpensAPublicThread) {
  auto m = only(parse("mention"));
  EXPECT_EQ(m.external_id, "1050118621198921728");
  EXPECT_TRUE(m.is_public);
  EXPECT_TRUE(m.new_conversation_unless_threaded);
  EXPECT_TRUE(m.thread_refs.empty());
  EXPECT_EQ(m.contact.external_id, kCustomer);
  EXPECT_EQ(m.contact.name, "Jordan Brinks (@furiouscamper)");
  // The full text of an extended post, not the truncated one, without the @name X hides
  // (display_text_range starts after it); the name is kept in the payload.
  EXPECT_EQ(m.text, "my order #1234 never arrived, and your support line does not answer. Can someone help me please? It has been two weeks already.");
  EXPECT_EQ(m.sent_at, 1539202764000);
  EXPECT_EQ(payloadOf(m).at("tweet_id"), "1050118621198921728");
  EXPECT_EQ(payloadOf(m).at("reply_to_names"), json::array{"XDevelopers"});
}

TEST(XCodec, OnlyTheHiddenAtNamesOfAReplyAreDropped) {
  auto parseText = [](const std::string& text, const std::string& range) {
    const std::string body = R"({"for_user_id":"2244994945","tweet_create_events":[{"id_str":"9002","timestamp_ms":"1539202989627","text":")" +
                             text + R"(",)" + range + R"("in_reply_to_status_id_str":"9001","in_reply_to_user_id_str":"2244994945",)" +
                             R"("user":{"id_str":"3001969357","name":"Jordan","screen_name":"furiouscamper"}}]})";
    auto batch = xc::parseWebhook(body);
    EXPECT_TRUE(batch.ok()) << (batch.ok() ? "" : batch.error().message);
    return batch.ok() && batch->batch.messages.size() == 1 ? batch->batch.messages[0].text : std::string("(none)");
  };
  // Two hidden names (the thread's), then what the customer wrote.
  EXPECT_EQ(parseText("@XDevelopers @jana_m Danke, geht wieder!", R"("display_text_range":[21,40],)"), "Danke, geht wieder!");
  // A name the customer wrote into the text (the range starts at 0) stays.
  EXPECT_EQ(parseText("@jana_m hat recht", R"("display_text_range":[0,17],)"), "@jana_m hat recht");
  // No range, a range past the text, or a prefix that is not only @names: the text as sent.
  EXPECT_EQ(parseText("@XDevelopers hallo", ""), "@XDevelopers hallo");
  EXPECT_EQ(parseText("@XDevelopers hallo", R"("display_text_range":[400,420],)"), "@XDevelopers hallo");
  EXPECT_EQ(parseText("Hallo @XDevelopers wie", R"("display_text_range":[6,22],)"), "Hallo @XDevelopers wie");
  EXPECT_EQ(parseText("@XDevelopers hallo", R"("display_text_range":[5,18],)"), "@XDevelopers hallo");  // mid-name
  EXPECT_EQ(parseText("@XDevelopers @jana_m", R"("display_text_range":[20,20],)"), "@XDevelopers @jana_m");  // only names
  // Code points, not bytes: what follows the names may be anything.
  EXPECT_EQ(parseText("@XDevelopers Grüße 👋", R"("display_text_range":[13,20],)"), "Grüße 👋");
}

TEST(XCodec, TextXSendsHtmlEscapedReadsAsTheCustomerWroteIt) {
  // v1.1 post objects carry "&", "<" and ">" as "&amp;", "&lt;" and "&gt;"; expanded links are
  // not escaped and stay as they are.
  auto m = only(parse("mention_html_escaped"));
  EXPECT_EQ(m.text, "Q&A: is 3 < 5? R&D -> https://example.com/faq?a=1&b=2");
  // Only those three: anything else that looks like an entity is text.
  std::string dm = readFixture("dm_text");
  const std::string from = "Hello, my order #1234 has not arrived yet";
  dm.replace(dm.find(from), from.size(), "Fish &amp;amp; chips &quot;now&quot; &#39;ok&#39; &lt;3 &");
  auto parsed = xc::parseWebhook(dm);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(only(*parsed).text, "Fish &amp; chips &quot;now&quot; &#39;ok&#39; <3 &");
}

TEST(XCodec, ReplyInAThreadNamesThePostItAnswers) {
  auto m = only(parse("mention_reply"));
  EXPECT_TRUE(m.is_public);
  ASSERT_EQ(m.thread_refs.size(), 1u);
  EXPECT_EQ(m.thread_refs[0], "1050119999999999999");
  EXPECT_EQ(m.reply_to_external_id, "1050119999999999999");
}

TEST(XCodec, OurOwnReplyIsAnEchoOfTheCustomersThread) {
  auto m = only(parse("own_reply"));
  EXPECT_TRUE(m.echo);
  EXPECT_TRUE(m.is_public);
  EXPECT_EQ(m.contact.external_id, kCustomer);
  ASSERT_EQ(m.thread_refs.size(), 1u);
  EXPECT_EQ(m.thread_refs[0], "1050118621198921728");
}

TEST(XCodec, OwnPostsAndRetweetsAreIgnored) {
  for (const char* name : {"own_post", "retweet"}) {
    auto batch = parse(name);
    EXPECT_TRUE(batch.batch.messages.empty()) << name;
    EXPECT_EQ(batch.batch.ignored, 1) << name;
  }
}

TEST(XCodec, IdsBeyondTwoToThe53KeepEveryDigit) {
  auto batch = parse("big_ids");
  EXPECT_EQ(batch.for_user_id, "18446744073709551000");
  auto m = only(batch);
  EXPECT_EQ(m.external_id, "9007199254740993123");
  EXPECT_EQ(m.contact.external_id, "9007199254740993999");
  EXPECT_EQ(m.thread_refs.at(0), "9007199254740993001");
  // A double would lose digits: refused rather than rounded.
  expectInvalid(R"({"for_user_id":9007199254740993.0})", "for_user_id");
}

// ---- adversarial --------------------------------------------------------------------------------

TEST(XCodec, MalformedBodiesAreInvalidInput) {
  const std::string good = readFixture("dm_text");
  expectInvalid(good.substr(0, good.size() / 2));
  expectInvalid("");
  expectInvalid("[]");
  expectInvalid("{}", "for_user_id");
  expectInvalid(R"({"for_user_id":"abc"})", "for_user_id");
  expectInvalid(R"({"for_user_id":"1","direct_message_events":{}})", "direct_message_events");
  expectInvalid(R"({"for_user_id":"1","direct_message_events":[1]})", "direct_message_events[0]");
  expectInvalid(dmBody(R"({"type":"message_create","id":"5"})"), "message_create");
  expectInvalid(dmBody(R"({"type":"message_create","id":"5","message_create":{"sender_id":7.5}})"), "sender_id");
  expectInvalid(dmBody(dm("5", "9", "17")), "text");
  expectInvalid(R"({"for_user_id":"1","tweet_create_events":[{"id_str":"5","text":"hi"}]})", "user");
}

TEST(XCodec, InvalidUtf8IsRefused) {
  expectInvalid(dmBody(dm("5", "9", "\"caf\xC3\x28\"")));
  expectInvalid(dmBody(dm("5", "9", "\"\xED\xA0\x80\"")));  // a UTF-16 surrogate
}

TEST(XCodec, DeepNestingIsRefusedWithoutRecursion) {
  std::string deep = R"({"for_user_id":"1","x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  expectInvalid(deep);
}

TEST(XCodec, FiveMegabytesIsTooLarge) {
  std::string big = dmBody(dm("5", "9", "\"" + std::string(5 * 1024 * 1024, 'a') + "\""));
  auto r = xc::parseWebhook(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::TooLarge);
}

TEST(XCodec, DuplicatesInOneDeliveryStayDistinctMessagesWithOneId) {
  // Deduplication by DM event id is the store's job (DeskService::ingest): the codec keeps both.
  auto r = xc::parseWebhook(dmBody(dm("77", "9", "\"hi\"") + "," + dm("77", "9", "\"hi\"")));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->batch.messages.size(), 2u);
  EXPECT_EQ(r->batch.messages[0].external_id, r->batch.messages[1].external_id);
}

// ---- outbound -----------------------------------------------------------------------------------

TEST(XCodec, TweetLengthCountsAsXDoes) {
  EXPECT_EQ(xc::tweetLength("hello"), 5u);
  EXPECT_EQ(xc::tweetLength("caf\xC3\xA9"), 4u);             // é is one
  EXPECT_EQ(xc::tweetLength("\xE6\x97\xA5\xE6\x9C\xAC"), 4u);  // 日本: two each
  EXPECT_EQ(xc::tweetLength("\xF0\x9F\x98\x80"), 2u);          // an emoji: two
  EXPECT_TRUE(xc::encodeTweet({std::string(280, 'a'), "1"}).ok());
  auto too_long = xc::encodeTweet({std::string(281, 'a'), "1"});
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message.find("280"), std::string::npos);
  std::string cjk;
  for (int i = 0; i < 141; ++i) cjk += "\xE6\x97\xA5";
  EXPECT_FALSE(xc::encodeTweet({cjk, "1"}).ok());  // 141 CJK characters weigh 282
}

TEST(XCodec, TweetLengthCountsEveryLinkAs23AndAnEmojiAsTwo) {
  // X wraps every link in a t.co link of 23 characters, however long or short it is.
  EXPECT_EQ(xc::tweetLength("https://example.com/a/very/long/path/that/goes/on?and=on&on=1"), 23u);
  EXPECT_EQ(xc::tweetLength("http://x.co"), 23u);
  EXPECT_EQ(xc::tweetLength("See www.example.org."), 4u + 23u + 1u);      // the full stop is not part of the link
  EXPECT_EQ(xc::tweetLength("(example.com/help)"), 1u + 23u + 1u);       // a bare domain is a link too
  EXPECT_EQ(xc::tweetLength("Test https://test.com test https://test.com test.com test"), 86u);  // twitter-text's example
  EXPECT_EQ(xc::tweetLength("file.txt and e.g."), 17u);                  // not links: no known top-level domain
  EXPECT_EQ(xc::tweetLength("a\nb"), 3u);
  // An emoji is two, also with a skin tone, as a family joined by zero-width joiners, or a flag.
  EXPECT_EQ(xc::tweetLength("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD"), 2u);  // thumbs up, medium skin tone
  EXPECT_EQ(xc::tweetLength("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7"), 2u);
  EXPECT_EQ(xc::tweetLength("\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA"), 2u);  // the German flag
  EXPECT_EQ(xc::tweetLength("\xE2\x9D\xA4\xEF\xB8\x8F"), 2u);            // red heart with its variation selector
  // A long link fits a post that would be too long if the link counted by its letters.
  const std::string link = "https://example.com/" + std::string(200, 'p');
  EXPECT_TRUE(xc::encodeTweet({std::string(250, 'a') + " " + link, "1"}).ok());  // 250 + 1 + 23 = 274
  EXPECT_FALSE(xc::encodeTweet({std::string(257, 'a') + " " + link, "1"}).ok());  // 257 + 1 + 23 = 281
}

TEST(XCodec, RequestsAreTheDocumentedBodies) {
  auto tweet = xc::encodeTweet({"@furiouscamper on its way", "1050118621198921728"});
  ASSERT_TRUE(tweet.ok());
  EXPECT_EQ(json::parse(*tweet), json::parse(R"({"text":"@furiouscamper on its way","reply":{"in_reply_to_tweet_id":"1050118621198921728"}})"));
  auto direct = xc::encodeDm({kCustomer, "hello"});
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(json::parse(*direct), json::parse(R"({"text":"hello"})"));
  EXPECT_FALSE(xc::encodeDm({"../2/tweets", "hello"}).ok());
  EXPECT_FALSE(xc::encodeDm({kCustomer, "  "}).ok());
  EXPECT_FALSE(xc::encodeDm({kCustomer, std::string(10'001, 'a')}).ok());
  EXPECT_EQ(*xc::dmUrl("https://api.x.com/", kCustomer), "https://api.x.com/2/dm_conversations/with/3001969357/messages");
  EXPECT_EQ(*xc::tweetUrl("https://api.x.com"), "https://api.x.com/2/tweets");
  EXPECT_FALSE(xc::dmUrl("https://api.x.com", "1/../../x").ok());
}

TEST(XCodec, AnswersAreSortedByStatus) {
  auto dm_ok = xc::interpretAnswer(true, 201, R"({"data":{"dm_conversation_id":"1-2","dm_event_id":"1582838213"}})", 0, 0, 0);
  EXPECT_EQ(dm_ok.outcome, Outcome::Delivered);
  EXPECT_EQ(dm_ok.provider_message_id, "1582838213");
  auto post_ok = xc::interpretAnswer(false, 201, R"({"data":{"id":"1445880548472328192","text":"hi"}})", 0, 0, 0);
  EXPECT_EQ(post_ok.provider_message_id, "1445880548472328192");
  EXPECT_EQ(xc::interpretAnswer(false, 200, "{}", 0, 0, 0).outcome, Outcome::Failed);

  // 429 waits until x-rate-limit-reset.
  auto limited = xc::interpretAnswer(true, 429, R"({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429})",
                                     1'700'000'060, 0, 1'700'000'000'000);
  EXPECT_EQ(limited.outcome, Outcome::RetryLater);
  EXPECT_EQ(limited.retry_after_ms, 60'000);
  EXPECT_EQ(xc::interpretAnswer(true, 503, "", 0, 7, 0).outcome, Outcome::RetryLater);
  EXPECT_EQ(xc::interpretAnswer(true, 503, "", 0, 7, 0).retry_after_ms, 7000);

  auto forbidden = xc::interpretAnswer(
      true, 403,
      R"({"detail":"You cannot send messages to users who are not following you.","type":"https://api.twitter.com/2/problems/dm-permission","title":"Forbidden","status":403})",
      0, 0, 0);
  EXPECT_EQ(forbidden.outcome, Outcome::Failed);
  EXPECT_EQ(forbidden.error, "X error 403: You cannot send messages to users who are not following you.");
  auto duplicate = xc::interpretAnswer(false, 403, R"({"errors":[{"message":"You are not allowed to create a Tweet with duplicate content."}],"title":"Forbidden"})", 0, 0, 0);
  EXPECT_EQ(duplicate.error, "X error 403: You are not allowed to create a Tweet with duplicate content.");
  // The v1.1 error body ({"errors":[{"code","message"}]}, https://developer.x.com/en/support/x-api/error-troubleshooting).
  auto rate = xc::interpretAnswer(true, 429, R"({"errors":[{"code":88,"message":"Rate limit exceeded"}]})", 0, 30, 0);
  EXPECT_EQ(rate.outcome, Outcome::RetryLater);
  EXPECT_EQ(rate.retry_after_ms, 30'000);
  EXPECT_EQ(rate.error, "X error 429: Rate limit exceeded");
  auto cannot = xc::interpretAnswer(true, 403, R"({"errors":[{"code":349,"message":"You cannot send messages to this user."}]})", 0, 0, 0);
  EXPECT_EQ(cannot.outcome, Outcome::Failed);
  EXPECT_EQ(cannot.error, "X error 403: You cannot send messages to this user.");
  auto garbage = xc::interpretAnswer(false, 400, "\xFF\xFE not json", 0, 0, 0);
  EXPECT_EQ(garbage.outcome, Outcome::Failed);
}

// The worked example of "Creating a signature"
// (https://developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signature): a query
// parameter, a body parameter with spaces, '+', ',' and '!', and its published signature.
TEST(XCodec, OAuth1SignatureOfTheDocumentedExample) {
  const xc::OAuth1Credentials credentials{"xvz1evFS4wEEPTGEFPHBog", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
                                          "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
                                          "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"};
  const std::string header = xc::oauth1Authorization(
      "POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", credentials,
      "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", 1318622958,
      {{"status", "Hello Ladies + Gentlemen, a signed OAuth request!"}});
  EXPECT_EQ(header,
            "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", "
            "oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", oauth_signature_method=\"HMAC-SHA1\", "
            "oauth_timestamp=\"1318622958\", oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", "
            "oauth_version=\"1.0\"");
  // Any other secret, time or URL signs differently.
  auto other = credentials;
  other.token_secret = "x";
  EXPECT_EQ(xc::oauth1Authorization("POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", other,
                                    "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", 1318622958,
                                    {{"status", "Hello Ladies + Gentlemen, a signed OAuth request!"}})
                .find("hCtSmYh"),
            std::string::npos);
}

TEST(XGateway, ConfigNeedsTheAccountIdAndSecrets) {
  EXPECT_TRUE(xc::parseInboxConfig(R"({"user_id":"2244994945","consumer_secret":"s","access_token":"t"})").ok());
  // The OAuth 1.0a user context for DM media: all three keys or none.
  auto oauth1 = xc::parseInboxConfig(
      R"({"user_id":"2244994945","consumer_secret":"s","access_token":"t","consumer_key":"k","oauth1_access_token":"1-a","oauth1_access_token_secret":"b"})");
  ASSERT_TRUE(oauth1.ok()) << oauth1.error().message;
  EXPECT_TRUE(oauth1->oauth1());
  auto partial = xc::parseInboxConfig(R"({"user_id":"2244994945","consumer_secret":"s","access_token":"t","consumer_key":"k"})");
  ASSERT_FALSE(partial.ok());
  EXPECT_NE(partial.error().message.find("config.consumer_key"), std::string::npos);
  auto c = xc::parseInboxConfig(R"({"user_id":"2244994945","consumer_secret":"s","access_token":"t"})");
  EXPECT_EQ(c->api_base_url, "https://api.x.com");
  EXPECT_FALSE(xc::parseInboxConfig(R"({"user_id":"@XDevelopers","consumer_secret":"s","access_token":"t"})").ok());
  EXPECT_FALSE(xc::parseInboxConfig(R"({"user_id":"1","access_token":"t"})").ok());
  EXPECT_FALSE(xc::parseInboxConfig(R"({"user_id":"1","consumer_secret":"s","access_token":"t","api_base_url":"ftp://x"})").ok());
}

namespace {

// A reply in a public X conversation of inbox 4 to the customer who wrote to it.
struct ReplyRig {
  xc::XGateway gateway;
  core::Inbox inbox;
  core::Conversation conversation;
  core::Contact contact;
  core::Message reply;
  std::vector<core::ContactIdentity> identities{1};
  ReplyRig() {
    inbox.id = core::InboxId{4};
    inbox.channel = core::ChannelKind::X;
    conversation.is_public = true;
    identities[0].kind = core::IdentityKind::External;
    identities[0].scope = "inbox:4";
    identities[0].value = kCustomer;
  }
};

}  // namespace

TEST(XGateway, PublicRepliesAnswerTheCustomersLatestPostAndPrivateOnesAreDms) {
  ReplyRig rig;
  auto& [gateway, inbox, conversation, contact, reply, identities] = rig;
  reply.text = "We are on it";
  std::vector<core::Attachment> none;
  std::string key = "k", quoted;
  std::vector<core::Message> history(3);
  history[0].direction = core::MessageDirection::Incoming;
  history[0].external_id = "100";
  history[1].direction = core::MessageDirection::Incoming;
  history[1].external_id = "200";
  history[2].direction = core::MessageDirection::Outgoing;
  history[2].external_id = "300";
  app::OutboundContext ctx{inbox, conversation, contact, reply, identities, none, key, quoted, &history};
  auto post = gateway.encode(ctx);
  ASSERT_TRUE(post.ok()) << post.error().message;
  EXPECT_EQ(json::parse(*post), json::parse(R"({"kind":"post","text":"We are on it","in_reply_to":"200"})"));

  reply.payload_json = R"({"direct":true})";  // the agent moves the customer to a DM
  auto moved = gateway.encode(ctx);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(json::parse(*moved), json::parse(R"({"kind":"dm","recipient":"3001969357","text":"We are on it"})"));

  reply.payload_json = "{}";
  reply.text = std::string(281, 'a');
  auto too_long = gateway.encode(ctx);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message.find("280"), std::string::npos);

  conversation.is_public = false;
  auto private_reply = gateway.encode(ctx);  // a DM may be long
  ASSERT_TRUE(private_reply.ok());
  EXPECT_EQ(json::parse(*private_reply).as_object().at("kind"), "dm");
}

TEST(XGateway, AReplysFileIsCheckedAndKeptWithTheCategoryOfItsWay) {
  ReplyRig rig;
  auto& [gateway, inbox, conversation, contact, reply, identities] = rig;
  reply.text = "";  // a file alone
  std::vector<core::Attachment> files(1);
  files[0].sha256 = std::string(64, 'a');
  files[0].filename = "clip.mp4";
  files[0].content_type = "video/mp4";
  files[0].size = 1'000'000;
  std::string key = "k", quoted = "200";
  app::OutboundContext ctx{inbox, conversation, contact, reply, identities, files, key, quoted, nullptr};
  auto post = gateway.encode(ctx);
  ASSERT_TRUE(post.ok()) << post.error().message;
  EXPECT_EQ(json::parse(*post), json::parse(R"({"kind":"post","text":"","in_reply_to":"200","media":[{"sha256":")" +
                                            files[0].sha256 +
                                            R"(","filename":"clip.mp4","size":1000000,"media_type":"video/mp4","media_category":"tweet_video"}]})"));
  conversation.is_public = false;
  auto dm = gateway.encode(ctx);
  ASSERT_TRUE(dm.ok()) << dm.error().message;
  EXPECT_EQ(json::parse(*dm).as_object().at("media").as_array().at(0).as_object().at("media_category"), "dm_video");
  // What X does not take is refused, naming the file.
  files[0].content_type = "application/zip";
  files[0].filename = "all.zip";
  auto refused = gateway.encode(ctx);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("\"all.zip\" (application/zip, 977 KB) cannot be sent on X"), std::string::npos);
  // A DM carries one file (DeskService splits the reply by filesPerMessage; encode holds the line).
  files[0].content_type = "image/png";
  files[0].filename = "a.png";
  files.push_back(files[0]);
  files[1].filename = "b.png";
  files[1].sha256 = std::string(64, 'b');
  auto two = gateway.encode(ctx);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("one file"), std::string::npos);
  // A post carries them together, in order, as photos.
  conversation.is_public = true;
  auto photos = gateway.encode(ctx);
  ASSERT_TRUE(photos.ok()) << photos.error().message;
  const auto parsed = json::parse(*photos);
  const auto& media = parsed.as_object().at("media").as_array();
  ASSERT_EQ(media.size(), 2u);
  EXPECT_EQ(media[0].as_object().at("filename"), "a.png");
  EXPECT_EQ(media[1].as_object().at("filename"), "b.png");
  EXPECT_EQ(media[1].as_object().at("media_category"), "tweet_image");
  // But not a photo with a video, nor five photos.
  files[1].content_type = "video/mp4";
  auto mixed = gateway.encode(ctx);
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("up to 4 photos"), std::string::npos);
  files[1].content_type = "image/png";
  files.resize(5, files[1]);
  EXPECT_FALSE(gateway.encode(ctx).ok());
  // Without a file, an empty reply is still refused.
  files.clear();
  EXPECT_FALSE(gateway.encode(ctx).ok());
}

TEST(XGateway, APublicPostCarriesUpToFourPhotosAndEverythingElseGoesAlone) {
  const xc::XGateway gateway;
  const core::Inbox inbox{};
  auto file = [](std::string type) {
    core::Attachment a;
    a.filename = "f";
    a.content_type = std::move(type);
    a.size = 1000;
    return a;
  };
  const auto photo = file("image/jpeg");
  EXPECT_EQ(gateway.filesPerMessage(inbox, true, {photo, file("image/png"), file("image/webp"), photo, photo}, {}), 4u);
  EXPECT_EQ(gateway.filesPerMessage(inbox, true, {photo}, {}), 4u);
  EXPECT_EQ(gateway.filesPerMessage(inbox, false, {photo, photo}, {}), 1u);  // a DM: one media item
  EXPECT_EQ(gateway.filesPerMessage(inbox, true, {photo, file("image/gif")}, {}), 1u);
  EXPECT_EQ(gateway.filesPerMessage(inbox, true, {file("video/mp4"), photo}, {}), 1u);
  auto large = photo;
  large.size = 6 * 1024 * 1024;  // not a photo X takes: refused by encode, alone
  EXPECT_EQ(gateway.filesPerMessage(inbox, true, {photo, large}, {}), 1u);
}
