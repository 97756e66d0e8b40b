// DeskService::applyCustomerAccountChange: the customer's number or security code changed; and
// DeskService::noteCustomerActivity: a line for something else the customer did to the channel
// (see app/customer_account_change.hpp for what happens and why).
#include <optional>
#include <vector>

#include "app/desk_service.hpp"
#include "app/identity.hpp"
#include "core/text.hpp"

namespace parley::app {

using core::ErrorCode;
using core::makeError;

namespace {

using Kind = CustomerAccountChange::Kind;

// E.164, or "" when the channel's id is no number libphonenumber accepts (the id still counts).
std::string e164OrEmpty(const std::string& raw) {
  if (raw.empty()) return "";
  auto phone = normalizePhone(raw);
  return phone ? *phone : "";
}

struct WantedIdentity {
  core::IdentityKind kind;
  std::string scope, value;
  bool new_number = false;  // held by another contact: named in the line
};

// {"activity": kind, "by": "", "contact", "from", "to", "other", "other_id", "provider_type"}: the
// desk words the line in the agent's language (web/src/lib/activity.ts); `text` is the same in
// English (or Meta's sentence) for API clients.
std::string linePayload(const std::string& kind, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string json = "{\"activity\":" + core::jsonString(kind) + ",\"by\":\"\"";
  for (const auto& [key, value] : fields) {
    if (value.empty()) continue;
    json += ',';
    json += core::jsonString(key);
    json += ':';
    json += core::jsonString(value);
  }
  return json + "}";
}

// Writes the activity line about the customer into `conversation`, named by the provider's
// `external_id` (what finds a redelivered notice).
Result<core::Message> insertLine(StoreTx& tx, const core::Inbox& inbox, core::ConversationId conversation, std::string text,
                                 const std::string& kind, const std::vector<std::pair<std::string, std::string>>& fields,
                                 const std::string& external_id, core::TimestampMs now) {
  core::Message line;
  line.tenant_id = inbox.tenant_id;
  line.conversation_id = conversation;
  line.inbox_id = inbox.id;
  line.direction = core::MessageDirection::Activity;
  line.text = std::move(text);
  line.payload_json = linePayload(kind, fields);
  line.external_id = external_id;
  line.created_at = line.updated_at = now;
  auto id = tx.insertMessage(line);
  if (!id) return id.error();
  line.id = *id;
  return line;
}

}  // namespace

Result<std::optional<core::Conversation>> customerLineConversation(StoreTx& tx, core::TenantId tenant, core::ContactId contact,
                                                                  core::InboxId inbox) {
  // A public thread (a comment on the Page's post) is no place for a line about the customer.
  if (auto active = tx.findActiveConversation(tenant, contact, inbox); active && !active->is_public) {
    return std::optional<core::Conversation>(std::move(*active));
  } else if (!active && active.error().code != ErrorCode::NotFound) {
    return active.error();
  }
  auto latest = tx.listConversations({.tenant_id = tenant, .inbox_id = inbox, .contact_id = contact, .limit = 50});
  if (!latest) return latest.error();
  // Latest activity first; an unresolved private one (the newest active was public) before any resolved.
  for (bool resolved_too : {false, true}) {
    for (auto& c : *latest) {
      if (!c.is_public && (resolved_too || c.status != core::ConversationStatus::Resolved)) {
        return std::optional<core::Conversation>(std::move(c));
      }
    }
  }
  return std::optional<core::Conversation>();
}

Result<CustomerNoticeResult> DeskService::noteCustomerActivity(const core::Inbox& inbox, const CustomerNotice& notice) {
  if (notice.notice_id.empty()) return makeError(ErrorCode::InvalidInput, "the notice's id is required");
  if (notice.external_id.empty()) return makeError(ErrorCode::InvalidInput, "the customer's id is required");
  if (notice.text.empty()) return makeError(ErrorCode::InvalidInput, "the notice's text is required");
  const std::string scope = "inbox:" + std::to_string(inbox.id.value);
  const auto now = clock_.now();
  CustomerNoticeResult result;
  core::Message line;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    result = {};
    const auto tenant = inbox.tenant_id;
    if (auto seen = tx.findMessageByExternalId(inbox.id, notice.notice_id)) {
      result.duplicate = true;
      result.message_id = seen->id;
      result.conversation_id = seen->conversation_id;
      return {};
    } else if (seen.error().code != ErrorCode::NotFound) {
      return seen.error();
    }
    auto identity = tx.findIdentity(tenant, core::IdentityKind::External, scope, notice.external_id);
    if (!identity) return identity.error();  // NotFound: no contact is created for a notice
    auto conversation = customerLineConversation(tx, tenant, identity->contact_id, inbox.id);
    if (!conversation) return conversation.error();
    if (!*conversation) return makeError(ErrorCode::NotFound, "the customer has no conversation in this inbox");
    auto contact = tx.getContact(tenant, identity->contact_id);
    if (!contact) return contact.error();
    std::vector<std::pair<std::string, std::string>> fields{{"contact", contact->name}};
    if (notice.at > 0) fields.push_back({"at", std::to_string(notice.at)});
    auto written = insertLine(tx, inbox, (*conversation)->id, notice.text, notice.kind, fields, notice.notice_id, now);
    if (!written) return written.error();
    line = std::move(*written);
    result.message_id = line.id;
    result.conversation_id = line.conversation_id;
    return {};
  });
  if (!status) return status.error();
  if (!result.duplicate) bus_.publish(eventFor("message.created", inbox, line));
  return result;
}

