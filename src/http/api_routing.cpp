// The routing API (docs/ROUTING.md). Role checks and validation live in app/routing_service;
// this file maps requests and answers.
#include "http/api_routing.hpp"

#include "app/routing_service.hpp"
#include "http/api.hpp"
#include "http/json.hpp"

namespace parley::http {

using core::ErrorCode;
using core::makeError;

namespace {

Response rawJson(int status, std::string body) { return Response{status, std::move(body), "application/json", {}}; }

Response noRouting() { return errorResponse(503, "unavailable", "routing is not running"); }

json::object skillJson(const app::RoutingSkill& s) { return {{"id", s.id.value}, {"name", s.name}}; }

json::value queueJson(const app::QueueView& q) { return json::parse(app::queueSettingsJson(q.settings, q.id)); }

json::object ruleJson(const app::RoutingRule& r) {
  return {{"id", r.id},
          {"position", r.position},
          {"inbox_id", r.inbox_id.valid() ? json::value(r.inbox_id.value) : json::value(nullptr)},
          {"label", r.label.empty() ? json::value(nullptr) : json::value(r.label)},
          {"language", r.language.empty() ? json::value(nullptr) : json::value(r.language)},
          {"channel", r.channel ? json::value(core::toString(*r.channel)) : json::value(nullptr)},
          {"queue_id", r.queue_id.value},
          {"priority", r.priority}};
}

json::object rulesJson(const std::vector<app::RoutingRule>& rules) {
  json::array a;
  for (const auto& r : rules) a.push_back(ruleJson(r));
  return {{"rules", a}};
}

// The body must be a JSON object (415 / 400 otherwise); the routing codec reads its text.
core::Status requireJsonObject(const Request& request) {
  auto body = parseJsonObject(request);
  if (!body) return body.error();
  return {};
}

Response offerGone(const core::Error& e) {
  if (e.code == ErrorCode::Conflict) return errorResponse(409, "offer_gone", "this offer was taken, withdrawn or has expired");
  return errorResponse(e);
}

}  // namespace

json::object toJson(const app::RoutingOffer& o) {
  return {{"conversation_id", o.conversation_id.value},
          {"queue_id", o.queue_id},
          {"queue_name", o.queue_name},
          {"expires_at", isoOrNull(o.expires_at)},
          {"offered_at", isoOrNull(o.offered_at)},
          {"channel", core::toString(o.channel)},
          {"contact_name", o.contact_name},
          {"preview", o.preview}};
}

json::object toJson(const app::RoutingOfferRevoked& r) {
  return {{"conversation_id", r.conversation_id.value}, {"reason", r.reason}};
}

json::object toJson(const app::QueueStatsNotice& s) {
  boost::system::error_code ec;
  auto v = json::parse(s.json, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

void addRoutingRoutes(Router& router, ApiDeps& deps) {
  // ---- skills -----------------------------------------------------------------------------------
  router.add("GET", "/api/v1/skills", Auth::User, "List the routing skills (supervisor, admin)", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    PARLEY_TRY(skills, deps.routing->skills(ctx.actor()));
    json::array a;
    for (const auto& s : skills) a.push_back(skillJson(s));
    return jsonResponse(200, json::object{{"skills", a}});
  });
  router.add("POST", "/api/v1/skills", Auth::User, "Create a routing skill (admin)", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    PARLEY_TRY(body, parseJsonObject(ctx.request));
    PARLEY_CHECK(rejectUnknownKeys(body, {"name"}));
    PARLEY_TRY(name, reqString(body, "name", 100));
    PARLEY_TRY(skill, deps.routing->createSkill(ctx.actor(), name));
    return jsonResponse(201, skillJson(skill));
  });
  router.add("PATCH", "/api/v1/skills/{id}", Auth::User, "Rename a routing skill (admin)", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(body, parseJsonObject(ctx.request));
    PARLEY_CHECK(rejectUnknownKeys(body, {"name"}));
    PARLEY_TRY(name, reqString(body, "name", 100));
    PARLEY_TRY(skill, deps.routing->renameSkill(ctx.actor(), core::routing::SkillId{id}, name));
    return jsonResponse(200, skillJson(skill));
  });
  router.add("DELETE", "/api/v1/skills/{id}", Auth::User, "Delete a routing skill, also from agents and queues (admin)",
             [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_CHECK(deps.routing->deleteSkill(ctx.actor(), core::routing::SkillId{id}));
               return Response{204, "", "application/json", {}};
             });

