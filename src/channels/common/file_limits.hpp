// How a gateway names a file it refuses to send before the provider would (a provider's
// documented size or type limit): `"photo.gif" (image/gif, 1.2 MB)`, so the agent sees which
// file, and what it is, next to what the provider takes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::channels {

// A file a reply carries, as a gateway checks it against its provider's limits.
struct OutgoingFile {
  std::string filename;
  std::string content_type;  // as sniffed by the attachment store (libmagic's names)
  std::int64_t size = 0;
  // The file's first bytes (64 are enough): tells an animated WebP and an Opus Ogg. Unset when
  // the file could not be read; the checks that need it then take the lenient reading.
  std::optional<std::string> head;
};

// A content type without parameters and in lower case: "Image/JPEG; q=1" -> "image/jpeg".
std::string baseMediaType(std::string_view content_type);

// 512 bytes, 100 KB, 5.3 MB (KB and MB of 1024 and 1024² bytes, as the limits are read).
std::string describeSize(std::int64_t bytes);

// `"name" (type, size)`; the name falls back to "the file".
std::string describeFile(const std::string& filename, const std::string& content_type, std::int64_t bytes);

// InvalidInput (the reply API's 400): `"name" (type, size) is too large for <rule>`, the rule
// naming the provider and its limit ("Telegram: bots send files of up to 50 MB").
core::Error fileTooLarge(const std::string& filename, const std::string& content_type, std::int64_t bytes,
                         std::string_view rule);

}  // namespace parley::channels
