// The composer's spell check with Debian's hunspell dictionaries (installed by install-deps).
#include "app/spell_checker.hpp"

#include <gtest/gtest.h>

using namespace parley;

TEST(SpellChecker, FlagsTheTypoInAGermanDraftWithTheRightSuggestion) {
  app::SpellChecker checker("/usr/share/hunspell");
  auto r = checker.check("Hallo, meine Rechnnung stimmt nicht", core::Language::De, core::Language::En);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->misspellings.size(), 1u);
  EXPECT_EQ(r->misspellings[0].word, "Rechnnung");
  EXPECT_EQ(r->misspellings[0].offset, 13u);
  ASSERT_FALSE(r->misspellings[0].suggestions.empty());
  EXPECT_EQ(r->misspellings[0].suggestions[0], "Rechnung");
}

TEST(SpellChecker, DetectsTheLanguageOfTheDraftAndFallsBackWhenUnsure) {
  app::SpellChecker checker("/usr/share/hunspell");
  auto german = checker.check("Vielen Dank für Ihre Nachricht, wir kümmern uns heute noch darum und melden uns bei Ihnen.",
                              std::nullopt, core::Language::En);
  ASSERT_TRUE(german.ok());
  EXPECT_EQ(german->language, core::Language::De);
  EXPECT_TRUE(german->detected);
  EXPECT_TRUE(german->misspellings.empty());
  auto english = checker.check("Thank you for your mesage, we will look into it today and get back to you shortly.",
                               std::nullopt, core::Language::De);
  ASSERT_TRUE(english.ok());
  EXPECT_EQ(english->language, core::Language::En);
  ASSERT_EQ(english->misspellings.size(), 1u);
  EXPECT_EQ(english->misspellings[0].word, "mesage");
  auto unsure = checker.check("Ok", std::nullopt, core::Language::De);
  ASSERT_TRUE(unsure.ok());
  EXPECT_EQ(unsure->language, core::Language::De) << "too short to tell: the agent's language";
  EXPECT_FALSE(unsure->detected);
}

TEST(SpellChecker, LimitsAndAMissingDictionaryAreClearErrors) {
  app::SpellChecker checker("/usr/share/hunspell");
  EXPECT_EQ(checker.check(std::string(20'001, 'a'), core::Language::De, core::Language::De).error().code,
            core::ErrorCode::TooLarge);
  app::SpellChecker nowhere("/nonexistent");
  auto r = nowhere.check("Hallo", core::Language::De, core::Language::De);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::Unavailable);
  EXPECT_NE(r.error().message.find("hunspell-de-de"), std::string::npos);
}
