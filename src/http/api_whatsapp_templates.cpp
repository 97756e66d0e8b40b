// WhatsApp message templates in the API: the inbox's approved templates for the desk, and the
// admin's "sync now" (channels/whatsapp/whatsapp_template_sync.hpp does the work), for WhatsApp
// Cloud API inboxes and Twilio inboxes with a WhatsApp number (templates from Twilio's Content API).
#include <boost/json.hpp>

#include <algorithm>
#include <tuple>

#include "channels/whatsapp/whatsapp_template_sync.hpp"
#include "channels/whatsapp/whatsapp_templates.hpp"
#include "core/customer_window.hpp"
#include "http/api.hpp"
#include "http/json.hpp"
#include "http/template_reply_json.hpp"

namespace parley::http {

using core::ErrorCode;
using core::makeError;
namespace wa = channels::whatsapp;

namespace {

// The inbox if the actor sees it (NotFound otherwise) and it sends WhatsApp: a WhatsApp inbox or
// a Twilio inbox with a whatsapp: number (InvalidInput otherwise).
core::Result<core::Inbox> whatsappInbox(app::StoreTx& tx, const core::Actor& actor, std::int64_t id) {
  auto inbox = tx.getInbox(actor.tenant_id, core::InboxId{id});
  if (!inbox) return inbox.error();
  if (!core::canSeeInbox(actor, *inbox)) return makeError(ErrorCode::NotFound, "inbox not found");
  if (inbox->channel == core::ChannelKind::Twilio && !core::hasCustomerWindow(*inbox)) {
    return makeError(ErrorCode::InvalidInput, "message templates are a WhatsApp feature; Twilio inbox " + std::to_string(id) +
                                                  " sends SMS (its phone_number has no whatsapp: prefix)");
  }
  if (inbox->channel != core::ChannelKind::WhatsApp && inbox->channel != core::ChannelKind::Twilio) {
    return makeError(ErrorCode::InvalidInput, "message templates are a WhatsApp feature; inbox " + std::to_string(id) +
                                                  " is a " + std::string(core::toString(inbox->channel)) + " inbox");
  }
  return inbox;
}

}  // namespace

core::Result<std::optional<app::TemplateReply>> takeTemplateReply(json::object& body) {
  auto it = body.find("template");
  if (it == body.end()) return std::optional<app::TemplateReply>();
  json::value value = std::move(it->value());
  body.erase(it);
  if (value.is_null()) return std::optional<app::TemplateReply>();
  if (!value.is_object()) return makeError(ErrorCode::InvalidInput, "template: must be an object {name, language, parameters}");
  auto& t = value.as_object();
  if (auto s = rejectUnknownKeys(t, {"name", "language", "parameters"}); !s) {
    return makeError(ErrorCode::InvalidInput, "template: " + s.error().message);
  }
  app::TemplateReply reply;
  auto name = reqString(t, "name", 512);
  if (!name) return makeError(ErrorCode::InvalidInput, "template.name: the template's name is required");
  auto language = reqString(t, "language", 16);
  if (!language) return makeError(ErrorCode::InvalidInput, "template.language: the template's language code (e.g. \"de\") is required");
  reply.name = *name;
  reply.language = *language;
  if (auto p = t.find("parameters"); p != t.end() && !p->value().is_null()) {
    if (!p->value().is_object()) return makeError(ErrorCode::InvalidInput, "template.parameters: must be an object {header, body, buttons}");
    const auto& parameters = p->value().get_object();
    if (auto s = rejectUnknownKeys(parameters, {"header", "body", "buttons", "quick_replies"}); !s) {
      return makeError(ErrorCode::InvalidInput, "template.parameters: " + s.error().message);
    }
    for (auto [key, out] : {std::pair{"header", &reply.header}, std::pair{"body", &reply.body}, std::pair{"buttons", &reply.buttons},
                            std::pair{"quick_replies", &reply.quick_replies}}) {
      auto list = optStringArray(parameters, key, 100);
      if (!list) return makeError(ErrorCode::InvalidInput, "template.parameters." + list.error().message);
      if (*list) *out = std::move(**list);
    }
  }
  return std::optional<app::TemplateReply>(std::move(reply));
}

void addWhatsAppTemplateRoutes(Router& router, ApiDeps& deps) {
  router.add("GET", "/api/v1/inboxes/{id}/templates", Auth::User,
             "A WhatsApp inbox's (or a Twilio WhatsApp sender's) approved message templates (name, language, "
             "category, header, body, footer, buttons and their parameters) with synced_at",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(id, ctx.idParam("id"));
               wa::StoredTemplates stored;
               PARLEY_CHECK(deps.store.read([&](app::StoreTx& tx) -> core::Status {
                 auto inbox = whatsappInbox(tx, ctx.actor(), id);
                 if (!inbox) return inbox.error();
                 auto state = tx.getChannelState(inbox->id, wa::kTemplatesStateKey);
                 if (!state) return state.error().code == ErrorCode::NotFound ? core::Status{} : core::Status{state.error()};
                 auto parsed = wa::parseStoredTemplates(*state);
                 if (!parsed) return parsed.error();
                 stored = std::move(*parsed);
                 return {};
               }));
               std::vector<const wa::MessageTemplate*> approved;
               for (const auto& t : stored.templates) {
                 if (t.status == "APPROVED") approved.push_back(&t);
               }
               std::sort(approved.begin(), approved.end(), [](const auto* a, const auto* b) {
                 return std::tie(a->name, a->language) < std::tie(b->name, b->language);
               });
               json::array data;
               for (const auto* t : approved) data.push_back(wa::templateJson(*t));
               return jsonResponse(200, json::object{{"data", std::move(data)},
                                                     {"synced_at", isoOrNull(stored.synced_at)},
                                                     {"last_attempt_at", isoOrNull(stored.last_attempt_at)},
                                                     {"last_error", stored.last_error.empty() ? json::value(nullptr)
                                                                                              : json::value(stored.last_error)}});
             });
  router.add("POST", "/api/v1/inboxes/{id}/templates/sync", Auth::User,
             "Fetch a WhatsApp inbox's message templates now (admin): from Meta (needs config.business_account_id) "
             "or, for a Twilio WhatsApp sender, from Twilio's Content API; answers the count, or the provider's error with 424",
             [&deps](Context& ctx) -> Response {
               if (!core::isAllowed(ctx.actor(), core::Resource::Inboxes, core::Action::Write)) {
                 return errorResponse(403, "forbidden", "your role may not manage inboxes");
               }
               PARLEY_TRY(id, ctx.idParam("id"));
               PARLEY_TRY(inbox, app::readOne(deps.store, [&](app::StoreTx& tx) { return whatsappInbox(tx, ctx.actor(), id); }));
               auto outcome = wa::syncTemplates(deps.store, deps.clock, deps.secrets.get(), inbox);
               using Kind = wa::TemplateSyncOutcome::Kind;
               switch (outcome.kind) {
                 case Kind::Synced:
                   return jsonResponse(200, json::object{{"count", outcome.count},
                                                         {"approved", outcome.approved},
                                                         {"synced_at", isoOrNull(outcome.synced_at)}});
                 case Kind::NotConfigured:
                   return errorResponse(400, "invalid_input", outcome.message);
                 case Kind::Rejected:
                   // The provider refused (a 4xx): nothing wrong with this server, its reason says what to fix.
                   return errorResponse(424, "provider_rejected", outcome.message);
                 case Kind::Unavailable:
                   return errorResponse(503, "unavailable", outcome.message);
                 case Kind::Failed:
                   break;
               }
               return errorResponse(424, "provider_error", outcome.message);
             });
}

}  // namespace parley::http