  // ---- queues (stats first: "/queues/stats" is not a queue id) ------------------------------------------
  router.add("GET", "/api/v1/queues/stats", Auth::User, "Live figures of every queue (supervisor, admin)",
             [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_TRY(body, deps.routing->statsJson(ctx.actor()));
               return rawJson(200, body);
             });
  router.add("GET", "/api/v1/queues", Auth::User, "List the routing queues", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    PARLEY_TRY(queues, deps.routing->queues(ctx.actor()));
    json::array a;
    for (const auto& q : queues) a.push_back(queueJson(q));
    return jsonResponse(200, json::object{{"queues", a}});
  });
  router.add("POST", "/api/v1/queues", Auth::User, "Create a routing queue (admin)", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    PARLEY_CHECK(requireJsonObject(ctx.request));
    PARLEY_TRY(queue, deps.routing->createQueue(ctx.actor(), ctx.request.body));
    return jsonResponse(201, queueJson(queue));
  });
  router.add("GET", "/api/v1/queues/{id}", Auth::User, "One routing queue (supervisor, admin)", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_TRY(queue, deps.routing->queue(ctx.actor(), core::routing::QueueId{id}));
    return jsonResponse(200, queueJson(queue));
  });
  router.add("PATCH", "/api/v1/queues/{id}", Auth::User, "Change a routing queue (admin)", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_CHECK(requireJsonObject(ctx.request));
    PARLEY_TRY(queue, deps.routing->updateQueue(ctx.actor(), core::routing::QueueId{id}, ctx.request.body));
    return jsonResponse(200, queueJson(queue));
  });
  router.add("DELETE", "/api/v1/queues/{id}", Auth::User, "Delete a routing queue (admin)", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    PARLEY_TRY(id, ctx.idParam("id"));
    PARLEY_CHECK(deps.routing->deleteQueue(ctx.actor(), core::routing::QueueId{id}));
    return Response{204, "", "application/json", {}};
  });

  // ---- profiles ------------------------------------------------------------------------------------------
  router.add("GET", "/api/v1/users/{id}/routing", Auth::User, "An agent's routing profile (own, or supervisor, admin)",
             [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(body, deps.routing->agentRouting(ctx.actor(), core::UserId{id}));
               return rawJson(200, body);
             });
  router.add("PUT", "/api/v1/users/{id}/routing", Auth::User,
             "Set an agent's skills, capacity and queues (admin; a supervisor for agents)", [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_CHECK(requireJsonObject(ctx.request));
               PARLEY_TRY(body, deps.routing->setAgentRouting(ctx.actor(), core::UserId{id}, ctx.request.body));
               return rawJson(200, body);
             });
  router.add("GET", "/api/v1/teams/{id}/routing", Auth::User, "A team's default capacity (supervisor, admin)",
             [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(body, deps.routing->teamRouting(ctx.actor(), core::TeamId{id}));
               return rawJson(200, body);
             });
  router.add("PUT", "/api/v1/teams/{id}/routing", Auth::User, "Set a team's default capacity (admin)",
             [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_CHECK(requireJsonObject(ctx.request));
               PARLEY_TRY(body, deps.routing->setTeamRouting(ctx.actor(), core::TeamId{id}, ctx.request.body));
               return rawJson(200, body);
             });

  // ---- rules ---------------------------------------------------------------------------------------------
  router.add("GET", "/api/v1/routing_rules", Auth::User, "The ordered routing rules (admin)", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    PARLEY_TRY(rules, deps.routing->rules(ctx.actor()));
    return jsonResponse(200, rulesJson(rules));
  });
  router.add("PUT", "/api/v1/routing_rules", Auth::User, "Replace the ordered routing rules (admin)",
             [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_CHECK(requireJsonObject(ctx.request));
               PARLEY_TRY(rules, deps.routing->replaceRules(ctx.actor(), ctx.request.body));
               return jsonResponse(200, rulesJson(rules));
             });

  // ---- offers and transfers ------------------------------------------------------------------------------
  router.add("GET", "/api/v1/offers", Auth::User, "Conversations offered to you now", [&deps](Context& ctx) -> Response {
    if (!deps.routing) return noRouting();
    json::array a;
    for (const auto& o : deps.routing->offers(ctx.actor())) a.push_back(toJson(o));
    return jsonResponse(200, json::object{{"offers", a}});
  });
  router.add("POST", "/api/v1/offers/{conversation_id}/accept", Auth::User, "Accept an offer: the conversation is yours",
             [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_TRY(id, ctx.idParam("conversation_id"));
               auto conversation = deps.routing->accept(ctx.actor(), core::ConversationId{id});
               if (!conversation) return offerGone(conversation.error());
               return jsonResponse(200, toJson(*conversation));
             });
  router.add("POST", "/api/v1/offers/{conversation_id}/reject", Auth::User, "Reject an offer: it goes to the next agent",
             [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_TRY(id, ctx.idParam("conversation_id"));
               if (auto s = deps.routing->reject(ctx.actor(), core::ConversationId{id}); !s) return offerGone(s.error());
               return Response{204, "", "application/json", {}};
             });
  router.add("POST", "/api/v1/conversations/{id}/transfer", Auth::User,
             "Transfer to a queue, an agent or a team, keeping the customer's place", [&deps](Context& ctx) -> Response {
               if (!deps.routing) return noRouting();
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(body, parseJsonObject(ctx.request));
               PARLEY_CHECK(rejectUnknownKeys(body, {"queue_id", "agent_id", "team_id", "note"}));
               app::TransferInput input;
               PARLEY_TRY(queue, optInt(body, "queue_id"));
               PARLEY_TRY(agent, optInt(body, "agent_id"));
               PARLEY_TRY(team, optInt(body, "team_id"));
               PARLEY_TRY(note, optString(body, "note", 2000));
               for (auto [value, field] : {std::pair{queue, "queue_id"}, std::pair{agent, "agent_id"}, std::pair{team, "team_id"}}) {
                 if (value && *value <= 0) return errorResponse(400, "invalid_input", std::string(field) + ": must be a positive id");
               }
               if (queue) input.queue_id = core::routing::QueueId{*queue};
               if (agent) input.agent_id = core::UserId{*agent};
               if (team) input.team_id = core::TeamId{*team};
               input.note = note.value_or("");
               PARLEY_TRY(conversation, deps.routing->transfer(ctx.actor(), core::ConversationId{id}, input));
               return jsonResponse(200, toJson(conversation));
             });
}

}  // namespace parley::http
