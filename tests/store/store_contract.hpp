// DESIGN: the one contract suite of the Store port (src/app/store.hpp), written once and
// instantiated per backend (sqlite_contract_test.cpp, pg_contract_test.cpp):
//
//   struct MyBackend { static std::unique_ptr<parley::app::Store> make(); };  // fresh, EMPTY store
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, StoreContract, MyBackend);
//
// make() returns nullptr when the backend is not available here (e.g. no PostgreSQL), and the
// tests skip. Every test starts from an empty store and asserts behaviour a user would notice:
// data that comes back exactly as written, uniqueness, tenant isolation, atomic writes, cursors
// that neither skip nor repeat, search that finds what people type. Rules the interface leaves
// open are fixed here, so that both backends behave the same:
//  - lists without a cursor are ascending by id; ids of children (member_ids, team_ids,
//    attachment_ids) ascending; labels sorted byte-wise and unique;
//  - a referenced id (inbox, contact, user, team, attachment, parent of a list) outside the
//    caller's tenant is NotFound, and so is a missing tenant;
//  - a failed method changes nothing, and the transaction goes on (e.g. Conflict, then
//    another insert in the same write() commits);
//  - limit <= 0 is InvalidInput; an empty inbox_ids restriction returns nothing;
//  - deleteUser unassigns conversations, clears the sender of the user's messages and removes
//    memberships, sessions and tokens; deleteTeam removes memberships and inbox links and
//    clears the team of conversations; deleteInbox is Conflict while conversations exist and
//    otherwise removes the inbox's outbox items;
//  - mergeContacts: target == source is InvalidInput, an already merged source Conflict;
//    unmergeContact of a contact that is not merged is Conflict; an attachment already linked
//    to another message is Conflict;
//  - dueOutbox / dueAttachments: pending rows whose time (next_attempt_at / next_fetch_at) is
//    <= now, of every tenant, ordered by (time, id); they may be called in read() and write();
//  - updateMessage writes external_id too (an outgoing message gets the provider's id once
//    accepted): an id already used by another message of the inbox is Conflict;
//  - contact search is case-insensitive (ASCII) and treats % and _ literally; message search
//    matches each word as a prefix, ignores case and diacritics (muller finds Müller), and any
//    text typed by the user is a valid query.
#pragma once

#include <gtest/gtest.h>

#include <limits>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "app/store.hpp"

namespace parley::core {
// Readable ids in assertion messages.
template <class Tag>
void PrintTo(const Id<Tag>& id, std::ostream* os) {
  *os << "#" << id.value;
}
}  // namespace parley::core

namespace parley::store_contract {

using app::StoreTx;
using core::ErrorCode;
using core::Status;

inline std::string describe(const core::Error& error) {
  return std::string(core::errorCodeName(error.code)) + ": " + error.message;
}
template <class R>
std::string describe(const R& result) {
  return result.ok() ? std::string("ok") : describe(result.error());
}
template <class R>
std::optional<ErrorCode> codeOf(const R& result) {
  if (result.ok()) return std::nullopt;
  return result.error().code;
}

#define PARLEY_ASSERT_OK(expr)                          \
  do {                                                  \
    const auto& parley_r = (expr);                      \
    ASSERT_TRUE(parley_r.ok()) << parley::store_contract::describe(parley_r); \
  } while (0)
#define PARLEY_EXPECT_OK(expr)                          \
  do {                                                  \
    const auto& parley_r = (expr);                      \
    EXPECT_TRUE(parley_r.ok()) << parley::store_contract::describe(parley_r); \
  } while (0)
#define PARLEY_EXPECT_CODE(expr, error_code)                                                     \
  do {                                                                                           \
    const auto& parley_r = (expr);                                                               \
    EXPECT_EQ(parley::store_contract::codeOf(parley_r), std::optional<parley::core::ErrorCode>(error_code)) \
        << parley::store_contract::describe(parley_r);                                           \
  } while (0)

// --- every field of every entity, for exact round-trip comparisons -------------------------------------

inline auto fields(const core::Tenant& t) { return std::tie(t.id, t.name, t.created_at); }
inline auto fields(const core::User& u) {
  return std::tie(u.id, u.tenant_id, u.email, u.name, u.role, u.language, u.password_hash, u.active, u.created_at,
                  u.availability, u.availability_changed_at);
}
inline auto fields(const core::Team& t) {
  return std::tie(t.id, t.tenant_id, t.name, t.description, t.member_ids, t.created_at);
}
inline auto fields(const core::Inbox& b) {
  return std::tie(b.id, b.tenant_id, b.name, b.channel, b.config_json, b.secret, b.callback_url, b.team_ids,
                  b.created_at);
}
inline auto fields(const core::Session& s) {
  return std::tie(s.token_hash, s.tenant_id, s.user_id, s.csrf_token, s.expires_at, s.created_at);
}
inline auto fields(const core::ApiToken& t) {
  return std::tie(t.id, t.tenant_id, t.user_id, t.name, t.token_hash, t.revoked, t.last_used_at, t.created_at);
}
inline auto fields(const core::Contact& c) {
  return std::tie(c.id, c.tenant_id, c.name, c.attributes_json, c.merged_into, c.created_at, c.updated_at);
}
inline auto fields(const core::ContactIdentity& i) {
  return std::tie(i.id, i.tenant_id, i.contact_id, i.kind, i.scope, i.value, i.verified, i.original_contact_id,
                  i.created_at);
}
inline auto fields(const core::Conversation& c) {
  return std::tie(c.id, c.tenant_id, c.inbox_id, c.contact_id, c.original_contact_id, c.status, c.priority, c.labels,
                  c.assignee_id, c.team_id, c.snoozed_until, c.created_at, c.last_activity_at, c.first_response_at,
                  c.resolved_at, c.last_incoming_at, c.is_public, c.queue_id, c.enqueued_at);
}
inline auto fields(const core::Message& m) {
  return std::tie(m.id, m.tenant_id, m.conversation_id, m.inbox_id, m.direction, m.kind, m.text, m.payload_json,
                  m.sender_user_id, m.sender_contact_id, m.external_id, m.reply_to_id, m.latitude, m.longitude,
                  m.location_name, m.delivery_status, m.delivery_error, m.attachment_ids, m.created_at, m.updated_at);
}
inline auto fields(const core::Attachment& a) {
  return std::tie(a.id, a.tenant_id, a.message_id, a.sha256, a.size, a.content_type, a.filename, a.state,
                  a.provider_ref, a.error, a.fetch_attempts, a.next_fetch_at, a.uploaded_by, a.created_at);
}
inline auto fields(const core::CannedResponse& r) {
  return std::tie(r.id, r.tenant_id, r.short_code, r.language, r.content, r.created_at, r.updated_at);
}
inline auto fields(const core::OutboxItem& o) {
  return std::tie(o.id, o.tenant_id, o.inbox_id, o.message_id, o.idempotency_key, o.payload, o.state, o.attempts,
                  o.next_attempt_at, o.last_error, o.created_at, o.updated_at, o.sending_since, o.throttled);
}

#define PARLEY_EXPECT_SAME(a, b) EXPECT_TRUE(parley::store_contract::fields(a) == parley::store_contract::fields(b))

template <class T>
std::vector<std::int64_t> idsOf(const std::vector<T>& rows) {
  std::vector<std::int64_t> ids;
  for (const auto& row : rows) ids.push_back(row.id.value);
  return ids;
}
// Concatenation without `"literal" + std::string` (which trips a false -Wrestrict in GCC 12).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

template <class IdT>
std::vector<std::int64_t> values(const std::vector<IdT>& ids) {
  std::vector<std::int64_t> out;
  for (const auto& id : ids) out.push_back(id.value);
  return out;
}

// --- builders with every field set to something recognisable ------------------------------------------

inline core::User userIn(core::TenantId tenant, std::string email, core::Role role = core::Role::Agent) {
  core::User u;
  u.tenant_id = tenant;
  u.email = std::move(email);
  u.name = "Agent " + u.email;
  u.role = role;
  u.language = core::Language::De;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.active = true;
  u.created_at = 1'700'000'000'000;
  return u;
}

inline core::Inbox inboxIn(core::TenantId tenant, std::string name,
                           core::ChannelKind channel = core::ChannelKind::Api) {
  core::Inbox b;
  b.tenant_id = tenant;
  b.name = std::move(name);
  b.channel = channel;
  b.config_json = R"({"phone_number_id":"1234"})";
  b.secret = "s3cret";
  b.callback_url = "https://crm.example/hook";
  b.created_at = 1'700'000'000'100;
  return b;
}

inline core::Contact contactIn(core::TenantId tenant, std::string name) {
  core::Contact c;
  c.tenant_id = tenant;
  c.name = std::move(name);
  c.attributes_json = R"({"plan":"gold"})";
  c.created_at = 1'700'000'000'200;
  c.updated_at = 1'700'000'000'300;
  return c;
}

inline core::ContactIdentity identityOf(core::TenantId tenant, core::ContactId contact, core::IdentityKind kind,
                                        std::string value, std::string scope = "") {
  core::ContactIdentity i;
  i.tenant_id = tenant;
  i.contact_id = contact;
  i.kind = kind;
  i.scope = std::move(scope);
  i.value = std::move(value);
  i.verified = kind == core::IdentityKind::Phone;
  i.created_at = 1'700'000'000'400;
  return i;
}

inline core::Conversation conversationIn(core::TenantId tenant, core::InboxId inbox, core::ContactId contact,
                                         core::TimestampMs last_activity = 1'700'000'001'000) {
  core::Conversation c;
  c.tenant_id = tenant;
  c.inbox_id = inbox;
  c.contact_id = contact;
  c.created_at = last_activity - 500;
  c.last_activity_at = last_activity;
  return c;
}

inline core::Message messageIn(const core::Conversation& conversation, core::ConversationId id, std::string text) {
  core::Message m;
  m.tenant_id = conversation.tenant_id;
  m.conversation_id = id;
  m.inbox_id = conversation.inbox_id;
  m.direction = core::MessageDirection::Incoming;
  m.text = std::move(text);
  m.sender_contact_id = conversation.contact_id;
  m.created_at = 1'700'000'002'000;
  m.updated_at = 1'700'000'002'000;
  return m;
}

// A new outbox item of `message`, due at 100, created and touched at 50.
inline core::OutboxItem outboxItemOf(core::TenantId tenant, core::InboxId inbox, core::MessageId message, std::string key) {
  core::OutboxItem item;
  item.tenant_id = tenant;
  item.inbox_id = inbox;
  item.message_id = message;
  item.idempotency_key = std::move(key);
  item.payload = "{}";
  item.next_attempt_at = 100;
  item.created_at = item.updated_at = 50;
  return item;
}

// Media the provider still holds: fetched later by the media fetcher. No bytes yet, so no hash
// and size 0; the content type is sniffed once the bytes are here.
inline core::Attachment pendingAttachmentIn(core::TenantId tenant, std::string provider_ref,
                                            core::TimestampMs next_fetch_at) {
  core::Attachment a;
  a.tenant_id = tenant;
  a.state = core::AttachmentState::Pending;
  a.provider_ref = std::move(provider_ref);
  a.next_fetch_at = next_fetch_at;
  a.created_at = 1'700'000'006'000;
  return a;
}

// --- the fixture ------------------------------------------------------------------------------------------

template <class Backend>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Backend::make();
    if (!store_) GTEST_SKIP() << "store backend not available on this machine";
  }
  void TearDown() override { store_.reset(); }

  app::Store& store() { return *store_; }

  // Runs fn (returning Result<T> or Status) in a write / read transaction and returns what fn
  // returned, or the transaction's own error. A fn error rolls the transaction back.
  template <class F>
  auto w(F&& fn) {
    return run(true, fn);
  }
  template <class F>
  auto r(F&& fn) {
    return run(false, fn);
  }

  // One-line setup helpers: each commits on its own and fails the test on error.
  core::TenantId tenant(const std::string& name) {
    return must(w([&](StoreTx& tx) { return tx.createTenant(core::Tenant{{}, name, 1'700'000'000'000}); }),
                "createTenant");
  }
  core::UserId user(core::TenantId t, const std::string& email) {
    return must(w([&](StoreTx& tx) { return tx.createUser(userIn(t, email)); }), "createUser");
  }
  core::TeamId team(core::TenantId t, const std::string& name) {
    core::Team team;
    team.tenant_id = t;
    team.name = name;
    team.description = "the " + name + " team";
    team.created_at = 1'700'000'000'050;
    return must(w([&](StoreTx& tx) { return tx.createTeam(team); }), "createTeam");
  }
  core::InboxId inbox(core::TenantId t, const std::string& name) {
    return must(w([&](StoreTx& tx) { return tx.createInbox(inboxIn(t, name)); }), "createInbox");
  }
  core::ContactId contact(core::TenantId t, const std::string& name) {
    return must(w([&](StoreTx& tx) { return tx.createContact(contactIn(t, name)); }), "createContact");
  }
  core::IdentityId identity(const core::ContactIdentity& identity) {
    return must(w([&](StoreTx& tx) { return tx.addIdentity(identity); }), "addIdentity");
  }
  core::ConversationId conversation(const core::Conversation& c) {
    return must(w([&](StoreTx& tx) { return tx.createConversation(c); }), "createConversation");
  }
  core::MessageId message(const core::Message& m) {
    return must(w([&](StoreTx& tx) { return tx.insertMessage(m); }), "insertMessage");
  }
  core::Conversation getConversation(core::TenantId t, core::ConversationId id) {
    return must(r([&](StoreTx& tx) { return tx.getConversation(t, id); }), "getConversation");
  }
  core::Message getMessage(core::TenantId t, core::MessageId id) {
    return must(r([&](StoreTx& tx) { return tx.getMessage(t, id); }), "getMessage");
  }
  core::Contact getContact(core::TenantId t, core::ContactId id) {
    return must(r([&](StoreTx& tx) { return tx.getContact(t, id); }), "getContact");
  }
  std::vector<core::ContactIdentity> identities(core::TenantId t, core::ContactId c) {
    return must(r([&](StoreTx& tx) { return tx.listIdentities(t, c); }), "listIdentities");
  }
  std::vector<std::int64_t> conversationIds(const app::ConversationFilter& filter) {
    return idsOf(must(r([&](StoreTx& tx) { return tx.listConversations(filter); }), "listConversations"));
  }
  std::vector<std::int64_t> searchIds(core::TenantId t, const std::string& query) {
    app::MessageSearch search;
    search.tenant_id = t;
    search.query = query;
    search.limit = 100;
    return idsOf(must(r([&](StoreTx& tx) { return tx.searchMessages(search); }), "searchMessages: " + query));
  }
  std::int64_t userCount() {
    return must(r([](StoreTx& tx) { return tx.countUsers(); }), "countUsers");
  }
  std::int64_t messageCount() {
    return must(r([](StoreTx& tx) { return tx.countMessages(); }), "countMessages");
  }

  template <class T>
  T must(core::Result<T> result, const std::string& what) {
    if (!result.ok()) {
      ADD_FAILURE() << what << " failed: " << describe(result);
      return T{};
    }
    return std::move(result).value();
  }

 private:
  template <class F>
  auto run(bool write, F& fn) -> std::invoke_result_t<F&, StoreTx&> {
    using R = std::invoke_result_t<F&, StoreTx&>;
    std::optional<R> out;
    auto body = [&](StoreTx& tx) -> Status {
      out.emplace(fn(tx));
      if (!out->ok()) return out->error();
      return {};
    };
    Status status = write ? store_->write(body) : store_->read(body);
    if (out && !out->ok()) return std::move(*out);
    if (!status.ok()) return status.error();
    return std::move(*out);
  }

  std::unique_ptr<app::Store> store_;
};

TYPED_TEST_SUITE_P(StoreContract);

// --- store basics ---------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, IsHealthyAndNamesItsBackend) {
  EXPECT_TRUE(this->store().healthy());
  const std::string name = this->store().backendName();
  EXPECT_TRUE(name == "sqlite" || name == "postgresql") << name;
}

TYPED_TEST_P(StoreContract, TenantRoundTripAndUserCountAcrossTenants) {
  EXPECT_EQ(this->userCount(), 0) << "a fresh store has no users (first-run setup depends on it)";
  auto a = this->tenant("Acme");
  auto b = this->tenant("Globex");
  EXPECT_NE(a, b);
  auto got = this->r([&](StoreTx& tx) { return tx.getTenant(a); });
  PARLEY_ASSERT_OK(got);
  PARLEY_EXPECT_SAME(*got, (core::Tenant{a, "Acme", 1'700'000'000'000}));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getTenant(core::TenantId{a.value + b.value + 1000}); }),
                     ErrorCode::NotFound);
  this->user(a, "ann@acme.example");
  this->user(b, "bob@globex.example");
  EXPECT_EQ(this->userCount(), 2);
}

// --- users ------------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, UserRoundTripAndEmailUniqueAcrossTenants) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  core::User want = userIn(acme, "ann@acme.example", core::Role::Supervisor);
  want.active = false;
  want.language = core::Language::En;
  auto id = this->w([&](StoreTx& tx) { return tx.createUser(want); });
  PARLEY_ASSERT_OK(id);
  want.id = *id;

  auto got = this->r([&](StoreTx& tx) { return tx.getUser(acme, want.id); });
  PARLEY_ASSERT_OK(got);
  PARLEY_EXPECT_SAME(*got, want);
  auto byEmail = this->r([&](StoreTx& tx) { return tx.findUserByEmail("ann@acme.example"); });
  PARLEY_ASSERT_OK(byEmail);
  PARLEY_EXPECT_SAME(*byEmail, want);

  // Login is by e-mail, so an address is taken in every tenant.
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.createUser(userIn(globex, "ann@acme.example")); }),
                     ErrorCode::Conflict);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findUserByEmail("nobody@acme.example"); }),
                     ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getUser(globex, want.id); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) {
                       return tx.createUser(userIn(core::TenantId{globex.value + 1000}, "x@nowhere.example"));
                     }),
                     ErrorCode::NotFound);
  EXPECT_EQ(this->userCount(), 1);
}

TYPED_TEST_P(StoreContract, AvailabilityIsSetOnItsOwnAndSurvivesProfileUpdates) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto fresh = this->r([&](StoreTx& tx) { return tx.getUser(acme, ann); });
  PARLEY_ASSERT_OK(fresh);
  EXPECT_EQ(fresh->availability, core::Availability::Offline) << "a new agent is offline";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setUserAvailability(acme, ann, core::Availability::Available, 77); }));
  core::User profile = *fresh;
  profile.name = "Ann Neu";  // a profile edit carries the old (offline) status: it must not win
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateUser(profile); }));
  auto got = this->r([&](StoreTx& tx) { return tx.getUser(acme, ann); });
  PARLEY_ASSERT_OK(got);
  EXPECT_EQ(got->availability, core::Availability::Available);
  EXPECT_EQ(got->availability_changed_at, 77);
  EXPECT_EQ(got->name, "Ann Neu");
  auto listed = this->r([&](StoreTx& tx) { return tx.listUsers(acme); });
  PARLEY_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].availability, core::Availability::Available);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.setUserAvailability(globex, ann, core::Availability::Away, 1); }),
                     ErrorCode::NotFound);
}

