#include "core/text.hpp"

#include <locale.h>

#include <algorithm>
#include <cwctype>
#include <utility>

namespace parley::core {

namespace {

bool isAsciiVowel(char c) {
  switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u':
    case 'A': case 'E': case 'I': case 'O': case 'U':
      return true;
    default:
      return false;
  }
}

// ae/oe/ue (any ASCII case) as ä/ö/ü, and ss as ß, where they can be umlauts.
std::string withUmlauts(std::string_view word) {
  std::string out;
  out.reserve(word.size() + 4);
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    const char next = i + 1 < word.size() ? word[i + 1] : '\0';
    const char before = i > 0 ? word[i - 1] : '\0';
    const bool e_follows = next == 'e' || next == 'E';
    const char lower = static_cast<char>(c | 0x20);
    if (e_follows && (lower == 'a' || lower == 'o' || lower == 'u') && !isAsciiVowel(before) &&
        !(lower == 'u' && (before == 'q' || before == 'Q'))) {
      out += lower == 'a' ? "ä" : lower == 'o' ? "ö" : "ü";
      ++i;
    } else if ((c == 's' || c == 'S') && (next == 's' || next == 'S')) {
      out += "ß";
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

// ä/ö/ü (either case) as ae/oe/ue, ß and ẞ as ss.
std::string withoutUmlauts(std::string_view word) {
  static constexpr std::pair<std::string_view, std::string_view> kSpelledOut[] = {
      {"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"Ä", "Ae"}, {"Ö", "Oe"}, {"Ü", "Ue"}, {"ß", "ss"}, {"ẞ", "SS"}};
  std::string out;
  out.reserve(word.size() + 4);
  std::size_t i = 0;
  while (i < word.size()) {
    bool replaced = false;
    for (const auto& [umlaut, spelled] : kSpelledOut) {
      if (word.substr(i, umlaut.size()) == umlaut) {
        out += spelled;
        i += umlaut.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += word[i++];
  }
  return out;
}

// Length of the valid UTF-8 sequence at text[i], or 0 when it is invalid (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t sequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char min2 = 0x80, max2 = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) min2 = 0xA0;  // overlong
    if (c == 0xED) max2 = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) min2 = 0x90;  // overlong
    if (c == 0xF4) max2 = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < min2 || byte(i + 1) > max2) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

bool isValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string toValidUtf8(std::string_view text) {
  if (isValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequenceLength(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::size_t utf8Offset(std::string_view text, std::size_t code_points) {
  std::size_t at = 0;
  for (std::size_t n = 0; n < code_points; ++n) {
    if (at >= text.size()) return std::string_view::npos;
    ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
  }
  return at;
}

std::string asciiLower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view utf8Prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

std::string jsonString(std::string_view text) {
  const std::string valid = toValidUtf8(text);
  std::string out = "\"";
  for (unsigned char c : valid) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

namespace {

// Letters and digits of every script count as word characters.
bool isWordChar(char32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  if (utf8 == static_cast<locale_t>(nullptr)) return true;
  return iswalnum_l(static_cast<wint_t>(cp), utf8) != 0;
}

}  // namespace

std::vector<std::string> searchWords(std::string_view query, std::size_t max_word_bytes) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) {
      if (std::find(words.begin(), words.end(), current) == words.end()) words.push_back(current);
      current.clear();
    }
  };
  std::size_t i = 0;
  while (i < query.size()) {
    const std::size_t len = sequenceLength(query, i);
    if (len == 0) {
      flush();  // not UTF-8: a separator
      ++i;
      continue;
    }
    const auto c = static_cast<unsigned char>(query[i]);
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(query[i + k]) & 0x3F);
    if (isWordChar(cp)) {
      if (current.size() + len <= max_word_bytes) current.append(query.substr(i, len));
    } else {
      flush();
    }
    i += len;
  }
  flush();
  return words;
}

std::vector<std::string> germanSpellings(std::string_view word) {
  std::vector<std::string> spellings{std::string(word)};
  for (std::string other : {withUmlauts(word), withoutUmlauts(word)}) {
    bool known = false;
    for (const auto& s : spellings) known = known || s == other;
    if (!known) spellings.push_back(std::move(other));
  }
  return spellings;
}

}  // namespace parley::core
