// DESIGN: the web-chat inbox configuration, parsed once into a typed value (docs/channels/
// WEBCHAT.md lists every key). Unknown keys are refused so a typo is reported, not ignored;
// every error names its key as "config.<key>" (the desk marks that field). The same parser is
// the gateway's validateConfig and the widget API's reader, so what was accepted is what runs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/business_hours.hpp"
#include "core/domain.hpp"
#include "core/result.hpp"

namespace parley::channels::webchat {

struct LocalizedText {
  std::string de, en;
  const std::string& in(core::Language language) const { return language == core::Language::De ? de : en; }
};

struct WebChatConfig {
  // Site origins ("https://shop.example.com", lower-case, no path) allowed to use the widget
  // API; "*" allows every origin.
  std::vector<std::string> allowed_origins;
  LocalizedText greeting;         // empty: the widget's own default
  std::string color = "#2450c8";  // "#rrggbb": launcher, header and the visitor's bubbles
  bool prechat_enabled = false;   // ask for name and e-mail before the first message
  bool prechat_require_email = false;
  std::string timezone;                         // IANA name; set when business_hours is
  std::optional<core::BusinessHours> business_hours;  // none: always within hours
  LocalizedText offline_message;  // empty: the widget's own default
};

constexpr std::size_t kMaxConfigText = 1000;  // greeting, offline message (per language)
constexpr std::size_t kMaxAllowedOrigins = 50;

// InvalidInput naming the key. The time zone is checked against the system's database.
core::Result<WebChatConfig> parseWebChatConfig(std::string_view config_json);

// "HTTPS://Shop.Example.com/" -> "https://shop.example.com"; nullopt when it is not an http(s)
// origin (a path, a query, credentials, no host).
std::optional<std::string> normalizeOrigin(std::string_view origin);

// May a page of `origin` (the request's Origin header) use this inbox's widget API?
bool originAllowed(const WebChatConfig& config, std::string_view origin);

}  // namespace parley::channels::webchat
