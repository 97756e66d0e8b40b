// The web chat's pure parts: inbox configuration, visitor tokens, identity hashes, signed file
// links and what a visitor's stream receives.
#include <gtest/gtest.h>

#include "channels/webchat/visitor_stream.hpp"
#include "channels/webchat/visitor_token.hpp"
#include "channels/webchat/webchat_config.hpp"

using namespace parley;
using namespace parley::channels::webchat;

TEST(WebChatConfig, ParsesEveryDocumentedKey) {
  auto c = parseWebChatConfig(R"({
    "allowed_origins": ["https://Shop.Example.com/", "http://127.0.0.1:8081", "https://www.example.com:443"],
    "greeting": {"de": "Hallo! Wie können wir helfen?", "en": "Hi! How can we help?"},
    "color": "#1F6FEB",
    "prechat": {"enabled": true, "require_email": true},
    "business_hours": {"timezone": "Europe/Berlin", "weekly": {"mon": ["09:00-12:00", "13:00-17:00"], "sat": ["10:00-14:00"]},
                       "closed_dates": ["2026-12-24"]},
    "offline_message": {"de": "Wir sind gerade nicht da.", "en": "We are away."}})");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->allowed_origins, (std::vector<std::string>{"https://shop.example.com", "http://127.0.0.1:8081", "https://www.example.com"}));
  EXPECT_EQ(c->greeting.de, "Hallo! Wie können wir helfen?");
  EXPECT_EQ(c->color, "#1f6feb");
  EXPECT_TRUE(c->prechat_enabled);
  EXPECT_TRUE(c->prechat_require_email);
  EXPECT_EQ(c->timezone, "Europe/Berlin");
  ASSERT_TRUE(c->business_hours);
  EXPECT_EQ(c->business_hours->weekly[0].size(), 2u);
  EXPECT_EQ(c->business_hours->weekly[5].size(), 1u);
  EXPECT_EQ(c->business_hours->closed_dates.size(), 1u);
  EXPECT_EQ(c->offline_message.en, "We are away.");
}

TEST(WebChatConfig, NamesTheKeyOfEveryMistake) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({})", "config.allowed_origins"},
      {R"({"allowed_origins": []})", "config.allowed_origins"},
      {R"({"allowed_origins": ["https://shop.example.com/path"]})", "config.allowed_origins"},
      {R"j({"allowed_origins": ["javascript:alert(1)"]})j", "config.allowed_origins"},
      {R"({"allowed_origins": ["*"], "colour": "#fff"})", "config.colour: unknown key"},
      {R"({"allowed_origins": ["*"], "color": "red"})", "config.color"},
      {R"({"allowed_origins": ["*"], "greeting": {"fr": "Salut"}})", "config.greeting.fr"},
      {R"({"allowed_origins": ["*"], "prechat": {"enabled": "yes"}})", "config.prechat.enabled"},
      {R"({"allowed_origins": ["*"], "business_hours": {"weekly": {}}})", "config.business_hours.timezone"},
      {R"({"allowed_origins": ["*"], "business_hours": {"timezone": "Europe/Atlantis", "weekly": {}}})", "config.business_hours.timezone"},
      {R"({"allowed_origins": ["*"], "business_hours": {"timezone": "UTC", "weekly": {"monday": []}}})", "config.business_hours.weekly.monday"},
      {R"({"allowed_origins": ["*"], "business_hours": {"timezone": "UTC", "weekly": {"mon": ["22:00-02:00"]}}})",
       "config.business_hours.weekly.mon"},
      {R"({"allowed_origins": ["*"], "business_hours": {"timezone": "UTC", "weekly": {"mon": ["09:00-12:00", "11:00-13:00"]}}})",
       "config.business_hours.weekly.mon"},
      {R"({"allowed_origins": ["*"], "business_hours": {"timezone": "UTC", "weekly": {}, "closed_dates": ["24.12.2026"]}})",
       "config.business_hours.closed_dates"},
      {R"([1])", "config"},
  };
  for (const auto& [config, key] : cases) {
    auto c = parseWebChatConfig(config);
    ASSERT_FALSE(c) << config;
    EXPECT_EQ(c.error().code, core::ErrorCode::InvalidInput);
    EXPECT_EQ(c.error().message.rfind(key, 0), 0u) << config << " -> " << c.error().message;
  }
}

