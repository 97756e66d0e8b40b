// Channel configurations keep their credentials sealed (app/secret_box.hpp): the admin API seals
// them before storing, and the channel adapters open them right before use. A secret is every
// top-level string value whose key contains "password", "token" or "secret".
#pragma once

#include <string>
#include <string_view>

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

}  // namespace parley::channels
