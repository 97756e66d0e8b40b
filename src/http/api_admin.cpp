// Tenant configuration: users, teams, inboxes, canned responses.
#include <boost/json.hpp>
#include <boost/url.hpp>

#include "app/canned.hpp"
#include "app/crypto.hpp"
#include "app/identity.hpp"
#include "app/routing_service.hpp"
#include "channels/common/config_secrets.hpp"
#include "channels/common/send_rate.hpp"
#include "http/api.hpp"
#include "http/json.hpp"

namespace parley::http {

using core::Action;
using core::ErrorCode;
using core::makeError;
using core::Resource;

namespace {

// The config key that names the provider account an inbox receives for, where the webhook finds
// its inbox by that account (WhatsApp, Messenger, Instagram, Twilio, X); empty for the others.
std::string_view accountKeyOf(core::ChannelKind channel) {
  switch (channel) {
    case core::ChannelKind::WhatsApp: return "phone_number_id";
    case core::ChannelKind::Messenger: return "page_id";
    case core::ChannelKind::Instagram: return "instagram_id";
    case core::ChannelKind::Twilio: return "phone_number";
    case core::ChannelKind::X: return "user_id";
    default: return "";
  }
}

std::string configString(const std::string& config_json, std::string_view key) {
  boost::system::error_code ec;
  auto parsed = json::parse(config_json, ec);
  if (ec || !parsed.is_object()) return "";
  const auto* value = parsed.get_object().if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

// One inbox per provider account: two would both take every webhook of it (each message stored
// twice, or in whichever inbox a lookup meets first). Conflict names the other inbox when it is
// in the same tenant, and only that one exists otherwise.
core::Status requireUnusedAccount(app::StoreTx& tx, const core::Inbox& inbox, const std::string& plain_config) {
  const std::string_view key = accountKeyOf(inbox.channel);
  if (key.empty()) return {};
  const std::string account = configString(plain_config, key);
  if (account.empty()) return {};
  auto others = tx.listInboxesByChannel(inbox.channel);
  if (!others) return others.error();
  for (const auto& other : *others) {
    if (other.id == inbox.id || configString(other.config_json, key) != account) continue;
    const std::string holder = other.tenant_id == inbox.tenant_id
                                   ? "inbox \"" + other.name + "\" (#" + std::to_string(other.id.value) + ")"
                                   : "another inbox";
    return makeError(ErrorCode::Conflict, "config." + std::string(key) + ": " + account + " is already connected to " +
                                              holder + "; one inbox per " + std::string(core::toString(inbox.channel)) +
                                              " account");
  }
  return {};
}

Response forbidden(const std::string& what) { return errorResponse(403, "forbidden", "your role may not " + what); }

template <class T>
json::object listOf(const std::vector<T>& items) {
  json::array a;
  for (const auto& i : items) a.push_back(toJson(i));
  return json::object{{"data", a}};
}

core::Status validateCallbackUrl(const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty()) {
    return makeError(ErrorCode::InvalidInput, "callback_url: must be an absolute http or https URL");
  }
  return {};
}

template <class Id>
core::Result<std::vector<Id>> toIds(const std::optional<std::vector<std::int64_t>>& raw) {
  std::vector<Id> out;
  if (raw) {
    for (auto v : *raw) out.push_back(Id{v});
  }
  return out;
}

}  // namespace

void addAdminRoutes(Router& router, ApiDeps& deps) {
  // ---- users ----------------------------------------------------------------------------------
  router.add("GET", "/api/v1/users", Auth::User, "List the users of your tenant", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(users, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.listUsers(ctx.actor().tenant_id); }));
    return jsonResponse(200, listOf(users));
  });
  router.add("POST", "/api/v1/users", Auth::User, "Create a user (admin)", [&deps](Context& ctx) -> Response {
    if (!core::isAllowed(ctx.actor(), Resource::Users, Action::Write)) return forbidden("create users");
    PARLEY_TRY(body, parseJsonObject(ctx.request));
    PARLEY_CHECK(rejectUnknownKeys(body, {"email", "password", "name", "role", "language"}));
    core::User user;
    user.tenant_id = ctx.actor().tenant_id;
    PARLEY_TRY(email, reqString(body, "email", 320));
    PARLEY_TRY(password, reqString(body, "password", 1024));
    PARLEY_TRY(name, optString(body, "name", 200));
    PARLEY_TRY(role, optString(body, "role"));
    PARLEY_TRY(language, optString(body, "language"));
    user.email = email;
    user.name = name.value_or("");
    if (role) {
      auto r = core::parseRole(*role);
      if (!r) return errorResponse(400, "invalid_input", "role: one of admin, supervisor, agent");
      user.role = *r;
    }
    if (language) {
      auto l = core::parseLanguage(*language);
      if (!l) return errorResponse(400, "invalid_input", "language: de or en");
      user.language = *l;
    }
    PARLEY_TRY(created, deps.auth.createUser(user, password));
    return jsonResponse(201, toJson(created));
  });
  router.add("GET", "/api/v1/users/{id}", Auth::User, "One user", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(user, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getUser(ctx.actor().tenant_id, core::UserId{id}); }));
    return jsonResponse(200, toJson(user));
  });
  router.add("PATCH", "/api/v1/users/{id}", Auth::User,
             "Update a user: admins any field, everyone their own name, language and password",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               const bool self = ctx.actor().user_id.value == id;
               const bool admin = core::isAllowed(ctx.actor(), Resource::Users, Action::Write);
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"email", "name", "role", "language", "active", "password", "current_password"}));
               PARLEY_TRY(email, optString(body, "email", 320));
               PARLEY_TRY(name, optString(body, "name", 200));
               PARLEY_TRY(role, optString(body, "role"));
               PARLEY_TRY(language, optString(body, "language"));
               PARLEY_TRY(active, optBool(body, "active"));
               PARLEY_TRY(password, optString(body, "password", 1024));
               PARLEY_TRY(current_password, optString(body, "current_password", 1024));
               if (!admin && (!self || role || active || email)) {
                 // Another user's record is visible to everyone, so say "forbidden", not "not found".
                 return forbidden(!self ? "change other users" : email ? "change your own e-mail address"
                                                                       : "change your own role or status");
               }
               PARLEY_TRY(user, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getUser(ctx.actor().tenant_id, core::UserId{id}); }));
               if (email) {
                 auto normalized = app::normalizeEmail(*email);
                 if (!normalized) return errorResponse(400, "invalid_input", "email: " + normalized.error().message);
                 user.email = *normalized;
               }
               if (name) {
                 if (name->empty()) return errorResponse(400, "invalid_input", "name: must not be empty");
                 user.name = *name;
               }
               if (role) {
                 auto r = core::parseRole(*role);
                 if (!r) return errorResponse(400, "invalid_input", "role: one of admin, supervisor, agent");
                 if (self && *r != core::Role::Admin) return errorResponse(400, "invalid_input", "you cannot demote yourself");
                 user.role = *r;
               }
               if (language) {
                 auto l = core::parseLanguage(*language);
                 if (!l) return errorResponse(400, "invalid_input", "language: de or en");
                 user.language = *l;
               }
               if (active) {
                 if (self && !*active) return errorResponse(400, "invalid_input", "you cannot deactivate yourself");
                 user.active = *active;
               }
               if (password) {
                 // Your own password only with the one you have now: a session left open on a
                 // shared desk must not be enough to take the account over.
                 if (self) {
                   if (!current_password) {
                     return errorResponse(400, "invalid_input", "current_password: required to change your own password");
                   }
                   if (auto ok = deps.auth.verifyCurrentPassword(user, *current_password); !ok) {
                     if (ok.error().code == ErrorCode::Unauthorized) {
                       return errorResponse(403, "forbidden", "current_password: that is not your current password");
                     }
                     auto r = errorResponse(ok.error());
                     if (ok.error().code == ErrorCode::RateLimited) {
                       r.headers.emplace_back("Retry-After", std::to_string(deps.auth.accountRetryAfterSeconds(user.email)));
                     }
                     return r;
                   }
                 }
                 PARLEY_TRY(hashed, deps.auth.hashPassword(*password));
                 user.password_hash = hashed;
               }
               PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) -> core::Status {
                 if (auto s = tx.updateUser(user); !s) return s;
                 // A new password ends the user's other sessions (the caller's own stays open);
                 // API tokens are separate credentials and stay until revoked.
                 if (password) return tx.deleteUserSessions(user.tenant_id, user.id, self ? ctx.principal->session_hash : "");
                 return {};
               }));
               if (active && deps.routing) deps.routing->staffChanged(user.tenant_id);  // offers stop or start at once
               return jsonResponse(200, toJson(user));
             });
  router.add("DELETE", "/api/v1/users/{id}", Auth::User, "Delete a user (admin); their conversations become unassigned",
             [&deps](Context& ctx) -> Response {
               if (!core::isAllowed(ctx.actor(), Resource::Users, Action::Write)) return forbidden("delete users");
               PARLEY_TRY(id, ctx.idParam("id"));
               if (ctx.actor().user_id.value == id) return errorResponse(400, "invalid_input", "you cannot delete yourself");
               PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) { return tx.deleteUser(ctx.actor().tenant_id, core::UserId{id}); }));
               if (deps.routing) deps.routing->staffChanged(ctx.actor().tenant_id);
               return jsonResponse(200, json::object{{"ok", true}});
             });

  // ---- teams ----------------------------------------------------------------------------------
  router.add("GET", "/api/v1/teams", Auth::User, "List teams with their members", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(teams, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.listTeams(ctx.actor().tenant_id); }));
    return jsonResponse(200, listOf(teams));
  });
  auto writeTeam = [&deps](Context& ctx, std::optional<std::int64_t> existing) -> Response {
    if (!core::isAllowed(ctx.actor(), Resource::Teams, Action::Write)) return forbidden("manage teams");
    PARLEY_TRY(body, parseJsonObject(ctx.request));
    PARLEY_CHECK(rejectUnknownKeys(body, {"name", "description", "member_ids"}));
    PARLEY_TRY(name, optString(body, "name", 200));
    PARLEY_TRY(description, optString(body, "description", 2000));
    PARLEY_TRY(members_raw, optIdArray(body, "member_ids", 1000));
    if (!existing && (!name || name->empty())) return errorResponse(400, "invalid_input", "name: is required");
    PARLEY_TRY(members, toIds<core::UserId>(members_raw));
    core::Team team;
    int status = existing ? 200 : 201;
    PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) -> core::Status {
      const auto tenant = ctx.actor().tenant_id;
      if (existing) {
        auto t = tx.getTeam(tenant, core::TeamId{*existing});
        if (!t) return t.error();
        team = std::move(*t);
      } else {
        team.tenant_id = tenant;
        team.created_at = deps.clock.now();
      }
      if (name) {
        if (name->empty()) return makeError(ErrorCode::InvalidInput, "name: must not be empty");
        team.name = *name;
      }
      if (description) team.description = *description;
      if (existing) {
        if (auto s = tx.updateTeam(team); !s) return s;
      } else {
        auto id = tx.createTeam(team);
        if (!id) return id.error().code == ErrorCode::Conflict ? makeError(ErrorCode::Conflict, "a team with this name exists") : id.error();
        team.id = *id;
      }
      if (members_raw) {
        for (auto m : members) {
          if (auto u = tx.getUser(tenant, m); !u) return makeError(ErrorCode::InvalidInput, "member_ids: no user " + std::to_string(m.value));
        }
        if (auto s = tx.setTeamMembers(tenant, team.id, members); !s) return s;
      }
      auto fresh = tx.getTeam(tenant, team.id);
      if (!fresh) return fresh.error();
      team = std::move(*fresh);
      return {};
    }));
    if (members_raw && deps.routing) deps.routing->staffChanged(ctx.actor().tenant_id);  // a queue's team: offers at once
    return jsonResponse(status, toJson(team));
  };
  router.add("POST", "/api/v1/teams", Auth::User, "Create a team (admin, supervisor)",
             [writeTeam](Context& ctx) { return writeTeam(ctx, std::nullopt); });
  router.add("GET", "/api/v1/teams/{id}", Auth::User, "One team", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(team, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getTeam(ctx.actor().tenant_id, core::TeamId{id}); }));
    return jsonResponse(200, toJson(team));
  });
  router.add("PATCH", "/api/v1/teams/{id}", Auth::User, "Update a team's name, description or members (admin, supervisor)",
             [writeTeam](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               return writeTeam(ctx, id);
             });
  router.add("DELETE", "/api/v1/teams/{id}", Auth::User, "Delete a team (admin, supervisor)", [&deps](Context& ctx) -> Response {
    if (!core::isAllowed(ctx.actor(), Resource::Teams, Action::Write)) return forbidden("manage teams");
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) { return tx.deleteTeam(ctx.actor().tenant_id, core::TeamId{id}); }));
    if (deps.routing) deps.routing->staffChanged(ctx.actor().tenant_id);
    return jsonResponse(200, json::object{{"ok", true}});
  });

  // ---- inboxes --------------------------------------------------------------------------------
  // An inbox with the live state its channel keeps (e-mail: the poller's last result and error).
  auto inboxJson = [](app::StoreTx& tx, const core::Inbox& inbox, bool admin) -> json::object {
    json::object o = toJson(inbox, admin);
    if (inbox.channel != core::ChannelKind::Email) return o;
    o["channel_status"] = nullptr;
    if (auto state = tx.getChannelState(inbox.id, "status")) {
      boost::system::error_code ec;
      auto v = json::parse(*state, ec);
      if (!ec && v.is_object()) {
        // Kept in milliseconds by the poller; shown as every other time of the API.
        auto& status = v.as_object();
        for (const char* key : {"last_poll_at", "next_poll_at", "last_success_at"}) {
          if (auto it = status.find(key); it != status.end() && it->value().is_int64()) it->value() = isoOrNull(it->value().get_int64());
        }
        if (auto it = status.find("skipped"); it != status.end() && it->value().is_array()) {
          for (auto& entry : it->value().as_array()) {
            if (!entry.is_object()) continue;
            if (auto at = entry.as_object().find("at"); at != entry.as_object().end() && at->value().is_int64()) {
              at->value() = isoOrNull(at->value().get_int64());
            }
          }
        }
        o["channel_status"] = std::move(v);
      }
    }
    return o;
  };
  router.add("GET", "/api/v1/inboxes", Auth::User, "List the inboxes you can see", [&deps, inboxJson](Context& ctx) -> Response {
    json::array a;
    const bool admin = core::isAllowed(ctx.actor(), Resource::Inboxes, Action::Write);
    PARLEY_CHECK(deps.store.read([&](app::StoreTx& tx) -> core::Status {
      auto list = tx.listInboxes(ctx.actor().tenant_id);
      if (!list) return list.error();
      for (auto& i : *list) {
        if (core::canSeeInbox(ctx.actor(), i)) a.push_back(inboxJson(tx, i, admin));
      }
      return {};
    }));
    return jsonResponse(200, json::object{{"data", a}});
  });
  auto writeInbox = [&deps](Context& ctx, std::optional<std::int64_t> existing) -> Response {
    if (!core::isAllowed(ctx.actor(), Resource::Inboxes, Action::Write)) return forbidden("manage inboxes");
    PARLEY_TRY(body, parseJsonObject(ctx.request));
    PARLEY_CHECK(rejectUnknownKeys(body, {"name", "channel", "callback_url", "team_ids", "config", "rotate_secret"}));
    PARLEY_TRY(name, optString(body, "name", 200));
    PARLEY_TRY(channel_text, optString(body, "channel", 40));
    PARLEY_TRY(callback, optString(body, "callback_url", 2000));
    PARLEY_TRY(teams_raw, optIdArray(body, "team_ids", 1000));
    PARLEY_TRY(rotate, optBool(body, "rotate_secret"));
    std::optional<std::string> config;
    if (auto it = body.find("config"); it != body.end() && !it->value().is_null()) {
      if (!it->value().is_object()) return errorResponse(400, "invalid_input", "config: must be an object");
      config = json::serialize(it->value());
    }
    if (existing && channel_text) return errorResponse(400, "invalid_input", "channel: cannot be changed; create a new inbox");
    if (!existing && (!name || name->empty())) return errorResponse(400, "invalid_input", "name: is required");
    std::optional<core::ChannelKind> channel;
    if (channel_text) {
      channel = core::parseChannelKind(*channel_text);
      if (!channel) return errorResponse(400, "invalid_input", "channel: unknown channel '" + *channel_text + "'");
    } else if (!existing) {
      return errorResponse(400, "invalid_input", "channel: is required (e.g. \"api\")");
    }
    if (callback && !callback->empty()) PARLEY_CHECK(validateCallbackUrl(*callback));
    PARLEY_TRY(team_ids, toIds<core::TeamId>(teams_raw));
    core::Inbox inbox;
    PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) -> core::Status {
      const auto tenant = ctx.actor().tenant_id;
      if (existing) {
        auto i = tx.getInbox(tenant, core::InboxId{*existing});
        if (!i) return i.error();
        inbox = std::move(*i);
      } else {
        inbox.tenant_id = tenant;
        inbox.channel = *channel;
        inbox.created_at = deps.clock.now();
        inbox.secret = app::randomHex(32);
      }
      if (name) {
        if (name->empty()) return makeError(ErrorCode::InvalidInput, "name: must not be empty");
        inbox.name = *name;
      }
      if (callback) inbox.callback_url = *callback;
      // The adapters check the plain configuration; the store gets it with its secrets sealed.
      std::string plain_config = inbox.config_json;
      if (deps.secrets) {
        auto opened = channels::openConfigSecrets(inbox.config_json, *deps.secrets);
        if (!opened) return opened.error();
        plain_config = std::move(*opened);
      }
      if (config) {
        auto kept = channels::keepMaskedSecrets(*config, plain_config);
        if (!kept) return kept.error();
        plain_config = std::move(*kept);
      }
      if (rotate.value_or(false)) inbox.secret = app::randomHex(32);
      if (teams_raw) {
        for (auto t : team_ids) {
          if (auto team = tx.getTeam(tenant, t); !team) return makeError(ErrorCode::InvalidInput, "team_ids: no team " + std::to_string(t.value));
        }
        inbox.team_ids = team_ids;
      }
      if (inbox.channel == core::ChannelKind::Api && inbox.callback_url.empty()) {
        return makeError(ErrorCode::InvalidInput, "callback_url: an api inbox needs the URL replies are delivered to");
      }
      // A new inbox's config, or the one this request brings; a PATCH of the name, teams or
      // callback_url leaves a stored config alone, even one that rules added since would refuse
      // (an API inbox's stray keys from before they were refused), instead of blocking the edit.
      if (auto gateway = deps.gateways.find(inbox.channel); gateway != deps.gateways.end() && (config || !existing)) {
        if (auto valid = gateway->second->validateConfig(plain_config); !valid) return valid;
      }
      if (auto rate = channels::configuredSendRate(plain_config); !rate) return rate.error();
      if (auto unused = requireUnusedAccount(tx, inbox, plain_config); !unused) return unused;
      inbox.config_json = plain_config;
      if (deps.secrets) {
        auto sealed = channels::sealConfigSecrets(plain_config, *deps.secrets);
        if (!sealed) return sealed.error();
        inbox.config_json = std::move(*sealed);
      }
      if (existing) return tx.updateInbox(inbox);
      auto id = tx.createInbox(inbox);
      if (!id) return id.error();
      inbox.id = *id;
      return {};
    }));
    if (inbox.channel == core::ChannelKind::Email) deps.wake_email_poller();
    // WhatsApp Cloud API inboxes and Twilio WhatsApp senders sync their message templates.
    if (inbox.channel == core::ChannelKind::WhatsApp || inbox.channel == core::ChannelKind::Twilio) deps.wake_template_sync();
    return jsonResponse(existing ? 200 : 201, toJson(inbox, true));
  };
  router.add("POST", "/api/v1/inboxes", Auth::User, "Create an inbox (admin); an api inbox returns its signing secret",
             [writeInbox](Context& ctx) { return writeInbox(ctx, std::nullopt); });
  router.add("GET", "/api/v1/inboxes/{id}", Auth::User, "One inbox (e-mail inboxes with their polling status)",
             [&deps, inboxJson](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    json::object out;
    PARLEY_CHECK(deps.store.read([&](app::StoreTx& tx) -> core::Status {
      auto i = tx.getInbox(ctx.actor().tenant_id, core::InboxId{id});
      if (!i) return i.error();
      if (!core::canSeeInbox(ctx.actor(), *i)) return makeError(ErrorCode::NotFound, "inbox not found");
      out = inboxJson(tx, *i, core::isAllowed(ctx.actor(), Resource::Inboxes, Action::Write));
      return {};
    }));
    return jsonResponse(200, out);
  });
  router.add("PATCH", "/api/v1/inboxes/{id}", Auth::User, "Update an inbox (admin)", [writeInbox](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    return writeInbox(ctx, id);
  });
  router.add("DELETE", "/api/v1/inboxes/{id}", Auth::User, "Delete an inbox without conversations (admin)",
             [&deps](Context& ctx) -> Response {
               if (!core::isAllowed(ctx.actor(), Resource::Inboxes, Action::Write)) return forbidden("manage inboxes");
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) { return tx.deleteInbox(ctx.actor().tenant_id, core::InboxId{id}); }));
               return jsonResponse(200, json::object{{"ok", true}});
             });

  // ---- canned responses -----------------------------------------------------------------------
  router.add("GET", "/api/v1/canned_responses", Auth::User, "List canned responses", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(list, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.listCannedResponses(ctx.actor().tenant_id); }));
    return jsonResponse(200, listOf(list));
  });
  auto writeCanned = [&deps](Context& ctx, std::optional<std::int64_t> existing) -> Response {
    if (!core::isAllowed(ctx.actor(), Resource::CannedResponses, Action::Write)) return forbidden("manage canned responses");
    PARLEY_TRY(body, parseJsonObject(ctx.request));
    PARLEY_CHECK(rejectUnknownKeys(body, {"short_code", "language", "content"}));
    PARLEY_TRY(code, optString(body, "short_code", 64));
    PARLEY_TRY(language, optString(body, "language", 8));
    PARLEY_TRY(content, optString(body, "content", 20000));
    if (!existing && (!code || code->empty() || !content || content->empty())) {
      return errorResponse(400, "invalid_input", "short_code and content are required");
    }
    if (content) PARLEY_CHECK(app::validateCannedTemplate(*content));
    std::optional<core::Language> lang;
    if (language) {
      lang = core::parseLanguage(*language);
      if (!lang) return errorResponse(400, "invalid_input", "language: de or en");
    }
    core::CannedResponse canned;
    PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) -> core::Status {
      const auto tenant = ctx.actor().tenant_id;
      if (existing) {
        auto c = tx.getCannedResponse(tenant, core::CannedResponseId{*existing});
        if (!c) return c.error();
        canned = std::move(*c);
      } else {
        canned.tenant_id = tenant;
        canned.created_at = deps.clock.now();
      }
      if (code) canned.short_code = *code;
      if (lang) canned.language = *lang;
      if (content) canned.content = *content;
      canned.updated_at = deps.clock.now();
      if (existing) return tx.updateCannedResponse(canned);
      auto id = tx.createCannedResponse(canned);
      if (!id) return id.error();
      canned.id = *id;
      return {};
    }));
    return jsonResponse(existing ? 200 : 201, toJson(canned));
  };
  router.add("POST", "/api/v1/canned_responses", Auth::User, "Create a canned response (admin, supervisor)",
             [writeCanned](Context& ctx) { return writeCanned(ctx, std::nullopt); });
  router.add("GET", "/api/v1/canned_responses/{id}", Auth::User, "One canned response", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(canned, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getCannedResponse(ctx.actor().tenant_id, core::CannedResponseId{id}); }));
    return jsonResponse(200, toJson(canned));
  });
  router.add("PATCH", "/api/v1/canned_responses/{id}", Auth::User, "Update a canned response (admin, supervisor)",
             [writeCanned](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               return writeCanned(ctx, id);
             });
  router.add("DELETE", "/api/v1/canned_responses/{id}", Auth::User, "Delete a canned response (admin, supervisor)",
             [&deps](Context& ctx) -> Response {
               if (!core::isAllowed(ctx.actor(), Resource::CannedResponses, Action::Write)) return forbidden("manage canned responses");
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) {
                 return tx.deleteCannedResponse(ctx.actor().tenant_id, core::CannedResponseId{id});
               }));
               return jsonResponse(200, json::object{{"ok", true}});
             });
  router.add("POST", "/api/v1/canned_responses/{id}/render", Auth::User,
             "Render a canned response for a conversation ({{contact.first_name}}, {{agent.name}} ...)",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"conversation_id"}));
               PARLEY_TRY(conversation_id, optInt(body, "conversation_id"));
               core::CannedResponse canned;
               core::User agent;
               core::Contact contact;
               std::optional<app::ConversationView> view;
               if (conversation_id) {
                 PARLEY_TRY(v, deps.desk.viewConversation(ctx.actor(), core::ConversationId{*conversation_id}));
                 view = v;
               }
               PARLEY_CHECK(deps.store.read([&](app::StoreTx& tx) -> core::Status {
                 auto c = tx.getCannedResponse(ctx.actor().tenant_id, core::CannedResponseId{id});
                 if (!c) return c.error();
                 canned = std::move(*c);
                 auto u = tx.getUser(ctx.actor().tenant_id, ctx.actor().user_id);
                 if (!u) return u.error();
                 agent = std::move(*u);
                 if (view) {
                   auto k = tx.getContact(ctx.actor().tenant_id, view->conversation.contact_id);
                   if (!k) return k.error();
                   contact = std::move(*k);
                 }
                 return {};
               }));
               app::CannedContext context{view ? &contact : nullptr, &agent, view ? &view->conversation : nullptr,
                                          view ? &view->inbox : nullptr};
               PARLEY_TRY(text, app::renderCanned(canned.content, context));
               return jsonResponse(200, json::object{{"text", text}});
             });
}

}  // namespace parley::http
