#include "channels/webchat/visitor_service.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "app/crypto.hpp"
#include "app/identity.hpp"
#include "app/time_zone.hpp"
#include "core/text.hpp"

namespace parley::channels::webchat {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

constexpr int kConversationsShown = 10;  // the visitor's latest conversations in the inbox

std::string scopeOf(core::InboxId inbox) { return "inbox:" + std::to_string(inbox.value); }

bool isBlank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

bool visibleToVisitor(const core::Message& m) {
  return m.direction == core::MessageDirection::Incoming || m.direction == core::MessageDirection::Outgoing;
}

std::string firstName(const std::string& name) { return name.substr(0, name.find(' ')); }

// "wc:<16 hex of the visitor>:<client id>": the widget's own id of a message makes a retry
// (a lost answer, a dropped socket) a duplicate instead of a second message.
core::Result<std::string> externalIdFor(const VisitorToken& visitor, const std::string& client_id) {
  std::string id = client_id.empty() ? app::randomHex(12) : client_id;
  if (id.size() > 64 || !std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; })) {
    return makeError(ErrorCode::InvalidInput, "client_id: 1-64 letters, digits, '-' or '_'");
  }
  return "wc:" + app::sha256Hex(visitor.visitor_id).substr(0, 16) + ":" + id;
}

core::InboundContact contactFor(const VisitorToken& visitor) {
  core::InboundContact c;
  c.external_id = visitor.visitor_id;
  c.name = visitor.claims.name;
  if (c.name.empty() && visitor.claims.email.empty()) c.name = "Visitor " + visitor.visitor_id.substr(2, 6);
  c.email = visitor.claims.email;
  if (visitor.verified) c.phone = visitor.claims.phone;
  c.verified = visitor.verified;
  return c;
}

}  // namespace

VisitorService::VisitorService(app::Store& store, app::DeskService& desk, app::AttachmentStore& attachments,
                               const app::Clock& clock, VisitorLimits limits)
    : store_(store),
      desk_(desk),
      attachments_(attachments),
      clock_(clock),
      limits_(limits),
      messages_limiter_(limits.messages_per_minute),
      typing_limiter_(limits.typing_per_minute),
      reads_limiter_(limits.reads_per_minute),
      sessions_limiter_(limits.sessions_per_minute) {}

core::Status VisitorService::take(Limiter& limiter, const std::string& key, const char* what) {
  std::lock_guard lock(limiter.mutex);
  const auto now = clock_.now();
  if (limiter.limiter.tryAcquire(key, now)) return {};
  const auto wait_s = (limiter.limiter.retryAfter(key, now) + 999) / 1000;
  return makeError(ErrorCode::RateLimited, std::string("too many ") + what + "; try again in " + std::to_string(wait_s) + " s");
}

core::Result<WidgetInbox> VisitorService::inbox(core::InboxId id) {
  auto box = app::readOne(store_, [&](app::StoreTx& tx) { return tx.getInboxAnyTenant(id); });
  if (!box) {
    if (box.error().code == ErrorCode::NotFound) return makeError(ErrorCode::NotFound, "no such web-chat inbox");
    return box.error();
  }
  if (box->channel != core::ChannelKind::WebChat) return makeError(ErrorCode::NotFound, "no such web-chat inbox");
  auto config = parseWebChatConfig(box->config_json);
  if (!config) return makeError(ErrorCode::NotFound, "this web-chat inbox is not configured: " + config.error().message);
  return WidgetInbox{std::move(*box), std::move(*config)};
}

bool VisitorService::allowsOrigin(const WidgetInbox& inbox, std::string_view origin) {
  return origin.empty() || originAllowed(inbox.config, origin);
}

