// DESIGN: the outbound half of the web chat. Nothing is pushed anywhere: the visitor's widget
// fetches replies from the widget API (live over its WebSocket, or by polling). So encode()
// stores a small envelope and deliver() only reports success, which marks the reply "sent";
// the widget API marks it "delivered" when the widget fetched it and "read" when the visitor
// had the chat open (read receipts). validateConfig() is the config parser of webchat_config.
#pragma once

#include "app/channel_gateway.hpp"

namespace parley::channels::webchat {

class WebChatGateway final : public app::ChannelGateway {
 public:
  core::Result<std::string> encode(const app::OutboundContext& context) const override;
  core::Status validateConfig(const std::string& config_json) const override;
  app::DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) override;
  // The reply is already stored for the widget; deliver() sends nothing anywhere.
  bool idempotentResend() const override { return true; }
};

}  // namespace parley::channels::webchat
