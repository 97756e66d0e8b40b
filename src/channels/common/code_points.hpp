// Providers that count message limits in "characters" (Meta's Messenger, Instagram and WhatsApp)
// mean Unicode code points. Pure.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace parley::channels {

// Code points in valid UTF-8 (core::isValidUtf8): every byte that does not continue a sequence.
inline std::size_t codePoints(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace parley::channels
