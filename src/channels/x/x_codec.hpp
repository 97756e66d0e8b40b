// DESIGN: the pure half of the X (Twitter) channel: Account Activity API webhook -> normalised
// inbound batch, the webhook's CRC answer and signature, and the API v2 requests / answers for
// sending. No I/O here.
//
// Inbound follows the Account Activity API (v1.1 object formats, which is what it delivers):
//   https://docs.x.com/x-api/account-activity/introduction
//   One POST carries {"for_user_id": <the subscribed account>, <one kind of event array>, ...}:
//   - direct_message_events[] {type: "message_create", id, created_timestamp (ms, a string),
//     message_create: {sender_id, target.recipient_id, message_data: {text, entities,
//     attachment: {type: "media", media: {...}}}}} with a `users` map (id -> name, screen_name);
//     a DM whose sender is for_user_id is the business's own (an echo: stored as outgoing).
//   - tweet_create_events[] (v1.1 Tweet objects: id_str, text / extended_tweet.full_text, user,
//     in_reply_to_status_id_str, timestamp_ms, extended_entities.media): mentions and replies
//     become public messages threaded by in_reply_to_status_id_str; retweets are ignored; the
//     business's own replies are echoes; its own non-reply tweets are ignored; a quote post that
//     neither answers a post nor @mentions the account is ignored; mentions by users the account
//     has blocked (user_has_blocked: "true") are ignored.
//   - a delivery without for_user_id (user_event, authorisation revoked; the read-receipt and
//     typing examples of the DM references) names no inbox: accepted, its events ignored.
//   - direct_message_mark_read_events[] (sender_id read up to last_read_event_id) -> ReadMark.
//   - direct_message_indicate_typing_events, favorite_events, follow_events, ... -> ignored.
//   Every id is read as a string (id_str, or the digits of a number beyond 2^53, never a double).
//
// Authenticity (https://docs.x.com/x-api/webhooks/introduction, "Securing webhooks"):
//   CRC: GET ?crc_token=T -> {"response_token": "sha256=" + base64(HMAC-SHA256(consumer_secret, T))}
//   POST: x-twitter-webhooks-signature: "sha256=" + base64(HMAC-SHA256(consumer_secret, body)).
//
// Outbound uses the API v2, signed with OAuth 1.0a in the account's user context when the inbox
// has those keys (both endpoints accept it), else with the OAuth 2.0 user access token (Bearer),
// refreshed as "OAuth 2.0 token refresh" below describes:
//   DMs: POST /2/dm_conversations/with/{participant_id}/messages {"text", "attachments":
//     [{"media_id"}]} -> data.dm_event_id
//   Posts: POST /2/tweets {"text", "reply": {"in_reply_to_tweet_id"}, "media": {"media_ids"}} -> data.id
//   (files are uploaded first: x_media.hpp)
//   Errors are RFC 7807-like problems {"title","detail","type","status"} (or {"errors":[...]}).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/channel_gateway.hpp"
#include "core/inbound.hpp"
#include "core/result.hpp"

