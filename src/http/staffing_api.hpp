// The staffing calculator at the edge: GET /api/v1/staffing and `parley staffing`. Both parse
// the same parameters into core::staffing::StaffingInput and answer the same JSON object, so a
// figure on the command line is the figure the API gives. The maths is in core/staffing.
#pragma once

#include "http/router.hpp"

namespace parley::http {

// GET /api/v1/staffing (any signed-in user): the fewest agents meeting the target, or the
// figures for `agents`. Query parameters: model, arrivals, interval_s, aht_s, sl_target,
// sl_seconds, patience_s, concurrency, max_occupancy, shrinkage, agents.
void addStaffingRoutes(Router& router);

// `parley staffing --model erlang-c|erlang-a --arrivals N --interval-s S --aht-s S --sl-target F
//  --sl-seconds S [--patience-s P] [--concurrency C] [--max-occupancy O] [--shrinkage S]
//  [--agents N] [--json]`; argv holds the arguments after the word `staffing`. Prints a table, or
// the JSON object with --json; returns 0, or 2 with a message on stderr for bad options/values.
int staffingCommand(int argc, char** argv);

}  // namespace parley::http
