// What the channel fuzz targets share: a broken promise traps, so libFuzzer reports it as a crash
// together with the input that caused it.
#pragma once

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/inbound.hpp"
#include "core/result.hpp"

namespace parley::fuzz {

inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

// A stored payload_json must be a JSON object.
inline bool isJsonObject(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  return !ec && v.is_object();
}

// The fuzzer's bytes as text.
inline std::string_view textOf(const std::uint8_t* data, std::size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// What a codec refuses, it refuses with a message, as InvalidInput or TooLarge.
inline void requireRefusal(const core::Error& error) {
  require(!error.message.empty());
  require(error.code == core::ErrorCode::InvalidInput || error.code == core::ErrorCode::TooLarge);
}

// A message's kind agrees with its content (one file per message: WhatsApp, Telegram): a media
// kind carries exactly one file, a location its coordinates, within range.
inline void requireKindMatchesContent(const core::InboundMessage& m) {
  const bool has_media = m.kind == core::MessageKind::Image || m.kind == core::MessageKind::Audio ||
                         m.kind == core::MessageKind::Video || m.kind == core::MessageKind::Document ||
                         m.kind == core::MessageKind::Sticker;
  require(has_media == (m.media.size() == 1));
  require((m.kind == core::MessageKind::Location) == m.latitude.has_value());
  if (m.latitude) require(*m.latitude >= -90 && *m.latitude <= 90 && *m.longitude >= -180 && *m.longitude <= 180);
}

// The input's first line: what the targets try as a signature header.
inline std::string_view firstLine(std::string_view body) {
  const auto newline = body.find('\n');
  return body.substr(0, newline == std::string_view::npos ? body.size() : newline);
}

}  // namespace parley::fuzz
