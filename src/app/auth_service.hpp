// DESIGN: authentication. Login checks the argon2id hash and opens a session whose random
// token is both the browser cookie (HttpOnly, SameSite) and a bearer token; the database keeps
// only its SHA-256, so a database leak does not leak sessions. API tokens for integrations
// work the same way and are shown once at creation. Login is rate-limited per account and per
// client address; an unknown account costs the same hash time as a known one.
#pragma once

#include <mutex>
#include <string>

#include "app/clock.hpp"
#include "app/passwords.hpp"
#include "app/store.hpp"
#include "core/permissions.hpp"
#include "core/rate_limit.hpp"

namespace parley::app {

struct Principal {
  core::User user;
  core::Actor actor;
  std::string csrf_token;  // set for sessions; cookie-authenticated writes must echo it
  std::string session_hash;  // the SHA-256 of the session token, when authenticated by a session
};

struct LoginResult {
  Principal principal;
  std::string token;  // the session token: cookie value and bearer token
  core::TimestampMs expires_at = 0;
};

struct AuthLimits {
  int attempts_per_account = 10;  // per window
  int attempts_per_address = 30;
  core::TimestampMs window_ms = 15 * 60 * 1000;
  core::TimestampMs session_ttl_ms = 7LL * 24 * 60 * 60 * 1000;
};

class AuthService {
 public:
  AuthService(Store& store, PasswordHasher& hasher, const Clock& clock, AuthLimits limits = {});

  Result<LoginResult> login(const std::string& email, const std::string& password, const std::string& remote_address);
  // After login() answered RateLimited: whole seconds until this account and address may try
  // again (at least 1), for the 429's Retry-After.
  std::int64_t loginRetryAfterSeconds(const std::string& email, const std::string& remote_address);
  Status logout(const std::string& token);
  // A bearer token: an API token or a session token.
  Result<Principal> authenticateToken(const std::string& token);

  struct CreatedToken {
    core::ApiToken token;
    std::string secret;  // shown once
  };
  Result<CreatedToken> createApiToken(const core::Actor& actor, const std::string& name);

  // Creates a user with a hashed password (the admin CLI and the users API).
  Result<core::User> createUser(core::User user, const std::string& password);
  Result<core::Actor> actorFor(const core::User& user);
  Result<std::string> hashPassword(const std::string& password) { return hasher_.hash(password); }
  // Unauthorized unless `password` is the one `encoded_hash` was made from (bounded concurrency).
  // A signed-in user's current password (to change it): guesses count against the same limit
  // per account as logins, so a session left open is no way to try passwords without end.
  // RateLimited beyond it; Unauthorized when wrong.
  Status verifyCurrentPassword(const core::User& user, const std::string& password);
  std::int64_t accountRetryAfterSeconds(const std::string& email);

 private:
  Result<Principal> principalFor(const core::User& user, std::string csrf);

  Store& store_;
  PasswordHasher& hasher_;
  const Clock& clock_;
  AuthLimits limits_;
  std::string dummy_hash_;  // verified against for unknown accounts: same cost, no user oracle
  std::mutex limiter_mutex_;
  core::WindowRateLimiter per_account_;
  core::WindowRateLimiter per_address_;
};

}  // namespace parley::app
