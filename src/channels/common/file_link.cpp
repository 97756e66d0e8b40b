#include "channels/common/file_link.hpp"

#include <charconv>

#include "app/crypto.hpp"

namespace parley::channels {

using core::ErrorCode;
using core::makeError;

namespace {
// The label was chosen when only Twilio used these links; kept, so links already handed out stay valid.
std::string mediaMac(std::string_view key, std::int64_t inbox, std::int64_t attachment, std::int64_t expires) {
  return app::hmacSha256Hex(key, "parley-twilio-media\n" + std::to_string(inbox) + "." + std::to_string(attachment) + "." +
                                     std::to_string(expires));
}

bool readInt(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && out > 0;
}
}  // namespace

std::string fileLinkToken(std::string_view key, std::int64_t inbox_id, std::int64_t attachment_id, std::int64_t expires_s) {
  return std::to_string(inbox_id) + "." + std::to_string(attachment_id) + "." + std::to_string(expires_s) + "." +
         mediaMac(key, inbox_id, attachment_id, expires_s);
}

core::Result<FileLinkClaims> readFileLinkToken(std::string_view token) {
  FileLinkClaims c;
  std::string_view parts[4];
  std::size_t n = 0;
  std::size_t pos = 0;
  while (n < 4) {
    const std::size_t dot = token.find('.', pos);
    parts[n++] = token.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  if (n != 4 || token.find('.', pos) != std::string_view::npos || !readInt(parts[0], c.inbox_id) ||
      !readInt(parts[1], c.attachment_id) || !readInt(parts[2], c.expires_s) || parts[3].size() != 64) {
    return makeError(ErrorCode::InvalidInput, "not a media token");
  }
  return c;
}

bool verifyFileLinkToken(std::string_view key, std::string_view token, std::int64_t now_s) {
  auto claims = readFileLinkToken(token);
  if (!claims || key.empty()) return false;
  const std::string expected = fileLinkToken(key, claims->inbox_id, claims->attachment_id, claims->expires_s);
  return app::constantTimeEqual(expected, token) && now_s < claims->expires_s;
}

}  // namespace parley::channels
