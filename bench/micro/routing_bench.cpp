// Routing engine benchmark (issue 4): decisions per second and the latency of one decision with
// 10,000 agents, 200 queues, 20 skills and 100,000 waiting tasks; memory per agent and per task.
//
// The world: 200 queues over four media (voice, chat, messaging, e-mail) and the four ranking
// strategies, each requiring one of 20 skills at a minimum level; 10,000 agents with 4 skills
// (levels 1-5) serving up to 4 queues they are skilled for, default capacities (voice 1, chat 3,
// messaging 8, e-mail 10). Tasks arrive (and offers are accepted) until 100,000 wait.
// Steady state, one cycle: a random agent completes a task (the engine picks his next task: a
// decision), he accepts the offer, and a new task arrives so that 100,000 keep waiting.
// The world right after the fill is not yet steady: agents freed from a voice call take several
// chats or e-mails at once, so the tasks held first grow (to ~170,000) and the decisions per cycle
// drop (to ~0.8) before both settle (~120,000, ~1.0) after some 400,000 cycles. The world is
// warmed up through 600,000 cycles before anything is measured, so every engine and every run
// length is measured on the same steady state.
// `make bench-routing` runs these and prints `routing_decisions_per_second: N`.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "core/routing/engine.hpp"
#include "core/routing/huge_pages.hpp"

namespace {

using namespace parley::core;
using namespace parley::core::routing;

constexpr int kAgents = 10'000;
constexpr int kQueues = 200;
constexpr int kSkills = 20;
constexpr std::size_t kWaiting = 100'000;
constexpr int kWarmUpCycles = 600'000;  // until the held tasks and decisions per cycle are steady
constexpr TimestampMs kT0 = 1'700'000'000'000;

// Bytes in use on the heap: small blocks in the arenas plus mmap'd large blocks (big vectors),
// plus the engine's own 2 MB-page mappings (its largest arrays), which malloc does not see.
std::size_t heapBytes() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd + hugeBytesInUse();
}

ChannelKind channelOfQueue(int q) {
  static constexpr ChannelKind kKinds[] = {ChannelKind::Voice, ChannelKind::WebChat, ChannelKind::WhatsApp, ChannelKind::Email};
  return kKinds[q % 4];
}

struct World {
  Engine engine;
  std::mt19937_64 rng{20240601};
  TimestampMs now = kT0;
  std::int64_t next_task = 1;
  std::vector<std::int64_t> assigned;  // tasks held by agents, to complete at random
  std::size_t waiting = 0;
  double bytes_per_agent_malloc = 0, bytes_per_task_malloc = 0;
  double bytes_per_agent_est = 0, bytes_per_task_est = 0;
  std::size_t total_tasks = 0;

  std::vector<Decision> ds;  // the drained decisions (its storage goes back and forth with the engine's)

  // Accept every offer in the engine's output; returns how many offers there were.
  std::size_t acceptAll() {
    std::size_t offers = 0;
    engine.drainDecisions(ds);
    for (const Decision& d : ds) {
      if (d.kind == DecisionKind::Offer) {
        ++offers;
        (void)engine.offerAccepted(d.task, d.agent, now);
        assigned.push_back(d.task.value);
        --waiting;
      }
    }
    engine.clearDecisions();
    return offers;
  }

  void arrive() {
    int q = 1 + static_cast<int>(rng() % kQueues);
    TaskSpec t;
    t.id = TaskId{next_task++};
    t.queue = QueueId{q};
    t.channel = channelOfQueue(q);
    t.priority = static_cast<int>(rng() % 3);
    (void)engine.taskArrived(t, now);
    ++waiting;
  }

