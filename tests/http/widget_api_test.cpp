// The public web-chat widget API through the real router, services and a SQLite store: CORS
// and origins, visitor tokens, what a visitor may see, identity verification, offline mode,
// limits, read receipts and typing. No sockets (the visitors' stream is tested in
// tests/channels/webchat_test.cpp and in the browser test).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/webchat/visitor_service.hpp"
#include "channels/webchat/visitor_token.hpp"
#include "channels/webchat/webchat_gateway.hpp"
#include "http/api_fixture.hpp"

namespace {

using namespace parley;
namespace json = boost::json;

constexpr const char* kSite = "https://shop.example.com";

// The widget's web-chat inbox "Website" and an API inbox "CRM" of tenant Acme, on the API's
// services with the web-chat gateway and visitor service. The clock starts on a Tuesday, 22:13 UTC.
struct WidgetFixture : parley::testing::ApiServices {
  std::unique_ptr<channels::webchat::VisitorService> visitors;

  core::TenantId tenant;
  core::UserId admin, anna, bert;
  core::TeamId team_a, team_b;
  core::InboxId chat, api_inbox;
  std::string chat_secret;
  core::ContactId jana;  // an API-channel contact with a verified e-mail and history

  explicit WidgetFixture(channels::webchat::VisitorLimits limits = {})
      : ApiServices("widget", {{core::ChannelKind::WebChat, std::make_shared<channels::webchat::WebChatGateway>()}}) {
    limits.presence_cache_ms = 0;
    visitors = std::make_unique<channels::webchat::VisitorService>(*store, *desk, *attachments, clock, limits);
    deps->webchat = visitors.get();
    http::addAllRoutes(router, *deps);
    seed();
  }

  core::UserId user(app::StoreTx& tx, const std::string& email, core::Role role) {
    return ApiServices::user(tx, tenant, email, role);
  }

  void seed() {
    write([&](app::StoreTx& tx) -> core::Status {
      tenant = *tx.createTenant(core::Tenant{{}, "Acme", clock.now()});
      admin = user(tx, "admin@acme.test", core::Role::Admin);
      anna = user(tx, "anna@acme.test", core::Role::Agent);
      bert = user(tx, "bert@acme.test", core::Role::Agent);
      team_a = team(tx, tenant, "Support", {anna});
      team_b = team(tx, tenant, "Sales", {bert});
      (void)tx.setUserAvailability(tenant, anna, core::Availability::Available, clock.now());
      core::Inbox box;
      box.tenant_id = tenant;
      box.name = "Website";
      box.channel = core::ChannelKind::WebChat;
      box.secret = chat_secret = "chat-secret-0123456789";
      box.config_json = R"({"allowed_origins":["https://shop.example.com"],"greeting":{"de":"Hallo!","en":"Hi!"},"color":"#1f6feb"})";
      box.team_ids = {team_a};
      chat = *tx.createInbox(box);
      api_inbox = apiInbox(tx, tenant, "CRM", "api-secret", "http://127.0.0.1:9/x", {team_a});
      return {};
    });
    core::InboundMessage in;
    in.inbox_id = api_inbox;
    in.external_id = "crm-1";
    in.contact = {"crm-42", "Jana Müller", "", "jana@example.de", true};
    in.text = "Meine Rechnung von letzter Woche";
    auto r = desk->ingest(in);
    if (!r) throw std::runtime_error(r.error().message);
    jana = r->contact_id;
  }

  http::Response call(const std::string& method, const std::string& target, const std::string& body = "",
                      std::map<std::string, std::string> headers = {}) {
    if (!headers.count("origin")) headers["origin"] = kSite;
    if (headers["origin"].empty()) headers.erase("origin");
    if (!body.empty() && !headers.count("content-type")) headers["content-type"] = "application/json";
    return dispatch(method, target, body, std::move(headers), "192.0.2.7");
  }

  std::string base(core::InboxId id = {}) { return "/widget/v1/inboxes/" + std::to_string((id.valid() ? id : chat).value); }

