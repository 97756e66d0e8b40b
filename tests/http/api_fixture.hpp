// A tenant with users of every role, two teams with one inbox each, conversations in both,
// and a second tenant — behind the real router, services and a SQLite store in a temp dir.
// Requests go through http::dispatch() without sockets.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <random>

#include "app/attachment_store.hpp"
#include "app/auth_service.hpp"
#include "app/crypto.hpp"
#include "app/desk_service.hpp"
#include "app/routing_service.hpp"
#include "bus/in_process_bus.hpp"
#include "http/api.hpp"
#include "http/json.hpp"
#include "store/open_store.hpp"

namespace parley::testing {

// The services behind the HTTP API on a SQLite store in a temp dir, with a manual clock and a
// recorder of the bus's events; requests go through http::dispatch() without sockets. A fixture
// adds what its routes need to `deps` and then calls http::addAllRoutes(router, *deps); its own
// services, members of the fixture, are destroyed before these.
struct ApiServices {
  std::filesystem::path dir;
  app::ManualClock clock;
  std::unique_ptr<app::Store> store;
  app::PasswordHasher hasher{2};
  std::unique_ptr<app::AuthService> auth;
  std::unique_ptr<bus::InProcessBus> bus;
  std::unique_ptr<app::DeskService> desk;
  std::unique_ptr<app::AttachmentStore> attachments;
  std::unique_ptr<http::ApiDeps> deps;
  http::Router router;
  std::vector<app::Event> events;
  std::map<core::UserId, std::string> tokens;  // bearer token per user

  explicit ApiServices(const std::string& name, const app::ChannelGateways& gateways = {}) {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("parley-" + name + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    auto opened = store::openStore("sqlite://" + (dir / "p.db").string());
    if (!opened) throw std::runtime_error(opened.error().message);
    store = std::move(*opened);
    auth = std::make_unique<app::AuthService>(*store, hasher, clock);
    bus = std::make_unique<bus::InProcessBus>(1);
    bus->subscribe([this](const app::Event& e) { events.push_back(e); });
    desk = std::make_unique<app::DeskService>(*store, *bus, clock, gateways);
    attachments = std::make_unique<app::AttachmentStore>(*store, clock, dir / "attachments", 1 << 20);
    deps = std::make_unique<http::ApiDeps>(http::ApiDeps{*store, *auth, *desk, *attachments, clock});
    deps->gateways = gateways;
  }
  ~ApiServices() {
    deps.reset();
    desk.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  template <class F>
  void write(F&& f) {
    auto s = store->write([&](app::StoreTx& tx) -> core::Status { return f(tx); });
    if (!s) throw std::runtime_error(s.error().message);
  }

  // A user of tenant `t` with a session: tokens[id] is its bearer token.
  core::UserId user(app::StoreTx& tx, core::TenantId t, const std::string& email, core::Role role) {
    core::User u;
    u.tenant_id = t;
    u.email = email;
    u.name = email.substr(0, email.find('@'));
    u.role = role;
    u.password_hash = "$argon2id$unused";
    auto id = tx.createUser(u);
    if (!id) throw std::runtime_error(id.error().message);
    const std::string token = app::randomHex(16);
    core::Session s{app::sha256Hex(token), t, *id, "csrf", clock.now() + 3600'000, clock.now()};
    if (!tx.createSession(s)) throw std::runtime_error("session");
    tokens[*id] = token;
    return *id;
  }

  // A team of tenant `t` with these members.
  core::TeamId team(app::StoreTx& tx, core::TenantId t, const std::string& name, const std::vector<core::UserId>& members) {
    core::Team team;
    team.tenant_id = t;
    team.name = name;
    auto id = tx.createTeam(team);
    if (!id) throw std::runtime_error(id.error().message);
    (void)tx.setTeamMembers(t, *id, members);
    return *id;
  }

  // An API-channel inbox of tenant `t` that the agents of `teams` see.
  core::InboxId apiInbox(app::StoreTx& tx, core::TenantId t, const std::string& name, const std::string& secret,
                         const std::string& callback_url, const std::vector<core::TeamId>& teams) {
    core::Inbox box;
    box.tenant_id = t;
    box.name = name;
    box.secret = secret;
    box.callback_url = callback_url;
    box.team_ids = teams;
    auto id = tx.createInbox(box);
    if (!id) throw std::runtime_error(id.error().message);
    return *id;
  }

  // A request to `target` (path and query) from `remote_address`, through the router.
  http::Response dispatch(const std::string& method, const std::string& target, const std::string& body,
                          std::map<std::string, std::string> headers, const std::string& remote_address) {
    http::Request r;
    r.method = method;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::string query = target.substr(q + 1);
      r.raw_query = query;
      std::size_t pos = 0;
      while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        if (amp == std::string::npos) amp = query.size();
        auto kv = query.substr(pos, amp - pos);
        auto eq = kv.find('=');
        if (eq != std::string::npos) r.query[kv.substr(0, eq)] = kv.substr(eq + 1);
        pos = amp + 1;
      }
    }
    r.headers = std::move(headers);
    r.body = body;
    r.remote_address = remote_address;
    r.request_id = "test";
    std::string route;
    return http::dispatch(router, *deps, r, route);
  }
};

struct ApiFixture : ApiServices {
  std::unique_ptr<app::RoutingService> routing;
  app::SpellChecker spell_checker{"/usr/share/hunspell"};

