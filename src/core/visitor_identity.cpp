#include "core/visitor_identity.hpp"

#include "core/text.hpp"

namespace parley::core {

namespace {

Status checkValue(const std::string& value, const char* field, std::size_t max) {
  if (value.size() > max) {
    return makeError(ErrorCode::InvalidInput, std::string(field) + ": at most " + std::to_string(max) + " bytes");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return makeError(ErrorCode::InvalidInput, std::string(field) + ": must not contain line breaks or control characters");
    }
  }
  if (!isValidUtf8(value)) return makeError(ErrorCode::InvalidInput, std::string(field) + ": must be UTF-8");
  return {};
}

}  // namespace

Status validateVisitorClaims(const VisitorClaims& claims) {
  if (auto s = checkValue(claims.user_id, "user.id", kMaxClaimUserId); !s) return s;
  if (auto s = checkValue(claims.email, "user.email", kMaxClaimEmail); !s) return s;
  if (auto s = checkValue(claims.name, "user.name", kMaxClaimName); !s) return s;
  return checkValue(claims.phone, "user.phone", kMaxClaimPhone);
}

std::string identityCanonicalString(const VisitorClaims& claims) {
  std::string out;
  out.reserve(claims.user_id.size() + claims.email.size() + claims.name.size() + claims.phone.size() + 3);
  out += claims.user_id;
  out += '\n';
  out += claims.email;
  out += '\n';
  out += claims.name;
  out += '\n';
  out += claims.phone;
  return out;
}

}  // namespace parley::core
