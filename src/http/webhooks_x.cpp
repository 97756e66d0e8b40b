// GET|POST /webhooks/x: one URL for every X inbox (the Account Activity API registers one webhook
// per X app). The CRC names no account, so it is answered with the consumer secret of the inbox
// named by ?inbox=<id> when the registered URL carries one, else of the first X inbox (lowest
// id): every account subscribed through one X app shares that app's consumer secret. POSTs are
// checked on the raw bytes against each configured secret before parsing; for_user_id picks the
// inbox.
#include <boost/json.hpp>

#include <algorithm>

#include "channels/x/x_codec.hpp"
#include "channels/x/x_gateway.hpp"
#include "http/api.hpp"
#include "http/json.hpp"
#include "http/webhook_inboxes.hpp"

namespace parley::http {

using core::ErrorCode;
namespace xc = channels::x;

namespace {

using ConfiguredInbox = InboxWithConfig<xc::InboxConfig>;

core::Result<std::vector<ConfiguredInbox>> configuredInboxes(app::Store& store, const app::SecretBox* secrets) {
  auto out = inboxesWithConfig<xc::InboxConfig>(
      store, core::ChannelKind::X, [&](const std::string& config_json) { return xc::parseInboxConfig(config_json, secrets); });
  if (out) std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) { return a.inbox.id.value < b.inbox.id.value; });
  return out;
}

}  // namespace

void addXRoutes(Router& router, ApiDeps& deps) {
  router.add("GET", "/webhooks/x", Auth::None,
             "X webhook CRC: answers crc_token with the response_token (HMAC-SHA256 with the consumer secret of ?inbox= or the first X inbox)",
             [&deps](Context& ctx) -> Response {
               const auto token = ctx.request.param("crc_token");
               if (!token || token->empty() || token->size() > 1024) {
                 return errorResponse(400, "invalid_input", "crc_token: is required");
               }
               PARLEY_TRY(inboxes, configuredInboxes(deps.store, deps.secrets.get()));
               const ConfiguredInbox* chosen = inboxes.empty() ? nullptr : &inboxes.front();
               if (auto wanted = ctx.request.param("inbox")) {
                 chosen = nullptr;
                 for (const auto& configured : inboxes) {
                   if (std::to_string(configured.inbox.id.value) == *wanted) chosen = &configured;
                 }
               }
               if (!chosen) return errorResponse(404, "not_found", "no X inbox is configured for this webhook");
               return Response{200, xc::crcResponse(chosen->config.consumer_secret, *token), "application/json", {}};
             });
  router.add(
      "POST", "/webhooks/x", Auth::None,
      "X Account Activity webhook (DMs, mentions, read receipts), signed with x-twitter-webhooks-signature",
      [&deps](Context& ctx) -> Response {
        PARLEY_TRY(inboxes, configuredInboxes(deps.store, deps.secrets.get()));
        const std::string header = ctx.request.header("x-twitter-webhooks-signature");
        const std::string* secret = nullptr;
        for (const auto& configured : inboxes) {
          if (xc::verifySignature(configured.config.consumer_secret, ctx.request.body, header)) {
            secret = &configured.config.consumer_secret;
            break;
          }
        }
        if (!secret) return errorResponse(401, "bad_signature", "x-twitter-webhooks-signature does not match the body and any consumer secret");
        PARLEY_TRY(parsed, xc::parseWebhook(ctx.request.body));
        const core::Inbox* inbox = nullptr;
        for (const auto& configured : inboxes) {
          if (configured.config.user_id == parsed.for_user_id && configured.config.consumer_secret == *secret) {
            inbox = &configured.inbox;
            break;
          }
        }
        auto& batch = parsed.batch;
        int stored = 0, duplicates = 0, statuses = 0, ignored = batch.ignored + parsed.typing;
        if (!inbox) {
          // An account of this app that no inbox is set up for: accepted, so X does not retry.
          ignored += static_cast<int>(batch.messages.size() + parsed.reads.size() + batch.edits.size());
          return jsonResponse(200, json::object{{"stored", 0}, {"duplicates", 0}, {"statuses", 0}, {"ignored", ignored}});
        }
        bool media = false;
        for (auto& message : batch.messages) {
          message.inbox_id = inbox->id;
          if (auto failed = ingestOrSkip(deps, message, stored, duplicates, ignored, media)) return *failed;
        }
        for (const auto& read : parsed.reads) {
          // The named DM, then everything we sent that customer before the read (statuses only move forward).
          if (!read.last_read_event_id.empty()) {
            auto applied = deps.desk.applyProviderStatus(
                *inbox, core::InboundStatus{read.account_id, read.last_read_event_id, core::DeliveryStatus::Read, "", read.at});
            if (applied) ++statuses;
            else if (applied.error().code != ErrorCode::NotFound) return errorResponse(applied.error());
          }
          if (read.at > 0) {
            auto moved = deps.desk.applyWatermarkStatus(*inbox, read.contact_id, core::DeliveryStatus::Read, read.at);
            if (moved) statuses += *moved;
            else if (moved.error().code != ErrorCode::NotFound) return errorResponse(moved.error());
          }
        }
        // Posts the customer deleted (tweet_delete_events): taken back in the desk as X's
        // developer policy asks. A post never stored, or not theirs, is ignored.
        int deleted = 0;
        for (const auto& edit : batch.edits) {
          auto applied = deps.desk.applyEdit(*inbox, edit);
          if (applied) ++deleted;
          else if (applied.error().code == ErrorCode::NotFound) ++ignored;
          else return errorResponse(applied.error());
        }
        if (media) deps.wake_media_fetcher();
        return jsonResponse(200, json::object{{"stored", stored},
                                              {"duplicates", duplicates},
                                              {"statuses", statuses},
                                              {"deleted", deleted},
                                              {"ignored", ignored}});
      });
}

}  // namespace parley::http
