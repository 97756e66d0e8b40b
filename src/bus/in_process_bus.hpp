// DESIGN: the one-node bus: publish() numbers the event and calls every subscriber in the
// publishing thread. Subscribers (the WebSocket hub) only enqueue and return. Event ids start
// at the boot time in microseconds, so they keep increasing across restarts and a client's
// "last event id" from before a restart is never mistaken for a newer one.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "app/events.hpp"

namespace parley::bus {

class InProcessBus final : public app::EventBus {
 public:
  explicit InProcessBus(std::uint64_t first_id);
  void publish(app::Event event) override;
  void subscribe(Handler handler) override;

 private:
  std::mutex mutex_;  // orders ids and delivery: subscribers see events in id order
  std::uint64_t next_id_;
  std::vector<Handler> handlers_;
};

}  // namespace parley::bus
