// The simulator; the DESIGN comment is in simulator.hpp.
#include "core/simulation/simulator.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "core/routing/engine.hpp"
#include "core/simulation/event_queue.hpp"
#include "core/simulation/random.hpp"

namespace parley::core::simulation {

// ---- figures ---------------------------------------------------------------------------------

namespace {

std::optional<double> ratio(double num, double den) {
  if (den <= 0) return std::nullopt;
  return num / den;
}

}  // namespace

void Figures::add(const Figures& o) {
  offered += o.offered;
  answered += o.answered;
  answered_within_threshold += o.answered_within_threshold;
  abandoned += o.abandoned;
  abandoned_after_threshold += o.abandoned_after_threshold;
  unanswered += o.unanswered;
  wait_answered_s += o.wait_answered_s;
  handle_s += o.handle_s;
  max_wait_s = std::max(max_wait_s, o.max_wait_s);
}

std::optional<double> Figures::serviceLevel() const {
  return ratio(static_cast<double>(answered_within_threshold),
               static_cast<double>(answered + abandoned_after_threshold + unanswered));
}
std::optional<double> Figures::answeredWithinOfOffered() const {
  return ratio(static_cast<double>(answered_within_threshold), static_cast<double>(offered));
}
std::optional<double> Figures::asaSeconds() const { return ratio(wait_answered_s, static_cast<double>(answered)); }
std::optional<double> Figures::abandonRate() const {
  return ratio(static_cast<double>(abandoned), static_cast<double>(offered));
}
std::optional<double> Figures::meanHandleSeconds() const { return ratio(handle_s, static_cast<double>(answered)); }

std::optional<double> GroupResult::occupancy() const { return ratio(busy_s, staffed_s); }
std::optional<double> SimulationResult::occupancy() const { return ratio(busy_s, staffed_s); }

// ---- the run ----------------------------------------------------------------------------------

namespace {

using routing::AgentId;
using routing::AgentState;
using routing::Decision;
using routing::DecisionKind;
using routing::Media;
using routing::QueueId;
using routing::SkillId;
using routing::TaskId;
using routing::kMediaCount;

constexpr std::uint64_t kArrivalNumbers = 0, kHandleNumbers = 1, kPatienceNumbers = 2;
constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr std::uint32_t kNone = 0xFFFFFFFFu;

TimestampMs toMs(double seconds) { return std::llround(seconds * 1000.0); }

struct Stream {
  const ArrivalSpec* spec = nullptr;
  std::uint32_t queue = 0;         // index into the scenario's queues
  std::uint32_t channel_slot = 0;  // index into that queue's channel list
  Media media = Media::Voice;
  std::optional<routing::Requirement> requirement;
  Random arrivals, handle, patience;
  double next_s = 0;  // time of its next arrival, seconds since the start (kNever: none)
  std::vector<Figures> figures;  // per interval of the day

  Stream(std::uint64_t seed, std::uint64_t index)
      : arrivals(seed, index, kArrivalNumbers), handle(seed, index, kHandleNumbers), patience(seed, index, kPatienceNumbers) {}
};

enum class Phase : std::uint8_t { Free, Waiting, Assigned };

struct Task {
  Phase phase = Phase::Free;
  bool measured = false;
  std::uint32_t gen = 0;        // bumped when the task is answered or ends: stale events are ignored
  std::uint32_t offer_gen = 0;  // bumped with every offer: a late accept of an old offer is ignored
  std::uint32_t stream = 0;
  std::uint32_t interval = 0;
  std::uint32_t agent = kNone;
  TimestampMs arrived = 0;
  TimestampMs handle_ms = 0;
};

struct Agent {
  AgentId id;
  std::uint32_t group = 0;
  bool logged_in = false;
  bool wrapping = false;
  std::array<int, kMediaCount> load{};
  TimestampMs accrued_to = 0;
};

struct Group {
  const AgentGroupSpec* spec = nullptr;
  std::vector<std::uint32_t> agents;  // agent indexes, the first `count` are logged in
  std::array<int, kMediaCount> capacity{};
  routing::CrossChannelRules rules;
  std::vector<int> skill_level;       // by skill id; 0 = not held
  TimestampMs accept_delay_ms = 0;
  TimestampMs staffed_ms = 0;
  GroupResult result;
};

class Run {
 public:
  explicit Run(const Scenario& s) : s_(s) {}

