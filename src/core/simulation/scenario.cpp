// Scenario checks: every range and every reference, with the offending entry named.
#include "core/simulation/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace parley::core::simulation {

namespace {

Error invalid(std::string message) { return makeError(ErrorCode::InvalidInput, std::move(message)); }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

bool finite(double v) { return std::isfinite(v); }

// "queue \"billing\"", "arrivals[2] (queue \"billing\", voice)", "agents \"juniors\""
std::string queueLabel(const QueueSpec& q) { return "queue \"" + q.name + "\""; }
std::string arrivalLabel(const ArrivalSpec& a, std::size_t i) {
  return "arrivals[" + std::to_string(i) + "] (queue \"" + a.queue + "\", " + std::string(toString(a.channel)) + ")";
}
std::string groupLabel(const AgentGroupSpec& g) { return "agents \"" + g.name + "\""; }

Status checkDuration(const std::string& where, const char* key, double v, double min, bool min_inclusive) {
  const bool low = min_inclusive ? v < min : v <= min;
  if (!finite(v) || low || v > kMaxDurationS) {
    return invalid(where + ": " + key + " must be " + (min_inclusive ? "at least " : "more than ") + num(min) +
                   " and at most " + num(kMaxDurationS) + " seconds (got " + num(v) + ")");
  }
  return {};
}

Status checkSkills(const std::string& where, const char* key, const std::vector<SkillNeed>& skills) {
  if (skills.size() > kMaxNamed) return invalid(where + ": " + key + ": too many skills");
  for (const auto& s : skills) {
    if (s.skill.empty()) return invalid(where + ": " + key + ": a skill needs a name");
    if (s.level < 1 || s.level > routing::kMaxProficiency) {
      return invalid(where + ": " + key + "." + s.skill + " must be a level from 1 to 5 (got " + std::to_string(s.level) + ")");
    }
  }
  return {};
}

// 1 value, or exactly `intervals` values.
template <class T>
Status checkPattern(const std::string& where, const char* key, const std::vector<T>& values, std::size_t intervals) {
  if (values.empty()) return invalid(where + ": " + key + " needs at least one value");
  if (values.size() != 1 && values.size() != intervals) {
    return invalid(where + ": " + key + " has " + std::to_string(values.size()) + " values; give 1 or one per interval (" +
                   std::to_string(intervals) + ", the longest list in the scenario)");
  }
  return {};
}

}  // namespace

std::string_view toString(Distribution d) noexcept {
  switch (d) {
    case Distribution::Exponential: return "exponential";
    case Distribution::LogNormal: return "lognormal";
    case Distribution::Fixed: return "fixed";
  }
  return "?";
}

std::optional<Distribution> parseDistribution(std::string_view text) noexcept {
  for (Distribution d : {Distribution::Exponential, Distribution::LogNormal, Distribution::Fixed})
    if (text == toString(d)) return d;
  return std::nullopt;
}

std::optional<routing::Strategy> parseStrategy(std::string_view text) noexcept {
  using routing::Strategy;
  for (Strategy s : {Strategy::LongestIdle, Strategy::LeastOccupied, Strategy::MostSkilled, Strategy::RoundRobin})
    if (text == routing::toString(s)) return s;
  return std::nullopt;
}

std::size_t Scenario::intervals() const {
  std::size_t n = 1;
  for (const auto& a : arrivals) n = std::max(n, a.per_interval.size());
  for (const auto& g : agents) n = std::max(n, g.count.size());
  return n;
}

double Scenario::measuredHours() const {
  if (hours > 0) return hours;
  return static_cast<double>(intervals()) * interval_minutes / 60.0;
}

