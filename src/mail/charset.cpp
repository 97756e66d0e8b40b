#include "mail/charset.hpp"

#include <gmime/gmime.h>

#include <cerrno>

#include "core/text.hpp"

namespace parley::mail::detail {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Converts with iconv via GMime (which maps MIME charset names to the system's names).
// False when the charset is not known to iconv.
bool convert(std::string_view bytes, const char* from, std::string& out) {
  iconv_t cd = g_mime_iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out.clear();
  out.reserve(bytes.size() + bytes.size() / 2 + 16);
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write to it
  std::size_t in_left = bytes.size();
  char buffer[4096];
  while (in_left > 0) {
    char* o = buffer;
    std::size_t o_left = sizeof buffer;
    const std::size_t rc = g_mime_iconv(cd, &in, &in_left, &o, &o_left);
    const int err = errno;
    out.append(buffer, static_cast<std::size_t>(o - buffer));
    if (rc != static_cast<std::size_t>(-1)) continue;  // all of the input converted
    if (err == E2BIG && o != buffer) continue;         // the buffer is full: go on with an empty one
    // EILSEQ (a byte that is not valid in the charset), EINVAL (a sequence cut off at the
    // end): one U+FFFD for the byte, and go on after it.
    out += kReplacement;
    ++in;
    --in_left;
  }
  // A stateful encoding (ISO-2022-JP) may still owe its reset sequence.
  char* o = buffer;
  std::size_t o_left = sizeof buffer;
  g_mime_iconv(cd, nullptr, nullptr, &o, &o_left);
  out.append(buffer, static_cast<std::size_t>(o - buffer));
  g_mime_iconv_close(cd);
  return true;
}

bool isUtf8Name(std::string_view c) {
  return c == "utf-8" || c == "utf8" || c == "unicode-1-1-utf-8" || c == "x-unicode20utf8";
}

// Charsets a mail client reads as windows-1252 (WHATWG encoding labels): latin1 is its subset.
bool isLatin1Name(std::string_view c) {
  return c == "iso-8859-1" || c == "iso8859-1" || c == "iso_8859-1" || c == "latin1" || c == "l1" ||
         c == "cp819" || c == "ibm819" || c == "iso-ir-100" || c == "iso_8859-1:1987" || c == "csisolatin1" ||
         c == "windows-1252" || c == "cp1252" || c == "x-cp1252";
}

bool isAsciiName(std::string_view c) {
  return c == "us-ascii" || c == "ascii" || c == "ansi_x3.4-1968" || c == "iso646-us" || c == "us" ||
         c == "csascii";
}

std::string fromWindows1252(std::string_view bytes) {
  std::string out;
  if (!convert(bytes, "windows-1252", out) && !convert(bytes, "iso-8859-1", out)) {
    return core::toValidUtf8(bytes);  // no iconv tables at all: never happens on Debian
  }
  return core::toValidUtf8(out);
}

std::string undeclared(std::string_view bytes) {
  if (core::isValidUtf8(bytes)) return std::string(bytes);
  return fromWindows1252(bytes);
}

}  // namespace

std::string asciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trimAscii(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

std::string oneLine(std::string_view value) {
  std::string out = core::toValidUtf8(value);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\t' || c == '\0') c = ' ';
  }
  return std::string(trimAscii(out));
}

std::string toUtf8(std::string_view bytes, std::string_view charset) {
  std::string name = asciiLower(trimAscii(charset));
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') && name.back() == name.front()) {
    name = std::string(trimAscii(std::string_view(name).substr(1, name.size() - 2)));
  }
  if (name.empty() || isAsciiName(name)) return undeclared(bytes);
  if (isUtf8Name(name)) return core::toValidUtf8(bytes);
  if (isLatin1Name(name)) return fromWindows1252(bytes);
  if (name == "gb2312" || name == "gbk" || name == "x-gbk" || name == "cp936") name = "gb18030";  // supersets
  if (name.find('\0') != std::string::npos) return undeclared(bytes);
  std::string out;
  if (!convert(bytes, name.c_str(), out)) return undeclared(bytes);  // unknown charset, e.g. "x-bogus"
  return core::toValidUtf8(out);
}

}  // namespace parley::mail::detail
