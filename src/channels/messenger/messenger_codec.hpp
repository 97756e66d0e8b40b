// DESIGN: the pure half of the Facebook Messenger and Instagram messaging channels (both are
// Meta's Messenger Platform and share one webhook format): webhook payload -> normalised inbound
// batch, the webhook's authenticity checks, and the Send API request / answer. No I/O here.
//
// Inbound (Messenger Platform "Webhook Events Reference"):
//   https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events
//   (messages, message_echoes, messaging_postbacks, message_reactions, message_deliveries,
//   message_reads; Instagram: messages incl. echoes, messaging_seen, message_reactions,
//   messaging_postbacks — https://developers.facebook.com/docs/instagram-messaging/webhooks)
//   One POST carries {"object":"page"|"instagram","entry":[{"id":<page or IG account id>,
//   "time", "messaging":[event, ...]}]}; every event has sender.id, recipient.id and timestamp
//   (milliseconds). Events are kept in the order Meta lists them. A body whose `object` is not
//   this product's, `standby` events (another app owns the thread), `changes` (feed, comments)
//   and event kinds this codec does not store (optins, Instagram's referrals without a message,
//   handovers, account linking, policy enforcement ...) are counted in ignored. A Messenger
//   referral without a message (m.me link, ad ... on an existing thread) is an activity line
//   (core::InboundMessage::activity) that reopens the 24-hour window. Malformed JSON, a
//   non-object body, nesting deeper than kMaxJsonDepth or a documented field of the wrong type is
//   InvalidInput with the JSON path of the problem. Every id stays a string.
//
//   A messaging notification may also come as entry[].changes[] {"field":"messages" ...,
//   "value":<one event>} (the App Dashboard's tests, the messaging_postbacks page), with Unix
//   seconds as a string: read like messaging[]. An event whose sender is only a user_ref (no
//   PSID to store or answer), and Instagram's is_self test messages, are ignored. message_edit
//   (Messenger's message_edits, Instagram's message_edit) is an InboundEdit of the stored message.
//
//   Read and delivery receipts in Messenger name a watermark ("all messages sent before this
//   timestamp were read / delivered"), sometimes also mids; Instagram's messaging_seen names a
//   mid. Mids become InboundStatus; a watermark becomes a Watermark for the contact.
//
// Authenticity: X-Hub-Signature-256 and the hub.* verification request, as for WhatsApp
//   (https://developers.facebook.com/docs/graph-api/webhooks/getting-started).
//
// Outbound (Send API, POST /{page_id}/messages or /{ig_id}/messages):
//   https://developers.facebook.com/docs/messenger-platform/reference/send-api
//   Attachment Upload API (POST /{page_id}/message_attachments, multipart `message` + `filedata`):
//   https://developers.facebook.com/docs/messenger-platform/reference/attachment-upload-api
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/channel_gateway.hpp"
#include "core/inbound.hpp"
#include "core/result.hpp"