TEST(WebChatConfig, AllowsOnlyListedOrigins) {
  auto c = parseWebChatConfig(R"({"allowed_origins": ["https://shop.example.com", "http://127.0.0.1:8081"]})");
  ASSERT_TRUE(c);
  EXPECT_TRUE(originAllowed(*c, "https://shop.example.com"));
  EXPECT_TRUE(originAllowed(*c, "HTTPS://SHOP.example.com:443"));
  EXPECT_TRUE(originAllowed(*c, "http://127.0.0.1:8081"));
  EXPECT_FALSE(originAllowed(*c, "http://shop.example.com")) << "another scheme is another origin";
  EXPECT_FALSE(originAllowed(*c, "https://shop.example.com.evil.test"));
  EXPECT_FALSE(originAllowed(*c, "http://127.0.0.1:8082"));
  EXPECT_FALSE(originAllowed(*c, "null"));
  auto any = parseWebChatConfig(R"({"allowed_origins": ["*"]})");
  ASSERT_TRUE(any);
  EXPECT_TRUE(originAllowed(*any, "https://anything.test"));
}

TEST(VisitorToken, RoundTripsAndIsBoundToItsInboxAndSecret) {
  VisitorToken t{core::InboxId{12}, "v_0123456789abcdef0123456789abcdef", false, {"", "jana@example.de", "Jana", ""}, 1'700'000'000'000};
  const std::string token = issueVisitorToken("secret-12", t);
  auto back = verifyVisitorToken("secret-12", core::InboxId{12}, token);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->visitor_id, t.visitor_id);
  EXPECT_EQ(back->claims.email, "jana@example.de");
  EXPECT_FALSE(back->verified);
  EXPECT_EQ(back->issued_at, t.issued_at);
  EXPECT_FALSE(verifyVisitorToken("secret-12", core::InboxId{13}, token)) << "another inbox";
  EXPECT_FALSE(verifyVisitorToken("rotated", core::InboxId{12}, token)) << "a rotated secret ends the session";
  std::string tampered = token;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verifyVisitorToken("secret-12", core::InboxId{12}, tampered).error().code, core::ErrorCode::Unauthorized);
  EXPECT_FALSE(verifyVisitorToken("secret-12", core::InboxId{12}, ""));
  EXPECT_FALSE(verifyVisitorToken("secret-12", core::InboxId{12}, "pv1.e30." + std::string(64, '0')));
  EXPECT_NE(anonymousVisitorId(), anonymousVisitorId());
  EXPECT_EQ(anonymousVisitorId().size(), 34u) << "v_ and 128 random bits in hex";
}

TEST(VisitorToken, IdentityHashMatchesTheDocumentedExample) {
  // docs/channels/WEBCHAT.md: the same value from the PHP, Node and Python one-liners.
  const core::VisitorClaims claims{"42", "jana@example.de", "Jana Müller", "+49 30 1234567"};
  EXPECT_EQ(identityHash("0123456789abcdef", claims), "42ba5360a48a1d720e5bfd74d4774b12ade72b5ffa188f81821fd0ee7f3ede48");
  EXPECT_TRUE(verifyIdentityHash("0123456789abcdef", claims, "42BA5360A48A1D720E5BFD74D4774B12ADE72B5FFA188F81821FD0EE7F3EDE48"));
  auto other = claims;
  other.email = "mallory@evil.test";
  EXPECT_FALSE(verifyIdentityHash("0123456789abcdef", other, identityHash("0123456789abcdef", claims)));
  EXPECT_FALSE(verifyIdentityHash("", claims, identityHash("", claims))) << "no secret, no verification";
}

TEST(VisitorToken, FileLinksAreSignedPerFileAndExpiry) {
  const auto sig = fileSignature("s", core::AttachmentId{7}, 1000);
  EXPECT_TRUE(verifyFileSignature("s", core::AttachmentId{7}, 1000, sig));
  EXPECT_FALSE(verifyFileSignature("s", core::AttachmentId{8}, 1000, sig));
  EXPECT_FALSE(verifyFileSignature("s", core::AttachmentId{7}, 2000, sig));
  EXPECT_FALSE(verifyFileSignature("t", core::AttachmentId{7}, 1000, sig));
}

