#include "channels/email/mail_transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <regex>
#include <sstream>

#include "channels/common/bounded_sink.hpp"

namespace parley::channels::email {

using core::ErrorCode;
using core::makeError;

namespace {

std::string hostOf(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return {};
  const std::string rest = url.substr(scheme_end + 3);
  if (!rest.empty() && rest.front() == '[') {  // [::1]:143
    const auto close = rest.find(']');
    return close == std::string::npos ? rest : rest.substr(0, close + 1);
  }
  return rest.substr(0, rest.find_first_of(":/"));
}

bool isLoopback(const std::string& url) {
  const auto host = hostOf(url);
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]";
}

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// TLS, timeouts and credentials shared by IMAP and SMTP.
void configure(CURL* c, const InboxConfig& config, const MailServer& server, long timeout_ms) {
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10'000L));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps,smtp,smtps");
  if (!server.user.empty()) curl_easy_setopt(c, CURLOPT_USERNAME, server.user.c_str());
  if (!server.password.empty()) curl_easy_setopt(c, CURLOPT_PASSWORD, server.password.c_str());
  const bool implicit_tls = startsWith(server.url, "imaps://") || startsWith(server.url, "smtps://");
  if (!implicit_tls) {
    // STARTTLS: required, unless the server is on this machine or the admin allowed plain text.
    const bool plain_ok = config.allow_plaintext || isLoopback(server.url);
    curl_easy_setopt(c, CURLOPT_USE_SSL, plain_ok ? static_cast<long>(CURLUSESSL_TRY) : static_cast<long>(CURLUSESSL_ALL));
  }
  if (!config.tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!config.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config.ca_file.c_str());
}

bool isTemporaryNetworkError(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

std::string curlMessage(CURLcode rc, const char* detail) {
  std::string m = curl_easy_strerror(rc);
  if (detail && *detail) m += std::string(": ") + detail;
  return m;
}

// The IMAP URL of the server without its mailbox path ("imap://host:143").
std::string serverRoot(const std::string& url) {
  auto start = url.find("://");
  auto slash = url.find('/', start == std::string::npos ? 0 : start + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

// Mailbox names in an IMAP URL are %-encoded (RFC 5092).
std::string encodeMailbox(const std::string& mailbox) {
  std::string out;
  for (unsigned char ch : mailbox) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '/' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    }
  }
  return out;
}

std::string quoteImap(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

ImapSession::ImapSession(const InboxConfig& config, long timeout_ms)
    : config_(config), timeout_ms_(timeout_ms), curl_(curl_easy_init()) {}

ImapSession::~ImapSession() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

core::Result<std::string> ImapSession::run(const std::string& url, const std::string& command, std::size_t max_bytes) {
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) return makeError(ErrorCode::Unavailable, "could not create an IMAP client");
  curl_easy_reset(c);
  configure(c, config_, config_.imap, timeout_ms_);
  std::string out;
  BoundedSink sink{&out, max_bytes};
  char detail[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (!command.empty()) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, command.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, BoundedSink::write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
  const CURLcode rc = curl_easy_perform(c);
  if (sink.overflow) return makeError(ErrorCode::TooLarge, "the mail is larger than " + std::to_string(max_bytes) + " bytes");
  if (rc == CURLE_OK) return out;
  const std::string message = "IMAP " + hostOf(config_.imap.url) + ": " + curlMessage(rc, detail);
  if (isTemporaryNetworkError(rc)) return makeError(ErrorCode::Unavailable, message);
  if (rc == CURLE_LOGIN_DENIED) return makeError(ErrorCode::InvalidInput, message + " (check imap_user and imap_password)");
  if (rc == CURLE_REMOTE_FILE_NOT_FOUND) return makeError(ErrorCode::NotFound, message);
  if (rc == CURLE_USE_SSL_FAILED) return makeError(ErrorCode::InvalidInput, message + " (the server offers no STARTTLS)");
  if (rc == CURLE_PEER_FAILED_VERIFICATION) return makeError(ErrorCode::InvalidInput, message + " (certificate not trusted)");
  return makeError(ErrorCode::Unavailable, message);
}

core::Result<MailboxStatus> ImapSession::examine() {
  // EXAMINE opens the mailbox read-only; its untagged answers name UIDVALIDITY and UIDNEXT.
  auto answer = run(serverRoot(config_.imap.url) + "/", "EXAMINE " + quoteImap(config_.mailbox), 1 << 20);
  if (!answer) {
    if (answer.error().code == ErrorCode::Unavailable && answer.error().message.find("Quote command") != std::string::npos) {
      return makeError(ErrorCode::InvalidInput, "IMAP: no mailbox '" + config_.mailbox + "'");
    }
    return answer.error();
  }
  MailboxStatus status;
  static const std::regex kValidity(R"(\[UIDVALIDITY (\d+)\])", std::regex::icase);
  static const std::regex kNext(R"(\[UIDNEXT (\d+)\])", std::regex::icase);
  std::smatch m;
  if (std::regex_search(*answer, m, kValidity)) status.uid_validity = std::stoull(m[1]);
  if (std::regex_search(*answer, m, kNext)) status.uid_next = std::stoull(m[1]);
  if (status.uid_validity == 0) return makeError(ErrorCode::Unavailable, "IMAP: the server named no UIDVALIDITY for " + config_.mailbox);
  return status;
}

core::Result<std::vector<std::uint64_t>> ImapSession::uidsAfter(std::uint64_t after) {
  const std::string url = serverRoot(config_.imap.url) + "/" + encodeMailbox(config_.mailbox);
  auto answer = run(url, "UID SEARCH UID " + std::to_string(after + 1) + ":*", 8 << 20);
  if (!answer) return answer.error();
  // "* SEARCH 4 5 6"; "n:*" always matches the highest UID, even when it is below n.
  std::vector<std::uint64_t> uids;
  std::istringstream lines(*answer);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("* SEARCH", 0) != 0) continue;
    std::istringstream words(line.substr(8));
    std::uint64_t uid = 0;
    while (words >> uid) {
      if (uid > after) uids.push_back(uid);
    }
  }
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

core::Result<std::string> ImapSession::fetch(std::uint64_t uid_validity, std::uint64_t uid, std::size_t max_bytes) {
  const std::string url = serverRoot(config_.imap.url) + "/" + encodeMailbox(config_.mailbox) +
                          ";UIDVALIDITY=" + std::to_string(uid_validity) + "/;UID=" + std::to_string(uid);
  return run(url, "", max_bytes);
}

namespace {

struct Source {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t onRead(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* source = static_cast<Source*>(user);
  const std::size_t left = source->data->size() - source->offset;
  const std::size_t bytes = std::min(left, size * n);
  std::memcpy(buffer, source->data->data() + source->offset, bytes);
  source->offset += bytes;
  return bytes;
}

}  // namespace

SmtpOutcome sendSmtp(const InboxConfig& config, const std::vector<std::string>& recipients, const std::string& message,
                     long timeout_ms) {
  using Kind = SmtpOutcome::Kind;
  if (recipients.empty()) return {Kind::Permanent, "no recipient"};
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {Kind::Temporary, "could not create an SMTP client"};
  CURL* c = curl.get();
  configure(c, config, config.smtp, timeout_ms);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(nullptr, curl_slist_free_all);
  for (const auto& r : recipients) rcpt.reset(curl_slist_append(rcpt.release(), ("<" + r + ">").c_str()));
  const std::string from = "<" + config.address + ">";
  Source source{&message};
  char detail[CURL_ERROR_SIZE] = {0};
  // The EHLO name comes from the URL's path: our own domain, not the machine's name.
  const std::string url = config.smtp.url.substr(0, config.smtp.url.find_last_not_of('/') + 1) + "/" +
                          domainOf(config.address);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, onRead);
  curl_easy_setopt(c, CURLOPT_READDATA, &source);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {Kind::Sent, {}};
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  std::string error = "SMTP " + hostOf(config.smtp.url) + ": " + curlMessage(rc, detail);
  if (code > 0) error += " (server answered " + std::to_string(code) + ")";
  if (rc == CURLE_LOGIN_DENIED) return {Kind::Permanent, error + "; check smtp_user and smtp_password"};
  if (code >= 500 && code < 600) return {Kind::Permanent, error};
  if (code >= 400 && code < 500) return {Kind::Temporary, error};
  if (isTemporaryNetworkError(rc)) return {Kind::Temporary, error};
  if (rc == CURLE_USE_SSL_FAILED) return {Kind::Permanent, error + "; the server offers no STARTTLS"};
  if (rc == CURLE_PEER_FAILED_VERIFICATION) return {Kind::Permanent, error + "; its certificate is not trusted"};
  return {Kind::Temporary, error};
}

}  // namespace parley::channels::email
