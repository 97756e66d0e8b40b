// POST /webhooks/email/{inbox_id}: raw RFC 5322 mail from an MTA (a pipe or forwarding
// script), for sites that prefer forwarding over IMAP polling. The inbox secret authenticates
// the sender, as a bearer token or ?token=.
#include <boost/json.hpp>

#include "app/crypto.hpp"
#include "channels/email/email_channel.hpp"
#include "http/api.hpp"
#include "http/json.hpp"

namespace parley::http {

using core::ErrorCode;

void addEmailRoutes(Router& router, ApiDeps& deps) {
  router.add(
      "POST", "/webhooks/email/{inbox_id}", Auth::None,
      "E-mail inbound: one raw RFC 5322 message (Content-Type message/rfc822), authenticated with the inbox secret "
      "as Authorization: Bearer <secret> or ?token=<secret>",
      [&deps](Context& ctx) -> Response {
        if (!deps.email_receiver) return errorResponse(404, "not_found", "e-mail is not enabled on this server");
        auto inbox_id = ctx.idParam("inbox_id");
        if (!inbox_id) return errorResponse(404, "not_found", "no such inbox");
        PARLEY_TRY(inbox, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getInboxAnyTenant(core::InboxId{*inbox_id}); }));
        if (inbox.channel != core::ChannelKind::Email) return errorResponse(404, "not_found", "no such e-mail inbox");
        std::string token = ctx.request.param("token").value_or("");
        const std::string authorization = ctx.request.header("authorization");
        if (authorization.rfind("Bearer ", 0) == 0) token = authorization.substr(7);
        if (token.empty() || !app::constantTimeEqual(token, inbox.secret)) {
          return errorResponse(401, "unauthorized", "send the inbox secret as Authorization: Bearer <secret> or ?token=");
        }
        std::string type = ctx.request.header("content-type");
        type = type.substr(0, type.find(';'));
        for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        while (!type.empty() && type.back() == ' ') type.pop_back();
        if (type != "message/rfc822" && type != "application/octet-stream" && type != "text/plain") {
          return errorResponse(415, "unsupported_media_type",
                               "send the raw mail as Content-Type: message/rfc822 (or application/octet-stream)");
        }
        if (ctx.request.body.empty()) return errorResponse(400, "invalid_input", "the body is empty: send one raw mail");
        if (ctx.request.body.size() > deps.email_receiver->maxMailBytes()) {
          return errorResponse(413, "too_large", "the mail is larger than this server accepts");
        }
        PARLEY_TRY(config, channels::email::inboxConfig(inbox, deps.secrets.get()));
        PARLEY_TRY(received, deps.email_receiver->receive(inbox, config, ctx.request.body));
        using Kind = channels::email::ReceiveResult::Kind;
        json::object out{{"status", received.kind == Kind::Stored      ? "stored"
                                    : received.kind == Kind::Duplicate ? "duplicate"
                                                                       : "ignored"}};
        if (received.kind == Kind::Ignored) {
          out["reason"] = received.reason;
        } else {
          out["conversation_id"] = received.ingest.conversation_id.value;
          out["message_id"] = received.ingest.message_id.value;
          out["contact_id"] = received.ingest.contact_id.value;
        }
        return jsonResponse(received.kind == Kind::Stored ? 201 : 200, out);
      });
}

}  // namespace parley::http
