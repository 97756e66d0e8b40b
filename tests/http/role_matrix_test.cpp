// Every endpoint x role x (own team / other team / other tenant): the status a user would see.
// A new route without a row here fails RoleMatrix.EveryRouteIsCovered.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>

#include "http/api_fixture.hpp"

namespace {

using parley::testing::ApiFixture;
using namespace parley;

enum class Scope { Own, Other };

struct Target {
  std::string path;
  std::string body;
  std::string content_type = "application/json";
};

struct Case {
  std::string method, pattern;
  std::function<Target(ApiFixture&, Scope)> make;
  int admin, supervisor, agent_own, agent_other, other_tenant;
};

std::string id(std::int64_t v) { return std::to_string(v); }
int counter = 0;
std::string unique(const std::string& prefix) { return prefix + std::to_string(++counter); }

core::ConversationId convOf(ApiFixture& f, Scope s) { return s == Scope::Own ? f.conv_a : f.conv_b; }
core::InboxId inboxOf(ApiFixture& f, Scope s) { return s == Scope::Own ? f.inbox_a : f.inbox_b; }
core::ContactId contactOf(ApiFixture& f, Scope s) { return s == Scope::Own ? f.contact_a : f.contact_b; }

// An outgoing reply in `conversation` whose delivery failed for good (the desk's "Resend").
core::MessageId failedReply(ApiFixture& f, core::ConversationId conversation) {
  core::MessageId out;
  f.write([&](app::StoreTx& tx) -> core::Status {
    auto c = tx.getConversation(f.tenant, conversation);
    if (!c) return c.error();
    core::Message m;
    m.tenant_id = f.tenant;
    m.conversation_id = conversation;
    m.inbox_id = c->inbox_id;
    m.direction = core::MessageDirection::Outgoing;
    m.text = "failed reply";
    m.delivery_status = core::DeliveryStatus::Failed;
    m.delivery_error = "provider said no";
    m.created_at = m.updated_at = f.clock.now();
    auto id = tx.insertMessage(m);
    if (!id) return id.error();
    out = *id;
    core::OutboxItem item;
    item.tenant_id = f.tenant;
    item.inbox_id = c->inbox_id;
    item.message_id = out;
    item.idempotency_key = unique("retry-");
    item.payload = "{}";
    item.state = core::OutboxState::Failed;
    item.attempts = 1;
    item.created_at = item.updated_at = f.clock.now();
    auto oid = tx.enqueueOutbox(item);
    if (!oid) return oid.error();
    return {};
  });
  return out;
}

core::ContactId freshContact(ApiFixture& f) {
  core::ContactId out;
  f.write([&](app::StoreTx& tx) -> core::Status {
    core::Contact c;
    c.tenant_id = f.tenant;
    c.name = unique("Kontakt ");
    out = *tx.createContact(c);
    return {};
  });
  return out;
}

Target fixed(std::string path, std::string body = "") { return Target{std::move(path), std::move(body)}; }

// A routing skill / queue of the fixture's tenant, fresh for every call.
std::int64_t routingSkill(ApiFixture& f) {
  std::int64_t out = 0;
  f.write([&](app::StoreTx& tx) -> core::Status {
    out = tx.createSkill({{}, f.tenant, unique("skill-"), 0})->value;
    return {};
  });
  return out;
}
std::int64_t routingQueue(ApiFixture& f) {
  std::int64_t out = 0;
  f.write([&](app::StoreTx& tx) -> core::Status {
    out = tx.createRoutingQueue({{}, f.tenant, unique("Queue "), "{}", 0})->value;
    return {};
  });
  return out;
}
auto scopedOffer(std::string suffix) {
  return [suffix](ApiFixture& f, Scope s) { return fixed("/api/v1/offers/" + id(convOf(f, s).value) + suffix); };
}

std::vector<Case> cases() {
  const std::string conv = "/api/v1/conversations/";
  auto scoped = [](std::string suffix, std::string body) {
    return [suffix, body](ApiFixture& f, Scope s) { return fixed("/api/v1/conversations/" + id(convOf(f, s).value) + suffix, body); };
  };
  return {
      {"GET", "/api/v1/auth/me", [](ApiFixture&, Scope) { return fixed("/api/v1/auth/me"); }, 200, 200, 200, 200, 200},
      {"GET", "/api/v1/api_tokens", [](ApiFixture&, Scope) { return fixed("/api/v1/api_tokens"); }, 200, 200, 200, 200, 200},
      {"PUT", "/api/v1/auth/me/availability",
       [](ApiFixture&, Scope) { return fixed("/api/v1/auth/me/availability", R"({"availability":"away"})"); },
       200, 200, 200, 200, 200},
      {"POST", "/api/v1/api_tokens", [](ApiFixture&, Scope) { return fixed("/api/v1/api_tokens", R"({"name":"crm"})"); },
       201, 201, 201, 201, 201},
      {"DELETE", "/api/v1/api_tokens/{id}",
       [](ApiFixture& f, Scope) {
         core::ApiToken t;
         t.tenant_id = f.tenant;
         t.user_id = f.agent_a;  // anna's token: only anna may revoke it
         t.name = "t";
         t.token_hash = app::randomHex(32);
         core::ApiTokenId tid;
         f.write([&](app::StoreTx& tx) -> core::Status { tid = *tx.createApiToken(t); return {}; });
         return fixed("/api/v1/api_tokens/" + id(tid.value));
       },
       404, 404, 200, 200, 404},
      {"GET", "/api/v1/users", [](ApiFixture&, Scope) { return fixed("/api/v1/users"); }, 200, 200, 200, 200, 200},
      {"POST", "/api/v1/users",
       [](ApiFixture&, Scope) {
         return fixed("/api/v1/users", R"({"email":")" + unique("new") + R"(@acme.test","password":"long enough pw","role":"agent"})");
       },
       201, 403, 403, 403, 201},
      {"GET", "/api/v1/users/{id}", [](ApiFixture& f, Scope) { return fixed("/api/v1/users/" + id(f.agent_b.value)); },
       200, 200, 200, 200, 404},
      {"PATCH", "/api/v1/users/{id}",
       [](ApiFixture& f, Scope) { return fixed("/api/v1/users/" + id(f.agent_b.value), R"({"name":"Bert B."})"); },
       200, 403, 403, 403, 404},
      {"DELETE", "/api/v1/users/{id}",
       [](ApiFixture& f, Scope) {
         core::UserId u;
         f.write([&](app::StoreTx& tx) -> core::Status { u = f.user(tx, f.tenant, unique("gone") + "@acme.test", core::Role::Agent); return {}; });
         return fixed("/api/v1/users/" + id(u.value));
       },
       200, 403, 403, 403, 404},
      {"GET", "/api/v1/teams", [](ApiFixture&, Scope) { return fixed("/api/v1/teams"); }, 200, 200, 200, 200, 200},
      {"POST", "/api/v1/teams", [](ApiFixture&, Scope) { return fixed("/api/v1/teams", R"({"name":")" + unique("T") + R"("})"); },
       201, 201, 403, 403, 201},
      {"GET", "/api/v1/teams/{id}", [](ApiFixture& f, Scope) { return fixed("/api/v1/teams/" + id(f.team_b.value)); },
       200, 200, 200, 200, 404},
      {"PATCH", "/api/v1/teams/{id}",
       [](ApiFixture& f, Scope) { return fixed("/api/v1/teams/" + id(f.team_b.value), R"({"description":"2nd level"})"); },
       200, 200, 403, 403, 404},
      {"DELETE", "/api/v1/teams/{id}",
       [](ApiFixture& f, Scope) {
         core::TeamId t;
         f.write([&](app::StoreTx& tx) -> core::Status {
           core::Team team;
           team.tenant_id = f.tenant;
           team.name = unique("Temp ");
           t = *tx.createTeam(team);
           return {};
         });
         return fixed("/api/v1/teams/" + id(t.value));
       },
       200, 200, 403, 403, 404},
      {"GET", "/api/v1/inboxes", [](ApiFixture&, Scope) { return fixed("/api/v1/inboxes"); }, 200, 200, 200, 200, 200},
      {"POST", "/api/v1/inboxes",
       [](ApiFixture&, Scope) {
         return fixed("/api/v1/inboxes", R"({"name":"Shop","channel":"api","callback_url":"http://127.0.0.1:9/x"})");
       },
       201, 403, 403, 403, 201},
      {"GET", "/api/v1/inboxes/{id}", [](ApiFixture& f, Scope s) { return fixed("/api/v1/inboxes/" + id(inboxOf(f, s).value)); },
       200, 200, 200, 404, 404},
      {"PATCH", "/api/v1/inboxes/{id}",
       [](ApiFixture& f, Scope s) { return fixed("/api/v1/inboxes/" + id(inboxOf(f, s).value), R"({"name":"Renamed"})"); },
       200, 403, 403, 403, 404},
      // Templates are a WhatsApp feature: the fixture's API inboxes answer 400 once visibility allows.
      {"GET", "/api/v1/inboxes/{id}/templates",
       [](ApiFixture& f, Scope s) { return fixed("/api/v1/inboxes/" + id(inboxOf(f, s).value) + "/templates"); },
       400, 400, 400, 404, 404},
      {"POST", "/api/v1/inboxes/{id}/templates/sync",
       [](ApiFixture& f, Scope s) { return fixed("/api/v1/inboxes/" + id(inboxOf(f, s).value) + "/templates/sync"); },
       400, 403, 403, 403, 404},
      {"DELETE", "/api/v1/inboxes/{id}",
       [](ApiFixture& f, Scope) {
         core::InboxId i;
         f.write([&](app::StoreTx& tx) -> core::Status {
           core::Inbox box;
           box.tenant_id = f.tenant;
           box.name = "Temp";
           box.callback_url = "http://127.0.0.1:9/x";
           i = *tx.createInbox(box);
           return {};
         });
         return fixed("/api/v1/inboxes/" + id(i.value));
       },
       200, 403, 403, 403, 404},
      {"GET", "/api/v1/canned_responses", [](ApiFixture&, Scope) { return fixed("/api/v1/canned_responses"); }, 200, 200, 200, 200, 200},
      {"POST", "/api/v1/canned_responses",
       [](ApiFixture&, Scope) {
         return fixed("/api/v1/canned_responses", R"({"short_code":")" + unique("hi") + R"(","content":"Hallo {{contact.first_name}}"})");
       },
       201, 201, 403, 403, 201},
      {"GET", "/api/v1/canned_responses/{id}", [](ApiFixture& f, Scope) { return fixed("/api/v1/canned_responses/" + id(f.cannedId())); },
       200, 200, 200, 200, 404},
      {"PATCH", "/api/v1/canned_responses/{id}",
       [](ApiFixture& f, Scope) { return fixed("/api/v1/canned_responses/" + id(f.cannedId()), R"({"content":"Moin {{agent.name}}"})"); },
       200, 200, 403, 403, 404},
      {"DELETE", "/api/v1/canned_responses/{id}",
       [](ApiFixture& f, Scope) { return fixed("/api/v1/canned_responses/" + id(f.cannedId(unique("tmp")))); },
       200, 200, 403, 403, 404},
      {"POST", "/api/v1/canned_responses/{id}/render",
       [](ApiFixture& f, Scope s) {
         return fixed("/api/v1/canned_responses/" + id(f.cannedId()) + "/render",
                      R"({"conversation_id":)" + id(convOf(f, s).value) + "}");
       },
       200, 200, 200, 404, 404},
      {"GET", "/api/v1/contacts", [](ApiFixture&, Scope) { return fixed("/api/v1/contacts"); }, 200, 200, 200, 200, 200},
      {"POST", "/api/v1/contacts", [](ApiFixture&, Scope) { return fixed("/api/v1/contacts", R"({"name":"Neu"})"); },
       201, 201, 201, 201, 201},
      {"GET", "/api/v1/contacts/{id}", [](ApiFixture& f, Scope s) { return fixed("/api/v1/contacts/" + id(contactOf(f, s).value)); },
       200, 200, 200, 200, 404},
      {"PATCH", "/api/v1/contacts/{id}",
       [](ApiFixture& f, Scope s) { return fixed("/api/v1/contacts/" + id(contactOf(f, s).value), R"({"name":"Renamed"})"); },
       200, 200, 200, 200, 404},
      {"POST", "/api/v1/contacts/{id}/identities",
       [](ApiFixture& f, Scope s) {
         return fixed("/api/v1/contacts/" + id(contactOf(f, s).value) + "/identities",
                      R"({"kind":"email","value":")" + unique("x") + R"(@example.org"})");
       },
       201, 201, 201, 201, 404},
      {"DELETE", "/api/v1/contacts/{id}/identities/{identity_id}",
       [](ApiFixture& f, Scope s) {
         core::IdentityId iid;
         f.write([&](app::StoreTx& tx) -> core::Status {
           core::ContactIdentity i;
           i.tenant_id = f.tenant;
           i.contact_id = contactOf(f, s);
           i.kind = core::IdentityKind::Email;
           i.value = unique("del") + "@example.org";
           iid = *tx.addIdentity(i);
           return {};
         });
         return fixed("/api/v1/contacts/" + id(contactOf(f, s).value) + "/identities/" + id(iid.value));
       },
       200, 200, 200, 200, 404},
      {"POST", "/api/v1/contacts/{id}/merge",
       [](ApiFixture& f, Scope) {
         auto a = freshContact(f), b = freshContact(f);
         return fixed("/api/v1/contacts/" + id(a.value) + "/merge", R"({"source_id":)" + id(b.value) + "}");
       },
       200, 200, 200, 200, 404},
      {"POST", "/api/v1/contacts/{id}/unmerge",
       [](ApiFixture& f, Scope) {
         auto a = freshContact(f), b = freshContact(f);
         f.write([&](app::StoreTx& tx) { return tx.mergeContacts(f.tenant, a, b); });
         return fixed("/api/v1/contacts/" + id(b.value) + "/unmerge");
       },
       200, 200, 200, 200, 404},
      {"GET", "/api/v1/contacts/{id}/conversations",
       [](ApiFixture& f, Scope s) { return fixed("/api/v1/contacts/" + id(contactOf(f, s).value) + "/conversations"); },
       200, 200, 200, 200, 404},
      {"GET", "/api/v1/conversations", [](ApiFixture&, Scope) { return fixed("/api/v1/conversations"); }, 200, 200, 200, 200, 200},
      {"GET", "/api/v1/conversations/{id}", scoped("", ""), 200, 200, 200, 404, 404},
      {"PATCH", "/api/v1/conversations/{id}", scoped("", R"({"priority":"high"})"), 200, 200, 200, 404, 404},
      {"POST", "/api/v1/conversations/{id}/assign", scoped("/assign", R"({"assignee_id":null})"), 200, 200, 200, 404, 404},
      {"POST", "/api/v1/conversations/{id}/status", scoped("/status", R"({"status":"pending"})"), 200, 200, 200, 404, 404},
      {"POST", "/api/v1/conversations/{id}/labels", scoped("/labels", R"({"labels":["vip"]})"), 200, 200, 200, 404, 404},
      {"DELETE", "/api/v1/conversations/{id}/labels/{label}", scoped("/labels/vip", ""), 200, 200, 200, 404, 404},
      {"GET", "/api/v1/conversations/{id}/messages", scoped("/messages", ""), 200, 200, 200, 404, 404},
      {"POST", "/api/v1/conversations/{id}/messages", scoped("/messages", R"({"text":"intern","private":true})"),
       201, 201, 201, 404, 404},
      {"POST", "/api/v1/conversations/{id}/messages/{message_id}/retry",
       [](ApiFixture& f, Scope s) {
         const auto conversation = convOf(f, s);
         return fixed("/api/v1/conversations/" + id(conversation.value) + "/messages/" +
                      id(failedReply(f, conversation).value) + "/retry");
       },
       200, 200, 200, 404, 404},
      {"POST", "/api/v1/conversations/{id}/typing", scoped("/typing", R"({"typing":true})"), 200, 200, 200, 404, 404},
      {"GET", "/api/v1/staffing",
       [](ApiFixture&, Scope) {
         return fixed("/api/v1/staffing?model=erlang-c&arrivals=100&interval_s=1800&aht_s=180&sl_target=0.8&sl_seconds=20");
       },
       200, 200, 200, 200, 200},
      {"GET", "/api/v1/search", [](ApiFixture&, Scope) { return fixed("/api/v1/search?q=Hallo"); }, 200, 200, 200, 200, 200},
      {"POST", "/api/v1/spellcheck", [](ApiFixture&, Scope) { return fixed("/api/v1/spellcheck", R"({"text":"Hallo"})"); },
       200, 200, 200, 200, 200},
      {"POST", "/api/v1/attachments",
       [](ApiFixture&, Scope) { return Target{"/api/v1/attachments?filename=a.txt", "hello", "application/octet-stream"}; },
       201, 201, 201, 201, 201},
      // Routing (docs/ROUTING.md): admins configure, supervisors read and edit agents, agents see offers.
      {"GET", "/api/v1/skills", [](ApiFixture&, Scope) { return fixed("/api/v1/skills"); }, 200, 200, 403, 403, 200},
      {"POST", "/api/v1/skills", [](ApiFixture&, Scope) { return fixed("/api/v1/skills", R"({"name":")" + unique("skill") + R"("})"); },
       201, 403, 403, 403, 201},
      {"PATCH", "/api/v1/skills/{id}",
       [](ApiFixture& f, Scope) { return fixed("/api/v1/skills/" + id(routingSkill(f)), R"({"name":")" + unique("renamed") + R"("})"); },
       200, 403, 403, 403, 404},
      {"DELETE", "/api/v1/skills/{id}", [](ApiFixture& f, Scope) { return fixed("/api/v1/skills/" + id(routingSkill(f))); },
       204, 403, 403, 403, 404},
      {"GET", "/api/v1/queues/stats", [](ApiFixture&, Scope) { return fixed("/api/v1/queues/stats"); }, 200, 200, 403, 403, 200},
      {"GET", "/api/v1/queues", [](ApiFixture&, Scope) { return fixed("/api/v1/queues"); }, 200, 200, 200, 200, 200},
      {"POST", "/api/v1/queues", [](ApiFixture&, Scope) { return fixed("/api/v1/queues", R"({"name":")" + unique("Q") + R"("})"); },
       201, 403, 403, 403, 201},
      {"GET", "/api/v1/queues/{id}", [](ApiFixture& f, Scope) { return fixed("/api/v1/queues/" + id(routingQueue(f))); },
       200, 200, 403, 403, 404},
      {"PATCH", "/api/v1/queues/{id}",
       [](ApiFixture& f, Scope) { return fixed("/api/v1/queues/" + id(routingQueue(f)), R"({"offer_timeout_s":30})"); },
       200, 403, 403, 403, 404},
      {"DELETE", "/api/v1/queues/{id}", [](ApiFixture& f, Scope) { return fixed("/api/v1/queues/" + id(routingQueue(f))); },
       204, 403, 403, 403, 404},
      {"GET", "/api/v1/users/{id}/routing", [](ApiFixture& f, Scope) { return fixed("/api/v1/users/" + id(f.agent_b.value) + "/routing"); },
       200, 200, 403, 403, 404},
      {"PUT", "/api/v1/users/{id}/routing",
       [](ApiFixture& f, Scope) { return fixed("/api/v1/users/" + id(f.agent_b.value) + "/routing", R"({"capacity":{"chat":2}})"); },
       200, 200, 403, 403, 404},
      {"GET", "/api/v1/teams/{id}/routing", [](ApiFixture& f, Scope) { return fixed("/api/v1/teams/" + id(f.team_b.value) + "/routing"); },
       200, 200, 403, 403, 404},
      {"PUT", "/api/v1/teams/{id}/routing",
       [](ApiFixture& f, Scope) { return fixed("/api/v1/teams/" + id(f.team_b.value) + "/routing", R"({"capacity":{"chat":4}})"); },
       200, 403, 403, 403, 404},
      {"GET", "/api/v1/routing_rules", [](ApiFixture&, Scope) { return fixed("/api/v1/routing_rules"); }, 200, 403, 403, 403, 200},
      {"PUT", "/api/v1/routing_rules", [](ApiFixture&, Scope) { return fixed("/api/v1/routing_rules", R"({"rules":[]})"); },
       200, 403, 403, 403, 200},
      {"GET", "/api/v1/offers", [](ApiFixture&, Scope) { return fixed("/api/v1/offers"); }, 200, 200, 200, 200, 200},
      // Nobody holds an offer here: 409 offer_gone in the tenant, 404 from another one.
      {"POST", "/api/v1/offers/{conversation_id}/accept", scopedOffer("/accept"), 409, 409, 409, 409, 404},
      {"POST", "/api/v1/offers/{conversation_id}/reject", scopedOffer("/reject"), 409, 409, 409, 409, 404},
      {"POST", "/api/v1/conversations/{id}/transfer",
       [](ApiFixture& f, Scope s) {
         return fixed("/api/v1/conversations/" + id(convOf(f, s).value) + "/transfer", R"({"team_id":)" + id(f.team_a.value) + "}");
       },
       200, 200, 200, 404, 404},
      {"GET", "/api/v1/attachments/{id}",
       [](ApiFixture& f, Scope s) { return fixed("/api/v1/attachments/" + id(f.sentAttachmentId(convOf(f, s)))); },
       200, 200, 200, 404, 404},
  };
}

// Routes without a session: their authentication (signature, password) is tested on its own.
const std::set<std::string> kPublicOrSelf = {"POST /api/v1/auth/login", "POST /webhooks/api/{inbox_id}",
                                             "POST /api/v1/auth/logout", "GET /webhooks/whatsapp",
                                             "POST /webhooks/whatsapp", "GET /webhooks/messenger", "POST /webhooks/messenger",
                                             "GET /webhooks/instagram", "POST /webhooks/instagram", "POST /webhooks/email/{inbox_id}",
                                             "POST /webhooks/telegram/{inbox_id}",
                                             // Twilio: signatures and signed media links, tests/e2e/test_twilio.py.
                                             "POST /webhooks/twilio/sms", "POST /webhooks/twilio/status",
                                             "GET /webhooks/twilio/media/{token}",
                                             "GET /webhooks/api/files/{token}",
                                             // X: CRC and signatures, tests/e2e/test_x.py.
                                             "GET /webhooks/x", "POST /webhooks/x",
                                             // The web-chat widget API: visitor tokens and origins, tests/http/widget_api_test.cpp.
                                             "GET /widget/v1/inboxes/{inbox_id}/config", "POST /widget/v1/inboxes/{inbox_id}/session",
                                             "GET /widget/v1/inboxes/{inbox_id}/messages", "POST /widget/v1/inboxes/{inbox_id}/messages",
                                             "POST /widget/v1/inboxes/{inbox_id}/files", "GET /widget/v1/inboxes/{inbox_id}/files/{attachment_id}",
                                             "POST /widget/v1/inboxes/{inbox_id}/typing", "POST /widget/v1/inboxes/{inbox_id}/read",
                                             "OPTIONS /widget/v1/inboxes/{inbox_id}/config", "OPTIONS /widget/v1/inboxes/{inbox_id}/session",
                                             "OPTIONS /widget/v1/inboxes/{inbox_id}/messages", "OPTIONS /widget/v1/inboxes/{inbox_id}/files",
                                             "OPTIONS /widget/v1/inboxes/{inbox_id}/typing", "OPTIONS /widget/v1/inboxes/{inbox_id}/read"};

}  // namespace

namespace parley::testing {
// Small helpers the matrix needs on the fixture.
}

TEST(RoleMatrix, EveryRouteIsCovered) {
  ApiFixture f;
  std::set<std::string> covered;
  for (const auto& c : cases()) covered.insert(c.method + " " + c.pattern);
  for (const auto& route : f.router.routes()) {
    const std::string key = route.method + " " + route.pattern;
    EXPECT_TRUE(covered.count(key) || kPublicOrSelf.count(key)) << "no role-matrix row for " << key;
  }
}

class RoleMatrixTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RoleMatrixTest, StatusPerRoleAndTeam) {
  const std::string key = GetParam();
  Case found;
  for (auto& c : cases()) {
    if (c.method + " " + c.pattern == key) found = c;
  }
  ApiFixture f;
  struct Who {
    const char* name;
    core::UserId user;
    Scope scope;
    int expected;
  } whos[] = {{"admin", f.admin, Scope::Other, found.admin},
              {"supervisor", f.supervisor, Scope::Other, found.supervisor},
              {"agent, own team", f.agent_a, Scope::Own, found.agent_own},
              {"agent, other team", f.agent_a, Scope::Other, found.agent_other},
              {"admin of another tenant", f.other_admin, Scope::Own, found.other_tenant}};
  for (const auto& who : whos) {
    Target t = found.make(f, who.scope);
    auto r = f.call(who.user, found.method, t.path, t.body, t.content_type);
    EXPECT_EQ(r.status, who.expected) << key << " as " << who.name << ": " << r.body;
  }
  // Without credentials every one of these is 401.
  Target t = found.make(f, Scope::Own);
  EXPECT_EQ(f.call(core::UserId{}, found.method, t.path, t.body, t.content_type).status, 401) << key;
}

