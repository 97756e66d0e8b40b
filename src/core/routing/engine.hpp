// DESIGN: the routing engine (ACD). One pure, single-threaded, deterministic state machine per
// tenant: it is fed events (agent configured / state changed, task arrived, offer answered, task
// completed / transferred / abandoned / pending / resumed, tick) with the time passed in, and
// answers with decisions (Offer, Assigned, OfferExpired, OfferRevoked, AgentSetAway, WrapUpEnded,
// TaskEscalated) appended to a buffer the caller drains (decisions() / takeDecisions()). It has
// no clock, no I/O and no threads: the app layer feeds it from the store and the desk, the
// simulator drives it in simulated time (nextDeadline() says when the next timer is due). The
// same events in the same order always give the same decisions: nothing iterates a hash table,
// ties are broken by arrival sequence numbers and agent slots.
//
// Model
// - Agents hold a state (offline, available, away, wrap-up), skills with proficiency 1..5 and a
//   capacity per media class (voice 1, chat 3, messaging 8, e-mail 10 by default). Load counts
//   offered and assigned tasks; a pending task (waiting on the customer) releases its load.
//   Cross-channel rules are a 4x4 bit matrix: an active task of media m blocks offering the media
//   in blocks[m] (default: voice blocks everything, anything blocks voice, e-mail into a chat is
//   a switch).
// - A task is waiting in one queue, held for its preferred agent (until a fallback time), offered
//   (to one agent, or to several with fan-out: first accept wins), assigned, or pending. Its
//   original enqueue time never changes: transfers and overflows keep the customer's place.
// - Waiting order: priority (higher first), then original enqueue time, then arrival sequence.
// - Each event ends with settle(): tasks that need routing look for an agent (task side), agents
//   whose capacity or state changed look for a task (agent side), then the ready indexes are
//   brought up to date. So after every event no available agent with free capacity stays idle
//   next to a waiting task he may serve (except the reoffer delay after he rejected or missed it).
//
// Data structures (n = tasks waiting in one class, A_q = members of a queue, Q_a = queues of an
// agent, C_q = non-empty task classes of a queue, usually 1-4)
// - Skills are dense bit numbers (up to 256); an agent's skills are 5 bitsets "proficiency >= l",
//   a requirement alternative 5 bitsets "needs level l": eligibility is 5x4 word ANDs.
// - Requirements are interned; a task class is (queue, media, requirement). Each class holds its
//   waiting tasks in an indexed 4-ary heap (the task knows its position): push, pop, remove and
//   re-prioritise are O(log n). Only non-empty classes are listed on their queue.
// - Ready index per (queue, media): the available agents with free capacity for that media, keyed
//   by the queue's strategy (idle-since, occupancy, skill score, round-robin counter), then agent
//   slot, in an indexed 4-ary heap (one contiguous array; each membership knows its position).
//   Updated only at the end of an event for agents whose state changed: O(Q_a * 4 * log A_q), no
//   allocation. Walked in key order best-first (root, then a small frontier of children).
// - Agent side (an agent got free): look at his preferred tasks, then for each of his open queues
//   at the head of each class he has capacity and skills for: O(Q_a * C_q) + O(log n) to take it.
//   No scan of tasks.
// - Task side (a task arrived or came back): walk the ready index of its (queue, media) in
//   strategy order and take the first eligible agent: O(1) when the best ready agent has the
//   skills; skipping k agents who lack them costs O(k log k) (bounded by A_q log A_q).
// - Timers (offer expiry, wrap-up end, escalation steps, preferred-agent fallback, reoffer delay)
//   are cancelled lazily (generation numbers). Timers set with the same duration come due in the
//   order they were set, so each duration has a FIFO and only the FIFO heads sit in a small heap:
//   O(1) per timer plus O(log D) for D durations in use; the rest go to a binary heap, O(log T).
// - Ids map to dense slots through open-addressing hash maps: O(1). The task-id and agent-id maps
//   keep 8-byte entries (hash bits and slot; the record confirms the id): half the cache footprint.
//   Ids that differ only in their lowest three bits share a cache line of the map, so ids handed
//   out in sequence (conversation ids) find their line already loaded by the ids before them.
//   An answer to an offer finds its task among the agent's open offers (a few) before the map.
// - Records are laid out by use, since at 100,000+ tasks the engine's time goes mostly to cache
//   and TLB misses: a task's hot part is one 64-byte line (what an arrival, an offer, an accept, a
//   completion and a timer check touch; fan-out and preferred-agent data apart); an agent's first
//   line holds state, load, capacity, rules and ranking time, his memberships and open offers
//   follow inside the record (up to four each, on the heap beyond), his skill profile lives apart,
//   and "meets his queue's default requirement" is kept per membership; a queue's first line holds
//   what an agent-side search reads (open, media, default requirement, active classes), each class
//   a copy of its heap's head, and queue statistics live off the queue record. Each event ends by
//   prefetching the line the next due timer will check.
// - Memory: the large per-slot arrays (task records, the id maps, agent records and skills, ready
//   keys and positions, class and ready heaps) come from HugePageAllocator (huge_pages.hpp):
//   blocks of 2 MB and more are 2 MB-aligned mappings advised for transparent huge pages, since
//   the engine is bound by TLB reach on virtual machines; smaller ones come from operator new, so
//   a small tenant maps nothing extra. Allocation is not I/O: the decisions never depend on it.
// - Live figures: counters per queue (agents by state, waiting, offered) updated incrementally;
//   service level, ASA and abandons in minute buckets over the last hour plus running totals.
//   queueStats() is O(1) except the longest wait, which reads the queue's heaps (O(waiting in q)).
// - Business hours: a pure callback per queue, re-evaluated every hours_check_interval_ms of
//   event time; outside hours tasks wait and no offers are made from that queue.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "core/routing/routing_types.hpp"

