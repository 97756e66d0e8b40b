// DESIGN: a fixed-window counter per key (an account, an address) with a bounded number of
// keys. Pure: the caller passes the time. Used to slow down password guessing at login.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "core/ids.hpp"

namespace parley::core {

class WindowRateLimiter {
 public:
  WindowRateLimiter(int max_per_window, TimestampMs window_ms, std::size_t max_keys = 100'000)
      : max_(max_per_window), window_ms_(window_ms), max_keys_(max_keys) {}

  // Counts one attempt for `key` at `now`; false when the key is over its limit in this window.
  bool tryAcquire(const std::string& key, TimestampMs now);
  // Milliseconds until the key may try again (0 when it may now).
  TimestampMs retryAfter(const std::string& key, TimestampMs now) const;
  void reset(const std::string& key) { windows_.erase(key); }
  std::size_t size() const { return windows_.size(); }

 private:
  struct Window {
    TimestampMs start = 0;
    int count = 0;
  };
  void evictExpired(TimestampMs now);

  int max_;
  TimestampMs window_ms_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace parley::core
