#include "channels/common/json_fields.hpp"

#include "core/text.hpp"

#include <boost/json.hpp>

namespace parley::channels::json_fields {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

core::Error wrongType(const std::string& path, const char* expected) {
  return makeError(ErrorCode::InvalidInput, path + ": must be " + expected);
}

const json::value* find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::string at(const std::string& path, std::string_view key) { return path + "." + std::string(key); }

core::Result<std::optional<std::string>> optString(const json::object& o, std::string_view key, const std::string& path,
                                                    std::size_t max, const char* unit) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return wrongType(at(path, key), "a string");
  const auto& s = v->get_string();
  if (s.size() > max) {
    return makeError(ErrorCode::InvalidInput, at(path, key) + ": at most " + std::to_string(max) + " " + unit);
  }
  return std::optional<std::string>(std::string(s));
}

core::Result<const json::object*> optObject(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return static_cast<const json::object*>(nullptr);
  if (!v->is_object()) return wrongType(at(path, key), "an object");
  return &v->get_object();
}

core::Result<const json::array*> optArray(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return static_cast<const json::array*>(nullptr);
  if (!v->is_array()) return wrongType(at(path, key), "an array");
  return &v->get_array();
}

core::Result<std::optional<double>> optNumber(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<double>();
  if (v->is_double()) return std::optional<double>(v->get_double());
  if (v->is_int64()) return std::optional<double>(static_cast<double>(v->get_int64()));
  if (v->is_uint64()) return std::optional<double>(static_cast<double>(v->get_uint64()));
  return wrongType(at(path, key), "a number");
}

core::Result<std::optional<bool>> optBool(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<bool>();
  if (!v->is_bool()) return wrongType(at(path, key), "a boolean");
  return std::optional<bool>(v->get_bool());
}

namespace meta {

core::Result<std::optional<std::string>> displayString(const json::object& o, std::string_view key, const std::string& path,
                                                        std::size_t max) {
  auto value = json_fields::optString(o, key, path, std::string::npos, "bytes");
  if (value && *value && (*value)->size() > max) **value = std::string(core::utf8Prefix(**value, max));
  return value;
}

core::Result<std::optional<std::string>> optString(const json::object& o, std::string_view key, const std::string& path,
                                                    std::size_t max) {
  return json_fields::optString(o, key, path, max, "characters");
}

// Boost.JSON holds any integer up to 2^64 exactly; a fraction or an integer too large for 64 bits
// would already have lost digits as a double, so it is refused (as a string is expected).
core::Result<std::optional<std::string>> optId(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<std::string>();
  if (v->is_int64()) return std::optional<std::string>(std::to_string(v->get_int64()));
  if (v->is_uint64()) return std::optional<std::string>(std::to_string(v->get_uint64()));
  return optString(o, key, path, kMaxIdLength);
}

}  // namespace meta

}  // namespace parley::channels::json_fields
