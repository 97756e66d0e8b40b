// The outbox's rate limits per sender on a manual clock: the token bucket, the provider's pause,
// the bounded memory.
#include "app/send_rate_limiter.hpp"

#include <gtest/gtest.h>


using namespace parley;
using app::SendRate;
using app::SendRateLimiter;

namespace {

constexpr core::TimestampMs kT0 = 1'700'000'000'000;

TEST(SendRateLimiter, BurstGoesAtOnceThenOneEveryIntervalAndAQuietTimeRefills) {
  SendRateLimiter limiter;
  const core::InboxId inbox{1};
  const SendRate two_per_second{2, 2};
  EXPECT_EQ(limiter.acquire(inbox, two_per_second, kT0), kT0);
  EXPECT_EQ(limiter.acquire(inbox, two_per_second, kT0), kT0);
  EXPECT_EQ(limiter.acquire(inbox, two_per_second, kT0), kT0 + 500) << "the third waits half a second";
  EXPECT_EQ(limiter.acquire(inbox, two_per_second, kT0 + 250), kT0 + 500) << "asking again takes nothing";
  EXPECT_EQ(limiter.acquire(inbox, two_per_second, kT0 + 500), kT0 + 500);
  EXPECT_EQ(limiter.acquire(inbox, two_per_second, kT0 + 500), kT0 + 1000);
  // After ten quiet seconds the bucket holds its burst again, not more.
  EXPECT_EQ(limiter.acquire(inbox, two_per_second, kT0 + 10'500), kT0 + 10'500);
  EXPECT_EQ(limiter.acquire(inbox, two_per_second, kT0 + 10'500), kT0 + 10'500);
  EXPECT_GT(limiter.acquire(inbox, two_per_second, kT0 + 10'500), kT0 + 10'500);
}

TEST(SendRateLimiter, SlowRatesAndFractionsWaitTheirInterval) {
  SendRateLimiter limiter;
  const core::InboxId x{7};
  const SendRate x_dm{200.0 / 900.0, 1};  // X: 200 per 15 minutes, one at a time here
  EXPECT_EQ(limiter.acquire(x, x_dm, kT0), kT0);
  EXPECT_EQ(limiter.acquire(x, x_dm, kT0), kT0 + 4500);
}

TEST(SendRateLimiter, APauseHoldsOnlyThatInboxUntilItEnds) {
  SendRateLimiter limiter;
  const core::InboxId paused{1}, other{2};
  limiter.pause(paused, kT0 + 30'000, kT0);
  EXPECT_EQ(limiter.acquire(paused, SendRate{}, kT0 + 1), kT0 + 30'000) << "even without a rate of its own";
  EXPECT_EQ(limiter.acquire(paused, SendRate{80, 80}, kT0 + 29'999), kT0 + 30'000);
  EXPECT_EQ(limiter.acquire(other, SendRate{80, 80}, kT0 + 1), kT0 + 1) << "other inboxes keep flowing";
  EXPECT_EQ(limiter.acquire(paused, SendRate{80, 80}, kT0 + 30'000), kT0 + 30'000);
  limiter.pause(paused, kT0 + 10, kT0 + 30'000);  // a pause in the past changes nothing
  EXPECT_EQ(limiter.pausedUntil(paused), kT0 + 30'000);
}

TEST(SendRateLimiter, UnlimitedInboxesAreNotRememberedAndTheMapIsBounded) {
  SendRateLimiter limiter(3);
  for (int i = 1; i <= 100; ++i) EXPECT_EQ(limiter.acquire(core::InboxId{i}, SendRate{}, kT0), kT0);
  EXPECT_EQ(limiter.size(), 0u);
  for (int i = 1; i <= 100; ++i) limiter.acquire(core::InboxId{i}, SendRate{1, 1}, kT0 + i);
  EXPECT_LE(limiter.size(), 3u);
  // A pause in force outlives idle entries when room is needed.
  limiter.pause(core::InboxId{500}, kT0 + 3'600'000, kT0 + 200);
  for (int i = 1; i <= 10; ++i) limiter.acquire(core::InboxId{1000 + i}, SendRate{1, 1}, kT0 + 120'000 + i);
  EXPECT_LE(limiter.size(), 3u);
  EXPECT_EQ(limiter.pausedUntil(core::InboxId{500}), kT0 + 3'600'000);
}

}  // namespace