  Result<SimulationResult> go() {
    intervals_ = s_.intervals();
    warmup_ms_ = toMs(s_.warmup_minutes * 60);
    interval_ms_ = static_cast<TimestampMs>(s_.interval_minutes) * 60'000;
    end_ms_ = warmup_ms_ + toMs(s_.measuredHours() * 3600);
    stop_ms_ = end_ms_ + toMs(kMaxDrainHours * 3600);
    warmup_s_ = static_cast<double>(warmup_ms_) / 1000;
    interval_s_ = static_cast<double>(interval_ms_) / 1000;
    end_s_ = static_cast<double>(end_ms_) / 1000;

    if (auto ok = setUp(); !ok) return ok.error();
    loop();
    if (failure_) return *failure_;
    return finish();
  }

 private:
  // ---- set-up ---------------------------------------------------------------------------------

  SkillId skillId(const std::string& name) {
    auto [it, fresh] = skill_ids_.emplace(name, static_cast<std::int64_t>(skill_ids_.size() + 1));
    (void)fresh;
    return SkillId{it->second};
  }

  routing::Requirement requirementOf(const std::vector<SkillNeed>& needs) {
    if (needs.empty()) return routing::Requirement::none();
    std::vector<routing::SkillLevel> levels;
    for (const auto& n : needs) levels.push_back(routing::SkillLevel{skillId(n.skill), n.level});
    return routing::Requirement::all(std::move(levels));
  }

  std::uint32_t queueIndex(const std::string& name) const {
    for (std::uint32_t i = 0; i < s_.queues.size(); ++i)
      if (s_.queues[i].name == name) return i;
    return kNone;  // validate() rules this out
  }

