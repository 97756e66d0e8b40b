#include "core/text.hpp"

#include <gtest/gtest.h>

using parley::core::isValidUtf8;
using parley::core::toValidUtf8;

TEST(Utf8, ValidTextIsKeptAsItIs) {
  for (const char* s : {"", "plain", "Rückerstattung für Jürgen", "\xE2\x82\xAC 5", "\xF0\x9F\x91\x8D"}) {
    EXPECT_TRUE(isValidUtf8(s)) << s;
    EXPECT_EQ(toValidUtf8(s), s);
  }
}

TEST(Utf8, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_FALSE(isValidUtf8("\xFF"));
  EXPECT_EQ(toValidUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(toValidUtf8("/webhooks/\xA0pi"), "/webhooks/\xEF\xBF\xBDpi");
  EXPECT_FALSE(isValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xE2\x82"));          // truncated
  EXPECT_TRUE(isValidUtf8(toValidUtf8("\xE2\x82 x \xF0\x9F")));
}

TEST(Text, JsonStringEscapesEverythingJsonNeeds) {
  EXPECT_EQ(parley::core::jsonString("Jürgen \"JM\" Müller\\\n\t\x01"), "\"Jürgen \\\"JM\\\" Müller\\\\\\n\\t\\u0001\"");
  EXPECT_EQ(parley::core::jsonString(std::string("bad \xff byte")), "\"bad \xef\xbf\xbd byte\"");
}

TEST(GermanSpellings, WordsWrittenWithoutUmlautsAlsoMeanTheUmlaut) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parley::core::germanSpellings("Muenchen"), (V{"Muenchen", "München"}));
  EXPECT_EQ(parley::core::germanSpellings("Strasse"), (V{"Strasse", "Straße"}));
  EXPECT_EQ(parley::core::germanSpellings("GRUESSE"), (V{"GRUESSE", "GRüßE"})) << "ASCII case of the digraph does not matter";
  EXPECT_EQ(parley::core::germanSpellings("Koeln"), (V{"Koeln", "Köln"}));
  EXPECT_EQ(parley::core::germanSpellings("Aerger"), (V{"Aerger", "ärger"}));
}

TEST(GermanSpellings, UmlautsAlsoMeanTheirSpelledOutForm) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parley::core::germanSpellings("München"), (V{"München", "Muenchen"}));
  EXPECT_EQ(parley::core::germanSpellings("Grüße"), (V{"Grüße", "Gruesse"}));
  EXPECT_EQ(parley::core::germanSpellings("ÄRGER"), (V{"ÄRGER", "AeRGER"}));
}

TEST(GermanSpellings, DigraphsThatAreNoUmlautsStayAsTheyAre) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parley::core::germanSpellings("neue"), (V{"neue"})) << "eu is a diphthong";
  EXPECT_EQ(parley::core::germanSpellings("Bauer"), (V{"Bauer"}));
  EXPECT_EQ(parley::core::germanSpellings("Quelle"), (V{"Quelle"}));
  EXPECT_EQ(parley::core::germanSpellings("Paket"), (V{"Paket"}));
  EXPECT_EQ(parley::core::germanSpellings(""), (V{""}));
}

TEST(SearchWords, LettersAndDigitsOfAnyScriptMakeWordsEverythingElseSeparates) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parley::core::searchWords("Köln -\"Lieferung\" OR (max@example.com)*", 200),
            (V{"Köln", "Lieferung", "OR", "max", "example", "com"}));
  EXPECT_EQ(parley::core::searchWords("Paket paket Paket", 200), (V{"Paket", "paket"})) << "repeats once";
  EXPECT_EQ(parley::core::searchWords("ab\xff" "cd", 200), (V{"ab", "cd"})) << "a byte that is not UTF-8 separates";
  EXPECT_EQ(parley::core::searchWords("Müller", 3), (V{"Mü"})) << "cut at whole characters";
  EXPECT_TRUE(parley::core::searchWords(" -- ", 200).empty());
}

TEST(Utf8, APrefixNeverSplitsACharacter) {
  using parley::core::utf8Prefix;
  EXPECT_EQ(utf8Prefix("Jürgen", 100), "Jürgen");
  EXPECT_EQ(utf8Prefix("Jürgen", 2), "J");   // ü is two bytes: not cut in half
  EXPECT_EQ(utf8Prefix("Jürgen", 3), "Jü");
  EXPECT_EQ(utf8Prefix("\xF0\x9F\x91\x8D!", 3), "");
  EXPECT_EQ(utf8Prefix("abc", 0), "");
}

TEST(Utf8, OffsetsCountCodePoints) {
  using parley::core::utf8Offset;
  EXPECT_EQ(utf8Offset("Grüße", 0), 0u);
  EXPECT_EQ(utf8Offset("Grüße", 3), 4u);  // G r ü: ü is two bytes
  EXPECT_EQ(utf8Offset("Grüße", 5), 7u);  // the end
  EXPECT_EQ(utf8Offset("Grüße", 6), std::string_view::npos);
  EXPECT_EQ(utf8Offset("\xF0\x9F\x91\x8D!", 1), 4u);
}

TEST(Text, AsciiLowerLeavesOtherBytes) {
  EXPECT_EQ(parley::core::asciiLower("VIP En-GB Ärger"), "vip en-gb Ärger");
}
