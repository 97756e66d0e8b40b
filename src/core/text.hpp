// Text hygiene for what leaves the server: every string in a JSON answer must be valid UTF-8,
// whatever bytes a client put into a path, a query or a file name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley::core {

bool isValidUtf8(std::string_view text);
// Replaces every invalid or overlong sequence by U+FFFD; valid text comes back unchanged.
std::string toValidUtf8(std::string_view text);
// `text` as a JSON string literal, quotes included (invalid UTF-8 replaced first).
std::string jsonString(std::string_view text);
// The longest prefix of `text` of at most `max_bytes` bytes that splits no UTF-8 sequence.
std::string_view utf8Prefix(std::string_view text, std::size_t max_bytes);
// The byte offset where code point number `code_points` (0-based) of `text` starts; text.size()
// for its end, std::string_view::npos when `text` has fewer code points.
std::size_t utf8Offset(std::string_view text, std::size_t code_points);
// A-Z to a-z; every other byte (UTF-8 included) as it is.
std::string asciiLower(std::string_view text);

// Splits a search query into words: runs of letters and digits of any script (glibc's C.UTF-8
// classes; without that locale, any non-ASCII character counts as a letter). Everything else —
// punctuation, operators, control characters, bytes that are not UTF-8 — separates words and is
// dropped, so nothing the user typed can be read as query syntax. Each word is cut to
// max_word_bytes (whole characters; a prefix still matches); repeated words come once.
std::vector<std::string> searchWords(std::string_view query, std::size_t max_word_bytes);

// The ways a German word is written, for search: people without umlauts on their keyboard
// write "Muenchen", "Strasse", "Gruesse", and customers' messages contain either form. Returns
// `word` first, then (if different) the word with ae/oe/ue/ss as ä/ö/ü/ß, then the word with
// ä/ö/ü/ß as ae/oe/ue/ss. "ue" after a vowel or q ("neue", "Bauer", "Quelle") and "ae"/"oe"
// after a vowel stay as they are: there they are not umlauts. A query then matches any of them
// (the index folds ü to u, so "Muenchen" finds "München" and "München" finds "Muenchen").
std::vector<std::string> germanSpellings(std::string_view word);

}  // namespace parley::core
