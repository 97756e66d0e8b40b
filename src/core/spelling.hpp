// The words of a draft that a spell checker should look at, with their positions in the
// text as the browser counts them (UTF-16 code units), so the composer can underline them.
// Pure: no dictionary here (that is app/spell_checker).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::core {

struct WordSpan {
  std::string word;           // UTF-8
  std::size_t offset = 0;     // in UTF-16 code units from the start of the text
  std::size_t length = 0;     // in UTF-16 code units
};

// Letters (any script), with inner apostrophes and hyphens ("don't", "E-Mail"). Skipped, as no
// dictionary knows them: single letters, words with digits, URLs and e-mail addresses, and
// canned-response placeholders ({{contact.name}}). Invalid UTF-8 bytes count as separators.
std::vector<WordSpan> wordsToCheck(std::string_view utf8_text);

}  // namespace parley::core
