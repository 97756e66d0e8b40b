// One JSON line per event on stderr, the same shape everywhere (the HTTP layer's request lines,
// the outbox, routing, e-mail, template sync, profile fetching):
//   {"ts": <ms since the epoch>, "level": "info"|"warn"|"error", "msg": "...", <fields>}
// so that one log pipeline can read them all. A line is written with one fwrite, so lines of
// different threads do not interleave.
#pragma once

#include <boost/json/object.hpp>

#include <string_view>

namespace parley::app {

void logLine(std::string_view level, std::string_view msg, boost::json::object fields = {});

}  // namespace parley::app