namespace {

app::Event messageEvent(core::MessageDirection direction, core::ConversationId conversation, core::InboxId inbox = core::InboxId{1}) {
  core::Message m;
  m.id = core::MessageId{99};
  m.conversation_id = conversation;
  m.inbox_id = inbox;
  m.direction = direction;
  m.text = "secret note text";
  return app::Event{1, "message.created", core::TenantId{1}, inbox, {}, m};
}

}  // namespace

TEST(VisitorStream, AVisitorHearsOnlyOfItsOwnConversationsAndNeverOfNotes) {
  StreamScope scope{core::TenantId{1}, core::InboxId{1}, core::ContactId{5}, {core::ConversationId{10}}};
  auto reply = visitorNoticeFor(messageEvent(core::MessageDirection::Outgoing, core::ConversationId{10}));
  ASSERT_TRUE(reply);
  EXPECT_TRUE(deliverToVisitor(scope, *reply));
  EXPECT_EQ(*reply->frame, R"({"type":"message.created","data":{"id":99,"conversation_id":10}})") << "an id, never the text";
  EXPECT_FALSE(visitorNoticeFor(messageEvent(core::MessageDirection::Note, core::ConversationId{10})));
  EXPECT_FALSE(visitorNoticeFor(messageEvent(core::MessageDirection::Activity, core::ConversationId{10})));
  auto other = visitorNoticeFor(messageEvent(core::MessageDirection::Outgoing, core::ConversationId{11}));
  ASSERT_TRUE(other);
  EXPECT_FALSE(deliverToVisitor(scope, *other)) << "another visitor's conversation";
  StreamScope elsewhere{core::TenantId{1}, core::InboxId{2}, core::ContactId{5}, {core::ConversationId{10}}};
  EXPECT_FALSE(deliverToVisitor(elsewhere, *reply)) << "another inbox";
}

TEST(VisitorStream, ANewConversationOfTheVisitorJoinsItsScope) {
  StreamScope scope{core::TenantId{1}, core::InboxId{1}, core::ContactId{5}, {}};
  core::Conversation c;
  c.id = core::ConversationId{12};
  c.contact_id = core::ContactId{5};
  auto created = visitorNoticeFor(app::Event{2, "conversation.created", core::TenantId{1}, core::InboxId{1}, {}, c});
  ASSERT_TRUE(created);
  EXPECT_FALSE(deliverToVisitor(scope, *created)) << "nothing to send ...";
  EXPECT_EQ(scope.conversations, (std::vector<core::ConversationId>{core::ConversationId{12}})) << "... but it is theirs now";
  c.contact_id = core::ContactId{6};
  c.id = core::ConversationId{13};
  auto foreign = visitorNoticeFor(app::Event{3, "conversation.created", core::TenantId{1}, core::InboxId{1}, {}, c});
  EXPECT_FALSE(deliverToVisitor(scope, *foreign));
  EXPECT_EQ(scope.conversations.size(), 1u);
}

TEST(VisitorStream, AgentsTypingReachesTheVisitorTheVisitorsOwnDoesNot) {
  StreamScope scope{core::TenantId{1}, core::InboxId{1}, core::ContactId{5}, {core::ConversationId{10}}};
  app::TypingNotice agent{core::ConversationId{10}, core::InboxId{1}, true, core::UserId{3}, {}, "Anna Schmidt"};
  auto notice = visitorNoticeFor(app::Event{4, "conversation.typing", core::TenantId{1}, core::InboxId{1}, {}, agent});
  ASSERT_TRUE(notice);
  EXPECT_TRUE(deliverToVisitor(scope, *notice));
  EXPECT_EQ(*notice->frame, R"({"type":"typing","data":{"typing":true,"conversation_id":10,"agent_name":"Anna"}})");
  app::TypingNotice customer{core::ConversationId{10}, core::InboxId{1}, true, {}, core::ContactId{5}, ""};
  EXPECT_FALSE(visitorNoticeFor(app::Event{5, "conversation.typing", core::TenantId{1}, core::InboxId{1}, {}, customer}));
}
