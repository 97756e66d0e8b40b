#include "app/desk_service.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "app/direct_reply.hpp"
#include "app/echo_claim.hpp"
#include "app/identity.hpp"
#include "core/customer_window.hpp"
#include "core/delivery.hpp"
#include "core/text.hpp"

namespace parley::app {

namespace json = boost::json;

using core::ErrorCode;
using core::makeError;

// What happened, for a desk to say in its own language: {"activity": kind, "by": name, ...}.
// The text is the same in English, for API clients that only show text.
struct ActivityFacts {
  std::string kind;  // assigned, unassigned, team_assigned, status, merged, unmerged
  std::string by;
  std::vector<std::pair<std::string, std::string>> extra;  // to, team, status, contact
};

namespace {

constexpr std::size_t kMaxTextBytes = 65'536;
constexpr std::size_t kMaxAttachmentsPerMessage = 20;

bool isBlank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

std::string inboxScope(core::InboxId inbox) { return "inbox:" + std::to_string(inbox.value); }

// The conversation as the desk shows it: with its customer-service window, if its channel has one.
void setWindow(core::Conversation& conversation, const core::Inbox& inbox) {
  conversation.customer_window_expires_at = core::customerWindowExpiresAt(inbox, conversation.last_incoming_at);
}

// NotFound for everything the actor may not see, so ids of other teams and tenants do not leak.
Result<ConversationView> loadVisible(StoreTx& tx, const core::Actor& actor, core::ConversationId id) {
  auto conversation = tx.getConversation(actor.tenant_id, id);
  if (!conversation) return conversation.error();
  auto inbox = tx.getInbox(actor.tenant_id, conversation->inbox_id);
  if (!inbox) return inbox.error();
  if (!core::canSeeInbox(actor, *inbox)) return makeError(ErrorCode::NotFound, "conversation not found");
  setWindow(*conversation, *inbox);
  return ConversationView{std::move(*conversation), std::move(*inbox)};
}

std::string describeUser(StoreTx& tx, core::TenantId tenant, core::UserId id) {
  auto user = tx.getUser(tenant, id);
  return user ? user->name : "user " + std::to_string(id.value);
}

std::string activityPayload(const ActivityFacts& facts) {
  std::string json = "{\"activity\":";
  json += core::jsonString(facts.kind);
  json += ",\"by\":";
  json += core::jsonString(facts.by);
  for (const auto& [key, value] : facts.extra) {
    json += ',';
    json += core::jsonString(key);
    json += ':';
    json += core::jsonString(value);
  }
  json += '}';
  return json;
}

Status addActivity(StoreTx& tx, const core::Conversation& conversation, std::string text, core::UserId by,
                   core::TimestampMs now, std::vector<core::Message>& created, const ActivityFacts& facts) {
  core::Message activity;
  activity.tenant_id = conversation.tenant_id;
  activity.conversation_id = conversation.id;
  activity.inbox_id = conversation.inbox_id;
  activity.direction = core::MessageDirection::Activity;
  activity.payload_json = activityPayload(facts);
  activity.text = std::move(text);
  activity.sender_user_id = by;
  activity.created_at = activity.updated_at = now;
  auto id = tx.insertMessage(activity);
  if (!id) return id.error();
  activity.id = *id;
  created.push_back(std::move(activity));
  return {};
}

}  // namespace

const char* const kCustomerWindowClosed =
    "the customer last wrote more than 24 hours ago (or never), so WhatsApp takes no free-form message now; "
    "send an approved message template instead";

bool isCustomerWindowClosed(const core::Error& error) {
  return error.code == ErrorCode::Conflict && error.message == kCustomerWindowClosed;
}

Result<std::vector<std::string>> normalizeLabels(const std::vector<std::string>& labels) {
  std::set<std::string> out;
  for (const auto& raw : labels) {
    auto b = raw.find_first_not_of(" \t");
    auto e = raw.find_last_not_of(" \t");
    if (b == std::string::npos) return makeError(ErrorCode::InvalidInput, "labels: empty label");
    std::string label = raw.substr(b, e - b + 1);
    std::transform(label.begin(), label.end(), label.begin(), [](unsigned char c) { return std::tolower(c); });
    bool ok = label.size() <= 64 && std::all_of(label.begin(), label.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '-' || c == '_' || c == ':' || c == '.' || c >= 0x80;
    });
    if (!ok || !core::isValidUtf8(label)) {
      return makeError(ErrorCode::InvalidInput, "labels: '" + raw + "' is not a valid label (letters, digits, - _ : .)");
    }
    out.insert(label);
  }
  if (out.size() > 50) return makeError(ErrorCode::InvalidInput, "labels: at most 50 per conversation");
  return std::vector<std::string>(out.begin(), out.end());
}

DeskService::DeskService(Store& store, EventBus& bus, const Clock& clock, ChannelGateways gateways)
    : store_(store), bus_(bus), clock_(clock), gateways_(std::move(gateways)) {}

Event DeskService::eventFor(std::string type, const core::Inbox& inbox, core::Message message) const {
  return Event{0, std::move(type), inbox.tenant_id, inbox.id, inbox.team_ids, std::move(message)};
}

Event DeskService::eventFor(std::string type, const core::Inbox& inbox, core::Conversation conversation) const {
  setWindow(conversation, inbox);  // every desk that hears of it shows the same window
  return Event{0, std::move(type), inbox.tenant_id, inbox.id, inbox.team_ids, std::move(conversation)};
}

namespace {

// The conversation a threaded message (an e-mail reply) belongs to, if any: the first of its
// references stored in this inbox, else the channel's conversation token.
Result<std::optional<core::Conversation>> findThread(StoreTx& tx, const core::Inbox& inbox,
                                                     const core::InboundMessage& in) {
  constexpr std::size_t kMaxRefsLooked = 50;  // a References header can be long; the newest matter
  for (std::size_t i = 0; i < in.thread_refs.size() && i < kMaxRefsLooked; ++i) {
    if (in.thread_refs[i].empty()) continue;
    auto seen = tx.findMessageByExternalId(inbox.id, in.thread_refs[i]);
    if (seen) {
      auto c = tx.getConversation(inbox.tenant_id, seen->conversation_id);
      if (!c) return c.error();
      return std::optional<core::Conversation>(std::move(*c));
    }
    if (seen.error().code != ErrorCode::NotFound) return seen.error();
  }
  if (in.thread_conversation_id.valid()) {
    auto c = tx.getConversation(inbox.tenant_id, in.thread_conversation_id);
    if (c && c->inbox_id == inbox.id) return std::optional<core::Conversation>(std::move(*c));
    if (!c && c.error().code != ErrorCode::NotFound) return c.error();
  }
  return std::optional<core::Conversation>();
}

// Every conversation of a contact (at most kMaxMoved, newest first): the ones a merge moves.
constexpr int kMaxMoved = 500;
Result<std::vector<core::Conversation>> conversationsOf(StoreTx& tx, core::TenantId tenant, core::ContactId contact) {
  ConversationFilter filter;
  filter.tenant_id = tenant;
  filter.contact_id = contact;
  filter.limit = kMaxMoved;
  return tx.listConversations(filter);
}

}  // namespace

// One inbound message on its way into the store, shared by ingest() and ingestAsync(): what is
// checked before the write, what the write finds and creates, and so what is published after
// the commit.
struct DeskService::IngestJob {
  const core::InboundMessage* in = nullptr;
  core::InboundMessage owned;  // ingestAsync: the message lives here until the job is done
  std::function<bool(const core::Inbox&)> accept_inbox;
  std::string phone, email;  // normalised
  core::TimestampMs now = 0;
  core::IngestResult result;
  core::Inbox inbox;
  core::Conversation conversation;
  core::Message message;
  core::Contact contact;
  std::optional<core::Message> finished_reply;  // a reply waiting for its retry that an echo showed sent
};

