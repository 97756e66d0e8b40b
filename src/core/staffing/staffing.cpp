// The formulas, with their sources.
//
// Notation: lambda arrivals per second, h = aht_s, mu = 1/h, a = lambda*h offered load
// (erlangs), s servers (agents x concurrency), t = sl_seconds; Erlang A adds theta = 1/patience_s.
//
// Erlang B, by the recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)) (Jagerman 1974; the
// recursion in Wolfram's ErlangB reference, https://reference.wolfram.com/language/ref/ErlangB.html).
// It stays within [0, 1] for any load, where a^s/s! over a sum of powers overflows by s = 171.
//
// Erlang C (Erlang 1917; as worked in Koole & Mandelbaum, "Queueing Models of Call Centers: An
// Introduction", Annals of OR 113 (2002) 41-59, and Call Centre Helper's "Erlang C Formula - Made
// Simple", https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm):
//   C = s B / (s - a (1 - B))                      probability of waiting (Wolfram's ErlangC identity)
//   SL(t) = 1 - C exp(-(s - a) t / h)              fraction answered within t
//   ASA = C h / (s - a)                            mean wait (everyone is answered)
//   occupancy = a / s
//
// Erlang A, the M/M/s+M queue (Palm 1946), in the form of Garnett, Mandelbaum & Reiman,
// "Designing a Call Center with Impatient Customers", MSOM 4(3) 208-227 (2002), and Mandelbaum &
// Zeltyn, "The Palm/Erlang-A Queue, with Applications to Call Centers" (Technion teaching note,
// 2005, ie.technion.ac.il/serveng/References/Erlang_A.pdf), sections 3-4. With x = s mu / theta,
// y = lambda / theta and
//   A(x, y) = x e^y y^-x gamma(x, y) = sum_{j>=0} y^j / prod_{k=1..j} (x + k)
// (gamma the lower incomplete gamma function; the series is its standard expansion):
//   P{W > 0} = A E / (1 + (A - 1) E),  E = Erlang B(s, a)
//   P{Ab | W > 0} = 1/(rho A) + 1 - 1/rho,  rho = lambda / (s mu)
//   E[W] = P{Ab} / theta                           (mean wait of all arrivals)
// The stationary queue behind these: an arrival finding j others waiting (probability
// proportional to y^j / prod_{k=1..j}(x+k), PASTA) would be answered after the sum V of
// exponentials with rates theta(x+j), ..., theta x, and abandons if its patience runs out first.
// From that, integrating the density of V (our derivation; it reproduces the two formulas above):
//   P{Ab | j waiting ahead} = (j + 1) / (x + j + 1)
//   P{answered, wait in (0, t]} = P{W>0} x/(x+1) [A(x+1, y) - A(x+1, y e^-theta t) F] / A(x, y),
//     F = exp(y (1 - e^-theta t) - (s mu + theta) t)
//   E[wait; answered | j ahead] = x/(x+j+1) * (1/theta) * sum_{i=1..j+1} 1/(x+i)
// We compute P{Ab | W>0} as the weighted mean of (j+1)/(x+j+1) over the same series as A: it
// equals 1/(rho A) + 1 - 1/rho exactly but does not lose digits to cancellation when both terms
// are close. The service level counts an arrival as good when it is answered within t
// (abandoned arrivals are misses), the same definition pyworkforce's ErlangA uses; ASA is the
// mean wait of answered arrivals, what an ACD reports as average speed of answer.
//
// Numerics: every series is summed relative to its largest term (at j = floor(y - x) when y > x),
// outward until the terms fall below 1e-17 of the sum, so heavy overload (y >> x, where A itself
// overflows a double) costs O(sqrt(y)) terms and no overflow. The largest term's logarithm needs
// ln Gamma(x + j + 1) - ln Gamma(x + 1) and the wait sum needs psi(x + j + 2) - psi(x + 1); both are
// computed here from their Stirling / asymptotic series as differences (std::lgamma writes the
// global signgam and is not safe to call from the HTTP worker threads).
#include "core/staffing/staffing.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace parley::core::staffing {

