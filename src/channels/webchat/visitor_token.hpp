// DESIGN: web-chat visitor tokens and file links, stateless and bound to one inbox.
// A token is  "pv1." <base64url(JSON payload)> "." <hex HMAC-SHA256>  where the HMAC key is
// derived from the inbox's secret (HMAC(secret, "parley/webchat/visitor-token/v1")), so it is
// unforgeable without the secret, cannot be replayed against another inbox, and a rotated
// secret ends every session of the inbox. The payload names the visitor (the External identity
// scoped to the inbox: "v_" + 128 random bits for an anonymous visitor, "u_" + the site's user
// id for a verified one) and the visitor's claims. Nothing is stored until the first message.
// Files are linked with short-lived signed URLs (…/files/{id}?exp=&sig=), so a plain link
// downloads them without putting the visitor token into a URL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/visitor_identity.hpp"

namespace parley::channels::webchat {

struct VisitorToken {
  core::InboxId inbox;
  std::string visitor_id;  // the External identity's value in scope "inbox:<id>"
  bool verified = false;   // the claims were signed by the site (identity verification)
  core::VisitorClaims claims;  // user_id only when verified; phone only when verified
  core::TimestampMs issued_at = 0;
};

constexpr std::size_t kMaxTokenBytes = 4096;

std::string issueVisitorToken(std::string_view inbox_secret, const VisitorToken& token);
// Unauthorized for anything but an intact token of this inbox.
core::Result<VisitorToken> verifyVisitorToken(std::string_view inbox_secret, core::InboxId inbox, std::string_view token);

// A fresh anonymous visitor id ("v_" + 32 hex digits) and the id of a verified site user.
std::string anonymousVisitorId();
std::string verifiedVisitorId(std::string_view site_user_id);

// The identity HMAC a site sends: lower-case hex HMAC-SHA256(secret, canonical string).
std::string identityHash(std::string_view inbox_secret, const core::VisitorClaims& claims);
bool verifyIdentityHash(std::string_view inbox_secret, const core::VisitorClaims& claims, std::string_view hash_hex);

// Signed file links: sig = hex HMAC(derived key, "<attachment id>:<expires ms>").
std::string fileSignature(std::string_view inbox_secret, core::AttachmentId attachment, core::TimestampMs expires_at);
bool verifyFileSignature(std::string_view inbox_secret, core::AttachmentId attachment, core::TimestampMs expires_at,
                         std::string_view signature);

}  // namespace parley::channels::webchat
