#include "channels/email/email_config.hpp"

#include <boost/json.hpp>
#include <boost/url.hpp>

#include <algorithm>
#include <set>

#include "core/text.hpp"

namespace parley::channels::email {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

core::Error bad(const std::string& key, const std::string& what) {
  return makeError(ErrorCode::InvalidInput, "config." + key + ": " + what);
}

core::Result<std::string> optString(const json::object& o, const std::string& key, std::size_t max = 2000) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::string();
  if (!it->value().is_string()) return bad(key, "must be a string");
  std::string v(it->value().get_string());
  if (v.size() > max) return bad(key, "at most " + std::to_string(max) + " characters");
  return v;
}

core::Result<bool> optBool(const json::object& o, const std::string& key, bool fallback) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return fallback;
  if (!it->value().is_bool()) return bad(key, "must be true or false");
  return it->value().get_bool();
}

// Checks a server URL and takes the mailbox from an IMAP URL's path.
core::Status checkServerUrl(const std::string& key, const std::string& url, bool imap, std::string* mailbox) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return bad(key, "not a URL: '" + url + "'");
  const std::string scheme = core::asciiLower(parsed->scheme());
  const bool ok = imap ? (scheme == "imap" || scheme == "imaps") : (scheme == "smtp" || scheme == "smtps");
  if (!ok) return bad(key, imap ? "must start with imaps:// or imap://" : "must start with smtps:// or smtp://");
  if (parsed->host().empty()) return bad(key, "names no host");
  if (parsed->has_userinfo()) {
    return bad(key, std::string("put the user and password into ") + (imap ? "imap_user and imap_password" : "smtp_user and smtp_password") +
                        " (they are stored encrypted), not into the URL");
  }
  if (parsed->has_query() || parsed->has_fragment()) return bad(key, "must not have a query or fragment");
  if (imap && mailbox) {
    std::string path = parsed->path();
    while (!path.empty() && path.front() == '/') path.erase(path.begin());
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (path.find(';') != std::string::npos) return bad(key, "must not carry IMAP URL parameters (;UID=...)");
    if (!path.empty()) *mailbox = path;
  } else if (!imap) {
    std::string path = parsed->path();
    if (!path.empty() && path != "/") return bad(key, "must not have a path");
  }
  return {};
}

}  // namespace

std::string domainOf(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? std::string("parley.invalid") : address.substr(at + 1);
}

