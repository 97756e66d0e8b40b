#include "app/echo_claim.hpp"

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "app/direct_reply.hpp"
#include "app/outbox_worker.hpp"

namespace parley::app {

using core::ErrorCode;
using core::MessageKind;

namespace {

std::string_view trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") + 1 - first);
}

// An X reply to a post comes back with the @names it answers in front of the text we sent.
std::string_view withoutLeadingMentions(std::string_view s) {
  s = trimmed(s);
  while (!s.empty() && s.front() == '@') {
    const auto end = s.find_first_of(" \t\r\n");
    if (end == std::string_view::npos) return {};
    s = trimmed(s.substr(end));
  }
  return s;
}

bool sameText(std::string_view reply, std::string_view echo) {
  reply = trimmed(reply);
  return reply == trimmed(echo) || (!reply.empty() && reply == withoutLeadingMentions(echo));
}

// The kind of file a content type is, as the providers' webhooks name it.
MessageKind fileKind(std::string_view content_type) {
  if (content_type.rfind("image/", 0) == 0) return MessageKind::Image;
  if (content_type.rfind("video/", 0) == 0) return MessageKind::Video;
  if (content_type.rfind("audio/", 0) == 0) return MessageKind::Audio;
  return MessageKind::Document;
}

bool isFileKind(MessageKind kind) {
  return kind == MessageKind::Image || kind == MessageKind::Video || kind == MessageKind::Audio ||
         kind == MessageKind::Document || kind == MessageKind::Sticker;
}

// Whether the echo shows a file of the kind we sent (a GIF may come back as an animation, an
// image as a sticker).
bool sameFileKind(const core::Attachment& sent, MessageKind echoed) {
  const MessageKind kind = fileKind(sent.content_type);
  if (echoed == kind) return true;
  if (kind == MessageKind::Image && echoed == MessageKind::Sticker) return true;
  return sent.content_type == "image/gif" && echoed == MessageKind::Video;
}

enum class Match { None, Whole, FilePart };

// Whether `in` echoes the reply `sent` (with its attachments): Whole when it is the reply (or
// its last part, whose id the send's answer names), FilePart when it is the file Meta sent
// ahead of the reply's text.
Match matchEcho(const core::Message& sent, const std::vector<core::Attachment>& files, const core::InboundMessage& in) {
  const std::size_t echoed_files = std::max<std::size_t>(in.media.size(), isFileKind(in.kind) ? 1 : 0);
  if (echoed_files == 0) {
    // Text only: the reply's text (sent alone, or after its file).
    return !trimmed(sent.text).empty() && sameText(sent.text, in.text) ? Match::Whole : Match::None;
  }
  if (echoed_files != files.size() || !sameFileKind(files.front(), in.kind)) return Match::None;
  if (sameText(sent.text, in.text)) return Match::Whole;  // the file alone, or text and file in one (X)
  return trimmed(in.text).empty() ? Match::FilePart : Match::None;
}

// What ingest answers for a claimed echo: the reply, nothing new stored.
bool claimed(const core::Message& reply, core::ContactId contact, core::IngestResult& result) {
  result = {};
  result.duplicate = true;
  result.message_id = reply.id;
  result.conversation_id = reply.conversation_id;
  result.contact_id = contact;
  return true;
}

// The provider did send the reply (its echo proves it): the outbox item is done, never sent
// again, and the reply sent with the echo's id — also after "failed" (delivered and read stay).
core::Status settleSent(StoreTx& tx, core::OutboxItem& outbox, core::Message& reply, const std::string& provider_id,
                        core::TimestampMs now) {
  outbox.state = core::OutboxState::Done;
  outbox.sending_since = 0;
  outbox.last_error.clear();
  outbox.updated_at = now;
  if (auto s = tx.updateOutbox(outbox); !s) return s;
  reply.external_id = provider_id;
  if (reply.delivery_status != core::DeliveryStatus::Delivered && reply.delivery_status != core::DeliveryStatus::Read) {
    reply.delivery_status = core::DeliveryStatus::Sent;
  }
  reply.delivery_error.clear();
  reply.updated_at = now;
  return tx.updateMessage(reply);
}

// Holds `item` against the outbox worker: re-marks it with the values it has (a compare-and-set
// on state and sending_since; PostgreSQL keeps the row locked until this transaction ends).
// When it changed since it was read (the worker marked it for its retry, or its outcome came),
// it is read again and held as it is now, a few times at most. Returns the item as held, or
// nothing when it is no longer pending with an attempt behind or in hand.
Result<std::optional<core::OutboxItem>> hold(StoreTx& tx, core::OutboxItem item) {
  for (int tries = 0; tries < 3; ++tries) {
    auto held = tx.markOutboxSending(item.id, item.sending_since, item.sending_since, item.next_attempt_at);
    if (held) return std::optional<core::OutboxItem>(std::move(item));
    if (held.error().code != ErrorCode::Conflict && held.error().code != ErrorCode::NotFound) return held.error();
    auto fresh = tx.outboxForMessage(item.tenant_id, item.message_id);
    if (!fresh) {
      if (fresh.error().code == ErrorCode::NotFound) break;
      return fresh.error();
    }
    if (fresh->id != item.id || fresh->state != core::OutboxState::Pending || (fresh->attempts == 0 && fresh->sending_since == 0)) {
      break;
    }
    item = std::move(*fresh);
  }
  return std::optional<core::OutboxItem>();
}

// The echo names the reply it is of (core::InboundMessage::echo_of, Messenger's metadata): it
// settles that reply and is never stored. In its send call: the id goes on the reply (the send's
// outcome sees it). Otherwise — waiting for a retry, failed (a crash interrupted its send, or the
// attempts ran out on time-outs) or even resent and queued again — the provider did send it: the
// item is done (never sent again) and the reply sent, with the echo's id. The file Meta sends
// ahead of a reply's text proves only the file: the text's echo settles the reply.
Result<bool> claimNamedEcho(StoreTx& tx, const core::Inbox& inbox, const core::InboundMessage& in, core::TimestampMs now,
                            core::IngestResult& result, std::optional<core::Message>& finished) {
  auto reply = tx.getMessage(inbox.tenant_id, in.echo_of);
  if (!reply && reply.error().code != ErrorCode::NotFound) return reply.error();
  if (!reply || reply->inbox_id != inbox.id || reply->direction != core::MessageDirection::Outgoing) {
    // Not (or no longer: erased) a reply of this inbox: ours all the same, nothing to store.
    result = {};
    result.duplicate = true;
    return true;
  }
  auto conversation = tx.getConversation(inbox.tenant_id, reply->conversation_id);
  if (!conversation) return conversation.error();
  const core::ContactId contact = conversation->contact_id;
  // The echo of a private reply to a comment names the customer's PSID: the contact learns it,
  // as from the send's answer (which a time-out may have lost).
  if (conversation->is_public && wantsDirect(*reply) && !in.contact.external_id.empty()) {
    if (auto linked = linkRecipient(tx, *reply, in.contact.external_id, now); !linked) return linked.error();
  }
  if (!reply->external_id.empty()) return claimed(*reply, contact, result);  // the send's answer named it
  std::vector<core::Attachment> files;
  for (auto id : reply->attachment_ids) {
    auto file = tx.getAttachment(inbox.tenant_id, id);
    if (!file) return file.error();
    files.push_back(std::move(*file));
  }
  if (matchEcho(*reply, files, in) != Match::Whole) return claimed(*reply, contact, result);
  auto item = tx.outboxForMessage(inbox.tenant_id, reply->id);
  if (!item) {
    if (item.error().code == ErrorCode::NotFound) return claimed(*reply, contact, result);
    return item.error();
  }
  core::OutboxItem outbox = std::move(*item);
  if (outbox.state == core::OutboxState::Pending) {
    auto held = hold(tx, outbox);
    if (!held) return held.error();
    if (*held) {
      outbox = std::move(**held);
    } else {
      // Its outcome came while we looked: the item as it is now.
      auto fresh = tx.outboxForMessage(inbox.tenant_id, reply->id);
      if (!fresh) return fresh.error();
      outbox = std::move(*fresh);
    }
  }
  auto current = tx.getMessage(inbox.tenant_id, reply->id);  // as it is now that the item is held
  if (!current) return current.error();
  if (!current->external_id.empty()) {
    if (outbox.state == core::OutboxState::Pending) {
      if (auto s = tx.updateOutbox(outbox); !s) return s.error();  // holding re-marked updated_at
    }
    return claimed(*current, contact, result);
  }
  current->external_id = in.external_id;
  current->updated_at = now;
  if (outbox.state == core::OutboxState::Pending && outbox.sending_since > 0) {
    if (auto s = tx.updateMessage(*current); !s) return s.error();
    return claimed(*current, contact, result);
  }
  if (auto s = settleSent(tx, outbox, *current, in.external_id, now); !s) return s.error();
  finished = *current;
  return claimed(*current, contact, result);
}

}  // namespace