TYPED_TEST_P(StoreContract, UpdateUserChangesAllButIdentityAndCreation) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto ben = this->user(acme, "ben@acme.example");
  this->user(globex, "gina@globex.example");

  core::User changed = userIn(acme, "ann.new@acme.example", core::Role::Admin);
  changed.id = ann;
  changed.name = "Ann Neu";
  changed.language = core::Language::En;
  changed.password_hash = "$argon2id$new";
  changed.active = false;
  changed.created_at = 42;  // not writable
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateUser(changed); }));
  auto got = this->r([&](StoreTx& tx) { return tx.getUser(acme, ann); });
  PARLEY_ASSERT_OK(got);
  core::User want = changed;
  want.created_at = userIn(acme, "").created_at;
  PARLEY_EXPECT_SAME(*got, want);

  // Taking another user's e-mail is a conflict and changes nothing.
  core::User steal = want;
  steal.email = "ben@acme.example";
  steal.name = "Thief";
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateUser(steal); }), ErrorCode::Conflict);
  got = this->r([&](StoreTx& tx) { return tx.getUser(acme, ann); });
  PARLEY_ASSERT_OK(got);
  PARLEY_EXPECT_SAME(*got, want);

  core::User foreign = want;
  foreign.tenant_id = globex;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateUser(foreign); }), ErrorCode::NotFound);
  core::User missing = want;
  missing.id = core::UserId{ann.value + ben.value + 1000};
  missing.email = "ghost@acme.example";
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateUser(missing); }), ErrorCode::NotFound);

  auto list = this->r([&](StoreTx& tx) { return tx.listUsers(acme); });
  PARLEY_ASSERT_OK(list);
  EXPECT_EQ(idsOf(*list), (std::vector<std::int64_t>{ann.value, ben.value}));
}

TYPED_TEST_P(StoreContract, DeleteUserUnassignsConversationsAndRevokesAccess) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto ben = this->user(acme, "ben@acme.example");
  auto support = this->team(acme, "Support");
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setTeamMembers(acme, support, {ann, ben}); }));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) {
    return tx.createSession(core::Session{"sess-ann", acme, ann, "csrf", 1'800'000'000'000, 1'700'000'000'000});
  }));
  core::ApiToken token;
  token.tenant_id = acme;
  token.user_id = ann;
  token.name = "crm";
  token.token_hash = "tok-ann";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.createApiToken(token); }));
  auto in = this->inbox(acme, "Web");
  auto carl = this->contact(acme, "Carl");
  core::Conversation conv = conversationIn(acme, in, carl);
  conv.assignee_id = ann;
  auto convId = this->conversation(conv);
  core::Message reply = messageIn(conv, convId, "Wir kümmern uns darum.");
  reply.direction = core::MessageDirection::Outgoing;
  reply.sender_contact_id = {};
  reply.sender_user_id = ann;
  auto replyId = this->message(reply);

  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteUser(globex, ann); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteUser(acme, ann); }));

  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getUser(acme, ann); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findSession("sess-ann"); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findApiToken("tok-ann"); }), ErrorCode::NotFound);
  EXPECT_FALSE(this->getConversation(acme, convId).assignee_id.valid()) << "the conversation goes back to the queue";
  auto supportTeam = this->r([&](StoreTx& tx) { return tx.getTeam(acme, support); });
  PARLEY_ASSERT_OK(supportTeam);
  EXPECT_EQ(values(supportTeam->member_ids), (std::vector<std::int64_t>{ben.value}));
  core::Message kept = this->getMessage(acme, replyId);
  EXPECT_EQ(kept.text, "Wir kümmern uns darum.") << "history stays";
  EXPECT_FALSE(kept.sender_user_id.valid());
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteUser(acme, ann); }), ErrorCode::NotFound);
}

// --- teams ------------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, TeamMembersAreSetAsAWholeAndReadSorted) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto ben = this->user(acme, "ben@acme.example");
  auto gina = this->user(globex, "gina@globex.example");
  core::Team want;
  want.tenant_id = acme;
  want.name = "Billing";
  want.description = "Rechnungen";
  want.member_ids = {ann};  // ignored: members are written with setTeamMembers only
  want.created_at = 1'700'000'000'777;
  auto id = this->w([&](StoreTx& tx) { return tx.createTeam(want); });
  PARLEY_ASSERT_OK(id);
  want.id = *id;
  want.member_ids.clear();
  auto got = this->r([&](StoreTx& tx) { return tx.getTeam(acme, want.id); });
  PARLEY_ASSERT_OK(got);
  PARLEY_EXPECT_SAME(*got, want);

  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setTeamMembers(acme, want.id, {ben, ann, ben}); }));
  got = this->r([&](StoreTx& tx) { return tx.getTeam(acme, want.id); });
  PARLEY_ASSERT_OK(got);
  EXPECT_EQ(values(got->member_ids), (std::vector<std::int64_t>{ann.value, ben.value}));
  auto teamsOfAnn = this->r([&](StoreTx& tx) { return tx.teamsOfUser(acme, ann); });
  PARLEY_ASSERT_OK(teamsOfAnn);
  EXPECT_EQ(values(*teamsOfAnn), (std::vector<std::int64_t>{want.id.value}));

  // Replaced, not merged.
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setTeamMembers(acme, want.id, {ben}); }));
  teamsOfAnn = this->r([&](StoreTx& tx) { return tx.teamsOfUser(acme, ann); });
  PARLEY_ASSERT_OK(teamsOfAnn);
  EXPECT_TRUE(teamsOfAnn->empty());

  // Another tenant's user cannot join; nothing changes.
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.setTeamMembers(acme, want.id, {ann, gina}); }),
                     ErrorCode::NotFound);
  got = this->r([&](StoreTx& tx) { return tx.getTeam(acme, want.id); });
  PARLEY_ASSERT_OK(got);
  EXPECT_EQ(values(got->member_ids), (std::vector<std::int64_t>{ben.value}));

  // Name and description change; members stay.
  core::Team renamed = *got;
  renamed.name = "Buchhaltung";
  renamed.description = "Zahlungen";
  renamed.member_ids.clear();
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateTeam(renamed); }));
  auto list = this->r([&](StoreTx& tx) { return tx.listTeams(acme); });
  PARLEY_ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "Buchhaltung");
  EXPECT_EQ((*list)[0].description, "Zahlungen");
  EXPECT_EQ(values((*list)[0].member_ids), (std::vector<std::int64_t>{ben.value}));

  // Tenant isolation.
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getTeam(globex, want.id); }), ErrorCode::NotFound);
  core::Team foreign = renamed;
  foreign.tenant_id = globex;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateTeam(foreign); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.setTeamMembers(globex, want.id, {gina}); }),
                     ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.teamsOfUser(acme, gina); }), ErrorCode::NotFound);
  auto globexTeams = this->r([&](StoreTx& tx) { return tx.listTeams(globex); });
  PARLEY_ASSERT_OK(globexTeams);
  EXPECT_TRUE(globexTeams->empty());
}

TYPED_TEST_P(StoreContract, DeleteTeamRemovesMembershipsAndInboxLinks) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto sales = this->team(acme, "Sales");
  auto support = this->team(acme, "Support");
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setTeamMembers(acme, sales, {ann}); }));
  core::Inbox web = inboxIn(acme, "Web");
  web.team_ids = {sales, support};
  auto webId = this->w([&](StoreTx& tx) { return tx.createInbox(web); });
  PARLEY_ASSERT_OK(webId);
  core::Conversation conv = conversationIn(acme, *webId, this->contact(acme, "Carl"));
  conv.team_id = sales;
  auto convId = this->conversation(conv);

  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteTeam(globex, sales); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteTeam(acme, sales); }));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getTeam(acme, sales); }), ErrorCode::NotFound);
  auto teams = this->r([&](StoreTx& tx) { return tx.teamsOfUser(acme, ann); });
  PARLEY_ASSERT_OK(teams);
  EXPECT_TRUE(teams->empty());
  auto inbox = this->r([&](StoreTx& tx) { return tx.getInbox(acme, *webId); });
  PARLEY_ASSERT_OK(inbox);
  EXPECT_EQ(values(inbox->team_ids), (std::vector<std::int64_t>{support.value}));
  EXPECT_FALSE(this->getConversation(acme, convId).team_id.valid());
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteTeam(acme, sales); }), ErrorCode::NotFound);
}

// --- inboxes ----------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, InboxRoundTripWithTeamsAndTenantIsolation) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto sales = this->team(acme, "Sales");
  auto support = this->team(acme, "Support");
  auto globexTeam = this->team(globex, "Other");
  core::Inbox want = inboxIn(acme, "WhatsApp DE", core::ChannelKind::WhatsApp);
  want.team_ids = {support, sales};
  auto id = this->w([&](StoreTx& tx) { return tx.createInbox(want); });
  PARLEY_ASSERT_OK(id);
  want.id = *id;
  std::sort(want.team_ids.begin(), want.team_ids.end());

  auto got = this->r([&](StoreTx& tx) { return tx.getInbox(acme, want.id); });
  PARLEY_ASSERT_OK(got);
  PARLEY_EXPECT_SAME(*got, want);
  auto any = this->r([&](StoreTx& tx) { return tx.getInboxAnyTenant(want.id); });
  PARLEY_ASSERT_OK(any);
  PARLEY_EXPECT_SAME(*any, want);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getInbox(globex, want.id); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getInboxAnyTenant(core::InboxId{want.id.value + 1000}); }),
                     ErrorCode::NotFound);

  core::Inbox leaky = inboxIn(acme, "Leaky");
  leaky.team_ids = {globexTeam};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.createInbox(leaky); }), ErrorCode::NotFound);

  core::Inbox changed = want;
  changed.name = "WhatsApp Sales";
  changed.config_json = R"({"phone_number_id":"999"})";
  changed.secret = "rotated";
  changed.callback_url = "https://crm.example/v2";
  changed.team_ids = {sales};
  changed.channel = core::ChannelKind::Telegram;  // the channel of an inbox never changes
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateInbox(changed); }));
  got = this->r([&](StoreTx& tx) { return tx.getInbox(acme, want.id); });
  PARLEY_ASSERT_OK(got);
  changed.channel = core::ChannelKind::WhatsApp;
  PARLEY_EXPECT_SAME(*got, changed);

  core::Inbox foreign = changed;
  foreign.tenant_id = globex;
  foreign.team_ids = {};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateInbox(foreign); }), ErrorCode::NotFound);
  core::Inbox badTeam = changed;
  badTeam.team_ids = {sales, globexTeam};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateInbox(badTeam); }), ErrorCode::NotFound);

  auto second = this->inbox(acme, "Mail");
  this->inbox(globex, "Globex Web");
  auto list = this->r([&](StoreTx& tx) { return tx.listInboxes(acme); });
  PARLEY_ASSERT_OK(list);
  EXPECT_EQ(idsOf(*list), (std::vector<std::int64_t>{want.id.value, second.value}));
  PARLEY_EXPECT_SAME((*list)[0], changed);
}

TYPED_TEST_P(StoreContract, InboxesByChannelSpanEveryTenant) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto team = this->team(acme, "Support");
  core::Inbox a = inboxIn(acme, "WA Acme", core::ChannelKind::WhatsApp);
  a.team_ids = {team};
  a.id = this->must(this->w([&](StoreTx& tx) { return tx.createInbox(a); }), "createInbox");
  this->inbox(acme, "API");
  core::Inbox b = inboxIn(globex, "WA Globex", core::ChannelKind::WhatsApp);
  b.id = this->must(this->w([&](StoreTx& tx) { return tx.createInbox(b); }), "createInbox");
  auto list = this->r([&](StoreTx& tx) { return tx.listInboxesByChannel(core::ChannelKind::WhatsApp); });
  PARLEY_ASSERT_OK(list);
  ASSERT_EQ(idsOf(*list), (std::vector<std::int64_t>{a.id.value, b.id.value}));
  PARLEY_EXPECT_SAME((*list)[0], a);
  PARLEY_EXPECT_SAME((*list)[1], b);
  auto none = this->r([&](StoreTx& tx) { return tx.listInboxesByChannel(core::ChannelKind::Telegram); });
  PARLEY_ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TYPED_TEST_P(StoreContract, DeleteInboxRefusedWhileItHasConversations) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto busy = this->inbox(acme, "Busy");
  this->conversation(conversationIn(acme, busy, this->contact(acme, "Carl")));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteInbox(acme, busy); }), ErrorCode::Conflict);
  PARLEY_EXPECT_OK(this->r([&](StoreTx& tx) { return tx.getInbox(acme, busy); }));

  // A conversation moved to another inbox keeps its messages' inbox: still history, still refused.
  auto old = this->inbox(acme, "Old");
  core::Conversation moved = conversationIn(acme, old, this->contact(acme, "Dora"));
  moved.id = this->conversation(moved);
  this->message(messageIn(moved, moved.id, "sent to the old inbox"));
  moved.inbox_id = busy;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateConversation(moved); }));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteInbox(acme, old); }), ErrorCode::Conflict);
  EXPECT_EQ(this->messageCount(), 1);

  auto team = this->team(acme, "Sales");
  core::Inbox idle = inboxIn(acme, "Idle");
  idle.team_ids = {team};
  auto idleId = this->w([&](StoreTx& tx) { return tx.createInbox(idle); });
  PARLEY_ASSERT_OK(idleId);
  core::OutboxItem item;
  item.tenant_id = acme;
  item.inbox_id = *idleId;
  item.idempotency_key = "idle-1";
  item.payload = "{}";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.enqueueOutbox(item); }));

  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteInbox(globex, *idleId); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteInbox(acme, *idleId); }));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getInbox(acme, *idleId); }), ErrorCode::NotFound);
  auto due = this->r([](StoreTx& tx) { return tx.dueOutbox(1'900'000'000'000, 100, {}); });
  PARLEY_ASSERT_OK(due);
  EXPECT_TRUE(due->empty()) << "nothing is delivered for a deleted inbox";
  PARLEY_EXPECT_OK(this->r([&](StoreTx& tx) { return tx.getTeam(acme, team); }));  // the team stays
}

// --- sessions and API tokens ------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, SessionsAreFoundByHashAndDeletedOnLogout) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  core::Session session{"3f9a-hash", acme, ann, "csrf-123", 1'700'086'400'000, 1'700'000'000'000};
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.createSession(session); }));
  auto got = this->r([&](StoreTx& tx) { return tx.findSession("3f9a-hash"); });
  PARLEY_ASSERT_OK(got);
  PARLEY_EXPECT_SAME(*got, session);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.createSession(session); }), ErrorCode::Conflict);
  core::Session foreign{"other-hash", globex, ann, "csrf", 1'700'086'400'000, 1'700'000'000'000};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.createSession(foreign); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findSession("unknown"); }), ErrorCode::NotFound);

  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteSession("3f9a-hash"); }));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findSession("3f9a-hash"); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteSession("3f9a-hash"); }), ErrorCode::NotFound);

  // A changed password ends the user's other sessions; the one that changed it stays, and other
  // users' sessions are untouched.
  auto bob = this->user(acme, "bob@acme.example");
  for (const char* hash : {"ann-1", "ann-2", "ann-3"}) {
    PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.createSession({hash, acme, ann, "c", 1'700'086'400'000, 1'700'000'000'000}); }));
  }
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.createSession({"bob-1", acme, bob, "c", 1'700'086'400'000, 1'700'000'000'000}); }));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteUserSessions(acme, ann, "ann-2"); }));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findSession("ann-1"); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->r([&](StoreTx& tx) { return tx.findSession("ann-2"); }));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findSession("ann-3"); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->r([&](StoreTx& tx) { return tx.findSession("bob-1"); }));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteUserSessions(acme, ann, ""); }));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findSession("ann-2"); }), ErrorCode::NotFound);
}

TYPED_TEST_P(StoreContract, ApiTokensAreListedPerUserAndRevocable) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto ben = this->user(acme, "ben@acme.example");
  core::ApiToken first;
  first.tenant_id = acme;
  first.user_id = ann;
  first.name = "CRM sync";
  first.token_hash = "hash-1";
  first.last_used_at = 1'700'000'000'500;
  first.created_at = 1'700'000'000'000;
  auto firstId = this->w([&](StoreTx& tx) { return tx.createApiToken(first); });
  PARLEY_ASSERT_OK(firstId);
  first.id = *firstId;
  core::ApiToken second = first;
  second.name = "Zapier";
  second.token_hash = "hash-2";
  auto secondId = this->w([&](StoreTx& tx) { return tx.createApiToken(second); });
  PARLEY_ASSERT_OK(secondId);
  second.id = *secondId;
  core::ApiToken bens = first;
  bens.user_id = ben;
  bens.token_hash = "hash-ben";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.createApiToken(bens); }));

  core::ApiToken duplicate = first;
  duplicate.name = "dup";
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.createApiToken(duplicate); }), ErrorCode::Conflict);
  core::ApiToken foreign = first;
  foreign.tenant_id = globex;
  foreign.token_hash = "hash-foreign";
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.createApiToken(foreign); }), ErrorCode::NotFound);

  auto found = this->r([&](StoreTx& tx) { return tx.findApiToken("hash-1"); });
  PARLEY_ASSERT_OK(found);
  PARLEY_EXPECT_SAME(*found, first);
  auto list = this->r([&](StoreTx& tx) { return tx.listApiTokens(acme, ann); });
  PARLEY_ASSERT_OK(list);
  ASSERT_EQ(idsOf(*list), (std::vector<std::int64_t>{first.id.value, second.id.value}));
  PARLEY_EXPECT_SAME((*list)[1], second);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.listApiTokens(globex, ann); }), ErrorCode::NotFound);

  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.revokeApiToken(globex, ann, first.id); }),
                     ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.revokeApiToken(acme, ben, first.id); }),
                     ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.revokeApiToken(acme, ann, first.id); }));
  found = this->r([&](StoreTx& tx) { return tx.findApiToken("hash-1"); });
  PARLEY_ASSERT_OK(found);
  EXPECT_TRUE(found->revoked);
  found = this->r([&](StoreTx& tx) { return tx.findApiToken("hash-2"); });
  PARLEY_ASSERT_OK(found);
  EXPECT_FALSE(found->revoked);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findApiToken("nope"); }), ErrorCode::NotFound);
}

// --- contacts and identities ------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, ContactRoundTripUpdateAndTenantIsolation) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  core::Contact want = contactIn(acme, "Jürgen Groß");
  auto id = this->w([&](StoreTx& tx) { return tx.createContact(want); });
  PARLEY_ASSERT_OK(id);
  want.id = *id;
  PARLEY_EXPECT_SAME(this->getContact(acme, want.id), want);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getContact(globex, want.id); }), ErrorCode::NotFound);

  auto other = this->contact(acme, "Other");
  core::Contact changed = want;
  changed.name = "Jürgen Groß-Meier";
  changed.attributes_json = R"({"plan":"platinum","city":"Köln"})";
  changed.merged_into = other;
  changed.updated_at = 1'700'000'009'000;
  changed.created_at = 1;  // not writable
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateContact(changed); }));
  changed.created_at = want.created_at;
  PARLEY_EXPECT_SAME(this->getContact(acme, want.id), changed);

  core::Contact foreign = changed;
  foreign.tenant_id = globex;
  foreign.merged_into = {};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateContact(foreign); }), ErrorCode::NotFound);
  auto globexContact = this->contact(globex, "Gina");
  core::Contact crossMerge = changed;
  crossMerge.merged_into = globexContact;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateContact(crossMerge); }), ErrorCode::NotFound);
  PARLEY_EXPECT_SAME(this->getContact(acme, want.id), changed);
}