// The checks that need no store: sizes, something to store, a usable contact identity.
Status DeskService::prepareIngest(IngestJob& job) const {
  const core::InboundMessage& in = *job.in;
  if (in.text.size() > kMaxTextBytes) return makeError(ErrorCode::TooLarge, "text: at most 65536 bytes");
  if (isBlank(in.text) && in.attachment_ids.empty() && in.saved_files.empty() && in.media.empty() && !in.latitude &&
      in.kind == core::MessageKind::Text) {
    return makeError(ErrorCode::InvalidInput, "a message needs text, an attachment or a location");
  }
  if (in.attachment_ids.size() + in.saved_files.size() + in.media.size() > kMaxAttachmentsPerMessage) {
    return makeError(ErrorCode::InvalidInput, "at most 20 attachments per message");
  }
  if (!in.contact.phone.empty()) {
    auto p = normalizePhone(in.contact.phone);
    if (!p) return makeError(ErrorCode::InvalidInput, "contact.phone: " + p.error().message);
    job.phone = *p;
  }
  if (!in.contact.email.empty()) {
    auto e = normalizeEmail(in.contact.email);
    if (!e) return makeError(ErrorCode::InvalidInput, "contact.email: " + e.error().message);
    job.email = *e;
  }
  if (in.contact.external_id.empty() && job.phone.empty() && job.email.empty()) {
    return makeError(ErrorCode::InvalidInput, "contact: needs an id, a phone number or an e-mail address");
  }

  job.now = clock_.now();
  return {};
}

// The write: dedup by external id, match or create the contact, continue the contact's active
// conversation in this inbox or open one, store the message.
Status DeskService::writeIngest(StoreTx& tx, IngestJob& job) const {
  const core::InboundMessage& in = *job.in;
  const std::string& phone = job.phone;
  const std::string& email = job.email;
  const auto now = job.now;
  core::IngestResult& result = job.result;
  core::Inbox& inbox = job.inbox;
  core::Conversation& conversation = job.conversation;
  core::Message& message = job.message;
  core::Contact& contact = job.contact;
  result = {};
  job.finished_reply.reset();
  auto box = tx.getInboxAnyTenant(in.inbox_id);
  if (!box) return box.error();
  inbox = std::move(*box);
  if (job.accept_inbox && !job.accept_inbox(inbox)) {
    return makeError(ErrorCode::Conflict, "the inbox changed after the request was checked");
  }
  const auto tenant = inbox.tenant_id;

  if (!in.external_id.empty()) {
    auto seen = tx.findMessageByExternalId(inbox.id, in.external_id);
    if (seen) {
      result.duplicate = true;
      result.message_id = seen->id;
      result.conversation_id = seen->conversation_id;
      result.contact_id = seen->sender_contact_id;
      return {};
    }
    if (seen.error().code != ErrorCode::NotFound) return seen.error();
    // Hook (echo race): the echo of a reply in its send call or waiting for its retry adds no
    // message; app/echo_claim.hpp.
    if (auto own = claimEchoOfSending(tx, inbox, in, now, result, job.finished_reply); !own || *own) {
      return own ? Status() : Status(own.error());
    }
  }

  // Which contact is this? The channel's own id first, then a verified phone or e-mail.
  struct Wanted {
    core::IdentityKind kind;
    std::string scope, value;
  };
  std::vector<Wanted> wanted;
  if (!in.contact.external_id.empty()) {
    wanted.push_back({core::IdentityKind::External, inboxScope(inbox.id) + in.contact.scope_suffix, in.contact.external_id});
    for (const auto& also : in.contact.also_external_ids) {
      if (!also.empty() && also != in.contact.external_id) {
        wanted.push_back({core::IdentityKind::External, inboxScope(inbox.id) + in.contact.scope_suffix, also});
      }
    }
  }
  if (!phone.empty()) wanted.push_back({core::IdentityKind::Phone, "", phone});
  if (!email.empty()) wanted.push_back({core::IdentityKind::Email, "", email});

  core::ContactId contact_id;
  std::vector<bool> present(wanted.size(), false);
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    auto found = tx.findIdentity(tenant, wanted[i].kind, wanted[i].scope, wanted[i].value);
    if (found) {
      present[i] = true;
      const bool usable = wanted[i].kind == core::IdentityKind::External || (in.contact.verified && found->verified);
      if (!contact_id.valid() && usable) contact_id = found->contact_id;
    } else if (found.error().code != ErrorCode::NotFound) {
      return found.error();
    }
  }
  if (!contact_id.valid()) {
    core::Contact fresh;
    fresh.tenant_id = tenant;
    fresh.name = in.contact.name.empty() ? (!phone.empty() ? phone : !email.empty() ? email : in.contact.external_id)
                                         : in.contact.name;
    fresh.created_at = fresh.updated_at = now;
    auto id = tx.createContact(fresh);
    if (!id) return id.error();
    contact_id = *id;
    result.new_contact = true;
  }
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (present[i]) continue;  // belongs to this or, unverified, to another contact: leave it
    core::ContactIdentity identity;
    identity.tenant_id = tenant;
    identity.contact_id = contact_id;
    identity.kind = wanted[i].kind;
    identity.scope = wanted[i].scope;
    identity.value = wanted[i].value;
    identity.verified = wanted[i].kind == core::IdentityKind::External || in.contact.verified;
    identity.created_at = now;
    if (auto id = tx.addIdentity(identity); !id) return id.error();
  }
  if (result.new_contact) {  // its contact.updated event carries it; a known contact is not reread
    auto c = tx.getContact(tenant, contact_id);
    if (!c) return c.error();
    contact = std::move(*c);
  }
  result.contact_id = contact_id;

  // A threaded channel names its conversation (a reply joins it, whatever its status);
  // otherwise continue the contact's active conversation in this inbox, or open a new one.
  auto found = findThread(tx, inbox, in);
  if (!found) return found.error();
  bool have_conversation = found->has_value();
  if (have_conversation) {
    conversation = std::move(**found);
  } else if (in.activity) {
    // Something the customer did (a referral from an m.me link or an ad) is no question to
    // answer: its line goes where the other lines about the customer go, their open conversation
    // else their latest (customerLineConversation), as it is; a customer without one gets a new
    // conversation, resolved (below). The window reopens all the same.
    auto existing = customerLineConversation(tx, tenant, contact_id, inbox.id);
    if (!existing) return existing.error();
    if (*existing) {
      conversation = std::move(**existing);
      have_conversation = true;
    }
  } else if (!in.new_conversation_unless_threaded && !in.is_public) {
    auto active = tx.findActiveConversation(tenant, contact_id, inbox.id);
    if (active && !active->is_public) {
      conversation = std::move(*active);
      have_conversation = true;
    } else if (active) {
      // The newest open conversation is a public thread (an X mention): a private message
      // continues the contact's latest open private chat instead, if there is one.
      ConversationFilter filter;
      filter.tenant_id = tenant;
      filter.inbox_id = inbox.id;
      filter.contact_id = contact_id;
      filter.limit = 50;
      auto recent = tx.listConversations(filter);
      if (!recent) return recent.error();
      for (auto& c : *recent) {
        if (!c.is_public && c.status != core::ConversationStatus::Resolved) {
          conversation = std::move(c);
          have_conversation = true;
          break;
        }
      }
    } else if (active.error().code != ErrorCode::NotFound) {
      return active.error();
    }
  }
  if (have_conversation) {
    if (conversation.status != core::ConversationStatus::Open && !in.automated && !in.activity) {
      conversation.status = core::ConversationStatus::Open;  // the customer wrote again
      conversation.snoozed_until = 0;
    }
  } else {
    conversation = {};
    conversation.tenant_id = tenant;
    conversation.inbox_id = inbox.id;
    conversation.contact_id = contact_id;
    conversation.status = core::ConversationStatus::Open;
    conversation.created_at = now;
    conversation.last_activity_at = now;
    conversation.is_public = in.is_public;
    if (in.automated || in.activity) {
      // Nobody needs to answer an auto-reply, a bounce or a customer's referral: kept for the record, not queued.
      conversation.status = core::ConversationStatus::Resolved;
      conversation.resolved_at = now;
      if (!in.automated_label.empty()) conversation.labels = {in.automated_label};
    }
    auto id = tx.createConversation(conversation);
    if (!id) return id.error();
    conversation.id = *id;
    result.new_conversation = true;
  }

  for (auto attachment_id : in.attachment_ids) {
    auto a = tx.getAttachment(tenant, attachment_id);
    if (!a) return makeError(ErrorCode::InvalidInput, "attachment " + std::to_string(attachment_id.value) + " not found");
  }
  std::vector<core::AttachmentId> attachment_ids = in.attachment_ids;
  for (core::Attachment file : in.saved_files) {
    file.tenant_id = tenant;
    auto id = tx.insertAttachment(file);
    if (!id) return id.error();
    attachment_ids.push_back(*id);
  }
  for (const auto& media : in.media) {
    // The bytes are still at the provider: the media fetcher downloads them after the commit.
    core::Attachment pending;
    pending.tenant_id = tenant;
    pending.state = core::AttachmentState::Pending;
    pending.provider_ref = media.provider_ref;
    pending.filename = media.filename.empty() ? std::string(core::toString(in.kind)) : media.filename;
    pending.content_type = media.mime_type;
    pending.next_fetch_at = now;
    pending.created_at = now;
    auto id = tx.insertAttachment(pending);
    if (!id) return id.error();
    attachment_ids.push_back(*id);
  }
  message = {};
  message.tenant_id = tenant;
  message.conversation_id = conversation.id;
  message.inbox_id = inbox.id;
  message.kind = in.kind;
  message.payload_json = in.payload_json.empty() ? "{}" : in.payload_json;
  message.text = in.text;
  if (in.echo) {
    // Sent by the business from the provider's own app: ours, already delivered.
    message.direction = core::MessageDirection::Outgoing;
    message.delivery_status = core::DeliveryStatus::Sent;
  } else if (in.activity) {
    // Something the customer did, not wrote (core::InboundMessage::activity): a line.
    message.direction = core::MessageDirection::Activity;
  } else {
    message.direction = core::MessageDirection::Incoming;
    message.sender_contact_id = contact_id;
  }
  message.external_id = in.external_id;
  message.latitude = in.latitude;
  message.longitude = in.longitude;
  message.location_name = in.location_name;
  message.attachment_ids = attachment_ids;
  message.created_at = message.updated_at = now;
  if (!in.reply_to_external_id.empty()) {
    if (auto quoted = tx.findMessageByExternalId(inbox.id, in.reply_to_external_id)) message.reply_to_id = quoted->id;
  }
  auto mid = tx.insertMessage(message);
  if (!mid) return mid.error();
  message.id = *mid;
  result.message_id = message.id;
  result.conversation_id = conversation.id;

  conversation.last_activity_at = now;
  // The window counts from when the customer wrote (a late webhook delivery has less of it left).
  // Only where that window exists: elsewhere a sender's clock (an e-mail's Date) decides nothing.
  if (!in.echo) {
    conversation.last_incoming_at =
        core::hasCustomerWindow(inbox) ? core::customerWroteAt(conversation.last_incoming_at, in.sent_at, now) : now;
  }
  return tx.recordConversationActivity(conversation);
}

