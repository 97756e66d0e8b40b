// When the 24-hour customer-service window starts (core/customer_window.hpp): from when the
// customer wrote, as the provider counts it, even when the webhook arrives late.
#include "core/customer_window.hpp"

#include <gtest/gtest.h>

using namespace parley::core;

namespace {

constexpr TimestampMs kHour = 3600LL * 1000;
constexpr TimestampMs kNow = 1796212800000;  // 2026-12-02T12:00:00Z

TEST(CustomerWroteAt, ALateDeliveryCountsFromWhenTheCustomerWrote) {
  // Meta redelivers a message written 23 hours ago: one hour of the window is left, not 24.
  EXPECT_EQ(customerWroteAt(0, kNow - 23 * kHour, kNow), kNow - 23 * kHour);
  EXPECT_EQ(customerWroteAt(0, kNow - 1000, kNow), kNow - 1000);
  EXPECT_EQ(customerWroteAt(0, kNow - kLateDeliveryMs, kNow), kNow - kLateDeliveryMs);
}

TEST(CustomerWroteAt, TheArrivalCountsWhenTheProviderTimeIsMissingOrImplausible) {
  EXPECT_EQ(customerWroteAt(0, 0, kNow), kNow);
  EXPECT_EQ(customerWroteAt(0, kNow + 5000, kNow), kNow) << "clocks disagree: not in the future";
  EXPECT_EQ(customerWroteAt(0, kNow - kLateDeliveryMs - 1, kNow), kNow) << "older than any redelivery";
}

TEST(CustomerWroteAt, NeverMovesBack) {
  // An older message delivered after a newer one leaves the window where the newer one put it.
  EXPECT_EQ(customerWroteAt(kNow - kHour, kNow - 5 * kHour, kNow), kNow - kHour);
  EXPECT_EQ(customerWroteAt(kNow + kHour, 0, kNow), kNow + kHour);
}

TEST(CustomerWindow, ExpiresADayAfterTheCustomerWrote) {
  Inbox whatsapp;
  whatsapp.channel = ChannelKind::WhatsApp;
  const auto wrote = customerWroteAt(0, kNow - 23 * kHour, kNow);
  EXPECT_EQ(customerWindowExpiresAt(whatsapp, wrote), kNow + kHour);
  EXPECT_TRUE(customerWindowOpen(whatsapp, wrote, kNow + kHour - 1));
  EXPECT_FALSE(customerWindowOpen(whatsapp, wrote, kNow + kHour + 1));
}

}  // namespace
