#include "channels/common/send_rate.hpp"

#include <algorithm>
#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace parley::channels {

namespace json = boost::json;
using core::ErrorCode;

app::SendRate defaultSendRate(core::ChannelKind channel) {
  switch (channel) {
    // WhatsApp Cloud API throughput: 80 messages/s per business phone number by default (error
    // 130429 beyond it); the pair limit (about one message every 6 s to one user, 131056) is
    // left to the provider's answer, which makes only that item wait.
    case core::ChannelKind::WhatsApp: return {80, 80};
    // Messenger Platform Send API: 300 calls/s per Page (per Instagram professional account)
    // for text, links, reactions and stickers, but 10/s for audio and video: the lower one, as
    // the outbox does not look into the payload.
    case core::ChannelKind::Messenger:
    case core::ChannelKind::Instagram: return {10, 10};
    // Telegram Bot API FAQ: about 30 messages/s overall per bot (1/s in one chat, 20/min in a
    // group are left to flood control's 429 with parameters.retry_after).
    case core::ChannelKind::Telegram: return {30, 30};
    // Twilio: a long code sends 1 message segment/s (toll-free 3, short codes more): the
    // conservative default; set max_messages_per_second for faster senders.
    case core::ChannelKind::Twilio: return {1, 1};
    // X API v2 POST /2/dm_conversations/with/:id/messages: 200 requests per 15 minutes per
    // user (and 1000 per 24 h, left to the 429 with x-rate-limit-reset).
    case core::ChannelKind::X: return {200.0 / 900.0, 200};
    default: return {};
  }
}

core::Result<std::optional<double>> configuredSendRate(const std::string& config_json) {
  boost::system::error_code ec;
  json::value root = json::parse(config_json.empty() ? std::string_view("{}") : std::string_view(config_json), ec);
  if (ec || !root.is_object()) return std::optional<double>{};  // the channel's own validation reports that
  const auto* v = root.get_object().if_contains("max_messages_per_second");
  if (!v || v->is_null()) return std::optional<double>{};
  double rate = 0;
  if (v->is_int64()) rate = static_cast<double>(v->get_int64());
  else if (v->is_uint64()) rate = static_cast<double>(v->get_uint64());
  else if (v->is_double()) rate = v->get_double();
  else return core::makeError(ErrorCode::InvalidInput, "max_messages_per_second: must be a number");
  if (!std::isfinite(rate) || rate <= 0 || rate > kMaxMessagesPerSecond) {
    return core::makeError(ErrorCode::InvalidInput, "max_messages_per_second: must be above 0 and at most 10000");
  }
  return std::optional<double>{rate};
}

app::SendRate inboxSendRate(const core::Inbox& inbox) {
  auto own = configuredSendRate(inbox.config_json);
  if (own && *own) return {**own, std::max(1.0, **own)};
  return defaultSendRate(inbox.channel);
}

}  // namespace parley::channels