TYPED_TEST_P(StoreContract, IdentitiesAreUniquePerTenantKindScopeAndValue) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto anna = this->contact(acme, "Anna");
  auto bert = this->contact(acme, "Bert");
  core::ContactIdentity phone = identityOf(acme, anna, core::IdentityKind::Phone, "+4930123456");
  auto phoneId = this->w([&](StoreTx& tx) { return tx.addIdentity(phone); });
  PARLEY_ASSERT_OK(phoneId);
  phone.id = *phoneId;
  core::ContactIdentity telegram = identityOf(acme, anna, core::IdentityKind::External, "8812", "telegram");
  telegram.id = this->identity(telegram);

  auto found = this->r([&](StoreTx& tx) {
    return tx.findIdentity(acme, core::IdentityKind::Phone, "", "+4930123456");
  });
  PARLEY_ASSERT_OK(found);
  PARLEY_EXPECT_SAME(*found, phone);

  // The same number cannot belong to two contacts of one tenant...
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) {
                       return tx.addIdentity(identityOf(acme, bert, core::IdentityKind::Phone, "+4930123456"));
                     }),
                     ErrorCode::Conflict);
  // ...but the same external id in another channel scope, or in another tenant, is someone else.
  this->identity(identityOf(acme, bert, core::IdentityKind::External, "8812", "api:7"));
  auto gina = this->contact(globex, "Gina");
  this->identity(identityOf(globex, gina, core::IdentityKind::Phone, "+4930123456"));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) {
                       return tx.findIdentity(globex, core::IdentityKind::Phone, "", "+4930999999");
                     }),
                     ErrorCode::NotFound);
  found = this->r([&](StoreTx& tx) { return tx.findIdentity(globex, core::IdentityKind::Phone, "", "+4930123456"); });
  PARLEY_ASSERT_OK(found);
  EXPECT_EQ(found->contact_id, gina);

  auto list = this->identities(acme, anna);
  ASSERT_EQ(list.size(), 2u);
  PARLEY_EXPECT_SAME(list[0], phone);
  PARLEY_EXPECT_SAME(list[1], telegram);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.listIdentities(globex, anna); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) {
                       return tx.addIdentity(identityOf(globex, anna, core::IdentityKind::Email, "a@x.example"));
                     }),
                     ErrorCode::NotFound);

  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteIdentity(globex, phone.id); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteIdentity(acme, phone.id); }));
  EXPECT_EQ(idsOf(this->identities(acme, anna)), (std::vector<std::int64_t>{telegram.id.value}));
  // Once deleted, the number is free again.
  this->identity(identityOf(acme, bert, core::IdentityKind::Phone, "+4930123456"));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteIdentity(acme, phone.id); }), ErrorCode::NotFound);
}

TYPED_TEST_P(StoreContract, ListContactsMatchesNamesAndIdentitiesWithCursor) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto anna = this->contact(acme, "Anna Schmidt");
  auto bernd = this->contact(acme, "Bernd Meier");
  auto percent = this->contact(acme, "Rabatt 50% Kunde");
  auto fifty = this->contact(acme, "Rabatt 500 Kunde");
  auto underscore = this->contact(acme, "a_b");
  auto axb = this->contact(acme, "axb");
  auto merged = this->contact(acme, "Anna Doppelt");
  this->contact(globex, "Anna Globex");
  this->identity(identityOf(acme, anna, core::IdentityKind::Phone, "+491701234567"));
  this->identity(identityOf(acme, bernd, core::IdentityKind::Email, "bernd@example.com"));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.mergeContacts(acme, anna, merged); }));

  auto search = [&](const std::string& text, bool include_merged = false) {
    app::ContactQuery q;
    q.tenant_id = acme;
    q.query = text;
    q.limit = 100;
    q.include_merged = include_merged;
    return idsOf(this->must(this->r([&](StoreTx& tx) { return tx.listContacts(q); }), "listContacts " + text));
  };
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(search(""), (V{anna.value, bernd.value, percent.value, fifty.value, underscore.value, axb.value}));
  EXPECT_EQ(search("", true),
            (V{anna.value, bernd.value, percent.value, fifty.value, underscore.value, axb.value, merged.value}));
  EXPECT_EQ(search("anna"), (V{anna.value})) << "case-insensitive; merged and foreign contacts hidden";
  EXPECT_EQ(search("anna", true), (V{anna.value, merged.value}));
  EXPECT_EQ(search("1234"), (V{anna.value})) << "part of a phone number";
  EXPECT_EQ(search("example.com"), (V{bernd.value})) << "part of an e-mail address";
  EXPECT_EQ(search("50%"), (V{percent.value})) << "% is a character, not a wildcard";
  EXPECT_EQ(search("a_b"), (V{underscore.value})) << "_ is a character, not a wildcard";
  EXPECT_TRUE(search("zzz").empty());

  // Cursor: ascending ids, every contact exactly once.
  std::vector<std::int64_t> seen;
  app::ContactQuery page;
  page.tenant_id = acme;
  page.limit = 4;
  for (int guard = 0; guard < 10; ++guard) {
    auto rows = this->must(this->r([&](StoreTx& tx) { return tx.listContacts(page); }), "listContacts page");
    if (rows.empty()) break;
    EXPECT_LE(rows.size(), 4u);
    for (const auto& c : rows) seen.push_back(c.id.value);
    page.after = rows.back().id;
  }
  EXPECT_EQ(seen, search(""));
}

// --- merge --------------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, MergeThenUnmergeRestoresIdentitiesAndConversationsExactly) {
  auto acme = this->tenant("Acme");
  auto web = this->inbox(acme, "Web");
  auto mail = this->inbox(acme, "Mail");
  auto anna = this->contact(acme, "Anna");
  auto annaTwin = this->contact(acme, "anna@example.com");
  this->identity(identityOf(acme, anna, core::IdentityKind::Phone, "+491701111111"));
  this->identity(identityOf(acme, annaTwin, core::IdentityKind::Email, "anna@example.com"));
  this->identity(identityOf(acme, annaTwin, core::IdentityKind::External, "tg-77", "telegram"));
  auto a1 = this->conversation(conversationIn(acme, web, anna, 1'700'000'010'000));
  auto b1 = this->conversation(conversationIn(acme, mail, annaTwin, 1'700'000'020'000));
  auto b2 = this->conversation(conversationIn(acme, web, annaTwin, 1'700'000'030'000));

  const auto annaIdsBefore = this->identities(acme, anna);
  const auto twinIdsBefore = this->identities(acme, annaTwin);
  const core::Contact twinBefore = this->getContact(acme, annaTwin);
  std::vector<core::Conversation> convsBefore;
  for (auto id : {a1, b1, b2}) convsBefore.push_back(this->getConversation(acme, id));

  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.mergeContacts(acme, anna, annaTwin); }));

  // One person now: every identity and conversation on the target, remembering its origin.
  auto merged = this->identities(acme, anna);
  ASSERT_EQ(merged.size(), 3u);
  for (const auto& identity : merged) {
    EXPECT_EQ(identity.contact_id, anna);
    EXPECT_EQ(identity.original_contact_id, identity.value == "+491701111111" ? core::ContactId{} : annaTwin);
  }
  EXPECT_TRUE(this->identities(acme, annaTwin).empty());
  auto byEmail = this->r([&](StoreTx& tx) {
    return tx.findIdentity(acme, core::IdentityKind::Email, "", "anna@example.com");
  });
  PARLEY_ASSERT_OK(byEmail);
  EXPECT_EQ(byEmail->contact_id, anna) << "the next e-mail from her lands on the merged contact";
  EXPECT_EQ(this->getContact(acme, annaTwin).merged_into, anna);
  EXPECT_EQ(this->getConversation(acme, a1).contact_id, anna);
  EXPECT_FALSE(this->getConversation(acme, a1).original_contact_id.valid());
  for (auto id : {b1, b2}) {
    auto c = this->getConversation(acme, id);
    EXPECT_EQ(c.contact_id, anna);
    EXPECT_EQ(c.original_contact_id, annaTwin);
  }
  app::ConversationFilter ofAnna;
  ofAnna.tenant_id = acme;
  ofAnna.contact_id = anna;
  EXPECT_EQ(this->conversationIds(ofAnna), (std::vector<std::int64_t>{b2.value, b1.value, a1.value}))
      << "the timeline spans both contacts";

  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.unmergeContact(acme, annaTwin); }));

  auto annaIdsAfter = this->identities(acme, anna);
  auto twinIdsAfter = this->identities(acme, annaTwin);
  ASSERT_EQ(annaIdsAfter.size(), annaIdsBefore.size());
  ASSERT_EQ(twinIdsAfter.size(), twinIdsBefore.size());
  for (std::size_t i = 0; i < annaIdsBefore.size(); ++i) PARLEY_EXPECT_SAME(annaIdsAfter[i], annaIdsBefore[i]);
  for (std::size_t i = 0; i < twinIdsBefore.size(); ++i) PARLEY_EXPECT_SAME(twinIdsAfter[i], twinIdsBefore[i]);
  PARLEY_EXPECT_SAME(this->getContact(acme, annaTwin), twinBefore);
  for (const auto& before : convsBefore) PARLEY_EXPECT_SAME(this->getConversation(acme, before.id), before);
}

TYPED_TEST_P(StoreContract, ChainedMergesUnmergeOneContactAtATime) {
  auto acme = this->tenant("Acme");
  auto web = this->inbox(acme, "Web");
  auto a = this->contact(acme, "A");
  auto b = this->contact(acme, "B");
  auto c = this->contact(acme, "C");
  auto idA = this->identity(identityOf(acme, a, core::IdentityKind::Email, "a@example.com"));
  auto idB = this->identity(identityOf(acme, b, core::IdentityKind::Email, "b@example.com"));
  auto idC = this->identity(identityOf(acme, c, core::IdentityKind::Email, "c@example.com"));
  auto convB = this->conversation(conversationIn(acme, web, b));
  auto convC = this->conversation(conversationIn(acme, web, c));

  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.mergeContacts(acme, b, c); }));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.mergeContacts(acme, a, b); }));
  EXPECT_EQ(idsOf(this->identities(acme, a)), (std::vector<std::int64_t>{idA.value, idB.value, idC.value}));
  EXPECT_EQ(this->getConversation(acme, convC).original_contact_id, c) << "the first owner is remembered";

  // Un-merging B gives back only what was B's own; C's things stay with A.
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.unmergeContact(acme, b); }));
  EXPECT_EQ(idsOf(this->identities(acme, b)), (std::vector<std::int64_t>{idB.value}));
  EXPECT_EQ(idsOf(this->identities(acme, a)), (std::vector<std::int64_t>{idA.value, idC.value}));
  EXPECT_EQ(this->getConversation(acme, convB).contact_id, b);
  EXPECT_EQ(this->getConversation(acme, convC).contact_id, a);

  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.unmergeContact(acme, c); }));
  EXPECT_EQ(idsOf(this->identities(acme, c)), (std::vector<std::int64_t>{idC.value}));
  EXPECT_EQ(idsOf(this->identities(acme, a)), (std::vector<std::int64_t>{idA.value}));
  EXPECT_EQ(this->getConversation(acme, convC).contact_id, c);
  EXPECT_FALSE(this->getConversation(acme, convC).original_contact_id.valid());
  EXPECT_FALSE(this->getContact(acme, c).merged_into.valid());
  EXPECT_FALSE(this->getContact(acme, b).merged_into.valid());
}

TYPED_TEST_P(StoreContract, MergeRefusesNonsense) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto a = this->contact(acme, "A");
  auto b = this->contact(acme, "B");
  auto c = this->contact(acme, "C");
  auto g = this->contact(globex, "G");
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.mergeContacts(acme, a, a); }), ErrorCode::InvalidInput);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.mergeContacts(acme, a, g); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.mergeContacts(globex, g, a); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.unmergeContact(acme, a); }), ErrorCode::Conflict);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.mergeContacts(acme, a, b); }));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.mergeContacts(acme, c, b); }), ErrorCode::Conflict);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.unmergeContact(globex, b); }), ErrorCode::NotFound);
  EXPECT_EQ(this->getContact(acme, b).merged_into, a);
}

// --- conversations -------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, ConversationRoundTripWithSortedUniqueLabels) {
  auto acme = this->tenant("Acme");
  auto ann = this->user(acme, "ann@acme.example");
  auto support = this->team(acme, "Support");
  auto web = this->inbox(acme, "Web");
  auto carl = this->contact(acme, "Carl");
  auto before = this->contact(acme, "Carl (old)");
  core::Conversation want = conversationIn(acme, web, carl);
  want.original_contact_id = before;
  want.status = core::ConversationStatus::Snoozed;
  want.priority = core::Priority::Urgent;
  want.labels = {"vip", "billing", "vip", "angry-customer"};
  want.assignee_id = ann;
  want.team_id = support;
  want.snoozed_until = 1'700'000'090'000;
  want.first_response_at = 1'700'000'001'100;
  want.resolved_at = 1'700'000'001'200;
  auto id = this->w([&](StoreTx& tx) { return tx.createConversation(want); });
  PARLEY_ASSERT_OK(id);
  want.id = *id;
  want.labels = {"angry-customer", "billing", "vip"};
  PARLEY_EXPECT_SAME(this->getConversation(acme, want.id), want);

  core::Conversation plain = conversationIn(acme, web, carl);
  plain.id = this->conversation(plain);
  PARLEY_EXPECT_SAME(this->getConversation(acme, plain.id), plain) << "unset ids and empty labels stay unset";
}

TYPED_TEST_P(StoreContract, UpdateConversationReplacesFieldsAndLabels) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto support = this->team(acme, "Support");
  auto web = this->inbox(acme, "Web");
  auto mail = this->inbox(acme, "Mail");
  auto carl = this->contact(acme, "Carl");
  core::Conversation c = conversationIn(acme, web, carl);
  c.labels = {"billing", "vip"};
  c.id = this->conversation(c);

  core::Conversation changed = c;
  changed.inbox_id = mail;
  changed.status = core::ConversationStatus::Resolved;
  changed.priority = core::Priority::High;
  changed.labels = {"refund"};
  changed.assignee_id = ann;
  changed.team_id = support;
  changed.snoozed_until = 5;
  changed.last_activity_at = c.last_activity_at + 60'000;
  changed.first_response_at = c.last_activity_at + 1'000;
  changed.resolved_at = c.last_activity_at + 60'000;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateConversation(changed); }));
  PARLEY_EXPECT_SAME(this->getConversation(acme, c.id), changed);

  core::Conversation unassigned = changed;
  unassigned.assignee_id = {};
  unassigned.team_id = {};
  unassigned.labels = {};
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateConversation(unassigned); }));
  PARLEY_EXPECT_SAME(this->getConversation(acme, c.id), unassigned);

  core::Conversation foreign = unassigned;
  foreign.tenant_id = globex;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateConversation(foreign); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getConversation(globex, c.id); }), ErrorCode::NotFound);
}

// The ingest path's one-statement update: only the activity fields change, nothing else.
TYPED_TEST_P(StoreContract, RecordConversationActivityWritesOnlyActivityFields) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto web = this->inbox(acme, "Web");
  auto carl = this->contact(acme, "Carl");
  core::Conversation c = conversationIn(acme, web, carl);
  c.labels = {"vip"};
  c.assignee_id = ann;
  c.status = core::ConversationStatus::Snoozed;
  c.snoozed_until = c.last_activity_at + 3'600'000;
  c.id = this->conversation(c);

  core::Conversation active = c;
  active.status = core::ConversationStatus::Open;
  active.snoozed_until = 0;
  active.last_activity_at = c.last_activity_at + 60'000;
  active.last_incoming_at = c.last_activity_at + 60'000;
  core::Conversation ignored = active;  // fields the method must leave alone
  ignored.labels = {};
  ignored.assignee_id = {};
  ignored.priority = core::Priority::Urgent;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.recordConversationActivity(ignored); }));
  PARLEY_EXPECT_SAME(this->getConversation(acme, c.id), active);

  core::Conversation foreign = active;
  foreign.tenant_id = globex;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.recordConversationActivity(foreign); }), ErrorCode::NotFound);
  core::Conversation missing = active;
  missing.id = core::ConversationId{c.id.value + 1000};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.recordConversationActivity(missing); }), ErrorCode::NotFound);
}

