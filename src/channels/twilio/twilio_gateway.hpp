// DESIGN: the I/O half of the Twilio channel (the pure half is twilio_codec).
//   Inbox config: account_sid, auth_token (sealed at rest), phone_number ("+E.164" for SMS/MMS,
//   "whatsapp:+E.164" for Twilio's WhatsApp sender), public_base_url (the public URL of this
//   server as Twilio calls it; webhook signatures are computed over it), api_base_url, and
//   content_api_base_url (Twilio's Content API, where a WhatsApp sender's templates are listed),
//   optionally messaging_service_sid (replies sent through that Messaging Service).
//  - A WhatsApp sender has the 24-hour customer-service window: free-form replies need it open
//    (freeFormNeedsCustomerWindow); outside it the agent sends an approved template
//    (renderTemplate, templates synced by twilio_template_sync), sent as ContentSid +
//    ContentVariables.
//  - encode() runs in the reply's transaction and stores an envelope (To, From, Body, the ids of
//    the files) — never the token.
//  - deliver() runs on the outbox worker: POST {api}/2010-04-01/Accounts/{sid}/Messages.json
//    with StatusCallback = {public_base_url}/webhooks/twilio/status?inbox={id}. Files go as
//    MediaUrl = {public_base_url}/webhooks/twilio/media/{token}: Twilio fetches outbound media
//    by URL, so Parley serves each file under a link signed with the inbox's secret that
//    expires after kMediaLinkTtlS.
//  - fetchMedia() downloads an inbound MediaUrl with basic auth (only when it is under
//    api_base_url: the token never goes elsewhere), following Twilio's redirect to its media host.
#pragma once

#include <filesystem>
#include <string>

#include "app/channel_gateway.hpp"
#include "app/secret_box.hpp"
#include "channels/twilio/twilio_codec.hpp"

namespace parley::channels::twilio {

constexpr std::int64_t kMediaLinkTtlS = 24 * 3600;

struct InboxConfig {
  std::string account_sid;
  std::string auth_token;
  std::string phone_number;     // "+14155550100" or "whatsapp:+14155550100"
  std::string public_base_url;  // "https://parley.example.com", no trailing slash
  std::string api_base_url = "https://api.twilio.com";
  std::string content_api_base_url = "https://content.twilio.com";  // twilio_content.hpp
  // Optional "MG...": replies are sent with MessagingServiceSid instead of From, so the Messaging
  // Service picks the sender (its sticky sender, its compliance settings); phone_number stays the
  // number customers write to.
  std::string messaging_service_sid;

  bool whatsapp() const { return isWhatsAppAddress(phone_number); }
};

// InvalidInput naming the missing or malformed key. With a box, sealed secrets are opened.
core::Result<InboxConfig> parseInboxConfig(const std::string& config_json, const app::SecretBox* box = nullptr);

class TwilioGateway final : public app::ChannelGateway {
 public:
  TwilioGateway(long timeout_ms = 15'000, std::shared_ptr<const app::SecretBox> secrets = nullptr)
      : timeout_ms_(timeout_ms), secrets_(std::move(secrets)) {}

  core::Result<std::string> encode(const app::OutboundContext& context) const override;
  core::Status validateConfig(const std::string& config_json) const override;
  app::DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) override;
  core::Result<std::string> fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                       std::size_t max_bytes) override;
  core::Result<app::RenderedTemplate> renderTemplate(app::StoreTx& tx, const core::Inbox& inbox,
                                                     const app::TemplateReply& reply) const override;
  bool freeFormNeedsCustomerWindow(const core::Inbox& inbox) const override;
  // WhatsApp through Twilio: one file per message; MMS: up to 10 (kMaxMedia).
  std::size_t filesPerMessage(const core::Inbox& inbox, bool, const std::vector<core::Attachment>&, const core::Message&) const override;

 private:
  long timeout_ms_;
  std::shared_ptr<const app::SecretBox> secrets_;
};

}  // namespace parley::channels::twilio
