// DESIGN: delivers outbox items (durable rows written in the reply's transaction) through the
// channel gateways, on its own thread, never on an I/O thread. Each attempt's outcome is
// recorded: delivered -> done and the message "sent"; temporary failure -> retry with
// exponential back-off (1 s doubling, at most 10 min, or the receiver's Retry-After);
// permanent failure or an exhausted retry budget -> failed, and the reason is shown on the
// message.
//
// Rate limits, per sender (inbox): a token bucket per inbox (policy.send_rate: the provider's
// documented rate or the inbox's max_messages_per_second) holds an item back without spending
// an attempt: it is moved to the time its inbox has a token again, so other inboxes' items keep
// flowing. Where the provider limits each recipient too (ChannelGateway::recipientLimit:
// Telegram's per chat), a bucket per (inbox, recipient) holds the item the same way. A provider's "too many requests" (DeliveryResult::throttle) pauses the whole inbox
// until its Retry-After (or only that item, for a recipient-pair limit) and spends no attempt
// either, up to policy.max_throttled such answers per item; beyond that they count as attempts.
//
// Never twice after a crash: before calling a gateway that cannot drop a repeat
// (idempotentResend() false: WhatsApp, Messenger/Instagram, Telegram, Twilio, X), the item is
// marked "sending" (sending_since) and committed; the outcome clears the mark. An item found
// still marked (on start, or when the mark's lease of policy.send_lease_ms ran out) may or may
// not have reached the customer: it is not sent again but failed with kInterruptedReason, and
// the agent can check and resend it (DeskService::retryMessage). Items of gateways that can
// drop a repeat (the API channel's idempotency key, e-mail's Message-ID, web chat) are sent
// again with the same payload, as before. The mark is also a claim (markOutboxSending checks
// it), so two workers never send one item at once. With several nodes on one database, a node
// that starts while another is in the middle of a send fails that message too (it cannot tell a
// live sender from a dead one): a false "check and resend", never a double send.
//
// The provider's echo: Messenger, Instagram and X echo every message the account sends, and the
// echo may arrive while the send call still waits for its answer. It then records its provider
// id on the reply (app/echo_claim.hpp), which proves the provider sent it: an attempt that
// fails, times out or is interrupted after that is recorded as done and the message as sent
// (DeskService::recordSendOutcome), so it is neither failed nor sent again.
// An echo that arrives after an attempt timed out or failed for now, while the item waits for
// its retry, finishes the item itself (done, the message sent): the retry's mark then finds it
// done and nothing is sent again.
// stop() finishes the attempt in hand.
//
// Several workers: main runs `outbox_workers` of them, each for one shard of the inboxes
// (OutboxShard: inbox_id modulo the count). An inbox's items are only ever taken by its shard's
// worker, so they go out one after the other, in order, and its rate limiters live in that one
// worker; a receiver that takes its time (an attempt waits up to the gateway's time-out) holds up
// the inboxes of its shard only. Crash recovery is per shard as well, so no worker takes
// another's item in its send call for an interrupted one.
#pragma once

#include <atomic>
#include <memory>
#include <vector>
#include <functional>
#include <string_view>

#include "app/background_loop.hpp"
#include "app/channel_gateway.hpp"
#include "app/clock.hpp"
#include "app/desk_service.hpp"
#include "app/send_rate_limiter.hpp"
#include "app/store.hpp"

namespace parley::app {

struct OutboxPolicy {
  int max_attempts = 10;
  core::TimestampMs first_backoff_ms = 1000;
  core::TimestampMs max_backoff_ms = 10 * 60 * 1000;
  int batch = 32;
  std::chrono::milliseconds idle_poll{250};
  // The sending rate of an inbox (channels::inboxSendRate in production); unset: no own limit.
  std::function<SendRate(const core::Inbox&)> send_rate;
  int max_throttled = 20;                                 // "too many requests" answers not counted as attempts
  core::TimestampMs max_pause_ms = 24 * 60 * 60 * 1000;   // longest pause a provider can ask for
  core::TimestampMs max_retry_after_ms = 60 * 60 * 1000;  // longest wait a failed attempt's Retry-After gets
  core::TimestampMs send_lease_ms = 10 * 60 * 1000;      // a "sending" mark older than this is an interrupted attempt
  std::size_t max_inboxes = 10'000;                       // inboxes the rate limiter remembers
  OutboxShard shard;                                      // the inboxes this worker delivers for
};

// The reason on a message whose attempt was interrupted (the desk offers "Resend").
inline constexpr std::string_view kInterruptedReason =
    "Parley stopped while this message was being sent; it may or may not have reached the customer — check and resend";

class OutboxWorker {
 public:
  OutboxWorker(Store& store, DeskService& desk, const Clock& clock, ChannelGateways gateways, OutboxPolicy policy = {});

  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  void requestStop() { loop_.requestStop(); }  // stop() without waiting for the attempt in hand
  void wake() { loop_.wake(); }  // a new item was enqueued
  // One pass over due items (tests call it directly); returns the number of attempts made.
  int runOnce();

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t failed() const { return failed_; }
  std::uint64_t throttled() const { return throttled_; }

 private:
  // Items still marked "sending" from before this worker started; returns how many it handled.
  int recoverInterrupted();
  // An attempt that never recorded its outcome: failed for gateways that cannot drop a repeat,
  // otherwise made due again.
  void interrupted(const core::OutboxItem& item, const ChannelGateway* gateway);
  void postpone(const core::OutboxItem& item, core::TimestampMs until);
  // was_sending: the item was marked "sending" for this attempt (see DeskService::recordSendOutcome).
  void record(const core::OutboxItem& item, const DeliveryResult& outcome, bool was_sending);

  Store& store_;
  DeskService& desk_;
  const Clock& clock_;
  ChannelGateways gateways_;
  OutboxPolicy policy_;
  SendRateLimiter limiter_;  // only the worker's thread (runOnce) touches it
  RecipientRateLimiter recipients_;  // the same
  bool recovered_ = false;
  std::atomic<std::uint64_t> delivered_{0}, failed_{0}, throttled_{0};
  BackgroundLoop loop_;  // last: its thread must stop before the members above go
};

// `count` workers, one per shard of the inboxes (see the DESIGN comment), started, woken and
// stopped together; their counters summed for /metrics.
class OutboxWorkers {
 public:
  OutboxWorkers(Store& store, DeskService& desk, const Clock& clock, const ChannelGateways& gateways, OutboxPolicy policy,
                int count);
  void start();
  void stop();  // every worker finishes the attempt in hand
  void wake();
  std::uint64_t delivered() const;
  std::uint64_t failed() const;

 private:
  std::vector<std::unique_ptr<OutboxWorker>> workers_;
};

}  // namespace parley::app