void DeskService::publishIngest(const IngestJob& job) {
  if (job.result.duplicate) {
    if (job.finished_reply) bus_.publish(eventFor("message.updated", job.inbox, *job.finished_reply));
    return;
  }
  bus_.publish(eventFor(job.result.new_conversation ? "conversation.created" : "conversation.updated", job.inbox, job.conversation));
  bus_.publish(eventFor("message.created", job.inbox, job.message));
  if (job.result.new_contact) bus_.publish(Event{0, "contact.updated", job.inbox.tenant_id, std::nullopt, {}, job.contact});
}

Result<core::IngestResult> DeskService::ingest(const core::InboundMessage& in) {
  IngestJob job;
  job.in = &in;
  if (Status ready = prepareIngest(job); !ready) return ready.error();
  auto status = store_.write([&](StoreTx& tx) { return writeIngest(tx, job); });
  if (!status) return status.error();
  publishIngest(job);
  return job.result;
}

bool DeskService::ingestAsync(core::InboundMessage in, std::function<bool(const core::Inbox&)> accept_inbox,
                              std::function<void(Result<core::IngestResult>)> done) {
  if (!store_.writesAsync()) return false;
  auto job = std::make_shared<IngestJob>();
  job->owned = std::move(in);
  job->in = &job->owned;
  job->accept_inbox = std::move(accept_inbox);
  if (Status ready = prepareIngest(*job); !ready) {
    done(ready.error());
    return true;
  }
  return store_.writeAsync([this, job](StoreTx& tx) { return writeIngest(tx, *job); },
                           [this, job, done = std::move(done)](Status status) {
                             if (!status) {
                               done(status.error());
                               return;
                             }
                             // Stored and committed: the answer goes out even if a subscriber
                             // throws (the desk then misses an event, not the customer a reply).
                             try {
                               publishIngest(*job);
                             } catch (...) {
                             }
                             done(job->result);
                           });
}

