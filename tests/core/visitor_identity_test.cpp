#include "core/visitor_identity.hpp"

#include <gtest/gtest.h>

using namespace parley::core;

TEST(VisitorIdentity, TheCanonicalStringIsTheFourValuesJoinedByNewlines) {
  EXPECT_EQ(identityCanonicalString({"42", "jana@example.de", "Jana Müller", "+49301234567"}),
            "42\njana@example.de\nJana Müller\n+49301234567");
  EXPECT_EQ(identityCanonicalString({"42", "", "", ""}), "42\n\n\n") << "absent values stay as empty fields";
  EXPECT_NE(identityCanonicalString({"4", "2", "", ""}), identityCanonicalString({"42", "", "", ""}));
}

TEST(VisitorIdentity, RefusesLineBreaksControlCharactersAndOversizedValues) {
  EXPECT_TRUE(validateVisitorClaims({"42", "jana@example.de", "Jana Müller", "+49 30 1234567"}));
  auto forged = validateVisitorClaims({"42", "a@b.de\nmallory@evil.test", "", ""});
  ASSERT_FALSE(forged) << "a newline would make the string ambiguous";
  EXPECT_NE(forged.error().message.find("user.email"), std::string::npos);
  EXPECT_FALSE(validateVisitorClaims({"4\t2", "", "", ""}));
  EXPECT_FALSE(validateVisitorClaims({std::string(kMaxClaimUserId + 1, '1'), "", "", ""}));
  EXPECT_FALSE(validateVisitorClaims({"42", "", std::string("J\xff", 2), ""})) << "not UTF-8";
}
