// DESIGN: the pure half of the Telegram Bot API channel: one webhook Update -> normalised inbound
// batch, the webhook's secret-token check, and the Bot API requests and answers of the send,
// getFile and answerCallbackQuery methods. No I/O here; the webhook route, the store and the
// outbox call these functions.
//
// Inbound (Bot API, "Getting updates" -> Update, Message, CallbackQuery, MessageReactionUpdated):
//   https://core.telegram.org/bots/api#update
//   One webhook POST carries exactly one Update: {update_id, <one optional field>}. Handled:
//   message, edited_message, callback_query, message_reaction, and my_chat_member in a private
//   chat (the user blocked or unblocked the bot: ParsedUpdate::notice). Every other documented
//   kind (channel posts, business messages, inline and shipping queries, polls, other member
//   changes, boosts ...) and any kind this codec does not know is counted in InboundBatch::ignored.
//   Unknown fields are ignored. Malformed JSON, a non-object body, nesting deeper than
//   kMaxJsonDepth or a documented field of the wrong type is InvalidInput with the JSON path.
//
// Ids: Telegram ids are JSON integers that do not fit 32 bits (chat ids of supergroups and
//   channels are -100xxxxxxxxxx; user ids have up to 52 significant bits). They are read as
//   Boost.JSON int64/uint64, never through a double, and kept as decimal text; a fraction or an
//   integer beyond 64 bits (already rounded by the parser) is refused.
//   Message ids are unique per chat only, so a message's external id is "<chat_id>:<message_id>";
//   a callback query's is "callback:<callback_query_id>", a reaction's
//   "<chat_id>:<message_id>:reaction:<update_id>" (a reaction has no id of its own; update_id is
//   what Telegram repeats when it redelivers).
//
// Who is the contact: the chat. In a private chat the chat id is the user's id (Telegram:
//   "for private chats, the chat id is the user id"), so the contact is the Telegram user, named
//   first_name + last_name, username in payload_json.from. In a group or supergroup the contact
//   is the group itself, named by its title, so one group is one conversation and a reply goes
//   back to the group; the member who wrote is in payload_json.from of each message.
//
// Authenticity (setWebhook's secret_token, sent back in X-Telegram-Bot-Api-Secret-Token):
//   https://core.telegram.org/bots/api#setwebhook
//
// Outbound: sendMessage, sendPhoto, sendDocument, sendMediaGroup
//   (https://core.telegram.org/bots/api#sendmessage and below), answerCallbackQuery, getFile and the file download
//   (https://core.telegram.org/bots/api#getfile), error answers {ok:false, error_code,
//   description, parameters: {retry_after, migrate_to_chat_id}}
//   (https://core.telegram.org/bots/api#making-requests, #responseparameters).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/channel_gateway.hpp"
#include "app/customer_account_change.hpp"
#include "core/inbound.hpp"
#include "core/result.hpp"

