#include "channels/email/email_poller.hpp"

#include <boost/json.hpp>

#include <thread>

#include "app/log.hpp"
#include "channels/email/mail_transport.hpp"
#include "core/text.hpp"

namespace parley::channels::email {

namespace json = boost::json;
using core::ErrorCode;

namespace {

constexpr const char* kValidityKey = "imap.uidvalidity";
constexpr const char* kLastUidKey = "imap.last_uid";
constexpr const char* kStatusKey = "status";
constexpr std::size_t kSkippedKept = 20;

std::uint64_t toUint(const std::string& s) {
  try {
    return std::stoull(s);
  } catch (const std::exception&) {
    return 0;
  }
}

void logLine(const std::string& level, const std::string& message, const core::Inbox& inbox) {
  app::logLine(level, message, {{"inbox_id", inbox.id.value}, {"channel", "email"}});
}

}  // namespace

EmailPoller::EmailPoller(app::Store& store, EmailReceiver& receiver, const app::Clock& clock,
                         std::shared_ptr<const app::SecretBox> secrets, PollerOptions options)
    : store_(store),
      receiver_(receiver),
      clock_(clock),
      secrets_(std::move(secrets)),
      options_(options),
      loop_([this] { return runOnce(); }, options.tick) {}

int EmailPoller::runOnce() {
  auto inboxes = app::readOne(store_, [](app::StoreTx& tx) { return tx.listInboxesByChannel(core::ChannelKind::Email); });
  if (!inboxes) return 0;
  const auto now = clock_.now();
  const bool changed = changed_.exchange(false);
  std::vector<std::pair<core::Inbox, Schedule*>> due;
  {
    std::lock_guard lock(mutex_);
    std::map<core::InboxId, Schedule> kept;
    for (auto& inbox : *inboxes) {
      Schedule schedule;
      if (auto it = schedules_.find(inbox.id); it != schedules_.end()) schedule = it->second;
      if (changed && schedule.config_json != inbox.config_json) schedule = Schedule{};  // new settings: poll now
      kept[inbox.id] = schedule;
    }
    schedules_ = std::move(kept);  // deleted inboxes drop out
    for (auto& inbox : *inboxes) {
      auto& schedule = schedules_[inbox.id];
      if (schedule.next_at <= now && static_cast<int>(due.size()) < std::max(1, options_.workers) * 4) {
        due.emplace_back(std::move(inbox), &schedule);
      }
    }
  }
  // A few inboxes at a time: one slow server does not hold up the others for long.
  std::size_t next = 0;
  std::mutex next_mutex;
  auto work = [&] {
    for (;;) {
      std::pair<core::Inbox, Schedule*>* job = nullptr;
      {
        std::lock_guard lock(next_mutex);
        if (next >= due.size() || loop_.stopping()) return;
        job = &due[next++];
      }
      Schedule schedule;
      {
        std::lock_guard lock(mutex_);
        schedule = *job->second;
      }
      poll(job->first, schedule);
      std::lock_guard lock(mutex_);
      if (auto it = schedules_.find(job->first.id); it != schedules_.end()) it->second = schedule;
    }
  };
  std::vector<std::thread> threads;
  const int n = std::min<int>(std::max(1, options_.workers), static_cast<int>(due.size()));
  for (int i = 1; i < n; ++i) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return static_cast<int>(due.size());
}

void EmailPoller::writeStatus(const core::Inbox& inbox, const std::string& status_json) {
  (void)store_.write([&](app::StoreTx& tx) { return tx.setChannelState(inbox.id, kStatusKey, status_json, clock_.now()); });
}

bool EmailPoller::poll(const core::Inbox& inbox, Schedule& schedule) {
  const auto started = clock_.now();
  schedule.config_json = inbox.config_json;
  json::object status{{"last_poll_at", started}};
  // Skipped mails stay listed across polls.
  if (auto previous = app::readOne(store_, [&](app::StoreTx& tx) { return tx.getChannelState(inbox.id, kStatusKey); })) {
    boost::system::error_code ec;
    auto v = json::parse(*previous, ec);
    if (!ec && v.is_object()) {
      if (auto it = v.as_object().find("skipped"); it != v.as_object().end()) status["skipped"] = it->value();
      if (auto it = v.as_object().find("last_success_at"); it != v.as_object().end()) status["last_success_at"] = it->value();
    }
  }
  auto fail = [&](const core::Error& error) {
    ++failed_polls_;
    schedule.failures += 1;
    const auto config = parseInboxConfig(inbox.config_json);
    const std::int64_t interval = 1000LL * (config ? config->poll_interval_s : 60);
    const std::int64_t backoff = std::min(options_.max_backoff_ms, interval << std::min(schedule.failures, 16));
    schedule.next_at = clock_.now() + backoff;
    status["state"] = "error";
    status["last_error"] = core::toValidUtf8(error.message);
    status["failures"] = schedule.failures;
    status["next_poll_at"] = schedule.next_at;
    writeStatus(inbox, json::serialize(status));
    logLine("warn", "e-mail polling failed: " + error.message, inbox);
    return false;
  };

  auto config = inboxConfig(inbox, secrets_.get());
  if (!config) return fail(config.error());
  if (config->imap.url.empty()) {
    // Mail arrives through the inbound webhook only.
    schedule.next_at = clock_.now() + 3600 * 1000;
    status["state"] = "webhook_only";
    writeStatus(inbox, json::serialize(status));
    return false;
  }
  ImapSession session(*config, options_.imap_timeout_ms);
  auto mailbox = session.examine();
  if (!mailbox) return fail(mailbox.error());

  std::uint64_t validity = 0, last_uid = 0;
  auto loaded = store_.read([&](app::StoreTx& tx) -> core::Status {
    if (auto v = tx.getChannelState(inbox.id, kValidityKey)) validity = toUint(*v);
    if (auto u = tx.getChannelState(inbox.id, kLastUidKey)) last_uid = toUint(*u);
    return {};
  });
  if (!loaded) return fail(loaded.error());
  if (validity != mailbox->uid_validity) {
    if (validity != 0) {
      logLine("warn", "the IMAP mailbox was reset (new UIDVALIDITY): reading it again; stored mails are not duplicated", inbox);
    }
    validity = mailbox->uid_validity;
    last_uid = 0;
    auto saved = store_.write([&](app::StoreTx& tx) -> core::Status {
      if (auto s = tx.setChannelState(inbox.id, kValidityKey, std::to_string(validity), clock_.now()); !s) return s;
      return tx.setChannelState(inbox.id, kLastUidKey, "0", clock_.now());
    });
    if (!saved) return fail(saved.error());
  }
  auto uids = session.uidsAfter(last_uid);
  if (!uids) return fail(uids.error());

  std::size_t handled = 0;
  json::array skipped = status.contains("skipped") && status["skipped"].is_array() ? status["skipped"].as_array() : json::array{};
  for (const auto uid : *uids) {
    if (handled >= options_.max_mails_per_poll || loop_.stopping()) break;
    auto raw = session.fetch(validity, uid, receiver_.maxMailBytes());
    std::string skip_reason;
    if (!raw) {
      if (raw.error().code == ErrorCode::TooLarge || raw.error().code == ErrorCode::NotFound) {
        skip_reason = raw.error().message;
      } else {
        return fail(raw.error());
      }
    } else {
      auto received = receiver_.receive(inbox, *config, *raw);
      if (!received) {
        if (received.error().code == ErrorCode::Unavailable || received.error().code == ErrorCode::Internal) {
          return fail(received.error());  // the store: try this mail again later
        }
        skip_reason = received.error().message;
      } else if (received->kind == ReceiveResult::Kind::Stored) {
        ++fetched_;
      }
    }
    if (!skip_reason.empty()) {
      logLine("warn", "skipped IMAP UID " + std::to_string(uid) + ": " + skip_reason, inbox);
      skipped.push_back(json::object{{"uid", uid}, {"reason", core::toValidUtf8(skip_reason)}, {"at", clock_.now()}});
      while (skipped.size() > kSkippedKept) skipped.erase(skipped.begin());
    }
    auto advanced = store_.write([&](app::StoreTx& tx) { return tx.setChannelState(inbox.id, kLastUidKey, std::to_string(uid), clock_.now()); });
    if (!advanced) return fail(advanced.error());
    ++handled;
  }
  const bool more = handled < uids->size();
  schedule.failures = 0;
  schedule.next_at = more ? clock_.now() : clock_.now() + 1000LL * config->poll_interval_s;
  status["state"] = "ok";
  status["last_error"] = "";
  status["last_success_at"] = clock_.now();
  status["next_poll_at"] = schedule.next_at;
  status["failures"] = 0;
  if (!skipped.empty()) status["skipped"] = skipped;
  writeStatus(inbox, json::serialize(status));
  return more;
}

}  // namespace parley::channels::email
