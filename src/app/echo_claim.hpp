// DESIGN: the provider's echo of our own reply, when it overtakes the send's answer.
//
// Messenger, Instagram and X send an "echo" webhook for every message the business account
// sends, Parley's replies included. DeskService::ingest knows an echo of one of our replies by
// its provider message id (the reply's external_id, recorded from the send API's answer);
// Messenger's own echoes are dropped earlier by their metadata (channels/messenger). But the
// echo can come in while the send call is still waiting for its answer: then no message holds
// its id yet, and storing it would show the agent the reply twice (the customer got it once).
//
// claimEchoOfSending() runs inside ingest's store transaction for an echo whose id no message
// holds. It looks for a reply of the same inbox whose outbox item is in its send call right now
// (pending and marked sending: StoreTx::sendingOutbox, a handful of rows) to the same customer
// (the echo's recipient is the conversation's contact) with the same text and attachment kinds.
// Found: the echo's id is recorded on that reply and nothing new is stored; the send's answer
// then names the same id and only marks the reply sent (DeskService::applyDeliveryStatus). If
// the send call fails or times out after all, the id proves the provider sent it: the outbox
// finishes it as sent instead of failing or resending it (DeskService::recordSendOutcome).
// Nothing found (the business wrote from the provider's own app): ingest stores the echo.
//
// Meta sends a reply with text and a file as two messages, the file first, and answers with
// the text's id: the file's echo is recognised as part of the reply and dropped without taking
// the id, the text's echo takes it.
//
// Concurrency: before the id is recorded, the item is re-marked with the values it has
// (markOutboxSending, a compare-and-set): if the outcome was recorded in the meantime the claim
// fails and the echo is looked up by id once more; otherwise the outcome's transaction, which
// writes the item first (recordSendOutcome), waits for this one and then sees the id.
#pragma once

#include "app/store.hpp"
#include "core/inbound.hpp"

namespace parley::app {

// At most this many items in their send call are looked at (one per outbox worker and node,
// plus marks left by a crash: a handful in practice).
inline constexpr int kMaxSendingLooked = 200;

// For a message whose external id no message of `inbox` holds: true when it is the echo of a
// reply being sent, and `result` then names that reply as a duplicate (nothing new stored);
// false for anything else (not an echo, or one the business wrote elsewhere).
Result<bool> claimEchoOfSending(StoreTx& tx, const core::Inbox& inbox, const core::InboundMessage& in, core::TimestampMs now,
                                core::IngestResult& result);

}  // namespace parley::app
