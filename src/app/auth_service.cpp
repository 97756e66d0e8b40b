#include "app/auth_service.hpp"

#include <algorithm>

#include "app/crypto.hpp"
#include "app/identity.hpp"

namespace parley::app {

using core::ErrorCode;
using core::makeError;

AuthService::AuthService(Store& store, PasswordHasher& hasher, const Clock& clock, AuthLimits limits)
    : store_(store),
      hasher_(hasher),
      clock_(clock),
      limits_(limits),
      per_account_(limits.attempts_per_account, limits.window_ms),
      per_address_(limits.attempts_per_address, limits.window_ms) {}

Result<core::Actor> AuthService::actorFor(const core::User& user) {
  core::Actor actor{user.id, user.tenant_id, user.role, {}};
  auto status = store_.read([&](StoreTx& tx) -> Status {
    auto teams = tx.teamsOfUser(user.tenant_id, user.id);
    if (!teams) return teams.error();
    actor.team_ids = std::move(*teams);
    return {};
  });
  if (!status) return status.error();
  return actor;
}

Result<Principal> AuthService::principalFor(const core::User& user, std::string csrf) {
  auto actor = actorFor(user);
  if (!actor) return actor.error();
  Principal p{user, std::move(*actor), std::move(csrf)};
  p.user.password_hash.clear();
  return p;
}

Result<LoginResult> AuthService::login(const std::string& email_raw, const std::string& password,
                                       const std::string& remote_address) {
  auto email = normalizeEmail(email_raw);
  if (!email) return makeError(ErrorCode::InvalidInput, "email: " + email.error().message);
  const auto now = clock_.now();
  {
    std::lock_guard lock(limiter_mutex_);
    const bool address_ok = per_address_.tryAcquire(remote_address, now);
    const bool account_ok = per_account_.tryAcquire(*email, now);
    if (!address_ok || !account_ok) {
      return makeError(ErrorCode::RateLimited, "too many login attempts; try again later");
    }
  }
  core::User user;
  auto found = store_.read([&](StoreTx& tx) -> Status {
    auto u = tx.findUserByEmail(*email);
    if (!u) return u.error();
    user = std::move(*u);
    return {};
  });
  if (!found && found.error().code != ErrorCode::NotFound) return found.error();
  if (!found || !user.active) {
    if (dummy_hash_.empty()) {
      auto h = hasher_.hash("parley-dummy-password");
      if (h) dummy_hash_ = *h;
    }
    (void)hasher_.verify(dummy_hash_, password);
    return makeError(ErrorCode::Unauthorized, "wrong e-mail or password");
  }
  if (auto ok = hasher_.verify(user.password_hash, password); !ok) return ok.error();
  {
    std::lock_guard lock(limiter_mutex_);
    per_account_.reset(*email);  // a success forgives earlier typos of this account
  }

  LoginResult result;
  result.token = randomHex(32);
  result.expires_at = now + limits_.session_ttl_ms;
  core::Session session{sha256Hex(result.token), user.tenant_id, user.id, randomHex(16), result.expires_at, now};
  auto stored = store_.write([&](StoreTx& tx) { return tx.createSession(session); });
  if (!stored) return stored.error();
  auto principal = principalFor(user, session.csrf_token);
  if (!principal) return principal.error();
  result.principal = std::move(*principal);
  return result;
}

namespace {
// A Retry-After in whole seconds, at least one.
std::int64_t retryAfterSeconds(core::TimestampMs wait) { return std::max<std::int64_t>(1, (wait + 999) / 1000); }
}  // namespace

std::int64_t AuthService::loginRetryAfterSeconds(const std::string& email_raw, const std::string& remote_address) {
  auto email = normalizeEmail(email_raw);
  const auto now = clock_.now();
  std::lock_guard lock(limiter_mutex_);
  core::TimestampMs wait = per_address_.retryAfter(remote_address, now);
  if (email) wait = std::max(wait, per_account_.retryAfter(*email, now));
  return retryAfterSeconds(wait);
}

Status AuthService::verifyCurrentPassword(const core::User& user, const std::string& password) {
  const auto now = clock_.now();
  {
    std::lock_guard lock(limiter_mutex_);
    if (!per_account_.tryAcquire(user.email, now)) {
      return makeError(ErrorCode::RateLimited, "too many wrong passwords; try again later");
    }
  }
  if (auto ok = hasher_.verify(user.password_hash, password); !ok) return ok;
  std::lock_guard lock(limiter_mutex_);
  per_account_.reset(user.email);
  return {};
}

std::int64_t AuthService::accountRetryAfterSeconds(const std::string& email) {
  std::lock_guard lock(limiter_mutex_);
  return retryAfterSeconds(per_account_.retryAfter(email, clock_.now()));
}

Status AuthService::logout(const std::string& token) {
  return store_.write([&](StoreTx& tx) -> Status {
    auto s = tx.deleteSession(sha256Hex(token));
    if (!s && s.error().code == ErrorCode::NotFound) return {};
    return s;
  });
}

Result<Principal> AuthService::authenticateToken(const std::string& token) {
  if (token.empty() || token.size() > 256) return makeError(ErrorCode::Unauthorized, "missing or malformed token");
  const std::string hash = sha256Hex(token);
  const auto now = clock_.now();
  core::User user;
  std::string csrf;
  auto status = store_.read([&](StoreTx& tx) -> Status {
    core::UserId user_id;
    core::TenantId tenant_id;
    if (auto api = tx.findApiToken(hash); api) {
      if (api->revoked) return makeError(ErrorCode::Unauthorized, "this API token was revoked");
      user_id = api->user_id;
      tenant_id = api->tenant_id;
    } else if (api.error().code != ErrorCode::NotFound) {
      return api.error();
    } else {
      auto session = tx.findSession(hash);
      if (!session) {
        if (session.error().code == ErrorCode::NotFound) {
          return makeError(ErrorCode::Unauthorized, "unknown or expired session or token");
        }
        return session.error();
      }
      if (session->expires_at <= now) return makeError(ErrorCode::Unauthorized, "session expired; log in again");
      csrf = session->csrf_token;
      user_id = session->user_id;
      tenant_id = session->tenant_id;
    }
    auto u = tx.getUser(tenant_id, user_id);
    if (!u) {
      if (u.error().code == ErrorCode::NotFound) return makeError(ErrorCode::Unauthorized, "the user no longer exists");
      return u.error();
    }
    if (!u->active) return makeError(ErrorCode::Unauthorized, "this user is deactivated");
    user = std::move(*u);
    return {};
  });
  if (!status) return status.error();
  auto principal = principalFor(user, std::move(csrf));
  if (principal && !principal->csrf_token.empty()) principal->session_hash = hash;
  return principal;
}

Result<AuthService::CreatedToken> AuthService::createApiToken(const core::Actor& actor, const std::string& name) {
  if (name.empty() || name.size() > 200) return makeError(ErrorCode::InvalidInput, "name: 1 to 200 characters");
  CreatedToken created;
  created.secret = "pat_" + randomHex(24);
  created.token.tenant_id = actor.tenant_id;
  created.token.user_id = actor.user_id;
  created.token.name = name;
  created.token.token_hash = sha256Hex(created.secret);
  created.token.created_at = clock_.now();
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto id = tx.createApiToken(created.token);
    if (!id) return id.error();
    created.token.id = *id;
    return {};
  });
  if (!status) return status.error();
  return created;
}

Result<core::User> AuthService::createUser(core::User user, const std::string& password) {
  auto email = normalizeEmail(user.email);
  if (!email) return makeError(ErrorCode::InvalidInput, "email: " + email.error().message);
  user.email = *email;
  if (user.name.empty()) user.name = user.email.substr(0, user.email.find('@'));
  if (user.name.size() > 200) return makeError(ErrorCode::InvalidInput, "name: at most 200 characters");
  auto hash = hasher_.hash(password);
  if (!hash) return hash.error();
  user.password_hash = *hash;
  user.created_at = clock_.now();
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto id = tx.createUser(user);
    if (!id) {
      if (id.error().code == ErrorCode::Conflict) return makeError(ErrorCode::Conflict, "a user with this e-mail exists");
      return id.error();
    }
    user.id = *id;
    return {};
  });
  if (!status) return status.error();
  user.password_hash.clear();
  return user;
}

}  // namespace parley::app
