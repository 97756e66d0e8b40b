// DESIGN: how fast the outbox may send per sender (an inbox: a WhatsApp phone number, a page, a
// bot, an account). A token bucket per inbox keeps the worker under the provider's documented
// rate (channels/common/send_rate.hpp has the defaults); a provider's "too many requests"
// pauses the inbox until its Retry-After. Both live in memory only, on the outbox worker's
// thread: after a restart the buckets start full, which the providers' own 429s then correct.
// The map is bounded (max_inboxes): idle inboxes (bucket full, not paused) go first, then the
// one used longest ago, and a pause in force last.
#pragma once

#include <cstddef>
#include <cstdint>
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

}  // namespace parley::app