namespace {

constexpr double kSeriesEpsilon = 1e-17;          // stop a series when a term is this small a share of it
constexpr double kMaxSeriesTerms = 20'000'000;    // per series; beyond it the input is out of range
constexpr double kMaxArrivals = 1e9;
constexpr double kMinIntervalSeconds = 1;
constexpr double kMaxIntervalSeconds = 1e7;
constexpr double kMinSeconds = 1e-3;              // aht_s, patience_s: keeps s*patience/aht finite
constexpr double kMaxSeconds = 1e6;               // aht_s, sl_seconds
constexpr double kMaxPatienceSeconds = 1e7;

std::string num(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

Error invalid(std::string message) { return makeError(ErrorCode::InvalidInput, std::move(message)); }

// ln Gamma(z + d) - ln Gamma(z), for z > 0, d >= 0. Shift z up to >= 10 with Gamma(z+1) = z Gamma(z),
// then Stirling's series written as a difference so that large arguments do not cancel.
double logGammaDiff(double z, double d) {
  if (d == 0) return 0;
  double acc = 0;
  while (z < 10) {
    acc -= std::log1p(d / z);  // ln(z + d) - ln z, moved from the shifted difference
    z += 1;
  }
  const double w = z + d;
  auto tail = [](double v) {
    const double v2 = v * v;
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - 1.0 / (1680 * v2)) / v2) / v2) / v;
  };
  return acc + (w - 0.5) * std::log1p(d / z) + d * std::log(z) - d + tail(w) - tail(z);
}

// psi(z + d) - psi(z), for z > 0, d >= 0 (psi the digamma function), the same way.
double digammaDiff(double z, double d) {
  if (d == 0) return 0;
  double acc = 0;
  while (z < 10) {
    acc += 1 / z - 1 / (z + d);  // psi(z) = psi(z + 1) - 1/z on both sides
    z += 1;
  }
  const double w = z + d;
  auto tail = [](double v) {
    const double v2 = v * v;
    return -0.5 / v - (1.0 / 12 - (1.0 / 120 - 1.0 / (252 * v2)) / v2) / v2;
  };
  return acc + std::log1p(d / z) + tail(w) - tail(z);
}

// The Erlang A queue series: A(x, y) = sum_j w_j with w_j = y^j / prod_{k=1..j}(x + k), in log
// form, and two weighted means over the same weights (see the file comment).
struct QueueSeries {
  double log_sum = 0;          // ln A(x, y)
  double abandon_mean = 0;     // sum w_j (j+1)/(x+j+1) / sum w_j        = P{Ab | W > 0}
  double answered_wait = 0;    // sum w_j x/(x+j+1) H_j / sum w_j        = theta E[W; answered | W > 0]
};

Error queueTooLarge() {
  return invalid("patience_s: the queue is too large to compute (patience x arrival rate above what this "
                 "calculator supports); use a shorter patience or erlang-c");
}

Result<QueueSeries> queueSeries(double x, double y, bool with_means) {
  // The largest term: w_j grows while y / (x + j) >= 1.
  const double peak = y > x ? std::floor(y - x) : 0;
  const double log_peak = peak > 0 ? peak * std::log(y) - logGammaDiff(x + 1, peak) : 0;
  // Walk down from the peak to where the terms no longer matter (relative to the peak, w = 1).
  double lo = peak, r_lo = 1, back_sum = 1, steps = 0;
  while (lo > 0) {
    const double r = r_lo * (x + lo) / y;
    if (r < kSeriesEpsilon * back_sum) break;
    r_lo = r;
    back_sum += r;
    lo -= 1;
    if (++steps > kMaxSeriesTerms) return queueTooLarge();
  }
  // Then up from there, past the peak, until the terms vanish.
  double j = lo, r = r_lo, sum = 0, abandon = 0, wait = 0;
  double h = with_means ? (j == 0 ? 1 / (x + 1) : digammaDiff(x + 1, j + 1)) : 0;  // H_j = sum_{i=1..j+1} 1/(x+i)
  for (;;) {
    sum += r;
    if (with_means) {
      abandon += r * ((j + 1) / (x + j + 1));
      wait += r * (x / (x + j + 1)) * h;
    }
    if (j >= peak && r < kSeriesEpsilon * sum) break;
    j += 1;
    r *= y / (x + j);
    if (with_means) h += 1 / (x + j + 1);
    if (++steps > kMaxSeriesTerms) return queueTooLarge();
  }
  QueueSeries out;
  out.log_sum = log_peak + std::log(sum);
  out.abandon_mean = with_means ? abandon / sum : 0;
  out.answered_wait = with_means ? wait / sum : 0;
  return out;
}

