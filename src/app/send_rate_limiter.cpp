#include "app/send_rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace parley::app {

SendRateLimiter::State& SendRateLimiter::slot(core::InboxId inbox, core::TimestampMs now) {
  auto it = inboxes_.find(inbox.value);
  if (it != inboxes_.end()) return it->second;
  if (inboxes_.size() >= max_inboxes_) evictOne(now);
  return inboxes_[inbox.value];
}

void SendRateLimiter::evictOne(core::TimestampMs now) {
  // An idle entry first (no pause in force, and its bucket would be full by now: forgetting it
  // changes nothing), else the least recently used one without a pause, else the pause that
  // ends first (forgetting a pause costs at most another "too many requests").
  auto victim = inboxes_.end();
  auto better = [now](const State& a, const State& b) {
    const bool a_paused = a.paused_until > now, b_paused = b.paused_until > now;
    if (a_paused != b_paused) return !a_paused;
    return a_paused ? a.paused_until < b.paused_until : a.used_at < b.used_at;
  };
  for (auto it = inboxes_.begin(); it != inboxes_.end(); ++it) {
    const State& s = it->second;
    if (s.paused_until <= now && (!s.limited || now - s.refilled_at >= 60'000)) {
      inboxes_.erase(it);
      return;
    }
    if (victim == inboxes_.end() || better(s, victim->second)) victim = it;
  }
  if (victim != inboxes_.end()) inboxes_.erase(victim);
}

core::TimestampMs SendRateLimiter::acquire(core::InboxId inbox, const SendRate& rate, core::TimestampMs now) {
  const bool limited = rate.per_second > 0 && std::isfinite(rate.per_second);
  auto it = inboxes_.find(inbox.value);
  if (!limited && it == inboxes_.end()) return now;  // nothing to remember
  State& s = it != inboxes_.end() ? it->second : slot(inbox, now);
  s.used_at = now;
  if (s.paused_until > now) return s.paused_until;
  if (!limited) {
    s.limited = false;
    return now;
  }
  const double burst = std::max(1.0, rate.burst);
  if (!s.limited) {  // a new bucket starts full
    s.limited = true;
    s.tokens = burst;
    s.refilled_at = now;
  }
  if (now > s.refilled_at) {
    s.tokens = std::min(burst, s.tokens + static_cast<double>(now - s.refilled_at) * rate.per_second / 1000.0);
    s.refilled_at = now;
  }
  s.tokens = std::min(s.tokens, burst);  // the rate may have been lowered
  if (s.tokens >= 1.0) {
    s.tokens -= 1.0;
    return now;
  }
  const double wait_ms = std::ceil((1.0 - s.tokens) * 1000.0 / rate.per_second);
  return now + std::max<core::TimestampMs>(1, static_cast<core::TimestampMs>(wait_ms));
}

void SendRateLimiter::pause(core::InboxId inbox, core::TimestampMs until, core::TimestampMs now) {
  if (until <= now) return;
  State& s = slot(inbox, now);
  s.paused_until = std::max(s.paused_until, until);
  s.used_at = now;
}

core::TimestampMs SendRateLimiter::pausedUntil(core::InboxId inbox) const {
  auto it = inboxes_.find(inbox.value);
  return it == inboxes_.end() ? 0 : it->second.paused_until;
}

RecipientRateLimiter::Entry& RecipientRateLimiter::refreshed(core::InboxId inbox, std::string_view recipient, const SendRate& rate,
                                                             core::TimestampMs now) {
  // Expire from the least recently used end: entries untouched for idle_ms.
  while (!lru_.empty() && now - lru_.back().used_at >= idle_ms_) {
    entries_.erase(lru_.back().key);
    lru_.pop_back();
  }
  std::string key = std::to_string(inbox.value);
  key += '\n';
  key.append(recipient);
  const double burst = std::max(1.0, rate.burst);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_recipients_) {  // full: forget the one used longest ago
      entries_.erase(lru_.back().key);
      lru_.pop_back();
    }
    lru_.push_front(Entry{key, burst, now, now});
    it = entries_.emplace(std::move(key), lru_.begin()).first;
  } else if (it->second != lru_.begin()) {
    lru_.splice(lru_.begin(), lru_, it->second);  // iterators stay valid
  }
  Entry& e = *it->second;
  e.used_at = now;
  if (now > e.refilled_at) {
    e.tokens = std::min(burst, e.tokens + static_cast<double>(now - e.refilled_at) * rate.per_second / 1000.0);
    e.refilled_at = now;
  }
  e.tokens = std::min(e.tokens, burst);
  return e;
}

core::TimestampMs RecipientRateLimiter::nextFree(core::InboxId inbox, std::string_view recipient, const SendRate& rate,
                                                 core::TimestampMs now) {
  if (!(rate.per_second > 0) || !std::isfinite(rate.per_second)) return now;
  const Entry& e = refreshed(inbox, recipient, rate, now);
  if (e.tokens >= 1.0) return now;
  const double wait_ms = std::ceil((1.0 - e.tokens) * 1000.0 / rate.per_second);
  return now + std::max<core::TimestampMs>(1, static_cast<core::TimestampMs>(wait_ms));
}

void RecipientRateLimiter::take(core::InboxId inbox, std::string_view recipient, const SendRate& rate, core::TimestampMs now) {
  if (!(rate.per_second > 0) || !std::isfinite(rate.per_second)) return;
  refreshed(inbox, recipient, rate, now).tokens -= 1.0;
}

}  // namespace parley::app
