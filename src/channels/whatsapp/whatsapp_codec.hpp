// DESIGN: the pure half of the WhatsApp Cloud API channel: webhook payload -> normalised
// inbound batch, the webhook's authenticity checks, and the Graph API send request / answer.
// No I/O here; the HTTP routes, the store and the outbox call these functions.
//
// Inbound (Meta's "messages" webhook reference):
//   https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
//   One POST carries entry[] -> changes[] -> value {metadata, contacts[], messages[], statuses[]}.
//   Every entry, change, message and status is kept, in the order Meta lists them. The sender's
//   profile name is looked up in value.contacts[] BY wa_id (never by array position). Changes
//   whose `field` is not "messages" (or "smb_message_echoes", below) are counted in
//   InboundBatch::ignored, as are unknown status values and value-level errors[]. Unknown
//   fields are ignored. Malformed JSON, a non-object
//   body, nesting deeper than kMaxJsonDepth or a documented field of the wrong type is
//   InvalidInput with the JSON path of the problem. Every id stays a string.
//   A message of a type this codec does not know is kept as MessageKind::Unsupported (with the
//   type name and its object in payload_json): any customer message opens the 24-hour
//   customer-service window, so it must not vanish. An order is kept the same way, its note and
//   items as the text. A message of type "edit" (the customer changed a text or a caption)
//   becomes an InboundEdit of the original message; "revoke" (deleted) is counted in ignored.
//   A "system" message saying the customer changed their number or security code becomes a
//   SystemChange (no message): the desk moves the new number to the customer's contact.
//   Status "played" (a voice message played) counts as read. On a number shared with the
//   WhatsApp Business app, the smb_message_echoes field's message_echoes[] (what the business
//   wrote from the app) become echoes: the customer is `to`, stored as the business's message. A sender written "+16505551234"
//   (as the parameter tables give it) is the same wa_id as "16505551234".
//
// Authenticity (Meta "Webhooks -> Getting started", the X-Hub-Signature-256 header and the
// verification request): https://developers.facebook.com/docs/graph-api/webhooks/getting-started
//
// Outbound (Messages API, "POST /<PHONE_NUMBER_ID>/messages"):
//   https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages
//   .../messages/image-messages, .../messages/document-messages, .../messages/reaction-messages,
//   .../messages/contextual-replies, .../templates/overview (sending template messages)
// Errors: https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
// Media: https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/channel_gateway.hpp"
#include "app/customer_account_change.hpp"
#include "core/inbound.hpp"
#include "core/result.hpp"

