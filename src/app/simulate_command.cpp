// `parley simulate`: options, the run, and the two ways to print its figures.
#include "app/simulate_command.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string_view>

#include "app/scenario_file.hpp"

namespace parley::app {

namespace {

namespace sim = core::simulation;

void printUsage(std::FILE* to) {
  std::fprintf(to,
               "usage: parley simulate --scenario FILE [--seed N] [--hours H] [--agents N] [--json]\n\n"
               "  --scenario FILE  the scenario (TOML; see docs/SIMULATOR.md and examples/)\n"
               "  --seed N         random seed (default: the scenario's seed, else 1); same seed, same figures\n"
               "  --hours H        measured simulated hours (default: the scenario's hours)\n"
               "  --agents N       agents of a scenario with one agent group, in every interval\n"
               "  --json           print the figures as one JSON object\n");
}

int fail(const std::string& message) {
  std::fprintf(stderr, "parley simulate: %s\n(see parley simulate --help)\n", message.c_str());
  return 2;
}

// ---- formatting helpers -------------------------------------------------------------------------

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string percent(const std::optional<double>& v) { return v ? fixed(*v * 100, 1) + "%" : "-"; }

// 20 s, 90 s, 30 min, 4 h, 1.5 h
std::string duration(double s) {
  char buf[32];
  if (s < 120) std::snprintf(buf, sizeof buf, "%g s", s);
  else if (s < 7200) std::snprintf(buf, sizeof buf, "%g min", std::round(s / 6) / 10);
  else std::snprintf(buf, sizeof buf, "%g h", std::round(s / 360) / 10);
  return buf;
}

std::string seconds(const std::optional<double>& v) {
  if (!v) return "-";
  if (*v < 120) return fixed(*v, 1) + " s";
  return duration(*v);
}

// A flat JSON writer: shortest round-trip text for doubles (std::to_chars), null for no value.
class Json {
 public:
  Json& open(char c) {
    comma();
    out_ += c;
    first_ = true;
    return *this;
  }
  Json& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  Json& key(std::string_view k) {
    comma();
    quote(k);
    out_ += ':';
    first_ = true;  // the value follows without a comma
    return *this;
  }
  Json& str(std::string_view s) {
    comma();
    quote(s);
    return *this;
  }
  Json& num(double v) {
    comma();
    if (!std::isfinite(v)) {
      out_ += "null";
      return *this;
    }
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, ec == std::errc() ? end : buf);
    return *this;
  }
  Json& integer(std::int64_t v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  Json& opt(const std::optional<double>& v) {
    if (v) return num(*v);
    comma();
    out_ += "null";
    return *this;
  }
  Json& boolean(bool b) {
    comma();
    out_ += b ? "true" : "false";
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  void quote(std::string_view s) {
    out_ += '"';
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out_ += buf;
      } else {
        out_ += static_cast<char>(c);
      }
    }
    out_ += '"';
  }
  void comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string out_;
  bool first_ = true;
};

void figuresJson(Json& j, const sim::Figures& f, double sl_target) {
  j.key("offered").integer(f.offered);
  j.key("answered").integer(f.answered);
  j.key("answered_within_threshold").integer(f.answered_within_threshold);
  j.key("abandoned").integer(f.abandoned);
  j.key("abandoned_after_threshold").integer(f.abandoned_after_threshold);
  j.key("unanswered").integer(f.unanswered);
  j.key("service_level").opt(f.serviceLevel());
  j.key("answered_within_of_offered").opt(f.answeredWithinOfOffered());
  j.key("asa_s").opt(f.asaSeconds());
  j.key("abandon_rate").opt(f.abandonRate());
  j.key("mean_handle_s").opt(f.meanHandleSeconds());
  j.key("max_wait_s").num(f.max_wait_s);
  if (sl_target > 0) {
    auto sl = f.serviceLevel();
    j.key("meets_target");
    if (sl) j.boolean(*sl >= sl_target);
    else j.opt(std::nullopt);
  }
}

void intervalsJson(Json& j, const std::vector<sim::Figures>& by_interval, const sim::SimulationResult& r, double sl_target) {
  j.key("intervals").open('[');
  for (std::size_t k = 0; k < by_interval.size(); ++k) {
    j.open('{');
    j.key("interval").integer(static_cast<std::int64_t>(k));
    j.key("start_minute").integer(static_cast<std::int64_t>(k) * r.interval_minutes);
    figuresJson(j, by_interval[k], sl_target);
    j.close('}');
  }
  j.close(']');
}

std::string tableRow(const std::string& label, const sim::Figures& f, const sim::QueueResult& q,
                     const std::optional<double>& occupancy) {
  auto sl = f.serviceLevel();
  std::string level = sl ? percent(sl) + " in " + duration(q.sl_seconds) : "-";
  if (sl && *sl < q.sl_target) level += " *";
  char line[256];
  std::snprintf(line, sizeof line, "%-22s %9lld %9lld %9s  %-20s %9s %9s\n", label.substr(0, 22).c_str(),
                static_cast<long long>(f.offered), static_cast<long long>(f.answered), percent(f.abandonRate()).c_str(),
                level.c_str(), seconds(f.asaSeconds()).c_str(), occupancy ? percent(occupancy).c_str() : "");
  std::string row = line;
  while (row.size() > 1 && row[row.size() - 2] == ' ') row.erase(row.size() - 2, 1);  // no trailing blanks
  return row;
}

}  // namespace

