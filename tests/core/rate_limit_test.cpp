#include "core/rate_limit.hpp"

#include <gtest/gtest.h>

using parley::core::WindowRateLimiter;

TEST(WindowRateLimiter, AllowsUpToTheLimitPerWindowThenRefuses) {
  WindowRateLimiter limiter(3, 1000);
  EXPECT_TRUE(limiter.tryAcquire("a", 0));
  EXPECT_TRUE(limiter.tryAcquire("a", 10));
  EXPECT_TRUE(limiter.tryAcquire("a", 20));
  EXPECT_FALSE(limiter.tryAcquire("a", 30));
  EXPECT_EQ(limiter.retryAfter("a", 30), 970);
  EXPECT_TRUE(limiter.tryAcquire("b", 30)) << "keys are independent";
  EXPECT_TRUE(limiter.tryAcquire("a", 1000)) << "a new window starts";
}

TEST(WindowRateLimiter, KeepsAtMostMaxKeysAndEvictsExpiredOnes) {
  WindowRateLimiter limiter(1, 1000, 2);
  EXPECT_TRUE(limiter.tryAcquire("a", 0));
  EXPECT_TRUE(limiter.tryAcquire("b", 0));
  EXPECT_FALSE(limiter.tryAcquire("c", 10)) << "full of live windows: new keys wait";
  EXPECT_TRUE(limiter.tryAcquire("c", 1000)) << "expired windows make room";
  EXPECT_LE(limiter.size(), 2u);
}