struct Rates {
  double lambda = 0;  // arrivals per second
  double load = 0;    // erlangs
};

Rates ratesOf(const StaffingInput& in) {
  Rates r;
  r.lambda = in.arrivals / in.interval_s;
  // Multiplied first: 289 x 180 / 1800 is 28.9 exactly, where (289 / 1800) x 180 is 28.900000000000002
  // and an occupancy cap met exactly would then ask for one agent more.
  r.load = in.arrivals * in.aht_s / in.interval_s;
  return r;
}

// Comparisons of a computed figure with the user's target allow this relative rounding error: an
// occupancy of 28.9 / 34 is the cap 0.85 (met), not 0.8500000000000001 (missed).
constexpr double kTargetSlack = 1e-12;

std::int64_t scheduledAgents(std::int64_t agents, double shrinkage) {
  if (agents <= 0) return 0;
  // The small slack keeps 14 / (1 - 0.3) at 20, not 21 for a rounding error in 0.7.
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(agents) / (1 - shrinkage) - 1e-9));
}

StaffingResult finish(const StaffingInput& in, StaffingResult r) {
  r.model = in.model;
  r.scheduled_agents = scheduledAgents(r.agents, in.shrinkage);
  r.meets_target = r.service_level >= in.sl_target * (1 - kTargetSlack) && r.occupancy <= in.max_occupancy * (1 + kTargetSlack);
  return r;
}

StaffingResult noTraffic(const StaffingInput& in, std::int64_t agents) {
  StaffingResult r;
  r.agents = agents;
  return finish(in, r);  // service level 1, nothing waits, nobody busy
}

// Erlang C figures for `servers` > load, given Erlang B for them.
StaffingResult erlangCFigures(const StaffingInput& in, std::int64_t agents, double servers, double load, double b) {
  StaffingResult r;
  r.agents = agents;
  r.offered_load = load;
  const double headroom = servers - load;  // > 0
  const double c = std::clamp(b * servers / (headroom + load * b), 0.0, 1.0);
  r.p_wait = c;
  r.service_level = std::clamp(1 - c * std::exp(-headroom * in.sl_seconds / in.aht_s), 0.0, 1.0);
  r.asa_s = c * in.aht_s / headroom;
  r.mean_wait_s = r.asa_s;
  r.occupancy = load / servers;
  r.p_abandon = 0;
  return finish(in, r);
}

