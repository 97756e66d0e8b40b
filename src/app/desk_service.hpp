// DESIGN: the use cases of the agent desk and of inbound traffic, written once against the
// Store port. Each use case is one store transaction (so nothing is half-stored), checks the
// caller's permissions through core/permissions, and publishes its events only after the
// commit. Objects another tenant owns, or an agent may not see, are NotFound.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "app/channel_gateway.hpp"
#include "app/clock.hpp"
#include "app/customer_account_change.hpp"
#include "app/events.hpp"
#include "app/reply_buttons.hpp"
#include "app/store.hpp"
#include "core/inbound.hpp"
#include "core/permissions.hpp"

namespace parley::app {

struct ReplyInput {
  std::string text;
  bool private_note = false;
  std::vector<core::AttachmentId> attachment_ids;
  core::MessageId reply_to_id;
  // Answer a public thread (an X mention) privately, by direct message: stored as
  // {"direct": true} in the reply's payload, which the channel's encode() reads.
  bool direct = false;
  // A WhatsApp message template instead of free text (no text, no attachments): checked and
  // rendered by the channel (ChannelGateway::renderTemplate); the message keeps the rendered body.
  std::optional<TemplateReply> template_reply;
  // Buttons under the reply (Telegram inboxes only; see app/reply_buttons.hpp): stored as
  // {"inline_keyboard": [...]} in the reply's payload.
  ReplyButtons buttons;
};

struct ConversationPatch {
  std::optional<core::ConversationStatus> status;
  std::optional<core::TimestampMs> snoozed_until;
  std::optional<core::Priority> priority;
  std::optional<core::UserId> assignee_id;  // invalid id: unassign
  std::optional<core::TeamId> team_id;      // invalid id: no team
  std::optional<std::vector<std::string>> labels;  // replaces
  std::vector<std::string> add_labels;
  std::vector<std::string> remove_labels;
};

struct ConversationView {
  core::Conversation conversation;
  core::Inbox inbox;
};

struct ActivityFacts;  // what an activity line records (desk_service.cpp)

class DeskService {
 public:
  DeskService(Store& store, EventBus& bus, const Clock& clock, ChannelGateways gateways);

  // Inbound from any channel: dedup by external id, match or create the contact, continue the
  // contact's active conversation in this inbox or open one, store the message.
  Result<core::IngestResult> ingest(const core::InboundMessage& inbound);
  // ingest() without a waiting thread, for the I/O thread's webhook fast path: the checks run
  // now, the write joins the store's group commit (Store::writeAsync), and done(result) runs on
  // the store's thread after the commit and the events (or at once on a failed check). Before
  // storing anything the write calls accept_inbox(inbox) (if given) on the inbox read in its own
  // transaction: false refuses the write (Conflict, nothing stored) — the caller checked the
  // request against an inbox it remembered, and this proves that inbox is still the same.
  // Returns false, doing nothing, when the store cannot write asynchronously.
  bool ingestAsync(core::InboundMessage inbound, std::function<bool(const core::Inbox&)> accept_inbox,
                   std::function<void(Result<core::IngestResult>)> done);

  // Stores an agent's reply (or private note) and queues it in the outbox, in one transaction.
  // When the channel carries fewer files per message than the reply has
  // (ChannelGateway::filesPerMessage), the reply becomes several messages in a row: the returned
  // one holds the text, the quote, the buttons and the first files; `further` (if given) receives
  // the others, each with the next files and no text, in the order they are sent.
  Result<core::Message> reply(const core::Actor& actor, core::ConversationId id, const ReplyInput& input,
                              std::vector<core::Message>* further = nullptr);
  // The desk's "Resend": an outgoing message of conversation `id` that failed goes through the
  // outbox again with a fresh attempt (same payload and idempotency key). NotFound unless the
  // actor sees the conversation and the message is in it; Conflict unless it is an outgoing
  // message that failed and has an outbox item. The caller wakes the outbox.
  Result<core::Message> retryMessage(const core::Actor& actor, core::ConversationId id, core::MessageId message_id);
  Result<core::Conversation> updateConversation(const core::Actor& actor, core::ConversationId id,
                                                const ConversationPatch& patch);
  Result<ConversationView> viewConversation(const core::Actor& actor, core::ConversationId id);
  Result<std::vector<core::Conversation>> listConversations(const core::Actor& actor, ConversationFilter filter);
  Result<std::vector<core::Message>> listMessages(const core::Actor& actor, core::ConversationId id,
                                                  core::MessageId after, int limit);
  Result<std::vector<core::Message>> searchMessages(const core::Actor& actor, MessageSearch search);

