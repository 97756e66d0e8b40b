#include "channels/whatsapp/whatsapp_template_sync.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <set>
#include <utility>

#include "app/log.hpp"
#include "channels/common/http_client.hpp"
#include "channels/twilio/twilio_template_sync.hpp"
#include "core/customer_window.hpp"
#include "channels/whatsapp/whatsapp_codec.hpp"
#include "channels/whatsapp/whatsapp_gateway.hpp"
#include "channels/whatsapp/whatsapp_templates.hpp"

namespace parley::channels::whatsapp {

using Kind = TemplateSyncOutcome::Kind;

namespace {

void logLine(const std::string& level, const std::string& message, const core::Inbox& inbox) {
  app::logLine(level, message, {{"inbox_id", inbox.id.value}, {"channel", "whatsapp"}});
}

StoredTemplates loadStored(app::Store& store, core::InboxId inbox) {
  auto text = app::readOne(store, [&](app::StoreTx& tx) { return tx.getChannelState(inbox, kTemplatesStateKey); });
  if (!text) return {};
  auto stored = parseStoredTemplates(*text);
  return stored ? std::move(*stored) : StoredTemplates{};
}

}  // namespace

std::optional<ListingPage> listingFailure(const HttpAnswer& answer, std::string_view provider,
                                          app::DeliveryResult (*classify)(long, std::string_view, long)) {
  ListingPage page;
  if (answer.too_large) {
    page.failure = Kind::Failed;
    page.error = "a page of " + std::string(provider) + "'s template listing is larger than 4 MiB";
  } else if (!answer.transport_ok) {
    page.failure = Kind::Unavailable;
    page.error = std::string(provider) + " unreachable: " + answer.error;
  } else if (answer.status < 200 || answer.status >= 300) {
    auto classified = classify(answer.status, answer.body, answer.retry_after_s);
    page.failure = classified.outcome == app::DeliveryResult::Outcome::RetryLater ? Kind::Unavailable : Kind::Rejected;
    page.error = classified.error;
  } else {
    return std::nullopt;
  }
  return page;
}

TemplateSyncOutcome syncTemplateListing(app::Store& store, const app::Clock& clock, const core::Inbox& inbox,
                                        std::string_view provider, const ListingFetcher& fetch) {
  TemplateSyncOutcome out;
  std::vector<MessageTemplate> templates;
  std::set<std::pair<std::string, std::string>> seen;  // (name, language): a page repeated by the provider counts once
  std::string next;
  bool complete = false;
  for (std::size_t page = 0; page < kMaxTemplatePages; ++page) {
    auto parsed = fetch(next);
    if (parsed.failure != Kind::Synced) {
      out.kind = parsed.failure;
      out.message = parsed.error;
      // Keep what we had; say why it is not fresh.
      auto stored = loadStored(store, inbox.id);
      stored.last_attempt_at = clock.now();
      stored.last_error = parsed.error;
      (void)store.write([&](app::StoreTx& tx) {
        return tx.setChannelState(inbox.id, kTemplatesStateKey, serializeStoredTemplates(stored), clock.now());
      });
      logLine("warn", std::string(provider) + " template sync failed: " + parsed.error, inbox);
      return out;
    }
    for (auto& t : parsed.templates) {
      if (templates.size() >= kMaxTemplates) break;
      if (seen.insert({t.name, t.language}).second) templates.push_back(std::move(t));
    }
    if (parsed.next.empty() || parsed.next == next || templates.size() >= kMaxTemplates) {
      complete = true;
      break;
    }
    next = std::move(parsed.next);
  }
  if (!complete) logLine("warn", std::string(provider) + " template listing longer than 50 pages: the rest is left out", inbox);

  StoredTemplates stored;
  stored.synced_at = stored.last_attempt_at = clock.now();
  stored.templates = std::move(templates);
  auto saved = store.write([&](app::StoreTx& tx) {
    return tx.setChannelState(inbox.id, kTemplatesStateKey, serializeStoredTemplates(stored), clock.now());
  });
  if (!saved) {
    out.kind = Kind::Failed;
    out.message = "the templates could not be stored: " + saved.error().message;
    return out;
  }
  out.kind = Kind::Synced;
  out.count = stored.templates.size();
  for (const auto& t : stored.templates) out.approved += t.status == "APPROVED" ? 1 : 0;
  out.synced_at = stored.synced_at;
  return out;
}

bool syncsTemplates(const core::Inbox& inbox, const app::SecretBox* secrets) {
  if (inbox.channel == core::ChannelKind::Twilio) return core::hasCustomerWindow(inbox);
  if (inbox.channel != core::ChannelKind::WhatsApp) return false;
  auto config = parseInboxConfig(inbox.config_json, secrets);
  return config && !config->business_account_id.empty();
}

TemplateSyncOutcome syncTemplates(app::Store& store, const app::Clock& clock, const app::SecretBox* secrets,
                                  const core::Inbox& inbox, const TemplateSyncOptions& options) {
  TemplateSyncOutcome out;
  if (inbox.channel == core::ChannelKind::Twilio) return twilio::syncContentTemplates(store, clock, secrets, inbox, options);
  if (inbox.channel != core::ChannelKind::WhatsApp) {
    out.kind = Kind::NotConfigured;
    out.message = "message templates are a WhatsApp feature; this is a " + std::string(core::toString(inbox.channel)) + " inbox";
    return out;
  }
  auto config = parseInboxConfig(inbox.config_json, secrets);
  if (!config) {
    out.kind = Kind::NotConfigured;
    out.message = "the inbox configuration is invalid: " + config.error().message;
    return out;
  }
  if (config->business_account_id.empty()) {
    out.kind = Kind::NotConfigured;
    out.message = "config.business_account_id: set the WhatsApp Business Account id of this number to sync its templates";
    return out;
  }
  if (auto url = templatesUrl(config->api_base_url, config->business_account_id, "", options.page_limit); !url) {
    out.kind = Kind::NotConfigured;
    out.message = url.error().message;
    return out;
  }
  return syncTemplateListing(store, clock, inbox, "WhatsApp", [&](const std::string& after) {
    ListingPage page;
    HttpCall call;
    call.url = *templatesUrl(config->api_base_url, config->business_account_id, after, options.page_limit);
    call.headers = {{"Authorization", "Bearer " + config->access_token}};
    call.timeout_ms = options.timeout_ms;
    call.max_response_bytes = kMaxTemplatePageBytes;
    auto answer = performHttp(call);
    // The send path's classification: Meta's code and message, temporary or not.
    if (auto failed = listingFailure(answer, "WhatsApp", &classifySendError)) return std::move(*failed);
    if (auto parsed = parseTemplatePage(answer.body); !parsed) {
      page.failure = Kind::Failed;
      page.error = "WhatsApp's template listing was unreadable: " + parsed.error().message;
    } else {
      page.templates = std::move(parsed->templates);
      page.next = std::move(parsed->after);
    }
    return page;
  });
}

core::Result<StoredTemplateReply> buildStoredTemplate(app::StoreTx& tx, const core::Inbox& inbox, const app::TemplateReply& reply) {
  auto state = tx.getChannelState(inbox.id, kTemplatesStateKey);
  if (!state && state.error().code != core::ErrorCode::NotFound) return state.error();
  if (!state) {
    const std::string how = inbox.channel == core::ChannelKind::Twilio ? "sync them from Twilio's Content API"
                                                                        : "set config.business_account_id and sync them";
    return core::makeError(core::ErrorCode::InvalidInput, "this inbox has no synced templates yet: " + how +
                                                              " (POST /api/v1/inboxes/" + std::to_string(inbox.id.value) +
                                                              "/templates/sync)");
  }
  auto stored = parseStoredTemplates(*state);
  if (!stored) return stored.error();
  for (auto& t : stored->templates) {
    if (t.name != reply.name || t.language != reply.language) continue;
    auto built = buildTemplate(t, reply);
    if (!built) return built.error();
    return StoredTemplateReply{std::move(t), std::move(*built)};
  }
  return core::makeError(core::ErrorCode::InvalidInput, "template " + reply.name + " (" + reply.language +
                                                            ") is not among this inbox's synced templates");
}

TemplateSyncer::TemplateSyncer(app::Store& store, const app::Clock& clock, std::shared_ptr<const app::SecretBox> secrets,
                               TemplateSyncOptions options)
    : store_(store),
      clock_(clock),
      secrets_(std::move(secrets)),
      options_(options),
      loop_([this] { return runOnce(); }, options.tick) {}

int TemplateSyncer::runOnce() {
  auto inboxes = app::readOne(store_, [](app::StoreTx& tx) { return tx.listInboxesByChannel(core::ChannelKind::WhatsApp); });
  if (!inboxes) return 0;
  // Twilio inboxes with a WhatsApp number sync their Content API templates the same way.
  if (auto twilio = app::readOne(store_, [](app::StoreTx& tx) { return tx.listInboxesByChannel(core::ChannelKind::Twilio); })) {
    for (auto& inbox : *twilio) {
      if (core::hasCustomerWindow(inbox)) inboxes->push_back(std::move(inbox));
    }
  }
  const bool changed = changed_.exchange(false);
  std::vector<core::Inbox> due;
  {
    std::lock_guard lock(mutex_);
    std::map<core::InboxId, Schedule> kept;
    for (auto& inbox : *inboxes) {
      Schedule schedule;
      if (auto it = schedules_.find(inbox.id); it != schedules_.end()) schedule = it->second;
      if (schedule.next_at < 0) {
        // First sight (start-up or a new inbox): continue from the last sync the store knows.
        auto stored = loadStored(store_, inbox.id);
        schedule.next_at = stored.last_attempt_at == 0 ? 0
                           : stored.last_error.empty() ? stored.synced_at + options_.interval_ms
                                                       : stored.last_attempt_at + options_.retry_ms;
        schedule.config_json = inbox.config_json;
      }
      if (changed && schedule.config_json != inbox.config_json) schedule = Schedule{0, inbox.config_json};
      kept[inbox.id] = schedule;
    }
    schedules_ = std::move(kept);  // deleted inboxes drop out
    const auto now = clock_.now();
    for (auto& inbox : *inboxes) {
      if (schedules_[inbox.id].next_at <= now) due.push_back(std::move(inbox));
    }
  }
  int synced = 0;
  for (const auto& inbox : due) {
    if (loop_.stopping()) break;
    core::TimestampMs next_at = clock_.now() + options_.interval_ms;
    if (syncsTemplates(inbox, secrets_.get())) {
      auto outcome = syncTemplates(store_, clock_, secrets_.get(), inbox, options_);
      if (outcome.kind == Kind::Synced) {
        ++synced;
      } else {
        next_at = clock_.now() + options_.retry_ms;
      }
    }
    std::lock_guard lock(mutex_);
    if (auto it = schedules_.find(inbox.id); it != schedules_.end()) {
      it->second.next_at = next_at;
      it->second.config_json = inbox.config_json;
    }
  }
  return synced;  // the next pass finds nothing due and waits for the tick or a wake-up
}

}  // namespace parley::channels::whatsapp
