// A reply in a public thread (an X mention, a comment on a Facebook Page or an Instagram post)
// that the agent sent privately instead (`direct` in POST .../messages): DeskService stores
// kDirectPayload as the message's payload; the channels and the echo claim read it back.
#pragma once

#include <boost/json.hpp>

#include <string_view>

#include "core/domain.hpp"

namespace parley::app {

inline constexpr std::string_view kDirectPayload = R"({"direct":true})";

inline bool wantsDirect(const core::Message& message) {
  boost::system::error_code ec;
  auto v = boost::json::parse(message.payload_json, ec);
  if (ec || !v.is_object()) return false;
  const auto* direct = v.get_object().if_contains("direct");
  return direct && direct->is_bool() && direct->get_bool();
}

}  // namespace parley::app
