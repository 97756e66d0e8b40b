#include "core/spelling.hpp"

namespace parley::core {

namespace {

struct CodePoint {
  char32_t value = 0;
  std::size_t bytes = 1;
  bool valid = false;
};

CodePoint decode(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) { return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80; };
  auto bits = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 < 0x80) return {b0, 1, true};
  if (b0 >= 0xC2 && b0 < 0xE0 && cont(1)) return {(static_cast<char32_t>(b0 & 0x1F) << 6) | bits(1), 2, true};
  if (b0 >= 0xE0 && b0 < 0xF0 && cont(1) && cont(2)) {
    const char32_t cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (bits(1) << 6) | bits(2);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) return {cp, 3, true};
  }
  if (b0 >= 0xF0 && b0 < 0xF5 && cont(1) && cont(2) && cont(3)) {
    const char32_t cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
    if (cp >= 0x10000 && cp <= 0x10FFFF) return {cp, 4, true};
  }
  return {0xFFFD, 1, false};
}

// Letters of the scripts the desk's languages use, and beyond: Latin with its accents, Greek,
// Cyrillic; anything else non-ASCII above U+0250 counts as a letter too except punctuation
// blocks, which is enough to keep words whole.
bool isLetter(char32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  if (c < 0xC0) return c == 0xAA || c == 0xB5 || c == 0xBA;
  if (c == 0xD7 || c == 0xF7) return false;  // × ÷
  if (c >= 0x2000 && c <= 0x2BFF) return false;  // punctuation, symbols, arrows
  if (c >= 0x3000 && c <= 0x303F) return false;  // CJK punctuation
  if (c >= 0xFE30 && c <= 0xFE6F) return false;
  if (c >= 0xFF00 && c <= 0xFF20) return false;
  return c != 0xFFFD;
}

bool isDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool isJoiner(char32_t c) { return c == '\'' || c == 0x2019 || c == '-'; }

std::size_t utf16Units(char32_t c) { return c >= 0x10000 ? 2 : 1; }

}  // namespace

std::vector<WordSpan> wordsToCheck(std::string_view text) {
  std::vector<WordSpan> out;
  // Whitespace-separated tokens first: a token that is a URL, an address or a placeholder is
  // skipped whole; the others are split into words.
  std::size_t i = 0, units = 0;
  while (i < text.size()) {
    // Skip whitespace.
    auto cp = decode(text, i);
    if (cp.valid && (cp.value == ' ' || cp.value == '\n' || cp.value == '\r' || cp.value == '\t' || cp.value == 0xA0)) {
      i += cp.bytes;
      units += utf16Units(cp.value);
      continue;
    }
    // One token up to the next whitespace.
    std::size_t end = i, end_units = units;
    while (end < text.size()) {
      auto c = decode(text, end);
      if (c.valid && (c.value == ' ' || c.value == '\n' || c.value == '\r' || c.value == '\t' || c.value == 0xA0)) break;
      end += c.bytes;
      end_units += c.valid ? utf16Units(c.value) : 1;
    }
    const std::string_view token = text.substr(i, end - i);
    const bool skip_token = token.find("://") != std::string_view::npos || token.find('@') != std::string_view::npos ||
                            token.rfind("www.", 0) == 0 || token.find("{{") != std::string_view::npos ||
                            token.find("}}") != std::string_view::npos;
    if (!skip_token) {
      std::size_t j = i, j_units = units;
      while (j < end) {
        auto c = decode(text, j);
        if (!(c.valid && isLetter(c.value)) && !(c.valid && isDigit(c.value))) {
          j += c.bytes;
          j_units += c.valid ? utf16Units(c.value) : 1;
          continue;
        }
        // A word: letters and digits, joined by inner apostrophes or hyphens.
        const std::size_t start = j, start_units = j_units;
        std::size_t letters = 0;
        bool digits = false;
        std::size_t last_end = j, last_units = j_units;
        while (j < end) {
          auto w = decode(text, j);
          if (w.valid && (isLetter(w.value) || isDigit(w.value))) {
            digits = digits || isDigit(w.value);
            letters += isLetter(w.value) ? 1 : 0;
            j += w.bytes;
            j_units += utf16Units(w.value);
            last_end = j;
            last_units = j_units;
            continue;
          }
          if (w.valid && isJoiner(w.value) && j + w.bytes < end) {
            auto next = decode(text, j + w.bytes);
            if (next.valid && isLetter(next.value)) {
              j += w.bytes;
              j_units += utf16Units(w.value);
              continue;
            }
          }
          break;
        }
        if (!digits && letters > 1) {
          out.push_back({std::string(text.substr(start, last_end - start)), start_units, last_units - start_units});
        }
        if (j == start) {  // cannot happen, but never loop forever
          j += 1;
          j_units += 1;
        }
      }
    }
    i = end;
    units = end_units;
  }
  return out;
}

}  // namespace parley::core
