// DESIGN: the I/O half of the X channel (the pure half is x_codec).
//   Inbox config: user_id (the business account's numeric id), consumer_secret (the X app's
//   API secret: the webhook's CRC and signature key), access_token (the account's OAuth 2.0 user
//   token with dm.write, tweet.write, users.read, dm.read), api_base_url (https://api.x.com).
//  - encode() runs in the reply's transaction and stores an envelope — never the token: in a
//    private conversation a DM to the customer; in a public one a post answering the customer's
//    latest post of the thread (or the one the agent replied to), unless the reply asks for a
//    DM (payload "direct": true, see DeskService::ReplyInput::direct).
//  - deliver() runs on the outbox worker: POST /2/dm_conversations/with/{id}/messages or
//    POST /2/tweets with the bearer token, and sorts X's answer (x-rate-limit-reset on 429).
//  - fetchMedia() downloads a DM's file signed with OAuth 1.0a when the config has the account's
//    OAuth 1.0a keys (X: DM media "must be accessed by signing a request with the user's access
//    token using OAuth 1.0A"), else with the bearer token; other hosts (pbs.twimg.com,
//    video.twimg.com) get no credentials.
#pragma once

#include <memory>
#include <string>

#include "app/channel_gateway.hpp"
#include "app/secret_box.hpp"
#include "channels/x/x_codec.hpp"

namespace parley::channels::x {

struct InboxConfig {
  std::string user_id;
  std::string consumer_secret;
  std::string access_token;
  std::string api_base_url = "https://api.x.com";
  // Optional, for DM media, which X serves only to a request signed with OAuth 1.0a in the
  // account's user context: the app's API key (consumer key) and the account's OAuth 1.0a access
  // token and token secret. Without them DM media are requested with the OAuth 2.0 token.
  std::string consumer_key;
  std::string oauth1_access_token;
  std::string oauth1_access_token_secret;
  bool oauth1() const { return !consumer_key.empty(); }
};

// InvalidInput naming the missing or malformed key. With a box, sealed secrets are opened.
core::Result<InboxConfig> parseInboxConfig(const std::string& config_json, const app::SecretBox* box = nullptr);

class XGateway final : public app::ChannelGateway {
 public:
  explicit XGateway(long timeout_ms = 15'000, std::shared_ptr<const app::SecretBox> secrets = nullptr)
      : timeout_ms_(timeout_ms), secrets_(std::move(secrets)) {}

  core::Result<std::string> encode(const app::OutboundContext& context) const override;
  core::Status validateConfig(const std::string& config_json) const override;
  bool wantsHistory() const override { return true; }  // a public reply answers the latest post
  app::DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) override;
  core::Result<std::string> fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                       std::size_t max_bytes) override;

 private:
  long timeout_ms_;
  std::shared_ptr<const app::SecretBox> secrets_;
};

}  // namespace parley::channels::x