Result<core::Message> DeskService::reply(const core::Actor& actor, core::ConversationId id, const ReplyInput& input,
                                         std::vector<core::Message>* further) {
  if (input.text.size() > kMaxTextBytes) return makeError(ErrorCode::TooLarge, "text: at most 65536 bytes");
  if (isBlank(input.text) && input.attachment_ids.empty() && !input.template_reply) {
    return makeError(ErrorCode::InvalidInput, "text: a reply needs text or an attachment");
  }
  if (input.template_reply && (input.private_note || !isBlank(input.text) || !input.attachment_ids.empty())) {
    return makeError(ErrorCode::InvalidInput, "template: a template is sent on its own (no text, files or private note)");
  }
  if (input.attachment_ids.size() > kMaxAttachmentsPerMessage) {
    return makeError(ErrorCode::InvalidInput, "attachment_ids: at most 20 per message");
  }
  if (!input.buttons.empty()) {
    if (input.private_note) return makeError(ErrorCode::InvalidInput, "buttons: a private note has no buttons");
    // The channel's own rules are checked below, once the conversation's inbox is known.
  }
  const auto now = clock_.now();
  ConversationView view;
  std::vector<core::Message> stored;  // the reply's messages, in the order they go out
  auto status = store_.write([&](StoreTx& tx) -> Status {
    stored.clear();
    auto loaded = loadVisible(tx, actor, id);
    if (!loaded) return loaded.error();
    view = std::move(*loaded);
    std::vector<core::Attachment> attachments;
    for (auto attachment_id : input.attachment_ids) {
      auto a = tx.getAttachment(actor.tenant_id, attachment_id);
      if (!a) return makeError(ErrorCode::InvalidInput, "attachment " + std::to_string(attachment_id.value) + " not found");
      if (a->message_id.valid()) {
        return makeError(ErrorCode::InvalidInput, "attachment " + std::to_string(attachment_id.value) + " is already used");
      }
      if (a->uploaded_by.valid() && a->uploaded_by != actor.user_id) {
        // Another agent's upload that was never sent: not ours to send (nor to know of).
        return makeError(ErrorCode::InvalidInput, "attachment " + std::to_string(attachment_id.value) + " not found");
      }
      attachments.push_back(std::move(*a));
    }
    if (input.reply_to_id.valid()) {
      auto quoted = tx.getMessage(actor.tenant_id, input.reply_to_id);
      if (!quoted || quoted->conversation_id != id) {
        return makeError(ErrorCode::InvalidInput, "reply_to_id: not a message of this conversation");
      }
    }
    core::Message message;
    message.tenant_id = actor.tenant_id;
    message.conversation_id = id;
    message.inbox_id = view.inbox.id;
    message.direction = input.private_note ? core::MessageDirection::Note : core::MessageDirection::Outgoing;
    message.text = input.text;
    message.sender_user_id = actor.user_id;
    message.reply_to_id = input.reply_to_id;
    const bool direct = input.direct && !input.private_note;
    if (direct) message.payload_json = kDirectPayload;
    if (!input.buttons.empty()) {
      if (auto valid = validateChannelButtons(view.inbox.channel, input.buttons, input.text, !input.attachment_ids.empty()); !valid) {
        return valid.error();
      }
      message.payload_json = replyButtonsPayload(input.buttons);
    }
    message.created_at = message.updated_at = now;
    auto gateway = gateways_.find(view.inbox.channel);
    const bool sends = !input.private_note && gateway != gateways_.end();
    if (input.template_reply) {
      // The channel checks the template against what it synced and fills in the parameters.
      if (gateway == gateways_.end()) return makeError(ErrorCode::InvalidInput, "message templates are a WhatsApp feature");
      auto rendered = gateway->second->renderTemplate(tx, view.inbox, *input.template_reply);
      if (!rendered) return rendered.error();
      message.kind = core::MessageKind::Template;
      message.text = std::move(rendered->text);
      message.payload_json = std::move(rendered->payload_json);
    } else if (sends && gateway->second->freeFormNeedsCustomerWindow(view.inbox) &&
               !core::customerWindowOpen(view.inbox, view.conversation.last_incoming_at, now)) {
      return makeError(ErrorCode::Conflict, kCustomerWindowClosed);
    }
    if (!input.private_note) {
      if (gateway == gateways_.end()) {
        message.delivery_status = core::DeliveryStatus::Failed;
        message.delivery_error = "this channel (" + std::string(core::toString(view.inbox.channel)) + ") cannot send yet";
      } else {
        message.delivery_status = core::DeliveryStatus::Pending;
      }
    }

    // The files each message carries: all in one, unless the channel takes fewer per message.
    std::vector<std::vector<core::Attachment>> files_per_message;
    const std::size_t per_message =
        sends && !attachments.empty()
            ? gateway->second->filesPerMessage(view.inbox, view.conversation.is_public && !direct, attachments, message)
            : 0;
    if (per_message == 0 || attachments.size() <= per_message) {
      files_per_message.push_back(std::move(attachments));
    } else {
      for (std::size_t i = 0; i < attachments.size(); i += per_message) {
        const auto last = std::min(attachments.size(), i + per_message);
        files_per_message.emplace_back(std::make_move_iterator(attachments.begin() + static_cast<std::ptrdiff_t>(i)),
                                       std::make_move_iterator(attachments.begin() + static_cast<std::ptrdiff_t>(last)));
      }
    }

    // What the channel's encode() reads besides the message, the same for every part.
    std::optional<core::Contact> contact;
    std::vector<core::ContactIdentity> identities;
    std::string reply_to_external_id;
    std::vector<core::Message> history;  // the latest messages before this reply, oldest first (e-mail threads)
    std::optional<core::User> agent;
    if (sends) {
      auto found = tx.getContact(actor.tenant_id, view.conversation.contact_id);
      if (!found) return found.error();
      contact = std::move(*found);
      auto listed = tx.listIdentities(actor.tenant_id, contact->id);
      if (!listed) return listed.error();
      identities = std::move(*listed);
      if (input.reply_to_id.valid()) {
        if (auto quoted = tx.getMessage(actor.tenant_id, input.reply_to_id)) reply_to_external_id = quoted->external_id;
      }
      constexpr int kHistoryMessages = 50;
      for (core::MessageId after{0}; gateway->second->wantsHistory(view.conversation);) {
        auto page = tx.listMessages(actor.tenant_id, id, after, 200);
        if (!page) return page.error();
        if (page->empty()) break;
        after = page->back().id;
        for (auto& m : *page) history.push_back(std::move(m));
        if (history.size() > 4 * kHistoryMessages) history.erase(history.begin(), history.end() - kHistoryMessages);
      }
      if (history.size() > kHistoryMessages) history.erase(history.begin(), history.end() - kHistoryMessages);
      if (auto user = tx.getUser(actor.tenant_id, actor.user_id)) agent = std::move(*user);
    }

    for (std::size_t part = 0; part < files_per_message.size(); ++part) {
      const auto& files = files_per_message[part];
      core::Message m = message;
      if (part > 0) {
        // A further file of the reply: no text, quote or buttons of its own (they went with the
        // first), but still public or direct as the reply is.
        m.text.clear();
        m.reply_to_id = {};
        m.payload_json = direct ? std::string(kDirectPayload) : "";
      }
      m.attachment_ids.clear();
      for (const auto& a : files) m.attachment_ids.push_back(a.id);
      auto mid = tx.insertMessage(m);
      if (!mid) return mid.error();
      m.id = *mid;
      if (sends) {
        const std::string key = "parley-msg-" + std::to_string(m.id.value);
        static const std::string kNoQuote;
        auto payload = gateway->second->encode(OutboundContext{view.inbox, view.conversation, *contact, m, identities, files, key,
                                                               part == 0 ? reply_to_external_id : kNoQuote, &history,
                                                               agent ? &*agent : nullptr});
        if (!payload) return payload.error();
        core::OutboxItem item;
        item.tenant_id = actor.tenant_id;
        item.inbox_id = view.inbox.id;
        item.message_id = m.id;
        item.idempotency_key = key;
        item.payload = std::move(*payload);
        item.next_attempt_at = now;
        item.created_at = item.updated_at = now;
        if (auto oid = tx.enqueueOutbox(item); !oid) return oid.error();
      }
      stored.push_back(std::move(m));
    }
    if (sends && view.conversation.first_response_at == 0) view.conversation.first_response_at = now;
    view.conversation.last_activity_at = now;
    return tx.updateConversation(view.conversation);
  });
  if (!status) return status.error();
  for (const auto& m : stored) bus_.publish(eventFor("message.created", view.inbox, m));
  bus_.publish(eventFor("conversation.updated", view.inbox, view.conversation));
  if (further) further->assign(stored.begin() + 1, stored.end());
  return stored.front();
}

