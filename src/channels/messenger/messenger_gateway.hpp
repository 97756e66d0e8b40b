// DESIGN: the I/O half of the Facebook Messenger and Instagram channels (the pure half is
// messenger_codec). One class serves both products; they differ in the config keys, the
// webhook's `object` and the name shown in errors.
//   Messenger inbox config: page_id, page_access_token, app_secret, verify_token, api_base_url
//   Instagram inbox config: instagram_id, access_token, app_secret, verify_token, api_base_url
//  - encode() runs in the reply's transaction and stores an envelope (recipient PSID / IGSID,
//    text, at most one file, whether the HUMAN_AGENT tag is needed) — never the token.
//  - deliver() runs on the outbox worker: uploads the file (POST /{account}/message_attachments,
//    multipart; Parley is not public, so Meta cannot fetch it by URL), sends it, then the text
//    (the Send API takes text or one attachment per message) and returns the last message_id.
//  - A public conversation (a customer's comment on the Page or on the Instagram account's
//    media) is answered by a reply in the comment's thread (Facebook: POST /{comment-id}/comments,
//    text and at most one photo; Instagram: POST /{comment-id}/replies, text only), or — the
//    agent's choice, `direct` — by a private reply: one Send API message to the comment's author
//    (recipient.comment_id), text only, within 7 days of the comment.
//  - fetchProfile() asks the User Profile API for a new customer's name (GET /{PSID or IGSID}).
//  - fetchMedia() downloads an inbound attachment from the URL in the webhook (Meta's CDN,
//    signed URL, no token), bounded in size and time.
#pragma once

#include <boost/json.hpp>

#include <filesystem>
#include <string>

#include "app/channel_gateway.hpp"
#include "app/secret_box.hpp"
#include "channels/messenger/messenger_codec.hpp"

namespace parley::channels::messenger {

struct InboxConfig {
  std::string account_id;    // page_id / instagram_id
  std::string access_token;  // page_access_token / access_token
  std::string app_secret;
  std::string verify_token;
  std::string api_base_url = "https://graph.facebook.com/v23.0";
};

// InvalidInput naming the missing or malformed key. With a box, sealed secrets are opened.
core::Result<InboxConfig> parseInboxConfig(Product product, const std::string& config_json, const app::SecretBox* box = nullptr);

class MessengerGateway final : public app::ChannelGateway {
 public:
  MessengerGateway(Product product, std::filesystem::path attachments_root, long timeout_ms = 15'000,
                   std::shared_ptr<const app::SecretBox> secrets = nullptr)
      : product_(product), attachments_root_(std::move(attachments_root)), timeout_ms_(timeout_ms), secrets_(std::move(secrets)) {}

  core::Result<std::string> encode(const app::OutboundContext& context) const override;
  // A public thread (a comment on the Page) answers the customer's comment, found in the history.
  bool wantsHistory(const core::Conversation& conversation) const override {
    return conversation.is_public;
  }
  // The Send API takes one attachment per message: several files go as several messages.
  std::size_t filesPerMessage(const core::Inbox&, bool, const std::vector<core::Attachment>&, const core::Message&) const override { return 1; }
  core::Status validateConfig(const std::string& config_json) const override;
  app::DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) override;
  core::Result<std::string> fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                       std::size_t max_bytes) override;
  // The customer's name from the User Profile API (Messenger: first_name, last_name; Instagram:
  // name or username), for app/profile_fetcher.
  bool hasCustomerProfiles() const override { return true; }
  core::Result<app::CustomerProfile> fetchProfile(const core::Inbox& inbox, const std::string& customer_id) override;

 private:
  // A reply comment in a public thread (envelope kind "comment").
  app::DeliveryResult deliverComment(const InboxConfig& config, const boost::json::object& envelope);

  Product product_;
  std::filesystem::path attachments_root_;
  long timeout_ms_;
  std::shared_ptr<const app::SecretBox> secrets_;
};

}  // namespace parley::channels::messenger