namespace parley::channels::x {

constexpr std::size_t kMaxJsonDepth = 64;
// Account Activity deliveries are small (one event kind per POST); anything larger is refused.
constexpr std::size_t kMaxWebhookBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxTweetLength = 280;  // weighted, as X counts (see tweetLength)
constexpr std::size_t kMaxDmLength = 10'000;

// ---- inbound -----------------------------------------------------------------------------------

// The customer read our DMs: `last_read_event_id` and everything we sent before `at`.
struct ReadMark {
  std::string account_id;  // for_user_id
  std::string contact_id;  // the reader
  std::string last_read_event_id;
  core::TimestampMs at = 0;
};

struct WebhookBatch {
  std::string for_user_id;
  core::InboundBatch batch;  // DMs, mentions, echoes; ignored counts the rest
  std::vector<ReadMark> reads;
  int typing = 0;  // typing indicators seen (not stored)
};

// The whole webhook body. Messages have account_id = for_user_id; inbox_id is left unset.
// Mentions have is_public set, thread_refs = [in_reply_to_status_id_str] and
// new_conversation_unless_threaded (one conversation per thread).
core::Result<WebhookBatch> parseWebhook(std::string_view raw_body);

// "sha256=" + base64(HMAC-SHA256(consumer_secret, data)).
std::string signature(std::string_view consumer_secret, std::string_view data);
// The CRC answer's JSON body: {"response_token":"sha256=..."}.
std::string crcResponse(std::string_view consumer_secret, std::string_view crc_token);
// Constant-time check of the x-twitter-webhooks-signature header against the raw body.
bool verifySignature(std::string_view consumer_secret, std::string_view raw_body, std::string_view header);

// ---- OAuth 1.0a ------------------------------------------------------------------------------------

// An account's OAuth 1.0a user context: what X requires to fetch a DM's media ("must be accessed
// by signing a request with the user's access token using OAuth 1.0A",
// https://developer.x.com/en/docs/direct-messages/message-attachments/guides/retrieving-media).
struct OAuth1Credentials {
  std::string consumer_key, consumer_secret, token, token_secret;
};

// The Authorization header value for a request, signed with HMAC-SHA1 as
// https://developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signature describes: the
// method, the URL without its query, and every query, body and oauth_* parameter (percent-encoded,
// sorted) make the base string; the key is consumer_secret&token_secret.
std::string oauth1Authorization(std::string_view method, std::string_view url, const OAuth1Credentials& credentials,
                                std::string_view nonce, std::int64_t timestamp,
                                const std::vector<std::pair<std::string, std::string>>& body_params = {});

// ---- OAuth 2.0 token refresh ---------------------------------------------------------------------
// An OAuth 2.0 user access token lives two hours; with the offline.access scope X also gives a
// refresh token, which buys a new pair once (X rotates it: the old one stops working)
// (https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code,
// .../oauth-2-0/user-access-token):
//   POST {api_base_url}/2/oauth2/token, Content-Type application/x-www-form-urlencoded,
//   grant_type=refresh_token&refresh_token=…; a confidential client (it has a client secret)
//   authenticates with HTTP Basic base64(client_id ":" client_secret), a public client names
//   itself with client_id in the body.
//   -> {"token_type":"bearer","expires_in":7200,"access_token":"…","scope":"…","refresh_token":"…"}
//   A refused grant (used, revoked or expired refresh token) -> 400 {"error":"invalid_grant",...}.
struct OAuth2Client {
  std::string client_id;
  std::string client_secret;  // empty: a public client
};
struct TokenRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
core::Result<TokenRequest> refreshTokenRequest(std::string_view api_base_url, std::string_view refresh_token,
                                               const OAuth2Client& client);

struct TokenAnswer {
  enum class Kind { Tokens, Refused, RetryLater } kind = Kind::Refused;
  std::string access_token;
  std::string refresh_token;     // X's new one; empty when the answer has none (keep the old one)
  std::int64_t expires_at_s = 0;  // Unix seconds (now + expires_in); 0 when X names no lifetime
  std::string reason;             // Refused / RetryLater: what the desk shows
  long retry_after_s = 0;
};
// 2xx with an access_token -> Tokens; invalid_grant -> Refused "X refused the refresh token:
// re-authorise the inbox (...)"; another 4xx (invalid_client, unauthorized_client ...) ->
// Refused naming X's error; 408, 429 and 5xx -> RetryLater.
TokenAnswer interpretTokenAnswer(long http_status, std::string_view body, std::int64_t now_s);

// ---- outbound ----------------------------------------------------------------------------------

// The length X counts for a post (twitter-text v3,
// https://docs.x.com/fundamentals/counting-characters): code points in the Latin and general
// punctuation ranges weigh 1, every other one (CJK) 2, an emoji 2 however many code points it
// joins, and every link 23 (X shortens it to a t.co link): "https://…" and "www.…" links and
// bare domains of common top-level domains ("example.com/x"). web/src/lib/x-length.ts is the
// desk's copy of this rule.
std::size_t tweetLength(std::string_view utf8);

// With a media id (x_media.hpp: uploaded first) the text may be empty: a DM then carries
// "attachments": [{"media_id"}] (X's CreateAttachmentsMessageRequest: text optional; one media
// item), a post "media": {"media_ids": [...]} — 1 to 4 ids (TweetCreateRequest's media_ids,
// docs.x.com x-api/posts/creation-of-a-post: minItems 1, maxItems 4; the media Best practices:
// "up to 4 photos, 1 animated GIF or 1 video in a Post"), in the order X shows them.
constexpr std::size_t kMaxPostMedia = 4;
struct DmRequest {
  std::string participant_id;
  std::string text;
  std::string media_id;  // empty: text only
};
struct TweetRequest {
  std::string text;
  std::string in_reply_to_tweet_id;     // empty: a post of its own
  std::vector<std::string> media_ids;  // empty: text only; at most kMaxPostMedia
};

core::Result<std::string> encodeDm(const DmRequest& request);        // the JSON body
core::Result<std::string> encodeTweet(const TweetRequest& request);  // the JSON body
// X's ids are strings of 1-32 digits (id_str).
bool isXId(std::string_view s);
// The API base URL without trailing slashes, for "{base}/2/...".
std::string trimSlashes(std::string_view base);

// "{base}/2/dm_conversations/with/{participant}/messages" and "{base}/2/tweets"; ids must be digits.
core::Result<std::string> dmUrl(std::string_view api_base_url, std::string_view participant_id);
core::Result<std::string> tweetUrl(std::string_view api_base_url);

// A non-2xx answer. 429 -> RetryLater until x-rate-limit-reset (Unix seconds; else Retry-After),
// 5xx / 408 -> RetryLater, every other status -> Failed; error = "X error <status>: <detail>".
app::DeliveryResult classifyError(long http_status, std::string_view body, long rate_limit_reset_s,
                                  long retry_after_s, core::TimestampMs now_ms);
// 2xx -> Delivered with data.dm_event_id (DM) or data.id (post), else classifyError.
app::DeliveryResult interpretAnswer(bool dm, long http_status, std::string_view body, long rate_limit_reset_s,
                                    long retry_after_s, core::TimestampMs now_ms);

}  // namespace parley::channels::x
