// DESIGN: names the customers of channels that know them by an opaque id (Messenger's PSID,
// Instagram's IGSID): when such a customer first writes, the contact is created with that id as
// its name; this fetcher then asks the channel's profile API for the real name, on its own
// thread, never on the webhook's request path.
//  - Fed by the bus: every "conversation.created" queues (tenant, inbox, contact) — the handler
//    only appends to a bounded queue (queue_limit; beyond it the job is dropped and counted).
//  - A pass takes the due jobs: reads the inbox, the contact and its identities; skips contacts
//    that already have a real name (anything but the channel's id: an agent's rename is never
//    overwritten) and channels without profiles (ChannelGateway::fetchProfile is Unsupported);
//    asks the gateway; then, in one transaction, sets the name if the contact still has none and
//    publishes "contact.updated".
//  - A temporary error (Unavailable: 429, 5xx, network) is tried again with back-off up to
//    max_attempts; any other (a missing permission, an unknown id, a revoked token) ends the job:
//    logged once per inbox and reason, the contact remembered (a bounded set), so it is not
//    asked again in this run.
// The queue lives in memory: a restart forgets jobs in flight, and those contacts keep the id as
// their name until an agent renames them.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "app/background_loop.hpp"
#include "app/channel_gateway.hpp"
#include "app/clock.hpp"
#include "app/events.hpp"
#include "app/store.hpp"

namespace parley::app {

struct ProfileFetchPolicy {
  std::size_t queue_limit = 1000;
  int max_attempts = 4;
  core::TimestampMs first_backoff_ms = 2000;
  std::size_t remembered_failures = 10'000;
  std::chrono::milliseconds idle_poll{500};
};

class ProfileFetcher {
 public:
  ProfileFetcher(Store& store, EventBus& bus, const Clock& clock, ChannelGateways gateways, ProfileFetchPolicy policy = {});

  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  // From a bus handler: queues the contact of a new conversation. Never blocks on I/O.
  void onEvent(const Event& event);
  // False when the queue is full (the job is dropped).
  bool enqueue(core::TenantId tenant, core::InboxId inbox, core::ContactId contact);
  int runOnce();  // one pass over the due jobs; returns how many were tried

  std::uint64_t named() const { return named_; }
  std::uint64_t failed() const { return failed_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  struct Job {
    core::TenantId tenant;
    core::InboxId inbox;
    core::ContactId contact;
    int attempts = 0;
    core::TimestampMs due = 0;
  };
  // Returns true when the job is done (named, skipped or given up), false to try again.
  bool fetchOne(Job& job);
  void giveUp(const Job& job, const core::Inbox& inbox, const std::string& channel, const std::string& reason);

  Store& store_;
  EventBus& bus_;
  const Clock& clock_;
  ChannelGateways gateways_;
  ProfileFetchPolicy policy_;
  std::mutex mutex_;
  std::deque<Job> queue_;
  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t>> gave_up_;  // (tenant, inbox, contact)
  std::set<std::pair<std::int64_t, std::string>> logged_;                   // (inbox, reason) already logged
  std::set<std::int64_t> without_profiles_;  // inboxes whose channel has no profile API: never queued
  std::atomic<std::uint64_t> named_{0}, failed_{0}, dropped_{0};
  BackgroundLoop loop_;  // last: its thread stops before the members above go
};

}  // namespace parley::app