  Result<core::Contact> mergeContacts(const core::Actor& actor, core::ContactId target, core::ContactId source);
  Result<core::Contact> unmergeContact(const core::Actor& actor, core::ContactId source);
  // A contact was created or edited through the API (name, attributes, identities), already
  // committed: tells every desk of the tenant ("contact.updated").
  void contactEdited(const core::Actor& actor, const core::Contact& contact);

  // Applies a delivery receipt (never regresses; see core/delivery.hpp). A non-empty
  // provider_message_id is recorded as the message's external id (the provider accepted it), so
  // later receipts that name it find the message.
  Status applyDeliveryStatus(core::TenantId tenant, core::MessageId id, core::DeliveryStatus status,
                             const std::string& error, const std::string& provider_message_id = "");
  // The outbox's outcome of one attempt (app/outbox_worker.hpp): `item` as the attempt leaves it
  // and the status its message gets (None: unchanged, it is retried), written in one
  // transaction, the item first. When the attempt was in its send call (`was_sending`) and did
  // not succeed, but the message holds a provider id by now (the provider's echo of this very
  // send came in: app/echo_claim.hpp), the provider did send it: the item is done and the
  // message sent, never failed or sent again. Returns the item as stored.
  // `recipient_id` (DeliveryResult::recipient_id): when sent, added as an External identity of the
  // conversation's contact in the inbox, unless a contact has it already.
  Result<core::OutboxItem> recordSendOutcome(core::OutboxItem item, core::DeliveryStatus status,
                                             const std::string& provider_message_id, bool was_sending,
                                             const std::string& recipient_id = "");
  // A provider's receipt for a message we sent, found by the provider's id in this inbox.
  // NotFound when no message of the inbox carries that id. A receipt can overtake the send's
  // answer (WhatsApp's "sent", even "failed", may arrive before its send call returns the id):
  // when no message has the id yet but one of the inbox's replies is in its send call right now
  // (begun within kEarlyReceiptSendAgeMs, and not after the receipt's own time), the receipt
  // waits for that answer to be recorded instead of being dropped for good — the provider does
  // not send it again after a 200. The wait polls, on the handler's worker thread, for at most
  // `*wait_budget_ms` (one budget for all receipts of a webhook, which it spends; null: no wait),
  // with at most kMaxEarlyReceiptWaiters receipts waiting at once.
  Status applyProviderStatus(const core::Inbox& inbox, const core::InboundStatus& status, int* wait_budget_ms = nullptr);
  // The customer edited a message: its text changes, no message is added. Unsent: its text and
  // files are taken back (only an incoming message). NotFound when no message of the inbox has
  // that id, or, with edit.author_external_id, when that person did not write it.
  Status applyEdit(const core::Inbox& inbox, const core::InboundEdit& edit);
  // The channel reports that the customer's own account changed (a new number, a new security
  // code): see app/customer_account_change.hpp. One transaction; a notice applied before (same
  // message id) changes nothing. InvalidInput when an id it needs is missing.
  Result<CustomerAccountChangeResult> applyCustomerAccountChange(const core::Inbox& inbox, const CustomerAccountChange& change);
  // An activity line for something the customer did to the channel (app/customer_account_change.hpp,
  // CustomerNotice). NotFound when no contact or conversation is there to take it; InvalidInput
  // when an id or the text is missing.
  Result<CustomerNoticeResult> noteCustomerActivity(const core::Inbox& inbox, const CustomerNotice& notice);
  // A receipt that names a moment instead of messages (Messenger's read / delivery watermark):
  // every outgoing message the provider accepted (it has an external id) in the conversations of
  // the contact with this External id in this inbox, created at or before `watermark`, moves to
  // `status` (never backwards). Returns how many moved; NotFound when the contact is unknown.
  Result<int> applyWatermarkStatus(const core::Inbox& inbox, const std::string& contact_external_id,
                                   core::DeliveryStatus status, core::TimestampMs watermark);
  // A pending attachment was fetched (or gave up): store the outcome and tell the desk.
  Status completeAttachment(const core::Attachment& attachment);