Result<CustomerAccountChangeResult> DeskService::applyCustomerAccountChange(const core::Inbox& inbox,
                                                                           const CustomerAccountChange& change) {
  constexpr std::size_t kMaxText = 4096;
  if (change.message_id.empty()) return makeError(ErrorCode::InvalidInput, "the notice's message id is required");
  if (change.external_id.empty()) return makeError(ErrorCode::InvalidInput, "the customer's id is required");
  if (change.kind == Kind::NumberChanged && change.new_external_id.empty()) {
    return makeError(ErrorCode::InvalidInput, "the customer's new id is required for a number change");
  }
  if (change.text.size() > kMaxText) return makeError(ErrorCode::TooLarge, "text: at most 4096 bytes");

  const std::string scope = "inbox:" + std::to_string(inbox.id.value);
  const std::string old_phone = e164OrEmpty(change.old_phone);
  const std::string new_phone = change.kind == Kind::NumberChanged ? e164OrEmpty(change.new_phone) : "";
  const std::string from = old_phone.empty() ? change.external_id : old_phone;
  const std::string to = new_phone.empty() ? change.new_external_id : new_phone;
  const auto now = clock_.now();

  CustomerAccountChangeResult result;
  core::Contact contact;
  core::Conversation conversation;
  core::Message line;
  bool new_conversation = false;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    result = {};
    new_conversation = false;
    const auto tenant = inbox.tenant_id;
    if (auto seen = tx.findMessageByExternalId(inbox.id, change.message_id)) {
      result.duplicate = true;  // Meta redelivered the notice: it was applied with its line
      result.message_id = seen->id;
      result.conversation_id = seen->conversation_id;
      return {};
    } else if (seen.error().code != ErrorCode::NotFound) {
      return seen.error();
    }

    // Who is it? The old channel id, else the old number if a channel vouched for it.
    std::vector<WantedIdentity> old_ids{{core::IdentityKind::External, scope, change.external_id}};
    if (!old_phone.empty()) old_ids.push_back({core::IdentityKind::Phone, "", old_phone});
    core::ContactId contact_id;
    for (const auto& wanted : old_ids) {
      auto found = tx.findIdentity(tenant, wanted.kind, wanted.scope, wanted.value);
      if (found && (wanted.kind == core::IdentityKind::External || found->verified)) {
        contact_id = found->contact_id;
        break;
      }
      if (!found && found.error().code != ErrorCode::NotFound) return found.error();
    }

    // What the contact gets: for an unknown customer the old ids too (the history starts here),
    // for a number change the new ones. An id another contact holds stays with it.
    std::vector<WantedIdentity> add;
    if (!contact_id.valid()) {
      core::Contact fresh;
      fresh.tenant_id = tenant;
      fresh.name = change.kind == Kind::NumberChanged ? to : from;
      fresh.created_at = fresh.updated_at = now;
      auto id = tx.createContact(fresh);
      if (!id) return id.error();
      contact_id = *id;
      result.new_contact = true;
      add = old_ids;
    }
    if (change.kind == Kind::NumberChanged) {
      add.push_back({core::IdentityKind::External, scope, change.new_external_id, true});
      if (!new_phone.empty()) add.push_back({core::IdentityKind::Phone, "", new_phone, true});
    }
    for (const auto& wanted : add) {
      auto found = tx.findIdentity(tenant, wanted.kind, wanted.scope, wanted.value);
      if (found) {
        if (wanted.new_number && found->contact_id != contact_id && !result.other_contact_id.valid()) {
          result.other_contact_id = found->contact_id;
        }
        continue;
      }
      if (found.error().code != ErrorCode::NotFound) return found.error();
      core::ContactIdentity identity;
      identity.tenant_id = tenant;
      identity.contact_id = contact_id;
      identity.kind = wanted.kind;
      identity.scope = wanted.scope;
      identity.value = wanted.value;
      identity.verified = true;  // Meta signed the notice and vouches for both numbers
      identity.created_at = now;
      if (auto id = tx.addIdentity(identity); !id) return id.error();
      ++result.identities_added;
    }
    auto c = tx.getContact(tenant, contact_id);
    if (!c) return c.error();
    contact = std::move(*c);
    result.contact_id = contact_id;

    // The line goes into the customer's open conversation in this inbox, else the latest one
    // (left as it is: a notice is no question to answer), else a new one, created resolved.
    auto existing = customerLineConversation(tx, tenant, contact_id, inbox.id);
    if (!existing) return existing.error();
    if (*existing) {
      conversation = std::move(**existing);
    } else {
      conversation = {.tenant_id = tenant,
                      .inbox_id = inbox.id,
                      .contact_id = contact_id,
                      .status = core::ConversationStatus::Resolved,
                      .created_at = now,
                      .last_activity_at = now,
                      .resolved_at = now};
      auto id = tx.createConversation(conversation);
      if (!id) return id.error();
      conversation.id = *id;
      new_conversation = true;
    }

    std::string kind = "identity_changed", text = change.text;
    std::vector<std::pair<std::string, std::string>> fields{{"contact", contact.name}, {"provider_type", change.provider_type}};
    if (change.kind == Kind::NumberChanged) {
      // A changed business-scoped user id (no number shared) is worded as such by the desk.
      const bool user_id = change.provider_type == "user_changed_user_id";
      kind = user_id ? "user_id_changed" : "number_changed";
      if (text.empty()) text = std::string(user_id ? "Changed their WhatsApp user id" : "Changed their WhatsApp number") + " from " + from + " to " + to;
      fields.push_back({"from", from});
      fields.push_back({"to", to});
      if (result.other_contact_id.valid()) {
        auto other = tx.getContact(tenant, result.other_contact_id);
        if (!other) return other.error();
        kind = "number_conflict";
        text += " — " + to + " already belongs to contact " + other->name + " (#" +
                std::to_string(other->id.value) + "); merge the two contacts if they are the same person";
        fields.push_back({"other", other->name});
        fields.push_back({"other_id", std::to_string(other->id.value)});
      }
    } else if (text.empty()) {
      text = "The customer's WhatsApp security code changed";
    }
    auto written = insertLine(tx, inbox, conversation.id, std::move(text), kind, fields, change.message_id, now);
    if (!written) return written.error();
    line = std::move(*written);
    result.message_id = line.id;
    result.conversation_id = conversation.id;
    return {};
  });
  if (!status) return status.error();
  if (result.duplicate) return result;

  if (result.new_contact || result.identities_added > 0) {
    bus_.publish(Event{0, "contact.updated", inbox.tenant_id, std::nullopt, {}, contact});
  }
  if (new_conversation) bus_.publish(eventFor("conversation.created", inbox, conversation));
  bus_.publish(eventFor("message.created", inbox, line));
  return result;
}

}  // namespace parley::app
