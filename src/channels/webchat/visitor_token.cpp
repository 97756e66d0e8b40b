#include "channels/webchat/visitor_token.hpp"

#include <sodium.h>

#include <boost/json.hpp>
#include <cctype>

#include "app/crypto.hpp"

namespace parley::channels::webchat {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

constexpr std::string_view kPrefix = "pv1.";

std::string tokenKey(std::string_view secret) { return app::hmacSha256Hex(secret, "parley/webchat/visitor-token/v1"); }
std::string fileKey(std::string_view secret) { return app::hmacSha256Hex(secret, "parley/webchat/file-url/v1"); }

std::string base64Url(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> fromBase64Url(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::string lowerHex(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string stringAt(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

}  // namespace

std::string issueVisitorToken(std::string_view inbox_secret, const VisitorToken& token) {
  json::object payload{{"i", token.inbox.value}, {"v", token.visitor_id}, {"t", token.issued_at}};
  if (token.verified) payload["vf"] = true;
  if (!token.claims.user_id.empty()) payload["u"] = token.claims.user_id;
  if (!token.claims.name.empty()) payload["n"] = token.claims.name;
  if (!token.claims.email.empty()) payload["e"] = token.claims.email;
  if (!token.claims.phone.empty()) payload["p"] = token.claims.phone;
  const std::string body = std::string(kPrefix) + base64Url(json::serialize(payload));
  return body + "." + app::hmacSha256Hex(tokenKey(inbox_secret), body);
}

core::Result<VisitorToken> verifyVisitorToken(std::string_view inbox_secret, core::InboxId inbox, std::string_view token) {
  const auto bad = [] { return makeError(ErrorCode::Unauthorized, "the visitor token is missing, malformed or of another inbox"); };
  if (inbox_secret.empty() || token.size() > kMaxTokenBytes || token.substr(0, kPrefix.size()) != kPrefix) return bad();
  const auto dot = token.rfind('.');
  if (dot == std::string_view::npos || dot < kPrefix.size() || token.size() - dot - 1 != 64) return bad();
  const std::string_view body = token.substr(0, dot);
  if (!app::constantTimeEqual(lowerHex(token.substr(dot + 1)), app::hmacSha256Hex(tokenKey(inbox_secret), body))) return bad();
  // Authentic from here on: the payload is ours.
  auto raw = fromBase64Url(body.substr(kPrefix.size()));
  if (!raw) return bad();
  boost::system::error_code ec;
  auto value = json::parse(*raw, ec);
  if (ec || !value.is_object()) return bad();
  const auto& o = value.get_object();
  VisitorToken out;
  auto i = o.find("i");
  if (i == o.end() || !i->value().is_int64() || i->value().get_int64() != inbox.value) return bad();
  out.inbox = inbox;
  out.visitor_id = stringAt(o, "v");
  if (out.visitor_id.empty()) return bad();
  auto vf = o.find("vf");
  out.verified = vf != o.end() && vf->value().is_bool() && vf->value().get_bool();
  out.claims.user_id = stringAt(o, "u");
  out.claims.name = stringAt(o, "n");
  out.claims.email = stringAt(o, "e");
  out.claims.phone = stringAt(o, "p");
  if (auto t = o.find("t"); t != o.end() && t->value().is_int64()) out.issued_at = t->value().get_int64();
  return out;
}

std::string anonymousVisitorId() { return "v_" + app::randomHex(16); }
std::string verifiedVisitorId(std::string_view site_user_id) { return "u_" + std::string(site_user_id); }

std::string identityHash(std::string_view inbox_secret, const core::VisitorClaims& claims) {
  return app::hmacSha256Hex(inbox_secret, core::identityCanonicalString(claims));
}

bool verifyIdentityHash(std::string_view inbox_secret, const core::VisitorClaims& claims, std::string_view hash_hex) {
  if (inbox_secret.empty() || hash_hex.size() != 64) return false;
  return app::constantTimeEqual(lowerHex(hash_hex), identityHash(inbox_secret, claims));
}

std::string fileSignature(std::string_view inbox_secret, core::AttachmentId attachment, core::TimestampMs expires_at) {
  return app::hmacSha256Hex(fileKey(inbox_secret), std::to_string(attachment.value) + ":" + std::to_string(expires_at));
}

bool verifyFileSignature(std::string_view inbox_secret, core::AttachmentId attachment, core::TimestampMs expires_at,
                         std::string_view signature) {
  if (inbox_secret.empty() || signature.size() != 64) return false;
  return app::constantTimeEqual(lowerHex(signature), fileSignature(inbox_secret, attachment, expires_at));
}

}  // namespace parley::channels::webchat