Result<core::Message> DeskService::retryMessage(const core::Actor& actor, core::ConversationId id,
                                                core::MessageId message_id) {
  const auto now = clock_.now();
  ConversationView view;
  core::Message message;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto loaded = loadVisible(tx, actor, id);
    if (!loaded) return loaded.error();
    view = std::move(*loaded);
    auto m = tx.getMessage(actor.tenant_id, message_id);
    if (!m || m->conversation_id != id) return makeError(ErrorCode::NotFound, "message not found");
    message = std::move(*m);
    if (message.direction != core::MessageDirection::Outgoing || message.delivery_status != core::DeliveryStatus::Failed) {
      return makeError(ErrorCode::Conflict, "only an outgoing message that failed can be sent again");
    }
    auto item = tx.outboxForMessage(actor.tenant_id, message.id);
    if (!item) {
      if (item.error().code == ErrorCode::NotFound) return makeError(ErrorCode::Conflict, "this message has nothing to send again");
      return item.error();
    }
    item->state = core::OutboxState::Pending;
    item->attempts = 0;
    item->throttled = 0;
    item->sending_since = 0;
    item->last_error.clear();
    item->next_attempt_at = now;
    item->updated_at = now;
    if (auto s = tx.updateOutbox(*item); !s) return s;
    // The provider's echo may have proved it sent while this ran (app/echo_claim.hpp settles a
    // failed reply): read again now that the item is written (on PostgreSQL its row is held, so
    // an echo's claim either committed before this read or waits for this transaction).
    auto again = tx.getMessage(actor.tenant_id, message_id);
    if (!again) return again.error();
    if (again->delivery_status != core::DeliveryStatus::Failed) {
      return makeError(ErrorCode::Conflict, "this message was sent meanwhile: nothing to send again");
    }
    // Failed ends a message's delivery status (core/delivery.hpp): a resend starts it anew.
    message.delivery_status = core::DeliveryStatus::Pending;
    message.delivery_error.clear();
    // And the provider id of the attempt that failed goes: while an attempt is under way, an id
    // on the message means the provider sent it (app/echo_claim.hpp, recordSendOutcome).
    message.external_id.clear();
    message.updated_at = now;
    return tx.updateMessage(message);
  });
  if (!status) return status.error();
  bus_.publish(eventFor("message.updated", view.inbox, message));
  return message;
}

Result<core::User> DeskService::setAvailability(const core::Actor& actor, core::Availability availability) {
  core::User user;
  bool changed = false;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto before = tx.getUser(actor.tenant_id, actor.user_id);
    if (!before) return before.error();
    changed = before->availability != availability;
    if (changed) {  // the same status again keeps its time (how long an agent has been away)
      if (auto s = tx.setUserAvailability(actor.tenant_id, actor.user_id, availability, clock_.now()); !s) return s;
    }
    auto u = tx.getUser(actor.tenant_id, actor.user_id);
    if (!u) return u.error();
    user = std::move(*u);
    return {};
  });
  if (!status) return status.error();
  user.password_hash.clear();
  if (!changed) return user;
  bus_.publish(Event{0, "user.availability", actor.tenant_id, std::nullopt, {}, user});
  return user;
}

Status DeskService::agentTyping(const core::Actor& actor, core::ConversationId id, bool typing) {
  ConversationView view;
  std::string name;
  auto status = store_.read([&](StoreTx& tx) -> Status {
    auto loaded = loadVisible(tx, actor, id);
    if (!loaded) return loaded.error();
    view = std::move(*loaded);
    if (auto user = tx.getUser(actor.tenant_id, actor.user_id)) name = user->name;
    return {};
  });
  if (!status) return status;
  TypingNotice notice{view.conversation.id, view.inbox.id, typing, actor.user_id, {}, std::move(name)};
  bus_.publish(Event{0, "conversation.typing", view.inbox.tenant_id, view.inbox.id, view.inbox.team_ids, std::move(notice)});
  return {};
}

void DeskService::customerTyping(const core::Inbox& inbox, const core::Conversation& conversation, bool typing) {
  TypingNotice notice{conversation.id, inbox.id, typing, {}, conversation.contact_id, {}};
  bus_.publish(Event{0, "conversation.typing", inbox.tenant_id, inbox.id, inbox.team_ids, std::move(notice)});
}

Result<core::Conversation> DeskService::updateConversation(const core::Actor& actor, core::ConversationId id,
                                                           const ConversationPatch& patch) {
  const auto now = clock_.now();
  if (patch.status == core::ConversationStatus::Snoozed && (!patch.snoozed_until || *patch.snoozed_until <= now)) {
    return makeError(ErrorCode::InvalidInput, "snoozed_until: snoozing needs a time in the future");
  }
  ConversationView view;
  std::vector<core::Message> activities;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    activities.clear();
    auto loaded = loadVisible(tx, actor, id);
    if (!loaded) return loaded.error();
    view = std::move(*loaded);
    core::Conversation& c = view.conversation;
    const std::string by = describeUser(tx, actor.tenant_id, actor.user_id);

    if (patch.assignee_id && *patch.assignee_id != c.assignee_id) {
      if (patch.assignee_id->valid()) {
        auto assignee = tx.getUser(actor.tenant_id, *patch.assignee_id);
        if (!assignee) return makeError(ErrorCode::InvalidInput, "assignee_id: no such user");
        auto teams = tx.teamsOfUser(actor.tenant_id, assignee->id);
        if (!teams) return teams.error();
        if (!core::canSeeInbox(core::Actor{assignee->id, assignee->tenant_id, assignee->role, *teams}, view.inbox)) {
          return makeError(ErrorCode::InvalidInput, "assignee_id: " + assignee->name + " cannot see this inbox");
        }
        if (auto s = addActivity(tx, c, "Assigned to " + assignee->name + " by " + by, actor.user_id, now, activities,
                                 {"assigned", by, {{"to", assignee->name}}});
            !s) {
          return s;
        }
      } else if (auto s = addActivity(tx, c, "Unassigned by " + by, actor.user_id, now, activities, {"unassigned", by, {}}); !s) {
        return s;
      }
      c.assignee_id = *patch.assignee_id;
    }
    if (patch.team_id && *patch.team_id != c.team_id) {
      if (patch.team_id->valid()) {
        auto team = tx.getTeam(actor.tenant_id, *patch.team_id);
        if (!team) return makeError(ErrorCode::InvalidInput, "team_id: no such team");
        if (auto s = addActivity(tx, c, "Assigned to team " + team->name + " by " + by, actor.user_id, now, activities,
                                 {"team_assigned", by, {{"team", team->name}}});
            !s) {
          return s;
        }
      }
      c.team_id = *patch.team_id;
    }
    if (patch.priority) c.priority = *patch.priority;
    if (patch.status && *patch.status != c.status) {
      c.status = *patch.status;
      c.snoozed_until = c.status == core::ConversationStatus::Snoozed ? *patch.snoozed_until : 0;
      if (c.status == core::ConversationStatus::Resolved) c.resolved_at = now;
      if (auto s = addActivity(tx, c, "Status set to " + std::string(core::toString(c.status)) + " by " + by,
                               actor.user_id, now, activities, {"status", by, {{"status", std::string(core::toString(c.status))}}});
          !s) {
        return s;
      }
    }
    if (patch.labels || !patch.add_labels.empty() || !patch.remove_labels.empty()) {
      std::vector<std::string> labels = patch.labels ? *patch.labels : c.labels;
      labels.insert(labels.end(), patch.add_labels.begin(), patch.add_labels.end());
      auto normalized = normalizeLabels(labels);
      if (!normalized) return normalized.error();
      auto removed = normalizeLabels(patch.remove_labels);
      if (!removed) return removed.error();
      std::vector<std::string> result;
      std::set_difference(normalized->begin(), normalized->end(), removed->begin(), removed->end(),
                          std::back_inserter(result));
      c.labels = std::move(result);
    }
    c.last_activity_at = now;
    return tx.updateConversation(c);
  });
  if (!status) return status.error();
  for (auto& activity : activities) bus_.publish(eventFor("message.created", view.inbox, activity));
  bus_.publish(eventFor("conversation.updated", view.inbox, view.conversation));
  return view.conversation;
}

