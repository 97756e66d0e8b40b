#include "bus/in_process_bus.hpp"

namespace parley::bus {

InProcessBus::InProcessBus(std::uint64_t first_id) : next_id_(first_id) {}

void InProcessBus::publish(app::Event event) {
  std::lock_guard lock(mutex_);
  event.id = next_id_++;
  for (const auto& handler : handlers_) handler(event);
}

void InProcessBus::subscribe(Handler handler) {
  std::lock_guard lock(mutex_);
  handlers_.push_back(std::move(handler));
}

}  // namespace parley::bus