core::Status linkRecipient(StoreTx& tx, const core::Message& reply, const std::string& recipient_id, core::TimestampMs now) {
  const std::string scope = "inbox:" + std::to_string(reply.inbox_id.value);
  auto known = tx.findIdentity(reply.tenant_id, core::IdentityKind::External, scope, recipient_id);
  if (known) return {};
  if (known.error().code != ErrorCode::NotFound) return known.error();
  auto conversation = tx.getConversation(reply.tenant_id, reply.conversation_id);
  if (!conversation) return conversation.error();
  core::ContactIdentity identity;
  identity.tenant_id = reply.tenant_id;
  identity.contact_id = conversation->contact_id;
  identity.kind = core::IdentityKind::External;
  identity.scope = scope;
  identity.value = recipient_id;
  identity.verified = true;
  identity.created_at = now;
  if (auto added = tx.addIdentity(identity); !added) return added.error();
  return {};
}

Result<bool> claimEchoOfSending(StoreTx& tx, const core::Inbox& inbox, const core::InboundMessage& in, core::TimestampMs now,
                                core::IngestResult& result, std::optional<core::Message>& finished) {
  finished.reset();
  if (!in.echo || in.external_id.empty()) return false;
  if (in.echo_of.valid()) return claimNamedEcho(tx, inbox, in, now, result, finished);
  if (in.contact.external_id.empty()) return false;
  // The echo's recipient: a customer who never wrote to this inbox got no reply from us.
  auto recipient = tx.findIdentity(inbox.tenant_id, core::IdentityKind::External, "inbox:" + std::to_string(inbox.id.value),
                                   in.contact.external_id);
  if (!recipient) {
    if (recipient.error().code == ErrorCode::NotFound) return false;
    return recipient.error();
  }
  // How the echo matches the reply of `item` (and that reply): None unless it is an outgoing
  // message of this inbox without a provider id yet, to the echo's recipient.
  struct Matched {
    Match match = Match::None;
    core::Message reply;
  };
  auto matchItem = [&](const core::OutboxItem& item) -> Result<Matched> {
    if (item.tenant_id != inbox.tenant_id) return Matched{};
    auto reply = tx.getMessage(inbox.tenant_id, item.message_id);
    if (!reply) {
      if (reply.error().code == ErrorCode::NotFound) return Matched{};
      return reply.error();
    }
    if (reply->direction != core::MessageDirection::Outgoing || !reply->external_id.empty()) return Matched{};
    auto conversation = tx.getConversation(inbox.tenant_id, reply->conversation_id);
    if (!conversation) return conversation.error();
    if (conversation->contact_id != recipient->contact_id) return Matched{};
    std::vector<core::Attachment> files;
    for (auto id : reply->attachment_ids) {
      auto file = tx.getAttachment(inbox.tenant_id, id);
      if (!file) return file.error();
      files.push_back(std::move(*file));
    }
    const Match match = matchEcho(*reply, files, in);
    return Matched{match, std::move(*reply)};
  };
  auto attempted = tx.attemptedOutbox(inbox.id, kMaxAttemptedLooked);
  if (!attempted) return attempted.error();
  bool finished_meanwhile = false;
  for (const auto& item : *attempted) {
    auto matched = matchItem(item);
    if (!matched) return matched.error();
    const Match match = matched->match;
    if (match == Match::None) continue;
    // In its send call, or waiting for its retry: held until this transaction ends, or gone
    // when the outcome came first.
    auto held = hold(tx, item);
    if (!held) return held.error();
    if (!*held) {
      finished_meanwhile = true;
      continue;
    }
    core::OutboxItem& outbox = **held;
    auto current = tx.getMessage(inbox.tenant_id, item.message_id);  // as it is now that the item is held
    if (!current) return current.error();
    if (outbox.sending_since > 0) {
      // In its send call: the id goes on the reply; the send's outcome sees it.
      if (current->external_id == in.external_id) return claimed(*current, recipient->contact_id, result);
      if (!current->external_id.empty()) continue;
      if (match == Match::Whole) {
        current->external_id = in.external_id;
        current->updated_at = now;
        if (auto s = tx.updateMessage(*current); !s) return s.error();
      }
      return claimed(*current, recipient->contact_id, result);
    }
    // Waiting for its retry after an attempt that timed out or failed for now: the provider sent
    // it after all. The item is done (no retry) and the reply sent, with the echo's id. The file
    // Meta sends ahead of the text only proves the file went out: it is dropped, the text's echo
    // (or the retry) settles the reply. Holding re-marked the item's updated_at: written back.
    if (match == Match::FilePart || (!current->external_id.empty() && current->external_id != in.external_id)) {
      if (auto s = tx.updateOutbox(outbox); !s) return s.error();
      if (match == Match::FilePart) return claimed(*current, recipient->contact_id, result);
      continue;
    }
    if (auto s = settleSent(tx, outbox, *current, in.external_id, now); !s) return s.error();
    finished = *current;
    return claimed(*current, recipient->contact_id, result);
  }
  // Failed "check and resend" because a crash interrupted its send: the echo (the provider
  // retries the webhooks Parley missed while it was down) proves it went out. The item is done
  // and the reply sent, with the echo's id, instead of a second copy of it in the timeline. Only
  // while it is still failed: a resent reply (queued again) is left to its new attempt.
  auto interrupted = tx.failedOutbox(inbox.id, std::string(kInterruptedReason), now - kInterruptedEchoWindowMs,
                                     kMaxAttemptedLooked);
  if (!interrupted) return interrupted.error();
  for (auto& outbox : *interrupted) {
    auto matched = matchItem(outbox);
    if (!matched) return matched.error();
    if (matched->match == Match::None) continue;
    core::Message& reply = matched->reply;
    if (matched->match == Match::Whole) {  // the file Meta sends ahead only proves the file: the text's echo settles it
      if (auto s = settleSent(tx, outbox, reply, in.external_id, now); !s) return s.error();
      finished = reply;
    }
    return claimed(reply, recipient->contact_id, result);
  }
  if (finished_meanwhile) {
    // An outcome recorded while we looked may have named this very id.
    auto seen = tx.findMessageByExternalId(inbox.id, in.external_id);
    if (seen) return claimed(*seen, recipient->contact_id, result);
    if (seen.error().code != ErrorCode::NotFound) return seen.error();
  }
  return false;
}

}  // namespace parley::app
