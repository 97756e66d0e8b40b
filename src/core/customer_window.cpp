#include "core/customer_window.hpp"

#include <algorithm>
#include <string_view>

namespace parley::core {

namespace {

// The config is a JSON object text written by the admin API (Boost.JSON, so compact), but any
// whitespace around the colon is allowed: core parses no JSON, it looks for the one key.
bool twilioWhatsAppNumber(std::string_view config) {
  constexpr std::string_view kKey = "\"phone_number\"";
  for (auto at = config.find(kKey); at != std::string_view::npos; at = config.find(kKey, at + 1)) {
    auto i = at + kKey.size();
    auto skip = [&] {
      while (i < config.size() && (config[i] == ' ' || config[i] == '\t' || config[i] == '\n' || config[i] == '\r')) ++i;
    };
    skip();
    if (i >= config.size() || config[i] != ':') continue;
    ++i;
    skip();
    return config.substr(i, 10) == "\"whatsapp:";
  }
  return false;
}

}  // namespace

bool hasCustomerWindow(const Inbox& inbox) {
  switch (inbox.channel) {
    case ChannelKind::WhatsApp:
    case ChannelKind::Messenger:
    case ChannelKind::Instagram:
      return true;
    case ChannelKind::Twilio:
      return twilioWhatsAppNumber(inbox.config_json);
    default:
      return false;
  }
}

std::optional<TimestampMs> customerWindowExpiresAt(const Inbox& inbox, TimestampMs last_incoming_at) {
  if (!hasCustomerWindow(inbox) || last_incoming_at <= 0) return std::nullopt;
  return last_incoming_at + kCustomerWindowMs;
}

bool customerWindowOpen(const Inbox& inbox, TimestampMs last_incoming_at, TimestampMs now) {
  if (!hasCustomerWindow(inbox)) return true;
  auto expires = customerWindowExpiresAt(inbox, last_incoming_at);
  return expires && now < *expires;
}

TimestampMs customerWroteAt(TimestampMs previous, TimestampMs sent_at, TimestampMs received_at) {
  const bool plausible = sent_at > 0 && sent_at <= received_at && received_at - sent_at <= kLateDeliveryMs;
  return std::max(previous, plausible ? sent_at : received_at);
}

}  // namespace parley::core