Result<ConversationView> DeskService::viewConversation(const core::Actor& actor, core::ConversationId id) {
  ConversationView view;
  auto status = store_.read([&](StoreTx& tx) -> Status {
    auto loaded = loadVisible(tx, actor, id);
    if (!loaded) return loaded.error();
    view = std::move(*loaded);
    return {};
  });
  if (!status) return status.error();
  return view;
}

Result<std::optional<std::vector<core::InboxId>>> DeskService::visibleInboxIds(const core::Actor& actor) {
  if (core::seesAllInboxes(actor)) return std::optional<std::vector<core::InboxId>>{};
  std::vector<core::InboxId> ids;
  auto status = store_.read([&](StoreTx& tx) -> Status {
    auto inboxes = tx.listInboxes(actor.tenant_id);
    if (!inboxes) return inboxes.error();
    for (const auto& inbox : *inboxes) {
      if (core::canSeeInbox(actor, inbox)) ids.push_back(inbox.id);
    }
    return {};
  });
  if (!status) return status.error();
  return std::optional<std::vector<core::InboxId>>(std::move(ids));
}

Result<std::vector<core::Conversation>> DeskService::listConversations(const core::Actor& actor, ConversationFilter filter) {
  filter.tenant_id = actor.tenant_id;
  auto visible = visibleInboxIds(actor);
  if (!visible) return visible.error();
  filter.inbox_ids = std::move(*visible);
  std::vector<core::Conversation> out;
  auto status = store_.read([&](StoreTx& tx) -> Status {
    auto list = tx.listConversations(filter);
    if (!list) return list.error();
    auto inboxes = tx.listInboxes(actor.tenant_id);
    if (!inboxes) return inboxes.error();
    for (auto& c : *list) {
      for (const auto& inbox : *inboxes) {
        if (inbox.id == c.inbox_id) setWindow(c, inbox);
      }
    }
    out = std::move(*list);
    return {};
  });
  if (!status) return status.error();
  return out;
}

Result<std::vector<core::Message>> DeskService::listMessages(const core::Actor& actor, core::ConversationId id,
                                                             core::MessageId after, int limit) {
  std::vector<core::Message> out;
  auto status = store_.read([&](StoreTx& tx) -> Status {
    if (auto loaded = loadVisible(tx, actor, id); !loaded) return loaded.error();
    auto list = tx.listMessages(actor.tenant_id, id, after, limit);
    if (!list) return list.error();
    out = std::move(*list);
    return {};
  });
  if (!status) return status.error();
  return out;
}

Result<std::vector<core::Message>> DeskService::searchMessages(const core::Actor& actor, MessageSearch search) {
  search.tenant_id = actor.tenant_id;
  auto visible = visibleInboxIds(actor);
  if (!visible) return visible.error();
  search.inbox_ids = std::move(*visible);
  return readOne(store_, [&](StoreTx& tx) { return tx.searchMessages(search); });
}

Status DeskService::recordMove(StoreTx& tx, const core::Actor& actor, const std::vector<core::Conversation>& conversations,
                               const std::string& text, const ActivityFacts& facts, std::vector<Event>& events) {
  std::map<core::InboxId, core::Inbox> inboxes;
  std::vector<core::Message> activities;
  for (const auto& conversation : conversations) {
    auto inbox = inboxes.find(conversation.inbox_id);
    if (inbox == inboxes.end()) {
      auto box = tx.getInbox(actor.tenant_id, conversation.inbox_id);
      if (!box) return box.error();
      inbox = inboxes.emplace(conversation.inbox_id, std::move(*box)).first;
    }
    activities.clear();
    if (auto s = addActivity(tx, conversation, text, actor.user_id, clock_.now(), activities, facts); !s) return s;
    events.push_back(eventFor("conversation.updated", inbox->second, conversation));
    events.push_back(eventFor("message.created", inbox->second, activities.back()));
  }
  return {};
}

Result<core::Contact> DeskService::mergeContacts(const core::Actor& actor, core::ContactId target, core::ContactId source) {
  if (target == source) return makeError(ErrorCode::InvalidInput, "a contact cannot be merged into itself");
  core::Contact merged;
  std::vector<Event> events;  // published after the commit
  auto status = store_.write([&](StoreTx& tx) -> Status {
    for (auto id : {target, source}) {
      auto c = tx.getContact(actor.tenant_id, id);
      if (!c) return c.error();
      if (c->merged_into.valid()) {
        return makeError(ErrorCode::Conflict, "contact " + std::to_string(id.value) + " was already merged into " +
                                                  std::to_string(c->merged_into.value));
      }
    }
    auto moving = conversationsOf(tx, actor.tenant_id, source);
    if (!moving) return moving.error();
    if (auto s = tx.mergeContacts(actor.tenant_id, target, source); !s) return s;
    auto c = tx.getContact(actor.tenant_id, target);
    if (!c) return c.error();
    merged = std::move(*c);
    auto from = tx.getContact(actor.tenant_id, source);
    if (!from) return from.error();
    // Each conversation that moved says so in its timeline: the desk shows where it came from.
    const std::string by = describeUser(tx, actor.tenant_id, actor.user_id);
    for (auto& conversation : *moving) conversation.contact_id = target;
    return recordMove(tx, actor, *moving, "Merged " + from->name + " into " + merged.name + " by " + by,
                      {"merged", by, {{"contact", from->name}, {"into", merged.name}}}, events);
  });
  if (!status) return status.error();
  bus_.publish(Event{0, "contact.updated", actor.tenant_id, std::nullopt, {}, merged});
  for (auto& e : events) bus_.publish(std::move(e));
  return merged;
}

void DeskService::contactEdited(const core::Actor& actor, const core::Contact& contact) {
  bus_.publish(Event{0, "contact.updated", actor.tenant_id, std::nullopt, {}, contact});
}

Result<core::Contact> DeskService::unmergeContact(const core::Actor& actor, core::ContactId source) {
  core::Contact restored;
  core::ContactId target;
  std::vector<Event> events;  // published after the commit
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto c = tx.getContact(actor.tenant_id, source);
    if (!c) return c.error();
    if (!c->merged_into.valid()) return makeError(ErrorCode::Conflict, "this contact is not merged into another one");
    target = c->merged_into;
    if (auto s = tx.unmergeContact(actor.tenant_id, source); !s) return s;
    auto again = tx.getContact(actor.tenant_id, source);
    if (!again) return again.error();
    restored = std::move(*again);
    auto back = conversationsOf(tx, actor.tenant_id, source);
    if (!back) return back.error();
    const std::string by = describeUser(tx, actor.tenant_id, actor.user_id);
    return recordMove(tx, actor, *back, "Merge undone: back with " + restored.name + " by " + by,
                      {"unmerged", by, {{"contact", restored.name}}}, events);
  });
  if (!status) return status.error();
  bus_.publish(Event{0, "contact.updated", actor.tenant_id, std::nullopt, {}, restored});
  for (auto& e : events) bus_.publish(std::move(e));
  return restored;
}

