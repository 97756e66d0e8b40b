#include "app/outbox_worker.hpp"

#include "app/log.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

namespace parley::app {

namespace json = boost::json;

using core::ErrorCode;

OutboxWorker::OutboxWorker(Store& store, DeskService& desk, const Clock& clock, ChannelGateways gateways,
                           OutboxPolicy policy)
    : store_(store),
      desk_(desk),
      clock_(clock),
      gateways_(std::move(gateways)),
      policy_(std::move(policy)),
      limiter_(policy_.max_inboxes),
      loop_([this] { return runOnce(); }, policy_.idle_poll) {}

int OutboxWorker::recoverInterrupted() {
  int handled = 0;
  // Each item handled leaves the "sending" set (failed, or unmarked), so the pages shrink; the
  // page count is bounded all the same.
  for (int page = 0; page < 1000 && !loop_.stopping(); ++page) {
    std::vector<core::OutboxItem> marked;
    auto status = store_.read([&](StoreTx& tx) -> Status {
      auto items = tx.sendingOutbox(policy_.batch, policy_.shard);
      if (!items) return items.error();
      marked = std::move(*items);
      return {};
    });
    if (!status || marked.empty()) break;
    for (const auto& item : marked) {
      core::ChannelKind channel{};
      auto loaded = store_.read([&](StoreTx& tx) -> Status {
        auto box = tx.getInbox(item.tenant_id, item.inbox_id);
        if (!box) return box.error();
        channel = box->channel;
        return {};
      });
      auto gateway = loaded ? gateways_.find(channel) : gateways_.end();
      interrupted(item, gateway == gateways_.end() ? nullptr : gateway->second.get());
      ++handled;
    }
  }
  return handled;
}

void OutboxWorker::interrupted(const core::OutboxItem& original, const ChannelGateway* gateway) {
  core::OutboxItem item = original;
  const auto now = clock_.now();
  item.sending_since = 0;
  item.updated_at = now;
  if (gateway && gateway->idempotentResend()) {
    item.next_attempt_at = now;  // the receiver drops the repeat: send again, same key
    (void)store_.write([&](StoreTx& tx) { return tx.updateOutbox(item); });
    return;
  }
  item.state = core::OutboxState::Failed;
  item.last_error = std::string(kInterruptedReason);
  // Unless the provider's echo of this send named the message meanwhile: then it was sent.
  auto stored = desk_.recordSendOutcome(item, core::DeliveryStatus::Failed, "", true);
  if (!stored) return;
  if (stored->state == core::OutboxState::Done) ++delivered_;
  else ++failed_;
}

void OutboxWorker::postpone(const core::OutboxItem& original, core::TimestampMs until) {
  core::OutboxItem item = original;
  item.next_attempt_at = until;
  item.updated_at = clock_.now();
  // Only while it is still pending with the mark it was read with (the compare-and-set of
  // markOutboxSending, with the values it has): the provider's echo of an earlier attempt may
  // have finished it since it was read (app/echo_claim.hpp), and writing the copy read before
  // would make it pending again.
  (void)store_.write([&](StoreTx& tx) -> Status {
    if (auto held = tx.markOutboxSending(item.id, item.sending_since, item.sending_since, until); !held) return held;
    return tx.updateOutbox(item);
  });
}

int OutboxWorker::runOnce() {
  int attempts = 0;
  if (!recovered_) {
    recovered_ = true;
    attempts += recoverInterrupted();
  }
  std::vector<core::OutboxItem> due;
  auto status = store_.read([&](StoreTx& tx) -> Status {
    auto items = tx.dueOutbox(clock_.now(), policy_.batch, policy_.shard);
    if (!items) return items.error();
    due = std::move(*items);
    return {};
  });
  if (!status) return attempts;
  // Items held back in this pass, per inbox: the k-th waits k more token intervals, so they
  // come back one by one, in order, instead of all at once.
  std::map<core::InboxId, int> held;
  for (auto& item : due) {
    if (loop_.stopping()) break;
    core::Inbox inbox;
    auto loaded = store_.read([&](StoreTx& tx) -> Status {
      auto box = tx.getInbox(item.tenant_id, item.inbox_id);
      if (!box) return box.error();
      inbox = std::move(*box);
      return {};
    });
    auto gateway = loaded ? gateways_.find(inbox.channel) : gateways_.end();
    ChannelGateway* channel = gateway == gateways_.end() ? nullptr : gateway->second.get();
    if (item.sending_since > 0 && !(channel && channel->idempotentResend())) {
      // Its lease ran out without an outcome (a node died mid-send, or the outcome could not be
      // written): it may have reached the customer.
      interrupted(item, channel);
      ++attempts;
      continue;
    }
    DeliveryResult outcome;
    bool was_sending = false;  // marked "sending" for this attempt
    if (!loaded) {
      outcome = {DeliveryResult::Outcome::Failed, "the inbox no longer exists", 0, {}};
    } else if (!channel) {
      outcome = {DeliveryResult::Outcome::Failed, "this channel cannot send", 0, {}};
    } else {
      const auto now = clock_.now();
      const SendRate rate = policy_.send_rate ? policy_.send_rate(inbox) : SendRate{};
      // The provider's limit per recipient (Telegram's per chat) first: asking takes nothing.
      const auto per_recipient = channel->recipientLimit(inbox, item);
      if (per_recipient) {
        if (const auto next = recipients_.nextFree(inbox.id, per_recipient->recipient, per_recipient->rate, now); next > now) {
          postpone(item, next);
          continue;
        }
      }
      if (const auto next = limiter_.acquire(inbox.id, rate, now); next > now) {
        const int k = held[inbox.id]++;
        const core::TimestampMs spacing = rate.per_second > 0 ? static_cast<core::TimestampMs>(1000.0 / rate.per_second) : 0;
        postpone(item, next + k * spacing);
        continue;
      }
      if (per_recipient) recipients_.take(inbox.id, per_recipient->recipient, per_recipient->rate, now);
      if (!channel->idempotentResend()) {
        auto marked = store_.write([&](StoreTx& tx) {
          return tx.markOutboxSending(item.id, item.sending_since, now, now + policy_.send_lease_ms);
        });
        if (!marked) continue;  // another worker took it, or the store is away: not sent
        was_sending = true;
      }
      outcome = channel->deliver(inbox, item);
    }
    ++attempts;
    record(item, outcome, was_sending);
  }
  return attempts;
}

void OutboxWorker::record(const core::OutboxItem& original, const DeliveryResult& outcome, bool was_sending) {
  core::OutboxItem item = original;
  const auto now = clock_.now();
  item.updated_at = now;
  item.sending_since = 0;
  item.last_error = outcome.error;
  core::DeliveryStatus message_status = core::DeliveryStatus::None;
  switch (outcome.outcome) {
    case DeliveryResult::Outcome::Delivered:
      item.attempts += 1;
      item.state = core::OutboxState::Done;
      message_status = core::DeliveryStatus::Sent;
      break;
    case DeliveryResult::Outcome::RetryLater:
      if (outcome.throttle != DeliveryResult::Throttle::None && item.throttled < policy_.max_throttled) {
        // The provider's own limit: wait as long as it says (or back off), spend no attempt.
        item.throttled += 1;
        ++throttled_;
        core::TimestampMs wait = outcome.retry_after_ms > 0
                                     ? outcome.retry_after_ms
                                     : std::min(policy_.first_backoff_ms << std::min(item.throttled - 1, 20), policy_.max_backoff_ms);
        wait = std::clamp<core::TimestampMs>(wait, 1, policy_.max_pause_ms);
        item.next_attempt_at = now + wait;
        if (outcome.throttle == DeliveryResult::Throttle::Sender) limiter_.pause(item.inbox_id, now + wait, now);
        break;
      }
      item.attempts += 1;
      if (item.attempts >= policy_.max_attempts) {
        item.state = core::OutboxState::Failed;
        item.last_error = "gave up after " + std::to_string(item.attempts) + " attempts: " + outcome.error;
        message_status = core::DeliveryStatus::Failed;
      } else {
        core::TimestampMs backoff = policy_.first_backoff_ms << std::min(item.attempts - 1, 20);
        backoff = std::min(backoff, policy_.max_backoff_ms);
        // A longer Retry-After is honoured (a 503 "back in 30 minutes"), up to max_retry_after_ms.
        // It speaks of the receiver, not of this reply: the inbox waits with it, so its later
        // replies do not overtake this one.
        if (outcome.retry_after_ms > 0) {
          backoff = std::min(std::max(backoff, outcome.retry_after_ms), std::max(policy_.max_retry_after_ms, policy_.max_backoff_ms));
          limiter_.pause(item.inbox_id, now + backoff, now);
        }
        item.next_attempt_at = now + backoff;
      }
      break;
    case DeliveryResult::Outcome::Failed:
      item.attempts += 1;
      item.state = core::OutboxState::Failed;
      message_status = core::DeliveryStatus::Failed;
      break;
  }
  // The item and its message's status in one transaction. A failed or retried attempt whose
  // message the provider's echo named meanwhile comes back done (app/echo_claim.hpp).
  auto stored = desk_.recordSendOutcome(item, message_status, outcome.provider_message_id, was_sending, outcome.recipient_id);
  if (!stored) return;  // the store is away: the mark's lease runs out and it is handled then
  if (stored->state == core::OutboxState::Done) ++delivered_;
  if (stored->state == core::OutboxState::Failed) ++failed_;
  if (outcome.outcome != DeliveryResult::Outcome::Delivered && stored->state != core::OutboxState::Done) {
    // What an operator looks for when a reply does not arrive: one line per failed attempt.
    const bool gave_up = stored->state == core::OutboxState::Failed;
    logLine(gave_up ? "error" : "warn", gave_up ? "reply failed" : "reply attempt failed, retrying",
            {{"component", "outbox"},
             {"inbox_id", item.inbox_id.value},
             {"message_id", item.message_id.value},
             {"attempts", stored->attempts},
             {"next_attempt_at_ms", gave_up ? 0 : stored->next_attempt_at},
             {"error", stored->last_error}});
  }
}

OutboxWorkers::OutboxWorkers(Store& store, DeskService& desk, const Clock& clock, const ChannelGateways& gateways,
                             OutboxPolicy policy, int count) {
  count = std::max(count, 1);
  for (int index = 0; index < count; ++index) {
    policy.shard = OutboxShard{index, count};
    workers_.push_back(std::make_unique<OutboxWorker>(store, desk, clock, gateways, policy));
  }
}

void OutboxWorkers::start() {
  for (auto& w : workers_) w->start();
}

void OutboxWorkers::stop() {
  for (auto& w : workers_) w->requestStop();  // all finish their attempt in hand at the same time
  for (auto& w : workers_) w->stop();
}

void OutboxWorkers::wake() {
  for (auto& w : workers_) w->wake();
}

std::uint64_t OutboxWorkers::delivered() const {
  std::uint64_t sum = 0;
  for (const auto& w : workers_) sum += w->delivered();
  return sum;
}

std::uint64_t OutboxWorkers::failed() const {
  std::uint64_t sum = 0;
  for (const auto& w : workers_) sum += w->failed();
  return sum;
}

}  // namespace parley::app
