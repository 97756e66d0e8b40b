// TOML -> core::simulation::Scenario. Every table is checked against the keys allowed in it
// before anything is read, so a misspelt key stops the run with its name and line rather than
// silently leaving a default in place.
#include "app/scenario_file.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <initializer_list>

namespace parley::app {

namespace {

namespace sim = core::simulation;

constexpr std::size_t kMaxScenarioBytes = 16u << 20;

// Thrown inside the parser only; parseScenario() turns it into an InvalidInput result.
struct FileError {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& path, const std::string& what) const {
    std::string where(source_);
    if (node && node->source().begin.line > 0) where += ":" + std::to_string(node->source().begin.line);
    throw FileError{where + ": " + path + ": " + what};
  }

  // Every key of `table` must be one of `allowed`.
  void keys(const toml::table& table, const std::string& path, std::initializer_list<const char*> allowed,
            const char* what) const {
    for (const auto& [key, node] : table) {
      bool known = false;
      for (const char* k : allowed) known |= key.str() == k;
      if (known) continue;
      std::string list;
      for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(&node, join(path, key.str()), std::string("unknown key; the keys of ") + what + " are " + list);
    }
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

  const toml::table& table(const toml::node& node, const std::string& path) const {
    if (!node.is_table()) fail(&node, path, "must be a table");
    return *node.as_table();
  }

  std::string string(const toml::node& node, const std::string& path) const {
    if (!node.is_string()) fail(&node, path, "must be a string");
    return node.as_string()->get();
  }

  double number(const toml::node& node, const std::string& path) const {
    if (node.is_integer()) return static_cast<double>(node.as_integer()->get());
    if (node.is_floating_point()) return node.as_floating_point()->get();
    fail(&node, path, "must be a number");
  }

  std::int64_t integer(const toml::node& node, const std::string& path) const {
    if (!node.is_integer()) fail(&node, path, "must be a whole number");
    return node.as_integer()->get();
  }

  int smallInt(const toml::node& node, const std::string& path) const {
    std::int64_t v = integer(node, path);
    if (v < -1'000'000'000 || v > 1'000'000'000) fail(&node, path, "is out of range");
    return static_cast<int>(v);
  }

  bool boolean(const toml::node& node, const std::string& path) const {
    if (!node.is_boolean()) fail(&node, path, "must be true or false");
    return node.as_boolean()->get();
  }

  const toml::array& array(const toml::node& node, const std::string& path) const {
    if (!node.is_array()) fail(&node, path, "must be an array");
    return *node.as_array();
  }

  // A number, or an array of numbers (one per interval).
  std::vector<double> numbers(const toml::node& node, const std::string& path) const {
    if (!node.is_array()) return {number(node, path)};
    std::vector<double> out;
    const auto& a = *node.as_array();
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(number(*a.get(i), index(path, i)));
    if (out.empty()) fail(&node, path, "needs at least one value");
    return out;
  }

  std::vector<std::int64_t> integers(const toml::node& node, const std::string& path) const {
    if (!node.is_array()) return {integer(node, path)};
    std::vector<std::int64_t> out;
    const auto& a = *node.as_array();
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(integer(*a.get(i), index(path, i)));
    if (out.empty()) fail(&node, path, "needs at least one value");
    return out;
  }

  std::vector<std::string> strings(const toml::node& node, const std::string& path) const {
    std::vector<std::string> out;
    const auto& a = array(node, path);
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(string(*a.get(i), index(path, i)));
    return out;
  }

  // { german = 2, billing = 1 }: skill name -> level. Any key is a skill name.
  std::vector<sim::SkillNeed> skills(const toml::node& node, const std::string& path) const {
    std::vector<sim::SkillNeed> out;
    for (const auto& [key, level] : table(node, path)) {
      out.push_back(sim::SkillNeed{std::string(key.str()), smallInt(level, join(path, key.str()))});
    }
    return out;
  }

  // The [[...]] entries under `key`: an array of tables.
  template <class Fn>
  void entries(const toml::table& root, const char* key, Fn&& each) const {
    const toml::node* node = root.get(key);
    if (!node) return;
    if (!node->is_array_of_tables()) fail(node, key, std::string("must be written as [[") + key + "]] tables");
    const auto& a = *node->as_array();
    for (std::size_t i = 0; i < a.size(); ++i) each(*a.get(i)->as_table(), index(key, i));
  }

 private:
  std::string_view source_;
};

void readSimulation(const Reader& r, const toml::table& t, sim::Scenario& s) {
  const std::string path = "simulation";
  r.keys(t, path, {"name", "hours", "warmup_minutes", "interval_minutes", "seed"}, "[simulation]");
  for (const auto& [k, node] : t) {
    const std::string key(k.str()), at = Reader::join(path, key);
    if (key == "name") s.name = r.string(node, at);
    else if (key == "hours") s.hours = r.number(node, at);
    else if (key == "warmup_minutes") s.warmup_minutes = r.number(node, at);
    else if (key == "interval_minutes") s.interval_minutes = r.smallInt(node, at);
    else if (key == "seed") {
      std::int64_t seed = r.integer(node, at);
      if (seed < 0) r.fail(&node, at, "must not be negative");
      s.seed = static_cast<std::uint64_t>(seed);
    }
  }
}

sim::EscalationSpec readEscalation(const Reader& r, const toml::table& t, const std::string& path) {
  r.keys(t, path, {"after_s", "skills", "raise_priority_by", "overflow_to"}, "an escalation step");
  sim::EscalationSpec e;
  for (const auto& [k, node] : t) {
    const std::string key(k.str()), at = Reader::join(path, key);
    if (key == "after_s") e.after_s = r.number(node, at);
    else if (key == "skills") e.relax_to = r.skills(node, at);
    else if (key == "raise_priority_by") e.raise_priority_by = r.smallInt(node, at);
    else if (key == "overflow_to") e.overflow_to = r.string(node, at);
  }
  if (!t.contains("after_s")) r.fail(&t, path, "after_s is required");
  return e;
}

sim::QueueSpec readQueue(const Reader& r, const toml::table& t, const std::string& path) {
  r.keys(t, path, {"name", "strategy", "sl_seconds", "sl_target", "skills", "offer_timeout_s", "wrap_up_s", "escalation"},
         "a [[queue]] entry");
  sim::QueueSpec q;
  for (const auto& [k, node] : t) {
    const std::string key(k.str()), at = Reader::join(path, key);
    if (key == "name") q.name = r.string(node, at);
    else if (key == "strategy") {
      auto s = sim::parseStrategy(r.string(node, at));
      if (!s) r.fail(&node, at, "must be longest_idle, least_occupied, most_skilled or round_robin");
      q.strategy = *s;
    } else if (key == "sl_seconds") q.sl_seconds = r.number(node, at);
    else if (key == "sl_target") q.sl_target = r.number(node, at);
    else if (key == "skills") q.skills = r.skills(node, at);
    else if (key == "offer_timeout_s") q.offer_timeout_s = r.number(node, at);
    else if (key == "wrap_up_s") q.wrap_up_s = r.number(node, at);
    else if (key == "escalation") {
      const auto& steps = r.array(node, at);
      for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::string step = Reader::index(at, i);
        q.escalation.push_back(readEscalation(r, r.table(*steps.get(i), step), step));
      }
    }
  }
  if (!t.contains("name")) r.fail(&t, path, "name is required");
  return q;
}

sim::HandleTime readHandleTime(const Reader& r, const toml::node& node, const std::string& path) {
  const auto& t = r.table(node, path);
  r.keys(t, path, {"distribution", "mean_s", "sd_s"}, "handle_time");
  sim::HandleTime h;
  for (const auto& [k, v] : t) {
    const std::string key(k.str()), at = Reader::join(path, key);
    if (key == "distribution") {
      auto d = sim::parseDistribution(r.string(v, at));
      if (!d) r.fail(&v, at, "must be exponential, lognormal or fixed");
      h.distribution = *d;
    } else if (key == "mean_s") h.mean_s = r.number(v, at);
    else if (key == "sd_s") h.sd_s = r.number(v, at);
  }
  if (!t.contains("mean_s")) r.fail(&node, path, "mean_s is required");
  return h;
}

sim::ArrivalSpec readArrivals(const Reader& r, const toml::table& t, const std::string& path) {
  r.keys(t, path, {"queue", "channel", "per_interval", "handle_time", "patience_s", "skills", "priority"},
         "an [[arrivals]] entry");
  sim::ArrivalSpec a;
  for (const auto& [k, node] : t) {
    const std::string key(k.str()), at = Reader::join(path, key);
    if (key == "queue") a.queue = r.string(node, at);
    else if (key == "channel") {
      auto c = core::parseChannelKind(r.string(node, at));
      if (!c) r.fail(&node, at, "must be a channel: voice, webchat, email, whatsapp, telegram, messenger, instagram, twilio, x or api");
      a.channel = *c;
    } else if (key == "per_interval") a.per_interval = r.numbers(node, at);
    else if (key == "handle_time") a.handle_time = readHandleTime(r, node, at);
    else if (key == "patience_s") a.patience_s = r.number(node, at);
    else if (key == "skills") a.skills = r.skills(node, at);
    else if (key == "priority") a.priority = r.smallInt(node, at);
  }
  for (const char* required : {"queue", "channel", "per_interval", "handle_time"}) {
    if (!t.contains(required)) r.fail(&t, path, std::string(required) + " is required");
  }
  return a;
}

sim::AgentGroupSpec readAgents(const Reader& r, const toml::table& t, const std::string& path) {
  r.keys(t, path, {"name", "count", "queues", "skills", "capacity", "email_interrupts_chat", "accept_delay_s"},
         "an [[agents]] entry");
  sim::AgentGroupSpec g;
  for (const auto& [k, node] : t) {
    const std::string key(k.str()), at = Reader::join(path, key);
    if (key == "name") g.name = r.string(node, at);
    else if (key == "count") g.count = r.integers(node, at);
    else if (key == "queues") g.queues = r.strings(node, at);
    else if (key == "skills") g.skills = r.skills(node, at);
    else if (key == "capacity") {
      const auto& c = r.table(node, at);
      r.keys(c, at, {"voice", "chat", "messaging", "email"}, "capacity");
      for (const auto& [mk, mv] : c) {
        for (int m = 0; m < core::routing::kMediaCount; ++m) {
          if (mk.str() == core::routing::toString(static_cast<core::routing::Media>(m))) {
            g.capacity[static_cast<std::size_t>(m)] = r.smallInt(mv, Reader::join(at, mk.str()));
          }
        }
      }
    } else if (key == "email_interrupts_chat") g.email_interrupts_chat = r.boolean(node, at);
    else if (key == "accept_delay_s") g.accept_delay_s = r.number(node, at);
  }
  for (const char* required : {"name", "count", "queues"}) {
    if (!t.contains(required)) r.fail(&t, path, std::string(required) + " is required");
  }
  return g;
}

}  // namespace

