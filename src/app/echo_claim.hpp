// DESIGN: the provider's echo of our own reply, when it overtakes the send's answer.
//
// Messenger, Instagram and X send an "echo" webhook for every message the business account
// sends, Parley's replies included. DeskService::ingest knows an echo of one of our replies by
// its provider message id (the reply's external_id, recorded from the send API's answer). But the
// echo can come in while the send call is still waiting for its answer: then no message holds
// its id yet, and storing it would show the agent the reply twice (the customer got it once).
//
// Messenger's echoes name the reply: every send carries metadata "parley:<message id>", returned
// on the echo (core::InboundMessage::echo_of). Such an echo is never stored. It settles its reply
// whatever state the outbox left it in: in its send call, the id goes on the reply as below;
// waiting for a retry, failed (a crash interrupted the send, or the attempts ran out on
// time-outs) or resent by an agent and queued again, the item is done and the reply sent with
// the echo's id — so a reply the provider did send is neither shown failed nor sent twice.
// Instagram and X echoes carry no such field and are matched as follows.
//
// claimEchoOfSending() runs inside ingest's store transaction for an echo whose id no message
// holds. It looks for a reply of the same inbox whose outbox item is in its send call right now
// (pending and marked sending) or waits for its retry after an attempt that timed out or failed
// for now (pending, attempts > 0) — StoreTx::attemptedOutbox, most recent first — to the same
// customer (the echo's recipient is the conversation's contact) with the same text and
// attachment kinds. Found, in its send call: the echo's id is recorded on that reply and nothing
// new is stored; the send's answer then names the same id and only marks the reply sent
// (DeskService::applyDeliveryStatus). If the send call fails or times out after all, the id
// proves the provider sent it: the outbox finishes it as sent instead of failing or resending it
// (DeskService::recordSendOutcome). Found, waiting for its retry: the earlier attempt reached the
// provider after all, so in this transaction the item is done (never retried) and the reply
// sent, with the echo's id (`finished`: the caller announces it). Failed because a crash
// interrupted its send (kInterruptedReason, StoreTx::failedOutbox, within
// kInterruptedEchoWindowMs): the same — the echo proves the provider sent it. Nothing found (the
// business wrote from the provider's own app): ingest stores the echo.
//
// Meta sends a reply with text and a file as two messages, the file first, and answers with
// the text's id: the file's echo is recognised as part of the reply and dropped without taking
// the id, the text's echo takes it (of a reply waiting for its retry, only the text's echo
// finishes it: the file alone does not prove the text went out).
//
// Concurrency: before the id is recorded, the item is re-marked with the values it has
// (markOutboxSending, a compare-and-set on state and sending_since): if the outcome was recorded
// in the meantime the claim fails and the echo is looked up by id once more; otherwise the
// outcome's transaction, which writes the item first (recordSendOutcome), waits for this one and
// then sees the id. An item waiting for its retry is held the same way (expected sending_since
// 0): when the worker marked it for the retry first, the hold fails, the item is read again and
// held as the send call it now is (the path above); when the claim comes first, the worker's
// mark finds the item done and nothing is sent (and OutboxWorker::postpone, which moves a due
// item the rate limit holds back, writes only an item still pending and unmarked).
#pragma once

#include <optional>

#include "app/store.hpp"
#include "core/inbound.hpp"

namespace parley::app {

// At most this many of the inbox's items are looked at, most recently attempted first: the ones
// in their send call (one per outbox worker and node, plus marks left by a crash) and those
// waiting for a retry (many only while the provider is down; the echo of an attempt comes
// within seconds of it).
inline constexpr int kMaxAttemptedLooked = 200;
// How long after a crash failed a reply (kInterruptedReason) its echo still settles it: the
// echo comes when the provider retries the webhook Parley missed while it was down.
inline constexpr core::TimestampMs kInterruptedEchoWindowMs = 48LL * 3600 * 1000;

// The provider told whom a reply reached by an id of theirs (DeliveryResult::recipient_id, or the
// recipient of the echo of a private reply to a comment): it becomes an External identity of the
// reply's conversation's contact in the inbox, unless some contact has it already (then they are
// two contacts for the agent to merge; nothing is moved automatically).
core::Status linkRecipient(StoreTx& tx, const core::Message& reply, const std::string& recipient_id, core::TimestampMs now);

// For a message whose external id no message of `inbox` holds: true when it is the echo of a
// reply being sent or waiting for its retry (an echo that names its reply, core::InboundMessage::
// echo_of: of that reply in any state), and `result` then names that reply as a duplicate
// (nothing new stored); false for anything else (not an echo, or one the business wrote
// elsewhere). `finished`: the reply as stored when the claim made it sent (it was waiting for
// its retry), for a message.updated event after the commit; empty otherwise.
Result<bool> claimEchoOfSending(StoreTx& tx, const core::Inbox& inbox, const core::InboundMessage& in, core::TimestampMs now,
                                core::IngestResult& result, std::optional<core::Message>& finished);

}  // namespace parley::app
