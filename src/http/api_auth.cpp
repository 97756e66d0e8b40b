// Login, logout, the current user, API tokens; dispatch() and the OpenAPI document.
#include <boost/json.hpp>

#include "http/api.hpp"
#include "http/api_routing.hpp"
#include "app/crypto.hpp"
#include "http/json.hpp"
#include "http/openapi_bodies.hpp"
#include "http/staffing_api.hpp"

namespace parley::http {

using core::ErrorCode;
using core::makeError;

namespace {

std::string cookieValue(const std::string& header, const std::string& name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    auto part = header.substr(pos, end - pos);
    auto b = part.find_first_not_of(' ');
    if (b != std::string::npos) part = part.substr(b);
    if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 && part[name.size()] == '=') {
      return part.substr(name.size() + 1);
    }
    pos = end + 1;
  }
  return {};
}

json::object principalJson(const app::Principal& p) {
  json::object user = toJson(p.user);
  json::array teams;
  for (auto t : p.actor.team_ids) teams.push_back(t.value);
  user["team_ids"] = teams;
  return user;
}

}  // namespace

void addAuthRoutes(Router& router, ApiDeps& deps) {
  router.add("POST", "/api/v1/auth/login", Auth::None, "Log in with e-mail and password; returns a token and sets a session cookie",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_TRY(email, reqString(body, "email", 320));
               PARLEY_TRY(password, reqString(body, "password", 1024));
               auto login_result = deps.auth.login(email, password, ctx.request.remote_address);
               if (!login_result) {
                 Response refused = errorResponse(login_result.error());
                 if (login_result.error().code == ErrorCode::RateLimited) {
                   refused.headers.emplace_back(
                       "Retry-After", std::to_string(deps.auth.loginRetryAfterSeconds(email, ctx.request.remote_address)));
                 }
                 return refused;
               }
               auto& login = *login_result;
               json::object out{{"token", login.token},
                                {"csrf_token", login.principal.csrf_token},
                                {"expires_at", isoTime(login.expires_at)},
                                {"user", principalJson(login.principal)}};
               Response r = jsonResponse(200, out);
               const auto max_age = (login.expires_at - deps.clock.now()) / 1000;
               r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + login.token +
                                                        "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                                        std::to_string(max_age) + (deps.secure_cookies ? "; Secure" : ""));
               return r;
             });
  router.add("POST", "/api/v1/auth/logout", Auth::User, "End the current session", [&deps](Context& ctx) -> Response {
    std::string token = ctx.request.header("authorization");
    token = token.rfind("Bearer ", 0) == 0 ? token.substr(7) : cookieValue(ctx.request.header("cookie"), kSessionCookie);
    PARLEY_CHECK(deps.auth.logout(token));
    // Gone from the desk: routing must not offer them work, the web chat must not count them.
    (void)deps.desk.setAvailability(ctx.actor(), core::Availability::Offline);
    Response r = jsonResponse(200, json::object{{"ok", true}});
    r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return r;
  });
  router.add("GET", "/api/v1/auth/me", Auth::User, "The current user with team ids and CSRF token", [](Context& ctx) -> Response {
    json::object out = principalJson(*ctx.principal);
    out["csrf_token"] = ctx.principal->csrf_token;
    return jsonResponse(200, out);
  });

  router.add("PUT", "/api/v1/auth/me/availability", Auth::User,
             "Set your status: {\"availability\": \"available\"|\"away\"|\"offline\"}; routing offers work to available agents",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"availability"}));
               PARLEY_TRY(text, reqString(body, "availability", 20));
               auto availability = core::parseAvailability(text);
               if (!availability) {
                 return errorResponse(400, "invalid_input", "availability: must be available, away or offline");
               }
               PARLEY_TRY(user, deps.desk.setAvailability(ctx.actor(), *availability));
               return jsonResponse(200, toJson(user));
             });
  router.add("GET", "/api/v1/api_tokens", Auth::User, "List your API tokens", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(tokens, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.listApiTokens(ctx.actor().tenant_id, ctx.actor().user_id); }));
    json::array out;
    for (const auto& t : tokens) out.push_back(toJson(t));
    return jsonResponse(200, json::object{{"data", out}});
  });
  router.add("POST", "/api/v1/api_tokens", Auth::User, "Create an API token (the token is shown once)",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"name"}));
               PARLEY_TRY(name, reqString(body, "name", 200));
               PARLEY_TRY(created, deps.auth.createApiToken(ctx.actor(), name));
               json::object out = toJson(created.token);
               out["token"] = created.secret;
               return jsonResponse(201, out);
             });
  router.add("DELETE", "/api/v1/api_tokens/{id}", Auth::User, "Revoke one of your API tokens", [&deps](Context& ctx) -> Response {
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_CHECK(deps.store.write([&](app::StoreTx& tx) {
      return tx.revokeApiToken(ctx.actor().tenant_id, ctx.actor().user_id, core::ApiTokenId{id});
    }));
    return jsonResponse(200, json::object{{"ok", true}});
  });
}

