// DESIGN: encryption at rest for the credentials in channel configurations (IMAP and SMTP
// passwords, provider access tokens). A value is sealed with libsodium's secretbox
// (XSalsa20-Poly1305, a fresh random nonce each time) under one 32-byte key and stored as
// "sealed:v1:<base64 of nonce and ciphertext>". The key lives outside the database: the
// `secret_key` setting (64 hex characters; every node of a cluster needs the same), or else the
// file <data_dir>/secret.key, created with mode 0600 on first start. A database copied without
// its key reveals no credential. Values that are not sealed open as themselves, so
// configurations written before sealing existed keep working and are sealed on their next save.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::app {

class SecretBox {
 public:
  static constexpr std::string_view kPrefix = "sealed:v1:";

  // key: exactly 32 raw bytes.
  static core::Result<SecretBox> fromKey(std::string key);
  static core::Result<SecretBox> fromHex(std::string_view hex);
  // secret_key_hex when set; otherwise <data_dir>/secret.key, created on first use.
  static core::Result<SecretBox> load(const std::string& secret_key_hex, const std::string& data_dir);

  std::string seal(std::string_view plain) const;
  // Plain text for a sealed value; anything without the prefix is returned as it is.
  // InvalidInput when a sealed value does not open (another key, or damaged).
  core::Result<std::string> open(std::string_view value) const;
  static bool isSealed(std::string_view value) { return value.substr(0, kPrefix.size()) == kPrefix; }

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace parley::app
