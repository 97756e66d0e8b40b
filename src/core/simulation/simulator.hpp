// DESIGN: the contact-centre simulator behind `parley simulate`. A discrete-event simulation in
// simulated time that drives the real routing engine (core/routing): the simulator plays the
// customers and the agents, the engine decides who gets what. Nothing about routing is
// re-implemented here.
//
// - Time is an integer of milliseconds from the start of the warm-up; the engine is fed the same
//   timestamps. Warm-up [0, W) runs with the first interval's arrivals and staffing and is not
//   measured; the measured time [W, E) walks through the intervals of the scenario's day and
//   starts over when hours are longer than a day.
// - Customers: one Poisson process per arrival stream whose rate is constant within an interval
//   (sampled interval by interval: an exponential gap that crosses a boundary is dropped and drawn
//   again from the boundary at the new rate, which is exact because the exponential has no
//   memory). Each contact's handle time and patience are drawn when it arrives, from generators
//   of its own stream (see random.hpp: the same customers whatever the staffing).
// - Agents: each group has as many agents as its largest headcount, configured in the engine at
//   the start; at each interval boundary the first `count` of them are available and the rest
//   log off (an agent who logs off finishes the work he has). An offer is accepted at once, or
//   after the group's accept_delay_s.
// - Events: arrival, accept, service end, abandonment (the patience ran out while the contact was
//   still waiting or offered), interval boundary, end of the measured time; and, between them,
//   the engine's own deadlines (offer timeouts, wrap-up ends, escalation steps): before each event
//   at time t the engine is ticked to every deadline <= t. After every engine call its decisions
//   are handled: Offer -> accept (now or later), Assigned -> the service starts, WrapUpEnded ->
//   the agent is free.
// - Measured are the contacts that arrive in [W, E), followed to their end: after E no contact
//   arrives and the run goes on until every measured contact is answered or has abandoned (at
//   most kMaxDrainHours more). Occupancy is measured over [W, E).
// - Deterministic: the same scenario and seed give the same figures, bit for bit; ties are
//   broken by the order events were scheduled.
//
// Definitions (the same as the routing engine's QueueFigures; docs/SIMULATOR.md):
//   wait            from arrival until an agent accepts (the Assigned decision)
//   service level   answered within sl_seconds / (answered + abandoned after sl_seconds
//                   + still waiting at the end); contacts that abandon within the threshold are
//                   left out. Without abandonment this is P(wait <= t), Erlang C's service level.
//   ASA             mean wait of the answered contacts
//   abandonment     abandoned / offered
//   occupancy       per agent group: busy time / staffed time. An agent's busy weight at any
//                   moment is min(1, sum over media of load / capacity), 1 during wrap-up; so a
//                   chat agent with capacity 3 and 2 chats is 2/3 busy (occupancy per slot, as
//                   the staffing calculator counts it). Staffed: logged in, or still working
//                   after logging off.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/result.hpp"
#include "core/simulation/scenario.hpp"

namespace parley::core::simulation {

inline constexpr double kMaxDrainHours = 7 * 24;

// Counts for contacts that arrived in the measured time.
struct Figures {
  std::int64_t offered = 0;                    // arrived
  std::int64_t answered = 0;
  std::int64_t answered_within_threshold = 0;  // wait <= sl_seconds
  std::int64_t abandoned = 0;
  std::int64_t abandoned_after_threshold = 0;  // gave up after waiting more than sl_seconds
  std::int64_t unanswered = 0;                 // still waiting when the run stopped
  double wait_answered_s = 0;                  // sum of the answered contacts' waits
  double handle_s = 0;                         // sum of the answered contacts' handle times
  double max_wait_s = 0;                       // longest wait of an answered contact

  void add(const Figures& other);
  // answered within / (answered + abandoned after + unanswered); nullopt when that is 0.
  std::optional<double> serviceLevel() const;
  // answered within / offered: abandoned contacts all count as misses (Erlang A's definition in
  // core/staffing, pyworkforce's too).
  std::optional<double> answeredWithinOfOffered() const;
  std::optional<double> asaSeconds() const;
  std::optional<double> abandonRate() const;
  std::optional<double> meanHandleSeconds() const;
};

struct ChannelResult {
  ChannelKind channel = ChannelKind::Voice;
  Figures total;
  std::vector<Figures> by_interval;  // by the interval of the day the contact arrived in
};

struct QueueResult {
  std::string name;
  double sl_seconds = 0;
  double sl_target = 0;
  Figures total;                       // all channels; contacts count for the queue they arrived in
  std::vector<ChannelResult> channels; // in the order the scenario first names them for this queue
  std::vector<Figures> by_interval;
  // Occupancy of the agent groups that serve this queue (busy / staffed over those groups, all
  // their work counted, also for other queues they serve); nullopt when nobody was staffed.
  std::optional<double> agent_occupancy;
};

struct GroupResult {
  std::string name;
  double staffed_s = 0;                 // agent-seconds staffed in the measured time
  double busy_s = 0;                    // agent-seconds busy (weighted as above)
  std::vector<std::int64_t> handled;    // contacts answered by this group, per queue (scenario order)
  std::optional<double> occupancy() const;
};

struct SimulationResult {
  std::string name;
  std::uint64_t seed = 0;
  double hours = 0;             // measured
  double warmup_minutes = 0;
  int interval_minutes = 0;
  std::size_t intervals = 0;
  double drained_s = 0;         // simulated after the measured time until every measured contact left the queue
  std::vector<QueueResult> queues;
  std::vector<GroupResult> groups;
  Figures total;
  double staffed_s = 0;
  double busy_s = 0;
  std::int64_t arrivals_simulated = 0;  // warm-up and after-window contacts included
  std::int64_t offers_expired = 0;
  std::int64_t escalations = 0;
  // Always 0 unless the engine broke its promises; checked after every assignment (and an
  // assert in debug builds).
  std::int64_t capacity_violations = 0;
  std::int64_t skill_violations = 0;

  std::optional<double> occupancy() const;
};

// Validates the scenario and runs it. InvalidInput for a bad scenario, or when more than
// kMaxLiveContacts contacts wait at once (an overloaded queue without patience grows without
// end); Internal if the routing engine refuses an event the simulator sends (a bug).
[[nodiscard]] Result<SimulationResult> simulate(const Scenario& scenario);

}  // namespace parley::core::simulation
