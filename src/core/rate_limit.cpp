#include "core/rate_limit.hpp"

namespace parley::core {

void WindowRateLimiter::evictExpired(TimestampMs now) {
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (now - it->second.start >= window_ms_) {
      it = windows_.erase(it);
    } else {
      ++it;
    }
  }
}

bool WindowRateLimiter::tryAcquire(const std::string& key, TimestampMs now) {
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    if (windows_.size() >= max_keys_) evictExpired(now);
    // Still full of live windows: refuse new keys rather than grow without bound.
    if (windows_.size() >= max_keys_) return false;
    it = windows_.emplace(key, Window{now, 0}).first;
  }
  Window& w = it->second;
  if (now - w.start >= window_ms_) w = Window{now, 0};
  if (w.count >= max_) return false;
  ++w.count;
  return true;
}

TimestampMs WindowRateLimiter::retryAfter(const std::string& key, TimestampMs now) const {
  auto it = windows_.find(key);
  if (it == windows_.end() || it->second.count < max_) return 0;
  TimestampMs left = it->second.start + window_ms_ - now;
  return left > 0 ? left : 0;
}

}  // namespace parley::core
