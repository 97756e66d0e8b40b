// The HMAC every webhook signature check rests on: RFC 4231's vectors, keys of every length, and
// a per-thread context that is re-keyed on each call (a key must never leak into the next call).
#include "app/crypto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

using namespace parley;

namespace {

std::string bytes(std::size_t n, char c) { return std::string(n, c); }

}  // namespace

TEST(Crypto, HmacSha256MatchesRfc4231) {
  // Test case 1: a 20-byte key.
  EXPECT_EQ(app::hmacSha256Hex(bytes(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the hash.
  EXPECT_EQ(app::hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a 131-byte key, longer than the block (hashed first).
  EXPECT_EQ(app::hmacSha256Hex(bytes(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Crypto, HmacSha256TakesEachCallsOwnKey) {
  // The same thread alternates keys, the empty key included: no call may reuse the last key.
  const std::string with_jefe = app::hmacSha256Hex("Jefe", "what do ya want for nothing?");
  const std::string empty_key = app::hmacSha256Hex("", "");
  EXPECT_EQ(empty_key, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(app::hmacSha256Hex("Jefe", "what do ya want for nothing?"), with_jefe);
  EXPECT_EQ(app::hmacSha256Hex("", ""), empty_key);
  EXPECT_NE(app::hmacSha256Hex("Jefe2", "what do ya want for nothing?"), with_jefe);
  // Other threads compute the same values with their own contexts.
  std::string from_thread;
  std::thread([&] { from_thread = app::hmacSha256Hex("Jefe", "what do ya want for nothing?"); }).join();
  EXPECT_EQ(from_thread, with_jefe);
}
