// The scenario file of `parley simulate`: every key read into the core's Scenario, mistakes
// named with their key and line, and the examples in examples/ valid and runnable.
#include "app/scenario_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "app/simulate_command.hpp"
#include "core/simulation/simulator.hpp"

namespace parley::app {
namespace {

namespace sim = core::simulation;

const std::filesystem::path kExamples = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "examples";

constexpr const char* kFull = R"(
[simulation]
name = "full"
hours = 12.5
warmup_minutes = 45
interval_minutes = 15
seed = 99

[[queue]]
name = "billing"
strategy = "most_skilled"
sl_seconds = 30
sl_target = 0.9
skills = { german = 2, billing = 1 }
offer_timeout_s = 15
wrap_up_s = 20
escalation = [
  { after_s = 60, skills = { billing = 1 } },
  { after_s = 120, raise_priority_by = 5, overflow_to = "overflow" },
]

[[queue]]
name = "overflow"

[[arrivals]]
queue = "billing"
channel = "webchat"
per_interval = [10, 20.5]
handle_time = { distribution = "lognormal", mean_s = 300, sd_s = 120 }
patience_s = 90
skills = { german = 3 }
priority = 2

[[agents]]
name = "team"
count = [3, 4]
queues = ["billing", "overflow"]
skills = { german = 5, billing = 2 }
capacity = { voice = 0, chat = 4, email = 2 }
email_interrupts_chat = false
accept_delay_s = 1.5
)";

TEST(ScenarioFile, ReadsEveryKey) {
  auto r = parseScenario(kFull, "full.toml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const sim::Scenario& s = *r;
  EXPECT_EQ(s.name, "full");
  EXPECT_EQ(s.hours, 12.5);
  EXPECT_EQ(s.warmup_minutes, 45);
  EXPECT_EQ(s.interval_minutes, 15);
  EXPECT_EQ(s.seed, 99u);
  ASSERT_EQ(s.queues.size(), 2u);
  const auto& q = s.queues[0];
  EXPECT_EQ(q.name, "billing");
  EXPECT_EQ(q.strategy, core::routing::Strategy::MostSkilled);
  EXPECT_EQ(q.sl_seconds, 30);
  EXPECT_EQ(q.sl_target, 0.9);
  ASSERT_EQ(q.skills.size(), 2u);  // in the order of their names
  EXPECT_EQ(q.skills[0].skill, "billing");
  EXPECT_EQ(q.skills[0].level, 1);
  EXPECT_EQ(q.skills[1].skill, "german");
  EXPECT_EQ(q.skills[1].level, 2);
  EXPECT_EQ(q.offer_timeout_s, 15);
  EXPECT_EQ(q.wrap_up_s, 20);
  ASSERT_EQ(q.escalation.size(), 2u);
  EXPECT_EQ(q.escalation[0].after_s, 60);
  ASSERT_TRUE(q.escalation[0].relax_to.has_value());
  EXPECT_EQ(q.escalation[0].relax_to->at(0).skill, "billing");
  EXPECT_EQ(q.escalation[1].raise_priority_by, 5);
  EXPECT_EQ(q.escalation[1].overflow_to, "overflow");
  EXPECT_EQ(s.queues[1].sl_seconds, 20);  // defaults
  ASSERT_EQ(s.arrivals.size(), 1u);
  const auto& a = s.arrivals[0];
  EXPECT_EQ(a.queue, "billing");
  EXPECT_EQ(a.channel, core::ChannelKind::WebChat);
  EXPECT_EQ(a.per_interval, (std::vector<double>{10, 20.5}));
  EXPECT_EQ(a.handle_time.distribution, sim::Distribution::LogNormal);
  EXPECT_EQ(a.handle_time.mean_s, 300);
  EXPECT_EQ(a.handle_time.sd_s, 120);
  EXPECT_EQ(a.patience_s, 90);
  ASSERT_TRUE(a.skills.has_value());
  EXPECT_EQ(a.skills->at(0).level, 3);
  EXPECT_EQ(a.priority, 2);
  ASSERT_EQ(s.agents.size(), 1u);
  const auto& g = s.agents[0];
  EXPECT_EQ(g.name, "team");
  EXPECT_EQ(g.count, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(g.queues, (std::vector<std::string>{"billing", "overflow"}));
  EXPECT_EQ(g.skills.size(), 2u);
  EXPECT_EQ(g.capacity, (std::array<int, 4>{0, 4, 8, 2}));  // messaging keeps its default
  EXPECT_FALSE(g.email_interrupts_chat);
  EXPECT_EQ(g.accept_delay_s, 1.5);
  EXPECT_TRUE(sim::validate(s).ok()) << sim::validate(s).error().message;
}

// The message of parsing `text`, which must fail.
std::string errorOf(const std::string& text) {
  auto r = parseScenario(text, "s.toml");
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput);
  return r.error().message;
}

TEST(ScenarioFile, UnknownKeysAreErrorsNamingTheKeyAndLine) {
  std::string m = errorOf("[simulation]\nhours = 1\nhour = 2\n");
  EXPECT_NE(m.find("s.toml:3: simulation.hour: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("hours, warmup_minutes"), std::string::npos) << m;  // the keys allowed there

  m = errorOf("colour = \"blue\"\n");
  EXPECT_NE(m.find("s.toml:1: colour: unknown key"), std::string::npos) << m;

  m = errorOf("[[queue]]\nname = \"q\"\nsl_secs = 20\n");
  EXPECT_NE(m.find("s.toml:3: queue[0].sl_secs: unknown key"), std::string::npos) << m;

  m = errorOf("[[arrivals]]\nqueue = \"q\"\nchannel = \"voice\"\nper_interval = 1\n"
              "handle_time = { mean_s = 180, median_s = 100 }\n");
  EXPECT_NE(m.find("arrivals[0].handle_time.median_s: unknown key"), std::string::npos) << m;

  m = errorOf("[[agents]]\nname = \"a\"\ncount = 1\nqueues = [\"q\"]\ncapacity = { phone = 1 }\n");
  EXPECT_NE(m.find("agents[0].capacity.phone: unknown key; the keys of capacity are voice, chat, messaging, email"),
            std::string::npos)
      << m;

  m = errorOf("[[queue]]\nname = \"q\"\nescalation = [{ after_s = 5, overflow = \"x\" }]\n");
  EXPECT_NE(m.find("queue[0].escalation[0].overflow: unknown key"), std::string::npos) << m;
}

TEST(ScenarioFile, WrongTypesAndValuesAreNamed) {
  EXPECT_NE(errorOf("[[agents]]\nname = \"a\"\ncount = \"ten\"\nqueues = [\"q\"]\n").find("agents[0].count: must be a whole number"),
            std::string::npos);
  EXPECT_NE(errorOf("[[agents]]\nname = \"a\"\ncount = [1, 2.5]\nqueues = [\"q\"]\n").find("agents[0].count[1]: must be a whole number"),
            std::string::npos);
  EXPECT_NE(errorOf("[simulation]\nhours = \"long\"\n").find("simulation.hours: must be a number"), std::string::npos);
  EXPECT_NE(errorOf("[[queue]]\nname = \"q\"\nstrategy = \"random\"\n").find("queue[0].strategy: must be longest_idle"),
            std::string::npos);
  EXPECT_NE(errorOf("[[arrivals]]\nqueue = \"q\"\nchannel = \"fax\"\nper_interval = 1\nhandle_time = { mean_s = 1 }\n")
                .find("arrivals[0].channel: must be a channel"),
            std::string::npos);
  EXPECT_NE(errorOf("[[arrivals]]\nqueue = \"q\"\nchannel = \"voice\"\nper_interval = 1\n")
                .find("arrivals[0]: handle_time is required"),
            std::string::npos);
  EXPECT_NE(errorOf("queue = 3\n").find("queue: must be written as [[queue]] tables"), std::string::npos);
  EXPECT_NE(errorOf("[simulation\nhours = 1\n").find("s.toml:1:"), std::string::npos);  // TOML syntax
}

TEST(ScenarioFile, MissingFileIsAnError) {
  auto r = loadScenarioFile("/nonexistent/scenario.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot read the scenario file /nonexistent/scenario.toml"), std::string::npos);
}

TEST(ScenarioFile, TheExamplesAreValidAndRun) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".toml") continue;
    ++seen;
    auto s = loadScenarioFile(entry.path().string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    s->hours = std::min(s->measuredHours(), 24.0);
    auto r = sim::simulate(*s);
    ASSERT_TRUE(r.ok()) << entry.path() << ": " << r.error().message;
    EXPECT_GT(r->total.offered, 0) << entry.path();
    EXPECT_EQ(r->capacity_violations, 0);
    EXPECT_EQ(r->skill_violations, 0);
    EXPECT_NE(simulationTable(*r).find("service level"), std::string::npos);
    EXPECT_EQ(simulationJson(*r).front(), '{');
  }
  EXPECT_GE(seen, 3);
}

TEST(ScenarioFile, GermanExampleTellsEveryQueueAndChannelApart) {
  auto s = loadScenarioFile((kExamples / "german_contact_center.toml").string());
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto r = sim::simulate(*s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->queues.size(), 4u);
  ASSERT_EQ(r->queues[3].channels.size(), 2u);  // support_en: voice and webchat
  EXPECT_EQ(r->intervals, 24u);
  const std::string json = simulationJson(*r);
  for (const char* key : {"\"queue\":\"billing_de\"", "\"channel\":\"email\"", "\"service_level\":", "\"asa_s\":",
                          "\"abandon_rate\":", "\"agent_occupancy\":", "\"group\":\"tech chat\"", "\"start_minute\":690"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace parley::app
