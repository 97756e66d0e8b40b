#include "core/business_hours.hpp"

#include <gtest/gtest.h>

using namespace parley::core;

namespace {

LocalDateTime at(int y, int m, int d, int hh, int mm) {
  LocalDate date{y, m, d};
  return LocalDateTime{date, weekdayOf(date), hh * 60 + mm};
}

BusinessHours officeHours() {
  BusinessHours h;
  for (int day = 0; day < 5; ++day) h.weekly[static_cast<std::size_t>(day)] = {{9 * 60, 12 * 60 + 30}, {13 * 60 + 30, 17 * 60}};
  h.weekly[5] = {{10 * 60, 14 * 60}};
  return h;
}

}  // namespace

TEST(BusinessHours, ParsesIntervalsDaysAndDates) {
  auto i = parseMinuteInterval("09:00-17:30");
  ASSERT_TRUE(i);
  EXPECT_EQ(*i, (MinuteInterval{540, 1050}));
  EXPECT_EQ(*parseMinuteInterval("00:00-24:00"), (MinuteInterval{0, 1440}));
  for (const char* bad : {"9:00-17:00", "09:00-08:00", "09:00-09:00", "24:00-24:00", "09:60-10:00", "22:00-02:00", "09:00_17:00", ""}) {
    EXPECT_FALSE(parseMinuteInterval(bad)) << bad;
  }
  EXPECT_EQ(parseWeekday("mon"), 0);
  EXPECT_EQ(parseWeekday("sun"), 6);
  EXPECT_FALSE(parseWeekday("Mon"));
  EXPECT_TRUE(parseLocalDate("2028-02-29"));
  EXPECT_FALSE(parseLocalDate("2027-02-29")) << "not a leap year";
  EXPECT_FALSE(parseLocalDate("2026-13-01"));
  EXPECT_FALSE(parseLocalDate("2026-1-01"));
}

TEST(BusinessHours, KnowsTheWeekdayOfADate) {
  EXPECT_EQ(weekdayOf({1970, 1, 1}), 3);    // a Thursday
  EXPECT_EQ(weekdayOf({2026, 12, 1}), 1);   // a Tuesday
  EXPECT_EQ(weekdayOf({2024, 2, 29}), 3);   // a Thursday
  EXPECT_EQ(addDays({2026, 12, 31}, 1), (LocalDate{2027, 1, 1}));
  EXPECT_EQ(addDays({2024, 3, 1}, -1), (LocalDate{2024, 2, 29}));
}

TEST(BusinessHours, OpenInsideIntervalsOnly) {
  const auto h = officeHours();
  EXPECT_TRUE(isOpen(h, at(2026, 12, 1, 9, 0))) << "the start is inside";
  EXPECT_FALSE(isOpen(h, at(2026, 12, 1, 8, 59)));
  EXPECT_FALSE(isOpen(h, at(2026, 12, 1, 12, 30))) << "the end is outside (lunch)";
  EXPECT_TRUE(isOpen(h, at(2026, 12, 1, 16, 59)));
  EXPECT_FALSE(isOpen(h, at(2026, 12, 1, 17, 0)));
  EXPECT_TRUE(isOpen(h, at(2026, 12, 5, 11, 0))) << "Saturday morning";
  EXPECT_FALSE(isOpen(h, at(2026, 12, 6, 11, 0))) << "Sunday";
}

TEST(BusinessHours, ClosedDatesCloseTheWholeDay) {
  auto h = officeHours();
  h.closed_dates = {{2026, 12, 24}};
  ASSERT_TRUE(normalizeBusinessHours(h));
  EXPECT_FALSE(isOpen(h, at(2026, 12, 24, 10, 0)));
  EXPECT_TRUE(isOpen(h, at(2026, 12, 23, 10, 0)));
}

TEST(BusinessHours, RefusesOverlappingIntervals) {
  BusinessHours h;
  h.weekly[2] = {{600, 700}, {650, 800}};
  auto s = normalizeBusinessHours(h);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("wed"), std::string::npos);
}

TEST(BusinessHours, FindsTheNextOpening) {
  auto h = officeHours();
  h.closed_dates = {{2026, 12, 7}};  // a Monday off
  ASSERT_TRUE(normalizeBusinessHours(h));
  auto lunch = nextOpening(h, at(2026, 12, 1, 12, 45));
  ASSERT_TRUE(lunch);
  EXPECT_EQ(lunch->date, (LocalDate{2026, 12, 1}));
  EXPECT_EQ(lunch->minute_of_day, 13 * 60 + 30);
  auto weekend = nextOpening(h, at(2026, 12, 5, 15, 0));  // Saturday after closing; Monday is off
  ASSERT_TRUE(weekend);
  EXPECT_EQ(weekend->date, (LocalDate{2026, 12, 8}));
  EXPECT_EQ(weekend->minute_of_day, 9 * 60);
  EXPECT_FALSE(nextOpening(BusinessHours{}, at(2026, 12, 1, 10, 0))) << "never open";
}

TEST(BusinessHours, AnIntervalContinuingOverMidnightIsNoNewOpening) {
  BusinessHours h;
  h.weekly[0] = {{22 * 60, 1440}};
  h.weekly[1] = {{0, 2 * 60}, {8 * 60, 10 * 60}};
  ASSERT_TRUE(normalizeBusinessHours(h));
  auto next = nextOpening(h, at(2026, 11, 30, 23, 0));  // Monday night, open
  ASSERT_TRUE(next);
  EXPECT_EQ(next->date, (LocalDate{2026, 12, 1}));
  EXPECT_EQ(next->minute_of_day, 8 * 60);
}
