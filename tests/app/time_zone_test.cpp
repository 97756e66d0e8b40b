#include "app/time_zone.hpp"

#include <gtest/gtest.h>

using namespace parley;

TEST(TimeZone, ConvertsInstantsToLocalTimeAcrossDaylightSaving) {
  // 2026-03-29 01:30 UTC: Berlin just switched to summer time (UTC+2) at 01:00 UTC.
  auto summer = app::localTimeIn("Europe/Berlin", 1'774'747'800'000);
  ASSERT_TRUE(summer);
  EXPECT_EQ(summer->date, (core::LocalDate{2026, 3, 29}));
  EXPECT_EQ(summer->minute_of_day, 3 * 60 + 30);
  EXPECT_EQ(summer->weekday, 6);  // a Sunday
  auto winter = app::localTimeIn("Europe/Berlin", 1'774'747'800'000 - 3600'000);  // 00:30 UTC
  ASSERT_TRUE(winter);
  EXPECT_EQ(winter->minute_of_day, 1 * 60 + 30);
  auto tokyo = app::localTimeIn("Asia/Tokyo", 0);
  ASSERT_TRUE(tokyo);
  EXPECT_EQ(tokyo->date, (core::LocalDate{1970, 1, 1}));
  EXPECT_EQ(tokyo->minute_of_day, 9 * 60);
}

TEST(TimeZone, FindsTheInstantOfAWallClockTime) {
  auto nine = app::instantOf("Europe/Berlin", {2026, 12, 7}, 9 * 60);
  ASSERT_TRUE(nine);
  EXPECT_EQ(*nine, 1'796'630'400'000);  // 2026-12-07T08:00:00Z
  auto skipped = app::instantOf("Europe/Berlin", {2026, 3, 29}, 2 * 60 + 30);  // does not exist
  ASSERT_TRUE(skipped);
  EXPECT_EQ(*skipped, 1'774'746'000'000);  // the change itself, 01:00 UTC
}

TEST(TimeZone, UnknownZonesAreNotFound) {
  EXPECT_TRUE(app::isKnownTimeZone("Europe/Berlin"));
  EXPECT_TRUE(app::isKnownTimeZone("UTC"));
  EXPECT_FALSE(app::isKnownTimeZone("Europe/Atlantis"));
  EXPECT_FALSE(app::isKnownTimeZone(""));
  EXPECT_FALSE(app::isKnownTimeZone("../../etc/passwd"));
  EXPECT_FALSE(app::localTimeIn("Mars/Olympus", 0));
}