namespace parley::channels::messenger {

enum class Product { Messenger, Instagram };

// "Messenger" / "Instagram", for messages shown to people.
std::string_view productName(Product product);

constexpr std::size_t kMaxJsonDepth = 64;
constexpr std::size_t kMaxWebhookBytes = 8 * 1024 * 1024;
constexpr std::size_t kMaxIdLength = 1024;
// The Send API's `metadata` that Parley puts on every message it sends: kEchoMetadata + ":" +
// the reply's message id. Meta returns it on the message's echo, which is therefore known as the
// echo of that very reply (core::InboundMessage::echo_of), never stored as a message of its own.
// A bare kEchoMetadata (what versions before put on their sends) is skipped.
constexpr std::string_view kEchoMetadata = "parley";
// Meta's standard messaging window: RESPONSE inside it, the HUMAN_AGENT tag after it (7 days).
constexpr std::int64_t kWindowMs = 24LL * 3600 * 1000;

// ---- inbound -----------------------------------------------------------------------------------

// A receipt that names a moment instead of messages: every message the business sent to
// `contact_id` in that account's inbox at or before `watermark` reached `status`.
struct Watermark {
  std::string account_id;  // page id / Instagram account id
  std::string contact_id;  // the customer's PSID / IGSID
  core::DeliveryStatus status = core::DeliveryStatus::Delivered;
  core::TimestampMs watermark = 0;
};

struct WebhookBatch {
  core::InboundBatch batch;  // messages (incl. echoes), statuses by mid, ignored
  std::vector<Watermark> watermarks;
};

// The whole webhook body. inbox_id is left unset; account_id is entry[].id.
core::Result<WebhookBatch> parseWebhook(std::string_view raw_body, Product product);

bool verifySignature(std::string_view app_secret, std::string_view raw_body, std::string_view header);
std::string signatureHeader(std::string_view app_secret, std::string_view raw_body);
bool verifyHandshake(std::string_view mode, std::string_view verify_token_expected, std::string_view verify_token_given);

// ---- outbound ----------------------------------------------------------------------------------

enum class AttachmentType { Image, Audio, Video, File };
AttachmentType attachmentTypeFor(std::string_view content_type);

// What Instagram's Attachment Upload API takes (instagram-messaging/features/attachment-upload):
// images png, jpeg, gif up to 8 MB; video mp4, ogg, avi, mov, webm, audio aac, m4a, wav, mp4 and
// files pdf, each up to 25 MB. InvalidInput naming the file and the rule, else OK.
core::Status checkInstagramFile(const std::string& filename, const std::string& content_type, std::int64_t bytes);
// The file name an Instagram upload carries: "Media file names containing non-ASCII characters
// ... are not supported for attachment uploads". Every character outside [A-Za-z0-9._-] becomes
// '_'; a name left without a letter or digit becomes "attachment" (with its extension).
std::string asciiUploadName(std::string_view filename);
// Instagram's Send API: "Message text must be UTF-8 and be a 1000 bytes or less".
constexpr std::size_t kMaxInstagramTextBytes = 1000;
std::string_view toString(AttachmentType type);

struct SendRequest {
  std::string recipient_id;  // PSID / IGSID, or the comment's or post's id for a private reply
  // recipient.<field>: "id" (a PSID / IGSID), or for a private reply to a comment or a visitor
  // post "comment_id" / "post_id": one message to its author, within 7 days of it
  // (messenger-platform/discovery/private-replies).
  std::string_view recipient_field = "id";
  // Exactly one of text and attachment_id: the Send API takes text or one attachment per message.
  std::string text;          // at most 2000 characters (Messenger) or 1000 bytes (Instagram)
  Product product = Product::Messenger;
  std::string attachment_id;  // from the Attachment Upload API
  AttachmentType attachment_type = AttachmentType::File;
  // Outside the 24-hour window: messaging_type MESSAGE_TAG with tag HUMAN_AGENT, else RESPONSE.
  bool human_agent = false;
  // message.metadata = "parley:<echo_of>", so that the echo is known as this reply's. Messenger
  // documents the field; Instagram's send API does not list it (its echoes are matched by message
  // id), and Graph API refuses keys a parameter does not have, so Instagram sends go without it
  // (echo_metadata false).
  bool echo_metadata = true;
  std::int64_t echo_of = 0;  // the reply's message id
};

// The JSON body of POST {base}/{account}/messages.
core::Result<std::string> encodeSend(const SendRequest& request);
// The `message` form field of the Attachment Upload API: {"attachment":{"type","payload":{"is_reusable":false}}}.
std::string encodeUploadMessage(AttachmentType type);

// "{base}/{account}/messages" and "{base}/{account}/message_attachments"; ids must be
// [A-Za-z0-9._-] so they cannot change the path.
core::Result<std::string> sendUrl(std::string_view api_base_url, std::string_view account_id);
core::Result<std::string> uploadUrl(std::string_view api_base_url, std::string_view account_id);

// ---- public replies to comments ------------------------------------------------------------------
// Facebook (Graph API's comments edge): POST {base}/{comment-id}/comments with `message` (and
// optionally a photo as the multipart field `source`) answers a comment in its thread, visible
// to everyone. Instagram (comment moderation): POST {base}/{ig-comment-id}/replies with
// `message`, text only. The answer is {"id": "<the new comment's id>"}.
constexpr std::size_t kMaxCommentChars = 8000;           // Facebook
// The identity scope suffix (core::InboundContact::scope_suffix) of a Page comment's author:
// Facebook gives them an id of their own, not a Messenger PSID (Instagram comments name the IGSID).
constexpr std::string_view kCommentAuthorScope = ":facebook";
constexpr std::size_t kMaxInstagramCommentChars = 2200;  // Instagram's limit for captions and comments
constexpr std::size_t kMaxCommentPhotoBytes = 4 * 1024 * 1024;  // Graph API's photo limit (pages-api/posts)
core::Result<std::string> commentRepliesUrl(std::string_view api_base_url, std::string_view comment_id,
                                            Product product = Product::Messenger);
// {"message": text}; text non-empty (unless a photo goes along: empty allowed), at most the
// product's limit (kMaxCommentChars, kMaxInstagramCommentChars).
core::Result<std::string> encodeCommentReply(std::string_view text, bool with_photo = false, Product product = Product::Messenger);
// 2xx -> Delivered with the comment's id (Failed if it has none), else classifySendError.
app::DeliveryResult interpretCommentAnswer(Product product, long http_status, std::string_view body, long retry_after_s = 0);

// {"recipient_id","message_id"} -> message_id; {"attachment_id"} -> attachment_id.
core::Result<std::string> parseSendResponse(std::string_view body);
// {"recipient_id", ...} -> recipient_id (the author's PSID after a private reply to a comment).
core::Result<std::string> parseSendRecipient(std::string_view body);
core::Result<std::string> parseUploadResponse(std::string_view body);

// A non-2xx answer: {"error":{"message","type","code","error_subcode","fbtrace_id"}}. RetryLater
// for HTTP 429 / 5xx and for Meta's rate-limit and temporary codes (4, 17, 32, 613, 1, 2, 1200),
// Failed otherwise (e.g. 10 / 2018278 and 551 outside the window, 100, 190, 200);
// error = "<Product> error <code>[/<subcode>]: <message>".
app::DeliveryResult classifySendError(Product product, long http_status, std::string_view body, long retry_after_s = 0);
// 2xx -> Delivered with message_id (Failed if it has none), else classifySendError.
app::DeliveryResult interpretSendAnswer(Product product, long http_status, std::string_view body, long retry_after_s = 0);

// ---- customer profiles ---------------------------------------------------------------------------
// Messenger's User Profile API (GET /{PSID}?fields=first_name,last_name,profile_pic,
// https://developers.facebook.com/documentation/business-messaging/messenger-platform/identity/user-profile)
// and Instagram's (GET /{IGSID}?fields=name,username,profile_pic,
// https://developers.facebook.com/documentation/business-messaging/instagram-messaging/features/user-profile),
// with the page's / account's token. Errors are the Send API's ({"error":{...}}, classifySendError).
constexpr std::size_t kMaxProfileNameBytes = 200;
// "{base}/{user id}?fields=..."; the id must be [A-Za-z0-9._-].
core::Result<std::string> profileUrl(Product product, std::string_view api_base_url, std::string_view user_id);
// The name to show: "first_name last_name" (Messenger); name, else "@username" (Instagram).
// NotFound when the answer names nobody, InvalidInput when it is not a profile.
core::Result<std::string> parseProfileName(Product product, std::string_view body);

}  // namespace parley::channels::messenger
