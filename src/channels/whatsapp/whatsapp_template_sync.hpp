// DESIGN: keeps each WhatsApp inbox's message templates in step with the provider. syncTemplates()
// reads every page of the template listing (bounded: kMaxTemplatePages pages, kMaxTemplates
// templates, kMaxTemplatePageBytes a page) and stores them in the inbox's channel state
// (whatsapp_templates.hpp); a failed sync keeps the templates it had and records the error.
// Two providers list WhatsApp templates: Meta (a Cloud API inbox with a business_account_id: the
// WhatsApp Business Account's message_templates) and Twilio (a Twilio inbox whose number is
// "whatsapp:+...": the Content API, channels/twilio/twilio_template_sync.hpp); both end in
// syncTemplateListing(), which pages, bounds and stores. TemplateSyncer runs it on its own
// thread (never an I/O thread): for every such inbox at start, every 6 hours after its last
// sync, and at once when an inbox is created or changed (wake()). The admin's "sync now" calls
// syncTemplates() directly on an API worker thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "app/background_loop.hpp"
#include "app/clock.hpp"
#include "app/secret_box.hpp"
#include "app/store.hpp"
#include "channels/common/http_client.hpp"
#include "channels/whatsapp/whatsapp_templates.hpp"

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

// One page of a provider's template listing as a sync reads it: the templates, the cursor (or
// URL) of the next page ("" on the last one), or why the page could not be read.
struct ListingPage {
  TemplateSyncOutcome::Kind failure = TemplateSyncOutcome::Kind::Synced;  // Synced: read fine
  std::string error;
  std::vector<MessageTemplate> templates;
  std::string next;
};
using ListingFetcher = std::function<ListingPage(const std::string& next)>;

// A page's HTTP answer that is not a 2xx to parse, classified: Failed when larger than
// kMaxTemplatePageBytes, Unavailable when the provider is unreachable or answers 429 / 5xx
// (`classify` is the provider's send-error classification), Rejected for its other 4xx; nullopt
// for a 2xx.
std::optional<ListingPage> listingFailure(const HttpAnswer& answer, std::string_view provider,
                                          app::DeliveryResult (*classify)(long, std::string_view, long));

// Reads every page through `fetch` (the first with next = ""), bounded as above, drops repeated
// (name, language) pairs and stores the result, or records the failure keeping what was stored.
// `provider` names it in messages ("WhatsApp", "Twilio").
TemplateSyncOutcome syncTemplateListing(app::Store& store, const app::Clock& clock, const core::Inbox& inbox,
                                        std::string_view provider, const ListingFetcher& fetch);

// Whether the inbox has templates to sync: a WhatsApp inbox with a business_account_id, or a
// Twilio inbox with a WhatsApp number.
bool syncsTemplates(const core::Inbox& inbox, const app::SecretBox* secrets);

// Blocking: call it from a worker thread. Writes the inbox's channel state. WhatsApp and Twilio
// WhatsApp inboxes; NotConfigured for any other.
TemplateSyncOutcome syncTemplates(app::Store& store, const app::Clock& clock, const app::SecretBox* secrets,
                                  const core::Inbox& inbox, const TemplateSyncOptions& options = {});

// The synced template an agent's reply names (by name and language), checked against it and
// built: what both gateways' renderTemplate() start from. InvalidInput when the inbox has no
// synced templates yet, the template is unknown or not approved, or the values do not fit.
struct StoredTemplateReply {
  MessageTemplate source;
  BuiltTemplate built;
};
core::Result<StoredTemplateReply> buildStoredTemplate(app::StoreTx& tx, const core::Inbox& inbox, const app::TemplateReply& reply);

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