TYPED_TEST_P(StoreContract, ConversationReferencesMustBelongToTheTenant) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto web = this->inbox(acme, "Web");
  auto carl = this->contact(acme, "Carl");
  auto gInbox = this->inbox(globex, "G");
  auto gContact = this->contact(globex, "G");
  auto gUser = this->user(globex, "g@globex.example");
  auto gTeam = this->team(globex, "G");
  auto attempt = [&](auto edit) {
    core::Conversation c = conversationIn(acme, web, carl);
    edit(c);
    return this->w([&](StoreTx& tx) { return tx.createConversation(c); });
  };
  PARLEY_EXPECT_CODE(attempt([&](core::Conversation& c) { c.inbox_id = gInbox; }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(attempt([&](core::Conversation& c) { c.contact_id = gContact; }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(attempt([&](core::Conversation& c) { c.assignee_id = gUser; }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(attempt([&](core::Conversation& c) { c.team_id = gTeam; }), ErrorCode::NotFound);
  app::ConversationFilter all;
  all.tenant_id = acme;
  EXPECT_TRUE(this->conversationIds(all).empty());

  auto id = this->conversation(conversationIn(acme, web, carl));
  core::Conversation moved = this->getConversation(acme, id);
  moved.assignee_id = gUser;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateConversation(moved); }), ErrorCode::NotFound);
  EXPECT_FALSE(this->getConversation(acme, id).assignee_id.valid());
}

TYPED_TEST_P(StoreContract, ListConversationsFilters) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto support = this->team(acme, "Support");
  auto a = this->inbox(acme, "A");
  auto b = this->inbox(acme, "B");
  auto c1 = this->contact(acme, "C1");
  auto c2 = this->contact(acme, "C2");
  auto make = [&](core::InboxId inbox, core::ContactId contact, core::ConversationStatus status, core::UserId assignee,
                  core::TeamId team, std::vector<std::string> labels, core::TimestampMs activity) {
    core::Conversation c = conversationIn(acme, inbox, contact, activity);
    c.status = status;
    c.assignee_id = assignee;
    c.team_id = team;
    c.labels = std::move(labels);
    return this->conversation(c).value;
  };
  using S = core::ConversationStatus;
  const auto k1 = make(a, c1, S::Open, ann, support, {"vip"}, 1'000);
  const auto k2 = make(a, c2, S::Pending, {}, {}, {"billing"}, 2'000);
  const auto k3 = make(b, c1, S::Resolved, ann, {}, {"billing", "vip"}, 3'000);
  const auto k4 = make(b, c2, S::Open, {}, support, {}, 4'000);
  auto gInbox = this->inbox(globex, "G");
  this->conversation(conversationIn(globex, gInbox, this->contact(globex, "G"), 5'000));

  using V = std::vector<std::int64_t>;
  auto list = [&](auto edit) {
    app::ConversationFilter f;
    f.tenant_id = acme;
    edit(f);
    return this->conversationIds(f);
  };
  using F = app::ConversationFilter;
  EXPECT_EQ(list([](F&) {}), (V{k4, k3, k2, k1})) << "newest activity first, other tenants never";
  EXPECT_EQ(list([&](F& f) { f.inbox_id = a; }), (V{k2, k1}));
  EXPECT_EQ(list([&](F& f) { f.inbox_ids = std::vector<core::InboxId>{b}; }), (V{k4, k3}));
  EXPECT_EQ(list([&](F& f) { f.inbox_ids = std::vector<core::InboxId>{a, b, gInbox}; }), (V{k4, k3, k2, k1}));
  EXPECT_EQ(list([&](F& f) { f.inbox_ids = std::vector<core::InboxId>{}; }), V{})
      << "an agent without inboxes sees nothing";
  EXPECT_EQ(list([&](F& f) { f.status = S::Open; }), (V{k4, k1}));
  EXPECT_EQ(list([&](F& f) { f.assignee_id = ann; }), (V{k3, k1}));
  EXPECT_EQ(list([&](F& f) { f.assignee_id = core::UserId{}; }), (V{k4, k2})) << "0 means unassigned";
  EXPECT_EQ(list([&](F& f) { f.team_id = support; }), (V{k4, k1}));
  EXPECT_EQ(list([&](F& f) { f.contact_id = c1; }), (V{k3, k1}));
  EXPECT_EQ(list([&](F& f) { f.label = "vip"; }), (V{k3, k1}));
  EXPECT_EQ(list([&](F& f) { f.label = "billing"; }), (V{k3, k2}));
  EXPECT_EQ(list([&](F& f) { f.label = "nope"; }), V{});
  EXPECT_EQ(list([&](F& f) {
              f.inbox_id = b;
              f.label = "billing";
            }),
            (V{k3}));
  EXPECT_EQ(list([&](F& f) {
              f.status = S::Open;
              f.assignee_id = core::UserId{};
              f.team_id = support;
            }),
            (V{k4}));
  EXPECT_EQ(list([&](F& f) { f.limit = 2; }), (V{k4, k3}));

  // Labels come back with every listed conversation.
  app::ConversationFilter f;
  f.tenant_id = acme;
  f.label = "vip";
  auto rows = this->must(this->r([&](StoreTx& tx) { return tx.listConversations(f); }), "listConversations");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].labels, (std::vector<std::string>{"billing", "vip"}));
  EXPECT_EQ(rows[1].labels, (std::vector<std::string>{"vip"}));
}

TYPED_TEST_P(StoreContract, CursorPaginationReturnsEveryConversationExactlyOnce) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto web = this->inbox(acme, "Web");
  auto carl = this->contact(acme, "Carl");
  std::set<std::int64_t> all;
  // 57 conversations over 7 distinct activity times: many ties, broken by id.
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) -> Status {
    for (int i = 0; i < 57; ++i) {
      auto id = tx.createConversation(conversationIn(acme, web, carl, 1'700'000'000'000 + (i * 5 % 7) * 1'000));
      if (!id.ok()) return id.error();
      all.insert(id->value);
    }
    return {};
  }));
  this->conversation(conversationIn(globex, this->inbox(globex, "G"), this->contact(globex, "G")));

  for (int pageSize : {1, 10, 25, 57, 100}) {
    app::ConversationFilter f;
    f.tenant_id = acme;
    f.limit = pageSize;
    std::vector<core::Conversation> seen;
    for (int guard = 0; guard < 100; ++guard) {
      auto page = this->must(this->r([&](StoreTx& tx) { return tx.listConversations(f); }), "page");
      ASSERT_LE(page.size(), static_cast<std::size_t>(pageSize));
      if (page.empty()) break;
      seen.insert(seen.end(), page.begin(), page.end());
      f.after = std::make_pair(page.back().last_activity_at, page.back().id);
    }
    std::set<std::int64_t> ids;
    for (const auto& c : seen) ids.insert(c.id.value);
    EXPECT_EQ(seen.size(), 57u) << "page size " << pageSize;
    EXPECT_EQ(ids, all) << "page size " << pageSize;
    for (std::size_t i = 1; i < seen.size(); ++i) {
      const auto& prev = seen[i - 1];
      const auto& cur = seen[i];
      EXPECT_TRUE(prev.last_activity_at > cur.last_activity_at ||
                  (prev.last_activity_at == cur.last_activity_at && prev.id > cur.id))
          << "order broken at " << i << " with page size " << pageSize;
    }
  }
}

TYPED_TEST_P(StoreContract, FindActiveConversationIsTheNewestUnresolved) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto web = this->inbox(acme, "Web");
  auto mail = this->inbox(acme, "Mail");
  auto carl = this->contact(acme, "Carl");
  auto make = [&](core::ConversationStatus status, core::TimestampMs at) {
    core::Conversation c = conversationIn(acme, web, carl, at);
    c.status = status;
    return this->conversation(c);
  };
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findActiveConversation(acme, carl, web); }),
                     ErrorCode::NotFound);
  make(core::ConversationStatus::Resolved, 1'000'000);
  auto open = make(core::ConversationStatus::Open, 2'000'000);
  auto pending = make(core::ConversationStatus::Pending, 3'000'000);
  make(core::ConversationStatus::Resolved, 4'000'000);

  auto found = this->r([&](StoreTx& tx) { return tx.findActiveConversation(acme, carl, web); });
  PARLEY_ASSERT_OK(found);
  EXPECT_EQ(found->id, pending);
  core::Conversation resolved = *found;
  resolved.status = core::ConversationStatus::Resolved;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateConversation(resolved); }));
  found = this->r([&](StoreTx& tx) { return tx.findActiveConversation(acme, carl, web); });
  PARLEY_ASSERT_OK(found);
  EXPECT_EQ(found->id, open);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findActiveConversation(acme, carl, mail); }),
                     ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findActiveConversation(globex, carl, web); }),
                     ErrorCode::NotFound);
}

TYPED_TEST_P(StoreContract, ConversationKeepsItsServiceWindowAndVisibility) {
  auto acme = this->tenant("Acme");
  auto wa = this->inbox(acme, "WhatsApp");
  auto x = this->inbox(acme, "X");
  auto carl = this->contact(acme, "Carl");
  core::Conversation chat = conversationIn(acme, wa, carl, 1'700'000'010'000);
  chat.last_incoming_at = 1'700'000'009'500;
  chat.id = this->conversation(chat);
  core::Conversation mention = conversationIn(acme, x, carl, 1'700'000'020'000);
  mention.is_public = true;
  mention.last_incoming_at = 1'700'000'019'000;
  mention.labels = {"social"};
  mention.id = this->conversation(mention);

  PARLEY_EXPECT_SAME(this->getConversation(acme, chat.id), chat);
  PARLEY_EXPECT_SAME(this->getConversation(acme, mention.id), mention);
  app::ConversationFilter all;
  all.tenant_id = acme;
  auto listed = this->must(this->r([&](StoreTx& tx) { return tx.listConversations(all); }), "listConversations");
  ASSERT_EQ(idsOf(listed), (std::vector<std::int64_t>{mention.id.value, chat.id.value}));
  PARLEY_EXPECT_SAME(listed[0], mention);
  PARLEY_EXPECT_SAME(listed[1], chat);
  auto active = this->r([&](StoreTx& tx) { return tx.findActiveConversation(acme, carl, x); });
  PARLEY_ASSERT_OK(active);
  PARLEY_EXPECT_SAME(*active, mention);

  // The customer writes again a day later: the window moves with it.
  core::Conversation later = chat;
  later.last_incoming_at = 1'700'086'400'000;
  later.last_activity_at = 1'700'086'400'000;
  later.is_public = true;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateConversation(later); }));
  PARLEY_EXPECT_SAME(this->getConversation(acme, chat.id), later);
  core::Conversation quiet = mention;
  quiet.is_public = false;
  quiet.last_incoming_at = 0;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateConversation(quiet); }));
  PARLEY_EXPECT_SAME(this->getConversation(acme, mention.id), quiet);
  active = this->r([&](StoreTx& tx) { return tx.findActiveConversation(acme, carl, wa); });
  PARLEY_ASSERT_OK(active);
  PARLEY_EXPECT_SAME(*active, later);
  listed = this->must(this->r([&](StoreTx& tx) { return tx.listConversations(all); }), "listConversations");
  ASSERT_EQ(idsOf(listed), (std::vector<std::int64_t>{chat.id.value, mention.id.value}));
  PARLEY_EXPECT_SAME(listed[0], later);
  PARLEY_EXPECT_SAME(listed[1], quiet);
}

// --- messages ----------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, MessageRoundTripWithDeliveryAndLocation) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto web = this->inbox(acme, "WhatsApp");
  auto carl = this->contact(acme, "Carl");
  core::Conversation conv = conversationIn(acme, web, carl);
  auto convId = this->conversation(conv);

  core::Message incoming = messageIn(conv, convId, "Wo ist mein Paket? 📦 Grüße, Jürgen");
  incoming.external_id = "wamid.HBgL";
  incoming.latitude = 52.520008;
  incoming.longitude = 13.404954;
  incoming.location_name = "Berlin Mitte";
  incoming.delivery_status = core::DeliveryStatus::Delivered;
  incoming.id = this->message(incoming);
  PARLEY_EXPECT_SAME(this->getMessage(acme, incoming.id), incoming);

  core::Message reply = messageIn(conv, convId, "Ist unterwegs.");
  reply.direction = core::MessageDirection::Outgoing;
  reply.sender_contact_id = {};
  reply.sender_user_id = ann;
  reply.reply_to_id = incoming.id;
  reply.delivery_status = core::DeliveryStatus::Failed;
  reply.delivery_error = "131047: re-engagement message";
  reply.created_at = 1'700'000'003'000;
  reply.updated_at = 1'700'000'004'000;
  reply.id = this->message(reply);
  core::Message gotReply = this->getMessage(acme, reply.id);
  PARLEY_EXPECT_SAME(gotReply, reply);
  EXPECT_FALSE(gotReply.latitude.has_value()) << "no location stays no location";
  EXPECT_FALSE(gotReply.longitude.has_value());

  // Zero and negative coordinates are places too (Gulf of Guinea, Sydney).
  core::Message zero = messageIn(conv, convId, "");
  zero.latitude = 0.0;
  zero.longitude = 0.0;
  zero.id = this->message(zero);
  PARLEY_EXPECT_SAME(this->getMessage(acme, zero.id), zero);
  core::Message sydney = messageIn(conv, convId, "");
  sydney.latitude = -33.8688197;
  sydney.longitude = 151.2092955;
  sydney.id = this->message(sydney);
  PARLEY_EXPECT_SAME(this->getMessage(acme, sydney.id), sydney);

  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getMessage(globex, incoming.id); }), ErrorCode::NotFound);
  core::Message foreign = messageIn(conv, convId, "x");
  foreign.tenant_id = globex;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.insertMessage(foreign); }), ErrorCode::NotFound);
  EXPECT_EQ(this->messageCount(), 4);
}

TYPED_TEST_P(StoreContract, ListMessagesAscendingAfterCursor) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto web = this->inbox(acme, "Web");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  core::Conversation other = conversationIn(acme, web, this->contact(acme, "Dora"));
  auto otherId = this->conversation(other);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(this->message(messageIn(conv, convId, cat("m", std::to_string(i)))).value);
    this->message(messageIn(other, otherId, "other"));
  }
  auto all = this->r([&](StoreTx& tx) { return tx.listMessages(acme, convId, core::MessageId{}, 100); });
  PARLEY_ASSERT_OK(all);
  EXPECT_EQ(idsOf(*all), ids);
  EXPECT_EQ((*all)[2].text, "m2");
  auto page = this->r([&](StoreTx& tx) { return tx.listMessages(acme, convId, core::MessageId{ids[1]}, 2); });
  PARLEY_ASSERT_OK(page);
  EXPECT_EQ(idsOf(*page), (std::vector<std::int64_t>{ids[2], ids[3]}));
  auto end = this->r([&](StoreTx& tx) { return tx.listMessages(acme, convId, core::MessageId{ids[4]}, 2); });
  PARLEY_ASSERT_OK(end);
  EXPECT_TRUE(end->empty());
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.listMessages(globex, convId, core::MessageId{}, 10); }),
                     ErrorCode::NotFound);
}

TYPED_TEST_P(StoreContract, LastIncomingMessageIsTheCustomersNewest) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto web = this->inbox(acme, "Web");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  auto last = [&](core::TenantId t) { return this->r([&](StoreTx& tx) { return tx.lastIncomingMessage(t, convId); }); };
  PARLEY_EXPECT_CODE(last(acme), ErrorCode::NotFound);
  this->message(messageIn(conv, convId, "first"));
  auto newest = this->message(messageIn(conv, convId, "second"));
  core::Message answer = messageIn(conv, convId, "our answer");
  answer.direction = core::MessageDirection::Outgoing;
  answer.sender_contact_id = {};
  this->message(answer);
  auto got = last(acme);
  PARLEY_ASSERT_OK(got);
  EXPECT_EQ(got->id, newest);
  EXPECT_EQ(got->text, "second");
  PARLEY_EXPECT_CODE(last(globex), ErrorCode::NotFound);
}

TYPED_TEST_P(StoreContract, UpdateMessageChangesContentDeliveryAndExternalIdOnly) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto web = this->inbox(acme, "Web");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  core::Message m = messageIn(conv, convId, "Hallo");
  m.direction = core::MessageDirection::Outgoing;
  m.sender_contact_id = {};
  m.external_id = "ext-1";
  m.delivery_status = core::DeliveryStatus::Sent;
  m.id = this->message(m);

  core::Message changed = m;
  changed.text = "Hallo (bearbeitet)";
  changed.kind = core::MessageKind::Template;
  changed.payload_json = R"({"template":{"name":"order_update","language":"de","parameters":["4711"]}})";
  changed.external_id = "ext-2";
  changed.delivery_status = core::DeliveryStatus::Read;
  changed.delivery_error = "";
  changed.updated_at = m.updated_at + 5'000;
  // Not writable through updateMessage:
  changed.direction = core::MessageDirection::Note;
  changed.created_at = 1;
  changed.location_name = "nowhere";
  changed.latitude = 48.1;
  changed.longitude = 11.5;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateMessage(changed); }));
  core::Message want = m;
  want.text = changed.text;
  want.kind = changed.kind;
  want.payload_json = changed.payload_json;
  want.external_id = changed.external_id;
  want.delivery_status = changed.delivery_status;
  want.updated_at = changed.updated_at;
  PARLEY_EXPECT_SAME(this->getMessage(acme, m.id), want);
  // The old provider id no longer names the message.
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(web, "ext-1"); }),
                     ErrorCode::NotFound);

  core::Message failed = want;
  failed.delivery_status = core::DeliveryStatus::Failed;
  failed.delivery_error = "recipient blocked";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateMessage(failed); }));
  PARLEY_EXPECT_SAME(this->getMessage(acme, m.id), failed);

  core::Message foreign = failed;
  foreign.tenant_id = globex;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateMessage(foreign); }), ErrorCode::NotFound);
}

TYPED_TEST_P(StoreContract, ProviderMessageIdsDeduplicatePerInbox) {
  auto acme = this->tenant("Acme");
  auto a = this->inbox(acme, "A");
  auto b = this->inbox(acme, "B");
  auto carl = this->contact(acme, "Carl");
  core::Conversation convA = conversationIn(acme, a, carl);
  auto convAId = this->conversation(convA);
  core::Conversation convB = conversationIn(acme, b, carl);
  auto convBId = this->conversation(convB);

  core::Message first = messageIn(convA, convAId, "Hallo");
  first.external_id = "wamid.42";
  first.id = this->message(first);
  auto found = this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(a, "wamid.42"); });
  PARLEY_ASSERT_OK(found);
  PARLEY_EXPECT_SAME(*found, first);

  // The provider retries its webhook: the second delivery is refused.
  core::Message retry = first;
  retry.id = {};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.insertMessage(retry); }), ErrorCode::Conflict);
  EXPECT_EQ(this->messageCount(), 1);
  // The same id from another inbox is another message; empty ids never collide.
  core::Message elsewhere = messageIn(convB, convBId, "Hallo");
  elsewhere.external_id = "wamid.42";
  this->message(elsewhere);
  this->message(messageIn(convA, convAId, "note 1"));
  this->message(messageIn(convA, convAId, "note 2"));
  EXPECT_EQ(this->messageCount(), 4);

  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(a, ""); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(a, "wamid.43"); }),
                     ErrorCode::NotFound);
  found = this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(b, "wamid.42"); });
  PARLEY_ASSERT_OK(found);
  EXPECT_EQ(found->inbox_id, b);
}

TYPED_TEST_P(StoreContract, MessageKindAndPayloadComeBackFromEveryRead) {
  auto acme = this->tenant("Acme");
  auto wa = this->inbox(acme, "WhatsApp");
  core::Conversation conv = conversationIn(acme, wa, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  const std::vector<std::pair<core::MessageKind, std::string>> kinds = {
      {core::MessageKind::Text, "{}"},
      {core::MessageKind::Image, R"({"caption":"Foto vom Schaden"})"},
      {core::MessageKind::Audio, R"({"voice":true})"},
      {core::MessageKind::Video, "{}"},
      {core::MessageKind::Document, R"({"filename":"Rechnung März.pdf"})"},
      {core::MessageKind::Sticker, R"({"animated":false})"},
      {core::MessageKind::Location, R"({"address":"Unter den Linden 1, 10117 Berlin"})"},
      {core::MessageKind::Contacts, R"({"contacts":[{"name":"Jürgen Groß","phones":["+49 30 1234567"]}]})"},
      {core::MessageKind::Interactive, R"({"button_reply":{"id":"yes","title":"Ja, bitte 👍"}})"},
      {core::MessageKind::Reaction, R"({"emoji":"❤️","message_id":"wamid.k1"})"},
      {core::MessageKind::Template, R"({"name":"order_update","language":"de","parameters":["4711"]})"},
      {core::MessageKind::Unsupported, R"({"type":"ephemeral","raw":"{\"a\":[1,2]}"})"},
  };
  std::vector<core::Message> sent;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    core::Message m = messageIn(conv, convId, cat("Paket ", core::toString(kinds[i].first)));
    m.kind = kinds[i].first;
    m.payload_json = kinds[i].second;
    m.external_id = cat("wamid.k", std::to_string(i));
    m.id = this->message(m);
    sent.push_back(m);
  }
  for (const auto& m : sent) {
    PARLEY_EXPECT_SAME(this->getMessage(acme, m.id), m) << core::toString(m.kind);
    auto found = this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(wa, m.external_id); });
    PARLEY_ASSERT_OK(found);
    PARLEY_EXPECT_SAME(*found, m) << core::toString(m.kind);
  }
  auto listed = this->must(this->r([&](StoreTx& tx) { return tx.listMessages(acme, convId, core::MessageId{}, 100); }),
                           "listMessages");
  ASSERT_EQ(listed.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) PARLEY_EXPECT_SAME(listed[i], sent[i]) << core::toString(sent[i].kind);
  app::MessageSearch search;
  search.tenant_id = acme;
  search.query = "paket";
  search.limit = 100;
  auto found = this->must(this->r([&](StoreTx& tx) { return tx.searchMessages(search); }), "searchMessages");
  ASSERT_EQ(found.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    PARLEY_EXPECT_SAME(found[i], sent[sent.size() - 1 - i]) << "newest first";
  }

  // A message written without the new fields is a text message without extras.
  core::Message plain = messageIn(conv, convId, "plain");
  plain.id = this->message(plain);
  core::Message got = this->getMessage(acme, plain.id);
  EXPECT_EQ(got.kind, core::MessageKind::Text);
  EXPECT_EQ(got.payload_json, "{}");
}