  Status setUp() {
    if (auto ok = validate(s_); !ok) return ok;
    result_.queues.resize(s_.queues.size());
    for (std::uint32_t qi = 0; qi < s_.queues.size(); ++qi) {
      const QueueSpec& q = s_.queues[qi];
      QueueResult& r = result_.queues[qi];
      r.name = q.name;
      r.sl_seconds = q.sl_seconds;
      r.sl_target = q.sl_target;
      routing::QueueConfig c;
      c.id = QueueId{qi + 1};
      c.strategy = q.strategy;
      c.requirement = requirementOf(q.skills);
      c.service_level = routing::ServiceLevelTarget{toMs(q.sl_seconds), q.sl_target};
      c.offer_timeout_ms = std::max<TimestampMs>(1, toMs(q.offer_timeout_s));
      c.wrap_up_ms = toMs(q.wrap_up_s);
      for (const auto& e : q.escalation) {
        routing::EscalationStep step;
        step.after_ms = toMs(e.after_s);
        if (e.relax_to) step.relax_to = requirementOf(*e.relax_to);
        step.raise_priority_by = e.raise_priority_by;
        if (!e.overflow_to.empty()) step.overflow_to = QueueId{queueIndex(e.overflow_to) + 1};
        c.escalation.push_back(std::move(step));
      }
      if (auto ok = engine_.configureQueue(c, 0); !ok) return refused("configure queue " + q.name, ok.error());
    }

    for (std::uint32_t si = 0; si < s_.arrivals.size(); ++si) {
      const ArrivalSpec& a = s_.arrivals[si];
      Stream st(s_.seed, si);
      st.spec = &a;
      st.queue = queueIndex(a.queue);
      st.media = routing::mediaOf(a.channel);
      if (a.skills) st.requirement = requirementOf(*a.skills);
      auto& channels = result_.queues[st.queue].channels;
      auto it = std::find_if(channels.begin(), channels.end(), [&](const ChannelResult& c) { return c.channel == a.channel; });
      if (it == channels.end()) {
        channels.push_back(ChannelResult{a.channel, {}, {}});
        it = channels.end() - 1;
      }
      st.channel_slot = static_cast<std::uint32_t>(it - channels.begin());
      st.figures.resize(intervals_);
      streams_.push_back(std::move(st));
    }

    for (std::uint32_t gi = 0; gi < s_.agents.size(); ++gi) {
      const AgentGroupSpec& g = s_.agents[gi];
      Group grp;
      grp.spec = &g;
      grp.capacity = g.capacity;
      grp.rules = routing::CrossChannelRules::defaults(g.email_interrupts_chat);
      grp.accept_delay_ms = toMs(g.accept_delay_s);
      grp.result.name = g.name;
      grp.result.handled.assign(s_.queues.size(), 0);
      routing::AgentConfig c;
      c.capacity = g.capacity;
      c.rules = grp.rules;
      for (const auto& sk : g.skills) c.skills.push_back(routing::SkillLevel{skillId(sk.skill), sk.level});
      for (const auto& qn : g.queues) c.queues.push_back(QueueId{queueIndex(qn) + 1});
      std::int64_t most = *std::max_element(g.count.begin(), g.count.end());
      for (std::int64_t k = 0; k < most; ++k) {
        Agent a;
        a.id = AgentId{static_cast<std::int64_t>(agents_.size() + 1)};
        a.group = gi;
        c.id = a.id;
        if (auto ok = engine_.configureAgent(c, 0); !ok) return refused("configure agent of " + g.name, ok.error());
        grp.agents.push_back(static_cast<std::uint32_t>(agents_.size()));
        agents_.push_back(a);
      }
      groups_.push_back(std::move(grp));
    }
    // Skill levels by id, for the independent eligibility check after each assignment.
    for (Group& grp : groups_) {
      grp.skill_level.assign(skill_ids_.size() + 1, 0);
      for (const auto& sk : grp.spec->skills) {
        auto& lvl = grp.skill_level[static_cast<std::size_t>(skill_ids_.at(sk.skill))];
        lvl = std::max(lvl, sk.level);
      }
    }

    staff(0);
    if (failure_) return *failure_;
    for (std::uint32_t si = 0; si < streams_.size(); ++si) scheduleArrival(si, 0);
    if (warmup_ms_ + interval_ms_ < stop_ms_) events_.push(warmup_ms_ + interval_ms_, EventKind::Staffing, 0);
    events_.push(end_ms_, EventKind::WindowEnd, 0);
    return {};
  }

  // ---- time and intervals -----------------------------------------------------------------------

  // The interval of the day at time t: the first one during the warm-up.
  std::size_t intervalAt(TimestampMs t) const {
    if (t < warmup_ms_) return 0;
    return static_cast<std::size_t>(((t - warmup_ms_) / interval_ms_) % static_cast<TimestampMs>(intervals_));
  }

  template <class T>
  static const T& at(const std::vector<T>& pattern, std::size_t k) {
    return pattern.size() == 1 ? pattern[0] : pattern[k];
  }

  // The next arrival of stream si after time t (seconds), by piecewise-constant rates.
  double nextArrival(Stream& st, double t) {
    for (;;) {
      if (t >= end_s_) return kNever;
      std::size_t k = 0;
      double boundary = warmup_s_ + interval_s_;  // the warm-up runs at interval 0's rate into interval 0
      if (t >= warmup_s_) {
        auto n = static_cast<std::int64_t>(std::floor((t - warmup_s_) / interval_s_));
        boundary = warmup_s_ + static_cast<double>(n + 1) * interval_s_;
        if (boundary <= t) boundary = warmup_s_ + static_cast<double>(++n + 1) * interval_s_;
        k = static_cast<std::size_t>(n % static_cast<std::int64_t>(intervals_));
      }
      const double limit = std::min(boundary, end_s_);
      const double per_interval = at(st.spec->per_interval, k);
      if (per_interval > 0) {
        const double x = t + st.arrivals.exponential(interval_s_ / per_interval);
        if (x < limit) return x;
      }
      t = limit;
    }
  }

