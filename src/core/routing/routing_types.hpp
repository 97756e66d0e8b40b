// The vocabulary of the routing engine (see engine.hpp for the DESIGN comment): ids, agent and
// queue configuration, task specifications, the decisions the engine emits and the live figures
// it keeps. Plain value types; nothing here does I/O or reads a clock.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/domain.hpp"
#include "core/ids.hpp"

namespace parley::core::routing {

// An agent is a user; a routing task belongs to one conversation (one task per conversation).
using AgentId = core::UserId;
using TaskId = core::ConversationId;
using QueueId = core::Id<struct RoutingQueueTag>;
using SkillId = core::Id<struct SkillTag>;
using DurationMs = std::int64_t;

// Capacity is counted per media class, not per provider: WhatsApp, Telegram, SMS ... are all
// "messaging". mediaOf() maps a ChannelKind to its class.
enum class Media : std::uint8_t { Voice, Chat, Messaging, Email };
inline constexpr int kMediaCount = 4;
Media mediaOf(ChannelKind channel) noexcept;
std::string_view toString(Media m) noexcept;

inline constexpr std::array<int, kMediaCount> kDefaultCapacity = {1, 3, 8, 10};  // voice, chat, messaging, e-mail
inline constexpr int kMaxSkills = 256;      // distinct skills per engine (bitset width)
inline constexpr int kMaxProficiency = 5;   // proficiency and minimum levels are 1..5
inline constexpr int kMaxOfferFanout = 8;   // agents offered one task at once, at most

enum class AgentState : std::uint8_t { Offline, Available, Away, WrapUp };
std::string_view toString(AgentState s) noexcept;

// A skill with a level: an agent's proficiency, or a task's minimum proficiency.
struct SkillLevel {
  SkillId skill;
  int level = 1;  // 1..5
};

// What a task needs: any ONE of the alternatives, each a set of skills that must ALL be held at
// least at the given level. No alternatives = any agent of the queue will do.
struct Requirement {
  std::vector<std::vector<SkillLevel>> alternatives;

  static Requirement none() { return {}; }
  static Requirement all(std::vector<SkillLevel> skills) { return Requirement{{std::move(skills)}}; }
};

// Cross-channel rules: blocks[m] is a bit mask of the media that must not be offered while the
// agent has an active (offered or assigned, not pending) task of media m. Bit i = Media(i).
struct CrossChannelRules {
  std::array<std::uint8_t, kMediaCount> blocks{};

