// GET|POST /webhooks/messenger and /webhooks/instagram: one URL per Meta product for every inbox
// of that channel. The signature is checked on the raw body against the app secrets of the
// configured inboxes first; then each entry's page / Instagram account id picks its inbox.
#include <boost/json.hpp>

#include "channels/messenger/messenger_codec.hpp"
#include "channels/messenger/messenger_gateway.hpp"
#include "http/api.hpp"
#include "http/json.hpp"
#include "http/webhook_inboxes.hpp"

namespace parley::http {

using core::ErrorCode;
namespace ms = channels::messenger;

namespace {

core::Result<std::vector<InboxWithConfig<ms::InboxConfig>>> configuredInboxes(app::Store& store, const app::SecretBox* secrets,
                                                                               ms::Product product) {
  const auto channel = product == ms::Product::Instagram ? core::ChannelKind::Instagram : core::ChannelKind::Messenger;
  return inboxesWithConfig<ms::InboxConfig>(
      store, channel, [&](const std::string& config_json) { return ms::parseInboxConfig(product, config_json, secrets); });
}

void addProductRoutes(Router& router, ApiDeps& deps, ms::Product product, const std::string& path) {
  const std::string name(ms::productName(product));
  router.add("GET", path, Auth::None,
             name + " webhook verification: echoes hub.challenge when hub.verify_token matches an inbox",
             [&deps, product, name](Context& ctx) -> Response {
               PARLEY_TRY(inboxes, configuredInboxes(deps.store, deps.secrets.get(), product));
               return answerHubChallenge(ctx.request, inboxes, ms::verifyHandshake, name);
             });
  router.add(
      "POST", path, Auth::None, name + " webhook (messages, echoes, postbacks, reactions, receipts), signed with X-Hub-Signature-256",
      [&deps, product](Context& ctx) -> Response {
        PARLEY_TRY(inboxes, configuredInboxes(deps.store, deps.secrets.get(), product));
        const std::string* secret = signingAppSecret(ctx.request, inboxes, ms::verifySignature);
        if (!secret) return errorResponse(401, "bad_signature", "X-Hub-Signature-256 does not match the body and any app secret");
        if (auto refused = unlessJsonBody(ctx.request)) return *refused;
        PARLEY_TRY(parsed, ms::parseWebhook(ctx.request.body, product));
        auto inboxFor = [&](const std::string& account) -> const core::Inbox* {
          for (const auto& configured : inboxes) {
            if (configured.config.account_id == account && configured.config.app_secret == *secret) return &configured.inbox;
          }
          return nullptr;
        };
        auto& batch = parsed.batch;
        int stored = 0, duplicates = 0, statuses = 0, ignored = batch.ignored;
        bool media = false;
        for (auto& message : batch.messages) {
          const core::Inbox* inbox = inboxFor(message.account_id);
          if (!inbox) {
            ++ignored;  // a page / account of this app that no inbox is set up for
            continue;
          }
          message.inbox_id = inbox->id;
          if (auto failed = ingestOrSkip(deps, message, stored, duplicates, ignored, media)) return *failed;
        }
        if (auto failed = applyReceipts(deps, batch.statuses, inboxFor, statuses, ignored)) return *failed;
        for (const auto& mark : parsed.watermarks) {
          const core::Inbox* inbox = inboxFor(mark.account_id);
          if (!inbox) {
            ++ignored;
            continue;
          }
          auto moved = deps.desk.applyWatermarkStatus(*inbox, mark.contact_id, mark.status, mark.watermark);
          if (moved) {
            statuses += *moved;
          } else if (moved.error().code == ErrorCode::NotFound) {
            ++ignored;
          } else {
            return errorResponse(moved.error());
          }
        }
        for (const auto& edit : batch.edits) {
          // The customer edited a message: its text changes (a message never stored is ignored).
          if (const core::Inbox* inbox = inboxFor(edit.account_id)) (void)deps.desk.applyEdit(*inbox, edit);
        }
        if (media) deps.wake_media_fetcher();
        return jsonResponse(200, json::object{{"stored", stored},
                                              {"duplicates", duplicates},
                                              {"statuses", statuses},
                                              {"ignored", ignored}});
      });
}

}  // namespace

void addMessengerRoutes(Router& router, ApiDeps& deps) {
  addProductRoutes(router, deps, ms::Product::Messenger, "/webhooks/messenger");
  addProductRoutes(router, deps, ms::Product::Instagram, "/webhooks/instagram");
}

}  // namespace parley::http