  void scheduleArrival(std::uint32_t si, double from_s) {
    Stream& st = streams_[si];
    st.next_s = nextArrival(st, from_s);
    if (st.next_s != kNever) events_.push(std::max(now_, toMs(st.next_s)), EventKind::Arrival, si);
  }

  // ---- the loop ---------------------------------------------------------------------------------

  void loop() {
    while (!failure_ && !done_) {
      const TimestampMs next_event = events_.empty() ? std::numeric_limits<TimestampMs>::max() : events_.top().at;
      auto deadline = engine_.nextDeadline();
      if (deadline && *deadline <= next_event) {
        if (*deadline > stop_ms_) break;
        now_ = std::max(now_, *deadline);
        engine_.tick(now_);
        handleDecisions();
        continue;
      }
      if (events_.empty() || next_event > stop_ms_) break;
      Event e = events_.pop();
      now_ = e.at;
      switch (e.kind) {
        case EventKind::Arrival: arrive(e.index); break;
        case EventKind::Accept: accept(e); break;
        case EventKind::ServiceEnd: complete(e); break;
        case EventKind::Abandon: abandon(e); break;
        case EventKind::Staffing: {
          staff(intervalAt(now_));
          if (now_ + interval_ms_ < stop_ms_) events_.push(now_ + interval_ms_, EventKind::Staffing, 0);
          break;
        }
        case EventKind::WindowEnd: {
          for (Agent& a : agents_) accrue(a);
          window_over_ = true;
          break;
        }
      }
      if (window_over_ && measured_waiting_ == 0) done_ = true;
    }
    if (!done_ && !failure_) now_ = std::max(now_, stop_ms_);  // gave up waiting for the last contacts
    // Contacts still waiting when the run stopped count as unanswered.
    for (const Task& t : tasks_) {
      if (t.phase == Phase::Waiting && t.measured) ++streams_[t.stream].figures[t.interval].unanswered;
    }
    result_.drained_s = static_cast<double>(std::max<TimestampMs>(0, now_ - end_ms_)) / 1000;
  }

  // ---- customers ---------------------------------------------------------------------------------

  std::uint32_t newTask() {
    if (!free_tasks_.empty()) {
      std::uint32_t slot = free_tasks_.back();
      free_tasks_.pop_back();
      return slot;
    }
    tasks_.emplace_back();
    return static_cast<std::uint32_t>(tasks_.size() - 1);
  }

  void freeTask(std::uint32_t slot) {
    Task& t = tasks_[slot];
    t.phase = Phase::Free;
    ++t.gen;
    free_tasks_.push_back(slot);
  }

  static TaskId taskId(std::uint32_t slot) { return TaskId{static_cast<std::int64_t>(slot) + 1}; }

  TimestampMs sampleHandle(Stream& st) {
    const HandleTime& h = st.spec->handle_time;
    double s = h.mean_s;
    switch (h.distribution) {
      case Distribution::Exponential: s = st.handle.exponential(h.mean_s); break;
      case Distribution::LogNormal: s = st.handle.logNormal(h.mean_s, h.sd_s); break;
      case Distribution::Fixed: break;
    }
    return std::min(toMs(s), toMs(kMaxDurationS * 10));
  }