  core::TenantId tenant, other_tenant;
  core::UserId admin, supervisor, agent_a, agent_b, other_admin;
  core::TeamId team_a, team_b;
  core::InboxId inbox_a, inbox_b, other_inbox;
  core::ConversationId conv_a, conv_b, other_conv;
  core::ContactId contact_a, contact_b;

  ApiFixture() : ApiServices("http") {
    deps->spell_checker = &spell_checker;
    routing = std::make_unique<app::RoutingService>(*store, *bus, clock, *desk);
    deps->routing = routing.get();
    http::addAllRoutes(router, *deps);
    seed();
  }

  void seed() {
    write([&](app::StoreTx& tx) -> core::Status {
      tenant = *tx.createTenant(core::Tenant{{}, "Acme", clock.now()});
      other_tenant = *tx.createTenant(core::Tenant{{}, "Other", clock.now()});
      admin = user(tx, tenant, "admin@acme.test", core::Role::Admin);
      supervisor = user(tx, tenant, "sup@acme.test", core::Role::Supervisor);
      agent_a = user(tx, tenant, "anna@acme.test", core::Role::Agent);
      agent_b = user(tx, tenant, "bert@acme.test", core::Role::Agent);
      other_admin = user(tx, other_tenant, "admin@other.test", core::Role::Admin);
      team_a = team(tx, tenant, "Team A", {agent_a});
      team_b = team(tx, tenant, "Team B", {agent_b});
      inbox_a = apiInbox(tx, tenant, "Inbox A", "secret-a", "http://127.0.0.1:9/a", {team_a});
      inbox_b = apiInbox(tx, tenant, "Inbox B", "secret-a", "http://127.0.0.1:9/a", {team_b});
      other_inbox = apiInbox(tx, other_tenant, "Other inbox", "secret-a", "http://127.0.0.1:9/a", {});
      return {};
    });
    conv_a = ingest(inbox_a, "a-1", "cust-a", "Hallo aus A");
    conv_b = ingest(inbox_b, "b-1", "cust-b", "Hallo aus B");
    other_conv = ingest(other_inbox, "o-1", "cust-o", "Hello from other");
    store->read([&](app::StoreTx& tx) -> core::Status {
      contact_a = tx.getConversation(tenant, conv_a)->contact_id;
      contact_b = tx.getConversation(tenant, conv_b)->contact_id;
      return {};
    }).ok();
  }

  core::ConversationId ingest(core::InboxId inbox, const std::string& ext, const std::string& contact,
                              const std::string& text) {
    core::InboundMessage in;
    in.inbox_id = inbox;
    in.external_id = ext;
    in.contact.external_id = contact;
    in.contact.name = contact;
    in.text = text;
    auto r = desk->ingest(in);
    if (!r) throw std::runtime_error(r.error().message);
    return r->conversation_id;
  }

  http::Response call(core::UserId as, const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& content_type = "application/json") {
    std::map<std::string, std::string> headers;
    if (as.valid()) headers["authorization"] = "Bearer " + tokens.at(as);
    if (!body.empty()) headers["content-type"] = content_type;
    return dispatch(method, target, body, std::move(headers), "127.0.0.1");
  }

  static boost::json::value json(const http::Response& r) { return boost::json::parse(r.body); }

  // A canned response of the tenant (created once per short code).
  std::int64_t cannedId(const std::string& code = "greet") {
    std::int64_t out = 0;
    write([&](app::StoreTx& tx) -> core::Status {
      auto list = tx.listCannedResponses(tenant);
      for (const auto& c : *list) {
        if (c.short_code == code) out = c.id.value;
      }
      if (out) return {};
      core::CannedResponse c;
      c.tenant_id = tenant;
      c.short_code = code;
      c.content = "Hallo {{contact.first_name}}, hier ist {{agent.name}}.";
      out = tx.createCannedResponse(c)->value;
      return {};
    });
    return out;
  }

  std::int64_t attachmentId() {
    auto a = attachments->save(tenant, "hello attachment", "hello.txt");
    if (!a) throw std::runtime_error(a.error().message);
    return a->id.value;
  }

  // A file already sent in `conversation` (on a private note of the admin).
  std::int64_t sentAttachmentId(core::ConversationId conversation) {
    auto a = attachments->save(tenant, "sent attachment", "sent.txt");
    if (!a) throw std::runtime_error(a.error().message);
    write([&](app::StoreTx& tx) -> core::Status {
      auto c = tx.getConversation(tenant, conversation);
      if (!c) return c.error();
      core::Message m;
      m.tenant_id = tenant;
      m.conversation_id = conversation;
      m.inbox_id = c->inbox_id;
      m.direction = core::MessageDirection::Note;
      m.text = "see file";
      m.sender_user_id = admin;
      m.attachment_ids = {a->id};
      m.created_at = m.updated_at = clock.now();
      auto id = tx.insertMessage(m);
      if (!id) return id.error();
      return {};
    });
    return a->id.value;
  }
};

}  // namespace parley::testing