TYPED_TEST_P(StoreContract, OutgoingMessageGetsItsProviderIdOnceAccepted) {
  auto acme = this->tenant("Acme");
  auto ann = this->user(acme, "ann@acme.example");
  auto wa = this->inbox(acme, "WhatsApp");
  auto tg = this->inbox(acme, "Telegram");
  auto carl = this->contact(acme, "Carl");
  core::Conversation conv = conversationIn(acme, wa, carl);
  auto convId = this->conversation(conv);
  core::Conversation convTg = conversationIn(acme, tg, carl);
  auto convTgId = this->conversation(convTg);
  core::Message incoming = messageIn(conv, convId, "Haben Sie ein Foto?");
  incoming.external_id = "wamid.IN1";
  incoming.id = this->message(incoming);
  auto outgoing = [&](const core::Conversation& c, core::ConversationId id, const std::string& text) {
    core::Message m = messageIn(c, id, text);
    m.direction = core::MessageDirection::Outgoing;
    m.sender_contact_id = {};
    m.sender_user_id = ann;
    m.kind = core::MessageKind::Image;
    m.payload_json = R"({"caption":"Hier"})";
    m.delivery_status = core::DeliveryStatus::Pending;
    m.id = this->message(m);
    return m;
  };
  core::Message reply = outgoing(conv, convId, "Hier ist das Foto");
  core::Message second = outgoing(conv, convId, "Und noch eins");
  EXPECT_TRUE(this->getMessage(acme, reply.id).external_id.empty()) << "not accepted by the provider yet";

  // The provider accepted the reply: its message id is stored with the new delivery status, and
  // the delivery receipts that name it find the message.
  core::Message accepted = reply;
  accepted.external_id = "wamid.OUT1";
  accepted.delivery_status = core::DeliveryStatus::Sent;
  accepted.updated_at = reply.updated_at + 800;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateMessage(accepted); }));
  auto found = this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(wa, "wamid.OUT1"); });
  PARLEY_ASSERT_OK(found);
  PARLEY_EXPECT_SAME(*found, accepted);

  // A provider id in use in the inbox, incoming or outgoing, cannot be given to another message:
  // Conflict, and nothing of that update is stored.
  for (const char* taken : {"wamid.OUT1", "wamid.IN1"}) {
    SCOPED_TRACE(taken);
    core::Message clash = second;
    clash.external_id = taken;
    clash.text = "changed";
    clash.delivery_status = core::DeliveryStatus::Sent;
    PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateMessage(clash); }), ErrorCode::Conflict);
    PARLEY_EXPECT_SAME(this->getMessage(acme, second.id), second);
  }
  // The transaction goes on after the Conflict.
  Status same = this->store().write([&](StoreTx& tx) -> Status {
    core::Message clash = second;
    clash.external_id = "wamid.IN1";
    PARLEY_EXPECT_CODE(tx.updateMessage(clash), ErrorCode::Conflict);
    core::Message ok = second;
    ok.external_id = "wamid.OUT2";
    ok.delivery_status = core::DeliveryStatus::Sent;
    return tx.updateMessage(ok);
  });
  PARLEY_ASSERT_OK(same);
  second.external_id = "wamid.OUT2";
  second.delivery_status = core::DeliveryStatus::Sent;
  PARLEY_EXPECT_SAME(this->getMessage(acme, second.id), second);
  found = this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(wa, "wamid.OUT2"); });
  PARLEY_ASSERT_OK(found);
  EXPECT_EQ(found->id, second.id);

  // Setting the id again (a repeated provider answer) is no conflict with itself; the same id in
  // another inbox belongs to another message.
  PARLEY_EXPECT_OK(this->w([&](StoreTx& tx) { return tx.updateMessage(accepted); }));
  core::Message tgReply = outgoing(convTg, convTgId, "Telegram");
  tgReply.external_id = "wamid.OUT1";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateMessage(tgReply); }));
  found = this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(tg, "wamid.OUT1"); });
  PARLEY_ASSERT_OK(found);
  EXPECT_EQ(found->id, tgReply.id);
  found = this->r([&](StoreTx& tx) { return tx.findMessageByExternalId(wa, "wamid.OUT1"); });
  PARLEY_ASSERT_OK(found);
  EXPECT_EQ(found->id, reply.id);

  // Messages without a provider id never collide, also when updated.
  core::Message third = outgoing(conv, convId, "drei");
  core::Message fourth = outgoing(conv, convId, "vier");
  third.text = "drei (bearbeitet)";
  fourth.delivery_status = core::DeliveryStatus::Failed;
  fourth.delivery_error = "rejected";
  PARLEY_EXPECT_OK(this->w([&](StoreTx& tx) { return tx.updateMessage(third); }));
  PARLEY_EXPECT_OK(this->w([&](StoreTx& tx) { return tx.updateMessage(fourth); }));
  PARLEY_EXPECT_SAME(this->getMessage(acme, third.id), third);
  PARLEY_EXPECT_SAME(this->getMessage(acme, fourth.id), fourth);
}

// --- attachments --------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, AttachmentsRoundTripAndLinkToTheirMessage) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto web = this->inbox(acme, "Web");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  auto uploader = this->user(acme, "uploader@acme.test");
  auto attach = [&](core::TenantId t, const std::string& name) {
    core::Attachment a;
    a.tenant_id = t;
    if (t == acme) a.uploaded_by = uploader;  // read back as written; unset reads as unset
    a.sha256 = std::string(64, 'a');
    a.size = 48'213;
    a.content_type = "image/jpeg";
    a.filename = name;
    a.created_at = 1'700'000'005'000;
    auto id = this->w([&](StoreTx& tx) { return tx.insertAttachment(a); });
    a.id = this->must(std::move(id), "insertAttachment");
    return a;
  };
  core::Attachment photo = attach(acme, "Rechnung März.jpg");
  core::Attachment scan = attach(acme, "scan.pdf");
  core::Attachment foreign = attach(globex, "foreign.jpg");
  auto got = this->r([&](StoreTx& tx) { return tx.getAttachment(acme, photo.id); });
  PARLEY_ASSERT_OK(got);
  PARLEY_EXPECT_SAME(*got, photo);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getAttachment(globex, photo.id); }), ErrorCode::NotFound);

  core::Message m = messageIn(conv, convId, "Anbei die Rechnung");
  m.attachment_ids = {scan.id, photo.id};
  m.id = this->message(m);
  core::Message read = this->getMessage(acme, m.id);
  EXPECT_EQ(values(read.attachment_ids), (std::vector<std::int64_t>{photo.id.value, scan.id.value}));
  got = this->r([&](StoreTx& tx) { return tx.getAttachment(acme, photo.id); });
  PARLEY_ASSERT_OK(got);
  EXPECT_EQ(got->message_id, m.id);

  core::Message again = messageIn(conv, convId, "noch mal");
  again.attachment_ids = {photo.id};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.insertMessage(again); }), ErrorCode::Conflict);
  again.attachment_ids = {foreign.id};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.insertMessage(again); }), ErrorCode::NotFound);
  EXPECT_EQ(this->messageCount(), 1);

  // An attachment may also be created already linked.
  core::Attachment late;
  late.tenant_id = acme;
  late.message_id = m.id;
  late.sha256 = std::string(64, 'b');
  late.size = 1;
  late.content_type = "text/plain";
  late.filename = "late.txt";
  auto lateId = this->w([&](StoreTx& tx) { return tx.insertAttachment(late); });
  PARLEY_ASSERT_OK(lateId);
  read = this->getMessage(acme, m.id);
  EXPECT_EQ(values(read.attachment_ids), (std::vector<std::int64_t>{photo.id.value, scan.id.value, lateId->value}));
  auto listed = this->r([&](StoreTx& tx) { return tx.listMessages(acme, convId, core::MessageId{}, 10); });
  PARLEY_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].attachment_ids, read.attachment_ids);
}

TYPED_TEST_P(StoreContract, PendingAttachmentIsCompletedThroughUpdateAttachment) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto wa = this->inbox(acme, "WhatsApp");
  core::Conversation conv = conversationIn(acme, wa, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  auto get = [&](core::AttachmentId id) {
    return this->must(this->r([&](StoreTx& tx) { return tx.getAttachment(acme, id); }), "getAttachment");
  };

  core::Attachment pending = pendingAttachmentIn(acme, "wa-media:1234567890", 1'700'000'006'000);
  pending.filename = "Schaden.jpg";
  pending.id = this->must(this->w([&](StoreTx& tx) { return tx.insertAttachment(pending); }), "insertAttachment");
  core::Attachment got = get(pending.id);
  PARLEY_EXPECT_SAME(got, pending);
  EXPECT_TRUE(got.sha256.empty());
  EXPECT_EQ(got.size, 0);
  EXPECT_EQ(got.state, core::AttachmentState::Pending);

  // The customer's message refers to it at once; the bytes come later.
  core::Message m = messageIn(conv, convId, "");
  m.kind = core::MessageKind::Image;
  m.payload_json = R"({"caption":"Der Schaden"})";
  m.attachment_ids = {pending.id};
  m.id = this->message(m);
  pending.message_id = m.id;
  PARLEY_EXPECT_SAME(get(pending.id), pending);

  // The first fetch fails: try again later. message_id and created_at are not written.
  core::Attachment retry = pending;
  retry.fetch_attempts = 1;
  retry.next_fetch_at = pending.next_fetch_at + 30'000;
  retry.error = "HTTP 503 from the provider";
  core::Attachment sent = retry;
  sent.message_id = {};
  sent.created_at = 1;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateAttachment(sent); }));
  PARLEY_EXPECT_SAME(get(pending.id), retry);

  // The second one stores the bytes.
  core::Attachment stored = retry;
  stored.state = core::AttachmentState::Stored;
  stored.sha256 = std::string(64, 'c');
  stored.size = 183'422;
  stored.content_type = "image/jpeg";
  stored.error = "";
  stored.fetch_attempts = 2;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateAttachment(stored); }));
  PARLEY_EXPECT_SAME(get(pending.id), stored);
  EXPECT_EQ(values(this->getMessage(acme, m.id).attachment_ids), (std::vector<std::int64_t>{pending.id.value}));

  // Media that expired at the provider: given up, with the reason.
  core::Attachment expired = pendingAttachmentIn(acme, "wa-media:2", 1'700'000'007'000);
  expired.id = this->must(this->w([&](StoreTx& tx) { return tx.insertAttachment(expired); }), "insertAttachment");
  core::Attachment failed = expired;
  failed.state = core::AttachmentState::Failed;
  failed.error = "media no longer available (404)";
  failed.fetch_attempts = 5;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateAttachment(failed); }));
  PARLEY_EXPECT_SAME(get(expired.id), failed);

  core::Attachment foreign = failed;
  foreign.tenant_id = globex;
  foreign.error = "foreign";
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateAttachment(foreign); }), ErrorCode::NotFound);
  core::Attachment ghost = failed;
  ghost.id = core::AttachmentId{failed.id.value + 1000};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateAttachment(ghost); }), ErrorCode::NotFound);
  PARLEY_EXPECT_SAME(get(expired.id), failed);
}

TYPED_TEST_P(StoreContract, DueAttachmentsArePendingOnesOldestFirstAcrossTenants) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto add = [&](core::TenantId t, const std::string& ref, core::TimestampMs next, core::AttachmentState state) {
    core::Attachment a = pendingAttachmentIn(t, ref, next);
    a.state = state;
    if (state == core::AttachmentState::Stored) {
      a.sha256 = std::string(64, 'd');
      a.size = 10;
      a.content_type = "image/png";
    }
    if (state == core::AttachmentState::Failed) a.error = "gave up";
    a.id = this->must(this->w([&](StoreTx& tx) { return tx.insertAttachment(a); }), "insertAttachment " + ref);
    return a;
  };
  using State = core::AttachmentState;
  core::Attachment p1 = add(acme, "p1", 300, State::Pending);
  core::Attachment p2 = add(globex, "p2", 100, State::Pending);
  add(acme, "s1", 50, State::Stored);  // stored and failed ones are never due
  core::Attachment p3 = add(acme, "p3", 200, State::Pending);
  add(globex, "f1", 60, State::Failed);
  core::Attachment p4 = add(acme, "p4", 100, State::Pending);  // due with p2: ties go by id
  core::Attachment p5 = add(acme, "p5", 900, State::Pending);  // not due yet
  auto due = [&](core::TimestampMs now, int limit) {
    return this->must(this->r([&](StoreTx& tx) { return tx.dueAttachments(now, limit); }), "dueAttachments");
  };
  using V = std::vector<std::int64_t>;

  auto now300 = due(300, 10);
  ASSERT_EQ(idsOf(now300), (V{p2.id.value, p4.id.value, p3.id.value, p1.id.value}))
      << "pending attachments of every tenant, oldest first";
  PARLEY_EXPECT_SAME(now300[0], p2);
  PARLEY_EXPECT_SAME(now300[1], p4);
  EXPECT_EQ(idsOf(due(300, 2)), (V{p2.id.value, p4.id.value}));
  EXPECT_EQ(idsOf(due(100, 10)), (V{p2.id.value, p4.id.value})) << "next_fetch_at == now is due";
  EXPECT_TRUE(due(99, 10).empty());
  // The fetcher takes them inside a write transaction.
  auto claimed = this->w([&](StoreTx& tx) { return tx.dueAttachments(300, 3); });
  PARLEY_ASSERT_OK(claimed);
  EXPECT_EQ(idsOf(*claimed), (V{p2.id.value, p4.id.value, p3.id.value}));

  // p2 is fetched (Stored: off the list), p4 failed once (due again later), p3 is given up.
  core::Attachment fetched = p2;
  fetched.state = State::Stored;
  fetched.sha256 = std::string(64, 'e');
  fetched.size = 2'048;
  fetched.content_type = "audio/ogg";
  fetched.fetch_attempts = 1;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateAttachment(fetched); }));
  core::Attachment retry = p4;
  retry.fetch_attempts = 1;
  retry.next_fetch_at = 1'000;
  retry.error = "timeout";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateAttachment(retry); }));
  core::Attachment gaveUp = p3;
  gaveUp.state = State::Failed;
  gaveUp.error = "unsupported media";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateAttachment(gaveUp); }));

  EXPECT_EQ(idsOf(due(300, 10)), (V{p1.id.value}));
  auto later = due(1'000, 10);
  ASSERT_EQ(idsOf(later), (V{p1.id.value, p5.id.value, p4.id.value}));
  PARLEY_EXPECT_SAME(later[2], retry);
}

TYPED_TEST_P(StoreContract, ReferencedBlobsAreTheHashesAttachmentRowsStillName) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  const std::string shared(64, 'a'), acme_only(64, 'b'), unsent(64, 'c'), never(64, 'f');
  auto namesAny = [&] { return this->must(this->r([&](StoreTx& tx) { return tx.namesAnyBlob(); }), "namesAnyBlob"); };
  EXPECT_FALSE(namesAny()) << "an empty database names no file";
  auto add = [&](core::TenantId t, const std::string& sha) {
    core::Attachment a;
    a.tenant_id = t;
    a.sha256 = sha;
    a.size = 10;
    a.content_type = "image/png";
    a.filename = "x.png";
    a.created_at = 1'700'000'006'000;
    a.id = this->must(this->w([&](StoreTx& tx) { return tx.insertAttachment(a); }), "insertAttachment");
    return a;
  };
  auto pending = pendingAttachmentIn(acme, "media-9", 5);  // no bytes yet: names no hash
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.insertAttachment(pending); }));
  EXPECT_FALSE(namesAny()) << "a pending file names no hash yet";
  add(acme, shared);
  EXPECT_TRUE(namesAny());
  add(globex, shared);
  add(acme, acme_only);
  core::Attachment taken_back = add(globex, unsent);

  auto referenced = [&](std::vector<std::string> hashes) {
    auto found = this->must(this->r([&](StoreTx& tx) { return tx.referencedBlobs(hashes); }), "referencedBlobs");
    std::sort(found.begin(), found.end());
    return found;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(referenced({shared, acme_only, unsent, never}), (V{shared, acme_only, unsent})) << "every tenant's rows count";
  EXPECT_EQ(referenced({never}), V{});
  EXPECT_EQ(referenced({}), V{});
  EXPECT_EQ(referenced({"", "x\"y"}), V{}) << "odd input matches nothing rather than failing";

  // The customer unsent the file: its row stays, without the hash, so the bytes can go.
  taken_back.sha256.clear();
  taken_back.state = core::AttachmentState::Failed;
  taken_back.error = "unsent";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateAttachment(taken_back); }));
  EXPECT_EQ(referenced({shared, unsent}), V{shared});

  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.referencedBlobs(std::vector<std::string>(1001, never)); }),
                     ErrorCode::InvalidInput);
}

// --- search -------------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, SearchFindsGermanWordsWithUmlautsAndPrefixes) {
  auto acme = this->tenant("Acme");
  auto web = this->inbox(acme, "Web");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  const auto gruss = this->message(messageIn(conv, convId, "Grüße aus München! Wir freuen uns auf Ihren Besuch.")).value;
  const auto koeln = this->message(messageIn(conv, convId, "Die Lieferung nach Köln ist verspätet.")).value;
  const auto mueller = this->message(messageIn(conv, convId, "Bitte rufen Sie Herrn Müller zurück.")).value;
  this->message(messageIn(conv, convId, "Hello from Munich"));

  using V = std::vector<std::int64_t>;
  EXPECT_EQ(this->searchIds(acme, "München"), V{gruss});
  EXPECT_EQ(this->searchIds(acme, "MÜNCHEN"), V{gruss}) << "case-insensitive, umlauts included";
  EXPECT_EQ(this->searchIds(acme, "münch"), V{gruss}) << "a word is a prefix";
  EXPECT_EQ(this->searchIds(acme, "Grü"), V{gruss});
  EXPECT_EQ(this->searchIds(acme, "muller"), V{mueller}) << "typed without umlaut";
  EXPECT_EQ(this->searchIds(acme, "verspät"), V{koeln});
  EXPECT_EQ(this->searchIds(acme, "köln lieferung"), V{koeln}) << "all words, any order";
  EXPECT_EQ(this->searchIds(acme, "  Lieferung   Köln "), V{koeln});
  EXPECT_EQ(this->searchIds(acme, "köln müller"), V{}) << "every word must match";
  EXPECT_EQ(this->searchIds(acme, "freuen"), V{gruss});
  EXPECT_EQ(this->searchIds(acme, "Paris"), V{});
  EXPECT_EQ(this->searchIds(acme, ""), V{}) << "nothing asked, nothing found";
}

TYPED_TEST_P(StoreContract, SearchFindsGermanWordsWhicheverWayTheUmlautIsWritten) {
  auto acme = this->tenant("Acme");
  auto web = this->inbox(acme, "Web");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  const auto gruss = this->message(messageIn(conv, convId, "Grüße aus München, Hauptstraße 5")).value;
  const auto typed = this->message(messageIn(conv, convId, "Gruesse aus Koeln, Ringstrasse 3")).value;
  const auto neue = this->message(messageIn(conv, convId, "Die neue Rechnung kam an")).value;

  using V = std::vector<std::int64_t>;
  EXPECT_EQ(this->searchIds(acme, "Muenchen"), V{gruss}) << "ue typed for ü";
  EXPECT_EQ(this->searchIds(acme, "hauptstrasse"), V{gruss}) << "ss typed for ß";
  EXPECT_EQ(this->searchIds(acme, "Köln"), V{typed}) << "the customer wrote oe";
  EXPECT_EQ(this->searchIds(acme, "ringstraße"), V{typed});
  EXPECT_EQ(this->searchIds(acme, "Grüße"), (V{typed, gruss})) << "both spellings, newest first";
  EXPECT_EQ(this->searchIds(acme, "gruesse aus"), (V{typed, gruss}));
  EXPECT_EQ(this->searchIds(acme, "Münch"), V{gruss}) << "still a prefix";
  EXPECT_EQ(this->searchIds(acme, "neue rechnung"), V{neue}) << "eu is no umlaut";
}

