// The outbox's rate limits per sender on a manual clock: the token bucket, the provider's pause,
// the bounded memory.
#include "app/send_rate_limiter.hpp"

#include <gtest/gtest.h>


using namespace parley;
using app::RecipientRateLimiter;
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

// Telegram's limits per chat (channels/telegram: 1 a second in a private chat, 20 a minute in a
// group), on top of the bot's own 30 a second.
TEST(RecipientRateLimiter, OneChatWaitsWhileOtherChatsAndInboxesGo) {
  RecipientRateLimiter chats;
  const core::InboxId bot{1}, other_bot{2};
  const SendRate private_chat{1.0, 1}, group{20.0 / 60.0, 1};
  EXPECT_EQ(chats.nextFree(bot, "42", private_chat, kT0), kT0);
  chats.take(bot, "42", private_chat, kT0);
  EXPECT_EQ(chats.nextFree(bot, "42", private_chat, kT0), kT0 + 1000) << "the second message to that chat waits a second";
  EXPECT_EQ(chats.nextFree(bot, "42", private_chat, kT0 + 400), kT0 + 1000) << "asking takes nothing";
  EXPECT_EQ(chats.nextFree(bot, "43", private_chat, kT0), kT0) << "another chat is not held up";
  EXPECT_EQ(chats.nextFree(other_bot, "42", private_chat, kT0), kT0) << "the same chat id of another bot is another chat";
  EXPECT_EQ(chats.nextFree(bot, "42", private_chat, kT0 + 1000), kT0 + 1000);

  // A group: 20 a minute, one every 3 seconds.
  chats.take(bot, "-100123", group, kT0);
  EXPECT_EQ(chats.nextFree(bot, "-100123", group, kT0), kT0 + 3000) << "20 a minute: one every 3 seconds";
  // No rate: nothing is remembered.
  const auto before = chats.size();
  EXPECT_EQ(chats.nextFree(bot, "77", SendRate{}, kT0), kT0);
  chats.take(bot, "77", SendRate{}, kT0);
  EXPECT_EQ(chats.size(), before);
}

TEST(RecipientRateLimiter, MemoryIsBoundedAndIdleChatsExpire) {
  RecipientRateLimiter chats(/*max_recipients=*/3, /*idle_ms=*/60'000);
  const core::InboxId bot{1};
  const SendRate rate{1.0, 1};
  for (int i = 0; i < 10; ++i) {
    const std::string chat = std::to_string(i);
    chats.take(bot, chat, rate, kT0 + i);
    EXPECT_LE(chats.size(), 3u);
  }
  // The most recent chats are remembered (their next message waits), the oldest were forgotten.
  EXPECT_GT(chats.nextFree(bot, "9", rate, kT0 + 10), kT0 + 10);
  EXPECT_EQ(chats.nextFree(bot, "0", rate, kT0 + 10), kT0 + 10);
  // A minute later every entry has expired: the map empties as it is used.
  EXPECT_EQ(chats.nextFree(bot, "9", rate, kT0 + 120'000), kT0 + 120'000);
  EXPECT_EQ(chats.size(), 1u);
}

}  // namespace