core::Result<sim::Scenario> parseScenario(std::string_view toml_text, std::string_view source) {
  try {
    toml::table root;
    try {
      root = toml::parse(toml_text, std::string(source));
    } catch (const toml::parse_error& e) {
      return core::makeError(core::ErrorCode::InvalidInput, std::string(source) + ":" +
                                                                std::to_string(e.source().begin.line) + ": " +
                                                                std::string(e.description()));
    }
    Reader r(source);
    r.keys(root, "", {"simulation", "queue", "arrivals", "agents"}, "the scenario file");
    sim::Scenario s;
    if (const toml::node* node = root.get("simulation")) readSimulation(r, r.table(*node, "simulation"), s);
    r.entries(root, "queue", [&](const toml::table& t, const std::string& path) { s.queues.push_back(readQueue(r, t, path)); });
    r.entries(root, "arrivals", [&](const toml::table& t, const std::string& path) { s.arrivals.push_back(readArrivals(r, t, path)); });
    r.entries(root, "agents", [&](const toml::table& t, const std::string& path) { s.agents.push_back(readAgents(r, t, path)); });
    return s;
  } catch (const FileError& e) {
    return core::makeError(core::ErrorCode::InvalidInput, e.message);
  }
}

core::Result<sim::Scenario> loadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::makeError(core::ErrorCode::InvalidInput, "cannot read the scenario file " + path);
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxScenarioBytes) {
      return core::makeError(core::ErrorCode::InvalidInput, "the scenario file " + path + " is larger than 16 MiB");
    }
  }
  if (in.bad()) return core::makeError(core::ErrorCode::InvalidInput, "cannot read the scenario file " + path);
  return parseScenario(text, path);
}

}  // namespace parley::app