TYPED_TEST_P(StoreContract, SearchTreatsQueryOperatorsAsText) {
  auto acme = this->tenant("Acme");
  auto web = this->inbox(acme, "Web");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  const auto koeln = this->message(messageIn(conv, convId, "Die Lieferung nach Köln ist verspätet.")).value;
  const auto rock = this->message(messageIn(conv, convId, "Rock AND Roll (live)")).value;

  for (const std::string query :
       {"\"", "AND", "*", "(", ")", "Köln\"", "\"Köln", "Köln AND", "NOT Köln", "Köln OR Müller", "NEAR(Köln",
        "text:Köln", "-Köln", "^Köln", "Köln*", "{Köln}", "[x]", "a:b:c", "+", "'); DROP TABLE messages; --",
        "\\", "%", "_", "\"\"\"", "*Köln", "Köln -", "\x01\x02"}) {
    app::MessageSearch search;
    search.tenant_id = acme;
    search.query = query;
    auto found = this->r([&](StoreTx& tx) { return tx.searchMessages(search); });
    EXPECT_TRUE(found.ok()) << "query [" << query << "]: " << describe(found);
  }
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(this->searchIds(acme, "AND"), V{rock}) << "AND is a word here";
  EXPECT_EQ(this->searchIds(acme, "\"Köln\""), V{koeln}) << "quotes typed by the user do no harm";
  EXPECT_EQ(this->searchIds(acme, "(live)"), V{rock});
  EXPECT_EQ(this->searchIds(acme, "Köln*"), V{koeln});
  EXPECT_EQ(this->messageCount(), 2);
}

TYPED_TEST_P(StoreContract, SearchIsNewestFirstWithCursorInboxesAndTenant) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto a = this->inbox(acme, "A");
  auto b = this->inbox(acme, "B");
  auto carl = this->contact(acme, "Carl");
  core::Conversation convA = conversationIn(acme, a, carl);
  auto convAId = this->conversation(convA);
  core::Conversation convB = conversationIn(acme, b, carl);
  auto convBId = this->conversation(convB);
  std::vector<std::int64_t> inA, all;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) -> Status {
    for (int i = 0; i < 30; ++i) {
      bool first = i % 2 == 0;
      auto id = tx.insertMessage(messageIn(first ? convA : convB, first ? convAId : convBId,
                                           cat("Ihre Rechnung Nr. ", std::to_string(1000 + i))));
      if (!id.ok()) return id.error();
      all.push_back(id->value);
      if (first) inA.push_back(id->value);
      if (i % 3 == 0) {
        auto noise = tx.insertMessage(messageIn(convA, convAId, "Lieferschein"));
        if (!noise.ok()) return noise.error();
      }
    }
    return {};
  }));
  core::Conversation gConv = conversationIn(globex, this->inbox(globex, "G"), this->contact(globex, "G"));
  this->message(messageIn(gConv, this->conversation(gConv), "Ihre Rechnung aus einem anderen Mandanten"));
  std::reverse(all.begin(), all.end());
  std::reverse(inA.begin(), inA.end());

  auto pages = [&](std::optional<std::vector<core::InboxId>> inboxes) {
    app::MessageSearch s;
    s.tenant_id = acme;
    s.query = "rechnung";
    s.inbox_ids = std::move(inboxes);
    s.limit = 7;
    std::vector<std::int64_t> seen;
    for (int guard = 0; guard < 20; ++guard) {
      auto page = this->must(this->r([&](StoreTx& tx) { return tx.searchMessages(s); }), "search page");
      EXPECT_LE(page.size(), 7u);
      if (page.empty()) break;
      for (const auto& m : page) seen.push_back(m.id.value);
      s.before = page.back().id;
    }
    return seen;
  };
  EXPECT_EQ(pages(std::nullopt), all) << "newest first, each once, never another tenant's";
  EXPECT_EQ(pages(std::vector<core::InboxId>{a}), inA);
  EXPECT_EQ(pages(std::vector<core::InboxId>{}), std::vector<std::int64_t>{});
}

TYPED_TEST_P(StoreContract, SearchFollowsEditedText) {
  auto acme = this->tenant("Acme");
  auto web = this->inbox(acme, "Web");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto convId = this->conversation(conv);
  core::Message m = messageIn(conv, convId, "Meine alte Adresse ist Hauptstraße 1");
  m.id = this->message(m);
  EXPECT_EQ(this->searchIds(acme, "alte"), std::vector<std::int64_t>{m.id.value});
  m.text = "Meine neue Anschrift ist Gartenweg 2";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateMessage(m); }));
  EXPECT_TRUE(this->searchIds(acme, "alte").empty()) << "the old text is gone from the index";
  EXPECT_EQ(this->searchIds(acme, "anschrift garten"), std::vector<std::int64_t>{m.id.value});
}

// --- canned responses ---------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, CannedResponsesUniquePerShortCodeAndLanguage) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto make = [&](core::TenantId t, const std::string& code, core::Language language) {
    core::CannedResponse r;
    r.tenant_id = t;
    r.short_code = code;
    r.language = language;
    r.content = "Hallo {{contact.name}}";
    r.created_at = 1'700'000'006'000;
    r.updated_at = 1'700'000'006'000;
    return r;
  };
  core::CannedResponse de = make(acme, "greet", core::Language::De);
  de.id = this->must(this->w([&](StoreTx& tx) { return tx.createCannedResponse(de); }), "create de");
  core::CannedResponse en = make(acme, "greet", core::Language::En);
  en.content = "Hello {{contact.name}}";
  en.id = this->must(this->w([&](StoreTx& tx) { return tx.createCannedResponse(en); }), "create en");
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.createCannedResponse(make(acme, "greet", core::Language::De)); }),
                     ErrorCode::Conflict);
  // The Conflict's message is what the API answers with its 409: the same words on every
  // backend, never the database's own text (table and column names).
  auto duplicate = this->w([&](StoreTx& tx) { return tx.createCannedResponse(make(acme, "greet", core::Language::De)); });
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().message, "a canned response with this short code and language already exists");
  core::CannedResponse other = make(globex, "greet", core::Language::De);
  other.id = this->must(this->w([&](StoreTx& tx) { return tx.createCannedResponse(other); }), "create other tenant");

  auto got = this->r([&](StoreTx& tx) { return tx.getCannedResponse(acme, de.id); });
  PARLEY_ASSERT_OK(got);
  PARLEY_EXPECT_SAME(*got, de);
  auto list = this->r([&](StoreTx& tx) { return tx.listCannedResponses(acme); });
  PARLEY_ASSERT_OK(list);
  ASSERT_EQ(idsOf(*list), (std::vector<std::int64_t>{de.id.value, en.id.value}));
  PARLEY_EXPECT_SAME((*list)[1], en);

  core::CannedResponse changed = de;
  changed.short_code = "hello";
  changed.content = "Guten Tag {{contact.name}}";
  changed.updated_at = 1'700'000'007'000;
  changed.created_at = 1;  // not writable
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateCannedResponse(changed); }));
  changed.created_at = de.created_at;
  got = this->r([&](StoreTx& tx) { return tx.getCannedResponse(acme, de.id); });
  PARLEY_ASSERT_OK(got);
  PARLEY_EXPECT_SAME(*got, changed);

  core::CannedResponse clash = en;
  clash.short_code = "hello";
  clash.language = core::Language::De;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateCannedResponse(clash); }), ErrorCode::Conflict);
  core::CannedResponse foreign = changed;
  foreign.tenant_id = globex;
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateCannedResponse(foreign); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getCannedResponse(globex, de.id); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteCannedResponse(globex, de.id); }),
                     ErrorCode::NotFound);

  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteCannedResponse(acme, de.id); }));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getCannedResponse(acme, de.id); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteCannedResponse(acme, de.id); }), ErrorCode::NotFound);
  // The short code is free again.
  PARLEY_EXPECT_OK(this->w([&](StoreTx& tx) { return tx.createCannedResponse(make(acme, "hello", core::Language::De)); }));
}

// --- outbox -------------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, OutboxDueUpdateAndDepth) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto web = this->inbox(acme, "Web");
  auto gInbox = this->inbox(globex, "G");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto msg = this->message(messageIn(conv, this->conversation(conv), "reply"));
  auto make = [&](core::TenantId t, core::InboxId inbox, const std::string& key, core::TimestampMs next) {
    core::OutboxItem item;
    item.tenant_id = t;
    item.inbox_id = inbox;
    item.message_id = t == acme ? msg : core::MessageId{};
    item.idempotency_key = key;
    static const char kPayload[] = "{\"text\":\"Grüße\"}\0\xff\x01";  // exact bytes, not just text
    item.payload = std::string(kPayload, sizeof kPayload - 1);
    item.next_attempt_at = next;
    item.created_at = 1'700'000'000'000;
    item.updated_at = 1'700'000'000'000;
    item.id = this->must(this->w([&](StoreTx& tx) { return tx.enqueueOutbox(item); }), "enqueue " + key);
    return item;
  };
  core::OutboxItem i1 = make(acme, web, "k1", 50);
  core::OutboxItem i2 = make(globex, gInbox, "k2", 100);
  core::OutboxItem i3 = make(acme, web, "k3", 200);
  core::OutboxItem i4 = make(acme, web, "k4", 100);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) {
                       core::OutboxItem dup = i1;
                       dup.id = {};
                       return tx.enqueueOutbox(dup);
                     }),
                     ErrorCode::Conflict);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) {
                       core::OutboxItem cross = i1;
                       cross.idempotency_key = "cross";
                       cross.inbox_id = gInbox;
                       return tx.enqueueOutbox(cross);
                     }),
                     ErrorCode::NotFound);
  auto depth = [&] { return this->must(this->r([](StoreTx& tx) { return tx.outboxDepth(); }), "outboxDepth"); };
  auto due = [&](core::TimestampMs now, int limit) {
    return this->must(this->r([&](StoreTx& tx) { return tx.dueOutbox(now, limit, {}); }), "dueOutbox");
  };
  EXPECT_EQ(depth(), 4);

  auto now100 = due(100, 10);
  ASSERT_EQ(idsOf(now100), (std::vector<std::int64_t>{i1.id.value, i2.id.value, i4.id.value}))
      << "due items of every tenant, oldest first; k3 is not due yet";
  PARLEY_EXPECT_SAME(now100[0], i1);
  EXPECT_EQ(idsOf(due(100, 2)), (std::vector<std::int64_t>{i1.id.value, i2.id.value}));
  EXPECT_TRUE(due(49, 10).empty());
  // Shards: each worker sees only the items of its inboxes (inbox_id % count == index), and the
  // shards together see every due item once, in the same order.
  for (int count : {2, 3}) {
    std::vector<std::int64_t> seen;
    for (int index = 0; index < count; ++index) {
      auto part = this->must(this->r([&](StoreTx& tx) { return tx.dueOutbox(100, 10, app::OutboxShard{index, count}); }), "shard");
      for (const auto& item : part) {
        EXPECT_EQ(item.inbox_id.value % count, index);
        seen.push_back(item.id.value);
      }
      auto marked = this->must(this->r([&](StoreTx& tx) { return tx.sendingOutbox(10, app::OutboxShard{index, count}); }), "shard");
      EXPECT_TRUE(marked.empty());
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, idsOf(now100)) << count;
  }
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.dueOutbox(100, 10, app::OutboxShard{2, 2}); }), ErrorCode::InvalidInput);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.sendingOutbox(10, app::OutboxShard{0, 0}); }), ErrorCode::InvalidInput);

  core::OutboxItem done = i1;
  done.state = core::OutboxState::Done;
  done.attempts = 1;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateOutbox(done); }));
  core::OutboxItem retry = i2;
  retry.attempts = 1;
  retry.next_attempt_at = 500;
  retry.last_error = "HTTP 503 from provider";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateOutbox(retry); }));
  core::OutboxItem failed = i4;
  failed.state = core::OutboxState::Failed;
  failed.attempts = 8;
  failed.last_error = "gave up";
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateOutbox(failed); }));

  EXPECT_EQ(depth(), 2) << "done and failed items are no longer pending";
  EXPECT_TRUE(due(100, 10).empty());
  auto later = due(500, 10);
  ASSERT_EQ(idsOf(later), (std::vector<std::int64_t>{i3.id.value, i2.id.value}));
  EXPECT_EQ(later[1].attempts, 1);
  EXPECT_EQ(later[1].next_attempt_at, 500);
  EXPECT_EQ(later[1].last_error, "HTTP 503 from provider");
  EXPECT_EQ(later[1].payload, i2.payload);

  core::OutboxItem ghost = i3;
  ghost.id = core::OutboxId{i4.id.value + 1000};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateOutbox(ghost); }), ErrorCode::NotFound);
}

TYPED_TEST_P(StoreContract, OutboxSendingMarkIsAClaimAndSurvivesAsInterrupted) {
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto web = this->inbox(acme, "Web");
  core::Conversation conv = conversationIn(acme, web, this->contact(acme, "Carl"));
  auto msg = this->message(messageIn(conv, this->conversation(conv), "reply"));
  auto make = [&](const std::string& key) {
    core::OutboxItem item = outboxItemOf(acme, web, msg, key);
    item.id = this->must(this->w([&](StoreTx& tx) { return tx.enqueueOutbox(item); }), "enqueue " + key);
    return item;
  };
  core::OutboxItem first = make("s1");
  core::OutboxItem second = make("s2");
  auto sending = [&] { return this->must(this->r([](StoreTx& tx) { return tx.sendingOutbox(10, {}); }), "sendingOutbox"); };
  EXPECT_TRUE(sending().empty()) << "new items are not being sent";

  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.markOutboxSending(first.id, 0, 1000, 61'000); }));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.markOutboxSending(first.id, 0, 1001, 61'001); }),
                     ErrorCode::Conflict);  // a second worker finds it taken
  // Re-marked with the values it has, a marked item is held and unchanged (app/echo_claim.hpp).
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.markOutboxSending(first.id, 1000, 1000, 61'000); }));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.markOutboxSending(core::OutboxId{second.id.value + 100}, 0, 1, 2); }),
                     ErrorCode::NotFound);
  auto marked = sending();
  ASSERT_EQ(idsOf(marked), (std::vector<std::int64_t>{first.id.value}));
  EXPECT_EQ(marked[0].sending_since, 1000);
  EXPECT_EQ(marked[0].next_attempt_at, 61'000) << "the lease keeps it from other workers' polls";
  EXPECT_EQ(marked[0].attempts, 0);
  EXPECT_EQ(idsOf(this->must(this->r([](StoreTx& tx) { return tx.dueOutbox(2000, 10, {}); }), "due")),
            (std::vector<std::int64_t>{second.id.value}));

  // The outcome clears the mark and keeps the throttle count.
  core::OutboxItem done = marked[0];
  done.sending_since = 0;
  done.throttled = 3;
  done.state = core::OutboxState::Done;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateOutbox(done); }));
  EXPECT_TRUE(sending().empty());
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.markOutboxSending(first.id, 1000, 1000, 61'000); }),
                     ErrorCode::Conflict);  // an echo's claim comes too late once the outcome is written
  // A done item is never marked (sent) again.
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.markOutboxSending(first.id, 0, 3000, 4000); }),
                     ErrorCode::Conflict);

  // The newest item of a message, within its tenant only.
  auto byMessage = this->must(this->r([&](StoreTx& tx) { return tx.outboxForMessage(acme, msg); }), "outboxForMessage");
  EXPECT_EQ(byMessage.id, second.id);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.outboxForMessage(globex, msg); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.outboxForMessage(acme, core::MessageId{msg.value + 999}); }),
                     ErrorCode::NotFound);
  core::OutboxItem reread = this->must(this->r([&](StoreTx& tx) { return tx.outboxForMessage(acme, msg); }), "reread");
  PARLEY_EXPECT_SAME(reread, second);
}

// The items an echo may prove sent (app/echo_claim.hpp): of one inbox, pending, in their send call
// or waiting for a retry after an attempt; most recently touched first; held by the same
// compare-and-set as a send call (sending_since expected 0), refused once finished.
TYPED_TEST_P(StoreContract, FailedOutboxIsAnInboxsItemsFailedForOneReasonSinceATime) {
  auto acme = this->tenant("Acme");
  auto insta = this->inbox(acme, "Instagram");
  auto other = this->inbox(acme, "X");
  core::Conversation conv = conversationIn(acme, insta, this->contact(acme, "Carl"));
  auto msg = this->message(messageIn(conv, this->conversation(conv), "reply"));
  const std::string interrupted = "Parley stopped while this message was being sent";
  auto make = [&](const std::string& key, core::InboxId inbox, core::OutboxState state, const std::string& error,
                  core::TimestampMs touched) {
    core::OutboxItem item = outboxItemOf(acme, inbox, msg, key);
    item.state = state;
    item.attempts = 1;
    item.last_error = error;
    item.updated_at = touched;
    item.id = this->must(this->w([&](StoreTx& tx) { return tx.enqueueOutbox(item); }), "enqueue " + key);
    return item;
  };
  const auto old = make("old", insta, core::OutboxState::Failed, interrupted, 100);
  const auto recent = make("recent", insta, core::OutboxState::Failed, interrupted, 500);
  const auto newest = make("newest", insta, core::OutboxState::Failed, interrupted, 900);
  make("other reason", insta, core::OutboxState::Failed, "HTTP 400", 800);
  make("pending", insta, core::OutboxState::Pending, interrupted, 850);
  make("elsewhere", other, core::OutboxState::Failed, interrupted, 700);
  auto failed = [&](core::TimestampMs since, int limit) {
    return idsOf(this->must(this->r([&](StoreTx& tx) { return tx.failedOutbox(insta, interrupted, since, limit); }),
                            "failedOutbox"));
  };
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(failed(0, 10), (V{newest.id.value, recent.id.value, old.id.value})) << "most recently updated first";
  EXPECT_EQ(failed(500, 10), (V{newest.id.value, recent.id.value})) << "updated at `since` counts";
  EXPECT_EQ(failed(0, 1), (V{newest.id.value})) << "bounded";
  auto rows = this->must(this->r([&](StoreTx& tx) { return tx.failedOutbox(insta, interrupted, 0, 10); }), "rows");
  ASSERT_EQ(rows.size(), 3u);
  PARLEY_EXPECT_SAME(rows[1], recent);
  EXPECT_TRUE(this->must(this->r([&](StoreTx& tx) { return tx.failedOutbox(insta, "no such reason", 0, 10); }), "none").empty());
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.failedOutbox(insta, interrupted, 0, 0); }), ErrorCode::InvalidInput);
}