Result<StaffingResult> erlangAFigures(const StaffingInput& in, std::int64_t agents) {
  const Rates rates = ratesOf(in);
  const double servers = static_cast<double>(agents) * in.concurrency;
  const double patience = *in.patience_s;
  const double theta = 1 / patience;
  const double x = servers * patience / in.aht_s;  // s mu / theta
  const double y = rates.lambda * patience;        // lambda / theta
  const double e = erlangB(agents * in.concurrency, rates.load);

  auto series = queueSeries(x, y, true);
  if (!series) return series.error();
  double p_wait = 0;
  if (e > 0) {
    // A E / (1 + (A - 1) E) = 1 / (1 + (1 - E) / (A E)), in logs: A may be far beyond a double.
    const double q = std::exp(std::log1p(-e) - series->log_sum - std::log(e));
    p_wait = 1 / (1 + q);
  }
  const double answered_if_waiting = 1 - series->abandon_mean;
  double answered_late = answered_if_waiting;  // answered after waiting longer than t, given W > 0
  if (in.sl_seconds > 0) {
    const double t = in.sl_seconds;
    auto shifted = queueSeries(x + 1, y * std::exp(-theta * t), false);
    if (!shifted) return shifted.error();
    const double log_f = y * -std::expm1(-theta * t) - (servers / in.aht_s + theta) * t;
    answered_late = std::exp(-std::log1p(1 / x) + shifted->log_sum + log_f - series->log_sum);
  }
  const double answered_in_time = std::clamp(answered_if_waiting - answered_late, 0.0, 1.0);

  StaffingResult r;
  r.agents = agents;
  r.offered_load = rates.load;
  r.p_wait = std::clamp(p_wait, 0.0, 1.0);
  r.p_abandon = std::clamp(p_wait * series->abandon_mean, 0.0, 1.0);
  r.service_level = std::clamp(1 - r.p_wait + r.p_wait * answered_in_time, 0.0, 1.0);
  r.mean_wait_s = r.p_abandon * patience;
  const double answered = 1 - r.p_abandon;
  r.asa_s = answered > 0 ? r.p_wait * series->answered_wait * patience / answered : 0;
  r.occupancy = std::clamp(rates.load * answered / servers, 0.0, 1.0);
  return finish(in, r);
}

}  // namespace

std::string_view toString(Model model) { return model == Model::ErlangA ? "erlang-a" : "erlang-c"; }

std::optional<Model> parseModel(std::string_view text) {
  if (text == "erlang-c") return Model::ErlangC;
  if (text == "erlang-a") return Model::ErlangA;
  return std::nullopt;
}

double erlangB(std::int64_t servers, double load) {
  double b = 1;
  for (std::int64_t k = 1; k <= servers; ++k) b = load * b / (static_cast<double>(k) + load * b);
  return b;
}

double erlangC(std::int64_t servers, double load) {
  const double s = static_cast<double>(servers);
  if (s <= load) return 1;
  const double b = erlangB(servers, load);
  return b * s / ((s - load) + load * b);
}

Status validate(const StaffingInput& in) {
  auto within = [](double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; };
  if (!within(in.arrivals, 0, kMaxArrivals)) return invalid("arrivals: a number of contacts from 0 to 1e9");
  if (!within(in.interval_s, kMinIntervalSeconds, kMaxIntervalSeconds))
    return invalid("interval_s: the interval length in seconds, from 1 to 1e7 (e.g. 1800)");
  if (!within(in.aht_s, kMinSeconds, kMaxSeconds))
    return invalid("aht_s: the average handle time in seconds, from 0.001 to 1e6");
  if (!within(in.sl_target, 0, 1) || in.sl_target == 0)
    return invalid("sl_target: the service-level target as a fraction, greater than 0 and at most 1 (e.g. 0.8)");
  if (!within(in.sl_seconds, 0, kMaxSeconds)) return invalid("sl_seconds: seconds from 0 to 1e6 (e.g. 20)");
  if (in.model == Model::ErlangA) {
    if (!in.patience_s) return invalid("patience_s: erlang-a needs the customers' mean patience in seconds");
    if (!within(*in.patience_s, kMinSeconds, kMaxPatienceSeconds))
      return invalid("patience_s: the mean patience in seconds, from 0.001 to 1e7");
  } else if (in.patience_s) {
    return invalid("patience_s: only erlang-a models patience; use model erlang-a or leave it out");
  }
  if (in.concurrency < 1 || in.concurrency > kMaxConcurrency)
    return invalid("concurrency: conversations per agent, a whole number from 1 to 100");
  if (!within(in.max_occupancy, 0, 1) || in.max_occupancy == 0)
    return invalid("max_occupancy: a fraction greater than 0 and at most 1 (e.g. 0.85)");
  if (!within(in.shrinkage, 0, kMaxShrinkage))
    return invalid("shrinkage: a fraction from 0 to 0.95 (e.g. 0.3)");
  return {};
}

