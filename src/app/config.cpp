#include "app/config.hpp"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <cstring>
#include <stdexcept>

namespace parley::app {

const std::vector<ConfigKey> kConfigKeys = {
    {"host", "IPv4 or IPv6 address to listen on, not a host name (default 127.0.0.1; 0.0.0.0 or :: for every interface)"},
    {"port", "TCP port (default 8080; 0 picks a free one)"},
    {"data_dir", "directory for the SQLite database and attachments (default ./data)"},
    {"database_url", "sqlite:///path/parley.db or postgresql://user@host:port/db (default sqlite in data_dir)"},
    {"worker_threads", "threads for blocking work: database, hashing, outbound HTTP; more threads let more writes share one commit (default 32)"},
    {"body_limit_bytes", "largest request body accepted; larger gets 413 (default 33554432)"},
    {"attachment_max_bytes", "largest attachment (default 26214400)"},
    {"attachment_sweep_seconds", "how often attachment files that no attachment names any more are removed from data_dir/attachments (files the customer unsent, bytes saved by a request that then failed, half-written files a crash left); such a file must also have been unused that long, and at least an hour (default 3600; 0: never; run it on one node only when nodes share the directory)"},
    {"secure_cookies", "mark session cookies Secure; set true behind HTTPS (default false)"},
    {"trusted_proxies", "reverse proxies in front of Parley, as addresses or networks separated by commas (e.g. 127.0.0.1, 10.0.0.0/8): for a connection from one of them the client address is read from X-Forwarded-For, for rate limits and logs (default: none, the connection's address counts)"},
    {"session_ttl_hours", "how long a login session lasts (default 168)"},
    {"outbox_max_attempts", "delivery attempts before a reply is marked failed (default 10)"},
    {"outbox_workers", "threads delivering replies; each inbox belongs to one of them, so its replies go out in order, and a receiver that answers slowly holds up only the inboxes sharing its thread (default 4)"},
    {"login_attempts_per_account", "login attempts per account per 15 minutes (default 10)"},
    {"login_attempts_per_address", "login attempts per client address per 15 minutes (default 30)"},
    {"password_hash_concurrency", "argon2id hashes computed at once, 64 MiB each (default 2)"},
    {"static_dir", "directory of the built web app served at / (default: none)"},
    {"create_demo", "create a demo tenant and admin on a fresh database (default true)"},
    {"log_requests", "write one JSON log line per HTTP request to stderr (default true)"},
    {"secret_key", "64 hex characters: the key that encrypts channel credentials at rest; give every node of a cluster the same (default: generated once into data_dir/secret.key)"},
    {"email_poll_workers", "e-mail inboxes fetched over IMAP at the same time (default 2)"},
    {"dictionaries_dir", "where the hunspell dictionaries de_DE and en_US for the composer's spell check are (default /usr/share/hunspell)"},
};

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::int64_t toInt(const std::string& key, const std::string& text, std::int64_t min, std::int64_t max) {
  try {
    std::size_t used = 0;
    long long v = std::stoll(text, &used);
    if (used != text.size() || v < min || v > max) throw std::out_of_range("range");
    return v;
  } catch (const std::exception&) {
    throw std::runtime_error("config " + key + ": expected an integer from " + std::to_string(min) + " to " +
                             std::to_string(max) + ", got '" + text + "'");
  }
}

// The server binds the address as given: an IPv4 or IPv6 address, not a host name.
std::string toAddress(const std::string& key, const std::string& text) {
  unsigned char buf[sizeof(struct in6_addr)];
  if (::inet_pton(AF_INET, text.c_str(), buf) == 1 || ::inet_pton(AF_INET6, text.c_str(), buf) == 1) return text;
  throw std::runtime_error("config " + key + ": expected an IPv4 or IPv6 address to listen on (e.g. 127.0.0.1, 0.0.0.0, ::), got '" +
                           text + "'");
}

bool toBool(const std::string& key, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  throw std::runtime_error("config " + key + ": expected true or false, got '" + text + "'");
}

void apply(Config& c, const std::string& key, const std::string& v) {
  if (key == "host") c.host = toAddress(key, v);
  else if (key == "port") c.port = static_cast<std::uint16_t>(toInt(key, v, 0, 65535));
  else if (key == "data_dir") c.data_dir = v;
  else if (key == "database_url") c.database_url = v;
  else if (key == "worker_threads") c.worker_threads = static_cast<int>(toInt(key, v, 1, 256));
  else if (key == "body_limit_bytes") c.body_limit_bytes = toInt(key, v, 1024, 1LL << 32);
  else if (key == "attachment_max_bytes") c.attachment_max_bytes = toInt(key, v, 1, 1LL << 32);
  else if (key == "attachment_sweep_seconds") c.attachment_sweep_seconds = static_cast<int>(toInt(key, v, 0, 7 * 24 * 3600));
  else if (key == "secure_cookies") c.secure_cookies = toBool(key, v);
  else if (key == "trusted_proxies") c.trusted_proxies = v;
  else if (key == "session_ttl_hours") c.session_ttl_hours = static_cast<int>(toInt(key, v, 1, 24 * 365));
  else if (key == "outbox_max_attempts") c.outbox_max_attempts = static_cast<int>(toInt(key, v, 1, 100));
  else if (key == "outbox_workers") c.outbox_workers = static_cast<int>(toInt(key, v, 1, 64));
  else if (key == "login_attempts_per_account") c.login_attempts_per_account = static_cast<int>(toInt(key, v, 1, 100000));
  else if (key == "login_attempts_per_address") c.login_attempts_per_address = static_cast<int>(toInt(key, v, 1, 100000));
  else if (key == "password_hash_concurrency") c.password_hash_concurrency = static_cast<int>(toInt(key, v, 1, 64));
  else if (key == "static_dir") c.static_dir = v;
  else if (key == "create_demo") c.create_demo = toBool(key, v);
  else if (key == "log_requests") c.log_requests = toBool(key, v);
  else if (key == "secret_key") c.secret_key = v;
  else if (key == "dictionaries_dir") c.dictionaries_dir = v;
  else if (key == "email_poll_workers") c.email_poll_workers = static_cast<int>(toInt(key, v, 1, 64));
  else throw std::runtime_error("unknown config key: " + key);
}

}  // namespace