  void arrive(std::uint32_t si) {
    Stream& st = streams_[si];
    if (tasks_.size() - free_tasks_.size() >= kMaxLiveContacts) {
      failure_ = makeError(ErrorCode::InvalidInput,
                           "more than " + std::to_string(kMaxLiveContacts) + " contacts waiting or in service at once " +
                               "(queue \"" + st.spec->queue + "\" at hour " + std::to_string(now_ / 3'600'000) +
                               "): the agents cannot keep up; add agents or patience_s");
      return;
    }
    const std::uint32_t slot = newTask();
    Task& t = tasks_[slot];
    t.phase = Phase::Waiting;
    t.stream = si;
    t.arrived = now_;
    t.agent = kNone;
    t.measured = now_ >= warmup_ms_ && now_ < end_ms_;
    t.interval = static_cast<std::uint32_t>(intervalAt(now_));
    // Drawn now, in arrival order, from the stream's own generators (common random numbers).
    t.handle_ms = sampleHandle(st);
    std::optional<TimestampMs> patience;
    if (st.spec->patience_s) patience = toMs(st.patience.exponential(*st.spec->patience_s));
    ++result_.arrivals_simulated;
    if (t.measured) {
      ++st.figures[t.interval].offered;
      ++measured_waiting_;
    }
    if (patience) events_.push(now_ + *patience, EventKind::Abandon, slot, t.gen);

    routing::TaskSpec spec;
    spec.id = taskId(slot);
    spec.queue = QueueId{st.queue + 1};
    spec.channel = st.spec->channel;
    spec.priority = st.spec->priority;
    spec.requirement = st.requirement;
    spec.enqueued_at = now_;
    if (auto ok = engine_.taskArrived(spec, now_); !ok) return fail("task arrived", ok.error());
    handleDecisions();
    scheduleArrival(si, st.next_s);
  }

  void abandon(const Event& e) {
    Task& t = tasks_[e.index];
    if (t.gen != e.gen || t.phase != Phase::Waiting) return;  // answered (or gone) before the patience ran out
    if (t.measured) {
      Figures& f = streams_[t.stream].figures[t.interval];
      ++f.abandoned;
      if (now_ - t.arrived > toMs(s_.queues[streams_[t.stream].queue].sl_seconds)) ++f.abandoned_after_threshold;
      --measured_waiting_;
    }
    if (auto ok = engine_.taskAbandoned(taskId(e.index), now_); !ok) return fail("task abandoned", ok.error());
    freeTask(e.index);
    handleDecisions();
  }

  // ---- agents -------------------------------------------------------------------------------------

  // Adds the agent's staffed and busy time since he last changed, clipped to the measured time.
  void accrue(Agent& a) {
    const TimestampMs from = std::max(a.accrued_to, warmup_ms_), to = std::min(now_, end_ms_);
    if (to > from) {
      const double dt = static_cast<double>(to - from) / 1000;
      const Group& g = groups_[a.group];
      int load = 0;
      double weight = 0;
      for (int m = 0; m < kMediaCount; ++m) {
        load += a.load[m];
        if (a.load[m] > 0 && g.capacity[m] > 0) weight += static_cast<double>(a.load[m]) / g.capacity[m];
      }
      if (a.wrapping) weight = 1;
      if (a.logged_in || a.wrapping || load > 0) groups_[a.group].staffed_ms += to - from;  // exact: whole ms
      groups_[a.group].result.busy_s += dt * std::min(weight, 1.0);
    }
    a.accrued_to = std::max(a.accrued_to, now_);
  }

  void staff(std::size_t interval) {
    for (Group& g : groups_) {
      const std::int64_t count = at(g.spec->count, interval);
      for (std::size_t k = 0; k < g.agents.size(); ++k) {
        Agent& a = agents_[g.agents[k]];
        const bool want = static_cast<std::int64_t>(k) < count;
        if (want == a.logged_in) continue;
        accrue(a);
        a.logged_in = want;
        a.wrapping = false;  // logging in or out ends a wrap-up (the engine does the same)
        auto ok = engine_.setAgentState(a.id, want ? AgentState::Available : AgentState::Offline, now_);
        if (!ok) return fail("agent state", ok.error());
        handleDecisions();
      }
    }
  }

  void accept(const Event& e) {
    Task& t = tasks_[e.index];
    if (t.phase != Phase::Waiting || t.offer_gen != e.gen) return;
    auto ok = engine_.offerAccepted(taskId(e.index), agents_[e.agent].id, now_);
    // Conflict: the offer was withdrawn meanwhile (the agent logged off); nothing to do.
    if (!ok && ok.error().code != ErrorCode::Conflict) return fail("offer accepted", ok.error());
    handleDecisions();
  }