namespace {

// applyDeliveryStatus inside a transaction: `message` (and, when it changed, its `inbox`) as
// stored afterwards; returns whether it changed.
Result<bool> mergeDelivery(StoreTx& tx, core::TenantId tenant, core::MessageId id, core::DeliveryStatus delivery,
                           const std::string& error, const std::string& provider_message_id, core::TimestampMs now,
                           core::Message& message, core::Inbox& inbox) {
  auto m = tx.getMessage(tenant, id);
  if (!m) return m.error();
  message = std::move(*m);
  auto next = core::mergeDeliveryStatus(message.delivery_status, delivery);
  bool new_provider_id = !provider_message_id.empty() && message.external_id != provider_message_id;
  if (new_provider_id) {
    // An echo of this very send that came in before its answer and could not be told apart
    // (app/echo_claim.hpp) is stored under the id already: the reply still gets its status,
    // the id stays with the echo (ids are unique per inbox).
    auto holder = tx.findMessageByExternalId(message.inbox_id, provider_message_id);
    if (holder && holder->id != message.id) new_provider_id = false;
    else if (!holder && holder.error().code != ErrorCode::NotFound) return holder.error();
  }
  if (next == message.delivery_status && !new_provider_id) return false;
  if (new_provider_id) message.external_id = provider_message_id;
  if (next != message.delivery_status) message.delivery_error = next == core::DeliveryStatus::Failed ? error : "";
  message.delivery_status = next;
  message.updated_at = now;
  auto box = tx.getInbox(tenant, message.inbox_id);
  if (!box) return box.error();
  inbox = std::move(*box);
  if (auto s = tx.updateMessage(message); !s) return s.error();
  return true;
}

}  // namespace

Status DeskService::applyDeliveryStatus(core::TenantId tenant, core::MessageId id, core::DeliveryStatus delivery,
                                        const std::string& error, const std::string& provider_message_id) {
  core::Message message;
  core::Inbox inbox;
  bool changed = false;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto merged = mergeDelivery(tx, tenant, id, delivery, error, provider_message_id, clock_.now(), message, inbox);
    if (!merged) return merged.error();
    changed = *merged;
    return {};
  });
  if (!status) return status;
  if (changed) bus_.publish(eventFor("message.updated", inbox, message));
  return {};
}

Result<core::OutboxItem> DeskService::recordSendOutcome(core::OutboxItem item, core::DeliveryStatus delivery,
                                                        const std::string& provider_message_id, bool was_sending,
                                                        const std::string& recipient_id) {
  core::Message message;
  core::Inbox inbox;
  bool changed = false;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    changed = false;
    // The item first: on PostgreSQL this holds its row, so an echo claiming this send either
    // committed before (its id is read below) or waits and finds the item finished.
    if (auto s = tx.updateOutbox(item); !s) return s;
    if (was_sending && delivery != core::DeliveryStatus::Sent) {
      auto m = tx.getMessage(item.tenant_id, item.message_id);
      if (!m && m.error().code != ErrorCode::NotFound) return m.error();
      if (m && !m->external_id.empty()) {
        // The provider's echo named this message while its send call failed or timed out: it
        // was sent. Not failed, not sent again.
        item.state = core::OutboxState::Done;
        item.last_error.clear();
        if (auto s = tx.updateOutbox(item); !s) return s;
        delivery = core::DeliveryStatus::Sent;
      }
    }
    if (delivery == core::DeliveryStatus::None) return {};
    auto merged = mergeDelivery(tx, item.tenant_id, item.message_id, delivery, item.last_error, provider_message_id,
                                clock_.now(), message, inbox);
    if (!merged && merged.error().code != ErrorCode::NotFound) return merged.error();  // NotFound: erased meanwhile
    changed = merged && *merged;
    return {};
  });
  if (!status) return status.error();
  if (changed) bus_.publish(eventFor("message.updated", inbox, message));
  if (changed && message.delivery_status == core::DeliveryStatus::Sent && !recipient_id.empty()) {
    // Its own transaction, after the outcome is safe: linking the contact is a convenience,
    // and a failure (a concurrent message that added the same id) must not undo "sent".
    (void)store_.write([&](StoreTx& tx) { return linkRecipient(tx, message, recipient_id, clock_.now()); });
  }
  return item;
}

Status DeskService::applyProviderStatus(const core::Inbox& inbox, const core::InboundStatus& receipt, int* wait_budget_ms) {
  if (receipt.provider_message_id.empty()) return makeError(ErrorCode::InvalidInput, "a receipt without a message id");
  auto find = [&] { return readOne(store_, [&](StoreTx& tx) { return tx.findMessageByExternalId(inbox.id, receipt.provider_message_id); }); };
  // Is one of the inbox's replies in its send call (its answer, with the id, still to come)? Not
  // a mark a crash or a dead node left (older than kEarlyReceiptSendAgeMs), nor a send begun
  // after the receipt was written (a receipt about some other message, e.g. one the business
  // sent from the WhatsApp Business app).
  auto sending = [&] {
    const auto now = clock_.now();
    auto items = readOne(store_, [&](StoreTx& tx) { return tx.attemptedOutbox(inbox.id, kMaxAttemptedLooked); });
    return items && std::any_of(items->begin(), items->end(), [&](const core::OutboxItem& i) {
             return i.sending_since > 0 && now - i.sending_since < kEarlyReceiptSendAgeMs &&
                    (receipt.at <= 0 || receipt.at + 5'000 >= i.sending_since);  // 5 s for clocks apart
           });
  };
  auto found = find();
  if (!found && found.error().code == ErrorCode::NotFound && wait_budget_ms && *wait_budget_ms > 0 && sending()) {
    if (early_receipt_waiters_.fetch_add(1) < kMaxEarlyReceiptWaiters) {
      constexpr int kPollMs = 50;
      while (*wait_budget_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
        *wait_budget_ms -= kPollMs;
        const bool still_sending = sending();  // first: an answer recorded after this read is seen below
        found = find();
        if (found || found.error().code != ErrorCode::NotFound || !still_sending) break;
      }
    }
    early_receipt_waiters_.fetch_sub(1);
  }
  if (!found) return found.error();
  return applyDeliveryStatus(inbox.tenant_id, found->id, receipt.status, receipt.error);
}

Result<int> DeskService::applyWatermarkStatus(const core::Inbox& inbox, const std::string& contact_external_id,
                                              core::DeliveryStatus delivery, core::TimestampMs watermark) {
  // Bounded memory per receipt: the contact's 5 most recent conversations in the inbox, their
  // newest 500 messages each (receipts concern recent replies).
  constexpr int kConversations = 5, kMessages = 500;
  std::vector<core::Message> changed;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    changed.clear();
    auto identity = tx.findIdentity(inbox.tenant_id, core::IdentityKind::External, inboxScope(inbox.id), contact_external_id);
    if (!identity) return identity.error();
    ConversationFilter filter;
    filter.tenant_id = inbox.tenant_id;
    filter.inbox_id = inbox.id;
    filter.contact_id = identity->contact_id;
    filter.limit = kConversations;
    auto conversations = tx.listConversations(filter);
    if (!conversations) return conversations.error();
    const auto now = clock_.now();
    for (const auto& conversation : *conversations) {
      // listMessages pages upward from the start: read page by page, keep the newest kMessages.
      std::vector<core::Message> recent;
      core::MessageId after{0};
      for (;;) {
        auto page = tx.listMessages(inbox.tenant_id, conversation.id, after, kMessages);
        if (!page) return page.error();
        if (page->empty()) break;
        after = page->back().id;
        for (auto& m : *page) recent.push_back(std::move(m));
        if (recent.size() > static_cast<std::size_t>(kMessages)) {
          recent.erase(recent.begin(), recent.end() - kMessages);
        }
        if (static_cast<int>(page->size()) < kMessages) break;
      }
      for (auto& m : recent) {
        if (m.direction != core::MessageDirection::Outgoing || m.external_id.empty() || m.created_at > watermark) continue;
        auto next = core::mergeDeliveryStatus(m.delivery_status, delivery);
        if (next == m.delivery_status) continue;
        m.delivery_status = next;
        m.updated_at = now;
        if (auto s = tx.updateMessage(m); !s) return s;
        changed.push_back(m);
      }
    }
    return {};
  });
  if (!status) return status.error();
  for (const auto& m : changed) bus_.publish(eventFor("message.updated", inbox, m));
  return static_cast<int>(changed.size());
}