void addAllRoutes(Router& router, ApiDeps& deps) {
  addAuthRoutes(router, deps);
  addAdminRoutes(router, deps);
  addDeskRoutes(router, deps);
  addApiChannelRoutes(router, deps);
  addWhatsAppRoutes(router, deps);
  addMessengerRoutes(router, deps);
  addXRoutes(router, deps);
  addTelegramRoutes(router, deps);
  addEmailRoutes(router, deps);
  addTwilioRoutes(router, deps);
  addStaffingRoutes(router);
  addWidgetRoutes(router, deps);
  addRoutingRoutes(router, deps);
}

Response dispatch(const Router& router, ApiDeps& deps, const Request& request, std::string& route_pattern) {
  std::map<std::string, std::string> params;
  bool method_mismatch = false;
  const Route* route = router.match(request.method, request.path, params, method_mismatch);
  if (!route) {
    route_pattern = "unmatched";
    if (method_mismatch) {
      Response refused = errorResponse(405, "method_not_allowed", request.method + " is not allowed on " + request.path);
      refused.headers.emplace_back("Allow", router.allowedMethods(request.path));  // RFC 9110 15.5.6: required
      return refused;
    }
    return errorResponse(404, "not_found", "no such endpoint: " + request.path);
  }
  route_pattern = route->pattern;
  Context ctx{request, std::move(params), std::nullopt};
  try {
    if (route->auth == Auth::User) {
      std::string token;
      bool via_cookie = false;
      const std::string authorization = request.header("authorization");
      if (!authorization.empty()) {
        if (authorization.rfind("Bearer ", 0) != 0) {
          return errorResponse(401, "unauthorized", "use Authorization: Bearer <token>");
        }
        token = authorization.substr(7);
      } else {
        token = cookieValue(request.header("cookie"), kSessionCookie);
        via_cookie = !token.empty();
      }
      if (token.empty()) return errorResponse(401, "unauthorized", "log in first or send a bearer token");
      auto principal = deps.auth.authenticateToken(token);
      if (!principal) return errorResponse(principal.error());
      // Browsers send cookies on cross-site requests; the CSRF token proves the page is ours.
      if (via_cookie && request.method != "GET" && request.method != "HEAD") {
        const std::string csrf = request.header("x-csrf-token");
        if (csrf.empty() || !app::constantTimeEqual(csrf, principal->csrf_token)) {
          return errorResponse(403, "csrf", "missing or wrong X-CSRF-Token header for a cookie session");
        }
      }
      ctx.principal = std::move(*principal);
    }
    return route->handler(ctx);
  } catch (const std::exception& e) {
    return errorResponse(500, "internal", std::string("internal error; request id ") + request.request_id);
  }
}

namespace {

// openapi_bodies.json, parsed once.
const json::object& openApiBodies() {
  static const json::object bodies = json::parse(kOpenApiBodies).as_object();
  return bodies;
}

json::object schemaRef(std::string_view name) {
  return json::object{{"$ref", "#/components/schemas/" + std::string(name)}};
}

// A JSON body of the named schema.
json::object jsonContent(std::string_view schema) {
  return json::object{{"application/json", json::object{{"schema", schemaRef(schema)}}}};
}

const char* statusDescription(std::string_view status) {
  if (status == "201") return "Created";
  if (status == "204") return "No Content";
  return "OK";
}

}  // namespace

