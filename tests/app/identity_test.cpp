#include "app/identity.hpp"

#include <gtest/gtest.h>

using parley::app::normalizeEmail;
using parley::app::normalizePhone;

TEST(NormalizePhone, EveryWayOfWritingAGermanNumberIsOneE164Number) {
  for (const char* raw : {"+49 30 1234567", "+49 (030) 1234567", "0049 30 1234567", "030 1234567", "030/123 45 67",
                          "whatsapp:+49301234567", "tel:+49-30-1234567"}) {
    auto p = normalizePhone(raw);
    ASSERT_TRUE(p.ok()) << raw << ": " << p.error().message;
    EXPECT_EQ(*p, "+49301234567") << raw;
  }
}

TEST(NormalizePhone, WhatsAppIdsWithoutPlusAreInternational) {
  auto p = normalizePhone("4917612345678");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "+4917612345678");
  auto us = normalizePhone("+1 (415) 555-0100");
  ASSERT_TRUE(us.ok());
  EXPECT_EQ(*us, "+14155550100");
}

TEST(NormalizePhone, GarbageIsRefusedWithAMessage) {
  for (const char* raw : {"", "abc", "12", "+49"}) {
    auto p = normalizePhone(raw);
    EXPECT_FALSE(p.ok()) << raw << " became " << (p.ok() ? *p : "");
  }
}

TEST(NormalizeEmail, LowerCasesAndTrims) {
  auto e = normalizeEmail("  Jana.Mueller@Example.DE ");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, "jana.mueller@example.de");
}

TEST(NormalizeEmail, RefusesWhatIsNoAddress) {
  for (const char* raw : {"", "jana", "@example.de", "jana@", "a@b@c", "Jana <jana@example.de>"}) {
    EXPECT_FALSE(normalizeEmail(raw).ok()) << raw;
  }
}
