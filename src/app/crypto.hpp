// Small wrappers over OpenSSL and libsodium: random tokens, digests, HMAC, constant-time
// comparison. Every secret comparison in Parley goes through constantTimeEqual.
#pragma once

#include <string>
#include <string_view>

namespace parley::app {

// `bytes` random bytes as lower-case hex (2*bytes characters).
std::string randomHex(std::size_t bytes);
std::string sha256Hex(std::string_view data);
std::string hmacSha256Hex(std::string_view key, std::string_view data);
std::string hexEncode(std::string_view bytes);
bool constantTimeEqual(std::string_view a, std::string_view b);

}  // namespace parley::app
