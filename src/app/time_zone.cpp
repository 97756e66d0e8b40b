#include "app/time_zone.hpp"

#include <date/tz.h>

#include <chrono>

namespace parley::app {

namespace {

const date::time_zone* findZone(std::string_view name) {
  if (name.empty() || name.size() > 64) return nullptr;
  try {
    return date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    return nullptr;  // unknown zone, or no database on this machine
  }
}

}  // namespace

bool isKnownTimeZone(std::string_view name) { return findZone(name) != nullptr; }

core::Result<core::LocalDateTime> localTimeIn(std::string_view zone, core::TimestampMs at) {
  const auto* tz = findZone(zone);
  if (!tz) return core::makeError(core::ErrorCode::NotFound, "unknown time zone '" + std::string(zone) + "'");
  const date::sys_time<std::chrono::milliseconds> instant{std::chrono::milliseconds(at)};
  const auto local = tz->to_local(instant);
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
  core::LocalDateTime out;
  out.date = {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
              static_cast<int>(static_cast<unsigned>(ymd.day()))};
  out.weekday = static_cast<int>((date::weekday{day}.c_encoding() + 6) % 7);  // Monday = 0
  out.minute_of_day = static_cast<int>(minutes);
  return out;
}

core::Result<core::TimestampMs> instantOf(std::string_view zone, const core::LocalDate& d, int minute_of_day) {
  const auto* tz = findZone(zone);
  if (!tz) return core::makeError(core::ErrorCode::NotFound, "unknown time zone '" + std::string(zone) + "'");
  const date::local_days day{date::year{d.year} / date::month{static_cast<unsigned>(d.month)} / date::day{static_cast<unsigned>(d.day)}};
  const date::local_time<std::chrono::minutes> local = day + std::chrono::minutes(minute_of_day);
  const auto info = tz->get_info(local);
  std::chrono::milliseconds since_epoch{};
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // the first (earlier) of the two
      since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>((local - info.first.offset).time_since_epoch());
      break;
    case date::local_info::nonexistent:  // skipped by a DST change: the change itself
      since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(info.second.begin.time_since_epoch());
      break;
  }
  return static_cast<core::TimestampMs>(since_epoch.count());
}

}  // namespace parley::app
