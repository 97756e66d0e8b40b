// Which words of a draft go to the spell checker, and where the composer underlines them.
#include "core/spelling.hpp"

#include <gtest/gtest.h>

using parley::core::wordsToCheck;

namespace {

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& w : wordsToCheck(text)) out.push_back(w.word);
  return out;
}

}  // namespace

TEST(Spelling, WordsWithUmlautsHyphensAndApostrophesStayWhole) {
  EXPECT_EQ(words("Hallo, meine Rechnnung für März stimmt nicht!"),
            (std::vector<std::string>{"Hallo", "meine", "Rechnnung", "für", "März", "stimmt", "nicht"}));
  EXPECT_EQ(words("Bitte die E-Mail-Adresse prüfen; don't worry."),
            (std::vector<std::string>{"Bitte", "die", "E-Mail-Adresse", "prüfen", "don't", "worry"}));
  EXPECT_EQ(words("Straße -- Grüße -x"), (std::vector<std::string>{"Straße", "Grüße"}));
}

TEST(Spelling, UrlsAddressesNumbersAndPlaceholdersAreNotWords) {
  EXPECT_TRUE(words("https://shop.example/rechnung?id=7 www.example.de jana@example.de").empty());
  EXPECT_EQ(words("Bestellung 4711 A4 3x {{contact.first_name}} a"), std::vector<std::string>{"Bestellung"});
}

TEST(Spelling, OffsetsAreInUtf16CodeUnitsAsTheBrowserCounts) {
  const std::string text = "Grüße 😀 Rechnnung";
  auto spans = wordsToCheck(text);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].offset, 0u);
  EXPECT_EQ(spans[0].length, 5u);  // G r ü ß e
  EXPECT_EQ(spans[1].word, "Rechnnung");
  EXPECT_EQ(spans[1].offset, 9u);  // "Grüße " is 6, the emoji 2, the space 1
  EXPECT_EQ(spans[1].length, 9u);
}

TEST(Spelling, BrokenUtf8IsASeparatorNeverACrash) {
  const std::string text = std::string("Hal\xff") + "lo Welt \xc3";
  EXPECT_EQ(words(text), (std::vector<std::string>{"Hal", "lo", "Welt"}));
  std::string noise;
  for (int i = 0; i < 2000; ++i) noise += static_cast<char>((i * 37) % 256);
  (void)wordsToCheck(noise);
}
