#include "channels/telegram/telegram_gateway.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <vector>

#include "app/attachment_store.hpp"
#include "channels/common/config_secrets.hpp"
#include "channels/common/delivery_start.hpp"
#include "channels/common/file_limits.hpp"
#include "channels/common/http_client.hpp"
#include "channels/telegram/telegram_codec.hpp"

namespace parley::channels::telegram {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using Outcome = app::DeliveryResult::Outcome;

namespace {

std::string inboxScope(core::InboxId id) { return "inbox:" + std::to_string(id.value); }

// Bot API errors and transport failures while fetching media: temporary ones are Unavailable.
// Never mentions the URL (it contains the bot token).
core::Error fetchError(const HttpAnswer& answer, const std::string& what) {
  if (answer.too_large) return makeError(ErrorCode::TooLarge, what + " is larger than the attachment limit");
  if (!answer.transport_ok) return makeError(ErrorCode::Unavailable, what + ": " + answer.error);
  const ApiError e = parseApiError(answer.body);
  const std::string reason = what + ": HTTP " + std::to_string(answer.status) + (e.description.empty() ? "" : " " + e.description);
  if (answer.status == 429 || answer.status >= 500) return makeError(ErrorCode::Unavailable, reason);
  // "Bad Request: file is too big": bots may download files of up to 20 MB.
  if (e.description.find("too big") != std::string::npos) return makeError(ErrorCode::TooLarge, reason);
  return makeError(ErrorCode::NotFound, reason);
}

// The forum topic a reply in `chat_id` belongs in: that of the quoted message, else that of the
// customer's latest message in the chat ("" outside forum topics). Telegram posts a message that
// names no message_thread_id in a forum's General topic, where the customer would not look.
std::string forumTopic(const app::OutboundContext& ctx, const std::string& chat_id) {
  if (!ctx.history) return {};
  auto topicOf = [](const core::Message& m) -> std::string {
    boost::system::error_code ec;
    auto payload = json::parse(m.payload_json, ec);
    if (ec || !payload.is_object()) return {};
    const auto& p = payload.get_object();
    const auto* flag = p.if_contains("is_topic_message");
    const auto* thread = p.if_contains("message_thread_id");
    if (!flag || !flag->is_bool() || !flag->get_bool() || !thread || !thread->is_string()) return {};
    return std::string(thread->get_string());
  };
  const std::string prefix = chat_id + ":";
  for (const auto& m : *ctx.history) {
    if (!ctx.reply_to_external_id.empty() && m.external_id == ctx.reply_to_external_id) return topicOf(m);
  }
  for (auto m = ctx.history->rbegin(); m != ctx.history->rend(); ++m) {
    if (m->direction == core::MessageDirection::Incoming && m->external_id.rfind(prefix, 0) == 0) return topicOf(*m);
  }
  return {};
}

// The album's files in order, each in the multipart part "file<i>"; as documents when Telegram
// refused a photo of the album.
template <typename Files, typename TypeAndSize>
std::vector<AlbumFile> albumFilesOf(const Files& files, bool as_documents, TypeAndSize type_and_size) {
  std::vector<AlbumFile> album;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto [content_type, size] = type_and_size(files[i]);
    album.push_back({as_documents ? FileMethod::Document : fileMethodFor(content_type, size), "file" + std::to_string(i)});
  }
  return album;
}

std::vector<AlbumFile> albumFiles(const std::vector<core::Attachment>& files, bool as_documents) {
  return albumFilesOf(files, as_documents, [](const core::Attachment& a) { return std::pair{std::string_view(a.content_type), a.size}; });
}

}  // namespace

core::Result<InboxConfig> parseInboxConfig(const std::string& config_json, const app::SecretBox* box) {
  auto object = openConfigObject(config_json, box);
  if (!object) return object.error();
  const auto& o = *object;
  InboxConfig c;
  c.bot_token = stringOr(o, "bot_token");
  c.secret_token = stringOr(o, "secret_token");
  if (auto base = stringOr(o, "api_base_url"); !base.empty()) c.api_base_url = base;
  if (c.bot_token.empty()) return makeError(ErrorCode::InvalidInput, "config.bot_token: is required for a telegram inbox");
  if (!validBotToken(c.bot_token)) {
    return makeError(ErrorCode::InvalidInput, "config.bot_token: must be the token @BotFather gave, like 123456789:AAH...");
  }
  if (c.secret_token.empty()) return makeError(ErrorCode::InvalidInput, "config.secret_token: is required for a telegram inbox");
  if (!validSecretToken(c.secret_token)) {
    return makeError(ErrorCode::InvalidInput, "config.secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)");
  }
  if (auto base = checkApiBaseUrl(c.api_base_url); !base) return base.error();
  return c;
}

