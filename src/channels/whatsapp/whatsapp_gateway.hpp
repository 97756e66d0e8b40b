// DESIGN: the I/O half of the WhatsApp Cloud API channel (the pure half is whatsapp_codec).
// An inbox's config holds phone_number_id, access_token, app_secret, verify_token and
// api_base_url (the Graph API root with its version; a loopback fake in tests), and optionally
// business_account_id (the WhatsApp Business Account, WABA, whose message templates are synced:
// whatsapp_template_sync.hpp).
//  - renderTemplate() checks an agent's template reply against the synced templates and renders
//    it; encode() then sends it as type "template". Free-form replies need the 24-hour
//    customer-service window (freeFormNeedsCustomerWindow).
//  - encode() runs in the reply's transaction and stores an envelope (recipient, text, the
//    quoted wamid, at most one file) in the outbox — never the access token. A file of a type
//    or size Meta does not take is refused there (whatsapp_media.hpp).
//  - deliver() runs on the outbox worker: uploads the file when there is one
//    (POST /{phone_number_id}/media), sends (POST /{phone_number_id}/messages) and returns the
//    wamid, so status webhooks find the message; Meta's errors are classified by the codec.
//  - fetchMedia() runs on the media fetcher: GET /{media_id} for the URL, then the download,
//    both with the bearer token, bounded in size and time.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "app/channel_gateway.hpp"
#include "app/secret_box.hpp"

namespace parley::channels::whatsapp {

struct InboxConfig {
  std::string phone_number_id;
  std::string access_token;
  std::string app_secret;
  std::string verify_token;
  std::string api_base_url = "https://graph.facebook.com/v23.0";
  std::string business_account_id;  // optional: needed for message templates
};

// InvalidInput naming the missing or malformed key. With a box, sealed secrets are opened.
core::Result<InboxConfig> parseInboxConfig(const std::string& config_json, const app::SecretBox* box = nullptr);

class WhatsAppGateway final : public app::ChannelGateway {
 public:
  // attachments_root: where AttachmentStore keeps blobs (<root>/<2 hex>/<sha256>).
  explicit WhatsAppGateway(std::filesystem::path attachments_root, long timeout_ms = 15'000,
                           std::shared_ptr<const app::SecretBox> secrets = nullptr)
      : attachments_root_(std::move(attachments_root)), timeout_ms_(timeout_ms), secrets_(std::move(secrets)) {}

  core::Result<std::string> encode(const app::OutboundContext& context) const override;
  // One media object per message (Cloud API): several files go as several messages.
  std::size_t filesPerMessage(const core::Inbox&, bool, const std::vector<core::Attachment>&, const core::Message&) const override { return 1; }
  core::Status validateConfig(const std::string& config_json) const override;
  app::DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) override;
  core::Result<std::string> fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                       std::size_t max_bytes) override;
  core::Result<app::RenderedTemplate> renderTemplate(app::StoreTx& tx, const core::Inbox& inbox,
                                                     const app::TemplateReply& reply) const override;
  bool freeFormNeedsCustomerWindow(const core::Inbox&) const override { return true; }

 private:
  // The stored file's first bytes (whatsapp_media.hpp reads them); unset when it is not there.
  std::optional<std::string> fileHead(const std::string& sha256) const;

  std::filesystem::path attachments_root_;
  long timeout_ms_;
  std::shared_ptr<const app::SecretBox> secrets_;
};

}  // namespace parley::channels::whatsapp