  // A visitor session's token.
  std::string session(const std::string& body = "{}") {
    auto r = call("POST", base() + "/session", body);
    if (r.status != 200) throw std::runtime_error(r.body);
    return std::string(json::parse(r.body).at("token").as_string());
  }
  http::Response visitor(const std::string& token, const std::string& method, const std::string& path, const std::string& body = "",
                         std::map<std::string, std::string> headers = {}) {
    headers["authorization"] = "Bearer " + token;
    return call(method, base() + path, body, std::move(headers));
  }
  http::Response agent(core::UserId who, const std::string& method, const std::string& path, const std::string& body = "") {
    return call(method, path, body, {{"authorization", "Bearer " + tokens.at(who)}, {"origin", ""}});
  }
  static json::value js(const http::Response& r) { return json::parse(r.body); }
  static std::string header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  core::Conversation conversation(core::ConversationId id) {
    return *app::readOne(*store, [&](app::StoreTx& tx) { return tx.getConversation(tenant, id); });
  }
};

TEST(WidgetApi, ConfigAnswersAllowedOriginsWithCorsAndRefusesOthers) {
  WidgetFixture f;
  auto r = f.call("GET", f.base() + "/config");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(WidgetFixture::header(r, "Access-Control-Allow-Origin"), kSite);
  EXPECT_EQ(WidgetFixture::header(r, "Vary"), "Origin");
  auto c = WidgetFixture::js(r).as_object();
  EXPECT_EQ(c.at("color").as_string(), "#1f6feb");
  EXPECT_EQ(c.at("greeting").at("de").as_string(), "Hallo!");
  EXPECT_TRUE(c.at("online").as_bool()) << "Anna of the inbox's team is available";
  auto wrong = f.call("GET", f.base() + "/config", "", {{"origin", "https://evil.example"}});
  EXPECT_EQ(wrong.status, 403);
  // The refusal itself is readable there (no data in it), so the widget gives up and says why
  // instead of taking it for a network error and trying again.
  EXPECT_EQ(WidgetFixture::header(wrong, "Access-Control-Allow-Origin"), "https://evil.example");
  EXPECT_NE(wrong.body.find("may not use the chat of this inbox"), std::string::npos) << wrong.body;
  EXPECT_EQ(f.call("GET", f.base(f.api_inbox) + "/config").status, 404) << "not a web-chat inbox";
  auto unknown = f.call("GET", "/widget/v1/inboxes/999/config");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(WidgetFixture::header(unknown, "Access-Control-Allow-Origin"), kSite);
  auto preflight = f.call("OPTIONS", f.base() + "/messages");
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(WidgetFixture::header(preflight, "Access-Control-Allow-Headers"), "Authorization, Content-Type");
  EXPECT_EQ(f.call("OPTIONS", f.base() + "/messages", "", {{"origin", "https://evil.example"}}).status, 403);
}

TEST(WidgetApi, BadTokensAre401BadJson400LargeBodies413) {
  WidgetFixture f;
  const auto token = f.session();
  auto none = f.call("GET", f.base() + "/messages");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(WidgetFixture::header(none, "Access-Control-Allow-Origin"), kSite) << "errors are readable by the widget";
  EXPECT_EQ(f.visitor("x" + token, "GET", "/messages").status, 401);
  std::string forged = token;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(f.visitor(forged, "GET", "/messages").status, 401);
  // A token of this inbox is worth nothing at another inbox.
  core::InboxId second;
  f.write([&](app::StoreTx& tx) -> core::Status {
    core::Inbox box;
    box.tenant_id = f.tenant;
    box.name = "Second site";
    box.channel = core::ChannelKind::WebChat;
    box.secret = "other-secret";
    box.config_json = R"({"allowed_origins":["*"]})";
    second = *tx.createInbox(box);
    return {};
  });
  EXPECT_EQ(f.call("GET", f.base(second) + "/messages", "", {{"authorization", "Bearer " + token}}).status, 401);

  EXPECT_EQ(f.visitor(token, "POST", "/messages", R"({"text": "Hallo)").status, 400);
  EXPECT_EQ(f.visitor(token, "POST", "/messages", R"({"txt": "Hallo"})").status, 400) << "unknown keys are named";
  EXPECT_EQ(f.visitor(token, "POST", "/messages", R"({"text": "   "})").status, 400);
  EXPECT_EQ(f.visitor(token, "POST", "/messages", "Hallo", {{"content-type", "text/plain"}}).status, 415);
  EXPECT_EQ(f.visitor(token, "POST", "/messages", R"({"text":")" + std::string(70'000, 'a') + R"("})").status, 413);
  EXPECT_EQ(f.visitor(token, "POST", "/messages", R"({"text":")" + std::string(20'000, 'a') + R"("})").status, 413)
      << "over max_text_bytes";
  EXPECT_EQ(f.visitor(token, "POST", "/files?filename=big.pdf", std::string(2 << 20, 'x'), {{"content-type", "application/pdf"}}).status, 413);
  // A .json file is a file: the JSON calls' 64 KiB limit is not its limit.
  std::string export_file = R"({"orders": [)" + std::string(100'000, ' ') + "]}";
  auto json_file = f.visitor(token, "POST", "/files?filename=orders.json&client_id=j-1", export_file, {{"content-type", "application/json"}});
  EXPECT_EQ(json_file.status, 201) << json_file.body;
  EXPECT_EQ(f.call("POST", f.base() + "/session", "{nope").status, 400);
}

TEST(WidgetApi, AVisitorSeesOnlyMessagesAndRepliesNeverNotesOrActivity) {
  WidgetFixture f;
  const auto token = f.session();
  auto sent = f.visitor(token, "POST", "/messages", R"({"text":"Hallo, meine Rechnnung stimmt nicht <img src=x onerror=alert(1)>","client_id":"m-1"})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  const auto message = WidgetFixture::js(sent).as_object();
  EXPECT_EQ(message.at("from").as_string(), "visitor");
  const core::ConversationId conversation{message.at("conversation_id").as_int64()};
  auto again = f.visitor(token, "POST", "/messages", R"({"text":"Hallo, meine Rechnnung stimmt nicht <img src=x onerror=alert(1)>","client_id":"m-1"})");
  EXPECT_EQ(WidgetFixture::js(again).at("id"), message.at("id")) << "a retry with the same client_id stores nothing new";

  const std::string messages = "/api/v1/conversations/" + std::to_string(conversation.value) + "/messages";
  ASSERT_EQ(f.agent(f.anna, "POST", messages, R"({"text":"Guten Tag! Ich schaue nach."})").status, 201);
  ASSERT_EQ(f.agent(f.anna, "POST", messages, R"({"text":"interne Notiz: Kunde verärgert","private":true})").status, 201);
  ASSERT_EQ(f.agent(f.anna, "POST", "/api/v1/conversations/" + std::to_string(conversation.value) + "/assign",
                    "{\"assignee_id\":" + std::to_string(f.anna.value) + "}").status, 200);
  auto list = f.visitor(token, "GET", "/messages?after=0");
  ASSERT_EQ(list.status, 200) << list.body;
  const auto data = WidgetFixture::js(list).at("data").as_array();
  ASSERT_EQ(data.size(), 2u) << list.body;
  EXPECT_EQ(data[0].at("text").as_string(), "Hallo, meine Rechnnung stimmt nicht <img src=x onerror=alert(1)>") << "text stays text";
  EXPECT_EQ(data[1].at("from").as_string(), "agent");
  EXPECT_EQ(data[1].at("agent_name").as_string(), "anna");
  EXPECT_EQ(list.body.find("interne Notiz"), std::string::npos);
  EXPECT_EQ(list.body.find("Assigned"), std::string::npos);

  // Fetched means delivered; the widget's read receipt makes it read.
  const auto reply_id = data[1].at("id").as_int64();
  auto desk_view = json::parse(f.agent(f.anna, "GET", messages).body).at("data").as_array();
  EXPECT_EQ(desk_view[1].at("delivery_status").as_string(), "delivered");
  auto read = f.visitor(token, "POST", "/read", "{\"message_ids\":[" + std::to_string(reply_id) + "]}");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(WidgetFixture::js(read).at("updated").as_int64(), 1);
  desk_view = json::parse(f.agent(f.anna, "GET", messages).body).at("data").as_array();
  EXPECT_EQ(desk_view[1].at("delivery_status").as_string(), "read");

  // Another visitor sees none of it and cannot confirm it.
  const auto stranger = f.session();
  EXPECT_EQ(WidgetFixture::js(f.visitor(stranger, "GET", "/messages")).at("data").as_array().size(), 0u);
  EXPECT_EQ(WidgetFixture::js(f.visitor(stranger, "POST", "/read", "{\"message_ids\":[" + std::to_string(reply_id) + "]}")).at("updated").as_int64(), 0);

  // The conversation continues with the same token (a reload, another tab).
  auto next = f.visitor(token, "POST", "/messages", R"({"text":"Danke!"})");
  EXPECT_EQ(WidgetFixture::js(next).at("conversation_id").as_int64(), conversation.value);
  auto later = f.visitor(token, "GET", "/messages?after=" + std::to_string(reply_id));
  EXPECT_EQ(WidgetFixture::js(later).at("data").as_array().size(), 1u);
}

TEST(WidgetApi, FilesGoBothWaysThroughSignedLinks) {
  WidgetFixture f;
  const auto token = f.session();
  auto up = f.visitor(token, "POST", "/files?filename=Rechnung%20M%C3%A4rz.pdf&client_id=f-1", "%PDF-1.4\n%%EOF\n",
                      {{"content-type", "application/pdf"}});
  ASSERT_EQ(up.status, 201) << up.body;
  const auto file = WidgetFixture::js(up).at("attachments").at(0).as_object();
  EXPECT_EQ(file.at("content_type").as_string(), "application/pdf");
  const std::string url(file.at("url").as_string());
  auto down = f.call("GET", url, "", {{"origin", ""}});
  ASSERT_EQ(down.status, 200) << down.body;
  EXPECT_EQ(down.body, "%PDF-1.4\n%%EOF\n");
  EXPECT_NE(WidgetFixture::header(down, "Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(WidgetFixture::header(down, "Content-Security-Policy"), "default-src 'none'; sandbox");
  std::string forged = url;
  forged[forged.size() - 1] = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(f.call("GET", forged, "", {{"origin", ""}}).status, 404);
  // The agent's PDF comes back as a link too.
  const auto conversation = WidgetFixture::js(up).at("conversation_id").as_int64();
  auto a = f.attachments->save(f.tenant, "%PDF-1.4 Gutschrift", "gutschrift.pdf", f.anna);
  ASSERT_TRUE(a);
  ASSERT_EQ(f.agent(f.anna, "POST", "/api/v1/conversations/" + std::to_string(conversation) + "/messages",
                    "{\"text\":\"Anbei\",\"attachment_ids\":[" + std::to_string(a->id.value) + "]}").status, 201);
  auto list = WidgetFixture::js(f.visitor(token, "GET", "/messages")).at("data").as_array();
  ASSERT_EQ(list.size(), 2u);
  const std::string back(list[1].at("attachments").at(0).at("url").as_string());
  EXPECT_EQ(f.call("GET", back, "", {{"origin", ""}}).body, "%PDF-1.4 Gutschrift");
  f.clock.advance(7 * 3600 * 1000);
  EXPECT_EQ(f.call("GET", url, "", {{"origin", ""}}).status, 404) << "links expire";
}

TEST(WidgetApi, AVerifiedVisitorJoinsTheExistingContactAnUnverifiedOneNever) {
  WidgetFixture f;
  const core::VisitorClaims claims{"42", "jana@example.de", "Jana Müller", ""};
  const std::string hash = channels::webchat::identityHash(f.chat_secret, claims);
  const std::string user = R"("user":{"id":"42","email":"jana@example.de","name":"Jana Müller"})";
  auto bad = f.call("POST", f.base() + "/session", "{" + user + R"(,"user_hash":")" + std::string(64, 'a') + "\"}");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(WidgetFixture::js(bad).at("error").at("code").as_string(), "bad_signature");
  auto tampered = f.call("POST", f.base() + "/session",
                         R"({"user":{"id":"42","email":"boss@example.de","name":"Jana Müller"},"user_hash":")" + hash + "\"}");
  EXPECT_EQ(tampered.status, 401) << "the hash covers the e-mail";

  auto ok = f.call("POST", f.base() + "/session", "{" + user + R"(,"user_hash":")" + hash + "\"}");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(WidgetFixture::js(ok).at("visitor").at("verified").as_bool());
  const std::string verified(WidgetFixture::js(ok).at("token").as_string());
  auto sent = f.visitor(verified, "POST", "/messages", R"({"text":"Hallo, ich bin eingeloggt"})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  const core::ConversationId conversation{WidgetFixture::js(sent).at("conversation_id").as_int64()};
  EXPECT_EQ(f.conversation(conversation).contact_id, f.jana) << "joined the contact with the API-channel history";

  // Same e-mail, no signature: a new contact; the address stays unverified and apart.
  auto unverified = f.session(R"({"user":{"id":"42","email":"jana@example.de","name":"Jana Müller"}})");
  auto claimed = f.visitor(unverified, "POST", "/messages", R"({"text":"Ich bin auch Jana"})");
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  const auto other = f.conversation(core::ConversationId{WidgetFixture::js(claimed).at("conversation_id").as_int64()});
  EXPECT_NE(other.contact_id, f.jana);
  auto contact = json::parse(f.agent(f.admin, "GET", "/api/v1/contacts/" + std::to_string(other.contact_id.value)).body);
  EXPECT_EQ(contact.at("attributes").at("unverified_email").as_string(), "jana@example.de") << contact;
  EXPECT_EQ(WidgetFixture::js(f.visitor(unverified, "GET", "/messages")).at("data").as_array().size(), 1u)
      << "the unverified visitor sees only its own message";

  // An e-mail nobody owns yet is kept on the visitor's contact, unverified.
  auto fresh = f.session(R"({"email":"Neu@Example.org","name":"Neu"})");
  auto n = f.visitor(fresh, "POST", "/messages", R"({"text":"Hallo"})");
  const auto c = f.conversation(core::ConversationId{WidgetFixture::js(n).at("conversation_id").as_int64()});
  auto identity = app::readOne(*f.store, [&](app::StoreTx& tx) {
    return tx.findIdentity(f.tenant, core::IdentityKind::Email, "", "neu@example.org");
  });
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->contact_id, c.contact_id);
  EXPECT_FALSE(identity->verified);
}

TEST(WidgetApi, OfflineTheWidgetNeedsAnEmailAndStillTakesTheMessage) {
  WidgetFixture f;
  f.write([&](app::StoreTx& tx) { return tx.setUserAvailability(f.tenant, f.anna, core::Availability::Away, f.clock.now()); });
  auto config = WidgetFixture::js(f.call("GET", f.base() + "/config")).as_object();
  EXPECT_FALSE(config.at("online").as_bool());
  EXPECT_FALSE(config.at("agents_available").as_bool());
  const auto token = f.session();
  auto refused = f.visitor(token, "POST", "/messages", R"({"text":"Ist jemand da?"})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(WidgetFixture::js(refused).at("error").at("code").as_string(), "email_required");
  auto with_email = f.session("{\"token\":\"" + token + R"(","email":"kunde@example.org"})");
  auto taken = f.visitor(with_email, "POST", "/messages", R"({"text":"Ist jemand da?"})");
  ASSERT_EQ(taken.status, 201) << taken.body;
  EXPECT_EQ(f.conversation(core::ConversationId{WidgetFixture::js(taken).at("conversation_id").as_int64()}).status,
            core::ConversationStatus::Open) << "stored, answered later";
  // Bert (another team) being available changes nothing.
  f.write([&](app::StoreTx& tx) { return tx.setUserAvailability(f.tenant, f.bert, core::Availability::Available, f.clock.now()); });
  EXPECT_FALSE(WidgetFixture::js(f.call("GET", f.base() + "/config")).at("online").as_bool());
}

TEST(WidgetApi, OutsideBusinessHoursTheWidgetIsOfflineAndSaysWhenItOpens) {
  WidgetFixture f;
  f.write([&](app::StoreTx& tx) -> core::Status {
    auto box = tx.getInbox(f.tenant, f.chat);
    // The clock stands on a Tuesday, 23:13 in Berlin.
    box->config_json = R"({"allowed_origins":["*"],"business_hours":{"timezone":"Europe/Berlin","weekly":{"mon":["09:00-17:00"],"wed":["09:00-17:00"]}}})";
    return tx.updateInbox(*box);
  });
  auto config = WidgetFixture::js(f.call("GET", f.base() + "/config", "", {{"origin", "https://any.example"}})).as_object();
  EXPECT_FALSE(config.at("within_hours").as_bool());
  EXPECT_FALSE(config.at("online").as_bool());
  EXPECT_EQ(config.at("next_opening_at").as_string(), "2023-11-15T08:00:00.000Z") << "Wednesday 09:00 in Berlin";
  f.clock.advance(10 * 3600 * 1000);  // Wednesday 09:13
  config = WidgetFixture::js(f.call("GET", f.base() + "/config", "", {{"origin", "https://any.example"}})).as_object();
  EXPECT_TRUE(config.at("within_hours").as_bool());
  EXPECT_TRUE(config.at("online").as_bool());
}

TEST(WidgetApi, VisitorWritesAreRateLimited) {
  channels::webchat::VisitorLimits limits;
  limits.messages_per_minute = 3;
  WidgetFixture f(limits);
  const auto token = f.session();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(f.visitor(token, "POST", "/messages", R"({"text":"spam"})").status, 201);
  auto limited = f.visitor(token, "POST", "/messages", R"({"text":"spam"})");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(f.visitor(f.session(), "POST", "/messages", R"({"text":"ich nicht"})").status, 201) << "per visitor";
  f.clock.advance(60'000);
  EXPECT_EQ(f.visitor(token, "POST", "/messages", R"({"text":"wieder da"})").status, 201);
}

TEST(WidgetApi, NewVisitorsPerAddressAreRateLimitedResumingIsNot) {
  channels::webchat::VisitorLimits limits;
  limits.sessions_per_minute = 2;
  WidgetFixture f(limits);
  const auto first = f.session();
  (void)f.session();
  EXPECT_EQ(f.call("POST", f.base() + "/session", "{}").status, 429);
  auto resumed = f.call("POST", f.base() + "/session", "{\"token\":\"" + first + "\"}");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(WidgetFixture::js(resumed).at("token").as_string(), first) << "the same visitor, the same token";
}

TEST(WidgetApi, TypingGoesBothWays) {
  WidgetFixture f;
  const auto token = f.session();
  auto sent = f.visitor(token, "POST", "/messages", R"({"text":"Hallo"})");
  const auto conversation = WidgetFixture::js(sent).at("conversation_id").as_int64();
  f.events.clear();
  ASSERT_EQ(f.visitor(token, "POST", "/typing", R"({"typing":true})").status, 200);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].type, "conversation.typing");
  const auto& customer = std::get<app::TypingNotice>(f.events[0].subject);
  EXPECT_TRUE(customer.typing);
  EXPECT_EQ(customer.conversation_id.value, conversation);
  EXPECT_FALSE(customer.user_id.valid());
  const std::string typing = "/api/v1/conversations/" + std::to_string(conversation) + "/typing";
  ASSERT_EQ(f.agent(f.anna, "POST", typing, R"({"typing":true})").status, 200);
  EXPECT_EQ(std::get<app::TypingNotice>(f.events.back().subject).user_id, f.anna);
  EXPECT_EQ(std::get<app::TypingNotice>(f.events.back().subject).name, "anna");
  EXPECT_EQ(f.agent(f.bert, "POST", typing, R"({"typing":true})").status, 404) << "another team's conversation";
  EXPECT_EQ(f.agent(f.anna, "POST", typing, R"({"typing":"yes"})").status, 400);
}

}  // namespace