core::Status TelegramGateway::validateConfig(const std::string& config_json) const {
  if (auto parsed = parseInboxConfig(config_json); !parsed) return parsed.error();
  return rejectUnknownConfigKeys(config_json, {"bot_token", "secret_token", "api_base_url"}, "a telegram",
                                 "docs/channels/TELEGRAM.md");
}

core::Result<std::string> TelegramGateway::encode(const app::OutboundContext& ctx) const {
  // The contact's chat with this bot: the External identity DeskService keeps for this inbox
  // (the user id in a private chat, the group id for a group).
  // A merged contact may have several (a private chat and a group): the chat of the quoted
  // message wins, else the first one.
  std::vector<std::string> chats;
  const std::string scope = inboxScope(ctx.inbox.id);
  for (const auto& identity : ctx.identities) {
    if (identity.kind == core::IdentityKind::External && identity.scope == scope) chats.push_back(identity.value);
  }
  if (chats.empty()) return makeError(ErrorCode::InvalidInput, "this contact has no Telegram chat with this inbox's bot");
  std::string chat_id = chats.front();
  if (auto quoted = splitMessageId(ctx.reply_to_external_id);
      quoted && std::find(chats.begin(), chats.end(), quoted->first) != chats.end()) {
    chat_id = quoted->first;
  }
  if (ctx.attachments.size() > kMaxAlbumFiles) {
    return makeError(ErrorCode::InvalidInput, "a Telegram album holds up to 10 files");
  }
  SendRequest probe;
  probe.chat_id = chat_id;
  probe.text = ctx.message.text;
  // Quoting works within the chat only; a quoted reaction quotes the message it reacted to.
  if (auto ids = splitMessageId(ctx.reply_to_external_id); ids && ids->first == chat_id) probe.reply_to_message_id = ids->second;
  probe.message_thread_id = forumTopic(ctx, chat_id);
  auto keyboard = inlineKeyboardFromPayload(ctx.message.payload_json);
  if (!keyboard) return keyboard.error();
  probe.inline_keyboard = *keyboard;

  json::object envelope{{"chat_id", chat_id}, {"text", ctx.message.text}, {"reply_to_message_id", probe.reply_to_message_id}};
  if (!probe.message_thread_id.empty()) envelope["message_thread_id"] = probe.message_thread_id;
  // Check now what Telegram would refuse anyway (length, empty text), so the agent hears it at once.
  if (ctx.attachments.empty()) {
    if (auto checked = encodeSendMessage(probe); !checked) return checked.error();
  } else {
    json::array files;
    std::int64_t total = 0;
    for (const auto& a : ctx.attachments) {
      if (!app::isBlobName(a.sha256) || a.state != core::AttachmentState::Stored) {
        return makeError(ErrorCode::InvalidInput, "the file is not stored on this server yet");
      }
      if (a.size > kMaxUploadBytes) {
        return fileTooLarge(a.filename, a.content_type, a.size, "Telegram: bots send files of up to 50 MB");
      }
      total += a.size;
      files.push_back(json::object{
          {"sha256", a.sha256}, {"filename", a.filename}, {"content_type", a.content_type}, {"size", a.size}});
    }
    if (files.size() == 1) {
      if (auto checked = encodeSendFileFields(probe); !checked) return checked.error();
      envelope["attachment"] = std::move(files.front());
    } else {
      // DeskService splits a reply by filesPerMessage, so these hold; checked all the same.
      if (total > kMaxAlbumBytes) return makeError(ErrorCode::InvalidInput, "a Telegram album sends up to 50 MB of files");
      if (auto checked = encodeSendMediaGroupFields(probe, albumFiles(ctx.attachments, false)); !checked) return checked.error();
      envelope["album"] = std::move(files);
    }
  }
  if (!probe.inline_keyboard.empty()) {
    // Kept as the payload gave it; deliver() reads it back with the same function.
    boost::system::error_code ec;
    auto payload = json::parse(ctx.message.payload_json, ec);
    if (!ec && payload.is_object()) envelope["inline_keyboard"] = payload.get_object().at("inline_keyboard");
  }
  return json::serialize(envelope);
}

