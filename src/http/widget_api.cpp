#include "http/widget_api.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "channels/webchat/visitor_service.hpp"
#include "http/file_links.hpp"
#include "http/json.hpp"

namespace parley::http {

using channels::webchat::VisitorService;
using channels::webchat::VisitorToken;
using channels::webchat::WidgetInbox;
using core::ErrorCode;

namespace {

constexpr std::size_t kMaxJsonBody = 64 * 1024;
constexpr const char* kBase = "/widget/v1/inboxes/{inbox_id}";

std::string route(const char* suffix) { return std::string(kBase) + suffix; }

void addCors(Response& r, const std::string& origin) {
  if (origin.empty()) return;
  r.headers.emplace_back("Access-Control-Allow-Origin", origin);
  r.headers.emplace_back("Vary", "Origin");
  r.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
}

json::value localized(const channels::webchat::LocalizedText& t) {
  return json::object{{"de", t.de}, {"en", t.en}};
}

json::object messageJson(VisitorService& service, const WidgetInbox& inbox, const channels::webchat::VisitorMessage& v) {
  const auto& m = v.message;
  const bool agent = m.direction == core::MessageDirection::Outgoing;
  json::array files;
  for (const auto& a : v.attachments) {
    json::object f{{"id", a.id.value}, {"filename", a.filename}, {"content_type", a.content_type}, {"size", a.size}};
    f["url"] = a.state == core::AttachmentState::Stored
                   ? json::value("/widget/v1/inboxes/" + std::to_string(inbox.inbox.id.value) + "/files/" +
                                 std::to_string(a.id.value) + "?" + service.fileQuery(inbox, a.id))
                   : json::value(nullptr);
    files.push_back(std::move(f));
  }
  json::object o{{"id", m.id.value},
                 {"conversation_id", m.conversation_id.value},
                 {"from", agent ? "agent" : "visitor"},
                 {"text", m.text},
                 {"created_at", isoTime(m.created_at)},
                 {"attachments", std::move(files)}};
  if (agent) {
    o["agent_name"] = v.agent_name;
    o["read"] = m.delivery_status == core::DeliveryStatus::Read;
  }
  return o;
}

struct WidgetCall {
  WidgetInbox inbox;
  std::optional<VisitorToken> visitor;
};

// What every widget route shares: the service, the inbox, the origin, the visitor's token;
// the answer (errors too) gets the CORS headers of an allowed origin.
// Refusals before the origin is known to be allowed also carry CORS headers: they hold no data,
// and only so can the widget read them (a wrong inbox id, a site not allowed: it gives up and
// says why in the console) instead of seeing a network error, which it would retry.
template <class F>
Response widget(ApiDeps& deps, Context& ctx, bool needs_visitor, F&& handle) {
  const std::string origin = ctx.request.header("origin");
  const auto refuse = [&origin](Response r) {
    addCors(r, origin);
    return r;
  };
  if (!deps.webchat) return refuse(errorResponse(503, "unavailable", "the web chat is not set up on this server"));
  auto id = ctx.idParam("inbox_id");
  if (!id) return refuse(errorResponse(404, "not_found", "no such web-chat inbox"));
  auto inbox = deps.webchat->inbox(core::InboxId{*id});
  if (!inbox) return refuse(errorResponse(inbox.error()));
  if (!VisitorService::allowsOrigin(*inbox, origin)) {
    return refuse(errorResponse(403, "forbidden", "this site (" + origin.substr(0, 200) + ") may not use the chat of this inbox"));
  }
  WidgetCall call{std::move(*inbox), std::nullopt};
  Response r;
  if (needs_visitor) {
    const std::string authorization = ctx.request.header("authorization");
    std::string token = authorization.rfind("Bearer ", 0) == 0 ? authorization.substr(7) : std::string();
    auto visitor = token.empty() ? core::Result<VisitorToken>(core::makeError(ErrorCode::Unauthorized, "send the visitor token as Authorization: Bearer <token>"))
                                 : deps.webchat->authenticate(call.inbox, token);
    if (!visitor) {
      r = errorResponse(visitor.error());
      addCors(r, origin);
      return r;
    }
    call.visitor = std::move(*visitor);
  }
  r = handle(call);
  r.headers.emplace_back("Cache-Control", "no-store");
  addCors(r, origin);
  return r;
}

// A visitor's JSON call, within the widget's JSON limit (a file upload is a raw body with the
// inbox's upload limit instead, whatever its type).
core::Result<json::object> visitorJson(const Request& request) {
  if (request.body.size() > kMaxJsonBody) {
    return core::makeError(ErrorCode::TooLarge, "the body is larger than " + std::to_string(kMaxJsonBody) + " bytes");
  }
  return parseJsonObject(request);
}

core::Result<std::string> stringField(const json::object& o, const char* key, std::size_t max) {
  auto v = optString(o, key, max);
  if (!v) return v.error();
  return v->value_or("");
}

}  // namespace

json::object toJson(const app::TypingNotice& n) {
  return json::object{{"conversation_id", n.conversation_id.value},
                      {"inbox_id", n.inbox_id.value},
                      {"typing", n.typing},
                      {"side", n.user_id.valid() ? "agent" : "customer"},
                      {"user_id", n.user_id.valid() ? json::value(n.user_id.value) : json::value(nullptr)},
                      {"contact_id", n.contact_id.valid() ? json::value(n.contact_id.value) : json::value(nullptr)},
                      {"name", n.name}};
}

void addWidgetRoutes(Router& router, ApiDeps& deps) {
  // ---- the desk side ---------------------------------------------------------------------------
  router.add("POST", "/api/v1/conversations/{id}/typing", Auth::User,
             "Tell the customer (web chat) and the other desks that you are typing: {\"typing\": true|false}",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"typing"}));
               PARLEY_TRY(typing, optBool(body, "typing"));
               if (!typing) return errorResponse(400, "invalid_input", "typing: required, true or false");
               PARLEY_CHECK(deps.desk.agentTyping(ctx.actor(), core::ConversationId{id}, *typing));
               return jsonResponse(200, json::object{{"ok", true}});
             });

  // ---- CORS preflights -------------------------------------------------------------------------
  for (const char* suffix : {"/config", "/session", "/messages", "/files", "/typing", "/read"}) {
    router.add("OPTIONS", route(suffix), Auth::None, "CORS preflight of the widget API (allowed_origins only)",
               [&deps](Context& ctx) -> Response {
                 return widget(deps, ctx, false, [](WidgetCall&) {
                   Response r{204, "", "text/plain", {}};
                   r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
                   r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
                   r.headers.emplace_back("Access-Control-Max-Age", "600");
                   return r;
                 });
               });
  }

  // ---- the widget ------------------------------------------------------------------------------
  router.add("GET", route("/config"), Auth::None,
             "Web chat: the inbox's widget settings (colour, greeting, pre-chat form) and whether someone is online",
             [&deps](Context& ctx) -> Response {
               return widget(deps, ctx, false, [&](WidgetCall& call) -> Response {
                 const auto& c = call.inbox.config;
                 PARLEY_TRY(presence, deps.webchat->presence(call.inbox));
                 const auto max_upload = std::min<std::int64_t>(deps.webchat->limits().max_upload_bytes, deps.attachments.maxBytes());
                 return jsonResponse(200, json::object{
                     {"inbox_id", call.inbox.inbox.id.value},
                     {"name", call.inbox.inbox.name},
                     {"color", c.color},
                     {"greeting", localized(c.greeting)},
                     {"offline_message", localized(c.offline_message)},
                     {"prechat", json::object{{"enabled", c.prechat_enabled}, {"require_email", c.prechat_require_email}}},
                     {"online", presence.online()},
                     {"within_hours", presence.within_hours},
                     {"agents_available", presence.agents_available},
                     {"next_opening_at", isoOrNull(presence.next_opening_at)},
                     {"max_upload_bytes", max_upload},
                     {"max_text_bytes", deps.webchat->limits().max_text_bytes}});
               });
             });

  router.add("POST", route("/session"), Auth::None,
             "Web chat: start or resume a visitor session: {\"token\", \"user\": {id, email, name, phone}, \"user_hash\", "
             "\"name\", \"email\"} -> {\"token\", \"visitor\"}",
             [&deps](Context& ctx) -> Response {
               return widget(deps, ctx, false, [&](WidgetCall& call) -> Response {
                 PARLEY_TRY(body, visitorJson(ctx.request));
                 PARLEY_CHECK(rejectUnknownKeys(body, {"token", "user", "user_hash", "name", "email"}));
                 channels::webchat::SessionRequest request;
                 PARLEY_TRY(token, stringField(body, "token", channels::webchat::kMaxTokenBytes));
                 PARLEY_TRY(hash, stringField(body, "user_hash", 128));
                 PARLEY_TRY(name, optString(body, "name", core::kMaxClaimName));
                 PARLEY_TRY(email, optString(body, "email", core::kMaxClaimEmail));
                 request.token = token;
                 request.user_hash = hash;
                 request.name = name;
                 request.email = email;
                 if (auto it = body.find("user"); it != body.end() && !it->value().is_null()) {
                   if (!it->value().is_object()) return errorResponse(400, "invalid_input", "user: must be an object {id, email, name, phone}");
                   const auto& u = it->value().get_object();
                   PARLEY_CHECK(rejectUnknownKeys(u, {"id", "email", "name", "phone"}));
                   core::VisitorClaims claims;
                   // The site's user id may be a number; it is signed as the text it is.
                   if (auto id = u.find("id"); id != u.end() && id->value().is_int64()) {
                     claims.user_id = std::to_string(id->value().get_int64());
                   } else {
                     PARLEY_TRY(user_id, stringField(u, "id", core::kMaxClaimUserId));
                     claims.user_id = user_id;
                   }
                   PARLEY_TRY(user_email, stringField(u, "email", core::kMaxClaimEmail));
                   PARLEY_TRY(user_name, stringField(u, "name", core::kMaxClaimName));
                   PARLEY_TRY(user_phone, stringField(u, "phone", core::kMaxClaimPhone));
                   claims.email = user_email;
                   claims.name = user_name;
                   claims.phone = user_phone;
                   request.user = std::move(claims);
                 }
                 auto session = deps.webchat->startSession(call.inbox, request, ctx.request.remote_address);
                 if (!session && session.error().code == ErrorCode::Unauthorized) {
                   return errorResponse(401, "bad_signature", session.error().message);
                 }
                 if (!session) return errorResponse(session.error());
                 const auto& v = session->visitor;
                 return jsonResponse(200, json::object{
                     {"token", session->token},
                     {"visitor", json::object{{"name", v.claims.name}, {"email", v.claims.email}, {"verified", v.verified}}}});
               });
             });

  router.add("GET", route("/messages"), Auth::None,
             "Web chat: the visitor's messages, oldest first, after the id `after` (visitor token as Bearer)",
             [&deps](Context& ctx) -> Response {
               return widget(deps, ctx, true, [&](WidgetCall& call) -> Response {
                 std::int64_t after = 0, limit = 100;
                 try {
                   if (auto a = ctx.request.param("after"); a && !a->empty()) after = std::stoll(*a);
                   if (auto l = ctx.request.param("limit"); l && !l->empty()) limit = std::stoll(*l);
                 } catch (const std::exception&) {
                   return errorResponse(400, "invalid_input", "after, limit: must be numbers");
                 }
                 if (after < 0 || limit < 1 || limit > 200) return errorResponse(400, "invalid_input", "after >= 0, limit 1-200");
                 PARLEY_TRY(page, deps.webchat->messages(call.inbox, *call.visitor, core::MessageId{after}, static_cast<int>(limit)));
                 json::array data;
                 for (const auto& m : page.messages) data.push_back(messageJson(*deps.webchat, call.inbox, m));
                 return jsonResponse(200, json::object{{"data", std::move(data)}, {"more", page.more}});
               });
             });

  router.add("POST", route("/messages"), Auth::None,
             "Web chat: the visitor writes {\"text\", \"client_id\"} (400 email_required when an e-mail address is needed first)",
             [&deps](Context& ctx) -> Response {
               return widget(deps, ctx, true, [&](WidgetCall& call) -> Response {
                 PARLEY_TRY(body, visitorJson(ctx.request));
                 PARLEY_CHECK(rejectUnknownKeys(body, {"text", "client_id"}));
                 PARLEY_TRY(text, stringField(body, "text", 65536));
                 PARLEY_TRY(client_id, stringField(body, "client_id", 64));
                 PARLEY_TRY(needs_email, deps.webchat->needsEmail(call.inbox, *call.visitor));
                 if (needs_email) return errorResponse(400, "email_required", "leave an e-mail address first: nobody can answer right now");
                 PARLEY_TRY(message, deps.webchat->post(call.inbox, *call.visitor, text, client_id));
                 return jsonResponse(201, messageJson(*deps.webchat, call.inbox, message));
               });
             });

  router.add("POST", route("/files"), Auth::None,
             "Web chat: the visitor sends a file as the raw body (?filename=&client_id=)",
             [&deps](Context& ctx) -> Response {
               return widget(deps, ctx, true, [&](WidgetCall& call) -> Response {
                 const std::string filename = ctx.request.param("filename").value_or("file");
                 const std::string client_id = ctx.request.param("client_id").value_or("");
                 if (filename.size() > 255) return errorResponse(400, "invalid_input", "filename: at most 255 bytes");
                 PARLEY_TRY(needs_email, deps.webchat->needsEmail(call.inbox, *call.visitor));
                 if (needs_email) return errorResponse(400, "email_required", "leave an e-mail address first: nobody can answer right now");
                 PARLEY_TRY(message, deps.webchat->upload(call.inbox, *call.visitor, ctx.request.body, filename, client_id));
                 deps.wake_media_fetcher();
                 return jsonResponse(201, messageJson(*deps.webchat, call.inbox, message));
               });
             });

  router.add("GET", route("/files/{attachment_id}"), Auth::None,
             "Web chat: download a file of the conversation through its signed link (exp, sig)",
             [&deps](Context& ctx) -> Response {
               if (!deps.webchat) return errorResponse(503, "unavailable", "the web chat is not set up on this server");
               auto id = ctx.idParam("inbox_id");
               auto attachment_id = ctx.idParam("attachment_id");
               if (!id || !attachment_id) return errorResponse(404, "not_found", "no such file");
               PARLEY_TRY(inbox, deps.webchat->inbox(core::InboxId{*id}));
               core::TimestampMs expires = 0;
               try {
                 expires = std::stoll(ctx.request.param("exp").value_or("0"));
               } catch (const std::exception&) {
                 expires = 0;
               }
               PARLEY_TRY(file, deps.webchat->signedFile(inbox, core::AttachmentId{*attachment_id}, expires,
                                                         ctx.request.param("sig").value_or("")));
               Response r = storedFileResponse(deps, file, 3600);
               r.headers.emplace_back("Referrer-Policy", "no-referrer");
               return r;
             });

  router.add("POST", route("/typing"), Auth::None, "Web chat: the visitor is typing {\"typing\": true|false}",
             [&deps](Context& ctx) -> Response {
               return widget(deps, ctx, true, [&](WidgetCall& call) -> Response {
                 PARLEY_TRY(body, visitorJson(ctx.request));
                 PARLEY_CHECK(rejectUnknownKeys(body, {"typing"}));
                 PARLEY_TRY(typing, optBool(body, "typing"));
                 if (!typing) return errorResponse(400, "invalid_input", "typing: required, true or false");
                 PARLEY_CHECK(deps.webchat->typing(call.inbox, *call.visitor, *typing));
                 return jsonResponse(200, json::object{{"ok", true}});
               });
             });

  router.add("POST", route("/read"), Auth::None,
             "Web chat: the visitor has read these agent messages {\"message_ids\": [...]} (read receipts)",
             [&deps](Context& ctx) -> Response {
               return widget(deps, ctx, true, [&](WidgetCall& call) -> Response {
                 PARLEY_TRY(body, visitorJson(ctx.request));
                 PARLEY_CHECK(rejectUnknownKeys(body, {"message_ids"}));
                 PARLEY_TRY(raw, optIdArray(body, "message_ids", 100));
                 if (!raw) return errorResponse(400, "invalid_input", "message_ids: required, a list of message ids");
                 std::vector<core::MessageId> ids;
                 for (auto i : *raw) ids.push_back(core::MessageId{i});
                 PARLEY_TRY(changed, deps.webchat->markRead(call.inbox, *call.visitor, ids));
                 return jsonResponse(200, json::object{{"updated", changed}});
               });
             });
}

}  // namespace parley::http