INSTANTIATE_TEST_SUITE_P(Routes, RoleMatrixTest, ::testing::ValuesIn([] {
                           std::vector<std::string> keys;
                           for (const auto& c : cases()) keys.push_back(c.method + " " + c.pattern);
                           return keys;
                         }()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name + "_" + std::to_string(info.index);
                         });

// An upload that was never sent belongs to its uploader alone: nobody else can download it or
// send it, whatever their role (attachment ids are sequential and easy to guess).
TEST(Attachments, AnUnsentUploadIsOnlyItsUploaders) {
  ApiFixture f;
  auto uploaded = f.call(f.agent_a, "POST", "/api/v1/attachments?filename=entwurf.txt", "Entwurf", "application/octet-stream");
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const auto attachment = boost::json::parse(uploaded.body).at("id").as_int64();
  const std::string path = "/api/v1/attachments/" + std::to_string(attachment);
  EXPECT_EQ(f.call(f.agent_a, "GET", path, "", "").status, 200);
  EXPECT_EQ(f.call(f.admin, "GET", path, "", "").status, 404);
  EXPECT_EQ(f.call(f.supervisor, "GET", path, "", "").status, 404);
  const std::string reply = R"({"text":"anbei","attachment_ids":[)" + std::to_string(attachment) + "]}";
  const std::string messages = "/api/v1/conversations/" + std::to_string(f.conv_a.value) + "/messages";
  auto stolen = f.call(f.admin, "POST", messages, reply, "application/json");
  EXPECT_EQ(stolen.status, 400) << stolen.body;
  auto sent = f.call(f.agent_a, "POST", messages, reply, "application/json");
  EXPECT_EQ(sent.status, 201) << sent.body;
  EXPECT_EQ(f.call(f.admin, "GET", path, "", "").status, 200) << "once sent, it follows its conversation";
}

