// Text hygiene for what leaves the server: every string in a JSON answer must be valid UTF-8,
// whatever bytes a client put into a path, a query or a file name.
#pragma once

#include <string>
#include <string_view>

namespace parley::core {

bool isValidUtf8(std::string_view text);
// Replaces every invalid or overlong sequence by U+FFFD; valid text comes back unchanged.
std::string toValidUtf8(std::string_view text);
// `text` as a JSON string literal, quotes included (invalid UTF-8 replaced first).
std::string jsonString(std::string_view text);

}  // namespace parley::core