std::string simulationTable(const sim::SimulationResult& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "Simulation%s%s%s: seed %llu, %s measured after %s warm-up, %zu interval%s of %d min\n\n",
                r.name.empty() ? "" : " \"", r.name.c_str(), r.name.empty() ? "" : "\"",
                static_cast<unsigned long long>(r.seed), duration(r.hours * 3600).c_str(),
                duration(r.warmup_minutes * 60).c_str(), r.intervals, r.intervals == 1 ? "" : "s", r.interval_minutes);
  out += line;
  std::snprintf(line, sizeof line, "%-22s %9s %9s %9s  %-20s %9s %9s\n", "queue / channel", "offered", "answered",
                "abandoned", "service level", "ASA", "occupancy");
  out += line;
  bool missed = false;
  for (const auto& q : r.queues) {
    out += tableRow(q.name, q.total, q, q.agent_occupancy);
    auto sl = q.total.serviceLevel();
    missed |= sl && *sl < q.sl_target;
    for (const auto& c : q.channels) {
      out += tableRow("  " + std::string(toString(c.channel)), c.total, q, std::nullopt);
      auto csl = c.total.serviceLevel();
      missed |= csl && *csl < q.sl_target;
    }
  }
  std::snprintf(line, sizeof line, "%-22s %9lld %9lld %9s  %-20s %9s %9s\n", "all queues", static_cast<long long>(r.total.offered),
                static_cast<long long>(r.total.answered), percent(r.total.abandonRate()).c_str(), "",
                seconds(r.total.asaSeconds()).c_str(), percent(r.occupancy()).c_str());
  out += line;
  if (missed) out += "  * below the queue's service-level target\n";

  std::snprintf(line, sizeof line, "\n%-22s %9s %9s %9s\n", "agent group", "agents", "occupancy", "answered");
  out += line;
  for (const auto& g : r.groups) {
    std::int64_t answered = 0;
    for (std::int64_t n : g.handled) answered += n;
    std::snprintf(line, sizeof line, "%-22s %9s %9s %9lld\n", g.name.substr(0, 22).c_str(),
                  fixed(g.staffed_s / (r.hours * 3600), 1).c_str(), percent(g.occupancy()).c_str(),
                  static_cast<long long>(answered));
    out += line;
  }
  std::int64_t unanswered = r.total.unanswered;
  if (unanswered > 0) {
    std::snprintf(line, sizeof line, "\n%lld contacts were still waiting %s after the measured time; they count as missed.\n",
                  static_cast<long long>(unanswered), duration(r.drained_s).c_str());
    out += line;
  }
  return out;
}

