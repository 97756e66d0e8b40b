#include "core/delivery.hpp"

namespace parley::core {

DeliveryStatus mergeDeliveryStatus(DeliveryStatus current, DeliveryStatus incoming) {
  if (current == DeliveryStatus::Failed) {
    // The recipient demonstrably got it: that beats a failure report for an earlier attempt.
    if (incoming == DeliveryStatus::Delivered || incoming == DeliveryStatus::Read) return incoming;
    return current;
  }
  if (incoming == DeliveryStatus::Failed) {
    // A failure after delivered/read is stale news about an earlier attempt.
    if (current == DeliveryStatus::Delivered || current == DeliveryStatus::Read) return current;
    return incoming;
  }
  return static_cast<int>(incoming) > static_cast<int>(current) ? incoming : current;
}

}  // namespace parley::core
