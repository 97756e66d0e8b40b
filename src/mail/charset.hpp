// Charset conversion and small text helpers (private to src/mail): whatever a part declares,
// the result is valid UTF-8. Conversion goes through GMime's iconv wrappers; bytes that do not
// convert become U+FFFD one by one (GMime's charset filter would turn them into '?').
#pragma once

#include <string>
#include <string_view>

namespace parley::mail::detail {

// `charset` as declared by the part (any case, may be empty or unknown). Undeclared or
// unknown charsets: the bytes are taken as UTF-8 when they are valid UTF-8, else as
// windows-1252 (the superset of latin1 that every mail client assumes).
std::string toUtf8(std::string_view bytes, std::string_view charset);

// ASCII lower-case (UTF-8 bytes are left alone).
std::string asciiLower(std::string_view text);

// `text` without leading and trailing ASCII whitespace.
std::string_view trimAscii(std::string_view text);

// A header value for display or for writing: valid UTF-8, CR, LF, TAB and NUL turned into
// spaces (so it cannot start another header line), trimmed.
std::string oneLine(std::string_view value);

}  // namespace parley::mail::detail