  void complete(const Event& e) {
    Task& t = tasks_[e.index];
    if (t.gen != e.gen || t.phase != Phase::Assigned) return;
    Agent& a = agents_[t.agent];
    accrue(a);
    --a.load[static_cast<int>(streams_[t.stream].media)];
    if (auto ok = engine_.taskCompleted(taskId(e.index), now_); !ok) return fail("task completed", ok.error());
    auto view = engine_.agent(a.id);
    a.wrapping = view && view->state == AgentState::WrapUp;
    freeTask(e.index);
    handleDecisions();
  }

  // ---- the engine's decisions -----------------------------------------------------------------------

  void handleDecisions() {
    for (;;) {
      std::vector<Decision> batch = engine_.takeDecisions();
      if (batch.empty() || failure_) return;
      for (const Decision& d : batch) {
        handle(d);
        if (failure_) return;
      }
    }
  }

  void handle(const Decision& d) {
    switch (d.kind) {
      case DecisionKind::Offer: {
        const auto slot = static_cast<std::uint32_t>(d.task.value - 1);
        const auto ai = static_cast<std::uint32_t>(d.agent.value - 1);
        Task& t = tasks_[slot];
        ++t.offer_gen;
        const TimestampMs delay = groups_[agents_[ai].group].accept_delay_ms;
        if (delay > 0) {
          events_.push(now_ + delay, EventKind::Accept, slot, t.offer_gen, ai);
        } else if (auto ok = engine_.offerAccepted(d.task, d.agent, now_); !ok) {
          fail("offer accepted", ok.error());
        }
        return;
      }
      case DecisionKind::Assigned: return assigned(d);
      case DecisionKind::OfferExpired: ++result_.offers_expired; return;
      case DecisionKind::TaskEscalated: ++result_.escalations; return;
      case DecisionKind::WrapUpEnded: {
        Agent& a = agents_[static_cast<std::size_t>(d.agent.value - 1)];
        accrue(a);
        a.wrapping = false;
        return;
      }
      case DecisionKind::AgentSetAway: {
        // Only after missed offers, which accept_delay_s < offer_timeout_s rules out; if it
        // happens anyway, the agent comes straight back rather than leaving the staffing plan.
        Agent& a = agents_[static_cast<std::size_t>(d.agent.value - 1)];
        if (a.logged_in) {
          if (auto ok = engine_.setAgentState(a.id, AgentState::Available, now_); !ok) fail("agent state", ok.error());
        }
        return;
      }
      case DecisionKind::OfferRevoked: return;
    }
  }

  void assigned(const Decision& d) {
    const auto slot = static_cast<std::uint32_t>(d.task.value - 1);
    const auto ai = static_cast<std::uint32_t>(d.agent.value - 1);
    Task& t = tasks_[slot];
    Agent& a = agents_[ai];
    Group& g = groups_[a.group];
    Stream& st = streams_[t.stream];
    const int m = static_cast<int>(st.media);

    // The engine's promises, checked independently of it: capacity, cross-channel rules, skills.
    std::uint8_t blocked = 0;
    for (int i = 0; i < kMediaCount; ++i)
      if (a.load[i] > 0) blocked |= g.rules.blocks[i];
    const bool over = a.load[m] + 1 > g.capacity[m] || (blocked & (1u << m)) != 0;
    assert(!over && "the routing engine exceeded an agent's capacity");
    if (over) ++result_.capacity_violations;
    const bool skilled = eligible(g, slot);
    assert(skilled && "the routing engine assigned a contact to an agent without the skills");
    if (!skilled) ++result_.skill_violations;

    accrue(a);
    ++a.load[m];
    t.phase = Phase::Assigned;
    t.agent = ai;
    ++t.gen;
    if (t.measured) {
      ++g.result.handled[st.queue];
      Figures& f = st.figures[t.interval];
      const TimestampMs wait = now_ - t.arrived;
      ++f.answered;
      if (wait <= toMs(s_.queues[st.queue].sl_seconds)) ++f.answered_within_threshold;
      f.wait_answered_s += static_cast<double>(wait) / 1000;
      f.max_wait_s = std::max(f.max_wait_s, static_cast<double>(wait) / 1000);
      f.handle_s += static_cast<double>(t.handle_ms) / 1000;
      --measured_waiting_;
    }
    events_.push(now_ + t.handle_ms, EventKind::ServiceEnd, slot, t.gen);
  }

