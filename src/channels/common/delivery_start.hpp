// What every provider gateway's deliver() reads first: the inbox's configuration and the envelope
// its encode() stored in the outbox item. Either unreadable is a permanent failure of the item.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <utility>

#include "app/channel_gateway.hpp"
#include "core/result.hpp"

namespace parley::channels {

template <class Config>
struct DeliveryStart {
  std::optional<Config> config;  // empty: `failed` says why
  boost::json::object envelope;
  app::DeliveryResult failed;
};

// `config` as the gateway's parseInboxConfig gave it; `payload` the outbox item's.
template <class Config>
DeliveryStart<Config> startDelivery(core::Result<Config> config, const std::string& payload) {
  using Outcome = app::DeliveryResult::Outcome;
  DeliveryStart<Config> start;
  if (!config) {
    start.failed = {Outcome::Failed, "the inbox configuration is invalid: " + config.error().message, 0, {}};
    return start;
  }
  boost::system::error_code ec;
  auto parsed = boost::json::parse(payload, ec);
  if (ec || !parsed.is_object()) {
    start.failed = {Outcome::Failed, "unreadable outbox payload", 0, {}};
    return start;
  }
  start.config = std::move(*config);
  start.envelope = std::move(parsed.get_object());
  return start;
}

}  // namespace parley::channels
