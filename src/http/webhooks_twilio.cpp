// POST /webhooks/twilio/sms, POST /webhooks/twilio/status, GET /webhooks/twilio/media/{token}:
// the Twilio channel's public routes (one set for every Twilio inbox).
//  - sms: the inbox is the one whose phone_number equals `To` (and account_sid `AccountSid`);
//  - status: the inbox named by `?inbox=` in the StatusCallback URL Parley sends, else the one
//    whose phone_number equals `From` (callbacks configured in the console);
//  - both check X-Twilio-Signature over public_base_url + path (+ query) and the form
//    parameters, in constant time, before anything is stored, and answer an empty TwiML.
//  - media: the signed, expiring link Twilio fetches an outbound file from.

#include "channels/twilio/twilio_codec.hpp"
#include "channels/twilio/twilio_gateway.hpp"
#include "http/api.hpp"
#include "http/file_links.hpp"
#include "http/json.hpp"
#include "http/webhook_inboxes.hpp"

namespace parley::http {

using core::ErrorCode;
namespace tw = channels::twilio;

namespace {

using ConfiguredInbox = InboxWithConfig<tw::InboxConfig>;

Response twiml() {
  return Response{200, R"(<?xml version="1.0" encoding="UTF-8"?><Response></Response>)", "text/xml", {}};
}

Response badSignature() {
  return errorResponse(401, "bad_signature", "X-Twilio-Signature does not match a Twilio inbox's auth token and public_base_url");
}

// The URL Twilio signed: the inbox's public base URL, this path and the query string exactly as
// it arrived (a webhook URL configured in the console may carry its own parameters, in any
// order; Parley's own StatusCallback has `inbox=<digits>`).
std::string signedUrl(const tw::InboxConfig& config, const Request& request) {
  std::string url = config.public_base_url + request.path;
  if (!request.raw_query.empty()) url += "?" + request.raw_query;
  return url;
}

// Content type, size and form syntax: the checks that need no inbox.
core::Result<tw::FormParams> readForm(const Request& request) {
  std::string type = request.header("content-type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type != "application/x-www-form-urlencoded") {
    return core::makeError(ErrorCode::Unsupported, "send the body as Content-Type: application/x-www-form-urlencoded");
  }
  return tw::parseForm(request.body);
}

Response formError(const core::Error& error) {
  if (error.code == ErrorCode::Unsupported) return errorResponse(415, "unsupported_media_type", error.message);
  if (error.code == ErrorCode::TooLarge) return errorResponse(413, "too_large", error.message);
  return errorResponse(400, "invalid_input", error.message);
}

core::Result<std::vector<ConfiguredInbox>> twilioInboxes(ApiDeps& deps) {
  return inboxesWithConfig<tw::InboxConfig>(deps.store, core::ChannelKind::Twilio, [&](const std::string& config_json) {
    return tw::parseInboxConfig(config_json, deps.secrets.get());
  });
}

// The first inbox among `candidates` whose token verifies the request.
const ConfiguredInbox* verified(const std::vector<ConfiguredInbox>& candidates, const Request& request,
                                const tw::FormParams& params) {
  const std::string signature = request.header("x-twilio-signature");
  for (const auto& c : candidates) {
    if (tw::verifySignature(c.config.auth_token, signedUrl(c.config, request), params, signature)) return &c;
  }
  return nullptr;
}

bool accountMatches(const tw::InboxConfig& config, const tw::FormParams& params) {
  auto account = tw::param(params, "AccountSid");
  return !account || account->empty() || *account == config.account_sid;
}

bool isWhatsAppAddress(std::string_view address) { return address.rfind("whatsapp:", 0) == 0; }

// Whether a message Twilio reports between `number` (To of an incoming message, From of a sent
// one) and a customer belongs to this inbox: it is the inbox's number, or a number of the inbox's
// Messaging Service (Twilio names the service in MessagingServiceSid; its pool may pick another
// sender for a reply, and the customer answers that one) on the same kind of channel.
bool inboxNumber(const tw::InboxConfig& config, const tw::FormParams& params, const std::string& number) {
  if (number.empty()) return false;
  if (config.phone_number == number) return true;
  const auto service = tw::param(params, "MessagingServiceSid");
  return !config.messaging_service_sid.empty() && service && *service == config.messaging_service_sid &&
         isWhatsAppAddress(number) == isWhatsAppAddress(config.phone_number);
}

}  // namespace

void addTwilioRoutes(Router& router, ApiDeps& deps) {
  router.add(
      "POST", "/webhooks/twilio/sms", Auth::None,
      "Twilio incoming message webhook (SMS, MMS, WhatsApp), form-encoded, signed with X-Twilio-Signature",
      [&deps](Context& ctx) -> Response {
        auto params = readForm(ctx.request);
        if (!params) return formError(params.error());
        const std::string to(tw::param(*params, "To").value_or(""));
        PARLEY_TRY(inboxes, twilioInboxes(deps));
        std::vector<ConfiguredInbox> candidates;
        for (auto& c : inboxes) {
          if (inboxNumber(c.config, *params, to) && accountMatches(c.config, *params)) candidates.push_back(std::move(c));
        }
        const ConfiguredInbox* inbox = verified(candidates, ctx.request, *params);
        if (!inbox) return badSignature();
        PARLEY_TRY(message, tw::parseIncomingMessage(*params));
        message.inbox_id = inbox->inbox.id;
        auto result = ingestKeepingTheMessage(deps, message);
        if (!result) {
          // Something Parley refuses (e.g. an unusable sender): Twilio must not retry it.
          if (result.error().code == ErrorCode::InvalidInput || result.error().code == ErrorCode::TooLarge) {
            return errorResponse(400, "invalid_input", result.error().message);
          }
          return errorResponse(result.error());
        }
        if (!result->duplicate && !message.media.empty()) deps.wake_media_fetcher();
        return twiml();
      });

  router.add(
      "POST", "/webhooks/twilio/status", Auth::None,
      "Twilio status callback for a reply (?inbox= as Parley sets it), form-encoded, signed with X-Twilio-Signature",
      [&deps](Context& ctx) -> Response {
        auto params = readForm(ctx.request);
        if (!params) return formError(params.error());
        PARLEY_TRY(inboxes, twilioInboxes(deps));
        std::vector<ConfiguredInbox> candidates;
        const auto named = ctx.request.param("inbox");
        const std::string from(tw::param(*params, "From").value_or(""));
        for (auto& c : inboxes) {
          const bool match = named ? std::to_string(c.inbox.id.value) == *named : inboxNumber(c.config, *params, from);
          if (match && accountMatches(c.config, *params)) candidates.push_back(std::move(c));
        }
        const ConfiguredInbox* inbox = verified(candidates, ctx.request, *params);
        if (!inbox) return badSignature();
        PARLEY_TRY(receipt, tw::parseStatusCallback(*params));
        if (!receipt) return twiml();  // receiving / received: nothing about a reply
        receipt->account_id = inbox->config.phone_number;
        int wait_budget_ms = app::kEarlyReceiptWaitMs;  // a callback that overtook the send's answer waits for it
        auto applied = deps.desk.applyProviderStatus(inbox->inbox, *receipt, &wait_budget_ms);
        // NotFound: a message this server did not send (or Twilio's callback beat our commit of the SID).
        if (!applied && applied.error().code != ErrorCode::NotFound) return errorResponse(applied.error());
        return twiml();
      });

  router.add("GET", "/webhooks/twilio/media/{token}", Auth::None,
             "A file of a Twilio reply, for Twilio to fetch (signed link, expires after 24 hours)",
             [&deps](Context& ctx) -> Response { return serveLinkedFile(deps, ctx.path_params["token"], core::ChannelKind::Twilio); });
}

}  // namespace parley::http
