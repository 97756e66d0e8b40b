#include "app/outbox_worker.hpp"

#include <algorithm>

namespace parley::app {

using core::ErrorCode;

OutboxWorker::OutboxWorker(Store& store, DeskService& desk, const Clock& clock, ChannelGateways gateways,
                           OutboxPolicy policy)
    : store_(store),
      desk_(desk),
      clock_(clock),
      gateways_(std::move(gateways)),
      policy_(policy),
      loop_([this] { return runOnce(); }, policy.idle_poll) {}

int OutboxWorker::runOnce() {
  std::vector<core::OutboxItem> due;
  auto status = store_.read([&](StoreTx& tx) -> Status {
    auto items = tx.dueOutbox(clock_.now(), policy_.batch);
    if (!items) return items.error();
    due = std::move(*items);
    return {};
  });
  if (!status) return 0;
  int attempts = 0;
  for (auto& item : due) {
    if (loop_.stopping()) break;
    core::Inbox inbox;
    auto loaded = store_.read([&](StoreTx& tx) -> Status {
      auto box = tx.getInbox(item.tenant_id, item.inbox_id);
      if (!box) return box.error();
      inbox = std::move(*box);
      return {};
    });
    DeliveryResult outcome;
    auto gateway = gateways_.find(inbox.channel);
    if (!loaded) {
      outcome = {DeliveryResult::Outcome::Failed, "the inbox no longer exists", 0, {}};
    } else if (gateway == gateways_.end()) {
      outcome = {DeliveryResult::Outcome::Failed, "this channel cannot send", 0, {}};
    } else {
      outcome = gateway->second->deliver(inbox, item);
    }
    ++attempts;
    record(item, outcome);
  }
  return attempts;
}

void OutboxWorker::record(const core::OutboxItem& original, const DeliveryResult& outcome) {
  core::OutboxItem item = original;
  const auto now = clock_.now();
  item.attempts += 1;
  item.updated_at = now;
  item.last_error = outcome.error;
  core::DeliveryStatus message_status = core::DeliveryStatus::None;
  switch (outcome.outcome) {
    case DeliveryResult::Outcome::Delivered:
      item.state = core::OutboxState::Done;
      message_status = core::DeliveryStatus::Sent;
      break;
    case DeliveryResult::Outcome::RetryLater:
      if (item.attempts >= policy_.max_attempts) {
        item.state = core::OutboxState::Failed;
        item.last_error = "gave up after " + std::to_string(item.attempts) + " attempts: " + outcome.error;
        message_status = core::DeliveryStatus::Failed;
      } else {
        core::TimestampMs backoff = policy_.first_backoff_ms << std::min(item.attempts - 1, 20);
        backoff = std::min(backoff, policy_.max_backoff_ms);
        if (outcome.retry_after_ms > 0) backoff = std::min(std::max(backoff, outcome.retry_after_ms), policy_.max_backoff_ms);
        item.next_attempt_at = now + backoff;
      }
      break;
    case DeliveryResult::Outcome::Failed:
      item.state = core::OutboxState::Failed;
      message_status = core::DeliveryStatus::Failed;
      break;
  }
  (void)store_.write([&](StoreTx& tx) { return tx.updateOutbox(item); });
  if (message_status == core::DeliveryStatus::Sent) ++delivered_;
  if (message_status == core::DeliveryStatus::Failed) ++failed_;
  if (message_status != core::DeliveryStatus::None) {
    (void)desk_.applyDeliveryStatus(item.tenant_id, item.message_id, message_status, item.last_error,
                                    outcome.provider_message_id);
  }
}

}  // namespace parley::app
