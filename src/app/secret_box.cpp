#include "app/secret_box.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace parley::app {

using core::ErrorCode;
using core::makeError;

namespace {

void initSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

core::Result<SecretBox> SecretBox::fromKey(std::string key) {
  initSodium();
  if (key.size() != crypto_secretbox_KEYBYTES) {
    return makeError(ErrorCode::InvalidInput, "secret_key: must be 32 bytes (64 hex characters)");
  }
  return SecretBox(std::move(key));
}

core::Result<SecretBox> SecretBox::fromHex(std::string_view hex) {
  initSodium();
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (hex.size() != 2 * crypto_secretbox_KEYBYTES ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), hex.data(), hex.size(), nullptr, &length,
                     &end) != 0 ||
      length != key.size()) {
    return makeError(ErrorCode::InvalidInput, "secret_key: must be 64 hex characters (32 bytes)");
  }
  return fromKey(std::move(key));
}

core::Result<SecretBox> SecretBox::load(const std::string& secret_key_hex, const std::string& data_dir) {
  if (!secret_key_hex.empty()) return fromHex(secret_key_hex);
  initSodium();
  namespace fs = std::filesystem;
  const fs::path path = fs::path(data_dir) / "secret.key";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::ifstream in(path);
    std::string hex;
    in >> hex;
    auto box = fromHex(hex);
    if (!box) return makeError(ErrorCode::InvalidInput, path.string() + ": " + box.error().message);
    return box;
  }
  fs::create_directories(fs::path(data_dir), ec);
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  randombytes_buf(key.data(), key.size());
  std::string hex(2 * key.size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(key.data()), key.size());
  hex.pop_back();
  const fs::path temp = path.string() + ".new";
  {
    const mode_t old_mask = ::umask(077);  // readable by the server's user only
    std::ofstream out(temp, std::ios::trunc);
    ::umask(old_mask);
    out << hex << '\n';
    out.flush();
    if (!out) return makeError(ErrorCode::Unavailable, "cannot write " + temp.string());
  }
  fs::rename(temp, path, ec);
  if (ec) return makeError(ErrorCode::Unavailable, "cannot create " + path.string() + ": " + ec.message());
  return fromKey(std::move(key));
}

std::string SecretBox::seal(std::string_view plain) const {
  std::vector<unsigned char> box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size());
  unsigned char* nonce = box.data();
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box.data() + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plain.data()),
                        plain.size(), nonce, reinterpret_cast<const unsigned char*>(key_.data()));
  std::string encoded(sodium_base64_encoded_len(box.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), box.data(), box.size(), sodium_base64_VARIANT_ORIGINAL);
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  return std::string(kPrefix) + encoded;
}

core::Result<std::string> SecretBox::open(std::string_view value) const {
  if (!isSealed(value)) return std::string(value);
  const std::string_view encoded = value.substr(kPrefix.size());
  std::vector<unsigned char> box(encoded.size());
  std::size_t length = 0;
  if (sodium_base642bin(box.data(), box.size(), encoded.data(), encoded.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return makeError(ErrorCode::InvalidInput, "a sealed secret is damaged");
  }
  std::string plain(length - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), box.data() + crypto_secretbox_NONCEBYTES,
                                 length - crypto_secretbox_NONCEBYTES, box.data(),
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return makeError(ErrorCode::InvalidInput,
                     "a sealed secret does not open with this secret_key (was the key changed or lost?)");
  }
  return plain;
}

}  // namespace parley::app