TEST(Attachments, DownloadsKeepTheirNameSafely) {
  ApiFixture f;
  auto uploaded = f.call(f.admin, "POST", "/api/v1/attachments?filename=Rechnung März\"\r\nx.pdf", "%PDF-1.4",
                         "application/octet-stream");
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const auto attachment = boost::json::parse(uploaded.body).at("id").as_int64();
  auto r = f.call(f.admin, "GET", "/api/v1/attachments/" + std::to_string(attachment), "", "");
  ASSERT_EQ(r.status, 200);
  std::string disposition;
  for (const auto& [k, v] : r.headers) {
    if (k == "Content-Disposition") disposition = v;
  }
  EXPECT_EQ(disposition.find_first_of("\r\n"), std::string::npos);
  EXPECT_NE(disposition.find("filename*=UTF-8''Rechnung%20M%C3%A4rz"), std::string::npos) << disposition;
}

TEST(Attachments, AFileWithoutAnExtensionGetsTheOneOfItsType) {
  // Providers' media often come as just "image": the download must still open as what it is.
  ApiFixture f;
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89", 33);
  auto nameless = f.call(f.admin, "POST", "/api/v1/attachments?filename=image", png, "application/octet-stream");
  ASSERT_EQ(nameless.status, 201) << nameless.body;
  EXPECT_EQ(boost::json::parse(nameless.body).at("filename").as_string(), "image.png");
  auto named = f.call(f.admin, "POST", "/api/v1/attachments?filename=scan.bin", png, "application/octet-stream");
  ASSERT_EQ(named.status, 201) << named.body;
  EXPECT_EQ(boost::json::parse(named.body).at("filename").as_string(), "scan.bin") << "a name the sender gave is kept";
}