Result<StaffingResult> evaluateAgents(const StaffingInput& in, std::int64_t agents) {
  if (auto ok = validate(in); !ok) return ok.error();
  if (agents < 1 || agents > kMaxAgents) return invalid("agents: a whole number from 1 to 100000");
  const Rates rates = ratesOf(in);
  if (in.arrivals == 0) return noTraffic(in, agents);
  const std::int64_t servers = agents * in.concurrency;
  if (in.model == Model::ErlangC) {
    if (static_cast<double>(servers) <= rates.load) {
      const double needed = std::floor(rates.load / in.concurrency) + 1;
      return invalid("agents: " + std::to_string(agents) + " agents cannot keep up with an offered load of " +
                     num(rates.load) + " erlangs: the queue grows without end (erlang-c needs at least " +
                     num(needed) + "; erlang-a models callers who give up)");
    }
    return erlangCFigures(in, agents, static_cast<double>(servers), rates.load, erlangB(servers, rates.load));
  }
  return erlangAFigures(in, agents);
}

Result<StaffingResult> requiredAgents(const StaffingInput& in) {
  if (auto ok = validate(in); !ok) return ok.error();
  const Rates rates = ratesOf(in);
  if (in.arrivals == 0) return noTraffic(in, 0);
  const double per_agent = in.concurrency;
  const Error too_many = invalid("arrivals: an offered load of " + num(rates.load) + " erlangs needs more than " +
                                 std::to_string(kMaxAgents) + " agents for this target");

  if (in.model == Model::ErlangC) {
    // Stable needs agents x concurrency > load; occupancy load / servers <= max needs at least
    // load / (concurrency x max). Start at the larger bound and walk up, advancing Erlang B
    // incrementally (the same recursion, so the figures equal evaluateAgents' exactly).
    const double stable = std::floor(rates.load / per_agent) + 1;
    const double by_occupancy = std::floor(rates.load / (per_agent * in.max_occupancy));
    const double start = std::max({1.0, stable, by_occupancy});
    if (start > static_cast<double>(kMaxAgents)) return too_many;
    std::int64_t agents = static_cast<std::int64_t>(start);
    std::int64_t servers = agents * in.concurrency;
    double b = erlangB(servers, rates.load);
    for (; agents <= kMaxAgents; ++agents) {
      if (static_cast<double>(servers) > rates.load) {
        StaffingResult r = erlangCFigures(in, agents, static_cast<double>(servers), rates.load, b);
        if (r.meets_target) return r;
      }
      for (int i = 0; i < in.concurrency; ++i) {
        ++servers;
        b = rates.load * b / (static_cast<double>(servers) + rates.load * b);
      }
    }
    return too_many;
  }

  // Erlang A: service level rises and occupancy falls with every agent added, so the fewest
  // agents meeting both is found by doubling then bisecting: O(log agents) evaluations.
  auto meets = [&](std::int64_t agents) -> Result<bool> {
    auto r = erlangAFigures(in, agents);
    if (!r) return r.error();
    return r->meets_target;
  };
  // Nobody is answered faster than servers can work: service level <= answered <= servers / load.
  std::int64_t hi = static_cast<std::int64_t>(
      std::clamp(std::floor(in.sl_target * rates.load / per_agent), 1.0, static_cast<double>(kMaxAgents)));
  std::int64_t lo = 0;  // largest count known to miss (0: none tried)
  for (;;) {
    auto ok = meets(hi);
    if (!ok) return ok.error();
    if (*ok) break;
    if (hi == kMaxAgents) return too_many;
    lo = hi;
    hi = std::min(kMaxAgents, hi * 2);
  }
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    auto ok = meets(mid);
    if (!ok) return ok.error();
    (*ok ? hi : lo) = mid;
  }
  return erlangAFigures(in, hi);
}

}  // namespace parley::core::staffing
