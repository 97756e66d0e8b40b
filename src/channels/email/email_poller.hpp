// DESIGN: fetches new mail of every e-mail inbox over IMAP, on its own thread (never an I/O
// thread), a few inboxes at a time. Per inbox the store keeps the mailbox's UIDVALIDITY and
// the last UID stored (channel_state "imap.uidvalidity" / "imap.last_uid"), advanced after each
// mail is stored, so a restart neither loses nor re-imports mail; if the server resets the
// mailbox (a new UIDVALIDITY), it is read again from the start and the Message-ID
// deduplication drops what is already stored. Connection and login errors back off
// (poll interval doubling, at most 30 minutes) and are kept as the inbox's channel status
// (channel_state "status", shown by GET /api/v1/inboxes/{id}). A mail that is not a mail or
// too large is skipped and listed in that status; it is never retried forever.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "app/background_loop.hpp"
#include "app/clock.hpp"
#include "app/secret_box.hpp"
#include "app/store.hpp"
#include "channels/email/email_channel.hpp"

namespace parley::channels::email {

struct PollerOptions {
  int workers = 2;                                  // inboxes polled at once
  std::chrono::milliseconds tick{1000};             // how often due inboxes are looked for
  std::size_t max_mails_per_poll = 100;             // the rest follows at once in the next poll
  std::int64_t max_backoff_ms = 30 * 60 * 1000;
  long imap_timeout_ms = 30'000;
};

class EmailPoller {
 public:
  EmailPoller(app::Store& store, EmailReceiver& receiver, const app::Clock& clock,
              std::shared_ptr<const app::SecretBox> secrets, PollerOptions options = {});
  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  // An inbox was created or changed: poll it now.
  void wake() {
    changed_ = true;
    loop_.wake();
  }
  std::uint64_t fetched() const { return fetched_; }
  std::uint64_t failedPolls() const { return failed_polls_; }

  // One pass: polls every inbox that is due. Returns the number of inboxes polled.
  int runOnce();

 private:
  struct Schedule {
    core::TimestampMs next_at = 0;
    int failures = 0;
    std::string config_json;  // to notice a changed configuration
  };
  // Polls one inbox; returns true when more mail is waiting.
  bool poll(const core::Inbox& inbox, Schedule& schedule);
  void writeStatus(const core::Inbox& inbox, const std::string& status_json);

  app::Store& store_;
  EmailReceiver& receiver_;
  const app::Clock& clock_;
  std::shared_ptr<const app::SecretBox> secrets_;
  PollerOptions options_;
  std::mutex mutex_;
  std::map<core::InboxId, Schedule> schedules_;
  std::atomic<bool> changed_{false};
  std::atomic<std::uint64_t> fetched_{0}, failed_polls_{0};
  app::BackgroundLoop loop_;
};

}  // namespace parley::channels::email
