// DESIGN: a channel tells us that the customer's own account changed: WhatsApp's "system"
// messages (the customer moved to a new phone number; their security code changed). The
// customer is still the same person, so the contact keeps its timeline:
//   - A new number: the contact found by the old channel id (or, failing that, by the old
//     verified phone) gets the new channel id and the new number as verified identities, so the
//     next message from the new number continues the same contact and conversation. The old
//     identities stay (the history was written under them).
//   - A new number another contact already holds: nothing is taken from that contact. What is
//     still free is added, and the line names the other contact so an agent can merge the two.
//   - A new security code: a line only.
// The line is an activity message whose external id is the notice's message id: one store
// transaction writes identities and line together, and a redelivered notice finds its line and
// changes nothing. DeskService::applyCustomerAccountChange (customer_account_change.cpp) applies it.
#pragma once

#include <optional>
#include <string>

#include "app/store.hpp"
#include "core/domain.hpp"

namespace parley::app {

struct CustomerAccountChange {
  enum class Kind { NumberChanged, IdentityChanged };
  Kind kind = Kind::NumberChanged;
  std::string message_id;       // the provider's id of the notice (WhatsApp wamid); required
  std::string external_id;      // the customer's channel id before the change (the old wa_id); required
  std::string old_phone;        // the old number, raw ("+16505551234"); empty if the id is no number
  std::string new_external_id;  // NumberChanged: the channel id from now on (the new wa_id); required
  std::string new_phone;        // NumberChanged: the new number, raw; empty if the id is no number
  std::string text;             // the provider's own sentence, shown as the line ("User ... changed from ... to ...")
  std::string provider_type;    // as the provider spelled it ("user_changed_number"), kept in the line's payload
};

// Something the customer did to the channel that the agent should see, but that is neither a
// message nor a reason to open a conversation (Telegram: the customer blocked or unblocked the
// bot, my_chat_member in a private chat). DeskService::noteCustomerActivity writes it as an
// activity line into the contact's open conversation in the inbox, else its latest one, left as
// it is (status, window). Nothing is created for it: a channel id no contact has, or a contact
// without a conversation in the inbox, is NotFound. A redelivered notice (same notice_id) finds
// its line and changes nothing.
struct CustomerNotice {
  std::string notice_id;    // the line's external id, unique in the inbox (Telegram: "my_chat_member:<update_id>"); required
  std::string external_id;  // the customer's channel id in the inbox; required
  std::string kind;         // the line's payload.activity ("bot_blocked", "bot_unblocked")
  std::string text;         // the English sentence shown as the line; required
  core::TimestampMs at = 0;  // when it happened, per the provider (payload.at); 0: unknown
};

struct CustomerNoticeResult {
  bool duplicate = false;
  core::ConversationId conversation_id;
  core::MessageId message_id;  // the line
};

struct CustomerAccountChangeResult {
  bool duplicate = false;  // this notice was applied before: nothing changed
  bool new_contact = false;  // nobody had the old id or number: a contact was created for the customer
  core::ContactId contact_id;
  core::ConversationId conversation_id;  // where the line went
  core::MessageId message_id;            // the line
  int identities_added = 0;
  // NumberChanged: the new number or id already belonged to this contact, and stays with it.
  core::ContactId other_contact_id;
};

// The conversation a line about the customer goes into (a notice, a referral: no question to
// answer): their open conversation in this inbox, else their latest one there, left as it is,
// never a public thread; nullopt when they have none in the inbox.
Result<std::optional<core::Conversation>> customerLineConversation(StoreTx& tx, core::TenantId tenant, core::ContactId contact,
                                                                  core::InboxId inbox);

}  // namespace parley::app
