// DESIGN: the pure half of the Twilio channel (SMS, MMS and WhatsApp through Twilio's
// Programmable Messaging): form bodies -> normalised inbound messages and delivery receipts,
// the X-Twilio-Signature check, and the Messages API request / answer. No I/O here.
//
// Inbound ("Twilio's request to your incoming message Webhook URL"):
//   https://www.twilio.com/docs/messaging/guides/webhook-request
//   application/x-www-form-urlencoded: MessageSid (SmsMessageSid / SmsSid on old accounts),
//   AccountSid, From, To, Body, NumMedia, MediaUrl{N}, MediaContentType{N}; for WhatsApp also
//   ProfileName, WaId, ButtonText / ButtonPayload, Latitude / Longitude / Address / Label,
//   OriginalRepliedMessageSid, Forwarded, Referral*. Twilio adds parameters without notice:
//   unknown ones are ignored (but still signed, so the signature covers every parameter).
// Status callbacks (https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks):
//   MessageSid, MessageStatus (queued, sending, sent, delivered, undelivered, failed, read ...),
//   ErrorCode, ErrorMessage.
// Signatures (https://www.twilio.com/docs/usage/webhooks/webhooks-security): base64 of
//   HMAC-SHA1(auth token, full URL + every POST parameter sorted by name, name then value).
// Outbound (https://www.twilio.com/docs/messaging/api/message-resource):
//   POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From, Body,
//   MediaUrl (repeated), StatusCallback; basic auth AccountSid:AuthToken. Errors are
//   {"code","message","more_info","status"} (https://www.twilio.com/docs/api/errors).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/channel_gateway.hpp"
#include "core/inbound.hpp"
#include "core/result.hpp"

namespace parley::channels::twilio {

// A Twilio form body is a few kilobytes (Body is at most 1600 characters, 10 media URLs).
constexpr std::size_t kMaxWebhookBytes = 256 * 1024;
constexpr std::size_t kMaxParams = 256;
constexpr std::size_t kMaxMedia = 10;       // Twilio's limit per message, both directions
constexpr std::size_t kMaxBodyChars = 1600;  // Messages API: Body at most 1600 characters
constexpr std::size_t kMaxSidLength = 64;

using FormParams = std::vector<std::pair<std::string, std::string>>;

// ---- form encoding -----------------------------------------------------------------------------

// application/x-www-form-urlencoded: '+' is a space, %XX a byte. Parameters keep their order
// and duplicates. TooLarge over kMaxWebhookBytes; InvalidInput for a malformed %-escape, an
// empty name or more than kMaxParams parameters. Values are bytes: UTF-8 is checked later, on
// the fields that are used (an unknown parameter in another encoding is still signed).
core::Result<FormParams> parseForm(std::string_view body);
// The value of the first parameter `name`, if any.
std::optional<std::string_view> param(const FormParams& params, std::string_view name);
// Percent-encodes everything but RFC 3986 unreserved characters (space as %20).
std::string percentEncode(std::string_view text);
std::string formEncode(const FormParams& params);

// ---- signatures --------------------------------------------------------------------------------

// base64(HMAC-SHA1(auth_token, url + name1 + value1 + name2 + value2 ...)), parameters sorted
// by name (then value, for repeated names; an identical name=value pair counts once), as Twilio
// documents it and its helper libraries compute it.
std::string computeSignature(std::string_view auth_token, std::string_view url, const FormParams& params);
// The URLs a signature may have been made over, as Twilio's helper libraries check them
// ("signature generation on the back end is inconsistent" about ports): the URL as given, then
// without its port when it has one, else with the scheme's default port (:443 / :80) added.
std::vector<std::string> signedUrlVariants(std::string_view url);
// Compares in constant time against every variant of `url`; false for an empty token or header.
bool verifySignature(std::string_view auth_token, std::string_view url, const FormParams& params,
                     std::string_view header);

// ---- inbound -----------------------------------------------------------------------------------

// "whatsapp:+14155238886" -> "+14155238886"; other addresses unchanged.
std::string stripChannelPrefix(std::string_view address);
bool isWhatsAppAddress(std::string_view address);

// An incoming message. account_id is the `To` address exactly as Twilio sent it (it picks the
// inbox); the contact is the `From` phone without its `whatsapp:` prefix, verified (Twilio
// vouches for it), named by ProfileName. InvalidInput names the missing or malformed field.
core::Result<core::InboundMessage> parseIncomingMessage(const FormParams& params);

// A status callback. nullopt for statuses that say nothing about a sent message (receiving,
// received). account_id is `From` (the business's sender). Failed / undelivered carry
// "Twilio error <code>: <text>".
core::Result<std::optional<core::InboundStatus>> parseStatusCallback(const FormParams& params);

// "queued" -> Pending ... ; nullopt for an unknown status.
std::optional<core::DeliveryStatus> deliveryStatusFor(std::string_view message_status);
// "Twilio error 30003: Unreachable destination handset" (text from ErrorMessage, else a short
// table of common codes, else none).
std::string describeError(std::string_view code, std::string_view message);

// ---- outbound ----------------------------------------------------------------------------------

struct SendRequest {
  std::string to;    // "+4915..." or "whatsapp:+4915..."
  std::string from;  // the inbox's phone_number
  std::string body;  // at most kMaxBodyChars characters
  std::vector<std::string> media_urls;  // public URLs Twilio fetches, at most kMaxMedia
  std::string status_callback;
  // A Content API template (WhatsApp outside the 24-hour window) instead of Body and media:
  // ContentSid "HX..." and ContentVariables, a JSON object text {"1": "value", ...}.
  std::string content_sid;
  std::string content_variables;
  std::string messaging_service_sid;  // "MG...": sent instead of From (the service picks the sender)
};

// The form body of POST .../Messages.json. InvalidInput when To / From are missing, Body is too
// long, there is neither text nor media (nor a ContentSid), too many media, or a ContentSid
// comes with Body or media.
core::Result<std::string> encodeSend(const SendRequest& request);
// "MG" and 32 hexadecimal digits.
bool validMessagingServiceSid(std::string_view sid);
// "Basic base64(account_sid:auth_token)", Twilio's REST API authentication.
std::string basicAuth(std::string_view account_sid, std::string_view auth_token);
// "{base}/2010-04-01/Accounts/{sid}/Messages.json"; the SID must be [A-Za-z0-9].
core::Result<std::string> messagesUrl(std::string_view api_base_url, std::string_view account_sid);
// {"sid": "SM..."} -> the SID.
core::Result<std::string> parseSendResponse(std::string_view body);
// A non-2xx answer: RetryLater for HTTP 429 / 5xx and Twilio code 20429, Failed otherwise with
// "Twilio error <code>: <message>".
app::DeliveryResult classifySendError(long http_status, std::string_view body, long retry_after_s = 0);
// 2xx -> Delivered with the SID (Failed if it has none), else classifySendError.
app::DeliveryResult interpretSendAnswer(long http_status, std::string_view body, long retry_after_s = 0);

}  // namespace parley::channels::twilio