std::string openApiDocument(const Router& router) {
  const json::object& bodies = openApiBodies();
  const json::object& operations = bodies.at("operations").as_object();
  json::object paths;
  for (const auto& route : router.routes()) {
    std::string lower = route.method;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::array parameters;
    for (const auto& seg : route.segments) {
      if (seg.size() > 2 && seg.front() == '{') {
        // Ids ("{id}", "{inbox_id}") are positive integers; tokens and labels are text.
        const std::string name = seg.substr(1, seg.size() - 2);
        const bool id = name == "id" || (name.size() > 3 && name.compare(name.size() - 3, 3, "_id") == 0);
        parameters.push_back(json::object{{"name", name},
                                          {"in", "path"},
                                          {"required", true},
                                          {"schema", id ? json::object{{"type", "integer"}, {"minimum", 1}}
                                                        : json::object{{"type", "string"}}}});
      }
    }
    // The request body and the 2xx answers with their schemas, where openapi_bodies.json has the
    // operation; a plain "OK" (and "Created" for a POST) where it has not.
    const auto* bodies_of = operations.if_contains(route.method + " " + route.pattern);
    // Its query parameters: {"name": {"description", "schema", "required"}} in the same file.
    if (const auto* query = bodies_of ? bodies_of->as_object().if_contains("query") : nullptr) {
      for (const auto& [name, spec] : query->as_object()) {
        const auto& o = spec.as_object();
        json::object parameter{{"name", name},
                               {"in", "query"},
                               {"required", o.contains("required") && o.at("required").as_bool()},
                               {"description", o.at("description")},
                               {"schema", o.contains("schema") ? o.at("schema") : json::value(json::object{{"type", "string"}})}};
        parameters.push_back(std::move(parameter));
      }
    }
    json::object responses;
    json::object request_body;
    if (bodies_of) {
      for (const auto& [status, body] : bodies_of->as_object().at("responses").as_object()) {
        if (body.is_object()) {
          responses[status] = body;
          continue;
        }
        json::object answer{{"description", statusDescription(status)}};
        if (body.is_string()) answer["content"] = jsonContent(body.as_string());
        responses[status] = std::move(answer);
      }
      if (const auto* request = bodies_of->as_object().if_contains("request")) {
        request_body = request->is_object() ? request->as_object()
                                            : json::object{{"required", true}, {"content", jsonContent(request->as_string())}};
      }
    } else {
      responses["200"] = json::object{{"description", "OK"}};
      if (route.method == "POST") responses["201"] = json::object{{"description", "Created"}};
    }
    responses["400"] = json::object{{"$ref", "#/components/responses/Error"}};
    responses["404"] = json::object{{"$ref", "#/components/responses/Error"}};
    // The statuses an integrator must handle (docs/API.md, Errors), as far as the route table
    // tells them: a body can be too large or not JSON, a write can conflict, a signed webhook,
    // a login or a web chat visitor can be refused, and the database can be unavailable anywhere.
    auto error = [&](const char* status) { responses[status] = json::object{{"$ref", "#/components/responses/Error"}}; };
    const bool has_body = route.method == "POST" || route.method == "PATCH" || route.method == "PUT";
    if (route.auth == Auth::User) {
      error("401");
      error("403");
    }
    if (has_body) {
      error("413");
      error("415");
    }
    if (route.auth == Auth::User && route.method != "GET") error("409");
    if (route.pattern.rfind("/webhooks/", 0) == 0) error("401");
    if (route.pattern.rfind("/widget/", 0) == 0) {  // the visitor's token, the page's origin, the rate limits
      error("401");
      error("403");
      error("429");
    }
    if (route.pattern == "/api/v1/auth/login") {
      error("401");
      error("429");
    }
    error("503");
    if (bodies_of) {  // what only this route answers, e.g. 409 for a file still being fetched
      if (const auto* more = bodies_of->as_object().if_contains("errors")) {
        for (const auto& status : more->as_array()) error(status.as_string().c_str());
      }
    }
    json::object op{{"summary", route.summary}, {"tags", json::array{json::value(route.tag)}}, {"responses", responses}};
    if (!request_body.empty()) op["requestBody"] = std::move(request_body);
    if (!parameters.empty()) op["parameters"] = parameters;
    if (route.auth == Auth::None) op["security"] = json::array{};
    auto& item = paths[route.pattern];
    if (!item.is_object()) item = json::object{};
    item.as_object()[lower] = op;
  }
  // What the server answers itself, outside the route table (server.cpp): the event stream and
  // the operations endpoints.
  auto plain = [](const char* summary, const char* tag, json::object responses) {
    return json::object{{"summary", summary}, {"tags", json::array{json::value(tag)}}, {"responses", std::move(responses)}};
  };
  auto query = [](const char* name, const char* description) {
    return json::object{{"name", name}, {"in", "query"}, {"required", false}, {"description", description},
                        {"schema", json::object{{"type", "string"}}}};
  };
  const json::object error_ref{{"$ref", "#/components/responses/Error"}};
  json::object stream = plain(
      "WebSocket of JSON events (message.created, message.updated, conversation.created, conversation.updated, "
      "contact.updated, ...) for what the caller may see; reconnect with last_event_id to have missed events replayed",
      "events",
      json::object{{"101", json::object{{"description", "Switching Protocols: the WebSocket; one JSON event per text frame"}}},
                   {"400", error_ref},
                   {"401", error_ref},
                   {"426", error_ref}});
  stream["parameters"] = json::array{query("token", "an API token or session token, when no Authorization header or cookie is sent"),
                                     query("last_event_id", "the id of the last event received: the missed ones are replayed")};
  paths["/api/v1/stream"] = json::object{{"get", stream}};
  json::object visitor_stream = plain(
      "The web-chat visitor's WebSocket (docs/channels/WEBCHAT.md): notices of new and changed messages and agent typing in the visitor's "
      "conversations, one JSON event per text frame, from a site the inbox allows; no replay (the widget reads what it "
      "missed through the widget API)",
      "widget",
      json::object{{"101", json::object{{"description", "Switching Protocols: the WebSocket; first frame {\"type\":\"hello\"}"}}},
                   {"401", error_ref},
                   {"403", error_ref},
                   {"404", error_ref},
                   {"426", error_ref},
                   {"503", error_ref}});
  visitor_stream["security"] = json::array{};
  visitor_stream["parameters"] = json::array{
      json::object{{"name", "id"}, {"in", "path"}, {"required", true}, {"description", "the web-chat inbox"},
                   {"schema", json::object{{"type", "integer"}}}},
      query("token", "the visitor token from POST /widget/v1/inboxes/{id}/session")};
  paths["/widget/v1/inboxes/{id}/stream"] = json::object{{"get", visitor_stream}};
  const json::object health_content = jsonContent("HealthStatus");
  json::object healthz = plain("Liveness: the process answers", "operations",
                               json::object{{"200", json::object{{"description", "OK"}, {"content", health_content}}}});
  healthz["security"] = json::array{};
  paths["/healthz"] = json::object{{"get", healthz}};
  json::object readyz = plain("Readiness: the database is reachable and the server is not draining", "operations",
                              json::object{{"200", json::object{{"description", "Ready"}, {"content", health_content}}}, {"503", error_ref}});
  readyz["security"] = json::array{};
  paths["/readyz"] = json::object{{"get", readyz}};
  json::object metrics_op = plain(
      "Prometheus text exposition: requests by route and status, latency histograms, messages in/out, outbox depth, "
      "WebSocket connections",
      "operations",
      json::object{{"200", json::object{{"description", "OK"},
                                        {"content", json::object{{"text/plain", json::object{{"schema", json::object{{"type", "string"}}}}}}}}}});
  metrics_op["security"] = json::array{};
  paths["/metrics"] = json::object{{"get", metrics_op}};

  json::object doc{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", "Parley API"}, {"version", "1"}}},
      {"paths", paths},
      {"webhooks", bodies.at("webhooks")},
      {"security", json::array{json::object{{"bearer", json::array{}}}, json::object{{"cookie", json::array{}}}}},
      {"components",
       json::object{{"securitySchemes",
                     json::object{{"bearer", json::object{{"type", "http"}, {"scheme", "bearer"}}},
                                  {"cookie", json::object{{"type", "apiKey"}, {"in", "cookie"}, {"name", kSessionCookie}}}}},
                    {"schemas", bodies.at("schemas")},
                    {"responses",
                     json::object{{"Error", json::object{{"description", "Error"},
                                                         {"content", json::object{{"application/json",
                                                                                   json::object{{"schema", json::object{{"$ref", "#/components/schemas/Error"}}}}}}}}}}}}}};
  return json::serialize(doc);
}

}  // namespace parley::http