namespace parley::channels::whatsapp {

// Deeper JSON is rejected by the parser itself (Boost.JSON's max_depth), before any of our code
// walks the document; nothing in this codec recurses over the payload.
constexpr std::size_t kMaxJsonDepth = 64;
// Defence in depth; the HTTP layer enforces its own (smaller or equal) body limit first.
constexpr std::size_t kMaxWebhookBytes = 8 * 1024 * 1024;
// Longest id (message id, wa_id, media id, phone number id) accepted from a webhook.
constexpr std::size_t kMaxIdLength = 1024;

// ---- inbound -----------------------------------------------------------------------------------

// A "system" message (.../webhooks/reference/messages/system): the customer's account changed.
// Two spellings are read: Meta's current one (type "user_changed_number", the new number in
// system.wa_id) and the older Cloud API one ("customer_changed_number" with new_wa_id, the old
// number in system.customer; "customer_identity_changed" / "user_identity_changed" with
// system.identity when the security code changed). Any other system type (e.g. the newer
// "user_changed_user_id") stays a message as before: an Unsupported message with Meta's sentence.
struct SystemChange {
  std::string account_id;  // metadata.phone_number_id, which picks the inbox
  // message_id = the wamid; external_id = `from` (or system.customer), old_phone = "+" + it when
  // it is digits; new_external_id / new_phone likewise from system.wa_id (or new_wa_id); text =
  // system.body; provider_type = system.type.
  app::CustomerAccountChange change;
};

struct WebhookBatch {
  core::InboundBatch batch;
  std::vector<SystemChange> system_changes;  // in the order Meta listed them
};

// The whole webhook body. inbox_id of every message is left unset: the caller finds the inbox
// from each message's (and status's) account_id = metadata.phone_number_id.
core::Result<WebhookBatch> parseWebhookBatch(std::string_view raw_body);
// parseWebhookBatch's batch alone (the system changes are not in it).
core::Result<core::InboundBatch> parseWebhook(std::string_view raw_body);

// X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body keyed with the app secret,
// compared in constant time. False for an empty secret or a malformed header.
bool verifySignature(std::string_view app_secret, std::string_view raw_body, std::string_view header);
std::string signatureHeader(std::string_view app_secret, std::string_view raw_body);

// The GET verification request: true when hub.mode is "subscribe" and hub.verify_token equals
// the inbox's verify token (constant time; an empty expected token never matches). The caller
// then answers 200 with hub.challenge as the body, else 403.
bool verifyHandshake(std::string_view mode, std::string_view verify_token_expected, std::string_view verify_token_given);

// ---- outbound ----------------------------------------------------------------------------------

struct TextContent {
  std::string body;  // 1..4096 characters
  bool preview_url = false;
};

enum class MediaType { Image, Audio, Video, Document, Sticker };

struct MediaContent {
  MediaType type = MediaType::Image;
  std::string media_id;  // an uploaded media id ... (give exactly one of media_id and link)
  std::string link;      // ... or an http(s) URL Meta downloads
  std::string caption;   // image, video, document only; at most 1024 characters
  std::string filename;  // document only
};

// A button's dynamic value in a template send ("button" component, by the button's index):
// sub_type "url" sends {"type":"text","text": value} (a URL button's {{1}} suffix, or an
// authentication template's one-time code); "copy_code" sends {"type":"coupon_code", ...};
// "quick_reply" sends {"type":"payload","payload": value}, returned when the button is tapped.
struct TemplateButtonParameter {
  std::string sub_type;  // "url", "copy_code" or "quick_reply"
  int index = 0;         // the button's position in the template, 0-based
  std::string value;
};

struct TemplateContent {
  std::string name;
  std::string language_code;                // e.g. "en_US", "de"
  std::vector<std::string> body_parameters;  // {{1}}, {{2}} ... of the body, in order
  // NAMED templates ("parameter_format": "NAMED"): each body parameter's name, sent as
  // "parameter_name" (same order as body_parameters); empty for positional templates.
  std::vector<std::string> body_parameter_names;
  // The header: "TEXT" with at most one parameter, "IMAGE" / "VIDEO" / "DOCUMENT", whose one
  // parameter is the media's http(s) link, or "LOCATION" with latitude, longitude, name and
  // address. Empty: the template has no header parameter.
  std::string header_format;
  std::vector<std::string> header_parameters;
  std::vector<std::string> header_parameter_names;  // NAMED templates, like body_parameter_names
  std::vector<TemplateButtonParameter> buttons;
};

struct ReactionContent {
  std::string message_id;  // the wamid reacted to
  std::string emoji;       // empty removes the business's reaction
};

// Interactive reply buttons (.../messages/interactive-reply-buttons-messages): a body of 1-1024
// characters and 1-3 buttons, each {"type":"reply","reply":{"id","title"}}: id at most 256
// characters, title 1-20 characters and unique in the message.
struct ReplyButtonChoice {
  std::string id;
  std::string title;
};
struct InteractiveButtonsContent {
  std::string body;
  std::vector<ReplyButtonChoice> buttons;
};

// A WhatsApp group the business is in (Groups API) is a contact of its own: its id is kept as
// an External identity in the scope "inbox:<id>" + kGroupScopeSuffix, and a reply names it as
// kGroupRecipientPrefix + group id in SendRequest::to.
constexpr const char* kGroupScopeSuffix = ":group";
constexpr const char* kGroupRecipientPrefix = "group:";
// Meta's group ids ("Y2FwaV9ncm91cDox…"): letters, digits, '_', '-', '='; at most 256.
bool isGroupId(std::string_view id);

struct SendRequest {
  // The customer: their WhatsApp phone number (wa_id, digits, optional leading '+'), sent as
  // "to"; or, for a customer known only by a business-scoped user id (a username without a
  // shared number: "US.13491208655302741918", "US.ENT.…"), that id, sent as "recipient"; or a
  // group, "group:<GROUP_ID>", sent as recipient_type "group" and "to".
  std::string to;
  // The wamid this message answers (sent as context.message_id, shown quoted). Not allowed on
  // reactions (Meta: "You cannot send a reaction message as a contextual reply"), so ignored there.
  std::string reply_to_message_id;
  std::variant<TextContent, MediaContent, TemplateContent, ReactionContent, InteractiveButtonsContent> content;
};

// The JSON body of POST {api_base_url}/{phone_number_id}/messages. InvalidInput names the problem.
core::Result<std::string> encodeSend(const SendRequest& request);

// Whether `id` has the form of a business-scoped user id: an ISO 3166 country code, a period
// and up to 128 letters and digits, a parent BSUID with "ENT." between them.
bool isBusinessScopedUserId(std::string_view id);

// "{base}/{phone_number_id}/messages" and "{base}/{media_id}". api_base_url includes the Graph
// API version, e.g. "https://graph.facebook.com/v23.0" (a loopback fake in tests). Ids must be
// [A-Za-z0-9._-] so they cannot change the path.
core::Result<std::string> sendUrl(std::string_view api_base_url, std::string_view phone_number_id);
core::Result<std::string> mediaInfoUrl(std::string_view api_base_url, std::string_view media_id);

// A 2xx answer of the send call: {"messaging_product","contacts":[...],"messages":[{"id"}]}
// -> messages[0].id, the wamid that later status webhooks carry.
core::Result<std::string> parseSendResponse(std::string_view body);

// A non-2xx answer of the send call: {"error":{"message","type","code","error_data":{"details"},
// "fbtrace_id"}}. RetryLater for HTTP 429 / 5xx and for Meta's throttling and temporary codes,
// Failed otherwise; error = "WhatsApp error <code>: <message> (<details>)". retry_after_s is the
// answer's Retry-After header in seconds (0 when absent).
app::DeliveryResult classifySendError(long http_status, std::string_view body, long retry_after_s = 0);

// Any answer of the send call: 2xx -> Delivered with the wamid (Failed if it has none), else
// classifySendError.
app::DeliveryResult interpretSendAnswer(long http_status, std::string_view body, long retry_after_s = 0);

// GET /{media-id} answers {"messaging_product","url","mime_type","sha256","file_size","id"}; the
// file is then downloaded from `url` with the same "Authorization: Bearer <access token>".
struct MediaInfo {
  std::string url;
  std::string mime_type;
  std::string sha256;
  std::int64_t file_size = 0;
  std::string id;
};
core::Result<MediaInfo> parseMediaInfo(std::string_view body);

}  // namespace parley::channels::whatsapp