core::Result<bool> VisitorService::agentsAvailable(const core::Inbox& inbox) {
  const auto now = clock_.now();
  {
    std::lock_guard lock(presence_mutex_);
    auto it = presence_cache_.find(inbox.id);
    if (it != presence_cache_.end() && now - it->second.first < limits_.presence_cache_ms) return it->second.second;
  }
  bool available = false;
  auto status = store_.read([&](app::StoreTx& tx) -> core::Status {
    std::set<core::UserId> members;
    if (!inbox.team_ids.empty()) {
      auto teams = tx.listTeams(inbox.tenant_id);
      if (!teams) return teams.error();
      for (const auto& team : *teams) {
        if (std::find(inbox.team_ids.begin(), inbox.team_ids.end(), team.id) == inbox.team_ids.end()) continue;
        members.insert(team.member_ids.begin(), team.member_ids.end());
      }
    }
    auto users = tx.listUsers(inbox.tenant_id);
    if (!users) return users.error();
    for (const auto& u : *users) {
      if (!u.active || u.availability != core::Availability::Available) continue;
      const bool answers = inbox.team_ids.empty() ? u.role != core::Role::Agent : members.count(u.id) > 0;
      if (answers) available = true;
    }
    return {};
  });
  if (!status) return status.error();
  std::lock_guard lock(presence_mutex_);
  if (presence_cache_.size() > 10'000) presence_cache_.clear();
  presence_cache_[inbox.id] = {now, available};
  return available;
}

void VisitorService::forgetPresence() {
  std::lock_guard lock(presence_mutex_);
  presence_cache_.clear();
}

core::Result<Presence> VisitorService::presence(const WidgetInbox& inbox) {
  Presence out;
  const auto now = clock_.now();
  if (inbox.config.business_hours) {
    auto local = app::localTimeIn(inbox.config.timezone, now);
    if (!local) return makeError(ErrorCode::Unavailable, "business hours: " + local.error().message);
    out.within_hours = core::isOpen(*inbox.config.business_hours, *local);
    if (!out.within_hours) {
      if (auto next = core::nextOpening(*inbox.config.business_hours, *local)) {
        auto at = app::instantOf(inbox.config.timezone, next->date, next->minute_of_day);
        if (at) out.next_opening_at = *at;
      }
    }
  }
  auto available = agentsAvailable(inbox.inbox);
  if (!available) return available.error();
  out.agents_available = *available;
  return out;
}

core::Result<VisitorToken> VisitorService::authenticate(const WidgetInbox& inbox, std::string_view token) {
  return verifyVisitorToken(inbox.inbox.secret, inbox.inbox.id, token);
}

core::Result<Session> VisitorService::startSession(const WidgetInbox& inbox, const SessionRequest& request,
                                                   const std::string& remote) {
  std::optional<VisitorToken> existing;
  if (!request.token.empty()) {
    auto t = authenticate(inbox, request.token);
    if (t) existing = std::move(*t);  // an old or foreign token starts afresh
  }
  // Only new visitors count against the client address (a resumed session costs nothing).
  if (!existing) {
    if (auto s = take(sessions_limiter_, remote + "|" + std::to_string(inbox.inbox.id.value), "new chat sessions"); !s) return s.error();
  }
  VisitorToken next;
  next.inbox = inbox.inbox.id;
  next.issued_at = clock_.now();
  if (request.user && !request.user_hash.empty()) {
    // Identity verification: the site signed these values with the inbox secret.
    const auto& claims = *request.user;
    if (auto s = core::validateVisitorClaims(claims); !s) return s.error();
    if (claims.user_id.empty()) return makeError(ErrorCode::InvalidInput, "user.id: required for identity verification");
    if (!verifyIdentityHash(inbox.inbox.secret, claims, request.user_hash)) {
      return makeError(ErrorCode::Unauthorized, "user_hash does not match the user's values and the inbox secret");
    }
    if (!claims.email.empty()) {
      if (auto e = app::normalizeEmail(claims.email); !e) return makeError(ErrorCode::InvalidInput, "user.email: " + e.error().message);
    }
    if (!claims.phone.empty()) {
      if (auto p = app::normalizePhone(claims.phone); !p) return makeError(ErrorCode::InvalidInput, "user.phone: " + p.error().message);
    }
    next.visitor_id = verifiedVisitorId(claims.user_id);
    next.verified = true;
    next.claims = claims;
    if (existing && existing->verified && existing->visitor_id == next.visitor_id && existing->claims.email == claims.email &&
        existing->claims.name == claims.name && existing->claims.phone == claims.phone) {
      return Session{std::string(request.token), std::move(*existing)};
    }
    return Session{issueVisitorToken(inbox.inbox.secret, next), next};
  }
  // Unverified: an anonymous visitor, resumed when the token is one (a verified token without
  // the site's identity means its user logged out: start a new anonymous visitor).
  if (existing && !existing->verified) {
    next.visitor_id = existing->visitor_id;
    next.claims = existing->claims;
  } else {
    next.visitor_id = anonymousVisitorId();
  }
  // Claimed values (an unsigned user object, the pre-chat or offline form): name and e-mail,
  // kept unverified.
  std::optional<std::string> name = request.name, email = request.email;
  if (request.user) {
    if (!name && !request.user->name.empty()) name = request.user->name;
    if (!email && !request.user->email.empty()) email = request.user->email;
  }
  if (name) {
    core::VisitorClaims probe;
    probe.name = *name;
    if (auto s = core::validateVisitorClaims(probe); !s) return makeError(ErrorCode::InvalidInput, "name: " + s.error().message);
    next.claims.name = *name;
  }
  if (email) {
    if (email->empty()) {
      next.claims.email.clear();
    } else {
      auto e = app::normalizeEmail(*email);
      if (!e || e->size() > core::kMaxClaimEmail) return makeError(ErrorCode::InvalidInput, "email: not an e-mail address");
      next.claims.email = *e;
    }
  }
  next.claims.user_id.clear();
  next.claims.phone.clear();
  if (existing && !existing->verified && existing->claims.name == next.claims.name && existing->claims.email == next.claims.email) {
    return Session{std::string(request.token), std::move(*existing)};
  }
  return Session{issueVisitorToken(inbox.inbox.secret, next), next};
}

core::Result<bool> VisitorService::needsEmail(const WidgetInbox& inbox, const VisitorToken& visitor) {
  if (!visitor.claims.email.empty()) return false;
  if (inbox.config.prechat_require_email) return true;
  auto p = presence(inbox);
  if (!p) return p.error();
  return !p->online();
}

core::Result<std::optional<core::ContactId>> VisitorService::contactOf(const WidgetInbox& inbox, const VisitorToken& visitor) {
  auto found = app::readOne(store_, [&](app::StoreTx& tx) {
    return tx.findIdentity(inbox.inbox.tenant_id, core::IdentityKind::External, scopeOf(inbox.inbox.id), visitor.visitor_id);
  });
  if (!found) {
    if (found.error().code == ErrorCode::NotFound) return std::optional<core::ContactId>();
    return found.error();
  }
  return std::optional<core::ContactId>(found->contact_id);
}

core::Result<MessagePage> VisitorService::messages(const WidgetInbox& inbox, const VisitorToken& visitor, core::MessageId after,
                                                    int limit) {
  limit = std::clamp(limit, 1, 200);
  auto contact = contactOf(inbox, visitor);
  if (!contact) return contact.error();
  MessagePage page;
  if (!*contact) return page;  // has not written yet
  const auto tenant = inbox.inbox.tenant_id;
  std::vector<core::Message> collected;
  core::MessageId horizon{std::numeric_limits<std::int64_t>::max()};
  std::map<core::UserId, std::string> agents;
  auto status = store_.read([&](app::StoreTx& tx) -> core::Status {
    collected.clear();
    app::ConversationFilter filter;
    filter.tenant_id = tenant;
    filter.inbox_id = inbox.inbox.id;
    filter.contact_id = **contact;
    filter.limit = kConversationsShown;
    auto conversations = tx.listConversations(filter);
    if (!conversations) return conversations.error();
    for (const auto& c : *conversations) {
      auto list = tx.listMessages(tenant, c.id, after, limit);
      if (!list) return list.error();
      // A conversation cut at `limit` has more after its last id: nothing later may be
      // returned yet, or the visitor's cursor would skip it.
      if (static_cast<int>(list->size()) == limit) horizon = std::min(horizon, list->back().id);
      for (auto& m : *list) {
        if (visibleToVisitor(m)) collected.push_back(std::move(m));
      }
    }
    for (const auto& m : collected) {
      if (m.direction == core::MessageDirection::Outgoing && m.sender_user_id.valid() && !agents.count(m.sender_user_id)) {
        auto user = tx.getUser(tenant, m.sender_user_id);
        agents[m.sender_user_id] = user ? firstName(user->name) : std::string();
      }
    }
    return {};
  });
  if (!status) return status.error();
  std::sort(collected.begin(), collected.end(), [](const core::Message& a, const core::Message& b) { return a.id < b.id; });
  for (auto& m : collected) {
    if (m.id > horizon || static_cast<int>(page.messages.size()) == limit) {
      page.more = true;
      break;
    }
    VisitorMessage v;
    v.message = std::move(m);
    if (v.message.sender_user_id.valid()) v.agent_name = agents[v.message.sender_user_id];
    page.messages.push_back(std::move(v));
  }
  if (horizon.value != std::numeric_limits<std::int64_t>::max()) page.more = true;
  auto files = store_.read([&](app::StoreTx& tx) -> core::Status {
    for (auto& v : page.messages) {
      v.attachments.clear();
      for (auto id : v.message.attachment_ids) {
        auto a = tx.getAttachment(tenant, id);
        if (a) v.attachments.push_back(std::move(*a));
      }
    }
    return {};
  });
  if (!files) return files.error();
  // The widget has them now: replies count as delivered (read receipts come from markRead).
  for (auto& v : page.messages) {
    const auto s = v.message.delivery_status;
    if (v.message.direction == core::MessageDirection::Outgoing &&
        (s == core::DeliveryStatus::Pending || s == core::DeliveryStatus::Sent)) {
      if (desk_.applyDeliveryStatus(tenant, v.message.id, core::DeliveryStatus::Delivered, "")) {
        v.message.delivery_status = core::DeliveryStatus::Delivered;
      }
    }
  }
  return page;
}

core::Result<VisitorMessage> VisitorService::load(const WidgetInbox& inbox, core::MessageId id) {
  VisitorMessage out;
  auto status = store_.read([&](app::StoreTx& tx) -> core::Status {
    auto m = tx.getMessage(inbox.inbox.tenant_id, id);
    if (!m) return m.error();
    out.message = std::move(*m);
    out.attachments.clear();
    for (auto a : out.message.attachment_ids) {
      auto attachment = tx.getAttachment(inbox.inbox.tenant_id, a);
      if (attachment) out.attachments.push_back(std::move(*attachment));
    }
    return {};
  });
  if (!status) return status.error();
  return out;
}

core::Result<VisitorMessage> VisitorService::ingest(const WidgetInbox& inbox, const VisitorToken& visitor, core::InboundMessage in) {
  in.inbox_id = inbox.inbox.id;
  in.contact = contactFor(visitor);
  in.sent_at = clock_.now();
  auto result = desk_.ingest(in);
  if (!result) return result.error();
  if (!visitor.verified && !visitor.claims.email.empty()) {
    // An unverified address that another contact owns is not attached to this one; keep it
    // where the agent sees it, clearly marked, so an offline message can still be answered.
    const auto tenant = inbox.inbox.tenant_id;
    (void)store_.write([&](app::StoreTx& tx) -> core::Status {
      auto identities = tx.listIdentities(tenant, result->contact_id);
      if (!identities) return identities.error();
      for (const auto& i : *identities) {
        if (i.kind == core::IdentityKind::Email && i.value == visitor.claims.email) return {};
      }
      auto contact = tx.getContact(tenant, result->contact_id);
      if (!contact) return contact.error();
      boost::system::error_code ec;
      auto attributes = json::parse(contact->attributes_json, ec);
      if (ec || !attributes.is_object()) attributes = json::object();
      auto& o = attributes.get_object();
      if (auto it = o.find("unverified_email"); it != o.end() && it->value() == json::value(visitor.claims.email)) return {};
      o["unverified_email"] = visitor.claims.email;
      contact->attributes_json = json::serialize(attributes);
      contact->updated_at = clock_.now();
      return tx.updateContact(*contact);
    });
  }
  return load(inbox, result->message_id);
}

core::Result<VisitorMessage> VisitorService::post(const WidgetInbox& inbox, const VisitorToken& visitor, const std::string& text,
                                                  const std::string& client_id) {
  if (isBlank(text)) return makeError(ErrorCode::InvalidInput, "text: a message needs text");
  if (text.size() > limits_.max_text_bytes) {
    return makeError(ErrorCode::TooLarge, "text: at most " + std::to_string(limits_.max_text_bytes) + " bytes");
  }
  if (!core::isValidUtf8(text)) return makeError(ErrorCode::InvalidInput, "text: must be UTF-8");
  auto external_id = externalIdFor(visitor, client_id);
  if (!external_id) return external_id.error();
  if (auto s = take(messages_limiter_, std::to_string(inbox.inbox.id.value) + "|" + visitor.visitor_id, "messages"); !s) return s.error();
  core::InboundMessage in;
  in.external_id = std::move(*external_id);
  in.text = text;
  return ingest(inbox, visitor, std::move(in));
}

core::Result<VisitorMessage> VisitorService::upload(const WidgetInbox& inbox, const VisitorToken& visitor, const std::string& bytes,
                                                    const std::string& filename, const std::string& client_id) {
  const auto max = std::min<std::int64_t>(limits_.max_upload_bytes, attachments_.maxBytes());
  if (static_cast<std::int64_t>(bytes.size()) > max) {
    return makeError(ErrorCode::TooLarge, "the file is larger than " + std::to_string(max) + " bytes");
  }
  if (bytes.empty()) return makeError(ErrorCode::InvalidInput, "the file is empty");
  auto external_id = externalIdFor(visitor, client_id);
  if (!external_id) return external_id.error();
  if (auto s = take(messages_limiter_, std::to_string(inbox.inbox.id.value) + "|" + visitor.visitor_id, "messages"); !s) return s.error();
  auto blob = attachments_.saveBlob(inbox.inbox.tenant_id, bytes, filename.empty() ? "file" : filename);
  if (!blob) return blob.error();
  core::InboundMessage in;
  in.external_id = std::move(*external_id);
  in.kind = blob->content_type.rfind("image/", 0) == 0 ? core::MessageKind::Image : core::MessageKind::Document;
  in.saved_files.push_back(std::move(*blob));
  return ingest(inbox, visitor, std::move(in));
}

core::Status VisitorService::typing(const WidgetInbox& inbox, const VisitorToken& visitor, bool typing) {
  if (auto s = take(typing_limiter_, std::to_string(inbox.inbox.id.value) + "|" + visitor.visitor_id, "typing notices"); !s) return s;
  auto contact = contactOf(inbox, visitor);
  if (!contact) return contact.error();
  if (!*contact) return {};  // no conversation yet: nobody to tell
  auto conversation = app::readOne(store_, [&](app::StoreTx& tx) {
    return tx.findActiveConversation(inbox.inbox.tenant_id, **contact, inbox.inbox.id);
  });
  if (!conversation) return conversation.error().code == ErrorCode::NotFound ? core::Status{} : core::Status{conversation.error()};
  desk_.customerTyping(inbox.inbox, *conversation, typing);
  return {};
}

core::Result<int> VisitorService::markRead(const WidgetInbox& inbox, const VisitorToken& visitor, const std::vector<core::MessageId>& ids) {
  if (ids.size() > 100) return makeError(ErrorCode::InvalidInput, "message_ids: at most 100");
  if (auto s = take(reads_limiter_, std::to_string(inbox.inbox.id.value) + "|" + visitor.visitor_id, "read receipts"); !s) return s.error();
  auto contact = contactOf(inbox, visitor);
  if (!contact) return contact.error();
  if (!*contact) return 0;
  const auto tenant = inbox.inbox.tenant_id;
  std::vector<core::MessageId> unread;
  auto status = store_.read([&](app::StoreTx& tx) -> core::Status {
    unread.clear();
    for (auto id : ids) {
      auto m = tx.getMessage(tenant, id);
      if (!m || m->inbox_id != inbox.inbox.id || m->direction != core::MessageDirection::Outgoing) continue;
      if (m->delivery_status == core::DeliveryStatus::Read || m->delivery_status == core::DeliveryStatus::Failed) continue;
      auto c = tx.getConversation(tenant, m->conversation_id);
      if (!c || c->contact_id != **contact) continue;  // not this visitor's: ignored, never confirmed
      unread.push_back(id);
    }
    return {};
  });
  if (!status) return status.error();
  int changed = 0;
  for (auto id : unread) {
    if (desk_.applyDeliveryStatus(tenant, id, core::DeliveryStatus::Read, "")) ++changed;
  }
  return changed;
}

std::string VisitorService::fileQuery(const WidgetInbox& inbox, core::AttachmentId id) const {
  // Rounded to the hour so the same link is handed out for a while (browser caches keep it).
  const core::TimestampMs hour = 3600 * 1000;
  const core::TimestampMs expires = (clock_.now() / hour) * hour + limits_.file_link_ttl_ms;
  return "exp=" + std::to_string(expires) + "&sig=" + fileSignature(inbox.inbox.secret, id, expires);
}

core::Result<core::Attachment> VisitorService::signedFile(const WidgetInbox& inbox, core::AttachmentId id,
                                                          core::TimestampMs expires_at, std::string_view signature) {
  const auto not_found = makeError(ErrorCode::NotFound, "no such file, or the link expired (reload the chat)");
  if (expires_at < clock_.now() || !verifyFileSignature(inbox.inbox.secret, id, expires_at, signature)) return not_found;
  const auto tenant = inbox.inbox.tenant_id;
  core::Attachment out;
  auto status = store_.read([&](app::StoreTx& tx) -> core::Status {
    auto a = tx.getAttachment(tenant, id);
    if (!a || !a->message_id.valid()) return not_found;
    auto m = tx.getMessage(tenant, a->message_id);
    if (!m || m->inbox_id != inbox.inbox.id || !visibleToVisitor(*m)) return not_found;
    out = std::move(*a);
    return {};
  });
  if (!status) return status.error();
  if (out.state != core::AttachmentState::Stored) return not_found;
  return out;
}

core::Result<StreamScope> VisitorService::streamScope(core::InboxId id, std::string_view origin, std::string_view token) {
  auto box = inbox(id);
  if (!box) return box.error();
  if (!allowsOrigin(*box, origin)) return makeError(ErrorCode::Forbidden, "this site may not use the chat of this inbox");
  auto visitor = authenticate(*box, token);
  if (!visitor) return visitor.error();
  StreamScope scope{box->inbox.tenant_id, box->inbox.id, {}, {}};
  auto contact = contactOf(*box, *visitor);
  if (!contact) return contact.error();
  if (!*contact) return scope;
  scope.contact = **contact;
  app::ConversationFilter filter;
  filter.tenant_id = box->inbox.tenant_id;
  filter.inbox_id = box->inbox.id;
  filter.contact_id = scope.contact;
  filter.limit = 50;
  auto conversations = app::readOne(store_, [&](app::StoreTx& tx) { return tx.listConversations(filter); });
  if (!conversations) return conversations.error();
  for (const auto& c : *conversations) scope.conversations.push_back(c.id);
  return scope;
}

}  // namespace parley::channels::webchat
