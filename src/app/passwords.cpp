#include "app/passwords.hpp"

#include <sodium.h>

namespace parley::app {

using core::ErrorCode;
using core::makeError;

PasswordHasher::PasswordHasher(int max_concurrent, std::chrono::milliseconds max_wait)
    : available_(max_concurrent), max_wait_(max_wait) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

bool PasswordHasher::acquire() {
  std::unique_lock lock(mutex_);
  if (!freed_.wait_for(lock, max_wait_, [&] { return available_ > 0; })) return false;
  --available_;
  return true;
}

void PasswordHasher::release() {
  {
    std::lock_guard lock(mutex_);
    ++available_;
  }
  freed_.notify_one();
}

core::Result<std::string> PasswordHasher::hash(const std::string& password) {
  if (password.size() < 8) return makeError(ErrorCode::InvalidInput, "password must have at least 8 characters");
  if (password.size() > 1024) return makeError(ErrorCode::InvalidInput, "password is longer than 1024 characters");
  if (!acquire()) return makeError(ErrorCode::Unavailable, "too many password operations at once; retry");
  char out[crypto_pwhash_STRBYTES];
  int rc = crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
  release();
  if (rc != 0) return makeError(ErrorCode::Unavailable, "out of memory while hashing a password");
  return std::string(out);
}

core::Status PasswordHasher::verify(const std::string& encoded_hash, const std::string& password) {
  if (encoded_hash.empty() || password.size() > 1024) return makeError(ErrorCode::Unauthorized, "wrong e-mail or password");
  if (!acquire()) return makeError(ErrorCode::Unavailable, "too many password operations at once; retry");
  int rc = crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size());
  release();
  if (rc != 0) return makeError(ErrorCode::Unauthorized, "wrong e-mail or password");
  return {};
}

}  // namespace parley::app
