// The normalised inbound message every channel codec produces.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"

namespace parley::core {

struct InboundContact {
  std::string external_id;  // the channel's id for this person (scoped to the inbox)
  std::string name;
  std::string phone;  // raw; normalised to E.164 by ingestion
  std::string email;  // raw; lower-cased by ingestion
  // True when the channel vouches for phone/e-mail (a signed integrator, WhatsApp's wa_id);
  // only verified identities match an existing contact.
  bool verified = true;
  // Appended to the inbox's scope when external_id is of another namespace than the ids the
  // inbox sends to (a Facebook comment's author is not a Messenger PSID: ":facebook").
  std::string scope_suffix;
  // Further ids the channel gives for the same person in the same scope (WhatsApp names a
  // customer by wa_id and business-scoped user id; later messages may carry only the latter):
  // each finds the contact as external_id does, and is kept as an identity of it.
  std::vector<std::string> also_external_ids;
};

// A file still at the provider; the media fetcher downloads it after the message is stored.
struct InboundMedia {
  std::string provider_ref;  // the provider's media id (WhatsApp, Telegram file_id) or URL
  std::string filename;
  std::string mime_type;  // as the provider declares it; the stored type is sniffed
  std::string sha256;     // the provider's hash, when it gives one
};

struct InboundMessage {
  InboxId inbox_id;
  // The provider account the message was sent to (WhatsApp phone_number_id, page id, bot
  // id ...): a webhook batch may address several inboxes.
  std::string account_id;
  std::string external_id;  // the provider's message id, for deduplication
  InboundContact contact;
  MessageKind kind = MessageKind::Text;
  std::string text;
  std::string payload_json = "{}";  // see Message::payload_json
  std::vector<AttachmentId> attachment_ids;  // attachments already stored, rows and all
  // Files whose bytes are already on disk (AttachmentStore::saveBlob); their rows are inserted
  // with the message, in the same transaction.
  std::vector<Attachment> saved_files;
  std::vector<InboundMedia> media;  // still at the provider: fetched after the commit
  std::optional<double> latitude, longitude;
  std::string location_name;
  std::string reply_to_external_id;
  TimestampMs sent_at = 0;  // the provider's timestamp, when given
  // Sent by the business from the provider's own app (an "echo"): stored as outgoing, never
  // as the customer's message.
  bool echo = false;
  // For an echo the provider says is of a reply Parley sent (Messenger's metadata): that reply.
  // Such an echo is never stored as a message; it proves the reply went out (app/echo_claim.hpp).
  MessageId echo_of;

  // Threaded channels (e-mail). The provider ids this message answers, most relevant first
  // (In-Reply-To, then References newest first): the first one stored in this inbox names the
  // conversation, whatever its status and whoever wrote it.
  std::vector<std::string> thread_refs;
  // A conversation the channel recognised by its own token (in an e-mail's subject or
  // address); used when no thread_refs matched, and only when it belongs to this inbox.
  ConversationId thread_conversation_id;
  // A message that matches no thread opens a new conversation (a new e-mail is a new case)
  // instead of continuing the contact's active one.
  bool new_conversation_unless_threaded = false;
  // An auto-reply or a bounce: stored, but it never reopens a conversation; one that matches
  // no conversation opens one already resolved, labelled `automated_label`.
  bool automated = false;
  std::string automated_label;
  // A public post (an X mention, a comment on a Facebook Page): it never joins the contact's private chat, and a conversation
  // it opens is public (Conversation::is_public). A private message never joins a public one.
  bool is_public = false;
  // Not something the customer wrote but something they did that the provider counts as their
  // contact (Messenger: they opened the chat again from an m.me link, which resets Meta's
  // 24-hour window). Stored as an activity line (MessageDirection::Activity) with `text` as its
  // English sentence and payload_json {"activity": kind, "by": "", ...}; otherwise it goes where
  // a message from them would (a new customer gets a contact and a conversation) and, where the
  // channel has a customer window (core/customer_window.hpp), it reopens it from sent_at.
  bool activity = false;
};

// A delivery receipt for a message the business sent.
struct InboundStatus {
  std::string account_id;
  std::string provider_message_id;
  DeliveryStatus status = DeliveryStatus::Sent;
  std::string error;  // the provider's code and text, for Failed
  TimestampMs at = 0;
};

// The customer edited a message (Telegram): the stored message changes, none is added.
// The `error` of an attachment whose message the customer unsent (InboundEdit::unsent).
inline constexpr const char* kUnsentByCustomer = "unsent by the customer";

struct InboundEdit {
  std::string account_id;
  std::string provider_message_id;
  std::string text;
  TimestampMs at = 0;
  // The customer took the message back (Instagram's "unsend", a deleted X post): its text and
  // files are no longer shown or served; `text` is empty.
  bool unsent = false;
  // When set, only a message this person wrote changes: the channel's id of its author (X names
  // who deleted a post), matched against the sender's identity in the inbox.
  std::string author_external_id;
};

// Everything one webhook delivery carried, in the order the provider listed it.
struct InboundBatch {
  std::vector<InboundMessage> messages;
  std::vector<InboundStatus> statuses;
  std::vector<InboundEdit> edits;
  int ignored = 0;  // unknown or irrelevant events, accepted and dropped
};

struct IngestResult {
  ContactId contact_id;
  ConversationId conversation_id;
  MessageId message_id;
  bool duplicate = false;  // the external id was seen before; nothing new stored
  bool new_conversation = false;
  bool new_contact = false;
};

}  // namespace parley::core
