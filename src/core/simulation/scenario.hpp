// What `parley simulate` simulates: queues (routing configuration and service-level target),
// arrival streams (Poisson per queue and channel, one rate per interval, a handle-time
// distribution, a patience), and agent groups (skills, capacities, queues, headcount per
// interval). Plain values with names as the scenario file spells them; validate() checks ranges
// and references and names what is wrong. The file format is parsed in app/scenario_file; the
// format and every key are documented in docs/SIMULATOR.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.hpp"
#include "core/result.hpp"
#include "core/routing/routing_types.hpp"

namespace parley::core::simulation {

// Bounds that keep one run finite and its memory small; a scenario beyond them is refused.
inline constexpr double kMaxHours = 10'000;              // measured simulated time
inline constexpr double kMaxWarmupMinutes = 10'000;
inline constexpr int kMaxIntervalMinutes = 1'440;
inline constexpr std::size_t kMaxIntervals = 1'000;      // per simulated day (the pattern that repeats)
inline constexpr std::int64_t kMaxAgents = 10'000;       // agents of all groups at once
inline constexpr double kMaxExpectedArrivals = 20e6;     // warm-up and measured time together
inline constexpr std::size_t kMaxLiveContacts = 1'000'000;  // waiting or in service at once (an overloaded queue stops there)
inline constexpr double kMaxDurationS = 1e7;             // handle time, patience, thresholds, delays
inline constexpr std::size_t kMaxNamed = 1'000;          // queues, streams, groups, skills each

enum class Distribution : std::uint8_t {
  Exponential,  // mean_s
  LogNormal,    // mean_s and sd_s of the handle time itself (not of its logarithm)
  Fixed,        // always mean_s
};
std::string_view toString(Distribution d) noexcept;
std::optional<Distribution> parseDistribution(std::string_view text) noexcept;

// Strategy names as routing::toString spells them; preferred_agent_first is refused (the
// simulated customers have no previous agent).
std::optional<routing::Strategy> parseStrategy(std::string_view text) noexcept;

struct HandleTime {
  Distribution distribution = Distribution::Exponential;
  double mean_s = 180;
  double sd_s = 0;  // log-normal only
};

// A skill with a level: an agent's proficiency, or the minimum a contact needs (1..5).
struct SkillNeed {
  std::string skill;
  int level = 1;
};

struct EscalationSpec {
  double after_s = 0;                                 // waited this long in the queue
  std::optional<std::vector<SkillNeed>> relax_to;     // then need only these skills ...
  int raise_priority_by = 0;                          // ... and/or rank higher ...
  std::string overflow_to;                            // ... and/or move to this queue ("" = stay)
};

struct QueueSpec {
  std::string name;
  routing::Strategy strategy = routing::Strategy::LongestIdle;
  double sl_seconds = 20;        // service-level threshold
  double sl_target = 0.8;        // reported next to the result, as the target to meet
  std::vector<SkillNeed> skills; // what a contact of this queue needs (all of them); empty = anyone
  double offer_timeout_s = 20;
  double wrap_up_s = 0;          // after-contact work of an agent, not part of the handle time
  std::vector<EscalationSpec> escalation;
};

// Contacts of one channel arriving in one queue: a Poisson process whose rate is constant
// within an interval.
struct ArrivalSpec {
  std::string queue;
  ChannelKind channel = ChannelKind::Voice;
  std::vector<double> per_interval;                 // expected arrivals per interval; 1 value or one per interval
  HandleTime handle_time;                           // how long the contact holds an agent's slot
  std::optional<double> patience_s;                 // mean of an exponential patience; nullopt: never abandons
  std::optional<std::vector<SkillNeed>> skills;     // overrides the queue's skills
  int priority = 0;                                 // higher first
};

struct AgentGroupSpec {
  std::string name;
  std::vector<std::int64_t> count;                  // agents logged in; 1 value or one per interval
  std::vector<std::string> queues;                  // the queues they serve
  std::vector<SkillNeed> skills;                    // proficiency 1..5
  std::array<int, routing::kMediaCount> capacity = routing::kDefaultCapacity;  // voice, chat, messaging, e-mail
  bool email_interrupts_chat = true;                // routing::CrossChannelRules::defaults(...)
  double accept_delay_s = 0;                        // time to accept an offer; 0 = at once
};

struct Scenario {
  std::string name;
  double hours = 0;               // measured simulated time; 0 = one pass over the intervals
  double warmup_minutes = 60;     // simulated before the measurement, with the first interval's load
  int interval_minutes = 30;
  std::uint64_t seed = 1;
  std::vector<QueueSpec> queues;
  std::vector<ArrivalSpec> arrivals;
  std::vector<AgentGroupSpec> agents;

  // Intervals of the simulated day: the longest per_interval / count list (1 when all are single values).
  std::size_t intervals() const;
  // hours, or the length of one pass over the intervals when hours is 0.
  double measuredHours() const;
};

// InvalidInput naming the queue, arrival stream or agent group and the key at fault.
[[nodiscard]] Status validate(const Scenario& scenario);

}  // namespace parley::core::simulation
