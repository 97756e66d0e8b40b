// The agent desk's API: contacts, conversations, messages, search, attachments.
#include <boost/json.hpp>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include "app/identity.hpp"
#include "http/template_reply_json.hpp"
#include "http/api.hpp"
#include "http/file_links.hpp"
#include "http/json.hpp"
#include "http/reply_buttons_json.hpp"

namespace parley::http {

using core::ErrorCode;
using core::makeError;

namespace {

// A filter's query parameters: one not in `allowed` (a typo like ?assignee=me) is an error naming
// it, instead of a silently unfiltered list.
core::Status rejectUnknownParams(const Request& request, std::initializer_list<const char*> allowed) {
  for (const auto& [name, value] : request.query) {
    bool known = false;
    for (const char* a : allowed) known = known || name == a;
    if (!known) return makeError(ErrorCode::InvalidInput, "unknown query parameter: " + name);
  }
  return {};
}

// RFC 6266: an ASCII fallback name for old clients and the exact UTF-8 name (RFC 5987) for the
// rest, so "Rechnung März.pdf" downloads under its own name and no byte of it can end the header.
// Messages as JSON with their attachments' metadata (name, type, size, fetch state) in the
// order of attachment_ids, read in one snapshot: the desk needs no request per file.
core::Result<json::array> messagesWithAttachments(app::Store& store, core::TenantId tenant,
                                                  const std::vector<core::Message>& messages) {
  json::array out;
  auto status = store.read([&](app::StoreTx& tx) -> core::Status {
    out.clear();
    for (const auto& m : messages) {
      json::object o = toJson(m);
      json::array files;
      for (auto id : m.attachment_ids) {
        auto a = tx.getAttachment(tenant, id);
        if (!a) return a.error();
        files.push_back(toJson(*a));
      }
      o["attachments"] = std::move(files);
      out.push_back(std::move(o));
    }
    return {};
  });
  if (!status) return status.error();
  return out;
}

core::Result<int> limitParam(const Request& r) {
  auto v = r.param("limit");
  if (!v) return 25;
  try {
    std::size_t used = 0;
    int n = std::stoi(*v, &used);
    if (used != v->size() || n < 1 || n > 100) throw std::invalid_argument("range");
    return n;
  } catch (const std::exception&) {
    return makeError(ErrorCode::InvalidInput, "limit: an integer from 1 to 100");
  }
}

// A query parameter's value `value` as a non-negative integer; the error names the parameter.
core::Result<std::int64_t> nonNegativeInt(const std::string& name, std::string_view value) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 0) {
    return makeError(ErrorCode::InvalidInput, name + ": must be a non-negative integer");
  }
  return n;
}

core::Result<std::int64_t> intParam(const Request& r, const std::string& name, std::int64_t fallback) {
  auto v = r.param(name);
  if (!v) return fallback;
  return nonNegativeInt(name, *v);
}

json::object contactWithIdentities(const core::Contact& c, const std::vector<core::ContactIdentity>& identities) {
  json::object o = toJson(c);
  json::array a;
  for (const auto& i : identities) a.push_back(toJson(i));
  o["identities"] = a;
  return o;
}

core::Result<core::ContactIdentity> identityFrom(const json::object& body, core::TenantId tenant) {
  auto kind_text = reqString(body, "kind", 20);
  if (!kind_text) return kind_text.error();
  auto value = reqString(body, "value", 320);
  if (!value) return value.error();
  auto kind = core::parseIdentityKind(*kind_text);
  if (!kind) return makeError(ErrorCode::InvalidInput, "kind: one of phone, email, external");
  core::ContactIdentity identity;
  identity.tenant_id = tenant;
  identity.kind = *kind;
  identity.verified = true;  // entered by an agent
  if (*kind == core::IdentityKind::Phone) {
    auto p = app::normalizePhone(*value);
    if (!p) return p.error();
    identity.value = *p;
  } else if (*kind == core::IdentityKind::Email) {
    auto e = app::normalizeEmail(*value);
    if (!e) return e.error();
    identity.value = *e;
  } else {
    auto scope = reqString(body, "scope", 100);
    if (!scope) return makeError(ErrorCode::InvalidInput, "scope: an external identity needs a scope, e.g. \"crm\"");
    identity.scope = *scope;
    identity.value = *value;
  }
  return identity;
}