  void build() {
    for (int q = 1; q <= kQueues; ++q) {
      QueueConfig c;
      c.id = QueueId{q};
      static constexpr Strategy kStrategies[] = {Strategy::LongestIdle, Strategy::LeastOccupied, Strategy::MostSkilled,
                                                 Strategy::RoundRobin};
      c.strategy = kStrategies[(q / 4) % 4];
      c.requirement = Requirement::all({SkillLevel{SkillId{1 + q % kSkills}, 1 + q % 3}});
      (void)engine.configureQueue(c, now);
    }
    std::size_t before_agents = heapBytes();
    MemoryUsage m0 = engine.memoryUsage();
    assigned.reserve(400'000);
    for (int a = 1; a <= kAgents; ++a) {
      AgentConfig c;
      c.id = AgentId{a};
      std::vector<int> skills;
      while (skills.size() < 4) {
        int s = 1 + static_cast<int>(rng() % kSkills);
        if (std::find(skills.begin(), skills.end(), s) == skills.end()) skills.push_back(s);
      }
      std::vector<int> candidates;
      for (int s : skills) {
        int level = 1 + static_cast<int>(rng() % 5);
        c.skills.push_back(SkillLevel{SkillId{s}, level});
        for (int q = 1; q <= kQueues; ++q)
          if (1 + q % kSkills == s && 1 + q % 3 <= level) candidates.push_back(q);
      }
      std::shuffle(candidates.begin(), candidates.end(), rng);
      for (std::size_t i = 0; i < candidates.size() && i < 4; ++i) c.queues.push_back(QueueId{candidates[i]});
      (void)engine.configureAgent(c, now);
      (void)engine.setAgentState(c.id, AgentState::Available, now);
    }
    std::size_t after_agents = heapBytes();
    MemoryUsage m1 = engine.memoryUsage();
    bytes_per_agent_malloc = static_cast<double>(after_agents - before_agents) / kAgents;
    bytes_per_agent_est = static_cast<double>(m1.agents - m0.agents) / kAgents;
    // Fill: every offer is accepted at once until 100,000 tasks wait.
    while (waiting < kWaiting) {
      now += 1;
      arrive();
      acceptAll();
    }
    // Memory per task: everything the heap grew by while the tasks came in (assigned ones
    // included; the test harness' own `assigned` vector excluded), over the tasks held.
    std::size_t after_fill = heapBytes() - assigned.capacity() * sizeof(std::int64_t);
    MemoryUsage m2 = engine.memoryUsage();
    total_tasks = engine.taskCount();
    bytes_per_task_malloc = static_cast<double>(after_fill - after_agents) / static_cast<double>(total_tasks);
    bytes_per_task_est = static_cast<double>(m2.tasks - m1.tasks) / static_cast<double>(total_tasks);
    for (int i = 0; i < kWarmUpCycles; ++i) cycle();
  }

  void completeOne() {
    std::size_t i = static_cast<std::size_t>(rng() % assigned.size());
    std::int64_t done = assigned[i];
    assigned[i] = assigned.back();
    assigned.pop_back();
    (void)engine.taskCompleted(TaskId{done}, now);
  }

  // One steady-state cycle: a completion, the engine's choice, its acceptance, and arrivals
  // that bring the backlog back to 100,000. Returns the number of offers (decisions).
  std::size_t cycle() {
    now += 1;
    completeOne();
    std::size_t offers = acceptAll();
    while (waiting < kWaiting) {
      arrive();
      offers += acceptAll();
    }
    return offers;
  }
};

World& world() {
  static std::unique_ptr<World> w = [] {
    auto p = std::make_unique<World>();
    p->build();
    return p;
  }();
  return *w;
}

// Decisions per second over the whole cycle (complete + offer + accept + arrive).
void BM_RoutingThroughput(benchmark::State& state) {
  World& w = world();
  std::size_t decisions = 0;
  for (auto _ : state) decisions += w.cycle();
  state.counters["decisions_per_second"] = benchmark::Counter(static_cast<double>(decisions), benchmark::Counter::kIsRate);
  state.counters["waiting"] = static_cast<double>(w.waiting);
  state.counters["tasks"] = static_cast<double>(w.engine.taskCount());
}
BENCHMARK(BM_RoutingThroughput)->MinTime(3.0)->Unit(benchmark::kNanosecond);

// Latency of one decision: the event call that makes the engine choose (an agent gets free and
// the engine offers him his next task). Timed call by call; percentiles over all of them.
void BM_RoutingDecisionLatency(benchmark::State& state) {
  World& w = world();
  std::vector<std::int64_t> ns;
  ns.reserve(4'000'000);
  std::size_t decisions = 0;
  for (auto _ : state) {
    w.now += 1;
    std::size_t i = static_cast<std::size_t>(w.rng() % w.assigned.size());
    std::int64_t done = w.assigned[i];
    w.assigned[i] = w.assigned.back();
    w.assigned.pop_back();
    auto t0 = std::chrono::steady_clock::now();
    (void)w.engine.taskCompleted(TaskId{done}, w.now);
    auto t1 = std::chrono::steady_clock::now();
    std::size_t offers = w.acceptAll();
    if (offers > 0) ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    decisions += offers;
    while (w.waiting < kWaiting) {
      auto a0 = std::chrono::steady_clock::now();
      w.arrive();
      auto a1 = std::chrono::steady_clock::now();
      std::size_t o = w.acceptAll();
      if (o > 0) ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(a1 - a0).count());
      decisions += o;
    }
  }
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) {
    return ns.empty() ? 0.0 : static_cast<double>(ns[std::min(ns.size() - 1, static_cast<std::size_t>(p * static_cast<double>(ns.size())))]);
  };
  state.counters["p50_ns"] = pct(0.50);
  state.counters["p99_ns"] = pct(0.99);
  state.counters["p999_ns"] = pct(0.999);
  state.counters["max_ns"] = ns.empty() ? 0.0 : static_cast<double>(ns.back());
  state.counters["samples"] = static_cast<double>(ns.size());
}
BENCHMARK(BM_RoutingDecisionLatency)->MinTime(3.0)->Unit(benchmark::kNanosecond);

