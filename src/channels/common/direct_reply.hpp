// A reply in a public thread (an X mention, a comment on a Facebook Page) that the agent sent
// privately instead: DeskService stores {"direct": true} in the message's payload.
#pragma once

#include <boost/json.hpp>

#include "core/domain.hpp"

namespace parley::channels {

inline bool wantsDirect(const core::Message& message) {
  boost::system::error_code ec;
  auto v = boost::json::parse(message.payload_json, ec);
  if (ec || !v.is_object()) return false;
  const auto* direct = v.get_object().if_contains("direct");
  return direct && direct->is_bool() && direct->get_bool();
}

}  // namespace parley::channels
