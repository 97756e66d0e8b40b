// The simulator's future events in time order: a binary heap keyed by (time, insertion number),
// so events due at the same millisecond run in the order they were scheduled and a run is
// deterministic. Cancelled events are not removed: each carries the generation of the task it
// belongs to, and the simulator ignores it when the task has moved on (lazy cancellation).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/ids.hpp"

namespace parley::core::simulation {

enum class EventKind : std::uint8_t {
  Arrival,      // index: arrival stream
  ServiceEnd,   // index: task slot
  Abandon,      // index: task slot (the customer's patience ran out)
  Accept,       // index: task slot, agent: who accepts the offer
  Staffing,     // an interval begins: agents log in or out
  WindowEnd,    // the measured time is over: no more arrivals are counted
};

struct Event {
  TimestampMs at = 0;
  std::uint64_t seq = 0;
  EventKind kind = EventKind::Arrival;
  std::uint32_t index = 0;
  std::uint32_t gen = 0;
  std::uint32_t agent = 0;
};

class EventQueue {
 public:
  void push(TimestampMs at, EventKind kind, std::uint32_t index, std::uint32_t gen = 0, std::uint32_t agent = 0) {
    heap_.push_back(Event{at, seq_++, kind, index, gen, agent});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  bool empty() const { return heap_.empty(); }
  const Event& top() const { return heap_.front(); }
  Event pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Event e = heap_.back();
    heap_.pop_back();
    return e;
  }
  std::size_t size() const { return heap_.size(); }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.at != b.at) return a.at > b.at;
      return a.seq > b.seq;
    }
  };
  std::vector<Event> heap_;
  std::uint64_t seq_ = 0;
};

}  // namespace parley::core::simulation