core::Status addIdentityChecked(app::StoreTx& tx, core::ContactIdentity identity) {
  auto owner = tx.findIdentity(identity.tenant_id, identity.kind, identity.scope, identity.value);
  if (owner) {
    return makeError(ErrorCode::Conflict, std::string(core::toString(identity.kind)) + " " + identity.value +
                                              " already belongs to contact " + std::to_string(owner->contact_id.value) +
                                              "; merge the contacts instead");
  }
  auto id = tx.addIdentity(identity);
  if (!id) return id.error();
  return {};
}

Response conversationList(const std::vector<core::Conversation>& list, int limit) {
  json::array a;
  for (const auto& c : list) a.push_back(toJson(c));
  json::value next = nullptr;
  if (static_cast<int>(list.size()) == limit && !list.empty()) {
    next = std::to_string(list.back().last_activity_at) + "_" + std::to_string(list.back().id.value);
  }
  return jsonResponse(200, json::object{{"data", a}, {"next_cursor", next}});
}

core::Result<std::optional<std::pair<core::TimestampMs, core::ConversationId>>> conversationCursor(const Request& r) {
  auto c = r.param("cursor");
  if (!c || c->empty()) return std::optional<std::pair<core::TimestampMs, core::ConversationId>>{};
  auto sep = c->find('_');
  try {
    if (sep == std::string::npos) throw std::invalid_argument("cursor");
    std::size_t u1 = 0, u2 = 0;
    long long ts = std::stoll(c->substr(0, sep), &u1);
    long long id = std::stoll(c->substr(sep + 1), &u2);
    if (u1 != sep || u2 != c->size() - sep - 1) throw std::invalid_argument("cursor");
    return std::optional<std::pair<core::TimestampMs, core::ConversationId>>(std::pair{ts, core::ConversationId{id}});
  } catch (const std::exception&) {
    return makeError(ErrorCode::InvalidInput, "cursor: use the next_cursor of the previous page");
  }
}

}  // namespace

