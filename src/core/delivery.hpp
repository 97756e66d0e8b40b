// DESIGN: delivery status never regresses. Providers deliver receipts out of order (a "read"
// can arrive before its "delivered"), so the stored status only moves forward along
// none < pending < sent < delivered < read; "failed" ends it, except that a later proof of
// delivery (delivered/read) outranks an earlier failure report.
#pragma once

#include "core/domain.hpp"

namespace parley::core {

// The status to store when `incoming` arrives while `current` is stored.
DeliveryStatus mergeDeliveryStatus(DeliveryStatus current, DeliveryStatus incoming);

}  // namespace parley::core