Status DeskService::applyEdit(const core::Inbox& inbox, const core::InboundEdit& edit) {
  if (edit.text.size() > kMaxTextBytes) return makeError(ErrorCode::TooLarge, "text: at most 65536 bytes");
  core::Message message;
  bool changed = false;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto m = tx.findMessageByExternalId(inbox.id, edit.provider_message_id);
    if (!m) return m.error();
    message = std::move(*m);
    if (edit.unsent && message.direction != core::MessageDirection::Incoming) {
      // Only a customer's own; a channel that names the author hears that nothing changed.
      return edit.author_external_id.empty() ? Status() : makeError(ErrorCode::NotFound, "not a message of that author");
    }
    if (!edit.author_external_id.empty()) {
      // The author's identity in this inbox must be the sender's (or have been, before a merge moved it).
      auto author = tx.findIdentity(message.tenant_id, core::IdentityKind::External, inboxScope(inbox.id), edit.author_external_id);
      if (!author && author.error().code != ErrorCode::NotFound) return author.error();
      if (!author || (author->contact_id != message.sender_contact_id && author->original_contact_id != message.sender_contact_id)) {
        return makeError(ErrorCode::NotFound, "not a message of that author");
      }
    }
    if (edit.unsent) {
      // Taken back by the customer: the text goes, the files are no longer served or fetched,
      // and the desk shows that something was unsent (payload.unsent_at).
      boost::system::error_code ec;
      auto payload = json::parse(message.payload_json, ec);
      if (ec || !payload.is_object()) payload = json::object{};
      changed = !payload.as_object().contains("unsent_at");
      if (!changed) return {};
      payload.as_object()["unsent_at"] = edit.at > 0 ? edit.at : clock_.now();
      message.payload_json = json::serialize(payload);
      message.text.clear();
      for (const auto& id : message.attachment_ids) {
        auto file = tx.getAttachment(message.tenant_id, id);
        if (!file) return file.error();
        file->state = core::AttachmentState::Failed;
        file->error = core::kUnsentByCustomer;
        file->provider_ref.clear();
        file->sha256.clear();  // the row no longer names the bytes: the blob sweep removes them (migration 11 too)
        if (auto s = tx.updateAttachment(*file); !s) return s;
      }
    } else {
      changed = message.text != edit.text;
      if (!changed) return {};
      message.text = edit.text;
    }
    message.updated_at = clock_.now();
    return tx.updateMessage(message);
  });
  if (!status) return status;
  if (changed) bus_.publish(eventFor("message.updated", inbox, message));
  return {};
}

Status DeskService::completeAttachment(const core::Attachment& attachment) {
  core::Message message;
  core::Inbox inbox;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    // Unsent by the customer while the file was being fetched: it stays taken back.
    if (auto now = tx.getAttachment(attachment.tenant_id, attachment.id);
        now && now->state == core::AttachmentState::Failed && now->error == core::kUnsentByCustomer) {
      return {};
    }
    if (auto s = tx.updateAttachment(attachment); !s) return s;
    if (!attachment.message_id.valid()) return {};
    auto m = tx.getMessage(attachment.tenant_id, attachment.message_id);
    if (!m) return m.error();
    message = std::move(*m);
    auto box = tx.getInbox(attachment.tenant_id, message.inbox_id);
    if (!box) return box.error();
    inbox = std::move(*box);
    return {};
  });
  if (!status) return status;
  // The desk re-reads the message's attachments: the file can now be shown.
  if (message.id.valid() && attachment.state != core::AttachmentState::Pending) {
    bus_.publish(eventFor("message.updated", inbox, message));
  }
  return {};
}

Result<core::Conversation> DeskService::assignRouted(core::TenantId tenant, core::ConversationId id, core::UserId agent,
                                                     const std::string& queue_name) {
  const auto now = clock_.now();
  core::Conversation conversation;
  core::Inbox inbox;
  std::vector<core::Message> activities;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    activities.clear();
    auto c = tx.getConversation(tenant, id);
    if (!c) return c.error();
    conversation = std::move(*c);
    if (conversation.status == core::ConversationStatus::Resolved) {
      return makeError(ErrorCode::Conflict, "the conversation was resolved meanwhile");
    }
    if (conversation.assignee_id == agent) return {};
    if (conversation.assignee_id.valid()) return makeError(ErrorCode::Conflict, "the conversation is already assigned");
    auto box = tx.getInbox(tenant, conversation.inbox_id);
    if (!box) return box.error();
    inbox = std::move(*box);
    auto user = tx.getUser(tenant, agent);
    if (!user) return user.error();
    const std::string by = "routing (" + queue_name + ")";
    if (auto s = addActivity(tx, conversation, "Assigned to " + user->name + " by " + by, agent, now, activities,
                             {"assigned", by, {{"to", user->name}, {"queue", queue_name}}});
        !s) {
      return s;
    }
    conversation.assignee_id = agent;
    conversation.last_activity_at = now;
    return tx.updateConversation(conversation);
  });
  if (!status) return status.error();
  if (activities.empty()) return conversation;  // already his
  for (auto& activity : activities) bus_.publish(eventFor("message.created", inbox, activity));
  bus_.publish(eventFor("conversation.updated", inbox, conversation));
  return conversation;
}

Result<core::Conversation> DeskService::recordTransfer(const core::Actor& actor, core::ConversationId id,
                                                       std::optional<core::TeamId> team, const std::string& target,
                                                       const std::string& note) {
  if (note.size() > 2000) return makeError(ErrorCode::InvalidInput, "note: at most 2000 bytes");
  const auto now = clock_.now();
  ConversationView view;
  std::vector<core::Message> activities;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    activities.clear();
    auto loaded = loadVisible(tx, actor, id);
    if (!loaded) return loaded.error();
    view = std::move(*loaded);
    core::Conversation& c = view.conversation;
    if (c.status == core::ConversationStatus::Resolved) {
      return makeError(ErrorCode::Conflict, "a resolved conversation cannot be transferred");
    }
    if (team) {
      if (team->valid()) {
        if (auto t = tx.getTeam(actor.tenant_id, *team); !t) return makeError(ErrorCode::InvalidInput, "team_id: no such team");
      }
      c.team_id = *team;
    }
    const std::string by = describeUser(tx, actor.tenant_id, actor.user_id);
    std::string text = "Transferred to " + target + " by " + by;
    if (!note.empty()) text += ": " + note;
    ActivityFacts facts{"transferred", by, {{"to", target}}};
    if (!note.empty()) facts.extra.emplace_back("note", note);
    if (auto s = addActivity(tx, c, text, actor.user_id, now, activities, facts); !s) return s;
    c.assignee_id = {};
    c.last_activity_at = now;
    return tx.updateConversation(c);
  });
  if (!status) return status.error();
  for (auto& activity : activities) bus_.publish(eventFor("message.created", view.inbox, activity));
  bus_.publish(eventFor("conversation.updated", view.inbox, view.conversation));
  return view.conversation;
}

}  // namespace parley::app
