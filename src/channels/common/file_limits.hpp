// How a gateway names a file it refuses to send before the provider would (a provider's
// documented size or type limit): `"photo.gif" (image/gif, 1.2 MB)`, so the agent sees which
// file, and what it is, next to what the provider takes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::channels {

// 512 bytes, 100 KB, 5.3 MB (KB and MB of 1024 and 1024² bytes, as the limits are read).
std::string describeSize(std::int64_t bytes);

// `"name" (type, size)`; the name falls back to "the file".
std::string describeFile(const std::string& filename, const std::string& content_type, std::int64_t bytes);

// InvalidInput (the reply API's 400): `"name" (type, size) is too large for <rule>`, the rule
// naming the provider and its limit ("Telegram: bots send files of up to 50 MB").
core::Error fileTooLarge(const std::string& filename, const std::string& content_type, std::int64_t bytes,
                         std::string_view rule);

}  // namespace parley::channels
