// GET|POST /webhooks/whatsapp: one URL for every WhatsApp inbox (Meta's app webhook). The
// inbox is found from the payload's phone_number_id, after the signature was checked against
// the app secrets of the configured WhatsApp inboxes.
#include <boost/json.hpp>

#include "channels/whatsapp/whatsapp_codec.hpp"
#include "channels/whatsapp/whatsapp_gateway.hpp"
#include "http/api.hpp"
#include "http/json.hpp"
#include "http/webhook_inboxes.hpp"

namespace parley::http {

using core::ErrorCode;
namespace wa = channels::whatsapp;

namespace {

core::Result<std::vector<InboxWithConfig<wa::InboxConfig>>> whatsappInboxes(app::Store& store, const app::SecretBox* secrets) {
  return inboxesWithConfig<wa::InboxConfig>(store, core::ChannelKind::WhatsApp, [&](const std::string& config_json) {
    return wa::parseInboxConfig(config_json, secrets);
  });
}

// The inbox of a phone number id among those signed with `app_secret`: the first, for the
// handler and the fast path alike (two paths picking differently would split a number's messages).
const core::Inbox* inboxOf(const std::vector<InboxWithConfig<wa::InboxConfig>>& inboxes, const std::string& account,
                           const std::string& app_secret) {
  for (const auto& configured : inboxes) {
    if (configured.config.phone_number_id == account && configured.config.app_secret == app_secret) {
      return &configured.inbox;
    }
  }
  return nullptr;
}

// The webhook's answer, the same from the handler and the fast path.
Response batchAnswer(int stored, int duplicates, int statuses, int ignored) {
  return jsonResponse(200, json::object{{"stored", stored}, {"duplicates", duplicates}, {"statuses", statuses}, {"ignored", ignored}});
}

// Each system change to the contact of its inbox: counted in `stored` (its line) or `duplicates`
// (applied before); one Parley refuses, or for a number no inbox is set up for, in `ignored`; a
// store failure is the answer, so Meta retries.
template <class InboxFor>
std::optional<Response> applySystemChanges(ApiDeps& deps, const std::vector<wa::SystemChange>& changes, InboxFor inboxFor,
                                           int& stored, int& duplicates, int& ignored) {
  for (const auto& system : changes) {
    const core::Inbox* inbox = inboxFor(system.account_id);
    if (!inbox) {
      ++ignored;
      continue;
    }
    auto result = deps.desk.applyCustomerAccountChange(*inbox, system.change);
    if (result) {
      result->duplicate ? ++duplicates : ++stored;
    } else if (result.error().code == ErrorCode::InvalidInput || result.error().code == ErrorCode::TooLarge) {
      ++ignored;
    } else {
      return errorResponse(result.error());
    }
  }
  return std::nullopt;
}

}  // namespace

void addWhatsAppRoutes(Router& router, ApiDeps& deps) {
  router.add("GET", "/webhooks/whatsapp", Auth::None,
             "WhatsApp webhook verification: echoes hub.challenge when hub.verify_token matches an inbox",
             [&deps](Context& ctx) -> Response {
               PARLEY_TRY(inboxes, whatsappInboxes(deps.store, deps.secrets.get()));
               return answerHubChallenge(ctx.request, inboxes, wa::verifyHandshake, "WhatsApp");
             });
  router.add(
      "POST", "/webhooks/whatsapp", Auth::None,
      "WhatsApp Cloud API webhook (messages, statuses, customers' number changes), signed with X-Hub-Signature-256",
      [&deps](Context& ctx) -> Response {
        PARLEY_TRY(inboxes, whatsappInboxes(deps.store, deps.secrets.get()));
        // Authenticity first, on the raw bytes: the app secret that signed it picks the inboxes.
        const std::string* secret = signingAppSecret(ctx.request, inboxes, wa::verifySignature);
        if (!secret) return errorResponse(401, "bad_signature", "X-Hub-Signature-256 does not match the body and any app secret");
        if (auto refused = unlessJsonBody(ctx.request)) return *refused;
        PARLEY_TRY(parsed, wa::parseWebhookBatch(ctx.request.body));
        auto& batch = parsed.batch;
        auto inboxFor = [&](const std::string& account) { return inboxOf(inboxes, account, *secret); };
        int stored = 0, duplicates = 0, statuses = 0, ignored = batch.ignored;
        bool media = false;
        // The customer's number or security code changed: the contact keeps its timeline (a line
        // in it). First, so that a message from the new number in the same delivery finds it.
        if (auto failed = applySystemChanges(deps, parsed.system_changes, inboxFor, stored, duplicates, ignored)) return *failed;
        for (auto& message : batch.messages) {
          const core::Inbox* inbox = inboxFor(message.account_id);
          if (!inbox) {
            ++ignored;  // a number of this app that no inbox is set up for
            continue;
          }
          message.inbox_id = inbox->id;
          // A documented message the desk cannot take is acknowledged and counted, never refused:
          // Meta would redeliver it, and the rest of the batch with it, for days.
          if (auto failed = ingestOrSkip(deps, message, stored, duplicates, ignored, media)) return *failed;
        }
        if (auto failed = applyReceipts(deps, batch.statuses, inboxFor, statuses, ignored)) return *failed;
        for (const auto& edit : batch.edits) {
          if (const core::Inbox* inbox = inboxFor(edit.account_id)) (void)deps.desk.applyEdit(*inbox, edit);
        }
        if (media) deps.wake_media_fetcher();
        return batchAnswer(stored, duplicates, statuses, ignored);
      });
  // The common delivery without a worker thread: one inbound message, nothing else, signed with
  // the app secret of an inbox as the handler last read it. Everything else (statuses, several
  // messages, number changes, an inbox not seen yet, any error) is left to the handler above.
  router.setFastPath([&deps](Context& ctx, Respond respond) -> bool {
    // One message's delivery is a few KB; anything larger is not worth the I/O thread's time.
    if (ctx.request.body.size() > kFastPathMaxBody) return false;
    auto inboxes = ParsedConfigs<wa::InboxConfig>::of(core::ChannelKind::WhatsApp).latest();
    if (!inboxes) return false;
    const std::string* secret = signingAppSecret(ctx.request, *inboxes, wa::verifySignature);
    if (!secret || unlessJsonBody(ctx.request)) return false;
    auto parsed = wa::parseWebhookBatch(ctx.request.body);
    if (!parsed) return false;
    auto& batch = parsed->batch;
    if (batch.messages.size() != 1 || !batch.statuses.empty() || !batch.edits.empty() || !parsed->system_changes.empty()) {
      return false;
    }
    core::InboundMessage& message = batch.messages.front();
    const core::Inbox* inbox = inboxOf(*inboxes, message.account_id, *secret);
    if (!inbox) return false;
    message.inbox_id = inbox->id;
    const bool media = !message.media.empty();
    return deps.desk.ingestAsync(std::move(message), sameConfigAs(*inbox),
                                 [&deps, respond = std::move(respond), media, ignored = batch.ignored](
                                     core::Result<core::IngestResult> result) {
                                   if (!result) return respond(std::nullopt);  // nothing stored: the handler answers
                                   if (media && !result->duplicate) deps.wake_media_fetcher();
                                   respond(batchAnswer(result->duplicate ? 0 : 1, result->duplicate ? 1 : 0, 0, ignored));
                                 });
  });
  addWhatsAppTemplateRoutes(router, deps);
}

}  // namespace parley::http
