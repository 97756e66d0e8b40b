// DESIGN: argon2id (libsodium, "interactive" limits: ~70 ms and 64 MiB per hash). Hashing is
// bounded: at most `max_concurrent` hashes run at once and the rest wait up to a deadline, so a
// burst of logins cannot take all memory or all worker threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "core/result.hpp"

namespace parley::app {

class PasswordHasher {
 public:
  explicit PasswordHasher(int max_concurrent = 2, std::chrono::milliseconds max_wait = std::chrono::seconds(5));

  core::Result<std::string> hash(const std::string& password);
  // Unauthorized when the password does not match; Unavailable when the hasher is saturated.
  core::Status verify(const std::string& encoded_hash, const std::string& password);

 private:
  bool acquire();
  void release();

  std::mutex mutex_;
  std::condition_variable freed_;
  int available_;
  std::chrono::milliseconds max_wait_;
};

}  // namespace parley::app
