// Time is injected (Envoy's TimeSource habit): the core takes it as an argument, use cases read
// it from a Clock, and tests use a manual clock.
#pragma once

#include <atomic>
#include <chrono>

#include "core/ids.hpp"

namespace parley::app {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual core::TimestampMs now() const = 0;
};

class SystemClock final : public Clock {
 public:
  core::TimestampMs now() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(core::TimestampMs start = 1'700'000'000'000) : now_(start) {}
  core::TimestampMs now() const override { return now_.load(); }
  void advance(core::TimestampMs ms) { now_ += ms; }

 private:
  std::atomic<core::TimestampMs> now_;
};

}  // namespace parley::app