std::string simulationJson(const sim::SimulationResult& r) {
  Json j;
  j.open('{');
  j.key("scenario").str(r.name);
  j.key("seed").integer(static_cast<std::int64_t>(r.seed));
  j.key("hours").num(r.hours);
  j.key("warmup_minutes").num(r.warmup_minutes);
  j.key("interval_minutes").integer(r.interval_minutes);
  j.key("intervals").integer(static_cast<std::int64_t>(r.intervals));
  j.key("queues").open('[');
  for (const auto& q : r.queues) {
    j.open('{');
    j.key("queue").str(q.name);
    j.key("sl_seconds").num(q.sl_seconds);
    j.key("sl_target").num(q.sl_target);
    figuresJson(j, q.total, q.sl_target);
    j.key("agent_occupancy").opt(q.agent_occupancy);
    j.key("channels").open('[');
    for (const auto& c : q.channels) {
      j.open('{');
      j.key("channel").str(toString(c.channel));
      figuresJson(j, c.total, q.sl_target);
      if (r.intervals > 1) intervalsJson(j, c.by_interval, r, q.sl_target);
      j.close('}');
    }
    j.close(']');
    if (r.intervals > 1) intervalsJson(j, q.by_interval, r, q.sl_target);
    j.close('}');
  }
  j.close(']');
  j.key("agent_groups").open('[');
  for (const auto& g : r.groups) {
    j.open('{');
    j.key("group").str(g.name);
    j.key("agents_mean").num(g.staffed_s / (r.hours * 3600));
    j.key("staffed_hours").num(g.staffed_s / 3600);
    j.key("busy_hours").num(g.busy_s / 3600);
    j.key("occupancy").opt(g.occupancy());
    j.key("answered").open('{');
    for (std::size_t q = 0; q < g.handled.size() && q < r.queues.size(); ++q) j.key(r.queues[q].name).integer(g.handled[q]);
    j.close('}');
    j.close('}');
  }
  j.close(']');
  j.key("total").open('{');
  figuresJson(j, r.total, 0);
  j.key("occupancy").opt(r.occupancy());
  j.close('}');
  j.key("arrivals_simulated").integer(r.arrivals_simulated);
  j.key("drained_s").num(r.drained_s);
  j.key("offers_expired").integer(r.offers_expired);
  j.key("escalations").integer(r.escalations);
  j.key("capacity_violations").integer(r.capacity_violations);
  j.key("skill_violations").integer(r.skill_violations);
  j.close('}');
  return j.take();
}

int simulateCommand(int argc, char** argv) {
  std::optional<std::string> scenario_path;
  std::optional<std::uint64_t> seed;
  std::optional<double> hours;
  std::optional<std::int64_t> agents;
  bool as_json = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      printUsage(stdout);
      return 0;
    }
    if (arg == "--json") {
      as_json = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return fail("unexpected argument '" + arg.substr(0, 40) + "'");
    std::string option = arg.substr(2), value;
    if (auto eq = option.find('='); eq != std::string::npos) {
      value = option.substr(eq + 1);
      option.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fail("--" + option + " needs a value");
    }
    const char* begin = value.data();
    const char* end = value.data() + value.size();
    if (option == "scenario") {
      if (scenario_path) return fail("--scenario is given twice");
      scenario_path = value;
    } else if (option == "seed") {
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(begin, end, v);
      if (value.empty() || ec != std::errc() || p != end) return fail("--seed: '" + value.substr(0, 40) + "' is not a whole number >= 0");
      seed = v;
    } else if (option == "hours") {
      double v = 0;
      auto [p, ec] = std::from_chars(begin, end, v);
      if (value.empty() || ec != std::errc() || p != end || !(v > 0)) return fail("--hours: '" + value.substr(0, 40) + "' is not a positive number");
      hours = v;
    } else if (option == "agents") {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(begin, end, v);
      if (value.empty() || ec != std::errc() || p != end || v < 0) return fail("--agents: '" + value.substr(0, 40) + "' is not a whole number >= 0");
      agents = v;
    } else {
      return fail("unknown option --" + option.substr(0, 40) + "; the options are --scenario, --seed, --hours, --agents, --json");
    }
  }
  if (!scenario_path) return fail("--scenario FILE is required");
  auto scenario = loadScenarioFile(*scenario_path);
  if (!scenario) return fail(scenario.error().message);
  if (seed) scenario->seed = *seed;
  if (hours) scenario->hours = *hours;
  if (agents) {
    if (scenario->agents.size() != 1) {
      return fail("--agents needs a scenario with one agent group; this one has " + std::to_string(scenario->agents.size()));
    }
    scenario->agents[0].count = {*agents};
  }
  auto result = sim::simulate(*scenario);
  if (!result) return fail(result.error().message);
  const std::string text = as_json ? simulationJson(*result) + "\n" : simulationTable(*result);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace parley::app
