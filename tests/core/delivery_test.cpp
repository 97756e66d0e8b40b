#include "core/delivery.hpp"

#include <gtest/gtest.h>

using parley::core::DeliveryStatus;
using parley::core::mergeDeliveryStatus;

TEST(DeliveryStatus, MovesForwardInOrder) {
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Pending, DeliveryStatus::Sent), DeliveryStatus::Sent);
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Sent, DeliveryStatus::Delivered), DeliveryStatus::Delivered);
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Delivered, DeliveryStatus::Read), DeliveryStatus::Read);
}

TEST(DeliveryStatus, ReceiptsOutOfOrderNeverRegress) {
  // A provider may report "read" before "delivered" and "sent".
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Read, DeliveryStatus::Delivered), DeliveryStatus::Read);
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Read, DeliveryStatus::Sent), DeliveryStatus::Read);
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Delivered, DeliveryStatus::Sent), DeliveryStatus::Delivered);
}

TEST(DeliveryStatus, FailureIsTerminalUnlessDeliveryIsProven) {
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Sent, DeliveryStatus::Failed), DeliveryStatus::Failed);
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Failed, DeliveryStatus::Sent), DeliveryStatus::Failed);
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Failed, DeliveryStatus::Read), DeliveryStatus::Read);
  EXPECT_EQ(mergeDeliveryStatus(DeliveryStatus::Read, DeliveryStatus::Failed), DeliveryStatus::Read);
}

TEST(DeliveryStatus, AnyOrderOfTheSameReceiptsEndsTheSame) {
  const DeliveryStatus receipts[] = {DeliveryStatus::Sent, DeliveryStatus::Delivered, DeliveryStatus::Read};
  int order[] = {0, 1, 2};
  do {
    DeliveryStatus s = DeliveryStatus::Pending;
    for (int i : order) s = mergeDeliveryStatus(s, receipts[i]);
    EXPECT_EQ(s, DeliveryStatus::Read);
  } while (std::next_permutation(std::begin(order), std::end(order)));
}
