#include "channels/webchat/webchat_config.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

#include "app/time_zone.hpp"
#include "channels/common/json_input.hpp"
#include "core/text.hpp"

namespace parley::channels::webchat {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

core::Status unknownKeys(const json::object& o, const std::string& path, std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(kv.key())) == allowed.end()) {
      return makeError(ErrorCode::InvalidInput, path + std::string(kv.key()) + ": unknown key");
    }
  }
  return {};
}

core::Result<LocalizedText> localized(const json::value& v, const std::string& path) {
  if (!v.is_object()) return makeError(ErrorCode::InvalidInput, path + ": must be an object {\"de\": \"...\", \"en\": \"...\"}");
  const auto& o = v.get_object();
  if (auto s = unknownKeys(o, path + ".", {"de", "en"}); !s) return s.error();
  LocalizedText out;
  for (auto [key, target] : {std::pair{"de", &out.de}, std::pair{"en", &out.en}}) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) continue;
    if (!it->value().is_string()) return makeError(ErrorCode::InvalidInput, path + "." + key + ": must be a string");
    const auto& text = it->value().get_string();
    if (text.size() > kMaxConfigText) {
      return makeError(ErrorCode::InvalidInput, path + "." + key + ": at most " + std::to_string(kMaxConfigText) + " bytes");
    }
    *target = std::string(text);
  }
  return out;
}

core::Result<bool> flag(const json::object& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return false;
  if (!it->value().is_bool()) return makeError(ErrorCode::InvalidInput, path + key + ": must be true or false");
  return it->value().get_bool();
}

