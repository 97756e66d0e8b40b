#include "channels/common/json_input.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace parley::channels {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

bool finiteNumbers(const json::value& root) {
  std::vector<const json::value*> pending{&root};
  while (!pending.empty()) {
    const json::value* v = pending.back();
    pending.pop_back();
    if (v->is_double() && !std::isfinite(v->get_double())) return false;
    if (v->is_array()) {
      for (const auto& item : v->get_array()) pending.push_back(&item);
    } else if (v->is_object()) {
      for (const auto& kv : v->get_object()) pending.push_back(&kv.value());
    }
  }
  return true;
}

core::Result<json::value> parseUntrustedJson(std::string_view body, std::size_t max_bytes, std::size_t max_depth) {
  if (body.size() > max_bytes) {
    return makeError(ErrorCode::TooLarge, "the body is larger than " + std::to_string(max_bytes) + " bytes");
  }
  json::parse_options options;
  options.max_depth = max_depth;  // deeper nesting is a parse error, never a deep recursion
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, options);  // also rejects invalid UTF-8 in strings
  if (ec) return makeError(ErrorCode::InvalidInput, "malformed JSON: " + ec.message());
  if (!finiteNumbers(v)) return makeError(ErrorCode::InvalidInput, "malformed JSON: a number is out of range");
  return v;
}

}  // namespace parley::channels
