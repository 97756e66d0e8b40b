#include "core/business_hours.hpp"

#include <algorithm>

namespace parley::core {

namespace {

std::optional<int> twoDigits(std::string_view s, std::size_t at) {
  if (at + 2 > s.size()) return std::nullopt;
  const char a = s[at], b = s[at + 1];
  if (a < '0' || a > '9' || b < '0' || b > '9') return std::nullopt;
  return (a - '0') * 10 + (b - '0');
}

// "HH:MM" -> minutes; 24:00 allowed only when `allow_end_of_day`.
std::optional<int> parseClock(std::string_view s, bool allow_end_of_day) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto h = twoDigits(s, 0), m = twoDigits(s, 3);
  if (!h || !m || *m > 59) return std::nullopt;
  if (*h == 24 && *m == 0 && allow_end_of_day) return 1440;
  if (*h > 23) return std::nullopt;
  return *h * 60 + *m;
}

bool isLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int daysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 (proleptic Gregorian), Howard Hinnant's days_from_civil.
long long daysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

LocalDate civilFromDays(long long z) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2));
  return LocalDate{y, m, d};
}

// "'<text>' <why>", built by appending (GCC 12 warns falsely about chains of string temporaries).
Error quoted(std::string_view text, std::string_view why) {
  std::string message;
  message.reserve(text.size() + why.size() + 3);
  message.append(1, '\'').append(text.substr(0, 40)).append("' ").append(why);
  return makeError(ErrorCode::InvalidInput, std::move(message));
}

bool isClosedDate(const BusinessHours& hours, const LocalDate& date) {
  return std::find(hours.closed_dates.begin(), hours.closed_dates.end(), date) != hours.closed_dates.end();
}

}  // namespace

Result<MinuteInterval> parseMinuteInterval(std::string_view text) {
  const auto bad = [&] { return quoted(text, "is not an interval like 09:00-17:30"); };
  if (text.size() != 11 || text[5] != '-') return bad();
  auto start = parseClock(text.substr(0, 5), false);
  auto end = parseClock(text.substr(6, 5), true);
  if (!start || !end) return bad();
  if (*end <= *start) {
    return quoted(text, "ends before it starts (split intervals across midnight)");
  }
  return MinuteInterval{*start, *end};
}

std::optional<int> parseWeekday(std::string_view text) {
  static constexpr std::string_view kNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (int i = 0; i < 7; ++i) {
    if (text == kNames[i]) return i;
  }
  return std::nullopt;
}

Result<LocalDate> parseLocalDate(std::string_view text) {
  const auto bad = quoted(text, "is not a date like 2026-12-24");
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad;
  auto y1 = twoDigits(text, 0), y2 = twoDigits(text, 2), m = twoDigits(text, 5), d = twoDigits(text, 8);
  if (!y1 || !y2 || !m || !d) return bad;
  LocalDate date{*y1 * 100 + *y2, *m, *d};
  if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > daysInMonth(date.year, date.month)) return bad;
  return date;
}

int weekdayOf(const LocalDate& date) {
  const long long days = daysFromCivil(date.year, date.month, date.day);
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  return static_cast<int>(((days % 7) + 7 + 3) % 7);
}

LocalDate addDays(const LocalDate& date, int days) {
  return civilFromDays(daysFromCivil(date.year, date.month, date.day) + days);
}

Status normalizeBusinessHours(BusinessHours& hours) {
  static constexpr const char* kNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (int day = 0; day < 7; ++day) {
    auto& list = hours.weekly[static_cast<std::size_t>(day)];
    std::sort(list.begin(), list.end(), [](const MinuteInterval& a, const MinuteInterval& b) { return a.start < b.start; });
    for (std::size_t i = 1; i < list.size(); ++i) {
      if (list[i].start < list[i - 1].end) {
        return makeError(ErrorCode::InvalidInput, std::string(kNames[day]) + ": intervals overlap");
      }
    }
  }
  std::sort(hours.closed_dates.begin(), hours.closed_dates.end());
  hours.closed_dates.erase(std::unique(hours.closed_dates.begin(), hours.closed_dates.end()), hours.closed_dates.end());
  return {};
}

bool isOpen(const BusinessHours& hours, const LocalDateTime& at) {
  if (isClosedDate(hours, at.date)) return false;
  const auto& today = hours.weekly[static_cast<std::size_t>(at.weekday % 7)];
  return std::any_of(today.begin(), today.end(),
                     [&](const MinuteInterval& i) { return i.start <= at.minute_of_day && at.minute_of_day < i.end; });
}

std::optional<LocalOpening> nextOpening(const BusinessHours& hours, const LocalDateTime& at, int horizon_days) {
  // Open at this local date and minute? (minute -1 is the last minute of the day before.)
  const auto openAt = [&](LocalDate date, int weekday, int minute) {
    if (minute < 0) {
      date = addDays(date, -1);
      weekday = (weekday + 6) % 7;
      minute += 1440;
    }
    return isOpen(hours, LocalDateTime{date, weekday, minute});
  };
  for (int offset = 0; offset <= horizon_days; ++offset) {
    const LocalDate date = addDays(at.date, offset);
    const int weekday = (at.weekday + offset) % 7;
    if (isClosedDate(hours, date)) continue;
    for (const auto& interval : hours.weekly[static_cast<std::size_t>(weekday)]) {
      if (offset == 0 && interval.start <= at.minute_of_day) continue;
      // An interval that continues the one before it (17:00 after "..-17:00", 00:00 after
      // "..-24:00") is no opening.
      if (openAt(date, weekday, interval.start - 1)) continue;
      return LocalOpening{date, interval.start};
    }
  }
  return std::nullopt;
}

}  // namespace parley::core