  // Does the agent's group hold what the task needs now (its requirement as the engine reports
  // it, escalation steps applied)?
  bool eligible(const Group& g, std::uint32_t slot) const {
    auto view = engine_.task(taskId(slot));
    if (!view) return false;
    const auto& alts = view->requirement.alternatives;
    if (alts.empty()) return true;
    for (const auto& alt : alts) {
      bool all = true;
      for (const auto& need : alt) {
        const auto id = static_cast<std::size_t>(need.skill.value);
        if (id >= g.skill_level.size() || g.skill_level[id] < need.level) all = false;
      }
      if (all) return true;
    }
    return false;
  }

  // ---- results --------------------------------------------------------------------------------------

  SimulationResult finish() {
    SimulationResult& r = result_;
    r.name = s_.name;
    r.seed = s_.seed;
    r.hours = s_.measuredHours();
    r.warmup_minutes = s_.warmup_minutes;
    r.interval_minutes = s_.interval_minutes;
    r.intervals = intervals_;
    for (QueueResult& q : r.queues) {
      q.by_interval.assign(intervals_, Figures{});
      for (ChannelResult& c : q.channels) c.by_interval.assign(intervals_, Figures{});
    }
    for (const Stream& st : streams_) {
      QueueResult& q = r.queues[st.queue];
      ChannelResult& c = q.channels[st.channel_slot];
      for (std::size_t k = 0; k < intervals_; ++k) {
        c.by_interval[k].add(st.figures[k]);
        c.total.add(st.figures[k]);
        q.by_interval[k].add(st.figures[k]);
        q.total.add(st.figures[k]);
        r.total.add(st.figures[k]);
      }
    }
    for (Group& g : groups_) {
      g.result.staffed_s = static_cast<double>(g.staffed_ms) / 1000;
      r.groups.push_back(g.result);
      r.staffed_s += g.result.staffed_s;
      r.busy_s += g.result.busy_s;
    }
    for (std::uint32_t qi = 0; qi < r.queues.size(); ++qi) {
      double busy = 0, staffed = 0;
      for (const Group& g : groups_) {
        if (std::find(g.spec->queues.begin(), g.spec->queues.end(), s_.queues[qi].name) == g.spec->queues.end()) continue;
        busy += g.result.busy_s;
        staffed += g.result.staffed_s;
      }
      r.queues[qi].agent_occupancy = ratio(busy, staffed);
    }
    return std::move(result_);
  }

  // ---- failures ---------------------------------------------------------------------------------------

  static Error refused(const std::string& what, const Error& e) {
    return makeError(ErrorCode::Internal, "the routing engine refused to " + what + ": " + e.message);
  }
  void fail(const std::string& what, const Error& e) {
    if (!failure_) failure_ = refused(what, e);
  }

  const Scenario& s_;
  routing::Engine engine_{routing::EngineConfig{}};
  EventQueue events_;
  std::vector<Stream> streams_;
  std::vector<Task> tasks_;
  std::vector<std::uint32_t> free_tasks_;
  std::vector<Agent> agents_;
  std::vector<Group> groups_;
  std::map<std::string, std::int64_t> skill_ids_;  // ordered: ids do not depend on hashing
  SimulationResult result_;
  std::optional<Error> failure_;

  std::size_t intervals_ = 1;
  TimestampMs warmup_ms_ = 0, interval_ms_ = 0, end_ms_ = 0, stop_ms_ = 0;
  double warmup_s_ = 0, interval_s_ = 0, end_s_ = 0;
  TimestampMs now_ = 0;
  std::int64_t measured_waiting_ = 0;
  bool window_over_ = false;
  bool done_ = false;
};

}  // namespace

Result<SimulationResult> simulate(const Scenario& scenario) {
  Run run(scenario);
  return run.go();
}

}  // namespace parley::core::simulation