Status validate(const Scenario& s) {
  if (!finite(s.hours) || s.hours < 0 || s.hours > kMaxHours) {
    return invalid("simulation: hours must be from 0 (one pass over the intervals) to " + num(kMaxHours) + " (got " +
                   num(s.hours) + ")");
  }
  if (!finite(s.warmup_minutes) || s.warmup_minutes < 0 || s.warmup_minutes > kMaxWarmupMinutes) {
    return invalid("simulation: warmup_minutes must be from 0 to " + num(kMaxWarmupMinutes));
  }
  if (s.interval_minutes < 1 || s.interval_minutes > kMaxIntervalMinutes) {
    return invalid("simulation: interval_minutes must be a whole number from 1 to 1440");
  }
  const std::size_t intervals = s.intervals();
  if (intervals > kMaxIntervals) return invalid("simulation: more than " + std::to_string(kMaxIntervals) + " intervals");
  if (s.measuredHours() * 3600 < 1) return invalid("simulation: hours: simulate at least one second");
  if (s.queues.empty()) return invalid("the scenario needs at least one queue");
  if (s.arrivals.empty()) return invalid("the scenario needs at least one arrivals entry");
  if (s.agents.empty()) return invalid("the scenario needs at least one agents entry");
  if (s.queues.size() > kMaxNamed || s.arrivals.size() > kMaxNamed || s.agents.size() > kMaxNamed) {
    return invalid("at most " + std::to_string(kMaxNamed) + " queues, arrivals entries and agent groups");
  }

  std::set<std::string> queue_names;
  for (const auto& q : s.queues) {
    if (q.name.empty()) return invalid("every queue needs a name");
    if (!queue_names.insert(q.name).second) return invalid(queueLabel(q) + " is defined twice");
  }
  auto knownQueue = [&](const std::string& name) { return queue_names.count(name) > 0; };

  for (const auto& q : s.queues) {
    const std::string where = queueLabel(q);
    if (q.strategy == routing::Strategy::PreferredAgentFirst) {
      return invalid(where + ": strategy preferred_agent_first needs returning customers; the simulated ones have none");
    }
    if (auto ok = checkDuration(where, "sl_seconds", q.sl_seconds, 0, true); !ok) return ok;
    if (!finite(q.sl_target) || q.sl_target <= 0 || q.sl_target > 1) {
      return invalid(where + ": sl_target must be a fraction above 0 and at most 1 (e.g. 0.8)");
    }
    if (auto ok = checkSkills(where, "skills", q.skills); !ok) return ok;
    if (auto ok = checkDuration(where, "offer_timeout_s", q.offer_timeout_s, 0.001, true); !ok) return ok;
    if (auto ok = checkDuration(where, "wrap_up_s", q.wrap_up_s, 0, true); !ok) return ok;
    if (q.escalation.size() > 255) return invalid(where + ": at most 255 escalation steps");
    double last = 0;
    for (std::size_t i = 0; i < q.escalation.size(); ++i) {
      const auto& e = q.escalation[i];
      const std::string step = where + ": escalation[" + std::to_string(i) + "]";
      if (auto ok = checkDuration(step, "after_s", e.after_s, 0, true); !ok) return ok;
      if (e.after_s < last) return invalid(step + ": after_s must not be less than the step before");
      last = e.after_s;
      if (e.relax_to) {
        if (auto ok = checkSkills(step, "skills", *e.relax_to); !ok) return ok;
      }
      if (std::abs(e.raise_priority_by) > 1'000'000) return invalid(step + ": raise_priority_by must be within +-1000000");
      if (!e.overflow_to.empty() && !knownQueue(e.overflow_to)) {
        return invalid(step + ": overflow_to names the unknown queue \"" + e.overflow_to + "\"");
      }
      if (!e.relax_to && e.raise_priority_by == 0 && e.overflow_to.empty()) {
        return invalid(step + ": give skills, raise_priority_by or overflow_to");
      }
    }
  }

  for (std::size_t i = 0; i < s.arrivals.size(); ++i) {
    const auto& a = s.arrivals[i];
    const std::string where = arrivalLabel(a, i);
    if (!knownQueue(a.queue)) return invalid(where + ": unknown queue \"" + a.queue + "\"");
    if (auto ok = checkPattern(where, "per_interval", a.per_interval, intervals); !ok) return ok;
    for (double v : a.per_interval) {
      if (!finite(v) || v < 0 || v > 1e9) return invalid(where + ": per_interval values must be from 0 to 1e9 (got " + num(v) + ")");
    }
    const auto& h = a.handle_time;
    if (auto ok = checkDuration(where, "handle_time.mean_s", h.mean_s, 0.001, true); !ok) return ok;
    if (h.distribution == Distribution::LogNormal) {
      if (auto ok = checkDuration(where, "handle_time.sd_s", h.sd_s, 0, false); !ok) return ok;
    } else if (h.sd_s != 0) {
      return invalid(where + ": handle_time.sd_s is only for the lognormal distribution");
    }
    if (a.patience_s) {
      if (auto ok = checkDuration(where, "patience_s", *a.patience_s, 0.001, true); !ok) return ok;
    }
    if (a.skills) {
      if (auto ok = checkSkills(where, "skills", *a.skills); !ok) return ok;
    }
    if (std::abs(a.priority) > 1'000'000) return invalid(where + ": priority must be within +-1000000");
  }

  std::set<std::string> group_names;
  std::int64_t agents_total = 0;
  for (const auto& g : s.agents) {
    if (g.name.empty()) return invalid("every agents entry needs a name");
    const std::string where = groupLabel(g);
    if (!group_names.insert(g.name).second) return invalid(where + " is defined twice");
    if (auto ok = checkPattern(where, "count", g.count, intervals); !ok) return ok;
    std::int64_t most = 0;
    for (std::int64_t c : g.count) {
      if (c < 0 || c > kMaxAgents) return invalid(where + ": count values must be from 0 to " + std::to_string(kMaxAgents));
      most = std::max(most, c);
    }
    agents_total += most;
    if (agents_total > kMaxAgents) return invalid(where + ": more than " + std::to_string(kMaxAgents) + " agents in all");
    if (g.queues.empty()) return invalid(where + ": queues must name at least one queue");
    double shortest_timeout = kMaxDurationS;
    for (const auto& qn : g.queues) {
      if (!knownQueue(qn)) return invalid(where + ": queues names the unknown queue \"" + qn + "\"");
      for (const auto& q : s.queues)
        if (q.name == qn) shortest_timeout = std::min(shortest_timeout, q.offer_timeout_s);
    }
    if (auto ok = checkSkills(where, "skills", g.skills); !ok) return ok;
    for (int c : g.capacity) {
      if (c < 0 || c > 1000) return invalid(where + ": capacity values must be from 0 to 1000");
    }
    if (auto ok = checkDuration(where, "accept_delay_s", g.accept_delay_s, 0, true); !ok) return ok;
    if (g.accept_delay_s >= shortest_timeout) {
      return invalid(where + ": accept_delay_s must be shorter than the offer_timeout_s of its queues (" +
                     num(shortest_timeout) + " s), or every offer would expire");
    }
  }

  // Bound the work: the expected number of arrivals over warm-up and measured time.
  const double measured_intervals = s.measuredHours() * 60.0 / s.interval_minutes;
  const double warmup_intervals = s.warmup_minutes / s.interval_minutes;
  double expected = 0;
  for (const auto& a : s.arrivals) {
    double day = 0;
    for (std::size_t k = 0; k < intervals; ++k) day += a.per_interval[a.per_interval.size() == 1 ? 0 : k];
    expected += a.per_interval[0] * warmup_intervals + day / static_cast<double>(intervals) * measured_intervals;
  }
  if (expected > kMaxExpectedArrivals) {
    return invalid("the scenario expects " + num(expected) + " arrivals; at most " + num(kMaxExpectedArrivals) +
                   " per run (simulate fewer hours)");
  }
  return {};
}

}  // namespace parley::core::simulation