app::DeliveryResult TelegramGateway::deliver(const core::Inbox& inbox, const core::OutboxItem& item) {
  auto start = startDelivery(parseInboxConfig(inbox.config_json, secrets_.get()), item.payload);
  if (!start.config) return start.failed;
  const auto& config = start.config;
  const auto& envelope = start.envelope;

  SendRequest request;
  request.chat_id = stringOr(envelope, "chat_id");
  request.text = stringOr(envelope, "text");
  request.reply_to_message_id = stringOr(envelope, "reply_to_message_id");
  request.message_thread_id = stringOr(envelope, "message_thread_id");
  auto keyboard = inlineKeyboardFromPayload(item.payload);
  if (!keyboard) return {Outcome::Failed, keyboard.error().message, 0, {}};
  request.inline_keyboard = std::move(*keyboard);

  // The files, read once: they are the same for a repeated send. One file ("attachment") goes
  // by sendPhoto / sendDocument, several ("album") by sendMediaGroup.
  struct FileToSend {
    std::string bytes, filename, content_type;
    std::int64_t size = 0;
  };
  std::vector<FileToSend> files;
  const bool album = envelope.contains("album") && envelope.at("album").is_array();
  const json::array single = envelope.contains("attachment") && envelope.at("attachment").is_object()
                                 ? json::array{envelope.at("attachment")}
                                 : json::array{};
  for (const auto& entry : album ? envelope.at("album").get_array() : single) {
    if (!entry.is_object()) return {Outcome::Failed, "unreadable outbox payload (attachment)", 0, {}};
    const auto& a = entry.get_object();
    const std::string sha = stringOr(a, "sha256");
    if (!app::isBlobName(sha)) return {Outcome::Failed, "unreadable outbox payload (attachment)", 0, {}};
    auto bytes = app::readBlob(attachments_root_, sha);
    if (!bytes) return {Outcome::Failed, "the file to send is missing on this server", 0, {}};
    FileToSend file{std::move(*bytes), stringOr(a, "filename"), stringOr(a, "content_type"), 0};
    file.size = static_cast<std::int64_t>(file.bytes.size());
    if (file.filename.empty()) file.filename = "file";
    files.push_back(std::move(file));
  }
  if (album && (files.size() < 2 || files.size() > kMaxAlbumFiles)) return {Outcome::Failed, "unreadable outbox payload (album)", 0, {}};
  const bool has_file = !files.empty();
  auto albumOf = [&](bool as_documents) {
    return albumFilesOf(files, as_documents, [](const FileToSend& f) { return std::pair{std::string_view(f.content_type), f.size}; });
  };
  // Whether Telegram would take a file of this send as a photo (and might refuse it as one).
  const bool sends_photo = std::any_of(files.begin(), files.end(),
                                       [](const FileToSend& f) { return fileMethodFor(f.content_type, f.size) == FileMethod::Photo; });

  bool as_document = false;  // after Telegram refused the file (or a file of the album) as a photo
  auto sendOnce = [&](const SendRequest& r, HttpAnswer& answer) -> std::optional<app::DeliveryResult> {
    HttpCall call;
    call.method = "POST";
    call.timeout_ms = timeout_ms_;
    if (album) {
      const auto album_files = albumOf(as_document);
      auto fields = encodeSendMediaGroupFields(r, album_files);
      if (!fields) return app::DeliveryResult{Outcome::Failed, fields.error().message, 0, {}};
      auto url = methodUrl(config->api_base_url, config->bot_token, "sendMediaGroup");
      if (!url) return app::DeliveryResult{Outcome::Failed, url.error().message, 0, {}};
      call.url = *url;
      for (auto& [name, value] : *fields) call.multipart.push_back({name, value, "", ""});
      for (std::size_t i = 0; i < files.size(); ++i) {
        call.multipart.push_back({album_files[i].part_name, files[i].bytes, files[i].filename, files[i].content_type});
      }
      call.timeout_ms = timeout_ms_ * 4;  // an upload of up to 50 MB
    } else if (has_file) {
      const auto& file = files.front();
      const FileMethod method = as_document ? FileMethod::Document : fileMethodFor(file.content_type, file.size);
      auto fields = encodeSendFileFields(r);
      if (!fields) return app::DeliveryResult{Outcome::Failed, fields.error().message, 0, {}};
      auto url = methodUrl(config->api_base_url, config->bot_token, fileMethodName(method));
      if (!url) return app::DeliveryResult{Outcome::Failed, url.error().message, 0, {}};
      call.url = *url;
      for (auto& [name, value] : *fields) call.multipart.push_back({name, value, "", ""});
      call.multipart.push_back({filePartName(method), file.bytes, file.filename, file.content_type});
      call.timeout_ms = timeout_ms_ * 4;  // an upload of up to 50 MB
    } else {
      auto body = encodeSendMessage(r);
      if (!body) return app::DeliveryResult{Outcome::Failed, body.error().message, 0, {}};
      auto url = methodUrl(config->api_base_url, config->bot_token, "sendMessage");
      if (!url) return app::DeliveryResult{Outcome::Failed, url.error().message, 0, {}};
      call.url = *url;
      call.body = std::move(*body);
      call.headers = {{"Content-Type", "application/json"}};
    }
    answer = performHttp(call);
    if (!answer.transport_ok && !answer.too_large) {
      return app::DeliveryResult{Outcome::RetryLater, "Telegram unreachable: " + answer.error, 0, {}};
    }
    return std::nullopt;
  };

  HttpAnswer answer;
  if (auto early = sendOnce(request, answer)) return *early;
  if (answer.status == 400) {
    // "Bad Request: group chat was upgraded to a supergroup chat": the same group has a new id.
    // Follow it once; the contact keeps the old id, so a later reply takes this path again.
    const ApiError e = parseApiError(answer.body);
    if (!e.migrate_to_chat_id.empty() && e.migrate_to_chat_id != request.chat_id) {
      request.chat_id = e.migrate_to_chat_id;
      request.reply_to_message_id.clear();  // the quoted message stayed in the old chat
      request.message_thread_id.clear();
      if (auto early = sendOnce(request, answer)) return *early;
    } else if (sends_photo && photoRefused(e.description)) {
      // A JPEG or PNG Telegram will not make a photo of (a panorama, a 1x5000 strip): nothing was
      // sent, so the same file goes once more, as the document it is (an album: all its files,
      // as Telegram groups documents only with documents).
      as_document = true;
      if (auto early = sendOnce(request, answer)) return *early;
    }
  }
  return album ? interpretMediaGroupAnswer(answer.status, answer.body, answer.retry_after_s)
               : interpretSendAnswer(answer.status, answer.body, answer.retry_after_s);
}

