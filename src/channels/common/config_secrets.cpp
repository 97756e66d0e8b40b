#include "channels/common/config_secrets.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace parley::channels {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

core::Result<json::object> parseObject(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text.empty() ? std::string_view("{}") : std::string_view(text), ec);
  if (ec || !v.is_object()) return makeError(ErrorCode::InvalidInput, "config: must be a JSON object");
  return std::move(v.as_object());
}

template <class F>
core::Result<std::string> mapSecrets(const std::string& config_json, F&& transform) {
  auto object = parseObject(config_json);
  if (!object) return object.error();
  for (auto& kv : *object) {
    if (!isSecretConfigKey(kv.key()) || !kv.value().is_string()) continue;
    auto mapped = transform(std::string_view(kv.value().get_string()));
    if (!mapped) return makeError(mapped.error().code, "config." + std::string(kv.key()) + ": " + mapped.error().message);
    kv.value() = *mapped;
  }
  return json::serialize(*object);
}

}  // namespace

bool isSecretConfigKey(std::string_view key) {
  return key.find("password") != std::string_view::npos || key.find("token") != std::string_view::npos ||
         key.find("secret") != std::string_view::npos;
}

core::Result<std::string> keepMaskedSecrets(const std::string& incoming, const std::string& stored_plain) {
  auto in = parseObject(incoming);
  if (!in) return in.error();
  auto stored = parseObject(stored_plain);
  if (!stored) stored = json::object{};
  for (auto& kv : *in) {
    if (!isSecretConfigKey(kv.key()) || !kv.value().is_string() || kv.value().get_string() != kMaskedSecret) continue;
    auto old = stored->find(kv.key());
    if (old == stored->end()) {
      return makeError(ErrorCode::InvalidInput, "config." + std::string(kv.key()) + ": enter the value (none is stored)");
    }
    kv.value() = old->value();
  }
  return json::serialize(*in);
}

core::Result<std::string> sealConfigSecrets(const std::string& config_json, const app::SecretBox& box) {
  return mapSecrets(config_json, [&](std::string_view v) -> core::Result<std::string> {
    if (v.empty() || app::SecretBox::isSealed(v)) return std::string(v);
    return box.seal(v);
  });
}

core::Result<std::string> openConfigSecrets(const std::string& config_json, const app::SecretBox& box) {
  return mapSecrets(config_json, [&](std::string_view v) { return box.open(v); });
}

core::Result<json::object> openConfigObject(const std::string& config_json, const app::SecretBox* box) {
  if (!box) return parseObject(config_json);
  auto opened = openConfigSecrets(config_json, *box);
  if (!opened) return opened.error();
  return parseObject(*opened);
}

core::Status rejectUnknownConfigKeys(const std::string& config_json, std::initializer_list<std::string_view> known,
                                     std::string_view channel, std::string_view doc) {
  auto object = parseObject(config_json);
  if (!object) return object.error();
  for (const auto& kv : *object) {
    const std::string_view key = kv.key();
    if (key == "max_messages_per_second" || std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string names;
    for (auto k : known) names += std::string(k) + ", ";
    return makeError(ErrorCode::InvalidInput, "config." + std::string(key) + ": unknown key (the keys of " + std::string(channel) +
                                                  " inbox are " + names + "max_messages_per_second; see " + std::string(doc) + ")");
  }
  return {};
}

std::string stringOr(const json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

core::Status requireConfigValues(std::initializer_list<std::pair<const char*, const std::string*>> fields,
                                 std::string_view channel) {
  for (const auto& [key, value] : fields) {
    if (value->empty()) {
      return core::makeError(core::ErrorCode::InvalidInput,
                             std::string("config.") + key + ": is required for " + std::string(channel) + " inbox");
    }
  }
  return {};
}

core::Status checkApiBaseUrl(std::string& url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return core::makeError(core::ErrorCode::InvalidInput, "config.api_base_url: must be an http or https URL");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return {};
}

}  // namespace parley::channels