core::Result<InboxConfig> parseInboxConfig(const std::string& config_json) {
  boost::system::error_code ec;
  auto value = json::parse(config_json.empty() ? std::string_view("{}") : std::string_view(config_json), ec);
  if (ec || !value.is_object()) return makeError(ErrorCode::InvalidInput, "config: must be a JSON object");
  const auto& o = value.as_object();
  static const std::set<std::string> kKeys = {
      "address",       "display_name",  "imap_url",  "imap_user",   "imap_password", "smtp_url",
      "smtp_user",     "smtp_password", "poll_interval_s", "signature", "quote_history", "tls_verify",
      "ca_file",       "allow_plaintext", "form_senders",
      "max_messages_per_second"};  // the outbox's rate for this inbox (channels/common/send_rate.hpp)
  for (const auto& kv : o) {
    if (!kKeys.count(std::string(kv.key()))) {
      return bad(std::string(kv.key()), "unknown key (see docs/channels/EMAIL.md)");
    }
  }
  InboxConfig c;
  auto address = optString(o, "address", 320);
  if (!address) return address.error();
  c.address = core::asciiLower(*address);
  const auto at = c.address.find('@');
  if (c.address.empty()) return bad("address", "is required: the inbox's e-mail address, e.g. support@example.com");
  if (at == std::string::npos || at == 0 || at + 1 >= c.address.size() ||
      c.address.find_first_of(" <>,;\"\r\n\t") != std::string::npos) {
    return bad("address", "not an e-mail address: '" + *address + "'");
  }
  auto fill = [&](const char* key, std::string& out, std::size_t max) -> core::Status {
    auto v = optString(o, key, max);
    if (!v) return v.error();
    out = std::move(*v);
    if (out.find_first_of("\r\n") != std::string::npos) return bad(key, "must be one line");
    return {};
  };
  if (auto s = fill("display_name", c.display_name, 200); !s) return s.error();
  if (auto s = fill("imap_url", c.imap.url, 2000); !s) return s.error();
  if (auto s = fill("imap_user", c.imap.user, 320); !s) return s.error();
  if (auto s = fill("imap_password", c.imap.password, 1000); !s) return s.error();
  if (auto s = fill("smtp_url", c.smtp.url, 2000); !s) return s.error();
  if (auto s = fill("smtp_user", c.smtp.user, 320); !s) return s.error();
  if (auto s = fill("smtp_password", c.smtp.password, 1000); !s) return s.error();
  if (auto s = fill("ca_file", c.ca_file, 1000); !s) return s.error();
  if (!c.imap.url.empty()) {
    if (auto s = checkServerUrl("imap_url", c.imap.url, true, &c.mailbox); !s) return s.error();
    if (c.imap.user.empty()) return bad("imap_user", "is required with imap_url");
  }
  if (c.smtp.url.empty()) return bad("smtp_url", "is required: replies are sent through it (smtps://host:465 or smtp://host:587)");
  if (auto s = checkServerUrl("smtp_url", c.smtp.url, false, nullptr); !s) return s.error();
  if (auto it = o.find("poll_interval_s"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_int64() || it->value().get_int64() < 5 || it->value().get_int64() > 86'400) {
      return bad("poll_interval_s", "must be a whole number of seconds from 5 to 86400");
    }
    c.poll_interval_s = static_cast<int>(it->value().get_int64());
  }
  if (auto it = o.find("signature"); it != o.end() && !it->value().is_null()) {
    if (it->value().is_string()) {
      c.signature_de = c.signature_en = std::string(it->value().get_string());
    } else if (it->value().is_object()) {
      for (const auto& kv : it->value().as_object()) {
        if (!kv.value().is_string()) return bad("signature." + std::string(kv.key()), "must be a string");
        if (kv.key() == "de") c.signature_de = std::string(kv.value().get_string());
        else if (kv.key() == "en") c.signature_en = std::string(kv.value().get_string());
        else return bad("signature." + std::string(kv.key()), "languages are de and en");
      }
    } else {
      return bad("signature", "must be a string or an object {\"de\": ..., \"en\": ...}");
    }
    if (c.signature_de.size() > 4000 || c.signature_en.size() > 4000) return bad("signature", "at most 4000 characters");
  }
  auto quote = optBool(o, "quote_history", false);
  if (!quote) return quote.error();
  c.quote_history = *quote;
  auto verify = optBool(o, "tls_verify", true);
  if (!verify) return verify.error();
  c.tls_verify = *verify;
  auto plaintext = optBool(o, "allow_plaintext", false);
  if (!plaintext) return plaintext.error();
  c.allow_plaintext = *plaintext;
  if (auto it = o.find("form_senders"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_array() || it->value().as_array().size() > 50) {
      return bad("form_senders", "must be a list of at most 50 e-mail addresses, e.g. [\"noreply@shop.example\"]");
    }
    for (const auto& entry : it->value().as_array()) {
      const std::string sender = entry.is_string() ? core::asciiLower(entry.get_string()) : std::string();
      const auto sender_at = sender.find('@');
      if (sender.size() > 320 || sender_at == std::string::npos || sender_at == 0 || sender_at + 1 >= sender.size() ||
          sender.find_first_of(" <>,;\"\r\n\t") != std::string::npos) {
        return bad("form_senders", "not an e-mail address: " + (entry.is_string() ? "'" + std::string(entry.get_string()).substr(0, 100) + "'" : json::serialize(entry).substr(0, 100)));
      }
      c.form_senders.push_back(sender);
    }
  }
  return c;
}

}  // namespace parley::channels::email
