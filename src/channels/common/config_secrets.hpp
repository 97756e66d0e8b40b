// Channel configurations keep their credentials sealed (app/secret_box.hpp): the admin API seals
// them before storing, and the channel adapters open them right before use. A secret is every
// top-level string value whose key contains "password", "token" or "secret".
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/object.hpp>

#include "app/secret_box.hpp"
#include "core/result.hpp"

namespace parley::channels {

inline constexpr std::string_view kMaskedSecret = "********";

bool isSecretConfigKey(std::string_view key);

// `incoming` as the admin sent it, with every secret shown masked ("********", as the API
// returns it) replaced by the stored value: saving a form unchanged keeps the credentials.
// Both are JSON object texts; the result is plain (unsealed).
core::Result<std::string> keepMaskedSecrets(const std::string& incoming, const std::string& stored_plain);
// Every non-empty secret sealed (values already sealed stay as they are).
core::Result<std::string> sealConfigSecrets(const std::string& config_json, const app::SecretBox& box);
// Every sealed secret opened. InvalidInput when one does not open (wrong secret_key).
core::Result<std::string> openConfigSecrets(const std::string& config_json, const app::SecretBox& box);

// An inbox's configuration as a JSON object, its secrets opened when a box is given: where
// every channel adapter's config parsing starts. InvalidInput when it is not an object.
core::Result<boost::json::object> openConfigObject(const std::string& config_json, const app::SecretBox* box);
// The string under `key`, or "" when it is missing or not a string.
std::string stringOr(const boost::json::object& object, std::string_view key);

// The first of `fields` (key, value read from it) whose value is empty: InvalidInput
// "config.<key>: is required for <channel> inbox", `channel` with its article ("a whatsapp").
core::Status requireConfigValues(std::initializer_list<std::pair<const char*, const std::string*>> fields,
                                 std::string_view channel);
// An api_base_url: InvalidInput unless it starts with http:// or https://; then its trailing
// slashes are cut (the adapters append "/<path>").
core::Status checkApiBaseUrl(std::string& url);

// InvalidInput "config.<key>: unknown key (the keys of <channel> inbox are ...; see <doc>)" for the
// first top-level key of `config_json` that is neither in `known` nor `max_messages_per_second`
// (the outbox's rate, every channel): a misspelt optional setting is refused, not silently unused.
core::Status rejectUnknownConfigKeys(const std::string& config_json, std::initializer_list<std::string_view> known,
                                     std::string_view channel, std::string_view doc);

// A gateway's validateConfig: the error of parsing the configuration, if any.
template <class T>
core::Status configStatus(const core::Result<T>& parsed) {
  if (!parsed) return parsed.error();
  return {};
}

}  // namespace parley::channels
