// DESIGN: identity verification of web-chat visitors. The site that embeds the widget knows who
// is logged in; it passes the user's id (and e-mail, name, phone) with an HMAC-SHA256 of them
// keyed with the inbox's secret, computed on its own server. Parley recomputes the HMAC over
// the same canonical string and only then treats the e-mail and phone as verified (so the
// visitor joins the contact that already has them, with its WhatsApp or e-mail history).
//
// The canonical string is the four values as given, in this order, joined by one "\n":
//     user_id "\n" email "\n" name "\n" phone
// with "" for a value not passed. No value may contain a line break (that is what keeps the
// string unambiguous), so such values are refused, never cleaned. Pure: the HMAC itself is
// computed by the caller (app/crypto.hpp).
#pragma once

#include <string>

#include "core/result.hpp"

namespace parley::core {

struct VisitorClaims {
  std::string user_id;  // the site's own id of the logged-in user; required for verification
  std::string email;
  std::string name;
  std::string phone;
};

constexpr std::size_t kMaxClaimUserId = 200;
constexpr std::size_t kMaxClaimEmail = 320;
constexpr std::size_t kMaxClaimName = 200;
constexpr std::size_t kMaxClaimPhone = 64;

// InvalidInput naming the field: too long, a line break or a control character, not UTF-8.
Status validateVisitorClaims(const VisitorClaims& claims);

// user_id "\n" email "\n" name "\n" phone — what the site signs.
std::string identityCanonicalString(const VisitorClaims& claims);

}  // namespace parley::core
