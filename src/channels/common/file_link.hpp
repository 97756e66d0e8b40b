// DESIGN: signed links to a stored file of a reply, for whoever must fetch it without a login:
// Twilio fetches an MMS's media from a public URL (/webhooks/twilio/media/{token}); an API
// channel's integration fetches a reply's files (/webhooks/api/files/{token}).
// token = "<inbox>.<attachment>.<expires_s>.<hex HMAC-SHA256>", keyed with the inbox's own
// secret (core::Inbox::secret), so rotating the secret revokes every link of the inbox.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::channels {

std::string fileLinkToken(std::string_view key, std::int64_t inbox_id, std::int64_t attachment_id, std::int64_t expires_s);

struct FileLinkClaims {
  std::int64_t inbox_id = 0;
  std::int64_t attachment_id = 0;
  std::int64_t expires_s = 0;
};
// The claims, unchecked (to find the inbox whose key verifies it); InvalidInput when malformed.
core::Result<FileLinkClaims> readFileLinkToken(std::string_view token);
// True when the MAC matches (constant time) and now_s < expires_s.
bool verifyFileLinkToken(std::string_view key, std::string_view token, std::int64_t now_s);

}  // namespace parley::channels
