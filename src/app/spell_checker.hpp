// DESIGN: spell checking for the composer, German and English, with hunspell and the
// dictionaries Debian installs (de_DE, en_US under dictionaries_dir). A dictionary is loaded on
// first use (about a second) and then kept; hunspell objects are not thread-safe, so each
// language has one, used under its own lock. Suggestions are the slow part, so only the first
// misspellings of a draft get them. Which language: the caller's choice, or "auto", which asks
// CLD2 what the draft is written in and falls back to the agent's language when it cannot tell.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/result.hpp"

class Hunspell;

namespace parley::app {

struct Misspelling {
  std::string word;
  std::size_t offset = 0;  // UTF-16 code units, as the browser counts
  std::size_t length = 0;
  std::vector<std::string> suggestions;  // at most 5, best first
};

struct SpellCheckResult {
  core::Language language = core::Language::En;
  bool detected = false;  // the language was detected from the text
  std::vector<Misspelling> misspellings;
};

class SpellChecker {
 public:
  static constexpr std::size_t kMaxTextBytes = 20'000;
  static constexpr std::size_t kMaxWithSuggestions = 25;

  explicit SpellChecker(std::string dictionaries_dir);
  ~SpellChecker();

  // language: nullopt = detect (fallback when the text does not say clearly).
  // TooLarge over kMaxTextBytes; Unavailable when the dictionary is missing.
  core::Result<SpellCheckResult> check(const std::string& text, std::optional<core::Language> language,
                                       core::Language fallback);

 private:
  struct Dictionary {
    std::mutex mutex;
    std::unique_ptr<Hunspell> hunspell;
    bool tried = false;
  };
  Dictionary& dictionary(core::Language language);

  std::string dir_;
  Dictionary de_, en_;
};

// What CLD2 thinks the text is, if it is German or English and CLD2 is sure.
std::optional<core::Language> detectLanguage(const std::string& utf8_text);

}  // namespace parley::app
