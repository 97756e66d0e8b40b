// The routing engine: one test per feature, then property tests over seeded random event
// streams (capacity, eligibility, single offer, FIFO, no starvation, determinism, work conservation).
#include "core/routing/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>

namespace parley::core::routing {
namespace {

constexpr TimestampMs kT0 = 1'700'000'040'000;  // a whole minute
constexpr int kVoice = 0, kChat = 1, kMsg = 2, kMail = 3;

QueueConfig queueCfg(int id, Strategy s = Strategy::LongestIdle) {
  QueueConfig q;
  q.id = QueueId{id};
  q.strategy = s;
  return q;
}

AgentConfig agentCfg(int id, std::vector<int> queues, std::vector<SkillLevel> skills = {}) {
  AgentConfig a;
  a.id = AgentId{id};
  for (int q : queues) a.queues.push_back(QueueId{q});
  a.skills = std::move(skills);
  return a;
}

TaskSpec taskSpec(int id, int queue, ChannelKind ch = ChannelKind::WebChat, int priority = 0) {
  TaskSpec t;
  t.id = TaskId{id};
  t.queue = QueueId{queue};
  t.channel = ch;
  t.priority = priority;
  return t;
}

SkillLevel sk(int id, int level) { return SkillLevel{SkillId{id}, level}; }

std::vector<Decision> ofKind(const std::vector<Decision>& ds, DecisionKind k) {
  std::vector<Decision> r;
  for (const auto& d : ds)
    if (d.kind == k) r.push_back(d);
  return r;
}

class RoutingEngineTest : public ::testing::Test {
 protected:
  Engine e;
  TimestampMs now = kT0;

  void must(const Status& s) { ASSERT_TRUE(s.ok()) << s.error().message; }
  void queue(const QueueConfig& q) { must(e.configureQueue(q, now)); }
  void agent(const AgentConfig& a, AgentState st = AgentState::Available) {
    must(e.configureAgent(a, now));
    if (st != AgentState::Offline) must(e.setAgentState(a.id, st, now));
  }
  std::vector<Decision> arrive(const TaskSpec& t) {
    must(e.taskArrived(t, now));
    return e.takeDecisions();
  }
  std::vector<Decision> at(TimestampMs t) {
    now = t;
    e.tick(now);
    return e.takeDecisions();
  }
  // The agent offered task `id` (asserting there is exactly one).
  int offeredTo(const std::vector<Decision>& ds, int task) {
    int agent = 0, n = 0;
    for (const auto& d : ds)
      if (d.kind == DecisionKind::Offer && d.task == TaskId{task}) agent = static_cast<int>(d.agent.value), ++n;
    EXPECT_LE(n, 1);
    return agent;
  }
  void accept(int task, int agent) {
    must(e.offerAccepted(TaskId{task}, AgentId{agent}, now));
    e.clearDecisions();
  }
  TaskState state(int task) { return e.task(TaskId{task})->state; }
};

// ---- basics ----------------------------------------------------------------------------------------

TEST_F(RoutingEngineTest, OffersAnArrivingTaskToAnAvailableMemberAndAssignsOnAccept) {
  queue(queueCfg(1));
  agent(agentCfg(10, {1}));
  agent(agentCfg(11, {2 - 1}), AgentState::Offline);
  e.clearDecisions();
  auto ds = arrive(taskSpec(100, 1));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, DecisionKind::Offer);
  EXPECT_EQ(ds[0].agent, AgentId{10});
  EXPECT_EQ(ds[0].queue, QueueId{1});
  EXPECT_EQ(ds[0].expires_at, now + 20'000);
  EXPECT_EQ(state(100), TaskState::Offered);
  must(e.offerAccepted(TaskId{100}, AgentId{10}, now));
  ds = e.takeDecisions();
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, DecisionKind::Assigned);
  EXPECT_EQ(state(100), TaskState::Assigned);
  EXPECT_EQ(e.agent(AgentId{10})->load[kChat], 1);
  // Accepting twice, or by someone else, is a conflict; unknown ids are not found.
  EXPECT_EQ(e.offerAccepted(TaskId{100}, AgentId{10}, now).error().code, ErrorCode::Conflict);
  EXPECT_EQ(e.offerAccepted(TaskId{999}, AgentId{10}, now).error().code, ErrorCode::NotFound);
  EXPECT_EQ(e.taskArrived(taskSpec(100, 1), now).error().code, ErrorCode::Conflict);
  EXPECT_EQ(e.taskArrived(taskSpec(101, 77), now).error().code, ErrorCode::NotFound);
}

TEST_F(RoutingEngineTest, NoOfferToOfflineOrAwayAgentsTaskWaitsUntilLogin) {
  queue(queueCfg(1));
  agent(agentCfg(10, {1}), AgentState::Offline);
  agent(agentCfg(11, {1}), AgentState::Away);
  EXPECT_TRUE(arrive(taskSpec(100, 1)).empty());
  EXPECT_EQ(state(100), TaskState::Waiting);
  must(e.setAgentState(AgentId{10}, AgentState::Available, now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 100), 10);
}

TEST_F(RoutingEngineTest, SkillsWithMinimumProficiencyAndAlternatives) {
  QueueConfig q = queueCfg(1);
  q.requirement = Requirement::all({sk(1, 3)});  // e.g. language:de at least 3
  queue(q);
  agent(agentCfg(10, {1}, {sk(1, 2)}));  // too weak
  agent(agentCfg(11, {1}, {sk(2, 5)}));  // other skill
  EXPECT_TRUE(arrive(taskSpec(100, 1)).empty());
  agent(agentCfg(12, {1}, {sk(1, 4)}));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 100), 12);

  // Alternatives: (skill 1 >= 5) or (skill 2 >= 4 and skill 3 >= 1): agent 11 lacks skill 3.
  TaskSpec t = taskSpec(101, 1);
  t.requirement = Requirement{{{sk(1, 5)}, {sk(2, 4), sk(3, 1)}}};
  EXPECT_TRUE(arrive(t).empty());
  agent(agentCfg(11, {1}, {sk(2, 5), sk(3, 1)}));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 101), 11);
  EXPECT_EQ(e.task(TaskId{101})->requirement.alternatives.size(), 2u);

  // Invalid requirements are rejected.
  TaskSpec bad = taskSpec(102, 1);
  bad.requirement = Requirement::all({sk(1, 6)});
  EXPECT_EQ(e.taskArrived(bad, now).error().code, ErrorCode::InvalidInput);
}

TEST_F(RoutingEngineTest, CapacityPerMediaAndDefaults) {
  queue(queueCfg(1));
  agent(agentCfg(10, {1}));
  EXPECT_EQ(e.agent(AgentId{10})->capacity, (std::array<int, 4>{1, 3, 8, 10}));
  for (int i = 0; i < 4; ++i) {
    auto ds = arrive(taskSpec(100 + i, 1));
    if (i < 3) {
      EXPECT_EQ(offeredTo(ds, 100 + i), 10);
      accept(100 + i, 10);
    } else {
      EXPECT_TRUE(ds.empty()) << "a fourth chat exceeds the default capacity of 3";
    }
  }
  EXPECT_EQ(e.agent(AgentId{10})->load[kChat], 3);
  // Messaging has its own capacity: a WhatsApp task still gets through.
  EXPECT_EQ(offeredTo(arrive(taskSpec(200, 1, ChannelKind::WhatsApp)), 200), 10);
  // Completing a chat frees a slot: the waiting chat is offered at once.
  must(e.taskCompleted(TaskId{100}, now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 103), 10);

  // Configured per agent.
  AgentConfig a = agentCfg(11, {1});
  a.capacity = {0, 1, 0, 0};
  agent(a);
  EXPECT_EQ(e.agent(AgentId{11})->capacity[kChat], 1);
}

TEST_F(RoutingEngineTest, VoiceBlocksEverythingAndChatEmailInterruptionIsConfigurable) {
  queue(queueCfg(1));
  agent(agentCfg(10, {1}));
  EXPECT_EQ(offeredTo(arrive(taskSpec(1, 1, ChannelKind::Voice)), 1), 10);
  accept(1, 10);
  EXPECT_TRUE(arrive(taskSpec(2, 1, ChannelKind::WebChat)).empty());
  EXPECT_TRUE(arrive(taskSpec(3, 1, ChannelKind::Email)).empty());
  must(e.taskCompleted(TaskId{1}, now));
  auto ds = e.takeDecisions();
  EXPECT_EQ(offeredTo(ds, 2), 10);
  EXPECT_EQ(offeredTo(ds, 3), 10);
  // With work in hand, no voice call is offered.
  EXPECT_TRUE(arrive(taskSpec(4, 1, ChannelKind::Voice)).empty());

  // An agent whose chats must not be interrupted by e-mail.
  AgentConfig strict = agentCfg(20, {2});
  strict.rules = CrossChannelRules::defaults(/*chat_interruptible_by_email=*/false);
  queue(queueCfg(2));
  agent(strict);
  EXPECT_EQ(offeredTo(arrive(taskSpec(5, 2, ChannelKind::WebChat)), 5), 20);
  accept(5, 20);
  EXPECT_TRUE(arrive(taskSpec(6, 2, ChannelKind::Email)).empty());
  must(e.taskCompleted(TaskId{5}, now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 6), 20);
}

