#include "channels/webchat/webchat_gateway.hpp"

#include <boost/json.hpp>

#include "channels/common/config_secrets.hpp"
#include "channels/webchat/webchat_config.hpp"

namespace parley::channels::webchat {

core::Result<std::string> WebChatGateway::encode(const app::OutboundContext& ctx) const {
  return boost::json::serialize(boost::json::object{{"conversation_id", ctx.conversation.id.value}, {"message_id", ctx.message.id.value}});
}

core::Status WebChatGateway::validateConfig(const std::string& config_json) const {
  return configStatus(parseWebChatConfig(config_json));
}

app::DeliveryResult WebChatGateway::deliver(const core::Inbox&, const core::OutboxItem&) {
  return {app::DeliveryResult::Outcome::Delivered, "", 0, {}};
}

}  // namespace parley::channels::webchat
