// POST /webhooks/telegram/{inbox_id}: the Bot API's webhook for one Telegram inbox (one bot).
// setWebhook is given this URL and the inbox's secret_token; Telegram sends the token back in
// X-Telegram-Bot-Api-Secret-Token with every update, which is checked before anything else.
#include <boost/json.hpp>

#include <cctype>

#include "channels/telegram/telegram_codec.hpp"
#include "channels/telegram/telegram_gateway.hpp"
#include "http/api.hpp"
#include "http/json.hpp"
#include "http/webhook_inboxes.hpp"

namespace parley::http {

using core::ErrorCode;
namespace tg = channels::telegram;

namespace {

// A tap on a button whose message Telegram sends without its keyboard (an inaccessible message,
// e.g. one older than 48 hours): the label comes from the keyboard Parley sent with that reply,
// so the timeline still shows the button's text rather than its callback_data.
void labelFromOurReply(app::Store& store, const core::Inbox& inbox, core::InboundMessage& message) {
  if (message.kind != core::MessageKind::Interactive || message.reply_to_external_id.empty()) return;
  boost::system::error_code ec;
  auto payload = json::parse(message.payload_json, ec);
  if (ec || !payload.is_object()) return;
  auto& p = payload.get_object();
  const auto* type = p.if_contains("interactive_type");
  const auto* data = p.if_contains("data");
  if (p.contains("title") || !type || !type->is_string() || type->get_string() != "callback_query" || !data ||
      !data->is_string() || data->get_string().empty()) {
    return;
  }
  auto ours = app::readOne(store, [&](app::StoreTx& tx) { return tx.findMessageByExternalId(inbox.id, message.reply_to_external_id); });
  if (!ours || ours->direction != core::MessageDirection::Outgoing) return;
  auto keyboard = tg::inlineKeyboardFromPayload(ours->payload_json);
  if (!keyboard) return;
  for (const auto& row : *keyboard) {
    for (const auto& button : row) {
      if (!button.callback_data.empty() && button.callback_data == data->get_string() && !button.text.empty()) {
        message.text = button.text;
        p["title"] = button.text;
        message.payload_json = json::serialize(payload);
        return;
      }
    }
  }
}

}  // namespace

void addTelegramRoutes(Router& router, ApiDeps& deps) {
  router.add(
      "POST", "/webhooks/telegram/{inbox_id}", Auth::None,
      "Telegram Bot API webhook (one Update per request), authenticated by X-Telegram-Bot-Api-Secret-Token",
      [&deps](Context& ctx) -> Response {
        // Authenticity first, on the raw request: an unknown inbox, another channel's inbox and
        // a wrong token all get the same answer, and nothing of the body is read.
        auto unauthorized = [] {
          return errorResponse(401, "unauthorized",
                               "X-Telegram-Bot-Api-Secret-Token does not match the secret_token of this Telegram inbox");
        };
        auto inbox_id = ctx.idParam("inbox_id");
        if (!inbox_id) return unauthorized();
        auto found = app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getInboxAnyTenant(core::InboxId{*inbox_id}); });
        if (!found) {
          if (found.error().code == ErrorCode::NotFound) return unauthorized();
          return errorResponse(found.error());
        }
        const core::Inbox& inbox = *found;
        if (inbox.channel != core::ChannelKind::Telegram) return unauthorized();
        auto config = tg::parseInboxConfig(inbox.config_json, deps.secrets.get());
        if (!config) return unauthorized();
        if (!tg::verifySecretToken(config->secret_token, ctx.request.header("x-telegram-bot-api-secret-token"))) {
          return unauthorized();
        }
        std::string type = ctx.request.header("content-type");
        type = type.substr(0, type.find(';'));
        for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        while (!type.empty() && type.back() == ' ') type.pop_back();
        if (type != "application/json") {
          return errorResponse(415, "unsupported_media_type", "send the body as Content-Type: application/json");
        }
        PARLEY_TRY(update, tg::parseUpdate(ctx.request.body));

        int stored = 0, duplicates = 0, edits = 0, ignored = update.batch.ignored;
        bool media = false;
        for (auto& message : update.batch.messages) {
          message.inbox_id = inbox.id;
          labelFromOurReply(deps.store, inbox, message);
          // A shared number libphonenumber does not accept: the message is kept, without the number.
          PARLEY_TRY(result, ingestKeepingTheMessage(deps, message));
          result.duplicate ? ++duplicates : ++stored;
          media = media || (!message.media.empty() && !result.duplicate);
        }
        for (const auto& edit : update.batch.edits) {
          auto applied = deps.desk.applyEdit(inbox, edit);
          if (applied) {
            ++edits;
          } else if (applied.error().code == ErrorCode::NotFound) {
            ++ignored;  // an edit of a message this server never stored
          } else {
            return errorResponse(applied.error());
          }
        }
        if (update.notice) {
          // The user blocked or unblocked the bot: a line in their conversation (stored, or a
          // duplicate); nothing when they have none here (ignored: no contact is made for it).
          auto noted = deps.desk.noteCustomerActivity(inbox, *update.notice);
          if (noted) {
            noted->duplicate ? ++duplicates : ++stored;
          } else if (noted.error().code == ErrorCode::NotFound || noted.error().code == ErrorCode::InvalidInput) {
            ++ignored;
          } else {
            return errorResponse(noted.error());
          }
        }
        if (media) deps.wake_media_fetcher();
        // Stored first, then answered: the click is never acknowledged and lost. The answer
        // rides on the webhook's response (the Bot API runs a method given there), so the
        // webhook does not wait for a call of its own to Telegram.
        if (!update.callback_query_id.empty()) {
          return Response{200, tg::encodeAnswerCallbackQuery(update.callback_query_id), "application/json", {}};
        }
        return jsonResponse(200, json::object{{"stored", stored}, {"duplicates", duplicates}, {"edits", edits}, {"ignored", ignored}});
      });
}

}  // namespace parley::http