namespace parley::channels::telegram {

// Deeper JSON is rejected by the parser itself (Boost.JSON's max_depth); nothing here recurses.
constexpr std::size_t kMaxJsonDepth = 64;
// Defence in depth; the HTTP layer enforces its own (smaller or equal) body limit first.
constexpr std::size_t kMaxWebhookBytes = 8 * 1024 * 1024;
// Longest string id (file_id, callback query id) accepted from a webhook.
constexpr std::size_t kMaxIdLength = 1024;
// Bot API limits, in characters (counted as UTF-16 code units, as Telegram counts them).
constexpr std::size_t kMaxTextChars = 4096;
constexpr std::size_t kMaxCaptionChars = 1024;
// Upload limits of the Bot API (multipart/form-data): photos 10 MB, other files 50 MB.
constexpr std::int64_t kMaxPhotoUploadBytes = 10LL * 1024 * 1024;
constexpr std::int64_t kMaxUploadBytes = 50LL * 1024 * 1024;

// ---- inbound -----------------------------------------------------------------------------------

struct ParsedUpdate {
  std::string update_id;
  // At most one message or one edit (a webhook carries one Update). inbox_id and account_id are
  // left unset: the webhook URL names the inbox.
  core::InboundBatch batch;
  // Set for a callback_query: Telegram shows a progress bar on the button until the bot answers
  // it (answerCallbackQuery).
  std::string callback_query_id;
  // my_chat_member in a private chat: the user blocked the bot (new status "kicked") or
  // unblocked it ("member" after "kicked"); Bot API: "For private chats, this update is received
  // only when the bot is blocked or unblocked by the user". A line for the agent in that chat's
  // conversation, named "my_chat_member:<update_id>" (DeskService::noteCustomerActivity).
  std::optional<app::CustomerNotice> notice;
};

core::Result<ParsedUpdate> parseUpdate(std::string_view raw_body);

// X-Telegram-Bot-Api-Secret-Token against the inbox's secret_token, in constant time. An empty
// expected token never matches.
bool verifySecretToken(std::string_view expected, std::string_view given);
// setWebhook's rule for secret_token: 1-256 characters of A-Z a-z 0-9 _ -.
bool validSecretToken(std::string_view token);
// "<bot id>:<secret>", the characters BotFather issues ([A-Za-z0-9_-], one ':'), so the token
// cannot change the URL path it is put into.
bool validBotToken(std::string_view token);

// ---- outbound ----------------------------------------------------------------------------------

struct InlineButton {
  std::string text;
  std::string callback_data;  // 1-64 bytes ... (exactly one of callback_data and url)
  std::string url;            // ... or an http(s) / tg:// link
};
using InlineKeyboard = std::vector<std::vector<InlineButton>>;

struct SendRequest {
  std::string chat_id;  // decimal integer
  std::string text;     // the message text, or the caption when a file is sent
  std::string reply_to_message_id;  // a message id in this chat (decimal), or empty
  InlineKeyboard inline_keyboard;   // optional reply_markup
  std::string message_thread_id;    // the forum topic to post in (decimal), or empty: the chat itself
};

enum class FileMethod { Photo, Document };

// The JSON body of POST {api_base_url}/bot<token>/sendMessage. InvalidInput names the problem
// (empty or too long text, a bad chat id, a bad keyboard, invalid UTF-8).
core::Result<std::string> encodeSendMessage(const SendRequest& request);
// The text fields of the multipart sendPhoto / sendDocument request (chat_id, caption,
// reply_parameters, reply_markup); the caller adds the file part ("photo" / "document").
core::Result<std::vector<std::pair<std::string, std::string>>> encodeSendFileFields(const SendRequest& request);
// "photo" or "document", and the method name ("sendPhoto" / "sendDocument").
const char* filePartName(FileMethod method);
const char* fileMethodName(FileMethod method);

// An album (sendMediaGroup, https://core.telegram.org/bots/api#sendmediagroup): 2-10 files shown
// as one message. Telegram groups photos with photos (and videos) and documents only with
// documents; the album takes no reply_markup, so a reply with buttons is not sent as one.
constexpr std::size_t kMaxAlbumFiles = 10;
// What Parley puts into one album request (each file is read into memory to be uploaded).
constexpr std::int64_t kMaxAlbumBytes = kMaxUploadBytes;
struct AlbumFile {
  FileMethod method = FileMethod::Document;  // InputMediaPhoto or InputMediaDocument
  std::string part_name;                     // the multipart part holding it: media "attach://<part_name>"
};
// The text fields of the multipart sendMediaGroup request (chat_id, message_thread_id,
// reply_parameters, media); the request's text is the first file's caption. InvalidInput for
// fewer than 2 or more than 10 files, photos mixed with documents, a keyboard, a bad part name,
// or what encodeSendFileFields refuses.
core::Result<std::vector<std::pair<std::string, std::string>>> encodeSendMediaGroupFields(const SendRequest& request,
                                                                                        const std::vector<AlbumFile>& files);
// sendPhoto for JPEG and PNG up to 10 MB (Telegram recompresses them as photos), sendDocument
// for everything else (sent as the file it is).
FileMethod fileMethodFor(std::string_view content_type, std::int64_t size);

// Whether a sendPhoto error (its description) says Telegram cannot take the file as a photo
// (PHOTO_INVALID_DIMENSIONS: a side over 10000 px or a ratio over 20; IMAGE_PROCESS_FAILED ...),
// so the same file can go as a document instead.
bool photoRefused(std::string_view description);

// The inline keyboard in an outgoing message's payload_json ({"inline_keyboard": [[{"text",
// "callback_data"|"url"}]]}); an empty keyboard when there is none. InvalidInput when malformed.
core::Result<InlineKeyboard> inlineKeyboardFromPayload(std::string_view payload_json);

// "<base>/bot<token>/<method>" and "<base>/file/bot<token>/<file_path>". The token must pass
// validBotToken; the file path is percent-encoded (and may not climb with "..").
core::Result<std::string> methodUrl(std::string_view api_base_url, std::string_view bot_token, std::string_view method);
core::Result<std::string> fileUrl(std::string_view api_base_url, std::string_view bot_token, std::string_view file_path);

// The error answer of any method: {"ok":false,"error_code","description","parameters":{...}}.
struct ApiError {
  long error_code = 0;  // 0 when the body did not say
  std::string description;
  long retry_after_s = 0;          // parameters.retry_after (flood control)
  std::string migrate_to_chat_id;  // parameters.migrate_to_chat_id (group became a supergroup)
};
ApiError parseApiError(std::string_view body);

// A non-2xx answer of a send method: HTTP 429 (retry after parameters.retry_after, else the
// Retry-After header) and 5xx are RetryLater, every other status Failed; the error reads
// "Telegram error <code>: <description>".
app::DeliveryResult classifySendError(long http_status, std::string_view body, long retry_after_header_s = 0);
// Any answer of a send method: 2xx with {"ok":true,"result":Message} -> Delivered with
// provider_message_id "<chat_id>:<message_id>", else classifySendError.
app::DeliveryResult interpretSendAnswer(long http_status, std::string_view body, long retry_after_header_s = 0);

// sendMediaGroup's answer {"ok":true,"result":[Message, ...]} -> Delivered with the first
// message's "<chat_id>:<message_id>" (the one that carries the caption), else classifySendError.
app::DeliveryResult interpretMediaGroupAnswer(long http_status, std::string_view body, long retry_after_header_s = 0);

// The sent Message of {"ok":true,"result":{...}} -> "<chat.id>:<message_id>".
core::Result<std::string> parseSentMessageId(std::string_view body);

// getFile's answer {"ok":true,"result":{"file_id","file_unique_id","file_size","file_path"}}.
struct FileInfo {
  std::string file_id;
  std::string file_path;
  std::int64_t file_size = 0;  // 0 when not given
};
core::Result<FileInfo> parseGetFile(std::string_view body);

// The JSON body of getFile.
std::string encodeGetFile(std::string_view file_id);
// The webhook's answer that makes the Bot API run answerCallbackQuery (a method call in the
// response to an update), so the customer's client stops its spinner without a request of ours.
std::string encodeAnswerCallbackQuery(std::string_view callback_query_id);

// "<chat_id>:<message_id>[:...]" -> {chat_id, message_id}; nullopt for any other external id.
std::optional<std::pair<std::string, std::string>> splitMessageId(std::string_view external_id);

}  // namespace parley::channels::telegram
