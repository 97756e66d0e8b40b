// GET|POST /webhooks/whatsapp: one URL for every WhatsApp inbox (Meta's app webhook). The
// inbox is found from the payload's phone_number_id, after the signature was checked against
// the app secrets of the configured WhatsApp inboxes.
#include <boost/json.hpp>

#include "channels/whatsapp/whatsapp_codec.hpp"
#include "channels/whatsapp/whatsapp_gateway.hpp"
#include "http/api.hpp"
#include "http/json.hpp"

namespace parley::http {

using core::ErrorCode;
namespace wa = channels::whatsapp;

namespace {

struct ConfiguredInbox {
  core::Inbox inbox;
  wa::InboxConfig config;
};

core::Result<std::vector<ConfiguredInbox>> whatsappInboxes(app::Store& store, const app::SecretBox* secrets) {
  auto inboxes = app::readOne(store, [](app::StoreTx& tx) { return tx.listInboxesByChannel(core::ChannelKind::WhatsApp); });
  if (!inboxes) return inboxes.error();
  std::vector<ConfiguredInbox> out;
  for (auto& inbox : *inboxes) {
    auto config = wa::parseInboxConfig(inbox.config_json, secrets);
    if (config) out.push_back({std::move(inbox), std::move(*config)});
  }
  return out;
}

}  // namespace

void addWhatsAppRoutes(Router& router, ApiDeps& deps) {
  router.add("GET", "/webhooks/whatsapp", Auth::None,
             "WhatsApp webhook verification: echoes hub.challenge when hub.verify_token matches an inbox",
             [&deps](Context& ctx) -> Response {
               const auto mode = ctx.request.param("hub.mode").value_or("");
               const auto token = ctx.request.param("hub.verify_token").value_or("");
               const auto challenge = ctx.request.param("hub.challenge").value_or("");
               PARLEY_TRY(inboxes, whatsappInboxes(deps.store, deps.secrets.get()));
               for (const auto& configured : inboxes) {
                 if (wa::verifyHandshake(mode, configured.config.verify_token, token)) {
                   return Response{200, challenge, "text/plain; charset=utf-8", {}};
                 }
               }
               return errorResponse(403, "forbidden", "hub.verify_token does not match any WhatsApp inbox");
             });
  router.add(
      "POST", "/webhooks/whatsapp", Auth::None,
      "WhatsApp Cloud API webhook (messages, statuses), signed with X-Hub-Signature-256",
      [&deps](Context& ctx) -> Response {
        PARLEY_TRY(inboxes, whatsappInboxes(deps.store, deps.secrets.get()));
        // Authenticity first, on the raw bytes: the app secret that signed it picks the inboxes.
        const std::string signature = ctx.request.header("x-hub-signature-256");
        const std::string* secret = nullptr;
        for (const auto& configured : inboxes) {
          if (wa::verifySignature(configured.config.app_secret, ctx.request.body, signature)) {
            secret = &configured.config.app_secret;
            break;
          }
        }
        if (!secret) return errorResponse(401, "bad_signature", "X-Hub-Signature-256 does not match the body and any app secret");
        std::string type = ctx.request.header("content-type");
        if (type.substr(0, type.find(';')) != "application/json") {
          return errorResponse(415, "unsupported_media_type", "send the body as Content-Type: application/json");
        }
        PARLEY_TRY(batch, wa::parseWebhook(ctx.request.body));
        auto inboxFor = [&](const std::string& account) -> const core::Inbox* {
          for (const auto& configured : inboxes) {
            if (configured.config.phone_number_id == account && configured.config.app_secret == *secret) {
              return &configured.inbox;
            }
          }
          return nullptr;
        };
        int stored = 0, duplicates = 0, statuses = 0, ignored = batch.ignored;
        bool media = false;
        for (auto& message : batch.messages) {
          const core::Inbox* inbox = inboxFor(message.account_id);
          if (!inbox) {
            ++ignored;  // a number of this app that no inbox is set up for
            continue;
          }
          message.inbox_id = inbox->id;
          PARLEY_TRY(result, deps.desk.ingest(message));
          result.duplicate ? ++duplicates : ++stored;
          media = media || !message.media.empty();
        }
        for (const auto& status : batch.statuses) {
          const core::Inbox* inbox = inboxFor(status.account_id);
          auto applied = inbox ? deps.desk.applyProviderStatus(*inbox, status)
                               : core::Status(core::makeError(ErrorCode::NotFound, "no inbox"));
          if (applied) {
            ++statuses;
          } else if (applied.error().code == ErrorCode::NotFound) {
            ++ignored;  // a receipt for a message this server did not send
          } else {
            return errorResponse(applied.error());
          }
        }
        for (const auto& edit : batch.edits) {
          if (const core::Inbox* inbox = inboxFor(edit.account_id)) (void)deps.desk.applyEdit(*inbox, edit);
        }
        if (media) deps.wake_media_fetcher();
        return jsonResponse(200, json::object{{"stored", stored},
                                              {"duplicates", duplicates},
                                              {"statuses", statuses},
                                              {"ignored", ignored}});
      });
  addWhatsAppTemplateRoutes(router, deps);
}

}  // namespace parley::http
