// DESIGN: the blocking network half of the e-mail channel, on libcurl: reading an IMAP mailbox
// and sending through SMTP. Everything is bounded (connect and total timeouts, a cap on the
// bytes of one mail) and runs on the e-mail poller's and the outbox's threads, never on an
// I/O thread. TLS: imaps:// and smtps:// are TLS from the start; imap:// and smtp:// must
// upgrade with STARTTLS, except on loopback or when the inbox allows plain text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "channels/email/email_config.hpp"
#include "core/result.hpp"

namespace parley::channels::email {

struct MailboxStatus {
  std::uint64_t uid_validity = 0;
  std::uint64_t uid_next = 0;  // 0 when the server did not say
};

// One IMAP connection, reused for every command of one poll (libcurl keeps it open).
// Errors are Unavailable (network, timeouts: try again later) or InvalidInput (login refused,
// no such mailbox: the configuration must change), with the server's words in the message.
class ImapSession {
 public:
  ImapSession(const InboxConfig& config, long timeout_ms = 30'000);
  ~ImapSession();
  ImapSession(const ImapSession&) = delete;
  ImapSession& operator=(const ImapSession&) = delete;

  core::Result<MailboxStatus> examine();
  // UIDs above `after`, ascending.
  core::Result<std::vector<std::uint64_t>> uidsAfter(std::uint64_t after);
  // The raw message; the UIDVALIDITY is sent along, so a mailbox reset in between fails
  // instead of fetching another mail. TooLarge over max_bytes.
  core::Result<std::string> fetch(std::uint64_t uid_validity, std::uint64_t uid, std::size_t max_bytes);

 private:
  core::Result<std::string> run(const std::string& url, const std::string& command, std::size_t max_bytes);
  const InboxConfig& config_;
  long timeout_ms_;
  void* curl_;  // CURL*
};

struct SmtpOutcome {
  enum class Kind { Sent, Temporary, Permanent } kind = Kind::Permanent;
  std::string error;  // the server's answer or the network error, for the agent
};

// Sends one message (CRLF lines) from config.address to `recipients`.
SmtpOutcome sendSmtp(const InboxConfig& config, const std::vector<std::string>& recipients, const std::string& message,
                     long timeout_ms = 60'000);

}  // namespace parley::channels::email