bool isColor(std::string_view s) {
  return s.size() == 7 && s[0] == '#' &&
         std::all_of(s.begin() + 1, s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

core::Result<core::BusinessHours> businessHours(const json::object& o, std::string& timezone) {
  const std::string path = "config.business_hours.";
  if (auto s = unknownKeys(o, path, {"timezone", "weekly", "closed_dates"}); !s) return s.error();
  auto tz = o.find("timezone");
  if (tz == o.end() || !tz->value().is_string() || tz->value().get_string().empty()) {
    return makeError(ErrorCode::InvalidInput, path + "timezone: required, an IANA name like \"Europe/Berlin\"");
  }
  timezone = std::string(tz->value().get_string());
  if (!app::isKnownTimeZone(timezone)) {
    return makeError(ErrorCode::InvalidInput, path + "timezone: '" + core::toValidUtf8(timezone.substr(0, 64)) +
                                                  "' is not a time zone (use an IANA name like \"Europe/Berlin\")");
  }
  core::BusinessHours hours;
  auto weekly = o.find("weekly");
  if (weekly == o.end() || !weekly->value().is_object()) {
    return makeError(ErrorCode::InvalidInput, path + "weekly: required, an object like {\"mon\": [\"09:00-17:00\"]}");
  }
  for (const auto& day : weekly->value().get_object()) {
    auto index = core::parseWeekday(day.key());
    if (!index) return makeError(ErrorCode::InvalidInput, path + "weekly." + std::string(day.key()) + ": not a day (mon ... sun)");
    const std::string day_path = path + "weekly." + std::string(day.key());
    if (!day.value().is_array()) return makeError(ErrorCode::InvalidInput, day_path + ": must be a list like [\"09:00-17:00\"]");
    if (day.value().get_array().size() > 12) return makeError(ErrorCode::InvalidInput, day_path + ": at most 12 intervals");
    for (const auto& item : day.value().get_array()) {
      if (!item.is_string()) return makeError(ErrorCode::InvalidInput, day_path + ": intervals are strings like \"09:00-17:00\"");
      auto interval = core::parseMinuteInterval(item.get_string());
      if (!interval) return makeError(ErrorCode::InvalidInput, day_path + ": " + interval.error().message);
      hours.weekly[static_cast<std::size_t>(*index)].push_back(*interval);
    }
  }
  if (auto closed = o.find("closed_dates"); closed != o.end() && !closed->value().is_null()) {
    if (!closed->value().is_array() || closed->value().get_array().size() > 366) {
      return makeError(ErrorCode::InvalidInput, path + "closed_dates: a list of at most 366 dates like \"2026-12-24\"");
    }
    for (const auto& item : closed->value().get_array()) {
      if (!item.is_string()) return makeError(ErrorCode::InvalidInput, path + "closed_dates: dates are strings like \"2026-12-24\"");
      auto date = core::parseLocalDate(item.get_string());
      if (!date) return makeError(ErrorCode::InvalidInput, path + "closed_dates: " + date.error().message);
      hours.closed_dates.push_back(*date);
    }
  }
  if (auto s = core::normalizeBusinessHours(hours); !s) return makeError(ErrorCode::InvalidInput, path + "weekly." + s.error().message);
  return hours;
}

}  // namespace

std::optional<std::string> normalizeOrigin(std::string_view origin) {
  if (origin.empty() || origin.size() > 300) return std::nullopt;
  auto url = boost::urls::parse_absolute_uri(origin);
  if (!url) return std::nullopt;
  std::string scheme(url->scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https") return std::nullopt;
  if (!url->has_authority() || url->encoded_host().empty() || url->has_userinfo() || url->has_query() || url->has_fragment()) {
    return std::nullopt;
  }
  if (!url->encoded_path().empty() && url->encoded_path() != "/") return std::nullopt;
  std::string host(url->encoded_host());
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string out = scheme + "://" + host;
  if (url->has_port()) {
    const std::string port(url->port());
    const bool default_port = (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
    if (!default_port) out += ":" + port;
  }
  return out;
}

bool originAllowed(const WebChatConfig& config, std::string_view origin) {
  auto normalized = normalizeOrigin(origin);
  for (const auto& allowed : config.allowed_origins) {
    if (allowed == "*") return true;
    if (normalized && allowed == *normalized) return true;
  }
  return false;
}

core::Result<WebChatConfig> parseWebChatConfig(std::string_view config_json) {
  auto parsed = parseUntrustedJson(config_json, 256 * 1024, 8);
  if (!parsed) return makeError(ErrorCode::InvalidInput, "config: " + parsed.error().message);
  if (!parsed->is_object()) return makeError(ErrorCode::InvalidInput, "config: must be an object");
  const auto& o = parsed->get_object();
  if (auto s = unknownKeys(o, "config.", {"allowed_origins", "greeting", "color", "prechat", "business_hours", "offline_message"}); !s) {
    return s.error();
  }
  WebChatConfig config;
  auto origins = o.find("allowed_origins");
  if (origins == o.end() || !origins->value().is_array() || origins->value().get_array().empty()) {
    return makeError(ErrorCode::InvalidInput,
                     "config.allowed_origins: required, the sites that embed the widget, like [\"https://shop.example.com\"] (or [\"*\"])");
  }
  if (origins->value().get_array().size() > kMaxAllowedOrigins) {
    return makeError(ErrorCode::InvalidInput, "config.allowed_origins: at most " + std::to_string(kMaxAllowedOrigins) + " origins");
  }
  for (const auto& item : origins->value().get_array()) {
    if (!item.is_string()) return makeError(ErrorCode::InvalidInput, "config.allowed_origins: origins are strings");
    const std::string_view text = item.get_string();
    if (text == "*") {
      config.allowed_origins.emplace_back("*");
      continue;
    }
    auto normalized = normalizeOrigin(text);
    if (!normalized) {
      return makeError(ErrorCode::InvalidInput, "config.allowed_origins: '" + core::toValidUtf8(text.substr(0, 100)) +
                                                    "' is not an origin like https://shop.example.com (scheme and host, no path)");
    }
    config.allowed_origins.push_back(std::move(*normalized));
  }
  if (auto it = o.find("greeting"); it != o.end() && !it->value().is_null()) {
    auto text = localized(it->value(), "config.greeting");
    if (!text) return text.error();
    config.greeting = std::move(*text);
  }
  if (auto it = o.find("offline_message"); it != o.end() && !it->value().is_null()) {
    auto text = localized(it->value(), "config.offline_message");
    if (!text) return text.error();
    config.offline_message = std::move(*text);
  }
  if (auto it = o.find("color"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_string() || !isColor(it->value().get_string())) {
      return makeError(ErrorCode::InvalidInput, "config.color: must be a colour like \"#2450c8\"");
    }
    config.color = std::string(it->value().get_string());
    std::transform(config.color.begin(), config.color.end(), config.color.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  if (auto it = o.find("prechat"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return makeError(ErrorCode::InvalidInput, "config.prechat: must be an object {\"enabled\", \"require_email\"}");
    const auto& p = it->value().get_object();
    if (auto s = unknownKeys(p, "config.prechat.", {"enabled", "require_email"}); !s) return s.error();
    auto enabled = flag(p, "enabled", "config.prechat.");
    if (!enabled) return enabled.error();
    auto require_email = flag(p, "require_email", "config.prechat.");
    if (!require_email) return require_email.error();
    config.prechat_enabled = *enabled;
    config.prechat_require_email = *enabled && *require_email;
  }
  if (auto it = o.find("business_hours"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return makeError(ErrorCode::InvalidInput, "config.business_hours: must be an object");
    auto hours = businessHours(it->value().get_object(), config.timezone);
    if (!hours) return hours.error();
    config.business_hours = std::move(*hours);
  }
  return config;
}

}  // namespace parley::channels::webchat