core::Result<std::string> TelegramGateway::fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                                      std::size_t max_bytes) {
  auto config = parseInboxConfig(inbox.config_json, secrets_.get());
  if (!config) return makeError(ErrorCode::InvalidInput, "the inbox configuration is invalid: " + config.error().message);
  if (attachment.provider_ref.empty() || attachment.provider_ref.size() > kMaxIdLength) {
    return makeError(ErrorCode::InvalidInput, "Telegram file: no file_id");
  }
  auto info_url = methodUrl(config->api_base_url, config->bot_token, "getFile");
  if (!info_url) return info_url.error();
  HttpCall info;
  info.method = "POST";
  info.url = *info_url;
  info.body = encodeGetFile(attachment.provider_ref);
  info.headers = {{"Content-Type", "application/json"}};
  info.timeout_ms = timeout_ms_;
  auto info_answer = performHttp(info);
  if (!info_answer.transport_ok || info_answer.status < 200 || info_answer.status >= 300) {
    return fetchError(info_answer, "Telegram getFile");
  }
  auto file = parseGetFile(info_answer.body);
  if (!file) return file.error();
  if (file->file_size > 0 && static_cast<std::uint64_t>(file->file_size) > max_bytes) {
    return makeError(ErrorCode::TooLarge, "the Telegram file is larger than the attachment limit");
  }
  auto url = fileUrl(config->api_base_url, config->bot_token, file->file_path);
  if (!url) return url.error();
  HttpCall download;
  download.url = *url;
  download.max_response_bytes = max_bytes;
  download.timeout_ms = timeout_ms_ * 4;
  auto data = performHttp(download);
  if (!data.transport_ok || data.status < 200 || data.status >= 300) return fetchError(data, "Telegram file download");
  return std::move(data.body);
}

std::size_t TelegramGateway::filesPerMessage(const core::Inbox&, bool, const std::vector<core::Attachment>& files,
                                             const core::Message& reply) const {
  // An album takes no buttons: a reply with a keyboard sends its files one by one, the first
  // with the buttons.
  auto keyboard = inlineKeyboardFromPayload(reply.payload_json);
  if (!keyboard || !keyboard->empty() || files.size() < 2) return 1;
  const auto album = albumFiles(files, false);
  if (std::any_of(album.begin(), album.end(), [&](const AlbumFile& f) { return f.method != album.front().method; })) return 1;
  // The largest album size whose every album (the files in order, kMaxAlbumFiles at a time)
  // stays within kMaxAlbumBytes; 1 when no two neighbours fit. A last album of one file goes
  // as one photo or document.
  for (std::size_t per_album = std::min(kMaxAlbumFiles, files.size()); per_album >= 2; --per_album) {
    bool fits = true;
    for (std::size_t first = 0; first < files.size() && fits; first += per_album) {
      std::int64_t bytes = 0;
      for (std::size_t i = first; i < std::min(files.size(), first + per_album); ++i) bytes += files[i].size;
      fits = bytes <= kMaxAlbumBytes;
    }
    if (fits) return per_album;
  }
  return 1;
}

std::optional<app::RecipientLimit> TelegramGateway::recipientLimit(const core::Inbox& inbox, const core::OutboxItem& item) const {
  (void)inbox;
  boost::system::error_code ec;
  auto parsed = json::parse(item.payload, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  std::string chat = stringOr(parsed.get_object(), "chat_id");
  if (chat.empty()) return std::nullopt;
  const bool group = chat.front() == '-';
  return app::RecipientLimit{std::move(chat), group ? app::SendRate{20.0 / 60.0, 1} : app::SendRate{1.0, 1}};
}

}  // namespace parley::channels::telegram
