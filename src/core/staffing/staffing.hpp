// DESIGN: the staffing calculator behind `parley staffing` and GET /api/v1/staffing. Pure
// C++: numbers in, numbers out, no I/O, no clock, no allocation beyond a few locals.
//
// Two queueing models, both with Poisson arrivals and exponential handle times:
//   - Erlang C (M/M/s): every contact waits as long as it takes.
//   - Erlang A (M/M/s+M, Palm 1946): a waiting contact abandons after an exponential patience
//     with mean `patience_s`; always stable, so it also answers for overloaded queues.
// Chat and messaging are modelled by `concurrency`: each agent serves up to C conversations
// at once and the model runs with s = agents x C servers, each conversation holding one slot
// for `aht_s` (the handle time measured *at* that concurrency). See staffing.cpp and
// docs/STAFFING.md for the formulas, their sources, and the limits of the concurrency model.
//
// Robustness: Erlang B by its recursion (never factorials or powers), Erlang A series summed
// in log space around their largest term, every loop bounded; inputs outside the supported
// range come back as InvalidInput with a message naming the field, never as a crash or a hang.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/result.hpp"

namespace parley::core::staffing {

enum class Model { ErlangC, ErlangA };

std::string_view toString(Model model);                     // "erlang-c", "erlang-a"
std::optional<Model> parseModel(std::string_view text);     // the same spellings

// The agent search stops here; a load that needs more is reported as an error.
constexpr std::int64_t kMaxAgents = 100'000;
constexpr int kMaxConcurrency = 100;
// Above this share of paid time off the queue the scheduled head count is no longer a plan.
constexpr double kMaxShrinkage = 0.95;

struct StaffingInput {
  Model model = Model::ErlangC;
  double arrivals = 0;      // contacts arriving in one interval (>= 0)
  double interval_s = 0;    // interval length in seconds (> 0)
  double aht_s = 0;         // average handle time of one contact, seconds (> 0)
  double sl_target = 0.8;   // service-level target as a fraction, in (0, 1]
  double sl_seconds = 20;   // ... of contacts answered within this many seconds (>= 0)
  std::optional<double> patience_s;  // Erlang A only (required there): mean patience, seconds
  int concurrency = 1;      // conversations one agent works at once (chat, messaging)
  double max_occupancy = 1; // the answer also keeps occupancy <= this, in (0, 1]
  double shrinkage = 0;     // fraction of paid time not on contacts, in [0, kMaxShrinkage]
};

struct StaffingResult {
  Model model = Model::ErlangC;
  std::int64_t agents = 0;            // agents on the queue (productive)
  std::int64_t scheduled_agents = 0;  // ceil(agents / (1 - shrinkage)): agents to schedule
  double offered_load = 0;            // erlangs: arrivals x aht / interval
  double service_level = 1;           // fraction of all arrivals answered within sl_seconds
  double asa_s = 0;                   // average speed of answer: mean wait of answered contacts
  double mean_wait_s = 0;             // mean wait of all arrivals, abandoned ones included
  double p_wait = 0;                  // probability that an arrival waits at all
  double occupancy = 0;               // fraction of agent capacity (slots) busy with contacts
  double p_abandon = 0;               // fraction of arrivals that abandon (0 for Erlang C)
  bool meets_target = true;           // service_level >= target and occupancy <= max
};

// InvalidInput naming the field when an input is out of range.
[[nodiscard]] Status validate(const StaffingInput& input);

// The fewest agents that meet the service-level target and keep occupancy <= max_occupancy,
// with their figures. Zero arrivals need zero agents. InvalidInput when more than kMaxAgents
// would be needed or the input is invalid.
[[nodiscard]] Result<StaffingResult> requiredAgents(const StaffingInput& input);

// The figures for exactly `agents` agents (meets_target tells whether they reach the target).
// InvalidInput for agents outside [1, kMaxAgents], and for Erlang C when the agents cannot keep
// up with the load (the queue would grow without bound).
[[nodiscard]] Result<StaffingResult> evaluateAgents(const StaffingInput& input, std::int64_t agents);

// Building blocks, exposed for tests.
// Erlang B (loss) probability for `servers` servers offered `load` erlangs.
double erlangB(std::int64_t servers, double load);
// Erlang C (delay) probability; requires servers > load (returns 1 otherwise).
double erlangC(std::int64_t servers, double load);

}  // namespace parley::core::staffing
