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
