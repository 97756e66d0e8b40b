// Reading a provider's answer to a send, the part every channel does alike. Pure.
#pragma once

#include <optional>
#include <string>

#include "app/channel_gateway.hpp"

namespace parley::channels {

// A 2xx answer: Delivered with the message id `parse_id()` reads from it, or Failed with
// `failed_prefix` + why it names none ("WhatsApp accepted the message but " ...). nullopt for any
// other status: each provider classifies its own errors (retry or not, throttling).
template <class ParseId>
std::optional<app::DeliveryResult> successfulSend(long http_status, const std::string& failed_prefix, ParseId parse_id) {
  using Outcome = app::DeliveryResult::Outcome;
  if (http_status < 200 || http_status >= 300) return std::nullopt;
  auto id = parse_id();
  if (!id) return app::DeliveryResult{Outcome::Failed, failed_prefix + id.error().message, 0, {}};
  return app::DeliveryResult{Outcome::Delivered, "", 0, *id};
}

}  // namespace parley::channels
