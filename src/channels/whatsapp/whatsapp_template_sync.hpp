// DESIGN: keeps each WhatsApp inbox's message templates in step with Meta. syncTemplates() reads
// every page of the WhatsApp Business Account's template listing (bounded: kMaxTemplatePages
// pages, kMaxTemplates templates, kMaxTemplatePageBytes a page) and stores them in the inbox's
// channel state (whatsapp_templates.hpp); a failed sync keeps the templates it had and records
// the error. TemplateSyncer runs it on its own thread (never an I/O thread): for every inbox
// with a business_account_id at start, every 6 hours after its last sync, and at once when an
// inbox is created or changed (wake()). The admin's "sync now" calls syncTemplates() directly on
// an API worker thread.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "app/background_loop.hpp"
#include "app/clock.hpp"
#include "app/secret_box.hpp"
#include "app/store.hpp"

namespace parley::channels::whatsapp {

struct TemplateSyncOptions {
  std::int64_t interval_ms = 6LL * 3600 * 1000;      // a successful sync holds this long
  std::int64_t retry_ms = 15LL * 60 * 1000;          // after a failed one
  std::chrono::milliseconds tick{60'000};            // how often due inboxes are looked for
  int page_limit = 100;                              // templates asked for per page
  long timeout_ms = 15'000;                          // per page
};

struct TemplateSyncOutcome {
  enum class Kind {
    Synced,         // count templates stored
    NotConfigured,  // the inbox has no business_account_id (or is not a WhatsApp inbox)
    Rejected,       // Meta answered 4xx (bad token, unknown account ...): message says why
    Unavailable,    // Meta unreachable, 429 or 5xx: try again later
    Failed,         // our side: the store, an unreadable answer
  } kind = Kind::Failed;
  std::size_t count = 0;     // templates stored (all statuses)
  std::size_t approved = 0;  // of which APPROVED
  core::TimestampMs synced_at = 0;
  std::string message;
};

// Blocking: call it from a worker thread. Writes the inbox's channel state.
TemplateSyncOutcome syncTemplates(app::Store& store, const app::Clock& clock, const app::SecretBox* secrets,
                                  const core::Inbox& inbox, const TemplateSyncOptions& options = {});

class TemplateSyncer {
 public:
  TemplateSyncer(app::Store& store, const app::Clock& clock, std::shared_ptr<const app::SecretBox> secrets,
                 TemplateSyncOptions options = {});
  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  // An inbox was created or changed: sync the ones whose configuration changed now.
  void wake() {
    changed_ = true;
    loop_.wake();
  }
  // One pass: syncs every inbox that is due; returns how many were synced.
  int runOnce();

 private:
  struct Schedule {
    core::TimestampMs next_at = -1;  // -1: not seen yet (read the last sync from the store)
    std::string config_json;
  };
  app::Store& store_;
  const app::Clock& clock_;
  std::shared_ptr<const app::SecretBox> secrets_;
  TemplateSyncOptions options_;
  std::mutex mutex_;
  std::map<core::InboxId, Schedule> schedules_;
  std::atomic<bool> changed_{false};
  app::BackgroundLoop loop_;
};

}  // namespace parley::channels::whatsapp
