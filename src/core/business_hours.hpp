// DESIGN: business hours of an inbox, evaluated on the inbox's local wall-clock time. Pure: the
// caller converts "now" into the inbox's time zone (app/time_zone.hpp, the IANA database) and
// passes a LocalDateTime; nothing here reads a clock or a time-zone file. A week is seven lists
// of [start, end) minute intervals (Monday first); closed_dates are whole local days off
// (holidays). No interval crosses midnight: "22:00-02:00" is written as two intervals.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace parley::core {

struct LocalDate {
  int year = 1970, month = 1, day = 1;
  friend bool operator==(const LocalDate&, const LocalDate&) = default;
  friend auto operator<=>(const LocalDate&, const LocalDate&) = default;
};

struct LocalDateTime {
  LocalDate date;
  int weekday = 0;        // 0 = Monday ... 6 = Sunday
  int minute_of_day = 0;  // 0 ... 1439
};

struct MinuteInterval {
  int start = 0;  // minutes after local midnight, 0 ... 1439
  int end = 0;    // exclusive, start < end <= 1440 ("24:00")
  friend bool operator==(const MinuteInterval&, const MinuteInterval&) = default;
};

struct BusinessHours {
  std::array<std::vector<MinuteInterval>, 7> weekly;  // [0] = Monday
  std::vector<LocalDate> closed_dates;
};

// "09:00-17:30" (24-hour clock, "24:00" allowed as an end) -> [540, 1050).
Result<MinuteInterval> parseMinuteInterval(std::string_view text);
// "mon" ... "sun" -> 0 ... 6.
std::optional<int> parseWeekday(std::string_view text);
// "2026-12-24" -> the date (a real calendar date).
Result<LocalDate> parseLocalDate(std::string_view text);
// The weekday (0 = Monday) of a calendar date.
int weekdayOf(const LocalDate& date);
LocalDate addDays(const LocalDate& date, int days);

// Sorted and non-overlapping per day; InvalidInput naming the day when intervals overlap.
Status normalizeBusinessHours(BusinessHours& hours);

bool isOpen(const BusinessHours& hours, const LocalDateTime& at);

struct LocalOpening {
  LocalDate date;
  int minute_of_day = 0;
};
// When the inbox opens next after `at` (the start of the next interval, at most `horizon_days`
// ahead); nullopt when it never opens in that time. When open now, the start of the next
// interval after the current one.
std::optional<LocalOpening> nextOpening(const BusinessHours& hours, const LocalDateTime& at, int horizon_days = 14);

}  // namespace parley::core
