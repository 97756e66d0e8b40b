// DESIGN: IANA time zones for business hours. GCC 12's libstdc++ has no std::chrono time-zone
// database, so this uses Howard Hinnant's date/tz library (Debian: libhowardhinnant-date-dev,
// built with USE_OS_TZDB: it reads the system's /usr/share/zoneinfo, kept current by the tzdata
// package). The core works on LocalDateTime values; only this file knows about zones.
#pragma once

#include <string>
#include <string_view>

#include "core/business_hours.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"

namespace parley::app {

// True when `name` is a zone of the database ("Europe/Berlin", "UTC").
bool isKnownTimeZone(std::string_view name);

// The wall-clock date and time in `zone` at the instant `at`. NotFound for an unknown zone.
core::Result<core::LocalDateTime> localTimeIn(std::string_view zone, core::TimestampMs at);

// The instant a wall-clock time in `zone` happens (the earlier one when a DST change repeats
// it; the first valid instant after it when a DST change skips it).
core::Result<core::TimestampMs> instantOf(std::string_view zone, const core::LocalDate& date, int minute_of_day);

}  // namespace parley::app