namespace parley::core::routing {

class Engine {
 public:
  explicit Engine(EngineConfig config = {});
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- configuration (create or replace) ----------------------------------------------------
  Status configureQueue(const QueueConfig& queue, TimestampMs now);
  // A new agent starts offline. Reconfiguring keeps his state, offers and assigned tasks.
  Status configureAgent(const AgentConfig& agent, TimestampMs now);

  // --- agent events ---------------------------------------------------------------------------
  // Login is a change from Offline. Away/Offline withdraws his pending offers (assigned tasks
  // stay his). Available ends a wrap-up early and resets the no-answer count.
  Status setAgentState(AgentId agent, AgentState state, TimestampMs now);

  // --- task events ------------------------------------------------------------------------------
  Status taskArrived(const TaskSpec& task, TimestampMs now);
  // A task that is already with `agent` (assigned, or pending when `pending`), e.g. rebuilt
  // after a restart or assigned by hand: it counts against his capacity (unless pending) and
  // emits no decision.
  Status taskRestored(const TaskSpec& task, AgentId agent, bool pending, TimestampMs now);
  Status offerAccepted(TaskId task, AgentId agent, TimestampMs now);
  // The task goes to the next agent; this agent is skipped for it for reoffer_after_ms.
  Status offerRejected(TaskId task, AgentId agent, TimestampMs now);
  // Resolved/closed: frees the agent (wrap-up if the queue has one); from any state.
  Status taskCompleted(TaskId task, TimestampMs now);
  Status taskTransferred(TaskId task, const TransferSpec& transfer, TimestampMs now);
  // The customer gave up while waiting or being offered (counts against the service level).
  Status taskAbandoned(TaskId task, TimestampMs now);
  // Waiting on the customer: the task stays the agent's but releases his capacity.
  Status taskPending(TaskId task, TimestampMs now);
  // The customer answered: back to the agent if he has room, else re-queued preferring him.
  Status taskResumed(TaskId task, TimestampMs now);
  // Fires due timers (offer expiry, wrap-up, escalation, fallback) and business-hours changes.
  // Every event does the same with its own `now` first.
  void tick(TimestampMs now);
  // When tick() should next be called (at or before the next due timer); nullopt = nothing due.
  std::optional<TimestampMs> nextDeadline() const;

  // --- output -------------------------------------------------------------------------------------
  const std::vector<Decision>& decisions() const;
  std::vector<Decision> takeDecisions();
  // Like takeDecisions() into the caller's buffer (its old contents dropped), whose storage the
  // engine keeps for the next decisions: no allocation per event once both buffers have grown.
  void drainDecisions(std::vector<Decision>& into);
  void clearDecisions();

  // --- inspection -------------------------------------------------------------------------------
  Result<QueueStats> queueStats(QueueId queue, TimestampMs now, DurationMs window_ms = 15 * 60'000) const;
  void resetTotals();  // e.g. at midnight, for "today"
  std::optional<AgentView> agent(AgentId agent) const;
  std::optional<TaskView> task(TaskId task) const;
  std::size_t taskCount() const;
  std::size_t agentCount() const;
  MemoryUsage memoryUsage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::core::routing
