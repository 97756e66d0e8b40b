// DESIGN: delivers outbox items (durable rows written in the reply's transaction) through the
// channel gateways, on its own thread, never on an I/O thread. Each attempt's outcome is
// recorded: delivered -> done and the message "sent"; temporary failure -> retry with
// exponential back-off (1 s doubling, at most 10 min, or the receiver's Retry-After);
// permanent failure or an exhausted retry budget -> failed, and the reason is shown on the
// message. A crash between a send and its record re-sends on restart with the same
// idempotency key, so the receiver can drop the repeat. stop() finishes the attempt in hand.
#pragma once

#include <atomic>

#include "app/background_loop.hpp"
#include "app/channel_gateway.hpp"
#include "app/clock.hpp"
#include "app/desk_service.hpp"
#include "app/store.hpp"

namespace parley::app {

struct OutboxPolicy {
  int max_attempts = 10;
  core::TimestampMs first_backoff_ms = 1000;
  core::TimestampMs max_backoff_ms = 10 * 60 * 1000;
  int batch = 32;
  std::chrono::milliseconds idle_poll{250};
};

class OutboxWorker {
 public:
  OutboxWorker(Store& store, DeskService& desk, const Clock& clock, ChannelGateways gateways, OutboxPolicy policy = {});

  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  void wake() { loop_.wake(); }  // a new item was enqueued
  // One pass over due items (tests call it directly); returns the number of attempts made.
  int runOnce();

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t failed() const { return failed_; }

 private:
  void record(const core::OutboxItem& item, const DeliveryResult& outcome);

  Store& store_;
  DeskService& desk_;
  const Clock& clock_;
  ChannelGateways gateways_;
  OutboxPolicy policy_;
  std::atomic<std::uint64_t> delivered_{0}, failed_{0};
  BackgroundLoop loop_;  // last: its thread must stop before the members above go
};

}  // namespace parley::app