// Task-side decisions: agents are free, every arriving task is offered at once (walks the
// ready index of its queue), accepted, and completed after a while.
void BM_RoutingArrivalWithFreeAgents(benchmark::State& state) {
  static std::unique_ptr<World> w = [] {
    auto p = std::make_unique<World>();
    for (int q = 1; q <= kQueues; ++q) {
      QueueConfig c;
      c.id = QueueId{q};
      c.strategy = static_cast<Strategy>((q / 4) % 4);
      c.requirement = Requirement::all({SkillLevel{SkillId{1 + q % kSkills}, 1 + q % 3}});
      (void)p->engine.configureQueue(c, p->now);
    }
    std::mt19937_64 rng(7);
    for (int a = 1; a <= kAgents; ++a) {
      AgentConfig c;
      c.id = AgentId{a};
      for (int k = 0; k < 4; ++k) c.skills.push_back(SkillLevel{SkillId{1 + static_cast<int>(rng() % kSkills)}, 5});
      for (const SkillLevel& s : c.skills) {  // one queue requiring each of his skills
        int q = static_cast<int>(s.skill.value) - 1 + kSkills * static_cast<int>(rng() % (kQueues / kSkills));
        c.queues.push_back(QueueId{q == 0 ? kQueues : q});
      }
      (void)p->engine.configureAgent(c, p->now);
      (void)p->engine.setAgentState(c.id, AgentState::Available, p->now);
    }
    return p;
  }();
  std::size_t decisions = 0;
  for (auto _ : state) {
    w->now += 1;
    w->arrive();
    decisions += w->acceptAll();
    // Keep about 5,000 tasks in hand: complete one at random.
    if (w->assigned.size() > 5'000) {
      w->completeOne();
      decisions += w->acceptAll();
    }
  }
  state.counters["decisions_per_second"] = benchmark::Counter(static_cast<double>(decisions), benchmark::Counter::kIsRate);
  state.counters["waiting"] = static_cast<double>(w->waiting);
}
BENCHMARK(BM_RoutingArrivalWithFreeAgents)->MinTime(2.0)->Unit(benchmark::kNanosecond);

// Memory: malloc'd bytes (glibc mallinfo2) and the engine's own container estimate.
void BM_RoutingMemory(benchmark::State& state) {
  World& w = world();
  for (auto _ : state) benchmark::DoNotOptimize(w.engine.taskCount());
  state.counters["bytes_per_agent"] = w.bytes_per_agent_malloc;
  state.counters["bytes_per_task"] = w.bytes_per_task_malloc;
  state.counters["est_bytes_per_agent"] = w.bytes_per_agent_est;
  state.counters["est_bytes_per_task"] = w.bytes_per_task_est;
  state.counters["agents"] = kAgents;
  state.counters["queues"] = kQueues;
  state.counters["skills"] = kSkills;
  state.counters["waiting"] = static_cast<double>(w.waiting);
  state.counters["tasks_total"] = static_cast<double>(w.engine.taskCount());
  state.counters["total_MB"] = static_cast<double>(w.engine.memoryUsage().total()) / 1e6;
}
BENCHMARK(BM_RoutingMemory)->Iterations(1);

}  // namespace