TEST_F(RoutingEngineTest, WaitingOrderIsPriorityThenOriginalEnqueueTimeThenArrival) {
  queue(queueCfg(1));
  agent(agentCfg(10, {1}), AgentState::Offline);
  TaskSpec a = taskSpec(1, 1, ChannelKind::WebChat, 0);
  TaskSpec b = taskSpec(2, 1, ChannelKind::WebChat, 2);
  TaskSpec c = taskSpec(3, 1, ChannelKind::WebChat, 0);
  c.enqueued_at = kT0 - 60'000;  // came from elsewhere, waited longer
  TaskSpec d = taskSpec(4, 1, ChannelKind::WebChat, 0);
  for (auto* t : {&a, &b, &c, &d}) arrive(*t);
  AgentConfig one = agentCfg(10, {1});
  one.capacity = {0, 1, 0, 0};
  agent(one);
  std::vector<int> order;
  for (int i = 0; i < 4; ++i) {
    auto offers = ofKind(e.takeDecisions(), DecisionKind::Offer);
    ASSERT_EQ(offers.size(), 1u);
    order.push_back(static_cast<int>(offers[0].task.value));
    accept(order.back(), 10);
    must(e.taskCompleted(offers[0].task, now));
  }
  EXPECT_EQ(order, (std::vector<int>{2, 3, 1, 4}));
}

// ---- strategies -------------------------------------------------------------------------------------

TEST_F(RoutingEngineTest, LongestIdleTakesTheAgentIdleLongest) {
  queue(queueCfg(1, Strategy::LongestIdle));
  agent(agentCfg(10, {1}));
  now += 1000;
  agent(agentCfg(11, {1}));
  now += 1000;
  agent(agentCfg(12, {1}));
  // An offer counts as activity: each next task goes to the one idle longest.
  now += 1000;
  EXPECT_EQ(offeredTo(arrive(taskSpec(1, 1)), 1), 10);
  now += 1000;
  EXPECT_EQ(offeredTo(arrive(taskSpec(2, 1)), 2), 11);
  now += 1000;
  EXPECT_EQ(offeredTo(arrive(taskSpec(3, 1)), 3), 12);
  now += 1000;
  EXPECT_EQ(offeredTo(arrive(taskSpec(4, 1)), 4), 10);
}

TEST_F(RoutingEngineTest, LeastOccupiedSpreadsLoad) {
  queue(queueCfg(1, Strategy::LeastOccupied));
  agent(agentCfg(10, {1}));
  agent(agentCfg(11, {1}));
  // 10 takes an e-mail (10% busy), then chats go to 11 first (0%), then to the lower occupancy.
  EXPECT_EQ(offeredTo(arrive(taskSpec(1, 1, ChannelKind::Email)), 1), 10);
  EXPECT_EQ(offeredTo(arrive(taskSpec(2, 1)), 2), 11);  // 11: 33%
  EXPECT_EQ(offeredTo(arrive(taskSpec(3, 1)), 3), 10);  // 10: 10% + 33%
  EXPECT_EQ(offeredTo(arrive(taskSpec(4, 1)), 4), 11);
}

TEST_F(RoutingEngineTest, MostSkilledPrefersHigherProficiencyOnScoringSkills) {
  QueueConfig q = queueCfg(1, Strategy::MostSkilled);
  q.requirement = Requirement::all({sk(1, 1)});
  queue(q);
  agent(agentCfg(10, {1}, {sk(1, 2)}));
  agent(agentCfg(11, {1}, {sk(1, 5)}));
  agent(agentCfg(12, {1}, {sk(1, 3)}));
  EXPECT_EQ(offeredTo(arrive(taskSpec(1, 1)), 1), 11);
  EXPECT_EQ(offeredTo(arrive(taskSpec(2, 1)), 2), 11);
  EXPECT_EQ(offeredTo(arrive(taskSpec(3, 1)), 3), 11);
  EXPECT_EQ(offeredTo(arrive(taskSpec(4, 1)), 4), 12);  // 11 is full (3 chats)
}

TEST_F(RoutingEngineTest, RoundRobinCyclesThroughAgents) {
  queue(queueCfg(1, Strategy::RoundRobin));
  for (int a = 10; a < 13; ++a) agent(agentCfg(a, {1}));
  std::vector<int> got;
  for (int i = 0; i < 6; ++i) {
    int a = offeredTo(arrive(taskSpec(i + 1, 1, ChannelKind::Email)), i + 1);
    got.push_back(a);
  }
  EXPECT_EQ(got, (std::vector<int>{10, 11, 12, 10, 11, 12}));
}

