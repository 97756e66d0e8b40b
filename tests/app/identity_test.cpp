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

TEST(ContactSearchTerm, APhoneNumberAsAnAgentTypesItFindsTheStoredE164Number) {
  using parley::app::contactSearchTerm;
  for (const char* typed : {"0171 9999999", "+49 171 9999999", "+49 (171) 999-99-99", "0049 171 9999999"}) {
    EXPECT_EQ(contactSearchTerm(typed), "+491719999999") << typed;
  }
}

TEST(ContactSearchTerm, NamesIdsAndPartsOfNumbersStayAsTyped) {
  using parley::app::contactSearchTerm;
  EXPECT_EQ(contactSearchTerm("Jana Müller"), "Jana Müller");
  EXPECT_EQ(contactSearchTerm("jana@example.de"), "jana@example.de");
  EXPECT_EQ(contactSearchTerm("crm-42"), "crm-42");
  EXPECT_EQ(contactSearchTerm("123456789"), "123456789");  // a Telegram id, or digits inside a number
  EXPECT_EQ(contactSearchTerm("-1002000000009"), "-1002000000009");  // a Telegram group
  EXPECT_EQ(contactSearchTerm("171 9999999"), "171 9999999");
  EXPECT_EQ(contactSearchTerm("+491719"), "+491719");
  EXPECT_EQ(contactSearchTerm("0171"), "0171");
  EXPECT_EQ(contactSearchTerm(""), "");
}