Config loadConfig(const std::string& toml_path, char** environ_vars) {
  Config config;
  if (!toml_path.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(toml_path);
    } catch (const toml::parse_error& e) {
      throw std::runtime_error("cannot read config " + toml_path + ": " + std::string(e.description()));
    }
    for (const auto& [k, node] : table) {
      const std::string key(k.str());
      std::string text;
      if (auto s = node.value<std::string>(); s && node.is_string()) text = *s;
      else if (auto i = node.value<std::int64_t>(); i && node.is_integer()) text = std::to_string(*i);
      else if (auto b = node.value<bool>(); b && node.is_boolean()) text = *b ? "true" : "false";
      else if (node.is_table()) throw std::runtime_error("unknown config key: " + key + " (sections are not used; write keys at the top level)");
      else throw std::runtime_error("config " + key + ": unsupported value type");
      apply(config, key, text);
    }
  }
  for (char** env = environ_vars; env && *env; ++env) {
    const char* eq = std::strchr(*env, '=');
    if (!eq || std::strncmp(*env, "PARLEY_", 7) != 0) continue;
    const std::string name(static_cast<const char*>(*env + 7), eq);
    bool known = false;
    for (const auto& key : kConfigKeys) {
      if (upper(key.name) == name) {
        apply(config, key.name, eq + 1);
        known = true;
      }
    }
    if (!known) config.unknown_environment.push_back("PARLEY_" + name);
  }
  if (config.database_url.empty()) config.database_url = "sqlite://" + config.data_dir + "/parley.db";
  return config;
}

}  // namespace parley::app