TYPED_TEST_P(StoreContract, AttemptedOutboxIsAnInboxsItemsInTheirSendCallOrAwaitingTheirRetry) {
  auto acme = this->tenant("Acme");
  auto insta = this->inbox(acme, "Instagram");
  auto other = this->inbox(acme, "X");
  core::Conversation conv = conversationIn(acme, insta, this->contact(acme, "Carl"));
  auto msg = this->message(messageIn(conv, this->conversation(conv), "reply"));
  auto make = [&](const std::string& key, core::InboxId inbox, core::OutboxState state, int attempts, core::TimestampMs touched) {
    core::OutboxItem item = outboxItemOf(acme, inbox, msg, key);
    item.state = state;
    item.attempts = attempts;
    item.last_error = attempts > 0 ? "Timeout was reached" : "";
    item.next_attempt_at = touched + 1000;
    item.updated_at = touched;
    item.id = this->must(this->w([&](StoreTx& tx) { return tx.enqueueOutbox(item); }), "enqueue " + key);
    return item;
  };
  const auto fresh = make("fresh", insta, core::OutboxState::Pending, 0, 100);
  const auto waiting = make("waiting", insta, core::OutboxState::Pending, 1, 300);
  const auto later = make("later", insta, core::OutboxState::Pending, 2, 500);
  make("failed", insta, core::OutboxState::Failed, 3, 900);
  make("done", insta, core::OutboxState::Done, 1, 950);
  make("elsewhere", other, core::OutboxState::Pending, 1, 700);
  auto attempted = [&](int limit) {
    return idsOf(this->must(this->r([&](StoreTx& tx) { return tx.attemptedOutbox(insta, limit); }), "attemptedOutbox"));
  };
  EXPECT_EQ(attempted(10), (std::vector<std::int64_t>{later.id.value, waiting.id.value}));

  // The fresh item's first send call: listed, and first (its mark is the newest touch).
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.markOutboxSending(fresh.id, 0, 1000, 61'000); }));
  EXPECT_EQ(attempted(10), (std::vector<std::int64_t>{fresh.id.value, later.id.value, waiting.id.value}));
  EXPECT_EQ(attempted(2), (std::vector<std::int64_t>{fresh.id.value, later.id.value})) << "bounded";
  auto rows = this->must(this->r([&](StoreTx& tx) { return tx.attemptedOutbox(insta, 10); }), "rows");
  ASSERT_EQ(rows.size(), 3u);
  PARLEY_EXPECT_SAME(rows[2], waiting);
  EXPECT_TRUE(this->must(this->r([&](StoreTx& tx) { return tx.attemptedOutbox(core::InboxId{other.value + 100}, 10); }),
                         "unknown inbox")
                  .empty());
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.attemptedOutbox(insta, 0); }), ErrorCode::InvalidInput);

  // A waiting item held with the values it has (the echo's claim), then finished: gone from the
  // list, and neither held nor marked for its retry any more.
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.markOutboxSending(waiting.id, 0, 0, waiting.next_attempt_at); }));
  core::OutboxItem finished = waiting;
  finished.state = core::OutboxState::Done;
  finished.last_error.clear();
  finished.updated_at = 2000;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateOutbox(finished); }));
  EXPECT_EQ(attempted(10), (std::vector<std::int64_t>{fresh.id.value, later.id.value}));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.markOutboxSending(waiting.id, 0, 0, waiting.next_attempt_at); }),
                     ErrorCode::Conflict);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.markOutboxSending(waiting.id, 0, 3000, 63'000); }),
                     ErrorCode::Conflict);
  // A waiting item the worker marked for its retry first: the hold with sending_since 0 fails.
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.markOutboxSending(later.id, 0, 3000, 63'000); }));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.markOutboxSending(later.id, 0, 0, later.next_attempt_at); }),
                     ErrorCode::Conflict);
  EXPECT_EQ(attempted(10), (std::vector<std::int64_t>{later.id.value, fresh.id.value}));
}

// --- transactions --------------------------------------------------------------------------------------------

TYPED_TEST_P(StoreContract, FailingWriteLeavesNothingStored) {
  core::TenantId created;
  Status failed = this->store().write([&](StoreTx& tx) -> Status {
    auto t = tx.createTenant(core::Tenant{{}, "Doomed", 1});
    if (!t.ok()) return t.error();
    created = *t;
    auto u = tx.createUser(userIn(*t, "doomed@example.com"));
    if (!u.ok()) return u.error();
    auto c = tx.createContact(contactIn(*t, "Doomed"));
    if (!c.ok()) return c.error();
    return core::makeError(ErrorCode::InvalidInput, "validation failed late");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::InvalidInput) << "the caller's own error comes back";
  EXPECT_EQ(failed.error().message, "validation failed late");
  ASSERT_TRUE(created.valid());
  EXPECT_EQ(this->userCount(), 0);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getTenant(created); }), ErrorCode::NotFound);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.findUserByEmail("doomed@example.com"); }),
                     ErrorCode::NotFound);
  // The e-mail was never taken.
  auto t = this->tenant("Real");
  this->user(t, "doomed@example.com");
  EXPECT_EQ(this->userCount(), 1);
}

TYPED_TEST_P(StoreContract, TransactionGoesOnAfterAFailedStatement) {
  auto acme = this->tenant("Acme");
  this->user(acme, "ann@acme.example");
  // Typical use: try to insert, and on Conflict use what is there, in the same transaction.
  Status status = this->store().write([&](StoreTx& tx) -> Status {
    auto dup = tx.createUser(userIn(acme, "ann@acme.example"));
    if (dup.ok() || dup.error().code != ErrorCode::Conflict) {
      return core::makeError(ErrorCode::Internal, "expected Conflict, got " + describe(dup));
    }
    auto existing = tx.findUserByEmail("ann@acme.example");
    if (!existing.ok()) return existing.error();
    auto ben = tx.createUser(userIn(acme, "ben@acme.example"));
    if (!ben.ok()) return ben.error();
    return {};
  });
  PARLEY_ASSERT_OK(status);
  EXPECT_EQ(this->userCount(), 2);
  PARLEY_EXPECT_OK(this->r([&](StoreTx& tx) { return tx.findUserByEmail("ben@acme.example"); }));
}

TYPED_TEST_P(StoreContract, ConcurrentWritersAreAllCommittedAndFailuresStayIsolated) {
  auto acme = this->tenant("Acme");
  constexpr int kThreads = 8;
  constexpr int kWrites = 40;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const bool fail = i % 5 == 4;
        const std::string name = cat("w", std::to_string(t), "-", std::to_string(i));
        Status s = this->store().write([&](StoreTx& tx) -> Status {
          auto c = tx.createContact(contactIn(acme, name));
          if (!c.ok()) return c.error();
          if (fail) return core::makeError(ErrorCode::InvalidInput, "job " + name + " fails on purpose");
          return {};
        });
        const bool asExpected = fail ? (!s.ok() && s.error().code == ErrorCode::InvalidInput &&
                                        s.error().message == "job " + name + " fails on purpose")
                                     : s.ok();
        if (!asExpected) unexpected.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(unexpected.load(), 0);

  std::set<std::string> want;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWrites; ++i) {
      if (i % 5 != 4) want.insert(cat("w", std::to_string(t), "-", std::to_string(i)));
    }
  }
  std::multiset<std::string> got;
  app::ContactQuery q;
  q.tenant_id = acme;
  q.limit = 100;
  for (int guard = 0; guard < 100; ++guard) {
    auto page = this->must(this->r([&](StoreTx& tx) { return tx.listContacts(q); }), "listContacts");
    if (page.empty()) break;
    for (const auto& c : page) got.insert(c.name);
    q.after = page.back().id;
  }
  EXPECT_EQ(got.size(), want.size()) << "every successful write stored once, every failed one not at all";
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
}

TYPED_TEST_P(StoreContract, ReadTransactionCannotWrite) {
  auto acme = this->tenant("Acme");
  auto ann = this->user(acme, "ann@acme.example");
  auto team = this->team(acme, "Sales");
  auto web = this->inbox(acme, "Web");
  auto carl = this->contact(acme, "Carl");
  auto dora = this->contact(acme, "Dora");
  auto idn = this->identity(identityOf(acme, carl, core::IdentityKind::Phone, "+4930555"));
  core::Conversation conv = conversationIn(acme, web, carl);
  conv.id = this->conversation(conv);
  core::Message msg = messageIn(conv, conv.id, "hi");
  msg.id = this->message(msg);
  core::Session session{"sess", acme, ann, "csrf", 2, 1};
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.createSession(session); }));
  core::ApiToken token;
  token.tenant_id = acme;
  token.user_id = ann;
  token.token_hash = "tok";
  token.id = this->must(this->w([&](StoreTx& tx) { return tx.createApiToken(token); }), "token");
  core::CannedResponse canned;
  canned.tenant_id = acme;
  canned.short_code = "hi";
  canned.id = this->must(this->w([&](StoreTx& tx) { return tx.createCannedResponse(canned); }), "canned");
  core::OutboxItem item;
  item.tenant_id = acme;
  item.inbox_id = web;
  item.idempotency_key = "k";
  item.id = this->must(this->w([&](StoreTx& tx) { return tx.enqueueOutbox(item); }), "outbox");
  core::Attachment attachment;
  attachment.tenant_id = acme;
  attachment.sha256 = "00";
  core::Attachment pending = pendingAttachmentIn(acme, "media-1", 5);
  pending.id = this->must(this->w([&](StoreTx& tx) { return tx.insertAttachment(pending); }), "attachment");

  std::vector<std::pair<std::string, std::optional<ErrorCode>>> outcomes;
  Status status = this->store().read([&](StoreTx& tx) -> Status {
    auto note = [&](const char* what, const auto& result) { outcomes.emplace_back(what, codeOf(result)); };
    core::User u = userIn(acme, "new@acme.example");
    note("createTenant", tx.createTenant(core::Tenant{{}, "T", 1}));
    note("createUser", tx.createUser(u));
    u.id = ann;
    note("updateUser", tx.updateUser(u));
    note("deleteUser", tx.deleteUser(acme, ann));
    core::Team t;
    t.tenant_id = acme;
    t.id = team;
    t.name = "X";
    note("createTeam", tx.createTeam(t));
    note("updateTeam", tx.updateTeam(t));
    note("setTeamMembers", tx.setTeamMembers(acme, team, {ann}));
    note("deleteTeam", tx.deleteTeam(acme, team));
    core::Inbox b = inboxIn(acme, "X");
    note("createInbox", tx.createInbox(b));
    b.id = web;
    note("updateInbox", tx.updateInbox(b));
    note("deleteInbox", tx.deleteInbox(acme, web));
    note("createSession", tx.createSession(core::Session{"sess2", acme, ann, "c", 2, 1}));
    note("deleteSession", tx.deleteSession("sess"));
    note("deleteUserSessions", tx.deleteUserSessions(acme, ann, ""));
    core::ApiToken tok = token;
    tok.token_hash = "tok2";
    note("createApiToken", tx.createApiToken(tok));
    note("revokeApiToken", tx.revokeApiToken(acme, ann, token.id));
    note("createContact", tx.createContact(contactIn(acme, "X")));
    core::Contact c = contactIn(acme, "Carl 2");
    c.id = carl;
    note("updateContact", tx.updateContact(c));
    note("addIdentity", tx.addIdentity(identityOf(acme, carl, core::IdentityKind::Email, "c@x.example")));
    note("deleteIdentity", tx.deleteIdentity(acme, idn));
    note("mergeContacts", tx.mergeContacts(acme, carl, dora));
    note("unmergeContact", tx.unmergeContact(acme, dora));
    note("createConversation", tx.createConversation(conversationIn(acme, web, carl)));
    core::Conversation cv = conv;
    cv.status = core::ConversationStatus::Resolved;
    note("updateConversation", tx.updateConversation(cv));
    note("insertMessage", tx.insertMessage(messageIn(conv, conv.id, "x")));
    core::Message m = msg;
    m.text = "edited";
    note("updateMessage", tx.updateMessage(m));
    note("insertAttachment", tx.insertAttachment(attachment));
    core::Attachment fetched = pending;
    fetched.state = core::AttachmentState::Stored;
    note("updateAttachment", tx.updateAttachment(fetched));
    core::CannedResponse cr = canned;
    cr.short_code = "other";
    note("createCannedResponse", tx.createCannedResponse(cr));
    cr.id = canned.id;
    note("updateCannedResponse", tx.updateCannedResponse(cr));
    note("deleteCannedResponse", tx.deleteCannedResponse(acme, canned.id));
    core::OutboxItem o = item;
    o.idempotency_key = "k2";
    note("enqueueOutbox", tx.enqueueOutbox(o));
    o.id = item.id;
    o.state = core::OutboxState::Done;
    note("updateOutbox", tx.updateOutbox(o));
    return {};
  });
  (void)status;  // a backend may also report the failed statements at commit; what counts is below
  EXPECT_EQ(outcomes.size(), 33u);
  for (const auto& [what, code] : outcomes) {
    EXPECT_EQ(code, std::optional<ErrorCode>(ErrorCode::Internal)) << what << " inside read()";
  }
  // And nothing changed.
  EXPECT_EQ(this->userCount(), 1);
  EXPECT_EQ(this->messageCount(), 1);
  EXPECT_EQ(this->getMessage(acme, msg.id).text, "hi");
  EXPECT_EQ(this->getConversation(acme, conv.id).status, core::ConversationStatus::Open);
  EXPECT_FALSE(this->getContact(acme, dora).merged_into.valid());
  PARLEY_EXPECT_OK(this->r([&](StoreTx& tx) { return tx.findSession("sess"); }));
  EXPECT_EQ(this->must(this->r([](StoreTx& tx) { return tx.outboxDepth(); }), "depth"), 1);
  auto still = this->r([&](StoreTx& tx) { return tx.getAttachment(acme, pending.id); });
  PARLEY_ASSERT_OK(still);
  EXPECT_EQ(still->state, core::AttachmentState::Pending);
  // Reading what is due is no write: allowed in read().
  auto due = this->r([](StoreTx& tx) { return tx.dueAttachments(5, 10); });
  PARLEY_ASSERT_OK(due);
  EXPECT_EQ(idsOf(*due), (std::vector<std::int64_t>{pending.id.value}));
}

TYPED_TEST_P(StoreContract, ReadSeesOneConsistentSnapshot) {
  auto acme = this->tenant("Acme");
  this->user(acme, "ann@acme.example");
  std::int64_t first = -1, second = -1;
  Status concurrent;
  PARLEY_ASSERT_OK(this->store().read([&](StoreTx& tx) -> Status {
    auto n = tx.countUsers();
    if (!n.ok()) return n.error();
    first = *n;
    // Another request commits while this read is open...
    std::thread writer([&] {
      concurrent = this->store().write([&](StoreTx& wtx) -> Status {
        auto u = wtx.createUser(userIn(acme, "ben@acme.example"));
        if (!u.ok()) return u.error();
        return {};
      });
    });
    writer.join();
    // ...and this read still sees the world as it was when it started.
    n = tx.countUsers();
    if (!n.ok()) return n.error();
    second = *n;
    return {};
  }));
  PARLEY_EXPECT_OK(concurrent);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  EXPECT_EQ(this->userCount(), 2);
}

TYPED_TEST_P(StoreContract, NonPositiveLimitIsInvalidInput) {
  auto acme = this->tenant("Acme");
  auto web = this->inbox(acme, "Web");
  auto conv = this->conversation(conversationIn(acme, web, this->contact(acme, "Carl")));
  app::ConversationFilter f;
  f.tenant_id = acme;
  f.limit = 0;
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.listConversations(f); }), ErrorCode::InvalidInput);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.listMessages(acme, conv, core::MessageId{}, 0); }),
                     ErrorCode::InvalidInput);
  app::MessageSearch s;
  s.tenant_id = acme;
  s.query = "x";
  s.limit = -1;
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.searchMessages(s); }), ErrorCode::InvalidInput);
  app::ContactQuery q;
  q.tenant_id = acme;
  q.limit = 0;
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.listContacts(q); }), ErrorCode::InvalidInput);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.dueOutbox(0, 0, {}); }), ErrorCode::InvalidInput);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.dueAttachments(0, 0); }), ErrorCode::InvalidInput);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.dueAttachments(0, -5); }), ErrorCode::InvalidInput);
}

TYPED_TEST_P(StoreContract, ChannelStateIsKeptPerInboxAndGoesWithIt) {
  auto acme = this->tenant("Acme");
  auto mail = this->inbox(acme, "Mail");
  auto other = this->inbox(acme, "Other");
  auto get = [&](core::InboxId inbox, const std::string& key) {
    return this->r([&](StoreTx& tx) { return tx.getChannelState(inbox, key); });
  };
  PARLEY_EXPECT_CODE(get(mail, "imap.uidvalidity"), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setChannelState(mail, "imap.uidvalidity", "1700000000", 10); }));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setChannelState(mail, "imap.last_uid", "7", 10); }));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setChannelState(mail, "imap.last_uid", "8", 11); }));
  EXPECT_EQ(this->must(get(mail, "imap.uidvalidity"), "get"), "1700000000");
  EXPECT_EQ(this->must(get(mail, "imap.last_uid"), "get"), "8") << "a second set replaces the value";
  PARLEY_EXPECT_CODE(get(other, "imap.last_uid"), ErrorCode::NotFound);  // state is per inbox
  const std::string bytes("{\"error\":\"Verbindung abgelehnt \xc3\xa4\"}");
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setChannelState(other, "status", bytes, 12); }));
  EXPECT_EQ(this->must(get(other, "status"), "get"), bytes);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.setChannelState(core::InboxId{999'999}, "k", "v", 1); }),
                     ErrorCode::NotFound);
  // Read transactions cannot write.
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.setChannelState(mail, "k", "v", 1); }), ErrorCode::Internal);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteInbox(acme, mail); }));
  PARLEY_EXPECT_CODE(get(mail, "imap.last_uid"), ErrorCode::NotFound);  // deleted with its inbox
}

