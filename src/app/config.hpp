// DESIGN: configuration is read once at start from an optional TOML file and then from
// PARLEY_<KEY> environment variables, which win. Every key is documented in docs/CONFIG.md
// and listed in kConfigKeys; an unknown key in the file is an error naming the key, so a typo
// never silently falls back to a default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parley::app {

struct Config {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 address
  std::uint16_t port = 8080;
  std::string data_dir = "./data";
  std::string database_url;  // default: sqlite://<data_dir>/parley.db
  int worker_threads = 32;
  std::int64_t body_limit_bytes = 32 * 1024 * 1024;
  std::int64_t attachment_max_bytes = 25 * 1024 * 1024;
  int attachment_sweep_seconds = 3600;  // how often, and after how long, unused blobs go; 0: never
  bool secure_cookies = false;
  std::string trusted_proxies;  // addresses/networks whose X-Forwarded-For is believed; empty: none
  int session_ttl_hours = 168;
  int outbox_max_attempts = 10;
  int outbox_workers = 4;  // threads delivering replies, each for its share of the inboxes
  int login_attempts_per_account = 10;
  int login_attempts_per_address = 30;
  int password_hash_concurrency = 2;
  std::string static_dir;  // the built web app; empty serves the API only
  bool create_demo = true;  // on a fresh database: a demo tenant and an admin user
  bool log_requests = true;  // one JSON log line per request
  std::string secret_key;     // 64 hex characters; empty: <data_dir>/secret.key (see secret_box.hpp)
  int email_poll_workers = 2;  // IMAP inboxes polled at once
  std::string dictionaries_dir = "/usr/share/hunspell";  // de_DE and en_US for spell checking
  // PARLEY_* variables that name no setting (a typo such as PARLEY_PROT): warned about at start.
  std::vector<std::string> unknown_environment;
};

struct ConfigKey {
  const char* name;
  const char* help;
};
extern const std::vector<ConfigKey> kConfigKeys;

// Throws std::runtime_error with a clear message (unknown key, bad value, unreadable file).
Config loadConfig(const std::string& toml_path, char** environ_vars);

}  // namespace parley::app
