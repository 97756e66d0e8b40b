// DESIGN: the e-mail channel. Mail comes in through the IMAP poller (email_poller.hpp) or the
// inbound-mail webhook (POST /webhooks/email/{inbox_id}); both hand the raw RFC 5322 bytes to
// EmailReceiver, which parses them (src/mail, GMime), stores the files, and ingests one
// message through DeskService with the threading hints:
//  - a reply joins its conversation by In-Reply-To/References against every Message-ID the
//    inbox has stored (incoming mails and our sent replies alike), whatever its status;
//  - else by the conversation token "[#<id>-<tag>]" that every reply carries in its subject
//    (or in a plus address, support+c<id>-<tag>@...), the tag an HMAC of the id under the
//    inbox secret, so a token cannot be guessed to join someone else's conversation;
//  - else a new mail opens a new conversation. The same mail twice (same Message-ID, or same
//    bytes when it has none) is stored once.
//  - Auto-replies and bounces are stored but never reopen a conversation; mail from the
//    inbox's own address is ignored, and Parley itself never answers automatically: no loops.
// Replies go out through EmailGateway: encode() (in the reply's transaction) fixes recipient,
// subject, Message-ID, In-Reply-To/References and the signature in an outbox envelope;
// deliver() (on the outbox worker) builds the MIME message with the files and sends it over
// SMTP. The Message-ID becomes the reply's external id, so the customer's answer threads.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "app/attachment_store.hpp"
#include "app/channel_gateway.hpp"
#include "app/desk_service.hpp"
#include "app/secret_box.hpp"
#include "channels/email/email_config.hpp"

namespace parley::channels::email {

// The plain configuration of an e-mail inbox (its secrets opened when a box is given).
core::Result<InboxConfig> inboxConfig(const core::Inbox& inbox, const app::SecretBox* secrets);

// "[#17-3f9a1c]": the conversation token in the subjects of our replies.
std::string conversationToken(const core::Inbox& inbox, core::ConversationId conversation);
// The conversation named by a valid token in `text` (a subject or an address), or an invalid id.
core::ConversationId findConversationToken(const core::Inbox& inbox, const std::string& text);

class EmailGateway final : public app::ChannelGateway {
 public:
  EmailGateway(std::filesystem::path attachments_root, std::shared_ptr<const app::SecretBox> secrets,
               long timeout_ms = 60'000)
      : attachments_root_(std::move(attachments_root)), secrets_(std::move(secrets)), timeout_ms_(timeout_ms) {}

  core::Result<std::string> encode(const app::OutboundContext& context) const override;
  core::Status validateConfig(const std::string& config_json) const override;
  bool wantsHistory(const core::Conversation&) const override { return true; }
  app::DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) override;
  // A repeat carries the same Message-ID, which mail clients show once.
  bool idempotentResend() const override { return true; }

 private:
  std::filesystem::path attachments_root_;
  std::shared_ptr<const app::SecretBox> secrets_;
  long timeout_ms_;
};

struct ReceiveResult {
  enum class Kind { Stored, Duplicate, Ignored } kind = Kind::Stored;
  std::string reason;  // for Ignored
  core::IngestResult ingest;
};

class EmailReceiver {
 public:
  EmailReceiver(app::DeskService& desk, app::AttachmentStore& attachments) : desk_(desk), attachments_(attachments) {}

  // Stores one raw mail that arrived for this inbox. InvalidInput when the bytes are not a
  // mail (the caller skips it for good); Unavailable when the store is (try again later).
  core::Result<ReceiveResult> receive(const core::Inbox& inbox, const InboxConfig& config, std::string_view raw);

  std::size_t maxMailBytes() const;

 private:
  app::DeskService& desk_;
  app::AttachmentStore& attachments_;
};

}  // namespace parley::channels::email