TYPED_TEST_P(StoreContract, QueueDayFiguresAreSavedPerQueueAndReadByDay) {
  using core::routing::QueueId;
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto queueOf = [&](core::TenantId t, const std::string& name) {
    return this->must(this->w([&](StoreTx& tx) { return tx.createRoutingQueue({{}, t, name, "{}", 1}); }), "queue");
  };
  QueueId sales = queueOf(acme, "Sales"), service = queueOf(acme, "Service"), theirs = queueOf(globex, "Theirs");
  auto figures = [&](core::TenantId t, QueueId q, std::int64_t day, std::int64_t answered) {
    app::QueueDayFiguresRecord f;
    f.tenant_id = t;
    f.queue_id = q;
    f.day = day;
    f.answered = answered;
    f.answered_within_threshold = answered - 1;
    f.abandoned = 2;
    f.abandoned_after_threshold = 1;
    f.answered_wait_ms = 1234.5 * static_cast<double>(answered);
    return f;
  };
  auto read = [&](core::TenantId t, std::int64_t day) {
    return this->must(this->r([&](StoreTx& tx) { return tx.queueDayFigures(t, day); }), "queueDayFigures");
  };
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) {
    return tx.saveQueueDayFigures({figures(acme, sales, 20'000, 7), figures(acme, service, 19'999, 3),
                                   figures(globex, theirs, 20'000, 5),
                                   figures(globex, sales, 20'000, 99)});  // not Globex's queue: skipped
  }));
  auto today = read(acme, 20'000);
  ASSERT_EQ(today.size(), 1u) << "yesterday's figures of Service are not today's";
  EXPECT_EQ(today[0].queue_id, sales);
  EXPECT_EQ(today[0].tenant_id, acme);
  EXPECT_EQ(today[0].day, 20'000);
  EXPECT_EQ(today[0].answered, 7);
  EXPECT_EQ(today[0].answered_within_threshold, 6);
  EXPECT_EQ(today[0].abandoned, 2);
  EXPECT_EQ(today[0].abandoned_after_threshold, 1);
  EXPECT_DOUBLE_EQ(today[0].answered_wait_ms, 1234.5 * 7);
  ASSERT_EQ(read(globex, 20'000).size(), 1u);
  EXPECT_EQ(read(globex, 20'000)[0].answered, 5);

  // Saving again replaces the queue's row, also with a new day.
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) {
    return tx.saveQueueDayFigures({figures(acme, sales, 20'000, 9), figures(acme, service, 20'000, 4)});
  }));
  today = read(acme, 20'000);
  ASSERT_EQ(today.size(), 2u);
  EXPECT_EQ(today[0].answered, 9);
  EXPECT_EQ(today[1].answered, 4);
  EXPECT_TRUE(read(acme, 19'999).empty());

  // A deleted queue's figures go with it, and saving them again stores nothing.
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteRoutingQueue(acme, service); }));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.saveQueueDayFigures({figures(acme, service, 20'000, 5)}); }));
  ASSERT_EQ(read(acme, 20'000).size(), 1u);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.saveQueueDayFigures({}); }));
}

TYPED_TEST_P(StoreContract, RoutingConfigurationRoundTripsAndFollowsDeletes) {
  using core::routing::QueueId;
  auto acme = this->tenant("Acme");
  auto globex = this->tenant("Globex");
  auto ann = this->user(acme, "ann@acme.example");
  auto support = this->team(acme, "Support");
  auto web = this->inbox(acme, "Web");

  // Skills: unique names per tenant, rename, delete; other tenants see nothing.
  auto german = this->w([&](StoreTx& tx) { return tx.createSkill({{}, acme, "language:de", 5}); });
  PARLEY_ASSERT_OK(german);
  auto billing = this->w([&](StoreTx& tx) { return tx.createSkill({{}, acme, "billing", 6}); });
  PARLEY_ASSERT_OK(billing);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.createSkill({{}, acme, "billing", 7}); }), ErrorCode::Conflict);
  PARLEY_EXPECT_OK(this->w([&](StoreTx& tx) { return tx.createSkill({{}, globex, "billing", 7}); }));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateSkill({*billing, acme, "topic:billing", 0}); }));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.updateSkill({*billing, globex, "x", 0}); }), ErrorCode::NotFound);
  auto skills = this->must(this->r([&](StoreTx& tx) { return tx.listSkills(acme); }), "listSkills");
  ASSERT_EQ(skills.size(), 2u);
  EXPECT_EQ(skills[0].name, "language:de");
  EXPECT_EQ(skills[0].created_at, 5);
  EXPECT_EQ(skills[1].name, "topic:billing");
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteSkill(globex, *german); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteSkill(acme, *german); }));
  EXPECT_EQ(this->must(this->r([&](StoreTx& tx) { return tx.listSkills(acme); }), "listSkills").size(), 1u);

  // Queues keep their JSON byte for byte.
  const std::string config = R"({"strategy":"most_skilled","agent_ids":[1],"note":"Grüße"})";
  auto sales = this->w([&](StoreTx& tx) { return tx.createRoutingQueue({{}, acme, "Sales", config, 9}); });
  PARLEY_ASSERT_OK(sales);
  auto service = this->w([&](StoreTx& tx) { return tx.createRoutingQueue({{}, acme, "Service", "{}", 10}); });
  PARLEY_ASSERT_OK(service);
  auto sq = this->must(this->r([&](StoreTx& tx) { return tx.getRoutingQueue(acme, *sales); }), "getRoutingQueue");
  EXPECT_EQ(sq.name, "Sales");
  EXPECT_EQ(sq.config_json, config);
  EXPECT_EQ(sq.created_at, 9);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getRoutingQueue(globex, *sales); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateRoutingQueue({*sales, acme, "Sales DE", "{}", 0}); }));
  auto queues = this->must(this->r([&](StoreTx& tx) { return tx.listRoutingQueues(acme); }), "listRoutingQueues");
  ASSERT_EQ(queues.size(), 2u);
  EXPECT_EQ(queues[0].name, "Sales DE");
  EXPECT_EQ(queues[0].config_json, "{}");
  EXPECT_EQ(queues[0].created_at, 9) << "creation time is kept";
  EXPECT_EQ(this->must(this->r([&](StoreTx& tx) { return tx.routingTenants(); }), "routingTenants"),
            std::vector<core::TenantId>{acme});

  // Profiles: unset is NotFound, set replaces, owners of other tenants are NotFound.
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getAgentRouting(acme, ann); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setAgentRouting({acme, ann.value, R"({"a":1})"}); }));
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setAgentRouting({acme, ann.value, R"({"a":2})"}); }));
  EXPECT_EQ(this->must(this->r([&](StoreTx& tx) { return tx.getAgentRouting(acme, ann); }), "get").json, R"({"a":2})");
  EXPECT_EQ(this->must(this->r([&](StoreTx& tx) { return tx.listAgentRouting(acme); }), "list").size(), 1u);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.setAgentRouting({globex, ann.value, "{}"}); }),
                     ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setTeamRouting({acme, support.value, R"({"capacity":{}})"}); }));
  EXPECT_EQ(this->must(this->r([&](StoreTx& tx) { return tx.getTeamRouting(acme, support); }), "get").json,
            R"({"capacity":{}})");
  EXPECT_EQ(this->must(this->r([&](StoreTx& tx) { return tx.listTeamRouting(acme); }), "list").size(), 1u);
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getTeamRouting(globex, support); }), ErrorCode::NotFound);

  // Rules: replaced as a whole, read in order; a queue of another tenant is NotFound.
  app::RoutingRule byInbox;
  byInbox.inbox_id = web;
  byInbox.queue_id = *service;
  byInbox.priority = 2;
  app::RoutingRule byChannel;
  byChannel.channel = core::ChannelKind::Email;
  byChannel.label = "vip";
  byChannel.language = "de";
  byChannel.queue_id = *sales;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.replaceRoutingRules(acme, {byChannel, byInbox}); }));
  auto rules = this->must(this->r([&](StoreTx& tx) { return tx.listRoutingRules(acme); }), "listRoutingRules");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].position, 0);
  EXPECT_EQ(rules[0].channel, std::optional(core::ChannelKind::Email));
  EXPECT_EQ(rules[0].label, "vip");
  EXPECT_EQ(rules[0].language, "de");
  EXPECT_FALSE(rules[0].inbox_id.valid());
  EXPECT_EQ(rules[1].position, 1);
  EXPECT_EQ(rules[1].inbox_id, web);
  EXPECT_EQ(rules[1].channel, std::nullopt);
  EXPECT_EQ(rules[1].priority, 2);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.replaceRoutingRules(globex, {byInbox}); }), ErrorCode::NotFound);
  EXPECT_EQ(this->must(this->r([&](StoreTx& tx) { return tx.listRoutingRules(acme); }), "list").size(), 2u)
      << "a failed replace changes nothing";

  // Conversations keep their queue and enqueue time; listRoutedConversations lists the open ones.
  auto carl = this->contact(acme, "Carl");
  core::Conversation waiting = conversationIn(acme, web, carl);
  waiting.queue_id = *sales;
  waiting.enqueued_at = 1'700'000'000'500;
  waiting.id = this->conversation(waiting);
  PARLEY_EXPECT_SAME(this->getConversation(acme, waiting.id), waiting);
  core::Conversation done = conversationIn(acme, web, carl);
  done.queue_id = *sales;
  done.status = core::ConversationStatus::Resolved;
  done.id = this->conversation(done);
  this->conversation(conversationIn(acme, web, carl));  // not routed
  // updateConversation leaves the routing fields alone; setConversationQueue writes them.
  core::Conversation stale = waiting;
  stale.queue_id = {};
  stale.enqueued_at = 0;
  stale.priority = core::Priority::High;
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.updateConversation(stale); }));
  EXPECT_EQ(this->getConversation(acme, waiting.id).queue_id, *sales);
  EXPECT_EQ(this->getConversation(acme, waiting.id).enqueued_at, waiting.enqueued_at);
  EXPECT_EQ(this->getConversation(acme, waiting.id).priority, core::Priority::High);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setConversationQueue(acme, waiting.id, *service, 77); }));
  EXPECT_EQ(this->getConversation(acme, waiting.id).queue_id, *service);
  EXPECT_EQ(this->getConversation(acme, waiting.id).enqueued_at, 77);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.setConversationQueue(acme, waiting.id, *sales, 1'700'000'000'500); }));
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.setConversationQueue(globex, waiting.id, {}, 0); }),
                     ErrorCode::NotFound);
  auto routed = this->must(this->r([&](StoreTx& tx) { return tx.listRoutedConversations(acme, {}, 10); }), "routed");
  EXPECT_EQ(idsOf(routed), std::vector<std::int64_t>{waiting.id.value});
  core::Conversation foreign = conversationIn(acme, web, carl);
  foreign.queue_id = QueueId{999'999};
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.createConversation(foreign); }), ErrorCode::NotFound);

  // Deleting a queue unsets it on conversations and removes its rules.
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteRoutingQueue(acme, *sales); }));
  EXPECT_FALSE(this->getConversation(acme, waiting.id).queue_id.valid());
  EXPECT_EQ(this->getConversation(acme, waiting.id).enqueued_at, waiting.enqueued_at);
  rules = this->must(this->r([&](StoreTx& tx) { return tx.listRoutingRules(acme); }), "listRoutingRules");
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].queue_id, *service);
  PARLEY_EXPECT_CODE(this->w([&](StoreTx& tx) { return tx.deleteRoutingQueue(acme, *sales); }), ErrorCode::NotFound);

  // Deleting a user or a team removes its profile.
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteUser(acme, ann); }));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getAgentRouting(acme, ann); }), ErrorCode::NotFound);
  PARLEY_ASSERT_OK(this->w([&](StoreTx& tx) { return tx.deleteTeam(acme, support); }));
  PARLEY_EXPECT_CODE(this->r([&](StoreTx& tx) { return tx.getTeamRouting(acme, support); }), ErrorCode::NotFound);
}

REGISTER_TYPED_TEST_SUITE_P(StoreContract, IsHealthyAndNamesItsBackend, RecordConversationActivityWritesOnlyActivityFields, RoutingConfigurationRoundTripsAndFollowsDeletes, TenantRoundTripAndUserCountAcrossTenants,
                            UserRoundTripAndEmailUniqueAcrossTenants, UpdateUserChangesAllButIdentityAndCreation,
                            AvailabilityIsSetOnItsOwnAndSurvivesProfileUpdates,
                            DeleteUserUnassignsConversationsAndRevokesAccess, TeamMembersAreSetAsAWholeAndReadSorted,
                            DeleteTeamRemovesMembershipsAndInboxLinks, InboxRoundTripWithTeamsAndTenantIsolation,
                            InboxesByChannelSpanEveryTenant, ChannelStateIsKeptPerInboxAndGoesWithIt,
                            DeleteInboxRefusedWhileItHasConversations, SessionsAreFoundByHashAndDeletedOnLogout,
                            ApiTokensAreListedPerUserAndRevocable, ContactRoundTripUpdateAndTenantIsolation,
                            IdentitiesAreUniquePerTenantKindScopeAndValue,
                            ListContactsMatchesNamesAndIdentitiesWithCursor,
                            MergeThenUnmergeRestoresIdentitiesAndConversationsExactly,
                            ChainedMergesUnmergeOneContactAtATime, MergeRefusesNonsense,
                            ConversationRoundTripWithSortedUniqueLabels, UpdateConversationReplacesFieldsAndLabels,
                            ConversationReferencesMustBelongToTheTenant, ListConversationsFilters,
                            CursorPaginationReturnsEveryConversationExactlyOnce,
                            FindActiveConversationIsTheNewestUnresolved, ConversationKeepsItsServiceWindowAndVisibility,
                            MessageRoundTripWithDeliveryAndLocation, ListMessagesAscendingAfterCursor,
                            LastIncomingMessageIsTheCustomersNewest,
                            UpdateMessageChangesContentDeliveryAndExternalIdOnly, ProviderMessageIdsDeduplicatePerInbox,
                            MessageKindAndPayloadComeBackFromEveryRead, OutgoingMessageGetsItsProviderIdOnceAccepted,
                            AttachmentsRoundTripAndLinkToTheirMessage,
                            PendingAttachmentIsCompletedThroughUpdateAttachment,
                            DueAttachmentsArePendingOnesOldestFirstAcrossTenants,
                            ReferencedBlobsAreTheHashesAttachmentRowsStillName,
                            QueueDayFiguresAreSavedPerQueueAndReadByDay,
                            FailedOutboxIsAnInboxsItemsFailedForOneReasonSinceATime,
                            SearchFindsGermanWordsWithUmlautsAndPrefixes,
                            SearchFindsGermanWordsWhicheverWayTheUmlautIsWritten, SearchTreatsQueryOperatorsAsText,
                            SearchIsNewestFirstWithCursorInboxesAndTenant, SearchFollowsEditedText,
                            CannedResponsesUniquePerShortCodeAndLanguage, OutboxDueUpdateAndDepth,
                            OutboxSendingMarkIsAClaimAndSurvivesAsInterrupted,
                            AttemptedOutboxIsAnInboxsItemsInTheirSendCallOrAwaitingTheirRetry,
                            FailingWriteLeavesNothingStored, TransactionGoesOnAfterAFailedStatement,
                            ConcurrentWritersAreAllCommittedAndFailuresStayIsolated, ReadTransactionCannotWrite,
                            ReadSeesOneConsistentSnapshot, NonPositiveLimitIsInvalidInput);

// A tenant with a WhatsApp inbox, a contact and a pending conversation, as version 1 of the
// schema stores them on both backends (the same SQL; every later migration keeps such rows valid).
inline constexpr const char* kVersionOneConversationRows = R"sql(
    INSERT INTO tenants (name, created_at) VALUES ('Acme', 10);
    INSERT INTO inboxes (tenant_id, name, channel, config_json, secret, callback_url, created_at)
      VALUES (1, 'WhatsApp', 'whatsapp', '{}', 's3cret', '', 11);
    INSERT INTO contacts (tenant_id, name, attributes_json, merged_into, created_at, updated_at)
      VALUES (1, 'Carl', '{"plan":"gold"}', NULL, 12, 13);
    INSERT INTO conversations (tenant_id, inbox_id, contact_id, original_contact_id, status, priority, assignee_id,
                               team_id, snoozed_until, created_at, last_activity_at, first_response_at, resolved_at)
      VALUES (1, 1, 1, NULL, 'pending', 'high', NULL, NULL, 0, 14, 15, 16, 0);
)sql";

// What every backend's migration test checks once it has built a version-1 database by hand
// (kVersionOneConversationRows and its own SQL) and opened it: the version-1 rows read back
// with the new fields' defaults, the search index still finds them, and the new fields are
// writable on old rows.
inline void expectVersionOneRowsUpgraded(app::Store& store) {
  const core::TenantId acme{1};
  core::Conversation wantConv;
  wantConv.id = core::ConversationId{1};
  wantConv.tenant_id = acme;
  wantConv.inbox_id = core::InboxId{1};
  wantConv.contact_id = core::ContactId{1};
  wantConv.status = core::ConversationStatus::Pending;
  wantConv.priority = core::Priority::High;
  wantConv.labels = {"vip"};
  wantConv.created_at = 14;
  wantConv.last_activity_at = 15;
  wantConv.first_response_at = 16;  // last_incoming_at 0 and is_public false: the defaults
  core::Message wantMsg;
  wantMsg.id = core::MessageId{1};
  wantMsg.tenant_id = acme;
  wantMsg.conversation_id = wantConv.id;
  wantMsg.inbox_id = wantConv.inbox_id;
  wantMsg.direction = core::MessageDirection::Incoming;
  wantMsg.text = "Grüße aus München";  // kind text, payload "{}": the defaults
  wantMsg.sender_contact_id = core::ContactId{1};
  wantMsg.external_id = "wamid.OLD";
  wantMsg.latitude = 52.5;
  wantMsg.longitude = 13.25;
  wantMsg.location_name = "Berlin";
  wantMsg.attachment_ids = {core::AttachmentId{1}};
  wantMsg.created_at = 17;
  wantMsg.updated_at = 18;
  core::Attachment wantAtt;
  wantAtt.id = core::AttachmentId{1};
  wantAtt.tenant_id = acme;
  wantAtt.message_id = wantMsg.id;
  wantAtt.sha256 = "ab12";
  wantAtt.size = 42;
  wantAtt.content_type = "image/jpeg";
  wantAtt.filename = "foto.jpg";
  wantAtt.created_at = 19;  // state stored, nothing to fetch: the defaults

  Status read = store.read([&](StoreTx& tx) -> Status {
    auto conv = tx.getConversation(acme, wantConv.id);
    if (!conv.ok()) return conv.error();
    PARLEY_EXPECT_SAME(*conv, wantConv);
    auto msg = tx.getMessage(acme, wantMsg.id);
    if (!msg.ok()) return msg.error();
    PARLEY_EXPECT_SAME(*msg, wantMsg);
    auto byExternal = tx.findMessageByExternalId(wantMsg.inbox_id, "wamid.OLD");
    if (!byExternal.ok()) return byExternal.error();
    EXPECT_EQ(byExternal->id, wantMsg.id);
    auto found = tx.searchMessages({acme, "munchen", std::nullopt, std::nullopt, 10});
    if (!found.ok()) return found.error();
    EXPECT_EQ(parley::store_contract::idsOf(*found), (std::vector<std::int64_t>{1})) << "the search index survives";
    auto att = tx.getAttachment(acme, wantAtt.id);
    if (!att.ok()) return att.error();
    PARLEY_EXPECT_SAME(*att, wantAtt);
    auto due = tx.dueAttachments(std::numeric_limits<core::TimestampMs>::max(), 10);
    if (!due.ok()) return due.error();
    EXPECT_TRUE(due->empty()) << "old attachments are stored, not pending";
    return {};
  });
  ASSERT_TRUE(read.ok()) << read.error().message;

  // The new fields are writable on old rows, and new rows follow the old ones.
  wantConv.last_incoming_at = 20;
  wantConv.is_public = true;
  wantMsg.kind = core::MessageKind::Location;
  wantMsg.payload_json = R"({"address":"Unter den Linden"})";
  wantAtt.state = core::AttachmentState::Failed;
  wantAtt.error = "gone";
  wantAtt.fetch_attempts = 3;
  core::Message next = wantMsg;
  next.external_id = "wamid.NEW";
  next.attachment_ids = {};
  Status write = store.write([&](StoreTx& tx) -> Status {
    if (auto s = tx.updateConversation(wantConv); !s.ok()) return s;
    if (auto s = tx.updateMessage(wantMsg); !s.ok()) return s;
    if (auto s = tx.updateAttachment(wantAtt); !s.ok()) return s;
    auto id = tx.insertMessage(next);
    if (!id.ok()) return id.error();
    next.id = *id;
    return {};
  });
  ASSERT_TRUE(write.ok()) << write.error().message;
  EXPECT_EQ(next.id.value, 2);
  read = store.read([&](StoreTx& tx) -> Status {
    auto conv = tx.getConversation(acme, wantConv.id);
    if (!conv.ok()) return conv.error();
    PARLEY_EXPECT_SAME(*conv, wantConv);
    auto msg = tx.getMessage(acme, wantMsg.id);
    if (!msg.ok()) return msg.error();
    PARLEY_EXPECT_SAME(*msg, wantMsg);
    auto added = tx.getMessage(acme, next.id);
    if (!added.ok()) return added.error();
    PARLEY_EXPECT_SAME(*added, next);
    auto att = tx.getAttachment(acme, wantAtt.id);
    if (!att.ok()) return att.error();
    PARLEY_EXPECT_SAME(*att, wantAtt);
    return {};
  });
  ASSERT_TRUE(read.ok()) << read.error().message;
}

}  // namespace parley::store_contract
