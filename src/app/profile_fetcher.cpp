#include "app/profile_fetcher.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/log.hpp"
#include "core/text.hpp"

namespace parley::app {

using core::ErrorCode;

namespace {

void logGaveUp(const core::Inbox& inbox, const std::string& channel, core::ContactId contact, const std::string& reason) {
  logLine("warn", "customer profile not fetched; the contact keeps its id as name",
          {{"channel", channel}, {"inbox_id", inbox.id.value}, {"contact_id", contact.value}, {"error", reason}});
}

}  // namespace

ProfileFetcher::ProfileFetcher(Store& store, EventBus& bus, const Clock& clock, ChannelGateways gateways,
                               ProfileFetchPolicy policy)
    : store_(store),
      bus_(bus),
      clock_(clock),
      gateways_(std::move(gateways)),
      policy_(policy),
      loop_([this] { return runOnce(); }, policy.idle_poll) {}

void ProfileFetcher::onEvent(const Event& event) {
  if (event.type != "conversation.created") return;
  const auto* conversation = std::get_if<core::Conversation>(&event.subject);
  if (!conversation) return;
  if (enqueue(conversation->tenant_id, conversation->inbox_id, conversation->contact_id)) loop_.wake();
}

bool ProfileFetcher::enqueue(core::TenantId tenant, core::InboxId inbox, core::ContactId contact) {
  std::lock_guard lock(mutex_);
  if (without_profiles_.count(inbox.value)) return false;  // e.g. an API or e-mail inbox
  if (gave_up_.count({tenant.value, inbox.value, contact.value})) return false;
  if (queue_.size() >= policy_.queue_limit) {
    ++dropped_;
    return false;
  }
  queue_.push_back(Job{tenant, inbox, contact, 0, 0});
  return true;
}

int ProfileFetcher::runOnce() {
  std::vector<Job> due;
  const auto now = clock_.now();
  {
    std::lock_guard lock(mutex_);
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->due <= now) {
        due.push_back(*it);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }
  int tried = 0;
  for (auto& job : due) {
    if (loop_.stopping()) {
      std::lock_guard lock(mutex_);
      queue_.push_back(job);
      continue;
    }
    ++tried;
    if (!fetchOne(job)) {
      std::lock_guard lock(mutex_);
      queue_.push_back(job);
    }
  }
  return tried;
}

bool ProfileFetcher::fetchOne(Job& job) {
  core::Inbox inbox;
  core::Contact contact;
  std::string customer_id;
  auto loaded = store_.read([&](StoreTx& tx) -> Status {
    auto i = tx.getInbox(job.tenant, job.inbox);
    if (!i) return i.error();
    inbox = std::move(*i);
    auto c = tx.getContact(job.tenant, job.contact);
    if (!c) return c.error();
    contact = std::move(*c);
    auto identities = tx.listIdentities(job.tenant, job.contact);
    if (!identities) return identities.error();
    const std::string scope = "inbox:" + std::to_string(job.inbox.value);
    for (const auto& identity : *identities) {
      if (identity.kind == core::IdentityKind::External && identity.scope == scope) customer_id = identity.value;
    }
    return {};
  });
  if (!loaded) {
    if (loaded.error().code != ErrorCode::Unavailable) return true;  // gone meanwhile
    job.due = clock_.now() + policy_.first_backoff_ms;
    return ++job.attempts >= policy_.max_attempts;
  }
  auto gateway = gateways_.find(inbox.channel);
  if (gateway == gateways_.end() || !gateway->second->hasCustomerProfiles()) {
    // Learnt once per inbox (bounded by the inboxes there are): its later conversations are
    // not queued, so a busy API or e-mail inbox costs this thread nothing.
    std::lock_guard lock(mutex_);
    if (without_profiles_.size() >= policy_.remembered_failures) without_profiles_.clear();
    without_profiles_.insert(inbox.id.value);
    return true;
  }
  // Named already (by the channel's webhook or by an agent), merged away, or not a customer of
  // this inbox's channel: nothing to ask.
  if (gateway == gateways_.end() || customer_id.empty() || contact.merged_into.valid() ||
      (!contact.name.empty() && contact.name != customer_id)) {
    return true;
  }
  const std::string channel(core::toString(inbox.channel));
  auto profile = gateway->second->fetchProfile(inbox, customer_id);
  if (!profile) {
    if (profile.error().code == ErrorCode::Unsupported) return true;
    if (profile.error().code == ErrorCode::Unavailable && ++job.attempts < policy_.max_attempts) {
      job.due = clock_.now() + (policy_.first_backoff_ms << std::min(job.attempts - 1, 16));
      return false;
    }
    giveUp(job, inbox, channel, profile.error().message);
    return true;
  }
  bool changed = false;
  auto written = store_.write([&](StoreTx& tx) -> Status {
    auto c = tx.getContact(job.tenant, job.contact);
    if (!c) return c.error();
    // Checked again inside the transaction: an agent may have renamed the contact meanwhile.
    if (c->merged_into.valid() || (!c->name.empty() && c->name != customer_id)) return {};
    c->name = profile->name;
    c->updated_at = clock_.now();
    if (auto s = tx.updateContact(*c); !s) return s;
    contact = std::move(*c);
    changed = true;
    return {};
  });
  if (!written) {
    if (written.error().code == ErrorCode::Unavailable && ++job.attempts < policy_.max_attempts) {
      job.due = clock_.now() + policy_.first_backoff_ms;
      return false;
    }
    return true;
  }
  if (changed) {
    ++named_;
    bus_.publish(Event{0, "contact.updated", job.tenant, std::nullopt, {}, contact});
  }
  return true;
}

void ProfileFetcher::giveUp(const Job& job, const core::Inbox& inbox, const std::string& channel, const std::string& reason) {
  ++failed_;
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    // Bounded: past the limit the sets start afresh (at worst a contact is asked once more).
    if (gave_up_.size() >= policy_.remembered_failures) gave_up_.clear();
    gave_up_.insert({job.tenant.value, job.inbox.value, job.contact.value});
    if (logged_.size() >= 1000) logged_.clear();
    first = logged_.insert({inbox.id.value, reason}).second;
  }
  // Once per inbox and reason: a page without the profile permission would otherwise log for
  // every new customer.
  if (first) logGaveUp(inbox, channel, job.contact, reason);
}

}  // namespace parley::app
