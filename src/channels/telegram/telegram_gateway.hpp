// DESIGN: the I/O half of the Telegram Bot API channel (the pure half is telegram_codec).
// An inbox's config holds bot_token (from @BotFather), secret_token (what setWebhook was given;
// Telegram sends it back in X-Telegram-Bot-Api-Secret-Token) and api_base_url (default
// https://api.telegram.org; a loopback fake in tests). Both tokens are sealed at rest.
//  - encode() runs in the reply's transaction and stores an envelope (chat id, text, the quoted
//    message id, one file or an album of 2-10, an optional inline keyboard) in the outbox —
//    never the token.
//  - deliver() runs on the outbox worker: sendMessage, or sendPhoto / sendDocument with the
//    stored file uploaded as multipart/form-data and the text as caption, or sendMediaGroup with
//    the files as parts "file0".."file9" and the text as the first file's caption; returns
//    "<chat_id>:<message_id>" of the sent message (of an album: its first). Errors are classified by the codec (429 with
//    retry_after and 5xx retried). A group that became a supergroup is followed once
//    (parameters.migrate_to_chat_id).
//  - fetchMedia() runs on the media fetcher: getFile, then the download from
//    {api_base_url}/file/bot<token>/<file_path>, bounded in size and time.
// The bot token is part of every Bot API URL, so no URL is ever put into an error message.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/channel_gateway.hpp"
#include "app/secret_box.hpp"

namespace parley::channels::telegram {

struct InboxConfig {
  std::string bot_token;
  std::string secret_token;
  std::string api_base_url = "https://api.telegram.org";
};

// InvalidInput naming the missing or malformed key. With a box, sealed secrets are opened.
core::Result<InboxConfig> parseInboxConfig(const std::string& config_json, const app::SecretBox* box = nullptr);

class TelegramGateway final : public app::ChannelGateway {
 public:
  // attachments_root: where AttachmentStore keeps blobs (<root>/<2 hex>/<sha256>).
  explicit TelegramGateway(std::filesystem::path attachments_root, long timeout_ms = 15'000,
                           std::shared_ptr<const app::SecretBox> secrets = nullptr)
      : attachments_root_(std::move(attachments_root)), timeout_ms_(timeout_ms), secrets_(std::move(secrets)) {}

  core::Result<std::string> encode(const app::OutboundContext& context) const override;
  bool wantsHistory(const core::Conversation&) const override { return true; }  // a reply in a forum goes to the customer's topic
  // Several photos, or several documents, go as albums of up to 10 (sendMediaGroup) of up to
  // 50 MB; photos mixed with other files, or files with buttons, one per message.
  std::size_t filesPerMessage(const core::Inbox& inbox, bool public_post, const std::vector<core::Attachment>& files,
                              const core::Message& reply) const override;
  // Telegram's limits per chat (Bot FAQ "My bot is hitting limits"): about one message a second
  // in a private chat, 20 a minute in a group (a negative chat id).
  std::optional<app::RecipientLimit> recipientLimit(const core::Inbox& inbox, const core::OutboxItem& item) const override;
  core::Status validateConfig(const std::string& config_json) const override;
  app::DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) override;
  core::Result<std::string> fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                       std::size_t max_bytes) override;

 private:
  std::filesystem::path attachments_root_;
  long timeout_ms_;
  std::shared_ptr<const app::SecretBox> secrets_;
};

}  // namespace parley::channels::telegram
