// Retry-After as the providers may send it (channels/common/http_client.hpp): delay-seconds or
// an HTTP date (RFC 9110, section 10.2.3); the outbox waits that long before the next attempt.
#include "channels/common/http_client.hpp"

#include <gtest/gtest.h>

using parley::channels::retryAfterSeconds;

namespace {

// Wed, 02 Dec 2026 12:00:00 GMT
constexpr std::time_t kNow = 1796212800;

TEST(RetryAfter, DelaySeconds) {
  EXPECT_EQ(retryAfterSeconds(" 120\r\n", kNow), 120);
  EXPECT_EQ(retryAfterSeconds("0", kNow), 0);
  EXPECT_EQ(retryAfterSeconds("3", kNow), 3);
}

TEST(RetryAfter, AnHttpDateIsTheTimeLeftUntilIt) {
  EXPECT_EQ(retryAfterSeconds(" Wed, 02 Dec 2026 12:00:30 GMT\r\n", kNow), 30);
  // The obsolete forms a recipient must still read.
  EXPECT_EQ(retryAfterSeconds("Wednesday, 02-Dec-26 12:01:00 GMT", kNow), 60);
  EXPECT_EQ(retryAfterSeconds("Wed Dec  2 12:00:05 2026", kNow), 5);
  EXPECT_EQ(retryAfterSeconds("Wed, 02 Dec 2026 11:59:00 GMT", kNow), 0) << "a date already past: go now";
}

TEST(RetryAfter, UnreadableIsZero) {
  EXPECT_EQ(retryAfterSeconds("", kNow), 0);
  EXPECT_EQ(retryAfterSeconds("soon", kNow), 0);
  EXPECT_EQ(retryAfterSeconds("-5", kNow), 0);
}

}  // namespace
