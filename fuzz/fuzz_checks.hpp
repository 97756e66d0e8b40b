// What the channel fuzz targets share: a broken promise traps, so libFuzzer reports it as a crash
// together with the input that caused it.
#pragma once

#include <boost/json.hpp>

#include <string>

namespace parley::fuzz {

inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

// A stored payload_json must be a JSON object.
inline bool isJsonObject(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  return !ec && v.is_object();
}

}  // namespace parley::fuzz