  // The agent sets their own status (available / away / offline); the tenant's desks hear of it
  // ("user.availability"), routing and the web chat read it.
  Result<core::User> setAvailability(const core::Actor& actor, core::Availability availability);

  // Typing indicators, announced and never stored ("conversation.typing"): the agent's goes to
  // the desks that see the inbox and to the customer's web chat; NotFound like every use case.
  Status agentTyping(const core::Actor& actor, core::ConversationId id, bool typing);
  // The customer is typing (the web-chat widget checked who it is); goes to the desks.
  void customerTyping(const core::Inbox& inbox, const core::Conversation& conversation, bool typing);

  // Inbox ids the actor may see, or nullopt when it sees all of its tenant.
  Result<std::optional<std::vector<core::InboxId>>> visibleInboxIds(const core::Actor& actor);

  // Routing (app/routing_service.hpp). The router assigns `agent` (he accepted an offer, or the
  // queue auto-accepts): one transaction with an activity line, then conversation.updated.
  // Conflict when the conversation is resolved or already someone's.
  Result<core::Conversation> assignRouted(core::TenantId tenant, core::ConversationId id, core::UserId agent,
                                          const std::string& queue_name);
  // A transfer: unassigns, sets the team when `team` is given (invalid id: none), and says
  // "Transferred to <target>" (with the note) in an activity line. NotFound like every use case.
  Result<core::Conversation> recordTransfer(const core::Actor& actor, core::ConversationId id,
                                            std::optional<core::TeamId> team, const std::string& target,
                                            const std::string& note);

 private:
  struct IngestJob;
  Status prepareIngest(IngestJob& job) const;
  Status writeIngest(StoreTx& tx, IngestJob& job) const;
  void publishIngest(const IngestJob& job);
  Event eventFor(std::string type, const core::Inbox& inbox, core::Message message) const;
  Event eventFor(std::string type, const core::Inbox& inbox, core::Conversation conversation) const;
  // A merge or un-merge moved these conversations: an activity line in each, and their events.
  Status recordMove(StoreTx& tx, const core::Actor& actor, const std::vector<core::Conversation>& conversations,
                    const std::string& text, const ActivityFacts& facts, std::vector<Event>& events);

  Store& store_;
  EventBus& bus_;
  const Clock& clock_;
  ChannelGateways gateways_;
  std::atomic<int> early_receipt_waiters_{0};
};

inline constexpr int kEarlyReceiptWaitMs = 1000;  // a webhook's whole budget for such waits
inline constexpr core::TimestampMs kEarlyReceiptSendAgeMs = 60'000;  // an older mark is no send in progress
inline constexpr int kMaxEarlyReceiptWaiters = 4;

// reply() refuses a free-form reply (text or files, not a private note) when the channel needs
// the 24-hour customer-service window and it is closed: Conflict with this message, which the
// HTTP API answers as 409 customer_window_closed. Nothing is stored.
extern const char* const kCustomerWindowClosed;
bool isCustomerWindowClosed(const core::Error& error);

// Sorted, unique, trimmed; labels are 1-64 characters of letters, digits, '-', '_', ':' or '.'.
Result<std::vector<std::string>> normalizeLabels(const std::vector<std::string>& labels);

}  // namespace parley::app
