// GET|POST /webhooks/messenger and /webhooks/instagram: one URL per Meta product for every inbox
// of that channel. The signature is checked on the raw body against the app secrets of the
// configured inboxes first; then each entry's page / Instagram account id picks its inbox.
#include <boost/json.hpp>

#include "channels/messenger/messenger_codec.hpp"
#include "channels/messenger/messenger_gateway.hpp"
#include "http/api.hpp"
#include "http/json.hpp"

namespace parley::http {

using core::ErrorCode;
namespace ms = channels::messenger;

namespace {

struct ConfiguredInbox {
  core::Inbox inbox;
  ms::InboxConfig config;
};

core::Result<std::vector<ConfiguredInbox>> configuredInboxes(app::Store& store, const app::SecretBox* secrets, ms::Product product) {
  const auto channel = product == ms::Product::Instagram ? core::ChannelKind::Instagram : core::ChannelKind::Messenger;
  auto inboxes = app::readOne(store, [&](app::StoreTx& tx) { return tx.listInboxesByChannel(channel); });
  if (!inboxes) return inboxes.error();
  std::vector<ConfiguredInbox> out;
  for (auto& inbox : *inboxes) {
    auto config = ms::parseInboxConfig(product, inbox.config_json, secrets);
    if (config) out.push_back({std::move(inbox), std::move(*config)});
  }
  return out;
}

void addProductRoutes(Router& router, ApiDeps& deps, ms::Product product, const std::string& path) {
  const std::string name(ms::productName(product));
  router.add("GET", path, Auth::None,
             name + " webhook verification: echoes hub.challenge when hub.verify_token matches an inbox",
             [&deps, product, name](Context& ctx) -> Response {
               const auto mode = ctx.request.param("hub.mode").value_or("");
               const auto token = ctx.request.param("hub.verify_token").value_or("");
               const auto challenge = ctx.request.param("hub.challenge").value_or("");
               PARLEY_TRY(inboxes, configuredInboxes(deps.store, deps.secrets.get(), product));
               for (const auto& configured : inboxes) {
                 if (ms::verifyHandshake(mode, configured.config.verify_token, token)) {
                   return Response{200, challenge, "text/plain; charset=utf-8", {}};
                 }
               }
               return errorResponse(403, "forbidden", "hub.verify_token does not match any " + name + " inbox");
             });
  router.add(
      "POST", path, Auth::None, name + " webhook (messages, echoes, postbacks, reactions, receipts), signed with X-Hub-Signature-256",
      [&deps, product](Context& ctx) -> Response {
        PARLEY_TRY(inboxes, configuredInboxes(deps.store, deps.secrets.get(), product));
        const std::string signature = ctx.request.header("x-hub-signature-256");
        const std::string* secret = nullptr;
        for (const auto& configured : inboxes) {
          if (ms::verifySignature(configured.config.app_secret, ctx.request.body, signature)) {
            secret = &configured.config.app_secret;
            break;
          }
        }
        if (!secret) return errorResponse(401, "bad_signature", "X-Hub-Signature-256 does not match the body and any app secret");
        std::string type = ctx.request.header("content-type");
        if (type.substr(0, type.find(';')) != "application/json") {
          return errorResponse(415, "unsupported_media_type", "send the body as Content-Type: application/json");
        }
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
          auto result = deps.desk.ingest(message);
          if (!result) {
            // One event Parley refuses (e.g. text over the size limit) must not make Meta
            // redeliver the whole batch; a store failure answers its error so Meta retries later.
            if (result.error().code == ErrorCode::InvalidInput || result.error().code == ErrorCode::TooLarge) {
              ++ignored;
              continue;
            }
            return errorResponse(result.error());
          }
          result->duplicate ? ++duplicates : ++stored;
          media = media || (!message.media.empty() && !result->duplicate);
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