  // Defaults: a voice call blocks everything else and voice is offered only to an agent with no
  // other active work; chat, messaging and e-mail mix, except that e-mail may be kept from
  // interrupting a chat.
  static CrossChannelRules defaults(bool chat_interruptible_by_email = true) noexcept;
};

struct AgentConfig {
  AgentId id;
  std::vector<SkillLevel> skills;  // proficiency 1..5 per skill
  std::array<int, kMediaCount> capacity = kDefaultCapacity;
  CrossChannelRules rules = CrossChannelRules::defaults();
  std::vector<QueueId> queues;  // the queues this agent serves
};

enum class Strategy : std::uint8_t {
  LongestIdle,         // the agent whose last offer or completed task (or login) is the oldest
  LeastOccupied,       // the lowest occupancy: sum over media of load/capacity
  MostSkilled,         // the highest proficiency sum over the queue's scoring skills
  RoundRobin,          // the agent offered a task of this queue longest ago
  PreferredAgentFirst  // the task's preferred (last) agent until the fallback timeout, then fallback_strategy
};
std::string_view toString(Strategy s) noexcept;

struct ServiceLevelTarget {
  DurationMs threshold_ms = 20'000;  // answered within ...
  double target = 0.8;               // ... for this fraction of tasks
};

// One escalation step, applied once when a task has waited after_ms in the queue (measured from
// when it entered this queue). Any combination of the three actions.
struct EscalationStep {
  DurationMs after_ms = 0;
  std::optional<Requirement> relax_to;  // replace the task's requirement (e.g. fewer skills, lower levels)
  int raise_priority_by = 0;
  QueueId overflow_to;                  // move to this queue, keeping the original enqueue time
};

// Business hours and holidays of a queue: true when the queue may offer tasks at that time.
// Must be a pure function of its argument (the engine stays deterministic).
using OpenHours = std::function<bool(TimestampMs)>;

struct QueueConfig {
  QueueId id;
  Strategy strategy = Strategy::LongestIdle;
  Strategy fallback_strategy = Strategy::LongestIdle;  // ranking used by PreferredAgentFirst
  DurationMs preferred_timeout_ms = 30'000;            // PreferredAgentFirst: wait this long for the preferred agent
  Requirement requirement;                             // default for tasks that bring none
  std::vector<SkillId> scoring_skills;                 // MostSkilled; empty = the skills of `requirement`
  ServiceLevelTarget service_level;
  std::vector<EscalationStep> escalation;  // in ascending after_ms
  DurationMs offer_timeout_ms = 20'000;
  int offer_fanout = 1;        // >1: offer to that many agents at once, the first accept wins
  bool auto_accept = false;    // assign without asking (e.g. messaging inboxes)
  DurationMs wrap_up_ms = 0;   // after-work time when an agent completes a task of this queue
  DurationMs reoffer_after_ms = 60'000;  // an agent who rejected or missed a task is skipped for it this long
  OpenHours open_hours;        // empty = always open
};

struct EngineConfig {
  int max_no_answers = 3;                   // consecutive offer timeouts that set an agent away; 0 = never
  DurationMs hours_check_interval_ms = 1'000;  // how often business hours are re-evaluated
};

// A conversation that needs a human.
struct TaskSpec {
  TaskId id;
  QueueId queue;
  ChannelKind channel = ChannelKind::WebChat;
  int priority = 0;                        // higher first
  std::optional<Requirement> requirement;  // nullopt: the queue's requirement
  TimestampMs enqueued_at = 0;             // the customer's original enqueue time; 0 = now
  AgentId preferred_agent;                 // e.g. the agent who last served this contact
  DurationMs preferred_timeout_ms = -1;    // >0: wait this long for him; -1: the queue's (PreferredAgentFirst only)
};

// Re-route an existing task (transfer to a queue and/or an agent). The original enqueue time is kept.
struct TransferSpec {
  QueueId queue;                           // unset = stay in the current queue
  std::optional<Requirement> requirement;  // nullopt: keep the task's own, or the new queue's default
  std::optional<int> priority;
  AgentId preferred_agent;                 // transfer to this agent (waits for him preferred_timeout_ms)
  DurationMs preferred_timeout_ms = -1;
};

enum class TaskState : std::uint8_t {
  Waiting,           // in its queue
  WaitingPreferred,  // held for its preferred agent until the fallback timeout
  Offered,           // reserved to one agent (or several: fan-out), waiting for an answer
  Assigned,          // an agent works on it; counts against his capacity
  Pending            // assigned, but waiting on the customer: releases capacity
};
std::string_view toString(TaskState s) noexcept;

enum class DecisionKind : std::uint8_t {
  Offer,          // offer `task` to `agent` until expires_at (a fan-out emits one per agent, same group)
  Assigned,       // `task` is now `agent`'s (accepted, or auto_accept, or resumed)
  OfferExpired,   // `agent` did not answer in time
  OfferRevoked,   // the offer to `agent` is withdrawn (see reason)
  AgentSetAway,   // `agent` missed max_no_answers offers in a row
  WrapUpEnded,    // `agent` is available again
  TaskEscalated,  // an escalation step was applied to `task` (queue = now, from_queue = before)
};
std::string_view toString(DecisionKind k) noexcept;

enum class RevokeReason : std::uint8_t { None, AcceptedElsewhere, TaskGone, AgentUnavailable, TaskTransferred };

struct Decision {
  DecisionKind kind = DecisionKind::Offer;
  RevokeReason reason = RevokeReason::None;
  bool auto_accepted = false;
  std::uint8_t group_size = 1;  // Offer: how many agents were offered this task at once
  std::uint8_t escalation_step = 0;
  int priority = 0;
  TaskId task;
  AgentId agent;
  QueueId queue;
  QueueId from_queue;
  TimestampMs at = 0;
  TimestampMs expires_at = 0;
};

struct QueueFigures {
  std::int64_t answered = 0;
  std::int64_t answered_within_threshold = 0;
  std::int64_t abandoned = 0;
  std::int64_t abandoned_after_threshold = 0;
  // answered within threshold / (answered + abandoned after threshold); nullopt when nothing counted.
  std::optional<double> service_level;
  std::optional<double> asa_ms;  // average speed of answer: mean wait of the answered tasks
};

struct QueueStats {
  std::int64_t waiting = 0;            // waiting for an offer (held-for-preferred included)
  std::int64_t offered = 0;            // reserved, waiting for an agent's answer
  DurationMs longest_wait_ms = 0;      // of the waiting ones, from the original enqueue time
  int agents_logged_in = 0;            // members not offline
  int agents_available = 0;            // available with no work
  int agents_busy = 0;                 // with work, or in wrap-up
  int agents_away = 0;
  QueueFigures window;                 // over the requested window (minute buckets, up to an hour)
  QueueFigures total;                  // since the engine started or resetTotals()
  ServiceLevelTarget target;
};

struct AgentView {
  AgentId id;
  AgentState state = AgentState::Offline;
  std::array<int, kMediaCount> load{};      // offered + assigned (pending ones excluded)
  std::array<int, kMediaCount> capacity{};
  int consecutive_no_answers = 0;
  std::vector<TaskId> offered;  // tasks currently offered to him
};

struct TaskView {
  TaskId id;
  TaskState state = TaskState::Waiting;
  QueueId queue;
  Media media = Media::Chat;
  int priority = 0;
  TimestampMs enqueued_at = 0;
  TimestampMs entered_queue_at = 0;
  AgentId agent;                    // Assigned/Pending: the agent
  std::vector<AgentId> offered_to;  // Offered
  AgentId preferred_agent;          // WaitingPreferred
  Requirement requirement;          // the current (possibly relaxed) requirement
  int escalation_steps_applied = 0;
};

// Bytes held by the engine's containers (their capacities), as an estimate of its memory.
struct MemoryUsage {
  std::size_t agents = 0;
  std::size_t tasks = 0;
  std::size_t queues = 0;  // queues, waiting heaps, ready indexes, statistics
  std::size_t timers = 0;
  std::size_t total() const { return agents + tasks + queues + timers; }
};

}  // namespace parley::core::routing