TEST_F(RoutingEngineTest, PreferredAgentFirstWaitsForLastAgentThenFallsBack) {
  QueueConfig q = queueCfg(1, Strategy::PreferredAgentFirst);
  q.preferred_timeout_ms = 30'000;
  queue(q);
  agent(agentCfg(10, {1}));
  agent(agentCfg(11, {1}), AgentState::Away);  // the contact's last agent
  e.clearDecisions();
  TaskSpec t = taskSpec(1, 1);
  t.preferred_agent = AgentId{11};
  EXPECT_TRUE(arrive(t).empty()) << "held for the preferred agent though 10 is free";
  EXPECT_EQ(state(1), TaskState::WaitingPreferred);
  EXPECT_EQ(e.task(TaskId{1})->preferred_agent, AgentId{11});
  // He comes back within the timeout: he gets it.
  now += 10'000;
  must(e.setAgentState(AgentId{11}, AgentState::Available, now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 1), 11);
  accept(1, 11);

  // Another one, he stays away: after the timeout anyone may take it.
  must(e.setAgentState(AgentId{11}, AgentState::Away, now));
  e.clearDecisions();
  TaskSpec t2 = taskSpec(2, 1);
  t2.preferred_agent = AgentId{11};
  EXPECT_TRUE(arrive(t2).empty());
  EXPECT_TRUE(at(now + 29'999).empty());
  EXPECT_EQ(offeredTo(at(now + 1), 2), 10);
}

// ---- offers -------------------------------------------------------------------------------------------

TEST_F(RoutingEngineTest, RejectAndTimeoutGoToTheNextAgentAndRepeatedNoAnswersSetAway) {
  QueueConfig q = queueCfg(1);
  q.offer_timeout_ms = 10'000;
  queue(q);
  agent(agentCfg(10, {1}));
  now += 1;
  agent(agentCfg(11, {1}));
  EXPECT_EQ(offeredTo(arrive(taskSpec(1, 1)), 1), 10);
  must(e.offerRejected(TaskId{1}, AgentId{10}, now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 1), 11);
  // 11 does not answer: expired, and 10 (who rejected) is skipped for the reoffer delay.
  auto ds = at(now + 10'000);
  ASSERT_EQ(ofKind(ds, DecisionKind::OfferExpired).size(), 1u);
  EXPECT_EQ(ofKind(ds, DecisionKind::OfferExpired)[0].agent, AgentId{11});
  EXPECT_TRUE(ofKind(ds, DecisionKind::Offer).empty());
  EXPECT_EQ(state(1), TaskState::Waiting);
  EXPECT_EQ(e.agent(AgentId{11})->consecutive_no_answers, 1);
  // After the reoffer delay (60 s from the reject) it goes round again.
  ds = at(kT0 + 1 + 60'000);
  EXPECT_EQ(offeredTo(ds, 1), 10);

  // Three no-answers in a row set an agent away and withdraw nothing else (he had nothing else).
  Engine e2(EngineConfig{.max_no_answers = 2});
  ASSERT_TRUE(e2.configureQueue(q, kT0).ok());
  ASSERT_TRUE(e2.configureAgent(agentCfg(10, {1}), kT0).ok());
  ASSERT_TRUE(e2.setAgentState(AgentId{10}, AgentState::Available, kT0).ok());
  ASSERT_TRUE(e2.taskArrived(taskSpec(1, 1), kT0).ok());
  ASSERT_TRUE(e2.taskArrived(taskSpec(2, 1), kT0).ok());
  e2.clearDecisions();
  e2.tick(kT0 + 10'000);
  auto d2 = e2.takeDecisions();
  EXPECT_EQ(ofKind(d2, DecisionKind::OfferExpired).size(), 2u);
  ASSERT_EQ(ofKind(d2, DecisionKind::AgentSetAway).size(), 1u);
  EXPECT_EQ(e2.agent(AgentId{10})->state, AgentState::Away);
  EXPECT_EQ(e2.agent(AgentId{10})->load[kChat], 0);
}

// Timers of different durations interleave: one tick far ahead fires them in due order, and
// nextDeadline() names the earliest. (Timers set with one duration share a FIFO inside.)
TEST_F(RoutingEngineTest, OfferTimeoutsOfDifferentLengthsExpireInDueOrder) {
  QueueConfig slow = queueCfg(1), quick = queueCfg(2);
  slow.offer_timeout_ms = 10'000;
  quick.offer_timeout_ms = 3'000;
  queue(slow);
  queue(quick);
  for (int a = 10; a < 16; ++a) agent(agentCfg(a, {1, 2}));
  e.clearDecisions();
  // Offers at +0 ms (slow: due +10 s), +1 (quick: +3 s), +2 (slow), +3 (quick), +4 (quick), +5 (slow).
  std::vector<std::pair<int, TimestampMs>> due;  // task, due
  const int queue_of[] = {1, 2, 1, 2, 2, 1};
  for (int i = 0; i < 6; ++i) {
    TaskSpec t = taskSpec(100 + i, queue_of[i]);
    must(e.taskArrived(t, kT0 + i));
    due.emplace_back(100 + i, kT0 + i + (queue_of[i] == 1 ? 10'000 : 3'000));
  }
  e.clearDecisions();
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_EQ(e.nextDeadline(), std::optional<TimestampMs>(due.front().second));
  now = kT0 + 20'000;
  e.tick(now);
  std::vector<Decision> expired;  // the first expiry of each task (the re-offers expire too)
  std::set<std::int64_t> seen;
  for (const Decision& d : ofKind(e.takeDecisions(), DecisionKind::OfferExpired))
    if (seen.insert(d.task.value).second) expired.push_back(d);
  ASSERT_EQ(expired.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(expired[i].task.value, due[i].first) << i;
    EXPECT_EQ(expired[i].at, due[i].second) << i;
  }
}

TEST_F(RoutingEngineTest, FanOutOffersSeveralAgentsFirstAcceptWins) {
  QueueConfig q = queueCfg(1);
  q.offer_fanout = 3;
  queue(q);
  for (int a = 10; a < 14; ++a) agent(agentCfg(a, {1}));
  auto offers = ofKind(arrive(taskSpec(1, 1, ChannelKind::Voice)), DecisionKind::Offer);
  ASSERT_EQ(offers.size(), 3u);
  for (const auto& o : offers) EXPECT_EQ(o.group_size, 3);
  EXPECT_EQ(e.task(TaskId{1})->offered_to.size(), 3u);
  AgentId winner = offers[1].agent;
  must(e.offerAccepted(TaskId{1}, winner, now));
  auto ds = e.takeDecisions();
  EXPECT_EQ(ofKind(ds, DecisionKind::Assigned).size(), 1u);
  auto revoked = ofKind(ds, DecisionKind::OfferRevoked);
  ASSERT_EQ(revoked.size(), 2u);
  for (const auto& r : revoked) {
    EXPECT_NE(r.agent, winner);
    EXPECT_EQ(r.reason, RevokeReason::AcceptedElsewhere);
    EXPECT_EQ(e.agent(r.agent)->load[kVoice], 0);
  }
  EXPECT_EQ(e.offerAccepted(TaskId{1}, offers[0].agent == winner ? offers[2].agent : offers[0].agent, now).error().code,
            ErrorCode::Conflict);
}

TEST_F(RoutingEngineTest, AutoAcceptAssignsWithoutOffer) {
  QueueConfig q = queueCfg(1);
  q.auto_accept = true;
  queue(q);
  agent(agentCfg(10, {1}));
  auto ds = arrive(taskSpec(1, 1, ChannelKind::WhatsApp));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, DecisionKind::Assigned);
  EXPECT_TRUE(ds[0].auto_accepted);
  EXPECT_EQ(state(1), TaskState::Assigned);
  EXPECT_EQ(e.agent(AgentId{10})->load[kMsg], 1);
}

TEST_F(RoutingEngineTest, AgentGoingAwayLosesHisOffersToTheNextAgent) {
  queue(queueCfg(1));
  agent(agentCfg(10, {1}));
  EXPECT_EQ(offeredTo(arrive(taskSpec(1, 1)), 1), 10);
  agent(agentCfg(11, {1}));
  must(e.setAgentState(AgentId{10}, AgentState::Away, now));
  auto ds = e.takeDecisions();
  ASSERT_EQ(ofKind(ds, DecisionKind::OfferRevoked).size(), 1u);
  EXPECT_EQ(ofKind(ds, DecisionKind::OfferRevoked)[0].reason, RevokeReason::AgentUnavailable);
  EXPECT_EQ(offeredTo(ds, 1), 11);
}

TEST_F(RoutingEngineTest, WrapUpBlocksOffersForTheConfiguredTime) {
  QueueConfig q = queueCfg(1);
  q.wrap_up_ms = 15'000;
  queue(q);
  agent(agentCfg(10, {1}));
  offeredTo(arrive(taskSpec(1, 1, ChannelKind::Voice)), 1);
  accept(1, 10);
  arrive(taskSpec(2, 1, ChannelKind::Voice));
  must(e.taskCompleted(TaskId{1}, now));
  EXPECT_TRUE(e.takeDecisions().empty());
  EXPECT_EQ(e.agent(AgentId{10})->state, AgentState::WrapUp);
  EXPECT_TRUE(at(now + 14'999).empty());
  auto ds = at(now + 1);
  EXPECT_EQ(ofKind(ds, DecisionKind::WrapUpEnded).size(), 1u);
  EXPECT_EQ(offeredTo(ds, 2), 10);
}

TEST_F(RoutingEngineTest, PendingReleasesCapacityAndResumeTakesItBackOrRequeues) {
  queue(queueCfg(1));
  AgentConfig a = agentCfg(10, {1});
  a.capacity = {0, 1, 0, 0};
  agent(a);
  offeredTo(arrive(taskSpec(1, 1)), 1);
  accept(1, 10);
  arrive(taskSpec(2, 1));
  must(e.taskPending(TaskId{1}, now));  // waiting on the customer
  EXPECT_EQ(offeredTo(e.takeDecisions(), 2), 10);
  accept(2, 10);
  // Customer of task 1 answers while 10 is full: back in the queue, held for 10.
  must(e.taskResumed(TaskId{1}, now));
  EXPECT_EQ(state(1), TaskState::WaitingPreferred);
  must(e.taskCompleted(TaskId{2}, now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 1), 10);
  accept(1, 10);
  must(e.taskPending(TaskId{1}, now));
  must(e.taskResumed(TaskId{1}, now));  // room now: straight back
  auto ds = e.takeDecisions();
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, DecisionKind::Assigned);
  EXPECT_EQ(e.taskResumed(TaskId{1}, now).error().code, ErrorCode::Conflict);
}

TEST_F(RoutingEngineTest, TransferKeepsTheOriginalEnqueueTime) {
  queue(queueCfg(1));
  queue(queueCfg(2));
  agent(agentCfg(10, {1}));
  offeredTo(arrive(taskSpec(1, 1)), 1);
  accept(1, 10);
  now += 120'000;
  arrive(taskSpec(2, 2));  // newer, already waiting in queue 2
  TransferSpec tr;
  tr.queue = QueueId{2};
  must(e.taskTransferred(TaskId{1}, tr, now));
  EXPECT_EQ(e.agent(AgentId{10})->load[kChat], 0);
  auto v = e.task(TaskId{1});
  EXPECT_EQ(v->enqueued_at, kT0);
  EXPECT_EQ(v->queue, QueueId{2});
  agent(agentCfg(20, {2}));
  auto offers = ofKind(e.takeDecisions(), DecisionKind::Offer);
  ASSERT_GE(offers.size(), 1u);
  EXPECT_EQ(offers[0].task, TaskId{1}) << "the transferred customer keeps his place";

  // Transfer to an agent: held for him.
  TransferSpec to_agent;
  to_agent.preferred_agent = AgentId{10};
  must(e.taskTransferred(TaskId{2}, to_agent, now));
  auto ds = e.takeDecisions();
  EXPECT_EQ(offeredTo(ds, 2), 10);
}

// ---- escalation, hours ------------------------------------------------------------------------------

TEST_F(RoutingEngineTest, EscalationRelaxesSkillsRaisesPriorityAndOverflowsKeepingPlace) {
  QueueConfig q1 = queueCfg(1);
  q1.requirement = Requirement::all({sk(1, 4)});
  EscalationStep relax;
  relax.after_ms = 30'000;
  relax.relax_to = Requirement::all({sk(1, 2)});
  relax.raise_priority_by = 1;
  EscalationStep overflow;
  overflow.after_ms = 60'000;
  overflow.overflow_to = QueueId{2};
  q1.escalation = {relax, overflow};
  queue(q1);
  queue(queueCfg(2));
  agent(agentCfg(10, {1}, {sk(1, 2)}));  // not skilled enough at first
  EXPECT_TRUE(arrive(taskSpec(1, 1)).empty());
  auto ds = at(kT0 + 30'000);
  auto esc = ofKind(ds, DecisionKind::TaskEscalated);
  ASSERT_EQ(esc.size(), 1u);
  EXPECT_EQ(esc[0].priority, 1);
  EXPECT_EQ(offeredTo(ds, 1), 10) << "relaxed requirement makes 10 eligible";
  must(e.offerRejected(TaskId{1}, AgentId{10}, now));
  e.clearDecisions();
  // Still waiting at 60 s: overflows to queue 2, keeping its original enqueue time.
  ASSERT_TRUE(e.taskArrived(taskSpec(2, 2), kT0 + 40'000).ok());
  ds = at(kT0 + 60'000);
  esc = ofKind(ds, DecisionKind::TaskEscalated);
  ASSERT_EQ(esc.size(), 1u);
  EXPECT_EQ(esc[0].queue, QueueId{2});
  EXPECT_EQ(esc[0].from_queue, QueueId{1});
  EXPECT_EQ(e.task(TaskId{1})->enqueued_at, kT0);
  agent(agentCfg(20, {2}));
  auto offers = ofKind(e.takeDecisions(), DecisionKind::Offer);
  ASSERT_GE(offers.size(), 1u);
  EXPECT_EQ(offers[0].task, TaskId{1});
  // Invalid escalation configuration.
  QueueConfig bad = queueCfg(3);
  bad.escalation = {overflow, relax};  // not ascending
  EXPECT_EQ(e.configureQueue(bad, now).error().code, ErrorCode::InvalidInput);
}

TEST_F(RoutingEngineTest, BusinessHoursHoldTasksOutsideHours) {
  QueueConfig q = queueCfg(1);
  const TimestampMs opens = kT0 + 3'600'000;
  q.open_hours = [opens](TimestampMs t) { return t >= opens; };
  queue(q);
  agent(agentCfg(10, {1}));
  EXPECT_TRUE(arrive(taskSpec(1, 1)).empty());
  EXPECT_TRUE(arrive(taskSpec(2, 1)).empty());
  EXPECT_TRUE(at(opens - 1).empty());
  auto ds = at(opens);
  EXPECT_EQ(ofKind(ds, DecisionKind::Offer).size(), 2u);
  EXPECT_EQ(*e.nextDeadline(), opens + 1000);  // offers' timers are later; hours are checked every second
}

// ---- figures --------------------------------------------------------------------------------------------

TEST_F(RoutingEngineTest, LiveFiguresPerQueue) {
  QueueConfig q = queueCfg(1);
  q.service_level = {20'000, 0.8};
  queue(q);
  agent(agentCfg(10, {1}));
  agent(agentCfg(11, {1}), AgentState::Away);
  agent(agentCfg(12, {1}), AgentState::Offline);
  arrive(taskSpec(1, 1, ChannelKind::Voice));  // offered to 10 at once
  accept(1, 10);                               // answered in 0 s
  arrive(taskSpec(2, 1, ChannelKind::Voice));  // waits
  now += 5'000;
  arrive(taskSpec(3, 1, ChannelKind::Voice));
  now += 25'000;
  must(e.taskAbandoned(TaskId{3}, now));  // after 25 s: counts against the SL
  must(e.taskCompleted(TaskId{1}, now));  // 2 goes to 10 after 30 s
  accept(2, 10);
  auto st = e.queueStats(QueueId{1}, now);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->waiting, 0);
  EXPECT_EQ(st->agents_logged_in, 2);
  EXPECT_EQ(st->agents_busy, 1);
  EXPECT_EQ(st->agents_away, 1);
  EXPECT_EQ(st->window.answered, 2);
  EXPECT_EQ(st->window.answered_within_threshold, 1);
  EXPECT_EQ(st->window.abandoned, 1);
  EXPECT_EQ(st->window.abandoned_after_threshold, 1);
  EXPECT_DOUBLE_EQ(*st->window.service_level, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(*st->window.asa_ms, 15'000.0);
  EXPECT_EQ(st->total.answered, 2);
  arrive(taskSpec(4, 1, ChannelKind::Voice));
  now += 7'000;
  st = e.queueStats(QueueId{1}, now);
  EXPECT_EQ(st->waiting, 1);
  EXPECT_EQ(st->longest_wait_ms, 7'000);
  // Outside the window the counts are gone, the totals stay.
  st = e.queueStats(QueueId{1}, now + 3'600'000, 15 * 60'000);
  EXPECT_EQ(st->window.answered, 0);
  EXPECT_FALSE(st->window.service_level.has_value());
  EXPECT_EQ(st->total.answered, 2);
  e.resetTotals();
  EXPECT_EQ(e.queueStats(QueueId{1}, now)->total.answered, 0);
}

TEST_F(RoutingEngineTest, ARestoredTaskIsAssignedWithoutDecisionsAndCountsAgainstCapacity) {
  queue(queueCfg(1));
  AgentConfig one = agentCfg(10, {1});
  one.capacity[kChat] = 1;
  agent(one);
  e.clearDecisions();
  must(e.taskRestored(taskSpec(100, 1), AgentId{10}, /*pending=*/false, now));
  EXPECT_TRUE(e.takeDecisions().empty()) << "a restored task was answered before: nothing to decide";
  EXPECT_EQ(state(100), TaskState::Assigned);
  EXPECT_EQ(e.agent(AgentId{10})->load[kChat], 1);
  EXPECT_EQ(offeredTo(arrive(taskSpec(101, 1)), 101), 0) << "his one chat slot is taken";
  must(e.taskCompleted(TaskId{100}, now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 101), 10) << "completing the restored task frees him";
  // A pending one is his without load; unknown agents and repeated ids are refused.
  must(e.taskRestored(taskSpec(102, 1), AgentId{10}, /*pending=*/true, now));
  EXPECT_EQ(state(102), TaskState::Pending);
  EXPECT_FALSE(e.taskRestored(taskSpec(102, 1), AgentId{10}, false, now).ok());
  EXPECT_FALSE(e.taskRestored(taskSpec(103, 1), AgentId{99}, false, now).ok());
}

TEST_F(RoutingEngineTest, ConfigurationIsValidated) {
  QueueConfig q = queueCfg(1);
  q.offer_fanout = 9;
  EXPECT_EQ(e.configureQueue(q, now).error().code, ErrorCode::InvalidInput);
  q.offer_fanout = 1;
  q.service_level.target = 1.5;
  EXPECT_EQ(e.configureQueue(q, now).error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(e.configureAgent(agentCfg(10, {1}), now).error().code, ErrorCode::NotFound);
  queue(queueCfg(1));
  EXPECT_EQ(e.configureAgent(agentCfg(10, {1}, {sk(1, 0)}), now).error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(e.setAgentState(AgentId{99}, AgentState::Available, now).error().code, ErrorCode::NotFound);
}

TEST_F(RoutingEngineTest, MemoryUsageGrowsWithAgentsAndTasks) {
  queue(queueCfg(1));
  auto m0 = e.memoryUsage();
  for (int a = 1; a <= 100; ++a) agent(agentCfg(a, {1}), AgentState::Offline);
  for (int t = 1; t <= 1000; ++t) arrive(taskSpec(t, 1));
  auto m1 = e.memoryUsage();
  EXPECT_GT(m1.agents, m0.agents + 100 * 100);
  EXPECT_GT(m1.tasks, m0.tasks + 1000 * 100);
  EXPECT_EQ(e.taskCount(), 1000u);
}

// ==== property tests over random event streams ===========================================================

// Drives an engine with a seeded random stream of events and checks every decision against an
// independent model built from the test's own configuration.
class RandomStream {
 public:
  explicit RandomStream(std::uint64_t seed) : rng_(seed) {}

  struct AgentModel {
    AgentConfig cfg;
    std::map<std::int64_t, int> skills;
  };
  struct TaskModel {
    int queue = 0;
    Media media = Media::Chat;
    std::set<std::int64_t> offered;
    std::int64_t agent = 0;
    bool pending = false;
    std::int64_t preferred = 0;
    std::map<std::int64_t, TimestampMs> missed;  // agent -> when he rejected or let it expire
  };

  std::vector<std::string> run(int steps) {
    setUp();
    for (int i = 0; i < steps && !::testing::Test::HasFatalFailure(); ++i) {
      step();
      checkInvariants();
    }
    return log_;
  }

  std::map<int, int> fanout;  // queue -> configured fan-out
  int offers_seen = 0, assigned_seen = 0, escalations_seen = 0, away_seen = 0;

 private:
  int rnd(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

  void setUp() {
    // 1 chat LongestIdle; 2 messaging RoundRobin with escalation; 3 voice MostSkilled fan-out 2
    // with wrap-up; 4 e-mail LeastOccupied overflowing to 1; 5 chat PreferredAgentFirst.
    std::vector<QueueConfig> qs;
    QueueConfig q1 = queueCfg(1, Strategy::LongestIdle);
    q1.requirement = Requirement::all({sk(1, 2)});
    QueueConfig q2 = queueCfg(2, Strategy::RoundRobin);
    q2.requirement = Requirement{{{sk(2, 4)}, {sk(3, 3)}}};
    EscalationStep up;
    up.after_ms = 20'000;
    up.raise_priority_by = 1;
    EscalationStep relax;
    relax.after_ms = 40'000;
    relax.relax_to = Requirement::none();
    q2.escalation = {up, relax};
    QueueConfig q3 = queueCfg(3, Strategy::MostSkilled);
    q3.requirement = Requirement::all({sk(1, 1)});
    q3.offer_fanout = 2;
    q3.wrap_up_ms = 5'000;
    QueueConfig q4 = queueCfg(4, Strategy::LeastOccupied);
    EscalationStep ov;
    ov.after_ms = 30'000;
    ov.overflow_to = QueueId{1};
    q4.escalation = {ov};
    q4.auto_accept = true;
    QueueConfig q5 = queueCfg(5, Strategy::PreferredAgentFirst);
    q5.preferred_timeout_ms = 15'000;
    for (QueueConfig* q : {&q1, &q2, &q3, &q4, &q5}) {
      q->offer_timeout_ms = 10'000;
      q->reoffer_after_ms = 15'000;
      fanout[static_cast<int>(q->id.value)] = q->offer_fanout;
      queues_[static_cast<int>(q->id.value)] = *q;
      ASSERT_TRUE(e_.configureQueue(*q, now_).ok());
    }
    for (int a = 1; a <= 12; ++a) {
      AgentModel m;
      m.cfg.id = AgentId{a};
      for (int s = 1; s <= 3; ++s)
        if (rnd(3) != 0) m.cfg.skills.push_back(sk(s, 1 + rnd(5)));
      for (int q = 1; q <= 5; ++q)
        if (rnd(2) == 0) m.cfg.queues.push_back(QueueId{q});
      if (rnd(3) == 0) m.cfg.rules = CrossChannelRules::defaults(false);
      if (rnd(4) == 0) m.cfg.capacity = {1, 1 + rnd(3), 1 + rnd(8), 1 + rnd(10)};
      for (const auto& s : m.cfg.skills) m.skills[s.skill.value] = s.level;
      ASSERT_TRUE(e_.configureAgent(m.cfg, now_).ok());
      agents_[a] = m;
    }
    drain();
  }

  static ChannelKind channelOf(int queue, int r) {
    switch (queue) {
      case 2: return r % 2 ? ChannelKind::WhatsApp : ChannelKind::Telegram;
      case 3: return ChannelKind::Voice;
      case 4: return ChannelKind::Email;
      default: return ChannelKind::WebChat;
    }
  }

  template <class Map>
  auto pickKey(const Map& m) {
    auto it = m.begin();
    std::advance(it, rnd(static_cast<int>(m.size())));
    return it->first;
  }

  void step() {
    now_ += rnd(3'000);
    e_.tick(now_);  // what expired by now is known before choosing what to answer
    drain();
    int kind = rnd(100);
    if (kind < 8) {  // agent state change
      int a = 1 + rnd(12);
      static constexpr AgentState kStates[] = {AgentState::Available, AgentState::Available, AgentState::Away,
                                               AgentState::Offline};
      ASSERT_TRUE(e_.setAgentState(AgentId{a}, kStates[rnd(4)], now_).ok());
    } else if (kind < 40) {  // arrival
      int q = 1 + rnd(5);
      TaskSpec t = taskSpec(next_task_++, q, channelOf(q, rnd(2)), rnd(3));
      if (rnd(5) == 0) t.enqueued_at = now_ - rnd(100'000);
      if (q == 5 || rnd(10) == 0) t.preferred_agent = AgentId{1 + rnd(12)};
      if (q != 5 && t.preferred_agent.valid()) t.preferred_timeout_ms = 5'000;
      if (rnd(6) == 0) t.requirement = Requirement::all({sk(1 + rnd(3), 1 + rnd(5))});
      ASSERT_TRUE(e_.taskArrived(t, now_).ok());
      TaskModel m;
      m.queue = q;
      m.media = mediaOf(t.channel);
      m.preferred = t.preferred_agent.value;
      tasks_[t.id.value] = m;
    } else if (kind < 70) {  // answer an offer
      std::vector<std::pair<std::int64_t, std::int64_t>> open;
      for (const auto& [id, t] : tasks_)
        for (auto a : t.offered) open.emplace_back(id, a);
      if (open.empty()) return tickOnly();
      auto [task, agent] = open[static_cast<std::size_t>(rnd(static_cast<int>(open.size())))];
      if (rnd(4) == 0) {
        ASSERT_TRUE(e_.offerRejected(TaskId{task}, AgentId{agent}, now_).ok());
        tasks_[task].offered.erase(agent);
        tasks_[task].missed[agent] = now_;
      } else {
        ASSERT_TRUE(e_.offerAccepted(TaskId{task}, AgentId{agent}, now_).ok());
      }
    } else if (kind < 88) {  // complete, pending, resume, transfer an assigned task
      std::vector<std::int64_t> held;
      for (const auto& [id, t] : tasks_)
        if (t.agent) held.push_back(id);
      if (held.empty()) return tickOnly();
      std::int64_t id = held[static_cast<std::size_t>(rnd(static_cast<int>(held.size())))];
      TaskModel& t = tasks_[id];
      int what = rnd(10);
      if (what < 6) {
        ASSERT_TRUE(e_.taskCompleted(TaskId{id}, now_).ok());
        drain();
        tasks_.erase(id);
        return;
      } else if (what < 8) {
        if (t.pending) {
          ASSERT_TRUE(e_.taskResumed(TaskId{id}, now_).ok());
          t.pending = false;
          t.preferred = t.agent;  // re-queued preferring him when he has no room
          t.agent = 0;  // the Assigned decision sets it again when he has room
        } else {
          ASSERT_TRUE(e_.taskPending(TaskId{id}, now_).ok());
          t.pending = true;
        }
      } else {
        TransferSpec tr;
        tr.queue = QueueId{1 + rnd(5)};
        if (tr.queue.value == 4) tr.queue = QueueId{1};  // keep e-mail in e-mail-capable queues simple
        if (rnd(3) == 0) tr.preferred_agent = AgentId{1 + rnd(12)};
        ASSERT_TRUE(e_.taskTransferred(TaskId{id}, tr, now_).ok());
        t.agent = 0;
        t.pending = false;
        t.queue = static_cast<int>(tr.queue.value);
        t.preferred = tr.preferred_agent.value;
        t.missed.clear();
      }
    } else if (kind < 94) {  // abandon a waiting or offered task
      std::vector<std::int64_t> waiting;
      for (const auto& [id, t] : tasks_)
        if (!t.agent && !t.pending) waiting.push_back(id);
      if (waiting.empty()) return tickOnly();
      std::int64_t id = waiting[static_cast<std::size_t>(rnd(static_cast<int>(waiting.size())))];
      ASSERT_TRUE(e_.taskAbandoned(TaskId{id}, now_).ok());
      drain();
      tasks_.erase(id);
      return;
    } else {
      return tickOnly();
    }
    drain();
  }

  void tickOnly() {
    e_.tick(now_);
    drain();
  }

  bool eligibleFor(const AgentModel& a, const Requirement& r) const {
    if (r.alternatives.empty()) return true;
    for (const auto& alt : r.alternatives) {
      bool ok = true;
      for (const auto& s : alt) {
        auto it = a.skills.find(s.skill.value);
        ok = ok && it != a.skills.end() && it->second >= s.level;
      }
      if (ok) return true;
    }
    return false;
  }

  bool member(const AgentModel& a, QueueId q) const {
    return std::find(a.cfg.queues.begin(), a.cfg.queues.end(), q) != a.cfg.queues.end();
  }

  void drain() {
    for (const Decision& d : e_.takeDecisions()) {
      std::ostringstream line;
      line << toString(d.kind) << ' ' << d.task.value << ' ' << d.agent.value << ' ' << d.queue.value << ' '
           << d.at << ' ' << d.expires_at << ' ' << d.priority << ' ' << static_cast<int>(d.reason);
      log_.push_back(line.str());
      if (std::getenv("ROUTING_TRACE")) std::fprintf(stderr, "%s\n", line.str().c_str());
      auto it = tasks_.find(d.task.value);
      switch (d.kind) {
        case DecisionKind::Offer: {
          ++offers_seen;
          ASSERT_NE(it, tasks_.end());
          TaskModel& t = it->second;
          auto view = e_.task(d.task);
          ASSERT_TRUE(view);
          const AgentModel& a = agents_.at(d.agent.value);
          // Never an ineligible agent: skills (as currently required) and membership, or he is
          // the preferred agent the task was held for.
          bool preferred = t.preferred == d.agent.value;
          EXPECT_TRUE(preferred || (member(a, d.queue) && eligibleFor(a, view->requirement)))
              << "task " << d.task.value << " offered to ineligible agent " << d.agent.value;
          EXPECT_EQ(t.agent, 0) << "offered while assigned";
          t.offered.insert(d.agent.value);
          t.queue = static_cast<int>(d.queue.value);
          // Never offered to two agents at once unless the queue fans out.
          EXPECT_LE(static_cast<int>(t.offered.size()), fanout[t.queue]) << "task " << d.task.value;
          break;
        }
        case DecisionKind::Assigned: {
          ++assigned_seen;
          ASSERT_NE(it, tasks_.end());
          TaskModel& t = it->second;
          const AgentModel& a = agents_.at(d.agent.value);
          if (d.auto_accepted) {
            auto view = e_.task(d.task);
            EXPECT_TRUE(t.preferred == d.agent.value || (member(a, d.queue) && eligibleFor(a, view->requirement)));
          }
          t.offered.clear();
          t.agent = d.agent.value;
          t.pending = false;
          break;
        }
        case DecisionKind::OfferExpired:
          ASSERT_NE(it, tasks_.end());
          it->second.offered.erase(d.agent.value);
          it->second.missed[d.agent.value] = now_;
          break;
        case DecisionKind::OfferRevoked:
          ASSERT_NE(it, tasks_.end());
          it->second.offered.erase(d.agent.value);
          break;
        case DecisionKind::TaskEscalated:
          ++escalations_seen;
          ASSERT_NE(it, tasks_.end());
          it->second.queue = static_cast<int>(d.queue.value);
          break;
        case DecisionKind::AgentSetAway: ++away_seen; break;
        case DecisionKind::WrapUpEnded: break;
      }
    }
  }

  void checkInvariants() {
    // Capacity and cross-channel rules, and the engine's load equals what the decisions imply.
    std::map<std::int64_t, std::array<int, kMediaCount>> load;
    for (const auto& [id, t] : tasks_) {
      for (auto a : t.offered) ++load[a][static_cast<int>(t.media)];
      if (t.agent && !t.pending) ++load[t.agent][static_cast<int>(t.media)];
    }
    for (const auto& [id, a] : agents_) {
      auto v = e_.agent(AgentId{id});
      ASSERT_TRUE(v);
      std::array<int, kMediaCount> expect = load[id];
      EXPECT_EQ(v->load, expect) << "agent " << id << " at " << now_;
      for (int m = 0; m < kMediaCount; ++m) EXPECT_LE(v->load[m], v->capacity[m]) << "above capacity: agent " << id;
      if (v->load[kVoice] > 0) {
        EXPECT_EQ(v->load[kChat] + v->load[kMsg] + v->load[kMail], 0) << "voice blocks everything";
      }
    }
    // Engine's view of each task matches the model, and work conservation: no available agent
    // with room, skills and membership idles next to a waiting task he never declined lately.
    for (const auto& [id, t] : tasks_) {
      auto v = e_.task(TaskId{id});
      ASSERT_TRUE(v) << "task " << id;
      EXPECT_EQ(static_cast<int>(v->offered_to.size()), static_cast<int>(t.offered.size())) << "task " << id;
      if (v->state != TaskState::Waiting) continue;
      for (const auto& [aid, a] : agents_) {
        auto av = e_.agent(AgentId{aid});
        if (av->state != AgentState::Available || !member(a, v->queue)) continue;
        if (!eligibleFor(a, v->requirement)) continue;
        int m = static_cast<int>(v->media);
        if (av->load[m] >= av->capacity[m]) continue;
        std::uint8_t blocked = 0;
        for (int k = 0; k < kMediaCount; ++k)
          if (av->load[k] > 0) blocked |= a.cfg.rules.blocks[k];
        if (blocked & (1u << m)) continue;
        bool declined_lately = false;
        for (const auto& [tid, other] : tasks_)
          for (const auto& [who, when] : other.missed)
            if (who == aid && now_ - when < 15'000) declined_lately = true;
        if (declined_lately) continue;
        ADD_FAILURE() << "agent " << aid << " idles next to waiting task " << id << " at " << now_;
      }
    }
  }

  Engine e_;
  std::mt19937_64 rng_;
  TimestampMs now_ = kT0;
  int next_task_ = 1;
  std::map<int, QueueConfig> queues_;
  std::map<std::int64_t, AgentModel> agents_;
  std::map<std::int64_t, TaskModel> tasks_;
  std::vector<std::string> log_;
};

TEST(RoutingPropertyTest, RandomStreamsKeepCapacityEligibilitySingleOfferAndWorkConservation) {
  for (std::uint64_t seed : {1u, 2u, 3u, 42u, 2024u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomStream s(seed);
    s.run(4000);
    if (::testing::Test::HasFailure()) return;
    // The stream exercised what it claims to.
    EXPECT_GT(s.offers_seen, 500);
    EXPECT_GT(s.assigned_seen, 200);
    EXPECT_GT(s.escalations_seen, 0);
  }
}

TEST(RoutingPropertyTest, SameEventsGiveSameDecisions) {
  for (std::uint64_t seed : {7u, 8u}) {
    RandomStream a(seed), b(seed);
    auto la = a.run(3000);
    auto lb = b.run(3000);
    ASSERT_GT(la.size(), 1000u);
    EXPECT_EQ(la, lb);
  }
  RandomStream c(7), d(9);
  EXPECT_NE(c.run(500), d.run(500));
}

// FIFO within a priority: whenever a task is offered, no waiting task of the same class is
// ahead of it (higher priority, or same priority and older).
TEST(RoutingPropertyTest, OffersFollowPriorityThenAgeWithinAClass) {
  for (std::uint64_t seed : {11u, 12u, 13u}) {
    std::mt19937_64 rng(seed);
    Engine e;
    TimestampMs now = kT0;
    ASSERT_TRUE(e.configureQueue(queueCfg(1), now).ok());
    for (int a = 1; a <= 5; ++a) {
      ASSERT_TRUE(e.configureAgent(agentCfg(a, {1}), now).ok());
      ASSERT_TRUE(e.setAgentState(AgentId{a}, AgentState::Available, now).ok());
    }
    struct W {
      int priority;
      TimestampMs enq;
      std::int64_t id;
    };
    std::map<std::int64_t, W> waiting;
    std::vector<std::int64_t> assigned;
    std::int64_t next = 1;
    int checked = 0;
    for (int step = 0; step < 5000; ++step) {
      now += static_cast<TimestampMs>(rng() % 2000);
      if (rng() % 100 < 55) {
        TaskSpec t = taskSpec(static_cast<int>(next), 1, ChannelKind::WebChat, static_cast<int>(rng() % 4));
        if (rng() % 4 == 0) t.enqueued_at = now - static_cast<TimestampMs>(rng() % 200'000);
        waiting[next] = W{t.priority, t.enqueued_at ? t.enqueued_at : now, next};
        ++next;
        ASSERT_TRUE(e.taskArrived(t, now).ok());
      } else if (!assigned.empty()) {
        std::size_t i = static_cast<std::size_t>(rng() % assigned.size());
        ASSERT_TRUE(e.taskCompleted(TaskId{assigned[i]}, now).ok());
        assigned.erase(assigned.begin() + static_cast<std::ptrdiff_t>(i));
      }
      for (const Decision& d : e.takeDecisions()) {
        if (d.kind != DecisionKind::Offer) continue;
        const W w = waiting.at(d.task.value);
        waiting.erase(d.task.value);
        for (const auto& [id, o] : waiting) {
          bool ahead = o.priority > w.priority || (o.priority == w.priority && (o.enq < w.enq || (o.enq == w.enq && o.id < w.id)));
          EXPECT_FALSE(ahead) << "task " << id << " was ahead of offered task " << d.task.value;
        }
        ++checked;
        ASSERT_TRUE(e.offerAccepted(d.task, d.agent, now).ok());
        assigned.push_back(d.task.value);
      }
      e.clearDecisions();
    }
    EXPECT_GT(checked, 1000);
  }
}

// No starvation: urgent calls arrive faster than they are served (callers hang up after two
// minutes), yet low-priority tasks are served within a bound thanks to escalation. Without
// escalation they starve.
TEST(RoutingPropertyTest, EscalationPreventsStarvation) {
  auto run = [](bool escalate) {
    Engine e;
    TimestampMs now = kT0;
    QueueConfig q = queueCfg(1);
    if (escalate)
      for (int i = 1; i <= 10; ++i) q.escalation.push_back(EscalationStep{.after_ms = i * 30'000, .raise_priority_by = 1});
    EXPECT_TRUE(e.configureQueue(q, now).ok());
    AgentConfig a = agentCfg(1, {1});
    a.capacity = {1, 1, 1, 1};
    EXPECT_TRUE(e.configureAgent(a, now).ok());
    EXPECT_TRUE(e.setAgentState(AgentId{1}, AgentState::Available, now).ok());
    std::mt19937_64 rng(5);
    std::map<std::int64_t, TimestampMs> low_arrival;
    DurationMs worst = 0;
    std::int64_t next = 1;
    std::int64_t current = 0;
    TimestampMs busy_until = 0;
    std::vector<std::pair<std::int64_t, TimestampMs>> urgent;  // in arrival order
    std::size_t hung_up = 0;
    const TimestampMs end = kT0 + 3 * 3'600'000;
    for (; now < end; now += 1'000) {
      // Urgent: one every 9 s on average; service takes 10 s: the urgent backlog only grows.
      if (rng() % 9 == 0) {
        urgent.emplace_back(next, now);
        EXPECT_TRUE(e.taskArrived(taskSpec(static_cast<int>(next++), 1, ChannelKind::WebChat, 5), now).ok());
      }
      for (; hung_up < urgent.size() && urgent[hung_up].second <= now - 120'000; ++hung_up) {
        auto v = e.task(TaskId{urgent[hung_up].first});
        if (v && v->state == TaskState::Waiting) {
          EXPECT_TRUE(e.taskAbandoned(v->id, now).ok());
        }
      }
      if (now % 300'000 == 0) {
        low_arrival[next] = now;
        EXPECT_TRUE(e.taskArrived(taskSpec(static_cast<int>(next++), 1, ChannelKind::WebChat, 0), now).ok());
      }
      if (current && now >= busy_until) {
        EXPECT_TRUE(e.taskCompleted(TaskId{current}, now).ok());
        current = 0;
      }
      e.tick(now);
      for (const Decision& d : e.takeDecisions()) {
        if (d.kind != DecisionKind::Offer) continue;
        EXPECT_TRUE(e.offerAccepted(d.task, d.agent, now).ok());
        current = d.task.value;
        busy_until = now + 10'000;
        if (auto it = low_arrival.find(d.task.value); it != low_arrival.end()) {
          worst = std::max(worst, now - it->second);
          low_arrival.erase(it);
        }
      }
    }
    for (const auto& [id, at] : low_arrival)
      if (end - at > 10 * 60'000) worst = std::max(worst, end - at);
    return worst;
  };
  DurationMs with = run(true);
  DurationMs without = run(false);
  EXPECT_LE(with, 6 * 60'000) << "low-priority tasks are served within 6 minutes with escalation";
  EXPECT_GT(without, 60 * 60'000) << "control: without escalation they starve";
}

// Task side: an arriving task is offered to the best-ranked ready agents who may take it, in rank
// order, skipping the ones who lack its skills. A model ranks 300 agents by the queue's strategy
// (longest idle: login or last offer or completion; round robin: last offer from this queue),
// ties by configuration order, across fan-outs of 1 to 5.
TEST(RoutingPropertyTest, OffersGoToTheBestRankedEligibleReadyAgents) {
  std::mt19937_64 rng(31);
  auto rnd = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  Engine e;
  TimestampMs now = kT0;
  constexpr int kAgentsN = 300, kQueuesN = 6, kSkillsN = 6;
  const std::array<int, kQueuesN> fanouts = {1, 2, 3, 5, 1, 4};
  for (int q = 1; q <= kQueuesN; ++q) {
    QueueConfig c = queueCfg(q, q <= 3 ? Strategy::LongestIdle : Strategy::RoundRobin);
    c.offer_fanout = fanouts[static_cast<std::size_t>(q - 1)];
    ASSERT_TRUE(e.configureQueue(c, now).ok());
  }
  struct M {
    std::array<int, kSkillsN + 1> level{};
    TimestampMs idle_since = 0;
    std::array<std::uint64_t, kQueuesN + 1> rr{};
    bool busy = false;
  };
  std::vector<M> agents(kAgentsN + 1);
  std::array<std::uint64_t, kQueuesN + 1> rr_clock{};
  for (int a = 1; a <= kAgentsN; ++a) {
    AgentConfig c = agentCfg(a, {1, 2, 3, 4, 5, 6});
    c.capacity = {1, 1, 1, 1};
    for (int s = 1; s <= kSkillsN; ++s)
      if (rnd(3) == 0) {
        agents[static_cast<std::size_t>(a)].level[static_cast<std::size_t>(s)] = 1 + rnd(5);
        c.skills.push_back(sk(s, agents[static_cast<std::size_t>(a)].level[static_cast<std::size_t>(s)]));
      }
    now += 1 + rnd(3);
    ASSERT_TRUE(e.configureAgent(c, now).ok());
    ASSERT_TRUE(e.setAgentState(AgentId{a}, AgentState::Available, now).ok());
    agents[static_cast<std::size_t>(a)].idle_since = now;
  }
  e.clearDecisions();
  std::vector<std::int64_t> held;  // assigned tasks
  std::vector<Decision> ds;
  int checked = 0, skipped_ineligible = 0;
  for (int step = 0; step < 4000; ++step) {
    now += rnd(3);
    if (!held.empty() && rnd(5) < 2) {  // a completion: that agent is idle again from now
      std::size_t i = static_cast<std::size_t>(rnd(static_cast<int>(held.size())));
      std::int64_t id = held[i];
      held[i] = held.back();
      held.pop_back();
      auto v = e.task(TaskId{id});
      ASSERT_TRUE(v);
      M& m = agents[static_cast<std::size_t>(v->agent.value)];
      m.busy = false;
      m.idle_since = std::max(m.idle_since, now);
      ASSERT_TRUE(e.taskCompleted(TaskId{id}, now).ok());
      e.drainDecisions(ds);
      EXPECT_TRUE(ds.empty()) << "nothing waits, so nothing to offer him";
      continue;
    }
    int q = 1 + rnd(kQueuesN);
    int skill = rnd(kSkillsN + 1), level = 1 + rnd(5);  // skill 0: anyone
    // The model's ranking of the ready agents who may take it.
    std::vector<std::pair<std::int64_t, int>> ranked;
    std::pair<std::int64_t, int> best_ready{INT64_MAX, 0};  // skills aside
    for (int a = 1; a <= kAgentsN; ++a) {
      const M& m = agents[static_cast<std::size_t>(a)];
      if (m.busy) continue;
      std::pair<std::int64_t, int> key{q <= 3 ? m.idle_since : static_cast<std::int64_t>(m.rr[static_cast<std::size_t>(q)]), a};
      best_ready = std::min(best_ready, key);
      if (skill && m.level[static_cast<std::size_t>(skill)] < level) continue;
      ranked.push_back(key);
    }
    if (ranked.empty()) continue;  // it would wait: keep the model simple
    std::sort(ranked.begin(), ranked.end());
    TaskSpec t = taskSpec(100'000 + step, q);
    if (skill) t.requirement = Requirement::all({sk(skill, level)});
    ASSERT_TRUE(e.taskArrived(t, now).ok());
    e.drainDecisions(ds);
    std::size_t n = std::min<std::size_t>(ranked.size(), static_cast<std::size_t>(fanouts[static_cast<std::size_t>(q - 1)]));
    ASSERT_EQ(ds.size(), n) << "step " << step;
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(ds[i].kind, DecisionKind::Offer);
      EXPECT_EQ(ds[i].agent.value, ranked[i].second) << "step " << step << ", offer " << i;
      M& m = agents[static_cast<std::size_t>(ranked[i].second)];
      m.idle_since = now;
      m.rr[static_cast<std::size_t>(q)] = ++rr_clock[static_cast<std::size_t>(q)];
    }
    if (ranked.front() != best_ready) ++skipped_ineligible;
    ++checked;
    // One of them accepts; the others' offers are withdrawn and they stay ready.
    std::size_t winner = static_cast<std::size_t>(rnd(static_cast<int>(n)));
    ASSERT_TRUE(e.offerAccepted(TaskId{t.id}, ds[winner].agent, now).ok());
    agents[static_cast<std::size_t>(ds[winner].agent.value)].busy = true;
    held.push_back(t.id.value);
    e.clearDecisions();
  }
  EXPECT_GT(checked, 1500);
  EXPECT_GT(skipped_ineligible, 500);
}

// drainDecisions hands over the same decisions as takeDecisions and keeps the buffers apart.
TEST_F(RoutingEngineTest, DrainDecisionsHandsOverTheDecisionsIntoTheCallersBuffer) {
  queue(queueCfg(1));
  agent(agentCfg(10, {1}));
  e.clearDecisions();
  std::vector<Decision> ds(5);  // old contents are dropped
  must(e.taskArrived(taskSpec(100, 1), now));
  e.drainDecisions(ds);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, DecisionKind::Offer);
  EXPECT_TRUE(e.decisions().empty());
  must(e.offerAccepted(TaskId{100}, AgentId{10}, now));
  EXPECT_EQ(ds.size(), 1u) << "the caller's buffer is not written by later events";
  e.drainDecisions(ds);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, DecisionKind::Assigned);
  e.drainDecisions(ds);
  EXPECT_TRUE(ds.empty());
}

// An answer is matched to the agent's open offers first (the engine looks there before its task
// index): every combination of known/unknown, offered/not offered keeps its answer.
TEST_F(RoutingEngineTest, AnswersAreMatchedToTheAgentsOpenOffers) {
  QueueConfig q = queueCfg(1);
  q.offer_timeout_ms = 10'000;
  queue(q);
  queue(queueCfg(2));
  AgentConfig a10 = agentCfg(10, {1});
  a10.capacity = {1, 2, 8, 10};
  agent(a10);
  agent(agentCfg(11, {2}));
  e.clearDecisions();
  EXPECT_EQ(offeredTo(arrive(taskSpec(1, 1)), 1), 10);
  now += 1;
  EXPECT_EQ(offeredTo(arrive(taskSpec(2, 1)), 2), 10);
  EXPECT_EQ(e.agent(AgentId{10})->offered.size(), 2u);
  EXPECT_EQ(e.offerAccepted(TaskId{2}, AgentId{11}, now).error().code, ErrorCode::Conflict);  // not his
  EXPECT_EQ(e.offerRejected(TaskId{2}, AgentId{11}, now).error().code, ErrorCode::Conflict);
  EXPECT_EQ(e.offerAccepted(TaskId{3}, AgentId{10}, now).error().code, ErrorCode::NotFound);  // no such task
  EXPECT_EQ(e.offerAccepted(TaskId{2}, AgentId{99}, now).error().code, ErrorCode::NotFound);  // no such agent
  EXPECT_EQ(e.offerAccepted(TaskId{0}, AgentId{10}, now).error().code, ErrorCode::NotFound);
  must(e.offerAccepted(TaskId{2}, AgentId{10}, now));
  auto ds = e.takeDecisions();
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, DecisionKind::Assigned);
  EXPECT_EQ(ds[0].task, TaskId{2});
  EXPECT_EQ(state(1), TaskState::Offered);
  EXPECT_EQ(e.offerAccepted(TaskId{2}, AgentId{10}, now).error().code, ErrorCode::Conflict);  // answered
  // The offer of task 1 expires at kT0 + 10 s: an accept at that time comes too late, although
  // the offer was still in his list when the call came in.
  now = kT0 + 10'000;
  EXPECT_EQ(e.offerAccepted(TaskId{1}, AgentId{10}, now).error().code, ErrorCode::Conflict);
  EXPECT_EQ(ofKind(e.takeDecisions(), DecisionKind::OfferExpired).size(), 1u);
  EXPECT_EQ(state(1), TaskState::Waiting);
  EXPECT_EQ(e.agent(AgentId{10})->load[kChat], 1);
}

// An agent the head of a class skips (he declined it lately) is offered the next task of that
// class in queue order: priority, then age.
TEST_F(RoutingEngineTest, AnAgentSkippedByTheHeadOfAClassGetsTheNextTaskInQueueOrder) {
  queue(queueCfg(1));
  AgentConfig a = agentCfg(10, {1});
  a.capacity = {1, 1, 8, 10};
  agent(a, AgentState::Away);
  const int priority[] = {0, 0, 2, 1, 0, 2, 1, 0, 1};  // tasks 1..9
  for (int i = 0; i < 9; ++i) {
    must(e.taskArrived(taskSpec(i + 1, 1, ChannelKind::WebChat, priority[i]), now));
    now += 1;
  }
  must(e.setAgentState(AgentId{10}, AgentState::Available, now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 3), 10);  // the head: priority 2, oldest
  must(e.offerRejected(TaskId{3}, AgentId{10}, now));
  auto ds = e.takeDecisions();
  EXPECT_EQ(offeredTo(ds, 6), 10) << "the other priority-2 task comes next";
  EXPECT_EQ(ofKind(ds, DecisionKind::Offer).size(), 1u);
  EXPECT_EQ(state(3), TaskState::Waiting);
}

// Skills and queue requirements may change at any time; eligibility follows at once, for the
// tasks that need the queue's (new) requirement and for those that kept an older one.
TEST_F(RoutingEngineTest, ReconfiguredSkillsAndRequirementsTakeEffectAtOnce) {
  QueueConfig q = queueCfg(1);
  q.requirement = Requirement::all({sk(1, 3)});
  queue(q);
  agent(agentCfg(10, {1}, {sk(1, 2)}));
  e.clearDecisions();
  EXPECT_TRUE(ofKind(arrive(taskSpec(1, 1)), DecisionKind::Offer).empty()) << "level 2 < 3";
  must(e.configureAgent(agentCfg(10, {1}, {sk(1, 3)}), now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 1), 10);
  accept(1, 10);
  must(e.taskCompleted(TaskId{1}, now));
  // The queue now needs skill 2: a task that arrived before keeps needing skill 1 at level 3
  // (which he has), a new one needs skill 2 (which he lacks).
  must(e.setAgentState(AgentId{10}, AgentState::Away, now));
  arrive(taskSpec(2, 1));
  q.requirement = Requirement::all({sk(2, 1)});
  queue(q);
  arrive(taskSpec(3, 1));
  must(e.setAgentState(AgentId{10}, AgentState::Available, now));
  auto ds = e.takeDecisions();
  EXPECT_EQ(offeredTo(ds, 2), 10);
  EXPECT_EQ(offeredTo(ds, 3), 0) << "no skill 2";
  must(e.configureAgent(agentCfg(10, {1}, {sk(1, 3), sk(2, 1)}), now));
  EXPECT_EQ(offeredTo(e.takeDecisions(), 3), 10);
}

// An agent's rank in a queue he is idle in follows what he does in his other queues (his idle
// time moves on with each offer there), although that queue's index is not walked meanwhile.
TEST_F(RoutingEngineTest, RankingFollowsWorkDoneInOtherQueues) {
  queue(queueCfg(1));
  queue(queueCfg(2));
  agent(agentCfg(10, {1, 2}, {sk(1, 1)}));
  agent(agentCfg(11, {1, 2}, {sk(1, 1), sk(9, 1)}));
  agent(agentCfg(12, {1, 2}, {sk(1, 1)}));
  e.clearDecisions();
  now += 1;
  int a = offeredTo(arrive(taskSpec(1, 2)), 1);  // idle since login, ties by slot
  EXPECT_EQ(a, 10);
  accept(1, a);
  now += 1;
  EXPECT_EQ(offeredTo(arrive(taskSpec(2, 2)), 2), 11);
  accept(2, 11);
  now += 1;
  EXPECT_EQ(offeredTo(arrive(taskSpec(3, 1)), 3), 12) << "12 is the one idle longest now";
  accept(3, 12);
  now += 1;
  EXPECT_EQ(offeredTo(arrive(taskSpec(4, 1)), 4), 10);
  accept(4, 10);
  now += 1;
  TaskSpec t = taskSpec(5, 1);
  t.requirement = Requirement::all({sk(9, 1)});
  EXPECT_EQ(offeredTo(arrive(t), 5), 11) << "the only one with skill 9, though ranked last";
  now += 1;
  EXPECT_EQ(offeredTo(arrive(taskSpec(6, 1)), 6), 12);
}

// An agent's memberships and open offers are kept inside his record up to four of each and move
// to the heap beyond that (and back): with six queues and six open offers everything still works,
// in order.
TEST_F(RoutingEngineTest, AnAgentInSixQueuesWithSixOpenOffers) {
  for (int q = 1; q <= 6; ++q) queue(queueCfg(q));
  agent(agentCfg(10, {1, 2, 3, 4, 5, 6}));
  e.clearDecisions();
  for (int t = 1; t <= 6; ++t) {
    EXPECT_EQ(offeredTo(arrive(taskSpec(t, t, ChannelKind::Email)), t), 10) << "task " << t;
    now += 1;
  }
  auto offered = [&] {
    std::vector<std::int64_t> ids;
    auto view = e.agent(AgentId{10});
    for (TaskId t : view->offered) ids.push_back(t.value);
    return ids;
  };
  EXPECT_EQ(offered(), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(e.agent(AgentId{10})->load[kMail], 6);
  must(e.offerRejected(TaskId{3}, AgentId{10}, now));
  e.clearDecisions();
  accept(5, 10);
  EXPECT_EQ(offered(), (std::vector<std::int64_t>{1, 2, 4, 6}));
  for (int q = 1; q <= 6; ++q) EXPECT_EQ(e.queueStats(QueueId{q}, now)->agents_busy, 1) << "queue " << q;
  // Away withdraws his four open offers in the order they were made.
  must(e.setAgentState(AgentId{10}, AgentState::Away, now));
  std::vector<std::int64_t> revoked;
  for (const Decision& d : ofKind(e.takeDecisions(), DecisionKind::OfferRevoked)) revoked.push_back(d.task.value);
  EXPECT_EQ(revoked, (std::vector<std::int64_t>{1, 2, 4, 6}));
  EXPECT_EQ(e.agent(AgentId{10})->load[kMail], 1);  // task 5, assigned
  // Down to two queues: he serves only those, and the other four no longer count him.
  must(e.configureAgent(agentCfg(10, {2, 6}), now));
  now += 60'000;  // past the reoffer delay of task 3
  must(e.setAgentState(AgentId{10}, AgentState::Available, now));
  auto ds = e.takeDecisions();
  EXPECT_EQ(offeredTo(ds, 2), 10);
  EXPECT_EQ(offeredTo(ds, 6), 10);
  EXPECT_EQ(ofKind(ds, DecisionKind::Offer).size(), 2u);
  EXPECT_EQ(e.queueStats(QueueId{1}, now)->agents_logged_in, 0);
  EXPECT_EQ(e.queueStats(QueueId{6}, now)->agents_busy, 1);
}

}  // namespace
}  // namespace parley::core::routing