void addDeskRoutes(Router& router, ApiDeps& deps) {
  // ---- contacts -------------------------------------------------------------------------------
  router.add("GET", "/api/v1/contacts", Auth::User, "List or search contacts (q matches name, phone, e-mail, ids)",
             [&deps](Context& ctx) -> Response {
               PARLEY_CHECK(rejectUnknownParams(ctx.request, {"q", "cursor", "limit"}));
               PARLEY_TRY(limit, limitParam(ctx.request));
               PARLEY_TRY(after, intParam(ctx.request, "cursor", 0));
               app::ContactQuery query;
               query.tenant_id = ctx.actor().tenant_id;
               query.query = ctx.request.param("q").value_or("");
               if (query.query.size() > 200) return errorResponse(400, "invalid_input", "q: at most 200 characters");
               query.query = app::contactSearchTerm(query.query);
               if (after > 0) query.after = core::ContactId{after};
               query.limit = limit;
               PARLEY_TRY(contacts, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.listContacts(query); }));
               json::array a;
               for (const auto& c : contacts) a.push_back(toJson(c));
               json::value next = nullptr;
               if (static_cast<int>(contacts.size()) == limit) next = std::to_string(contacts.back().id.value);
               return jsonResponse(200, json::object{{"data", a}, {"next_cursor", next}});
             });
  router.add("POST", "/api/v1/contacts", Auth::User, "Create a contact with optional phone and e-mail",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"name", "phone", "email", "attributes"}));
               PARLEY_TRY(name, reqString(body, "name", 200));
               PARLEY_TRY(phone, optString(body, "phone", 64));
               PARLEY_TRY(email, optString(body, "email", 320));
               std::string attributes = "{}";
               if (auto it = body.find("attributes"); it != body.end() && !it->value().is_null()) {
                 if (!it->value().is_object()) return errorResponse(400, "invalid_input", "attributes: must be an object");
                 attributes = json::serialize(it->value());
               }
               const auto tenant = ctx.actor().tenant_id;
               std::vector<core::ContactIdentity> identities;
               if (phone && !phone->empty()) {
                 PARLEY_TRY(p, app::normalizePhone(*phone));
                 identities.push_back({{}, tenant, {}, core::IdentityKind::Phone, "", p, true, {}, deps.clock.now()});
               }
               if (email && !email->empty()) {
                 PARLEY_TRY(e, app::normalizeEmail(*email));
                 identities.push_back({{}, tenant, {}, core::IdentityKind::Email, "", e, true, {}, deps.clock.now()});
               }
               core::Contact contact;
               contact.tenant_id = tenant;
               contact.name = name;
               contact.attributes_json = attributes;
               contact.created_at = contact.updated_at = deps.clock.now();
               PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) -> core::Status {
                 auto id = tx.createContact(contact);
                 if (!id) return id.error();
                 contact.id = *id;
                 for (auto& i : identities) {
                   i.contact_id = contact.id;
                   if (auto s = addIdentityChecked(tx, i); !s) return s;
                 }
                 auto stored = tx.listIdentities(tenant, contact.id);
                 if (!stored) return stored.error();
                 identities = std::move(*stored);
                 return {};
               }));
               deps.desk.contactEdited(ctx.actor(), contact);
               return jsonResponse(201, contactWithIdentities(contact, identities));
             });
  router.add("GET", "/api/v1/contacts/{id}", Auth::User, "One contact with its identities", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    core::Contact contact;
    std::vector<core::ContactIdentity> identities;
    PARLEY_CHECK(deps.store.read([&](app::StoreTx& tx) -> core::Status {
      auto c = tx.getContact(ctx.actor().tenant_id, core::ContactId{id});
      if (!c) return c.error();
      contact = std::move(*c);
      auto i = tx.listIdentities(ctx.actor().tenant_id, contact.id);
      if (!i) return i.error();
      identities = std::move(*i);
      return {};
    }));
    return jsonResponse(200, contactWithIdentities(contact, identities));
  });
  router.add("PATCH", "/api/v1/contacts/{id}", Auth::User, "Update a contact's name or attributes", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(body, parseJsonObject(ctx.request));
    PARLEY_CHECK(rejectUnknownKeys(body, {"name", "attributes"}));
    PARLEY_TRY(name, optString(body, "name", 200));
    std::optional<std::string> attributes;
    if (auto it = body.find("attributes"); it != body.end() && !it->value().is_null()) {
      if (!it->value().is_object()) return errorResponse(400, "invalid_input", "attributes: must be an object");
      attributes = json::serialize(it->value());
    }
    core::Contact contact;
    std::vector<core::ContactIdentity> identities;
    PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) -> core::Status {
      auto c = tx.getContact(ctx.actor().tenant_id, core::ContactId{id});
      if (!c) return c.error();
      contact = std::move(*c);
      if (name) {
        if (name->empty()) return makeError(ErrorCode::InvalidInput, "name: must not be empty");
        contact.name = *name;
      }
      if (attributes) contact.attributes_json = *attributes;
      contact.updated_at = deps.clock.now();
      if (auto s = tx.updateContact(contact); !s) return s;
      auto i = tx.listIdentities(ctx.actor().tenant_id, contact.id);
      if (!i) return i.error();
      identities = std::move(*i);
      return {};
    }));
    deps.desk.contactEdited(ctx.actor(), contact);
    return jsonResponse(200, contactWithIdentities(contact, identities));
  });
  router.add("POST", "/api/v1/contacts/{id}/identities", Auth::User,
             "Add an identity (kind phone|email|external, value, scope for external)", [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"kind", "value", "scope"}));
               PARLEY_TRY(identity, identityFrom(body, ctx.actor().tenant_id));
               identity.contact_id = core::ContactId{id};
               identity.created_at = deps.clock.now();
               std::vector<core::ContactIdentity> identities;
               core::Contact contact;
               PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) -> core::Status {
                 auto c = tx.getContact(ctx.actor().tenant_id, identity.contact_id);
                 if (!c) return c.error();
                 contact = std::move(*c);
                 if (auto s = addIdentityChecked(tx, identity); !s) return s;
                 auto i = tx.listIdentities(ctx.actor().tenant_id, identity.contact_id);
                 if (!i) return i.error();
                 identities = std::move(*i);
                 return {};
               }));
               deps.desk.contactEdited(ctx.actor(), contact);
               json::array a;
               for (const auto& i : identities) a.push_back(toJson(i));
               return jsonResponse(201, json::object{{"data", a}});
             });
  router.add("DELETE", "/api/v1/contacts/{id}/identities/{identity_id}", Auth::User, "Remove an identity from a contact",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(identity_id, ctx.idParam("identity_id"));
               core::Contact contact;
               PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) -> core::Status {
                 auto c = tx.getContact(ctx.actor().tenant_id, core::ContactId{id});
                 if (!c) return c.error();
                 contact = std::move(*c);
                 auto list = tx.listIdentities(ctx.actor().tenant_id, core::ContactId{id});
                 if (!list) return list.error();
                 for (const auto& i : *list) {
                   if (i.id.value == identity_id) return tx.deleteIdentity(ctx.actor().tenant_id, i.id);
                 }
                 return makeError(ErrorCode::NotFound, "identity not found on this contact");
               }));
               deps.desk.contactEdited(ctx.actor(), contact);
               return jsonResponse(200, json::object{{"ok", true}});
             });
  router.add("POST", "/api/v1/contacts/{id}/merge", Auth::User,
             "Merge contact source_id into this contact (identities and conversations move here)",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"source_id"}));
               PARLEY_TRY(source, optInt(body, "source_id"));
               if (!source || *source <= 0) return errorResponse(400, "invalid_input", "source_id: is required");
               PARLEY_TRY(merged, deps.desk.mergeContacts(ctx.actor(), core::ContactId{id}, core::ContactId{*source}));
               return jsonResponse(200, toJson(merged));
             });
  router.add("POST", "/api/v1/contacts/{id}/unmerge", Auth::User,
             "Undo the merge of this (merged) contact: its identities and conversations return to it",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(restored, deps.desk.unmergeContact(ctx.actor(), core::ContactId{id}));
               return jsonResponse(200, toJson(restored));
             });
  router.add("GET", "/api/v1/contacts/{id}/conversations", Auth::User,
             "The contact's conversations across all inboxes you can see", [&deps](Context& ctx) -> Response {
               PARLEY_CHECK(rejectUnknownParams(ctx.request, {"cursor", "limit"}));
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(limit, limitParam(ctx.request));
               PARLEY_TRY(cursor, conversationCursor(ctx.request));
               PARLEY_CHECK(deps.store.read([&](app::StoreTx& tx) -> core::Status {
                 auto c = tx.getContact(ctx.actor().tenant_id, core::ContactId{id});
                 return c ? core::Status{} : core::Status{c.error()};
               }));
               app::ConversationFilter filter;
               filter.contact_id = core::ContactId{id};
               filter.after = cursor;
               filter.limit = limit;
               PARLEY_TRY(list, deps.desk.listConversations(ctx.actor(), filter));
               return conversationList(list, limit);
             });

  // ---- conversations --------------------------------------------------------------------------
  router.add("GET", "/api/v1/conversations", Auth::User,
             "List conversations; filters status, inbox_id, assignee_id (id, 'me' or 'none'), team_id, label, contact_id (also as inbox, assignee, team, contact); cursor",
             [&deps](Context& ctx) -> Response {
               const Request& r = ctx.request;
               PARLEY_CHECK(rejectUnknownParams(r, {"status", "inbox_id", "inbox", "assignee_id", "assignee", "team_id", "team", "label",
                                                    "contact_id", "contact", "cursor", "limit"}));
               // Each id filter also answers to its short name (?inbox=3, ?assignee=me), as
               // integrators write them; giving both forms with different values is an error.
               auto filterValue = [&r](const std::string& id_name) -> core::Result<std::optional<std::string>> {
                 const std::string short_name = id_name.substr(0, id_name.size() - 3);
                 auto full = r.param(id_name);
                 auto brief = r.param(short_name);
                 if (full && brief && *full != *brief) {
                   return makeError(ErrorCode::InvalidInput, id_name + ", " + short_name + ": give one of them");
                 }
                 if (full) return std::optional<std::string>(*full);
                 if (brief) return std::optional<std::string>(*brief);
                 return std::optional<std::string>();
               };
               app::ConversationFilter filter;
               PARLEY_TRY(limit, limitParam(r));
               PARLEY_TRY(cursor, conversationCursor(r));
               filter.limit = limit;
               filter.after = cursor;
               if (auto s = r.param("status")) {
                 auto st = core::parseConversationStatus(*s);
                 if (!st) return errorResponse(400, "invalid_input", "status: one of open, pending, snoozed, resolved");
                 filter.status = *st;
               }
               PARLEY_TRY(assignee, filterValue("assignee_id"));
               if (assignee) {
                 if (*assignee == "me") {
                   filter.assignee_id = ctx.actor().user_id;
                 } else if (*assignee == "none") {
                   filter.assignee_id = core::UserId{};
                 } else {
                   auto v = nonNegativeInt("assignee_id", *assignee);
                   if (!v) return errorResponse(400, "invalid_input", "assignee_id: a user id, me or none");
                   filter.assignee_id = core::UserId{*v};
                 }
               }
               PARLEY_TRY(inbox, filterValue("inbox_id"));
               if (inbox) {
                 PARLEY_TRY(v, nonNegativeInt("inbox_id", *inbox));
                 filter.inbox_id = core::InboxId{v};
               }
               PARLEY_TRY(team, filterValue("team_id"));
               if (team) {
                 PARLEY_TRY(v, nonNegativeInt("team_id", *team));
                 filter.team_id = core::TeamId{v};
               }
               PARLEY_TRY(contact, filterValue("contact_id"));
               if (contact) {
                 PARLEY_TRY(v, nonNegativeInt("contact_id", *contact));
                 filter.contact_id = core::ContactId{v};
               }
               if (auto l = r.param("label")) filter.label = *l;
               PARLEY_TRY(list, deps.desk.listConversations(ctx.actor(), filter));
               return conversationList(list, limit);
             });
  router.add("GET", "/api/v1/conversations/{id}", Auth::User, "One conversation", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(view, deps.desk.viewConversation(ctx.actor(), core::ConversationId{id}));
    return jsonResponse(200, toJson(view.conversation));
  });
  auto patchConversation = [&deps](Context& ctx, std::initializer_list<const char*> allowed) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(body, parseJsonObject(ctx.request));
    PARLEY_CHECK(rejectUnknownKeys(body, allowed));
    app::ConversationPatch patch;
    PARLEY_TRY(status, optString(body, "status", 20));
    PARLEY_TRY(priority, optString(body, "priority", 20));
    PARLEY_TRY(labels, optStringArray(body, "labels", 50));
    PARLEY_TRY(snoozed, optString(body, "snoozed_until", 40));
    if (status) {
      patch.status = core::parseConversationStatus(*status);
      if (!patch.status) return errorResponse(400, "invalid_input", "status: one of open, pending, snoozed, resolved");
    }
    if (priority) {
      patch.priority = core::parsePriority(*priority);
      if (!patch.priority) return errorResponse(400, "invalid_input", "priority: one of none, low, medium, high, urgent");
    }
    if (snoozed) {
      int y, mo, d, h, mi, s;
      if (std::sscanf(snoozed->c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
        return errorResponse(400, "invalid_input", "snoozed_until: an ISO 8601 UTC time like 2026-12-01T08:00:00Z");
      }
      std::tm tm{};
      tm.tm_year = y - 1900;
      tm.tm_mon = mo - 1;
      tm.tm_mday = d;
      tm.tm_hour = h;
      tm.tm_min = mi;
      tm.tm_sec = s;
      patch.snoozed_until = static_cast<core::TimestampMs>(timegm(&tm)) * 1000;
    }
    for (const char* key : {"assignee_id", "team_id"}) {
      auto it = body.find(key);
      if (it == body.end()) continue;
      std::int64_t v = 0;
      if (!it->value().is_null()) {
        if (!it->value().is_int64() || it->value().get_int64() <= 0) {
          return errorResponse(400, "invalid_input", std::string(key) + ": an id or null");
        }
        v = it->value().get_int64();
      }
      if (std::string(key) == "assignee_id") {
        patch.assignee_id = core::UserId{v};
      } else {
        patch.team_id = core::TeamId{v};
      }
    }
    if (labels) patch.labels = *labels;
    PARLEY_TRY(updated, deps.desk.updateConversation(ctx.actor(), core::ConversationId{id}, patch));
    return jsonResponse(200, toJson(updated));
  };
  router.add("PATCH", "/api/v1/conversations/{id}", Auth::User,
             "Update status, snoozed_until, priority, assignee_id, team_id or labels", [patchConversation](Context& ctx) {
               return patchConversation(ctx, {"status", "snoozed_until", "priority", "assignee_id", "team_id", "labels"});
             });
  router.add("POST", "/api/v1/conversations/{id}/assign", Auth::User, "Assign to an agent (assignee_id) and/or a team (team_id); null unassigns",
             [patchConversation](Context& ctx) { return patchConversation(ctx, {"assignee_id", "team_id"}); });
  router.add("POST", "/api/v1/conversations/{id}/status", Auth::User, "Set the status (snoozed needs snoozed_until)",
             [patchConversation](Context& ctx) { return patchConversation(ctx, {"status", "snoozed_until"}); });
  router.add("POST", "/api/v1/conversations/{id}/labels", Auth::User, "Add labels", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(body, parseJsonObject(ctx.request));
    PARLEY_CHECK(rejectUnknownKeys(body, {"labels"}));
    PARLEY_TRY(labels, optStringArray(body, "labels", 50));
    if (!labels) return errorResponse(400, "invalid_input", "labels: is required");
    app::ConversationPatch patch;
    patch.add_labels = *labels;
    PARLEY_TRY(updated, deps.desk.updateConversation(ctx.actor(), core::ConversationId{id}, patch));
    return jsonResponse(200, toJson(updated));
  });
  router.add("DELETE", "/api/v1/conversations/{id}/labels/{label}", Auth::User, "Remove a label", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    app::ConversationPatch patch;
    patch.remove_labels = {ctx.path_params["label"]};
    PARLEY_TRY(updated, deps.desk.updateConversation(ctx.actor(), core::ConversationId{id}, patch));
    return jsonResponse(200, toJson(updated));
  });

  // ---- messages -------------------------------------------------------------------------------
  router.add("GET", "/api/v1/conversations/{id}/messages", Auth::User, "Messages of a conversation, oldest first; cursor = last id",
             [&deps](Context& ctx) -> Response {
               PARLEY_CHECK(rejectUnknownParams(ctx.request, {"cursor", "limit"}));
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(limit, limitParam(ctx.request));
               PARLEY_TRY(after, intParam(ctx.request, "cursor", 0));
               PARLEY_TRY(list, deps.desk.listMessages(ctx.actor(), core::ConversationId{id}, core::MessageId{after}, limit));
               PARLEY_TRY(a, messagesWithAttachments(deps.store, ctx.actor().tenant_id, list));
               json::value next = nullptr;
               if (static_cast<int>(list.size()) == limit) next = std::to_string(list.back().id.value);
               return jsonResponse(200, json::object{{"data", a}, {"next_cursor", next}});
             });
  router.add("POST", "/api/v1/conversations/{id}/messages", Auth::User,
             "Reply (text, attachment_ids, reply_to_id; direct: true answers a public X thread by DM; buttons: [[{text, callback_data|url}]] under a Telegram reply; "
             "template: {name, language, parameters: {header, body, buttons}} a WhatsApp message template, 409 "
             "customer_window_closed for free text after 24 h) or write a private note (private: true)",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_TRY(template_reply, takeTemplateReply(body));  // "template": a WhatsApp message template
               PARLEY_CHECK(rejectUnknownKeys(body, {"text", "private", "attachment_ids", "reply_to_id", "direct", "buttons"}));
               app::ReplyInput input;
               PARLEY_TRY(text, optString(body, "text", 65536));
               PARLEY_TRY(is_private, optBool(body, "private"));
               PARLEY_TRY(attachments, optIdArray(body, "attachment_ids", 20));
               PARLEY_TRY(reply_to, optInt(body, "reply_to_id"));
               input.text = text.value_or("");
               input.private_note = is_private.value_or(false);
               PARLEY_TRY(direct, optBool(body, "direct"));
               input.direct = direct.value_or(false);
               PARLEY_TRY(buttons, optReplyButtons(body));
               input.buttons = std::move(buttons);
               if (attachments) {
                 for (auto a : *attachments) input.attachment_ids.push_back(core::AttachmentId{a});
               }
               if (reply_to) input.reply_to_id = core::MessageId{*reply_to};
               input.template_reply = std::move(template_reply);
               std::vector<core::Message> further;  // more files than one message of the channel carries
               auto replied = deps.desk.reply(ctx.actor(), core::ConversationId{id}, input, &further);
               if (!replied && app::isCustomerWindowClosed(replied.error())) {
                 return errorResponse(409, "customer_window_closed", replied.error().message);
               }
               PARLEY_TRY(message, std::move(replied));
               if (!input.private_note) deps.wake_outbox();
               further.insert(further.begin(), std::move(message));
               PARLEY_TRY(a, messagesWithAttachments(deps.store, ctx.actor().tenant_id, further));
               auto answer = std::move(a.at(0).as_object());
               if (a.size() > 1) answer["further_messages"] = json::array(a.begin() + 1, a.end());
               return jsonResponse(201, answer);
             });
  router.add("POST", "/api/v1/conversations/{id}/messages/{message_id}/retry", Auth::User,
             "Resend an outgoing message that failed (a fresh attempt through the outbox); 409 for any other message",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(message_id, ctx.idParam("message_id"));
               PARLEY_TRY(message, deps.desk.retryMessage(ctx.actor(), core::ConversationId{id}, core::MessageId{message_id}));
               deps.wake_outbox();
               PARLEY_TRY(a, messagesWithAttachments(deps.store, ctx.actor().tenant_id, {message}));
               return jsonResponse(200, a.at(0));
             });
  router.add("GET", "/api/v1/search", Auth::User, "Full-text search over messages you can see (q); newest first",
             [&deps](Context& ctx) -> Response {
               PARLEY_CHECK(rejectUnknownParams(ctx.request, {"q", "cursor", "limit"}));
               auto q = ctx.request.param("q");
               if (!q || q->find_first_not_of(' ') == std::string::npos) {
                 return errorResponse(400, "invalid_input", "q: is required");
               }
               if (q->size() > 200) return errorResponse(400, "invalid_input", "q: at most 200 characters");
               PARLEY_TRY(limit, limitParam(ctx.request));
               PARLEY_TRY(before, intParam(ctx.request, "cursor", 0));
               app::MessageSearch search;
               search.query = *q;
               search.limit = limit;
               if (before > 0) search.before = core::MessageId{before};
               PARLEY_TRY(list, deps.desk.searchMessages(ctx.actor(), search));
               json::array a;
               for (const auto& m : list) a.push_back(toJson(m));
               json::value next = nullptr;
               if (static_cast<int>(list.size()) == limit) next = std::to_string(list.back().id.value);
               return jsonResponse(200, json::object{{"data", a}, {"next_cursor", next}});
             });

  // ---- spell check ----------------------------------------------------------------------------
  router.add("POST", "/api/v1/spellcheck", Auth::User,
             "Spell-check a draft: {\"text\", \"language\": \"de\"|\"en\"|\"auto\"} -> misspelled words with their "
             "UTF-16 offset and length and up to 5 suggestions",
             [&deps](Context& ctx) -> Response {
               if (!deps.spell_checker) return errorResponse(503, "unavailable", "spell checking is not set up on this server");
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"text", "language"}));
               auto text_it = body.find("text");
               if (text_it == body.end() || !text_it->value().is_string()) {
                 return errorResponse(400, "invalid_input", "text: required, a string");
               }
               const std::string text(text_it->value().get_string());
               if (text.size() > app::SpellChecker::kMaxTextBytes) {
                 return errorResponse(413, "too_large", "text: at most 20000 bytes are checked at once");
               }
               PARLEY_TRY(language_text, optString(body, "language", 10));
               std::optional<core::Language> language;
               if (language_text && *language_text != "auto") {
                 language = core::parseLanguage(*language_text);
                 if (!language) return errorResponse(400, "invalid_input", "language: de, en or auto");
               }
               PARLEY_TRY(me, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getUser(ctx.actor().tenant_id, ctx.actor().user_id); }));
               PARLEY_TRY(checked, deps.spell_checker->check(text, language, me.language));
               json::array words;
               for (const auto& m : checked.misspellings) {
                 json::array suggestions;
                 for (const auto& s : m.suggestions) suggestions.push_back(json::string(s));
                 words.push_back(json::object{{"word", m.word}, {"offset", m.offset}, {"length", m.length},
                                              {"suggestions", suggestions}});
               }
               return jsonResponse(200, json::object{{"language", core::toString(checked.language)},
                                                     {"detected", checked.detected},
                                                     {"misspellings", words}});
             });

  // ---- attachments ----------------------------------------------------------------------------
  router.add("POST", "/api/v1/attachments", Auth::User,
             "Upload a file as the raw request body (?filename=...); returns its id for attachment_ids",
             [&deps](Context& ctx) -> Response {
               const auto filename = ctx.request.param("filename").value_or("attachment");
               PARLEY_TRY(saved, deps.attachments.save(ctx.actor().tenant_id, ctx.request.body, filename, ctx.actor().user_id));
               return jsonResponse(201, toJson(saved));
             });
  router.add("GET", "/api/v1/attachments/{id}", Auth::User, "Download an attachment", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(attachment, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getAttachment(ctx.actor().tenant_id, core::AttachmentId{id}); }));
    if (attachment.message_id.valid()) {
      PARLEY_TRY(message, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getMessage(ctx.actor().tenant_id, attachment.message_id); }));
      // A file of a conversation the caller may not see is "not found" in the same words as one
      // that does not exist: the answer never tells that the id is taken.
      if (auto view = deps.desk.viewConversation(ctx.actor(), message.conversation_id); !view) {
        if (view.error().code == ErrorCode::NotFound) return errorResponse(404, "not_found", "attachment not found");
        return errorResponse(view.error());
      }
    } else if (attachment.uploaded_by != ctx.actor().user_id) {
      // Not sent yet: it is the uploader's draft, nobody else's business.
      return errorResponse(404, "not_found", "attachment not found");
    }
    if (attachment.state == core::AttachmentState::Pending) {
      return errorResponse(409, "pending", "the file is still being fetched from the provider; try again shortly");
    }
    if (attachment.state == core::AttachmentState::Failed && attachment.error == core::kUnsentByCustomer) {
      return errorResponse(410, "unsent", "the customer unsent this file");
    }
    if (attachment.state == core::AttachmentState::Failed) {
      return errorResponse(409, "fetch_failed", "the file could not be fetched from the provider: " + attachment.error);
    }
    return storedFileResponse(deps, attachment, 3600);
  });
}

}  // namespace parley::http
