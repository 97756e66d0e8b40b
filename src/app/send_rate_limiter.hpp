// DESIGN: how fast the outbox may send per sender (an inbox: a WhatsApp phone number, a page, a
// bot, an account). A token bucket per inbox keeps the worker under the provider's documented
// rate (channels/common/send_rate.hpp has the defaults); a provider's "too many requests"
// pauses the inbox until its Retry-After. Both live in memory only, on the outbox worker's
// thread: after a restart the buckets start full, which the providers' own 429s then correct.
// The map is bounded (max_inboxes): idle inboxes (bucket full, not paused) go first, then the
// one used longest ago, and a pause in force last.
//
// Some providers limit a sender per recipient as well (Telegram: about one message a second in
// one chat, 20 a minute in a group; ChannelGateway::recipientLimit). RecipientRateLimiter keeps
// a token bucket per (inbox, recipient), in memory like the other: bounded (max_recipients, the
// one used longest ago goes first) and expiring (an entry untouched for idle_ms is dropped: its
// bucket would be full again anyway).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/ids.hpp"

namespace parley::app {

struct SendRate {
  double per_second = 0;  // 0: no limit of our own (the provider's 429 still pauses)
  double burst = 0;       // how many may go at once after a quiet time (at least 1)
};

class SendRateLimiter {
 public:
  explicit SendRateLimiter(std::size_t max_inboxes = 10'000) : max_inboxes_(max_inboxes < 1 ? 1 : max_inboxes) {}

  // When the next message of `inbox` may go: `now` (a token is taken), or a later time
  // (nothing is taken): the end of a pause, or when the bucket has a token again.
  core::TimestampMs acquire(core::InboxId inbox, const SendRate& rate, core::TimestampMs now);
  // The provider throttled the whole inbox: nothing of it goes before `until`.
  void pause(core::InboxId inbox, core::TimestampMs until, core::TimestampMs now);
  core::TimestampMs pausedUntil(core::InboxId inbox) const;
  std::size_t size() const { return inboxes_.size(); }

 private:
  struct State {
    double tokens = 0;
    core::TimestampMs refilled_at = 0;
    core::TimestampMs paused_until = 0;
    core::TimestampMs used_at = 0;
    bool limited = false;  // has a bucket (a rate was given)
  };
  State& slot(core::InboxId inbox, core::TimestampMs now);
  void evictOne(core::TimestampMs now);

  std::size_t max_inboxes_;
  std::unordered_map<std::int64_t, State> inboxes_;
};

class RecipientRateLimiter {
 public:
  explicit RecipientRateLimiter(std::size_t max_recipients = 100'000, core::TimestampMs idle_ms = 10 * 60 * 1000)
      : max_recipients_(max_recipients < 1 ? 1 : max_recipients), idle_ms_(idle_ms) {}

  // When the next message to `recipient` of `inbox` may go: `now` or later. Takes nothing.
  core::TimestampMs nextFree(core::InboxId inbox, std::string_view recipient, const SendRate& rate, core::TimestampMs now);
  // The message goes now: takes a token (the bucket may go below one after a nextFree that said
  // later; the caller asked first).
  void take(core::InboxId inbox, std::string_view recipient, const SendRate& rate, core::TimestampMs now);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string key;
    double tokens = 0;
    core::TimestampMs refilled_at = 0;
    core::TimestampMs used_at = 0;
  };
  using Lru = std::list<Entry>;  // most recently used first
  // The entry, refilled to `now` (created full when new); expired entries are dropped first.
  Entry& refreshed(core::InboxId inbox, std::string_view recipient, const SendRate& rate, core::TimestampMs now);

  std::size_t max_recipients_;
  core::TimestampMs idle_ms_;
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator> entries_;
};

}  // namespace parley::app
