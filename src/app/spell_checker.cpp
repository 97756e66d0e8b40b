#include "app/spell_checker.hpp"

#include <cstdio>  // CLD2's header needs it first
#include <cld2/public/compact_lang_det.h>
#include <hunspell.hxx>

#include <filesystem>

#include "core/spelling.hpp"
#include "core/text.hpp"

namespace parley::app {

using core::ErrorCode;
using core::makeError;

SpellChecker::SpellChecker(std::string dictionaries_dir) : dir_(std::move(dictionaries_dir)) {}
SpellChecker::~SpellChecker() = default;

SpellChecker::Dictionary& SpellChecker::dictionary(core::Language language) {
  return language == core::Language::De ? de_ : en_;
}

std::optional<core::Language> detectLanguage(const std::string& text) {
  bool reliable = false;
  const std::string valid = core::toValidUtf8(text);
  const CLD2::Language found = CLD2::DetectLanguage(valid.data(), static_cast<int>(valid.size()), true, &reliable);
  if (!reliable) return std::nullopt;
  if (found == CLD2::GERMAN) return core::Language::De;
  if (found == CLD2::ENGLISH) return core::Language::En;
  return std::nullopt;
}

core::Result<SpellCheckResult> SpellChecker::check(const std::string& text, std::optional<core::Language> language,
                                                   core::Language fallback) {
  if (text.size() > kMaxTextBytes) return makeError(ErrorCode::TooLarge, "text: at most 20000 bytes are checked at once");
  SpellCheckResult result;
  if (language) {
    result.language = *language;
  } else if (auto detected = detectLanguage(text)) {
    result.language = *detected;
    result.detected = true;
  } else {
    result.language = fallback;
  }
  Dictionary& dict = dictionary(result.language);
  std::lock_guard lock(dict.mutex);
  if (!dict.tried) {
    dict.tried = true;
    const std::string name = result.language == core::Language::De ? "de_DE" : "en_US";
    const auto aff = std::filesystem::path(dir_) / (name + ".aff");
    const auto dic = std::filesystem::path(dir_) / (name + ".dic");
    std::error_code ec;
    if (std::filesystem::exists(aff, ec) && std::filesystem::exists(dic, ec)) {
      dict.hunspell = std::make_unique<Hunspell>(aff.c_str(), dic.c_str());
    }
  }
  if (!dict.hunspell) {
    return makeError(ErrorCode::Unavailable, std::string("no ") + (result.language == core::Language::De ? "German" : "English") +
                                                 " dictionary in " + dir_ + " (install hunspell-de-de / hunspell-en-us)");
  }
  for (auto& word : core::wordsToCheck(text)) {
    if (dict.hunspell->spell(word.word)) continue;
    Misspelling m{word.word, word.offset, word.length, {}};
    if (result.misspellings.size() < kMaxWithSuggestions) {
      auto suggestions = dict.hunspell->suggest(word.word);
      if (suggestions.size() > 5) suggestions.resize(5);
      m.suggestions = std::move(suggestions);
    }
    result.misspellings.push_back(std::move(m));
  }
  return result;
}

}  // namespace parley::app
