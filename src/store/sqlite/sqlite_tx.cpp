#include "store/sqlite/sqlite_tx.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/text.hpp"

// Delete behaviour, enforced by the foreign keys of migration 1 and the checks below:
//  - deleteUser: conversations assigned to the user become unassigned, messages it wrote keep
//    their text but lose the sender (sender_user_id unset), and its team memberships, sessions
//    and API tokens are removed. Deactivating (User::active = false) is the way to keep history.
//  - deleteTeam: removes its memberships and its inbox links; its conversations lose the team.
//  - deleteInbox: Conflict while any conversation or message belongs to the inbox (history is
//    never dropped as a side effect); otherwise removes its team links and its outbox items.

namespace parley::store::sqlite {

using core::ErrorCode;
using core::makeError;
using core::Result;
using core::Status;

namespace {

constexpr int kMaxLimit = 1000;
// A search query: at most this many words, each cut to this many bytes (a prefix still matches).
constexpr std::size_t kMaxSearchWords = 32;
constexpr std::size_t kMaxSearchWordBytes = 200;

core::Error notFound(std::string_view what, std::int64_t id) {
  return makeError(ErrorCode::NotFound, std::string(what) + " " + std::to_string(id) + " not found");
}

core::Error notFound(std::string_view what) { return makeError(ErrorCode::NotFound, std::string(what) + " not found"); }

// Lists take a positive limit; more than kMaxLimit rows a page are never returned.
Result<int> pageLimit(int limit) {
  if (limit <= 0) return makeError(ErrorCode::InvalidInput, "limit must be positive");
  return std::min(limit, kMaxLimit);
}

template <class E>
Result<E> parsed(std::optional<E> value, std::string_view column, const std::string& text) {
  if (!value) return makeError(ErrorCode::Internal, "corrupt " + std::string(column) + " value '" + text + "'");
  return *value;
}

// Escapes LIKE wildcards so user input matches literally (with ESCAPE '\').
std::string likeContains(std::string_view text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

// Turns the query's words (core::searchWords: letters and digits only, so never FTS5 syntax)
// into an FTS5 query: every word a quoted prefix term, all of them required. A word with another
// German spelling ("Muenchen" / "München") matches either: ("w1"* OR "w2"*) AND "w3"*.
Result<std::string> ftsQuery(std::string_view query) {
  const std::vector<std::string> words = core::searchWords(query, kMaxSearchWordBytes);
  if (words.size() > kMaxSearchWords) {
    return makeError(ErrorCode::InvalidInput, "search query has more than " + std::to_string(kMaxSearchWords) + " words");
  }
  std::string fts;
  for (const std::string& word : words) {
    if (!fts.empty()) fts += " AND ";
    const auto spellings = core::germanSpellings(word);
    if (spellings.size() > 1) fts += '(';
    for (std::size_t k = 0; k < spellings.size(); ++k) {
      if (k > 0) fts += " OR ";
      fts += '"' + spellings[k] + "\"*";
    }
    if (spellings.size() > 1) fts += ')';
  }
  return fts;
}

// A JSON array of ids, for `IN (SELECT value FROM json_each(?))`: one cached statement whatever
// the number of ids.
template <class IdT>
std::string jsonIds(const std::vector<IdT>& ids) {
  std::string json = "[";
  for (const auto& id : ids) {
    if (json.size() > 1) json += ',';
    json += std::to_string(id.value);
  }
  json += ']';
  return json;
}

// A JSON array of strings, for `IN (SELECT value FROM json_each(?))` as jsonIds.
std::string jsonStrings(const std::vector<std::string>& values) {
  std::string json = "[";
  for (const auto& v : values) {
    if (json.size() > 1) json += ',';
    json += core::jsonString(v);
  }
  json += ']';
  return json;
}

// Parameters of a statement built from optional filters.
using Param = std::variant<std::int64_t, std::string>;

void bindAll(Stmt& stmt, const std::vector<Param>& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    int index = static_cast<int>(i) + 1;
    if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
      stmt.bind(index, *n);
    } else {
      stmt.bind(index, std::get<std::string>(params[i]));
    }
  }
}

// --- row readers: the column lists and the functions that read them stay side by side -------------

#define TENANT_COLUMNS "id, name, created_at"
core::Tenant readTenant(const Stmt& s) { return core::Tenant{s.id<core::TenantId>(0), s.text(1), s.i64(2)}; }

#define USER_COLUMNS \
  "id, tenant_id, email, name, role, language, password_hash, active, created_at, availability, availability_changed_at"
Result<core::User> readUser(const Stmt& s) {
  core::User u;
  u.id = s.id<core::UserId>(0);
  u.tenant_id = s.id<core::TenantId>(1);
  u.email = s.text(2);
  u.name = s.text(3);
  PARLEY_SQ_ASSIGN(u.role, parsed(core::parseRole(s.text(4)), "role", s.text(4)));
  PARLEY_SQ_ASSIGN(u.language, parsed(core::parseLanguage(s.text(5)), "language", s.text(5)));
  u.password_hash = s.text(6);
  u.active = s.boolean(7);
  u.created_at = s.i64(8);
  PARLEY_SQ_ASSIGN(u.availability, parsed(core::parseAvailability(s.text(9)), "availability", s.text(9)));
  u.availability_changed_at = s.i64(10);
  return u;
}

#define TEAM_COLUMNS "id, tenant_id, name, description, created_at"
core::Team readTeam(const Stmt& s) {
  core::Team t;
  t.id = s.id<core::TeamId>(0);
  t.tenant_id = s.id<core::TenantId>(1);
  t.name = s.text(2);
  t.description = s.text(3);
  t.created_at = s.i64(4);
  return t;
}

#define INBOX_COLUMNS "id, tenant_id, name, channel, config_json, secret, callback_url, created_at"
Result<core::Inbox> readInbox(const Stmt& s) {
  core::Inbox b;
  b.id = s.id<core::InboxId>(0);
  b.tenant_id = s.id<core::TenantId>(1);
  b.name = s.text(2);
  PARLEY_SQ_ASSIGN(b.channel, parsed(core::parseChannelKind(s.text(3)), "channel", s.text(3)));
  b.config_json = s.text(4);
  b.secret = s.text(5);
  b.callback_url = s.text(6);
  b.created_at = s.i64(7);
  return b;
}

#define SESSION_COLUMNS "token_hash, tenant_id, user_id, csrf_token, expires_at, created_at"
core::Session readSession(const Stmt& s) {
  core::Session session;
  session.token_hash = s.text(0);
  session.tenant_id = s.id<core::TenantId>(1);
  session.user_id = s.id<core::UserId>(2);
  session.csrf_token = s.text(3);
  session.expires_at = s.i64(4);
  session.created_at = s.i64(5);
  return session;
}

#define TOKEN_COLUMNS "id, tenant_id, user_id, name, token_hash, revoked, last_used_at, created_at"
core::ApiToken readToken(const Stmt& s) {
  core::ApiToken t;
  t.id = s.id<core::ApiTokenId>(0);
  t.tenant_id = s.id<core::TenantId>(1);
  t.user_id = s.id<core::UserId>(2);
  t.name = s.text(3);
  t.token_hash = s.text(4);
  t.revoked = s.boolean(5);
  t.last_used_at = s.i64(6);
  t.created_at = s.i64(7);
  return t;
}

#define CONTACT_COLUMNS "id, tenant_id, name, attributes_json, merged_into, created_at, updated_at"
core::Contact readContact(const Stmt& s) {
  core::Contact c;
  c.id = s.id<core::ContactId>(0);
  c.tenant_id = s.id<core::TenantId>(1);
  c.name = s.text(2);
  c.attributes_json = s.text(3);
  c.merged_into = s.id<core::ContactId>(4);
  c.created_at = s.i64(5);
  c.updated_at = s.i64(6);
  return c;
}

#define IDENTITY_COLUMNS "id, tenant_id, contact_id, kind, scope, value, verified, original_contact_id, created_at"
Result<core::ContactIdentity> readIdentity(const Stmt& s) {
  core::ContactIdentity i;
  i.id = s.id<core::IdentityId>(0);
  i.tenant_id = s.id<core::TenantId>(1);
  i.contact_id = s.id<core::ContactId>(2);
  PARLEY_SQ_ASSIGN(i.kind, parsed(core::parseIdentityKind(s.text(3)), "identity kind", s.text(3)));
  i.scope = s.text(4);
  i.value = s.text(5);
  i.verified = s.boolean(6);
  i.original_contact_id = s.id<core::ContactId>(7);
  i.created_at = s.i64(8);
  return i;
}

#define CONVERSATION_COLUMNS                                                                            \
  "c.id, c.tenant_id, c.inbox_id, c.contact_id, c.original_contact_id, c.status, c.priority, c.assignee_id, " \
  "c.team_id, c.snoozed_until, c.created_at, c.last_activity_at, c.first_response_at, c.resolved_at, " \
  "c.last_incoming_at, c.is_public, c.queue_id, c.enqueued_at"
Result<core::Conversation> readConversation(const Stmt& s) {
  core::Conversation c;
  c.id = s.id<core::ConversationId>(0);
  c.tenant_id = s.id<core::TenantId>(1);
  c.inbox_id = s.id<core::InboxId>(2);
  c.contact_id = s.id<core::ContactId>(3);
  c.original_contact_id = s.id<core::ContactId>(4);
  PARLEY_SQ_ASSIGN(c.status, parsed(core::parseConversationStatus(s.text(5)), "status", s.text(5)));
  PARLEY_SQ_ASSIGN(c.priority, parsed(core::parsePriority(s.text(6)), "priority", s.text(6)));
  c.assignee_id = s.id<core::UserId>(7);
  c.team_id = s.id<core::TeamId>(8);
  c.snoozed_until = s.i64(9);
  c.created_at = s.i64(10);
  c.last_activity_at = s.i64(11);
  c.first_response_at = s.i64(12);
  c.resolved_at = s.i64(13);
  c.last_incoming_at = s.i64(14);
  c.is_public = s.boolean(15);
  c.queue_id = s.id<core::routing::QueueId>(16);
  c.enqueued_at = s.i64(17);
  return c;
}

#define MESSAGE_COLUMNS                                                                                     \
  "m.id, m.tenant_id, m.conversation_id, m.inbox_id, m.direction, m.text, m.sender_user_id, m.sender_contact_id, " \
  "m.external_id, m.reply_to_id, m.latitude, m.longitude, m.location_name, m.delivery_status, m.delivery_error, "  \
  "m.created_at, m.updated_at, m.kind, m.payload_json"
Result<core::Message> readMessage(const Stmt& s) {
  core::Message m;
  m.id = s.id<core::MessageId>(0);
  m.tenant_id = s.id<core::TenantId>(1);
  m.conversation_id = s.id<core::ConversationId>(2);
  m.inbox_id = s.id<core::InboxId>(3);
  PARLEY_SQ_ASSIGN(m.direction, parsed(core::parseMessageDirection(s.text(4)), "direction", s.text(4)));
  m.text = s.text(5);
  m.sender_user_id = s.id<core::UserId>(6);
  m.sender_contact_id = s.id<core::ContactId>(7);
  m.external_id = s.text(8);
  m.reply_to_id = s.id<core::MessageId>(9);
  m.latitude = s.optReal(10);
  m.longitude = s.optReal(11);
  m.location_name = s.text(12);
  PARLEY_SQ_ASSIGN(m.delivery_status, parsed(core::parseDeliveryStatus(s.text(13)), "delivery status", s.text(13)));
  m.delivery_error = s.text(14);
  m.created_at = s.i64(15);
  m.updated_at = s.i64(16);
  PARLEY_SQ_ASSIGN(m.kind, parsed(core::parseMessageKind(s.text(17)), "message kind", s.text(17)));
  m.payload_json = s.text(18);
  return m;
}

#define ATTACHMENT_COLUMNS                                                                                 \
  "id, tenant_id, message_id, sha256, size, content_type, filename, created_at, state, provider_ref, error, " \
  "fetch_attempts, next_fetch_at, uploaded_by"
Result<core::Attachment> readAttachment(const Stmt& s) {
  core::Attachment a;
  a.id = s.id<core::AttachmentId>(0);
  a.tenant_id = s.id<core::TenantId>(1);
  a.message_id = s.id<core::MessageId>(2);
  a.sha256 = s.text(3);
  a.size = s.i64(4);
  a.content_type = s.text(5);
  a.filename = s.text(6);
  a.created_at = s.i64(7);
  PARLEY_SQ_ASSIGN(a.state, parsed(core::parseAttachmentState(s.text(8)), "attachment state", s.text(8)));
  a.provider_ref = s.text(9);
  a.error = s.text(10);
  a.fetch_attempts = static_cast<int>(s.i64(11));
  a.next_fetch_at = s.i64(12);
  a.uploaded_by = s.id<core::UserId>(13);
  return a;
}

#define CANNED_COLUMNS "id, tenant_id, short_code, language, content, created_at, updated_at"
Result<core::CannedResponse> readCanned(const Stmt& s) {
  core::CannedResponse r;
  r.id = s.id<core::CannedResponseId>(0);
  r.tenant_id = s.id<core::TenantId>(1);
  r.short_code = s.text(2);
  PARLEY_SQ_ASSIGN(r.language, parsed(core::parseLanguage(s.text(3)), "language", s.text(3)));
  r.content = s.text(4);
  r.created_at = s.i64(5);
  r.updated_at = s.i64(6);
  return r;
}

#define OUTBOX_COLUMNS                                                                                    \
  "id, tenant_id, inbox_id, message_id, idempotency_key, payload, state, attempts, next_attempt_at, last_error, " \
  "created_at, updated_at, sending_since, throttled"
Result<core::OutboxItem> readOutbox(const Stmt& s) {
  core::OutboxItem o;
  o.id = s.id<core::OutboxId>(0);
  o.tenant_id = s.id<core::TenantId>(1);
  o.inbox_id = s.id<core::InboxId>(2);
  o.message_id = s.id<core::MessageId>(3);
  o.idempotency_key = s.text(4);
  o.payload = s.text(5);
  PARLEY_SQ_ASSIGN(o.state, parsed(core::parseOutboxState(s.text(6)), "outbox state", s.text(6)));
  o.attempts = static_cast<int>(s.i64(7));
  o.next_attempt_at = s.i64(8);
  o.last_error = s.text(9);
  o.created_at = s.i64(10);
  o.updated_at = s.i64(11);
  o.sending_since = s.i64(12);
  o.throttled = static_cast<int>(s.i64(13));
  return o;
}

// Reads every row of `stmt` with `reader` (which returns T or Result<T>).
template <class T, class Reader>
Result<std::vector<T>> readAll(Stmt& stmt, Reader reader) {
  std::vector<T> rows;
  for (;;) {
    PARLEY_SQ_ASSIGN(bool row, stmt.step());
    if (!row) break;
    if constexpr (std::is_same_v<decltype(reader(stmt)), T>) {
      rows.push_back(reader(stmt));
    } else {
      PARLEY_SQ_ASSIGN(T value, reader(stmt));
      rows.push_back(std::move(value));
    }
  }
  return rows;
}

// Reads the single row of `stmt`, or NotFound(`what`).
template <class T, class Reader>
Result<T> readOne(Stmt& stmt, Reader reader, std::string_view what) {
  PARLEY_SQ_ASSIGN(bool row, stmt.step());
  if (!row) return notFound(what);
  return reader(stmt);  // T or Result<T>
}

template <class IdT>
Result<std::vector<IdT>> readIds(Stmt& stmt) {
  return readAll<IdT>(stmt, [](const Stmt& s) { return s.id<IdT>(0); });
}

Status invalidCoordinate(const std::optional<double>& v) {
  if (v && !std::isfinite(*v)) return makeError(ErrorCode::InvalidInput, "latitude/longitude must be finite");
  return {};
}

}  // namespace

// --- helpers --------------------------------------------------------------------------------------------

Status SqliteTx::requireWritable() const {
  if (!writable_) return makeError(ErrorCode::Internal, "write operation inside a read transaction");
  return {};
}

Status SqliteTx::requireOwned(std::string_view table, std::string_view what, core::TenantId tenant, std::int64_t id) {
  std::string sql = "SELECT 1 FROM ";
  sql += table;
  sql += " WHERE id = ?1 AND tenant_id = ?2";
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(sql));
  stmt.bind(1, id).bind(2, tenant.value);
  PARLEY_SQ_ASSIGN(bool row, stmt.step());
  if (!row) return notFound(what, id);
  return {};
}

Status SqliteTx::requireTenant(core::TenantId tenant) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT 1 FROM tenants WHERE id = ?1"));
  stmt.bind(1, tenant.value);
  PARLEY_SQ_ASSIGN(bool row, stmt.step());
  if (!row) return notFound("tenant", tenant.value);
  return {};
}

Result<std::int64_t> SqliteTx::count(const char* sql) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(sql));
  PARLEY_SQ_ASSIGN(bool row, stmt.step());
  if (!row) return makeError(ErrorCode::Internal, "count returned no row");
  return stmt.i64(0);
}

// --- tenants -------------------------------------------------------------------------------------------

Result<core::TenantId> SqliteTx::createTenant(const core::Tenant& tenant) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO tenants (name, created_at) VALUES (?1, ?2)"));
  stmt.bind(1, tenant.name).bind(2, tenant.created_at);
  PARLEY_SQ_TRY(stmt.run());
  return core::TenantId{conn_.lastInsertRowid()};
}

Result<core::Tenant> SqliteTx::getTenant(core::TenantId id) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " TENANT_COLUMNS " FROM tenants WHERE id = ?1"));
  stmt.bind(1, id.value);
  return readOne<core::Tenant>(stmt, readTenant, "tenant");
}

Result<std::int64_t> SqliteTx::countUsers() { return count("SELECT COUNT(*) FROM users"); }

// --- users ------------------------------------------------------------------------------------------------

Result<core::UserId> SqliteTx::createUser(const core::User& user) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireTenant(user.tenant_id));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO users (tenant_id, email, name, role, language, password_hash, "
                                            "active, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  stmt.bind(1, user.tenant_id.value)
      .bind(2, user.email)
      .bind(3, user.name)
      .bind(4, core::toString(user.role))
      .bind(5, core::toString(user.language))
      .bind(6, user.password_hash)
      .bind(7, user.active)
      .bind(8, user.created_at);
  PARLEY_SQ_TRY(stmt.run());
  return core::UserId{conn_.lastInsertRowid()};
}

Result<core::User> SqliteTx::getUser(core::TenantId tenant, core::UserId id) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " USER_COLUMNS " FROM users WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  return readOne<core::User>(stmt, readUser, "user");
}

Result<core::User> SqliteTx::findUserByEmail(const std::string& email) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " USER_COLUMNS " FROM users WHERE email = ?1"));
  stmt.bind(1, email);
  return readOne<core::User>(stmt, readUser, "user");
}

Result<std::vector<core::User>> SqliteTx::listUsers(core::TenantId tenant) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " USER_COLUMNS " FROM users WHERE tenant_id = ?1 ORDER BY id"));
  stmt.bind(1, tenant.value);
  return readAll<core::User>(stmt, readUser);
}

Status SqliteTx::updateUser(const core::User& user) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE users SET email = ?1, name = ?2, role = ?3, language = ?4, "
                                            "password_hash = ?5, active = ?6 WHERE id = ?7 AND tenant_id = ?8"));
  stmt.bind(1, user.email)
      .bind(2, user.name)
      .bind(3, core::toString(user.role))
      .bind(4, core::toString(user.language))
      .bind(5, user.password_hash)
      .bind(6, user.active)
      .bind(7, user.id.value)
      .bind(8, user.tenant_id.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("user", user.id.value);
  return {};
}

Status SqliteTx::setUserAvailability(core::TenantId tenant, core::UserId id, core::Availability availability,
                                     core::TimestampMs at) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE users SET availability = ?1, availability_changed_at = ?2 "
                                            "WHERE id = ?3 AND tenant_id = ?4"));
  stmt.bind(1, core::toString(availability)).bind(2, at).bind(3, id.value).bind(4, tenant.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("user", id.value);
  return {};
}

Status SqliteTx::deleteUser(core::TenantId tenant, core::UserId id) {
  PARLEY_SQ_TRY(requireWritable());
  // Foreign keys do the rest: memberships, sessions and tokens cascade; assignments and message
  // senders are set to NULL.
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("DELETE FROM users WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("user", id.value);
  return {};
}

// --- teams ------------------------------------------------------------------------------------------------

Result<std::vector<core::UserId>> SqliteTx::teamMembers(core::TeamId team) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT user_id FROM team_members WHERE team_id = ?1 ORDER BY user_id"));
  stmt.bind(1, team.value);
  return readIds<core::UserId>(stmt);
}

Result<core::TeamId> SqliteTx::createTeam(const core::Team& team) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireTenant(team.tenant_id));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO teams (tenant_id, name, description, created_at) "
                                            "VALUES (?1, ?2, ?3, ?4)"));
  stmt.bind(1, team.tenant_id.value).bind(2, team.name).bind(3, team.description).bind(4, team.created_at);
  PARLEY_SQ_TRY(stmt.run());
  return core::TeamId{conn_.lastInsertRowid()};
}

Result<core::Team> SqliteTx::getTeam(core::TenantId tenant, core::TeamId id) {
  core::Team team;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " TEAM_COLUMNS " FROM teams WHERE id = ?1 AND tenant_id = ?2"));
    stmt.bind(1, id.value).bind(2, tenant.value);
    PARLEY_SQ_ASSIGN(team, readOne<core::Team>(stmt, readTeam, "team"));
  }
  PARLEY_SQ_ASSIGN(team.member_ids, teamMembers(team.id));
  return team;
}

Result<std::vector<core::Team>> SqliteTx::listTeams(core::TenantId tenant) {
  std::vector<core::Team> teams;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " TEAM_COLUMNS " FROM teams WHERE tenant_id = ?1 ORDER BY id"));
    stmt.bind(1, tenant.value);
    PARLEY_SQ_ASSIGN(teams, readAll<core::Team>(stmt, readTeam));
  }
  for (auto& team : teams) {
    PARLEY_SQ_ASSIGN(team.member_ids, teamMembers(team.id));
  }
  return teams;
}

Status SqliteTx::updateTeam(const core::Team& team) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt,
                   conn_.prepare("UPDATE teams SET name = ?1, description = ?2 WHERE id = ?3 AND tenant_id = ?4"));
  stmt.bind(1, team.name).bind(2, team.description).bind(3, team.id.value).bind(4, team.tenant_id.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("team", team.id.value);
  return {};
}

Status SqliteTx::deleteTeam(core::TenantId tenant, core::TeamId id) {
  PARLEY_SQ_TRY(requireWritable());
  // Memberships and inbox links cascade; conversations of the team get team_id NULL.
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("DELETE FROM teams WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("team", id.value);
  return {};
}

Status SqliteTx::setTeamMembers(core::TenantId tenant, core::TeamId team, const std::vector<core::UserId>& users) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned("teams", "team", tenant, team.value));
  for (core::UserId user : users) PARLEY_SQ_TRY(requireOwned("users", "user", tenant, user.value));
  {
    PARLEY_SQ_ASSIGN(Stmt del, conn_.prepare("DELETE FROM team_members WHERE team_id = ?1"));
    del.bind(1, team.value);
    PARLEY_SQ_TRY(del.run());
  }
  for (core::UserId user : users) {
    PARLEY_SQ_ASSIGN(Stmt ins, conn_.prepare("INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?1, ?2)"));
    ins.bind(1, team.value).bind(2, user.value);
    PARLEY_SQ_TRY(ins.run());
  }
  return {};
}

Result<std::vector<core::TeamId>> SqliteTx::teamsOfUser(core::TenantId tenant, core::UserId user) {
  PARLEY_SQ_TRY(requireOwned("users", "user", tenant, user.value));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT team_id FROM team_members WHERE user_id = ?1 ORDER BY team_id"));
  stmt.bind(1, user.value);
  return readIds<core::TeamId>(stmt);
}

// --- inboxes -----------------------------------------------------------------------------------------------

Result<std::vector<core::TeamId>> SqliteTx::inboxTeams(core::InboxId inbox) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT team_id FROM inbox_teams WHERE inbox_id = ?1 ORDER BY team_id"));
  stmt.bind(1, inbox.value);
  return readIds<core::TeamId>(stmt);
}

Status SqliteTx::writeInboxTeams(core::InboxId inbox, const std::vector<core::TeamId>& teams) {
  {
    PARLEY_SQ_ASSIGN(Stmt del, conn_.prepare("DELETE FROM inbox_teams WHERE inbox_id = ?1"));
    del.bind(1, inbox.value);
    PARLEY_SQ_TRY(del.run());
  }
  for (core::TeamId team : teams) {
    PARLEY_SQ_ASSIGN(Stmt ins, conn_.prepare("INSERT OR IGNORE INTO inbox_teams (inbox_id, team_id) VALUES (?1, ?2)"));
    ins.bind(1, inbox.value).bind(2, team.value);
    PARLEY_SQ_TRY(ins.run());
  }
  return {};
}

Result<core::InboxId> SqliteTx::createInbox(const core::Inbox& inbox) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireTenant(inbox.tenant_id));
  for (core::TeamId team : inbox.team_ids) PARLEY_SQ_TRY(requireOwned("teams", "team", inbox.tenant_id, team.value));
  core::InboxId id;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO inboxes (tenant_id, name, channel, config_json, secret, "
                                              "callback_url, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    stmt.bind(1, inbox.tenant_id.value)
        .bind(2, inbox.name)
        .bind(3, core::toString(inbox.channel))
        .bind(4, inbox.config_json)
        .bind(5, inbox.secret)
        .bind(6, inbox.callback_url)
        .bind(7, inbox.created_at);
    PARLEY_SQ_TRY(stmt.run());
    id = core::InboxId{conn_.lastInsertRowid()};
  }
  PARLEY_SQ_TRY(writeInboxTeams(id, inbox.team_ids));
  return id;
}

Result<core::Inbox> SqliteTx::getInbox(core::TenantId tenant, core::InboxId id) {
  core::Inbox inbox;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt,
                     conn_.prepare("SELECT " INBOX_COLUMNS " FROM inboxes WHERE id = ?1 AND tenant_id = ?2"));
    stmt.bind(1, id.value).bind(2, tenant.value);
    PARLEY_SQ_ASSIGN(inbox, readOne<core::Inbox>(stmt, readInbox, "inbox"));
  }
  PARLEY_SQ_ASSIGN(inbox.team_ids, inboxTeams(inbox.id));
  return inbox;
}

Result<core::Inbox> SqliteTx::getInboxAnyTenant(core::InboxId id) {
  core::Inbox inbox;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " INBOX_COLUMNS " FROM inboxes WHERE id = ?1"));
    stmt.bind(1, id.value);
    PARLEY_SQ_ASSIGN(inbox, readOne<core::Inbox>(stmt, readInbox, "inbox"));
  }
  PARLEY_SQ_ASSIGN(inbox.team_ids, inboxTeams(inbox.id));
  return inbox;
}

Result<std::vector<core::Inbox>> SqliteTx::listInboxes(core::TenantId tenant) {
  std::vector<core::Inbox> inboxes;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt,
                     conn_.prepare("SELECT " INBOX_COLUMNS " FROM inboxes WHERE tenant_id = ?1 ORDER BY id"));
    stmt.bind(1, tenant.value);
    PARLEY_SQ_ASSIGN(inboxes, readAll<core::Inbox>(stmt, readInbox));
  }
  for (auto& inbox : inboxes) {
    PARLEY_SQ_ASSIGN(inbox.team_ids, inboxTeams(inbox.id));
  }
  return inboxes;
}

Result<std::vector<core::Inbox>> SqliteTx::listInboxesByChannel(core::ChannelKind channel) {
  std::vector<core::Inbox> inboxes;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " INBOX_COLUMNS " FROM inboxes WHERE channel = ?1 ORDER BY id"));
    stmt.bind(1, std::string(core::toString(channel)));
    PARLEY_SQ_ASSIGN(inboxes, readAll<core::Inbox>(stmt, readInbox));
  }
  for (auto& inbox : inboxes) {
    PARLEY_SQ_ASSIGN(inbox.team_ids, inboxTeams(inbox.id));
  }
  return inboxes;
}

Status SqliteTx::updateInbox(const core::Inbox& inbox) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned("inboxes", "inbox", inbox.tenant_id, inbox.id.value));
  for (core::TeamId team : inbox.team_ids) PARLEY_SQ_TRY(requireOwned("teams", "team", inbox.tenant_id, team.value));
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE inboxes SET name = ?1, config_json = ?2, secret = ?3, "
                                              "callback_url = ?4 WHERE id = ?5 AND tenant_id = ?6"));
    stmt.bind(1, inbox.name)
        .bind(2, inbox.config_json)
        .bind(3, inbox.secret)
        .bind(4, inbox.callback_url)
        .bind(5, inbox.id.value)
        .bind(6, inbox.tenant_id.value);
    PARLEY_SQ_TRY(stmt.run());
  }
  return writeInboxTeams(inbox.id, inbox.team_ids);
}

Status SqliteTx::deleteInbox(core::TenantId tenant, core::InboxId id) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned("inboxes", "inbox", tenant, id.value));
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT 1 FROM conversations WHERE inbox_id = ?1 LIMIT 1"));
    stmt.bind(1, id.value);
    PARLEY_SQ_ASSIGN(bool used, stmt.step());
    if (used) return makeError(ErrorCode::Conflict, "inbox " + std::to_string(id.value) + " still has conversations");
  }
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("DELETE FROM inboxes WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  if (auto done = stmt.run(); !done.ok()) {
    // RESTRICT from messages.inbox_id: messages of conversations moved to another inbox.
    if (done.error().code == ErrorCode::InvalidInput) {
      return makeError(ErrorCode::Conflict, "inbox " + std::to_string(id.value) + " still has messages");
    }
    return done;
  }
  return {};
}

// --- sessions and API tokens -----------------------------------------------------------------------------

Status SqliteTx::createSession(const core::Session& session) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned("users", "user", session.tenant_id, session.user_id.value));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO sessions (token_hash, tenant_id, user_id, csrf_token, "
                                            "expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  stmt.bind(1, session.token_hash)
      .bind(2, session.tenant_id.value)
      .bind(3, session.user_id.value)
      .bind(4, session.csrf_token)
      .bind(5, session.expires_at)
      .bind(6, session.created_at);
  return stmt.run();
}

Result<core::Session> SqliteTx::findSession(const std::string& token_hash) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " SESSION_COLUMNS " FROM sessions WHERE token_hash = ?1"));
  stmt.bind(1, token_hash);
  return readOne<core::Session>(stmt, readSession, "session");
}

Status SqliteTx::deleteSession(const std::string& token_hash) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("DELETE FROM sessions WHERE token_hash = ?1"));
  stmt.bind(1, token_hash);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("session");
  return {};
}

Status SqliteTx::deleteUserSessions(core::TenantId tenant, core::UserId user, const std::string& keep_token_hash) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("DELETE FROM sessions WHERE tenant_id = ?1 AND user_id = ?2 AND token_hash <> ?3"));
  stmt.bind(1, tenant.value);
  stmt.bind(2, user.value);
  stmt.bind(3, keep_token_hash);
  PARLEY_SQ_TRY(stmt.run());
  return {};
}

Result<core::ApiTokenId> SqliteTx::createApiToken(const core::ApiToken& token) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned("users", "user", token.tenant_id, token.user_id.value));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO api_tokens (tenant_id, user_id, name, token_hash, revoked, "
                                            "last_used_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  stmt.bind(1, token.tenant_id.value)
      .bind(2, token.user_id.value)
      .bind(3, token.name)
      .bind(4, token.token_hash)
      .bind(5, token.revoked)
      .bind(6, token.last_used_at)
      .bind(7, token.created_at);
  PARLEY_SQ_TRY(stmt.run());
  return core::ApiTokenId{conn_.lastInsertRowid()};
}

Result<core::ApiToken> SqliteTx::findApiToken(const std::string& token_hash) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE token_hash = ?1"));
  stmt.bind(1, token_hash);
  return readOne<core::ApiToken>(stmt, readToken, "API token");
}

Result<std::vector<core::ApiToken>> SqliteTx::listApiTokens(core::TenantId tenant, core::UserId user) {
  PARLEY_SQ_TRY(requireOwned("users", "user", tenant, user.value));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " TOKEN_COLUMNS
                                            " FROM api_tokens WHERE user_id = ?1 AND tenant_id = ?2 ORDER BY id"));
  stmt.bind(1, user.value).bind(2, tenant.value);
  return readAll<core::ApiToken>(stmt, readToken);
}

Status SqliteTx::revokeApiToken(core::TenantId tenant, core::UserId user, core::ApiTokenId id) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE api_tokens SET revoked = 1 "
                                            "WHERE id = ?1 AND tenant_id = ?2 AND user_id = ?3"));
  stmt.bind(1, id.value).bind(2, tenant.value).bind(3, user.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("API token", id.value);
  return {};
}

// --- contacts and identities ----------------------------------------------------------------------------

Result<core::ContactId> SqliteTx::createContact(const core::Contact& contact) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireTenant(contact.tenant_id));
  if (contact.merged_into.valid()) {
    PARLEY_SQ_TRY(requireOwned("contacts", "contact", contact.tenant_id, contact.merged_into.value));
  }
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO contacts (tenant_id, name, attributes_json, merged_into, "
                                            "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  stmt.bind(1, contact.tenant_id.value)
      .bind(2, contact.name)
      .bind(3, contact.attributes_json)
      .bind(4, contact.merged_into)
      .bind(5, contact.created_at)
      .bind(6, contact.updated_at);
  PARLEY_SQ_TRY(stmt.run());
  return core::ContactId{conn_.lastInsertRowid()};
}

Result<core::Contact> SqliteTx::getContact(core::TenantId tenant, core::ContactId id) {
  PARLEY_SQ_ASSIGN(Stmt stmt,
                   conn_.prepare("SELECT " CONTACT_COLUMNS " FROM contacts WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  return readOne<core::Contact>(stmt, readContact, "contact");
}

Status SqliteTx::updateContact(const core::Contact& contact) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned("contacts", "contact", contact.tenant_id, contact.id.value));
  if (contact.merged_into.valid()) {
    if (contact.merged_into == contact.id) return makeError(ErrorCode::InvalidInput, "a contact cannot merge into itself");
    PARLEY_SQ_TRY(requireOwned("contacts", "contact", contact.tenant_id, contact.merged_into.value));
  }
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE contacts SET name = ?1, attributes_json = ?2, merged_into = ?3, "
                                            "updated_at = ?4 WHERE id = ?5 AND tenant_id = ?6"));
  stmt.bind(1, contact.name)
      .bind(2, contact.attributes_json)
      .bind(3, contact.merged_into)
      .bind(4, contact.updated_at)
      .bind(5, contact.id.value)
      .bind(6, contact.tenant_id.value);
  return stmt.run();
}

Result<std::vector<core::Contact>> SqliteTx::listContacts(const app::ContactQuery& query) {
  PARLEY_SQ_ASSIGN(int limit, pageLimit(query.limit));
  std::string sql = "SELECT " CONTACT_COLUMNS " FROM contacts c WHERE c.tenant_id = ?1 AND c.id > ?2";
  if (!query.include_merged) sql += " AND c.merged_into IS NULL";
  if (!query.query.empty()) {
    // LIKE is case-insensitive for ASCII letters; the pattern is escaped, so % and _ are literal.
    sql += " AND (c.name LIKE ?4 ESCAPE '\\' OR EXISTS (SELECT 1 FROM contact_identities i "
           "WHERE i.contact_id = c.id AND i.value LIKE ?4 ESCAPE '\\'))";
  }
  sql += " ORDER BY c.id LIMIT ?3";
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(sql));
  stmt.bind(1, query.tenant_id.value).bind(2, query.after ? query.after->value : 0).bind(3, limit);
  if (!query.query.empty()) stmt.bind(4, likeContains(query.query));
  return readAll<core::Contact>(stmt, readContact);
}

Result<core::IdentityId> SqliteTx::addIdentity(const core::ContactIdentity& identity) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned("contacts", "contact", identity.tenant_id, identity.contact_id.value));
  if (identity.original_contact_id.valid()) {
    PARLEY_SQ_TRY(requireOwned("contacts", "contact", identity.tenant_id, identity.original_contact_id.value));
  }
  PARLEY_SQ_ASSIGN(Stmt stmt,
                   conn_.prepare("INSERT INTO contact_identities (tenant_id, contact_id, kind, scope, value, verified, "
                                 "original_contact_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  stmt.bind(1, identity.tenant_id.value)
      .bind(2, identity.contact_id.value)
      .bind(3, core::toString(identity.kind))
      .bind(4, identity.scope)
      .bind(5, identity.value)
      .bind(6, identity.verified)
      .bind(7, identity.original_contact_id)
      .bind(8, identity.created_at);
  PARLEY_SQ_TRY(stmt.run());
  return core::IdentityId{conn_.lastInsertRowid()};
}

Result<core::ContactIdentity> SqliteTx::findIdentity(core::TenantId tenant, core::IdentityKind kind,
                                                     const std::string& scope, const std::string& value) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " IDENTITY_COLUMNS " FROM contact_identities "
                                            "WHERE tenant_id = ?1 AND kind = ?2 AND scope = ?3 AND value = ?4"));
  stmt.bind(1, tenant.value).bind(2, core::toString(kind)).bind(3, scope).bind(4, value);
  return readOne<core::ContactIdentity>(stmt, readIdentity, "identity");
}

Result<std::vector<core::ContactIdentity>> SqliteTx::listIdentities(core::TenantId tenant, core::ContactId contact) {
  PARLEY_SQ_TRY(requireOwned("contacts", "contact", tenant, contact.value));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " IDENTITY_COLUMNS " FROM contact_identities "
                                            "WHERE contact_id = ?1 AND tenant_id = ?2 ORDER BY id"));
  stmt.bind(1, contact.value).bind(2, tenant.value);
  return readAll<core::ContactIdentity>(stmt, readIdentity);
}

Status SqliteTx::deleteIdentity(core::TenantId tenant, core::IdentityId id) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("DELETE FROM contact_identities WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("identity", id.value);
  return {};
}

Status SqliteTx::mergeContacts(core::TenantId tenant, core::ContactId target, core::ContactId source) {
  PARLEY_SQ_TRY(requireWritable());
  if (target == source) return makeError(ErrorCode::InvalidInput, "a contact cannot merge into itself");
  PARLEY_SQ_ASSIGN(core::Contact into, getContact(tenant, target));
  PARLEY_SQ_ASSIGN(core::Contact from, getContact(tenant, source));
  if (from.merged_into.valid()) {
    return makeError(ErrorCode::Conflict, "contact " + std::to_string(source.value) + " is already merged");
  }
  if (into.merged_into.valid()) {
    return makeError(ErrorCode::Conflict,
                     "contact " + std::to_string(target.value) + " was merged into another contact");
  }
  // original_contact_id keeps the first owner, so un-merging a contact that was itself a merge
  // target gives back only what was its own.
  for (const char* sql :
       {"UPDATE contact_identities SET original_contact_id = COALESCE(original_contact_id, ?2), contact_id = ?1 "
        "WHERE contact_id = ?2 AND tenant_id = ?3",
        "UPDATE conversations SET original_contact_id = COALESCE(original_contact_id, ?2), contact_id = ?1 "
        "WHERE contact_id = ?2 AND tenant_id = ?3",
        "UPDATE contacts SET merged_into = ?1 WHERE id = ?2 AND tenant_id = ?3"}) {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(sql));
    stmt.bind(1, target.value).bind(2, source.value).bind(3, tenant.value);
    PARLEY_SQ_TRY(stmt.run());
  }
  return {};
}

Status SqliteTx::unmergeContact(core::TenantId tenant, core::ContactId source) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(core::Contact from, getContact(tenant, source));
  if (!from.merged_into.valid()) {
    return makeError(ErrorCode::Conflict, "contact " + std::to_string(source.value) + " is not merged");
  }
  for (const char* sql :
       {"UPDATE contact_identities SET contact_id = ?1, original_contact_id = NULL "
        "WHERE original_contact_id = ?1 AND tenant_id = ?2",
        "UPDATE conversations SET contact_id = ?1, original_contact_id = NULL "
        "WHERE original_contact_id = ?1 AND tenant_id = ?2",
        "UPDATE contacts SET merged_into = NULL WHERE id = ?1 AND tenant_id = ?2"}) {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(sql));
    stmt.bind(1, source.value).bind(2, tenant.value);
    PARLEY_SQ_TRY(stmt.run());
  }
  return {};
}

// --- conversations ---------------------------------------------------------------------------------------

Result<std::vector<std::string>> SqliteTx::conversationLabels(core::ConversationId conversation) {
  PARLEY_SQ_ASSIGN(Stmt stmt,
                   conn_.prepare("SELECT label FROM conversation_labels WHERE conversation_id = ?1 ORDER BY label"));
  stmt.bind(1, conversation.value);
  return readAll<std::string>(stmt, [](const Stmt& s) { return s.text(0); });
}

Status SqliteTx::writeLabels(core::ConversationId conversation, const std::vector<std::string>& labels) {
  {
    PARLEY_SQ_ASSIGN(Stmt del, conn_.prepare("DELETE FROM conversation_labels WHERE conversation_id = ?1"));
    del.bind(1, conversation.value);
    PARLEY_SQ_TRY(del.run());
  }
  for (const auto& label : labels) {
    PARLEY_SQ_ASSIGN(Stmt ins, conn_.prepare("INSERT OR IGNORE INTO conversation_labels (conversation_id, label) "
                                             "VALUES (?1, ?2)"));
    ins.bind(1, conversation.value).bind(2, label);
    PARLEY_SQ_TRY(ins.run());
  }
  return {};
}

Status SqliteTx::checkConversationRefs(const core::Conversation& c) {
  PARLEY_SQ_TRY(requireOwned("inboxes", "inbox", c.tenant_id, c.inbox_id.value));
  PARLEY_SQ_TRY(requireOwned("contacts", "contact", c.tenant_id, c.contact_id.value));
  if (c.original_contact_id.valid()) {
    PARLEY_SQ_TRY(requireOwned("contacts", "contact", c.tenant_id, c.original_contact_id.value));
  }
  if (c.assignee_id.valid()) PARLEY_SQ_TRY(requireOwned("users", "user", c.tenant_id, c.assignee_id.value));
  if (c.team_id.valid()) PARLEY_SQ_TRY(requireOwned("teams", "team", c.tenant_id, c.team_id.value));
  if (c.queue_id.valid()) PARLEY_SQ_TRY(requireOwned("routing_queues", "queue", c.tenant_id, c.queue_id.value));
  return {};
}

Result<std::vector<core::Conversation>> SqliteTx::conversationsWithLabels(Stmt& stmt) {
  PARLEY_SQ_ASSIGN(auto conversations, readAll<core::Conversation>(stmt, readConversation));
  for (auto& c : conversations) {
    PARLEY_SQ_ASSIGN(c.labels, conversationLabels(c.id));
  }
  return conversations;
}

Result<core::ConversationId> SqliteTx::createConversation(const core::Conversation& c) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(checkConversationRefs(c));
  core::ConversationId id;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(
                                    "INSERT INTO conversations (tenant_id, inbox_id, contact_id, original_contact_id, "
                                    "status, priority, assignee_id, team_id, snoozed_until, created_at, "
                                    "last_activity_at, first_response_at, resolved_at, last_incoming_at, is_public, queue_id, "
                                    "enqueued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                                    "?15, ?16, ?17)"));
    stmt.bind(1, c.tenant_id.value)
        .bind(2, c.inbox_id.value)
        .bind(3, c.contact_id.value)
        .bind(4, c.original_contact_id)
        .bind(5, core::toString(c.status))
        .bind(6, core::toString(c.priority))
        .bind(7, c.assignee_id)
        .bind(8, c.team_id)
        .bind(9, c.snoozed_until)
        .bind(10, c.created_at)
        .bind(11, c.last_activity_at)
        .bind(12, c.first_response_at)
        .bind(13, c.resolved_at)
        .bind(14, c.last_incoming_at)
        .bind(15, c.is_public)
        .bind(16, c.queue_id)
        .bind(17, c.enqueued_at);
    PARLEY_SQ_TRY(stmt.run());
    id = core::ConversationId{conn_.lastInsertRowid()};
  }
  PARLEY_SQ_TRY(writeLabels(id, c.labels));
  return id;
}

Result<core::Conversation> SqliteTx::getConversation(core::TenantId tenant, core::ConversationId id) {
  core::Conversation c;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " CONVERSATION_COLUMNS
                                              " FROM conversations c WHERE c.id = ?1 AND c.tenant_id = ?2"));
    stmt.bind(1, id.value).bind(2, tenant.value);
    PARLEY_SQ_ASSIGN(c, readOne<core::Conversation>(stmt, readConversation, "conversation"));
  }
  PARLEY_SQ_ASSIGN(c.labels, conversationLabels(c.id));
  return c;
}

Status SqliteTx::flushSearchIndex() {
  {
    PARLEY_SQ_ASSIGN(Stmt index, conn_.prepare("INSERT INTO messages_fts(rowid, text) SELECT m.id, m.text FROM "
                                               // CROSS JOIN fixes the order: walk the few pending
                                               // ids, look each message up by rowid.
                                               "messages_fts_pending p CROSS JOIN messages m ON m.id = p.id"));
    PARLEY_SQ_TRY(index.run());
  }
  PARLEY_SQ_ASSIGN(Stmt clear, conn_.prepare("DELETE FROM messages_fts_pending"));
  return clear.run();
}

Status SqliteTx::updateConversation(const core::Conversation& c) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned("conversations", "conversation", c.tenant_id, c.id.value));
  PARLEY_SQ_TRY(checkConversationRefs(c));
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE conversations SET inbox_id = ?1, contact_id = ?2, "
                                              "original_contact_id = ?3, status = ?4, priority = ?5, assignee_id = ?6, "
                                              "team_id = ?7, snoozed_until = ?8, last_activity_at = ?9, "
                                              "first_response_at = ?10, resolved_at = ?11, last_incoming_at = ?12, "
                                              "is_public = ?13 WHERE id = ?14 AND tenant_id = ?15"));
    stmt.bind(1, c.inbox_id.value)
        .bind(2, c.contact_id.value)
        .bind(3, c.original_contact_id)
        .bind(4, core::toString(c.status))
        .bind(5, core::toString(c.priority))
        .bind(6, c.assignee_id)
        .bind(7, c.team_id)
        .bind(8, c.snoozed_until)
        .bind(9, c.last_activity_at)
        .bind(10, c.first_response_at)
        .bind(11, c.resolved_at)
        .bind(12, c.last_incoming_at)
        .bind(13, c.is_public)
        .bind(14, c.id.value)
        .bind(15, c.tenant_id.value);
    PARLEY_SQ_TRY(stmt.run());
  }
  // Most updates (every inbound message) leave the labels alone: do not rewrite them.
  PARLEY_SQ_ASSIGN(auto stored, conversationLabels(c.id));
  std::vector<std::string> wanted = c.labels;
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  if (stored == wanted) return {};
  return writeLabels(c.id, c.labels);
}

Status SqliteTx::recordConversationActivity(const core::Conversation& c) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE conversations SET status = ?1, snoozed_until = ?2, "
                                            "last_activity_at = ?3, last_incoming_at = ?4 WHERE id = ?5 AND tenant_id = ?6"));
  stmt.bind(1, core::toString(c.status))
      .bind(2, c.snoozed_until)
      .bind(3, c.last_activity_at)
      .bind(4, c.last_incoming_at)
      .bind(5, c.id.value)
      .bind(6, c.tenant_id.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() != 1) return notFound("conversation", c.id.value);
  return {};
}

Result<std::vector<core::Conversation>> SqliteTx::listConversations(const app::ConversationFilter& f) {
  PARLEY_SQ_ASSIGN(int limit, pageLimit(f.limit));
  if (f.inbox_ids && f.inbox_ids->empty()) return std::vector<core::Conversation>{};
  // One statement text per combination of filters (a bounded number, each cached once).
  std::vector<Param> params{f.tenant_id.value};
  auto next = [&params](Param p) {
    params.push_back(std::move(p));
    return "?" + std::to_string(params.size());
  };
  std::string sql = "SELECT " CONVERSATION_COLUMNS " FROM conversations c WHERE c.tenant_id = ?1";
  if (f.inbox_ids) sql += " AND c.inbox_id IN (SELECT value FROM json_each(" + next(jsonIds(*f.inbox_ids)) + "))";
  if (f.inbox_id) sql += " AND c.inbox_id = " + next(f.inbox_id->value);
  if (f.status) sql += " AND c.status = " + next(std::string(core::toString(*f.status)));
  if (f.assignee_id) {
    sql += f.assignee_id->valid() ? " AND c.assignee_id = " + next(f.assignee_id->value) : " AND c.assignee_id IS NULL";
  }
  if (f.team_id) sql += f.team_id->valid() ? " AND c.team_id = " + next(f.team_id->value) : " AND c.team_id IS NULL";
  if (f.contact_id) sql += " AND c.contact_id = " + next(f.contact_id->value);
  if (f.label) {
    sql += " AND EXISTS (SELECT 1 FROM conversation_labels l WHERE l.conversation_id = c.id AND l.label = " +
           next(*f.label) + ")";
  }
  if (f.after) {
    // Row-value comparison: a range on the (.., last_activity_at DESC, id DESC) indexes.
    std::string at = next(f.after->first);
    sql += " AND (c.last_activity_at, c.id) < (" + at + ", " + next(f.after->second.value) + ")";
  }
  sql += " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT " + next(std::int64_t{limit});
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(sql));
  bindAll(stmt, params);
  return conversationsWithLabels(stmt);
}

Result<core::Conversation> SqliteTx::findActiveConversation(core::TenantId tenant, core::ContactId contact,
                                                            core::InboxId inbox) {
  core::Conversation c;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " CONVERSATION_COLUMNS " FROM conversations c WHERE c.contact_id = ?1 "
                                              "AND c.inbox_id = ?2 AND c.tenant_id = ?3 AND c.status <> 'resolved' "
                                              "ORDER BY c.id DESC LIMIT 1"));
    stmt.bind(1, contact.value).bind(2, inbox.value).bind(3, tenant.value);
    PARLEY_SQ_ASSIGN(c, readOne<core::Conversation>(stmt, readConversation, "active conversation"));
  }
  PARLEY_SQ_ASSIGN(c.labels, conversationLabels(c.id));
  return c;
}

// --- messages ------------------------------------------------------------------------------------------------

Result<std::vector<core::AttachmentId>> SqliteTx::messageAttachments(core::MessageId message) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT id FROM attachments WHERE message_id = ?1 ORDER BY id"));
  stmt.bind(1, message.value);
  return readIds<core::AttachmentId>(stmt);
}

Result<std::vector<core::Message>> SqliteTx::messagesWithAttachments(Stmt& stmt) {
  PARLEY_SQ_ASSIGN(auto messages, readAll<core::Message>(stmt, readMessage));
  for (auto& m : messages) {
    PARLEY_SQ_ASSIGN(m.attachment_ids, messageAttachments(m.id));
  }
  return messages;
}

Result<core::MessageId> SqliteTx::insertMessage(const core::Message& m) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(invalidCoordinate(m.latitude));
  PARLEY_SQ_TRY(invalidCoordinate(m.longitude));
  {
    // The references every message has, in one statement (ingest inserts one message per request).
    PARLEY_SQ_ASSIGN(Stmt refs, conn_.prepare("SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ?1 AND tenant_id = ?4), "
                                              "EXISTS (SELECT 1 FROM inboxes WHERE id = ?2 AND tenant_id = ?4), "
                                              "?3 IS NULL OR EXISTS (SELECT 1 FROM contacts WHERE id = ?3 AND tenant_id = ?4)"));
    refs.bind(1, m.conversation_id.value).bind(2, m.inbox_id.value).bind(3, m.sender_contact_id).bind(4, m.tenant_id.value);
    PARLEY_SQ_ASSIGN(bool row, refs.step());
    if (!row) return makeError(ErrorCode::Internal, "message references: no row");
    if (refs.i64(0) == 0) return notFound("conversation", m.conversation_id.value);
    if (refs.i64(1) == 0) return notFound("inbox", m.inbox_id.value);
    if (refs.i64(2) == 0) return notFound("contact", m.sender_contact_id.value);
  }
  if (m.sender_user_id.valid()) PARLEY_SQ_TRY(requireOwned("users", "user", m.tenant_id, m.sender_user_id.value));
  if (m.reply_to_id.valid()) PARLEY_SQ_TRY(requireOwned("messages", "message", m.tenant_id, m.reply_to_id.value));
  for (core::AttachmentId attachment : m.attachment_ids) {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT message_id FROM attachments WHERE id = ?1 AND tenant_id = ?2"));
    stmt.bind(1, attachment.value).bind(2, m.tenant_id.value);
    PARLEY_SQ_ASSIGN(bool row, stmt.step());
    if (!row) return notFound("attachment", attachment.value);
    if (!stmt.isNull(0)) {
      return makeError(ErrorCode::Conflict,
                       "attachment " + std::to_string(attachment.value) + " belongs to another message");
    }
  }
  core::MessageId id;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO messages (tenant_id, conversation_id, inbox_id, direction, "
                                              "text, sender_user_id, sender_contact_id, external_id, reply_to_id, "
                                              "latitude, longitude, location_name, delivery_status, delivery_error, "
                                              "created_at, updated_at, kind, payload_json) VALUES (?1, ?2, ?3, ?4, ?5, "
                                              "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"));
    stmt.bind(1, m.tenant_id.value)
        .bind(2, m.conversation_id.value)
        .bind(3, m.inbox_id.value)
        .bind(4, core::toString(m.direction))
        .bind(5, m.text)
        .bind(6, m.sender_user_id)
        .bind(7, m.sender_contact_id)
        .bind(8, m.external_id)
        .bind(9, m.reply_to_id)
        .bind(10, m.latitude)
        .bind(11, m.longitude)
        .bind(12, m.location_name)
        .bind(13, core::toString(m.delivery_status))
        .bind(14, m.delivery_error)
        .bind(15, m.created_at)
        .bind(16, m.updated_at)
        .bind(17, core::toString(m.kind))
        .bind(18, m.payload_json);
    PARLEY_SQ_TRY(stmt.run());
    id = core::MessageId{conn_.lastInsertRowid()};
  }
  for (core::AttachmentId attachment : m.attachment_ids) {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE attachments SET message_id = ?1 WHERE id = ?2"));
    stmt.bind(1, id.value).bind(2, attachment.value);
    PARLEY_SQ_TRY(stmt.run());
  }
  return id;
}

Result<core::Message> SqliteTx::getMessage(core::TenantId tenant, core::MessageId id) {
  core::Message m;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt,
                     conn_.prepare("SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.id = ?1 AND m.tenant_id = ?2"));
    stmt.bind(1, id.value).bind(2, tenant.value);
    PARLEY_SQ_ASSIGN(m, readOne<core::Message>(stmt, readMessage, "message"));
  }
  PARLEY_SQ_ASSIGN(m.attachment_ids, messageAttachments(m.id));
  return m;
}

Result<core::Message> SqliteTx::findMessageByExternalId(core::InboxId inbox, const std::string& external_id) {
  if (external_id.empty()) return notFound("message");
  core::Message m;
  {
    // `external_id <> ''` lets the planner use the partial unique index.
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " MESSAGE_COLUMNS " FROM messages m "
                                              "WHERE m.inbox_id = ?1 AND m.external_id = ?2 AND m.external_id <> ''"));
    stmt.bind(1, inbox.value).bind(2, external_id);
    PARLEY_SQ_ASSIGN(m, readOne<core::Message>(stmt, readMessage, "message"));
  }
  PARLEY_SQ_ASSIGN(m.attachment_ids, messageAttachments(m.id));
  return m;
}

Result<std::vector<core::Message>> SqliteTx::listMessages(core::TenantId tenant, core::ConversationId conversation,
                                                          core::MessageId after, int limit) {
  PARLEY_SQ_ASSIGN(int page, pageLimit(limit));
  PARLEY_SQ_TRY(requireOwned("conversations", "conversation", tenant, conversation.value));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.conversation_id = ?1 "
                                            "AND m.tenant_id = ?2 AND m.id > ?3 ORDER BY m.id LIMIT ?4"));
  stmt.bind(1, conversation.value).bind(2, tenant.value).bind(3, after.value).bind(4, page);
  return messagesWithAttachments(stmt);
}

Result<core::Message> SqliteTx::lastIncomingMessage(core::TenantId tenant, core::ConversationId conversation) {
  core::Message m;
  {
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.conversation_id = ?1 "
                                              "AND m.tenant_id = ?2 AND m.direction = 'incoming' ORDER BY m.id DESC LIMIT 1"));
    stmt.bind(1, conversation.value).bind(2, tenant.value);
    PARLEY_SQ_ASSIGN(m, readOne<core::Message>(stmt, readMessage, "message"));
  }
  PARLEY_SQ_ASSIGN(m.attachment_ids, messageAttachments(m.id));
  return m;
}

Status SqliteTx::updateMessage(const core::Message& m) {
  PARLEY_SQ_TRY(requireWritable());
  // The FTS index follows through the messages_fts_update trigger. An external_id already used
  // in the inbox fails the statement on messages_external (Conflict) and changes nothing.
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE messages SET text = ?1, kind = ?2, payload_json = ?3, "
                                            "external_id = ?4, delivery_status = ?5, delivery_error = ?6, "
                                            "updated_at = ?7 WHERE id = ?8 AND tenant_id = ?9"));
  stmt.bind(1, m.text)
      .bind(2, core::toString(m.kind))
      .bind(3, m.payload_json)
      .bind(4, m.external_id)
      .bind(5, core::toString(m.delivery_status))
      .bind(6, m.delivery_error)
      .bind(7, m.updated_at)
      .bind(8, m.id.value)
      .bind(9, m.tenant_id.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("message", m.id.value);
  return {};
}

Result<std::vector<core::Message>> SqliteTx::searchMessages(const app::MessageSearch& search) {
  PARLEY_SQ_ASSIGN(int limit, pageLimit(search.limit));
  PARLEY_SQ_ASSIGN(std::string match, ftsQuery(search.query));
  if (match.empty()) return std::vector<core::Message>{};
  if (search.inbox_ids && search.inbox_ids->empty()) return std::vector<core::Message>{};
  // Walks the FTS index by rowid (= message id) descending: newest first without sorting, and
  // the `before` cursor becomes a rowid range inside the index.
  std::vector<Param> params{match, search.tenant_id.value};
  auto next = [&params](Param p) {
    params.push_back(std::move(p));
    return "?" + std::to_string(params.size());
  };
  std::string sql = "SELECT " MESSAGE_COLUMNS " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
                    "WHERE messages_fts MATCH ?1 AND m.tenant_id = ?2";
  if (search.before) sql += " AND messages_fts.rowid < " + next(search.before->value);
  if (search.inbox_ids) sql += " AND m.inbox_id IN (SELECT value FROM json_each(" + next(jsonIds(*search.inbox_ids)) + "))";
  sql += " ORDER BY messages_fts.rowid DESC LIMIT " + next(std::int64_t{limit});
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(sql));
  bindAll(stmt, params);
  return messagesWithAttachments(stmt);
}

// --- attachments -----------------------------------------------------------------------------------------------

Result<core::AttachmentId> SqliteTx::insertAttachment(const core::Attachment& a) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireTenant(a.tenant_id));
  if (a.message_id.valid()) PARLEY_SQ_TRY(requireOwned("messages", "message", a.tenant_id, a.message_id.value));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO attachments (tenant_id, message_id, sha256, size, "
                                            "content_type, filename, created_at, state, provider_ref, error, "
                                            "fetch_attempts, next_fetch_at, uploaded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                                            "?8, ?9, ?10, ?11, ?12, ?13)"));
  stmt.bind(1, a.tenant_id.value)
      .bind(2, a.message_id)
      .bind(3, a.sha256)
      .bind(4, a.size)
      .bind(5, a.content_type)
      .bind(6, a.filename)
      .bind(7, a.created_at)
      .bind(8, core::toString(a.state))
      .bind(9, a.provider_ref)
      .bind(10, a.error)
      .bind(11, a.fetch_attempts)
      .bind(12, a.next_fetch_at)
      .bind(13, a.uploaded_by);
  PARLEY_SQ_TRY(stmt.run());
  return core::AttachmentId{conn_.lastInsertRowid()};
}

Result<core::Attachment> SqliteTx::getAttachment(core::TenantId tenant, core::AttachmentId id) {
  PARLEY_SQ_ASSIGN(Stmt stmt,
                   conn_.prepare("SELECT " ATTACHMENT_COLUMNS " FROM attachments WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  return readOne<core::Attachment>(stmt, readAttachment, "attachment");
}

Status SqliteTx::updateAttachment(const core::Attachment& a) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE attachments SET sha256 = ?1, size = ?2, content_type = ?3, "
                                            "filename = ?4, state = ?5, provider_ref = ?6, error = ?7, "
                                            "fetch_attempts = ?8, next_fetch_at = ?9 WHERE id = ?10 AND tenant_id = ?11"));
  stmt.bind(1, a.sha256)
      .bind(2, a.size)
      .bind(3, a.content_type)
      .bind(4, a.filename)
      .bind(5, core::toString(a.state))
      .bind(6, a.provider_ref)
      .bind(7, a.error)
      .bind(8, a.fetch_attempts)
      .bind(9, a.next_fetch_at)
      .bind(10, a.id.value)
      .bind(11, a.tenant_id.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("attachment", a.id.value);
  return {};
}

Result<std::vector<core::Attachment>> SqliteTx::dueAttachments(core::TimestampMs now, int limit) {
  PARLEY_SQ_ASSIGN(int page, pageLimit(limit));
  // A range on attachments_due (state, next_fetch_at, id): no sort.
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " ATTACHMENT_COLUMNS " FROM attachments WHERE state = 'pending' "
                                            "AND next_fetch_at <= ?1 ORDER BY next_fetch_at, id LIMIT ?2"));
  stmt.bind(1, now).bind(2, page);
  return readAll<core::Attachment>(stmt, readAttachment);
}

Result<std::vector<std::string>> SqliteTx::referencedBlobs(const std::vector<std::string>& sha256s) {
  if (sha256s.size() > 1000) return makeError(ErrorCode::InvalidInput, "at most 1000 content hashes per call");
  if (sha256s.empty()) return std::vector<std::string>{};
  // `sha256 <> ''` lets SQLite use the partial index.
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT DISTINCT sha256 FROM attachments WHERE sha256 <> '' AND sha256 IN "
                                            "(SELECT value FROM json_each(?1))"));
  stmt.bind(1, jsonStrings(sha256s));
  return readAll<std::string>(stmt, [](const Stmt& s) { return s.text(0); });
}

Result<bool> SqliteTx::namesAnyBlob() {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 <> '')"));
  return readOne<bool>(stmt, [](const Stmt& s) { return s.boolean(0); }, "attachment");
}

// --- canned responses ----------------------------------------------------------------------------------------

Result<core::CannedResponseId> SqliteTx::createCannedResponse(const core::CannedResponse& r) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireTenant(r.tenant_id));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO canned_responses (tenant_id, short_code, language, content, "
                                            "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  stmt.bind(1, r.tenant_id.value)
      .bind(2, r.short_code)
      .bind(3, core::toString(r.language))
      .bind(4, r.content)
      .bind(5, r.created_at)
      .bind(6, r.updated_at);
  PARLEY_SQ_TRY(stmt.run());
  return core::CannedResponseId{conn_.lastInsertRowid()};
}

Result<core::CannedResponse> SqliteTx::getCannedResponse(core::TenantId tenant, core::CannedResponseId id) {
  PARLEY_SQ_ASSIGN(Stmt stmt,
                   conn_.prepare("SELECT " CANNED_COLUMNS " FROM canned_responses WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  return readOne<core::CannedResponse>(stmt, readCanned, "canned response");
}

Result<std::vector<core::CannedResponse>> SqliteTx::listCannedResponses(core::TenantId tenant) {
  PARLEY_SQ_ASSIGN(Stmt stmt,
                   conn_.prepare("SELECT " CANNED_COLUMNS " FROM canned_responses WHERE tenant_id = ?1 ORDER BY id"));
  stmt.bind(1, tenant.value);
  return readAll<core::CannedResponse>(stmt, readCanned);
}

Status SqliteTx::updateCannedResponse(const core::CannedResponse& r) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE canned_responses SET short_code = ?1, language = ?2, content = ?3, "
                                            "updated_at = ?4 WHERE id = ?5 AND tenant_id = ?6"));
  stmt.bind(1, r.short_code)
      .bind(2, core::toString(r.language))
      .bind(3, r.content)
      .bind(4, r.updated_at)
      .bind(5, r.id.value)
      .bind(6, r.tenant_id.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("canned response", r.id.value);
  return {};
}

Status SqliteTx::deleteCannedResponse(core::TenantId tenant, core::CannedResponseId id) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("DELETE FROM canned_responses WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("canned response", id.value);
  return {};
}

// --- outbox -----------------------------------------------------------------------------------------------------

Result<core::OutboxId> SqliteTx::enqueueOutbox(const core::OutboxItem& item) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned("inboxes", "inbox", item.tenant_id, item.inbox_id.value));
  if (item.message_id.valid()) {
    PARLEY_SQ_TRY(requireOwned("messages", "message", item.tenant_id, item.message_id.value));
  }
  PARLEY_SQ_ASSIGN(Stmt stmt,
                   conn_.prepare("INSERT INTO outbox (tenant_id, inbox_id, message_id, idempotency_key, payload, state, "
                                 "attempts, next_attempt_at, last_error, created_at, updated_at, sending_since, throttled) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
  stmt.bind(1, item.tenant_id.value)
      .bind(2, item.inbox_id.value)
      .bind(3, item.message_id)
      .bind(4, item.idempotency_key)
      .bindBlob(5, item.payload)
      .bind(6, core::toString(item.state))
      .bind(7, item.attempts)
      .bind(8, item.next_attempt_at)
      .bind(9, item.last_error)
      .bind(10, item.created_at)
      .bind(11, item.updated_at)
      .bind(12, item.sending_since)
      .bind(13, item.throttled);
  PARLEY_SQ_TRY(stmt.run());
  return core::OutboxId{conn_.lastInsertRowid()};
}

Result<std::vector<core::OutboxItem>> SqliteTx::dueOutbox(core::TimestampMs now, int limit, app::OutboxShard shard) {
  PARLEY_SQ_ASSIGN(int page, pageLimit(limit));
  PARLEY_SQ_TRY(app::checkShard(shard));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " OUTBOX_COLUMNS " FROM outbox WHERE state = 'pending' "
                                            "AND next_attempt_at <= ?1 AND inbox_id % ?3 = ?4 ORDER BY next_attempt_at, id LIMIT ?2"));
  stmt.bind(1, now).bind(2, page).bind(3, shard.count).bind(4, shard.index);
  return readAll<core::OutboxItem>(stmt, readOutbox);
}

Status SqliteTx::updateOutbox(const core::OutboxItem& item) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE outbox SET state = ?1, attempts = ?2, next_attempt_at = ?3, "
                                            "last_error = ?4, updated_at = ?5, sending_since = ?7, throttled = ?8 "
                                            "WHERE id = ?6"));
  stmt.bind(1, core::toString(item.state))
      .bind(2, item.attempts)
      .bind(3, item.next_attempt_at)
      .bind(4, item.last_error)
      .bind(5, item.updated_at)
      .bind(6, item.id.value)
      .bind(7, item.sending_since)
      .bind(8, item.throttled);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("outbox item", item.id.value);
  return {};
}

Status SqliteTx::markOutboxSending(core::OutboxId id, core::TimestampMs expected_since, core::TimestampMs since,
                                   core::TimestampMs next_attempt_at) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE outbox SET sending_since = ?1, next_attempt_at = ?2, updated_at = ?1 "
                                            "WHERE id = ?3 AND state = 'pending' AND sending_since = ?4"));
  stmt.bind(1, since).bind(2, next_attempt_at).bind(3, id.value).bind(4, expected_since);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 1) return {};
  PARLEY_SQ_ASSIGN(Stmt exists, conn_.prepare("SELECT 1 FROM outbox WHERE id = ?1"));
  exists.bind(1, id.value);
  PARLEY_SQ_ASSIGN(bool row, exists.step());
  if (!row) return notFound("outbox item", id.value);
  return core::makeError(core::ErrorCode::Conflict, "outbox item " + std::to_string(id.value) + " was taken by another worker");
}

Result<std::vector<core::OutboxItem>> SqliteTx::sendingOutbox(int limit, app::OutboxShard shard) {
  PARLEY_SQ_ASSIGN(int page, pageLimit(limit));
  PARLEY_SQ_TRY(app::checkShard(shard));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " OUTBOX_COLUMNS " FROM outbox WHERE state = 'pending' "
                                            "AND sending_since > 0 AND inbox_id % ?2 = ?3 ORDER BY sending_since, id LIMIT ?1"));
  stmt.bind(1, page).bind(2, shard.count).bind(3, shard.index);
  return readAll<core::OutboxItem>(stmt, readOutbox);
}

Result<std::vector<core::OutboxItem>> SqliteTx::attemptedOutbox(core::InboxId inbox, int limit) {
  PARLEY_SQ_ASSIGN(int page, pageLimit(limit));
  // The terms of the partial index outbox_attempted, as written there (migration 10).
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " OUTBOX_COLUMNS " FROM outbox WHERE inbox_id = ?1 AND state = 'pending' "
                                            "AND (attempts > 0 OR sending_since > 0) ORDER BY updated_at DESC, id DESC LIMIT ?2"));
  stmt.bind(1, inbox.value).bind(2, page);
  return readAll<core::OutboxItem>(stmt, readOutbox);
}

Result<std::vector<core::OutboxItem>> SqliteTx::failedOutbox(core::InboxId inbox, const std::string& reason,
                                                              core::TimestampMs since, int limit) {
  PARLEY_SQ_ASSIGN(int page, pageLimit(limit));
  // A range of the partial index outbox_failed (migration 13); the reason is checked per row.
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " OUTBOX_COLUMNS " FROM outbox WHERE inbox_id = ?1 AND state = 'failed' "
                                            "AND updated_at >= ?2 AND last_error = ?3 ORDER BY updated_at DESC, id DESC "
                                            "LIMIT ?4"));
  stmt.bind(1, inbox.value).bind(2, since).bind(3, reason).bind(4, page);
  return readAll<core::OutboxItem>(stmt, readOutbox);
}

Result<core::OutboxItem> SqliteTx::outboxForMessage(core::TenantId tenant, core::MessageId message) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " OUTBOX_COLUMNS " FROM outbox WHERE tenant_id = ?1 AND message_id = ?2 "
                                            "ORDER BY id DESC LIMIT 1"));
  stmt.bind(1, tenant.value).bind(2, message.value);
  return readOne<core::OutboxItem>(stmt, readOutbox, "outbox item of the message");
}

Result<std::int64_t> SqliteTx::outboxDepth() { return count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'"); }

Result<std::int64_t> SqliteTx::countMessages() { return count("SELECT COUNT(*) FROM messages"); }

// --- channel state ----------------------------------------------------------------------------------------------

Result<std::string> SqliteTx::getChannelState(core::InboxId inbox, const std::string& key) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT value FROM channel_state WHERE inbox_id = ?1 AND key = ?2"));
  stmt.bind(1, inbox.value).bind(2, key);
  return readOne<std::string>(stmt, [](const Stmt& s) { return s.text(0); }, "channel state");
}

Status SqliteTx::setChannelState(core::InboxId inbox, const std::string& key, const std::string& value,
                                 core::TimestampMs now) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO channel_state (inbox_id, key, value, updated_at) "
                                            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (inbox_id, key) "
                                            "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"));
  stmt.bind(1, inbox.value).bind(2, key).bind(3, value).bind(4, now);
  auto done = stmt.run();
  if (!done && done.error().code == ErrorCode::InvalidInput) return notFound("inbox");  // foreign key
  return done;
}

// --- routing configuration --------------------------------------------------------------------------------

namespace {

#define SKILL_COLUMNS "id, tenant_id, name, created_at"
app::RoutingSkill readSkill(const Stmt& s) {
  return app::RoutingSkill{s.id<core::routing::SkillId>(0), s.id<core::TenantId>(1), s.text(2), s.i64(3)};
}

#define QUEUE_COLUMNS "id, tenant_id, name, config_json, created_at"
app::RoutingQueueRecord readQueue(const Stmt& s) {
  return app::RoutingQueueRecord{s.id<core::routing::QueueId>(0), s.id<core::TenantId>(1), s.text(2), s.text(3), s.i64(4)};
}

app::RoutingProfileRecord readProfile(const Stmt& s) {
  return app::RoutingProfileRecord{s.id<core::TenantId>(0), s.i64(1), s.text(2)};
}

#define RULE_COLUMNS "id, tenant_id, position, inbox_id, label, language, channel, queue_id, priority"
Result<app::RoutingRule> readRule(const Stmt& s) {
  app::RoutingRule r;
  r.id = s.i64(0);
  r.tenant_id = s.id<core::TenantId>(1);
  r.position = static_cast<int>(s.i64(2));
  r.inbox_id = s.id<core::InboxId>(3);
  r.label = s.text(4);
  r.language = s.text(5);
  if (!s.isNull(6)) {
    PARLEY_SQ_ASSIGN(r.channel, parsed(core::parseChannelKind(s.text(6)), "channel", s.text(6)));
  }
  r.queue_id = s.id<core::routing::QueueId>(7);
  r.priority = static_cast<int>(s.i64(8));
  return r;
}

}  // namespace

Result<core::routing::SkillId> SqliteTx::createSkill(const app::RoutingSkill& skill) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireTenant(skill.tenant_id));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO routing_skills (tenant_id, name, created_at) VALUES (?1, ?2, ?3)"));
  stmt.bind(1, skill.tenant_id.value).bind(2, skill.name).bind(3, skill.created_at);
  PARLEY_SQ_TRY(stmt.run());
  return core::routing::SkillId{conn_.lastInsertRowid()};
}

Result<std::vector<app::RoutingSkill>> SqliteTx::listSkills(core::TenantId tenant) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " SKILL_COLUMNS " FROM routing_skills WHERE tenant_id = ?1 ORDER BY id"));
  stmt.bind(1, tenant.value);
  return readAll<app::RoutingSkill>(stmt, readSkill);
}

Status SqliteTx::updateSkill(const app::RoutingSkill& skill) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE routing_skills SET name = ?1 WHERE id = ?2 AND tenant_id = ?3"));
  stmt.bind(1, skill.name).bind(2, skill.id.value).bind(3, skill.tenant_id.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("skill", skill.id.value);
  return {};
}

Status SqliteTx::deleteSkill(core::TenantId tenant, core::routing::SkillId id) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("DELETE FROM routing_skills WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("skill", id.value);
  return {};
}

Result<core::routing::QueueId> SqliteTx::createRoutingQueue(const app::RoutingQueueRecord& queue) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireTenant(queue.tenant_id));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("INSERT INTO routing_queues (tenant_id, name, config_json, created_at) "
                                            "VALUES (?1, ?2, ?3, ?4)"));
  stmt.bind(1, queue.tenant_id.value).bind(2, queue.name).bind(3, queue.config_json).bind(4, queue.created_at);
  PARLEY_SQ_TRY(stmt.run());
  return core::routing::QueueId{conn_.lastInsertRowid()};
}

Result<app::RoutingQueueRecord> SqliteTx::getRoutingQueue(core::TenantId tenant, core::routing::QueueId id) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " QUEUE_COLUMNS " FROM routing_queues WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  return readOne<app::RoutingQueueRecord>(stmt, readQueue, "queue");
}

Status SqliteTx::saveQueueDayFigures(const std::vector<app::QueueDayFiguresRecord>& figures) {
  PARLEY_SQ_TRY(requireWritable());
  for (const auto& f : figures) {
    // Only for a queue of that tenant that still exists: a deleted queue's last figures are dropped.
    PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(
        "INSERT INTO routing_queue_days (queue_id, tenant_id, day, answered, answered_within_threshold, abandoned, "
        "abandoned_after_threshold, answered_wait_ms) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS "
        "(SELECT 1 FROM routing_queues WHERE id = ?1 AND tenant_id = ?2) "
        "ON CONFLICT (queue_id) DO UPDATE SET day = excluded.day, answered = excluded.answered, "
        "answered_within_threshold = excluded.answered_within_threshold, abandoned = excluded.abandoned, "
        "abandoned_after_threshold = excluded.abandoned_after_threshold, answered_wait_ms = excluded.answered_wait_ms"));
    stmt.bind(1, f.queue_id.value)
        .bind(2, f.tenant_id.value)
        .bind(3, f.day)
        .bind(4, f.answered)
        .bind(5, f.answered_within_threshold)
        .bind(6, f.abandoned)
        .bind(7, f.abandoned_after_threshold)
        .bind(8, std::optional<double>(f.answered_wait_ms));
    PARLEY_SQ_TRY(stmt.run());
  }
  return {};
}

Result<std::vector<app::QueueDayFiguresRecord>> SqliteTx::queueDayFigures(core::TenantId tenant, std::int64_t day) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT tenant_id, queue_id, day, answered, answered_within_threshold, abandoned, "
                                            "abandoned_after_threshold, answered_wait_ms FROM routing_queue_days "
                                            "WHERE tenant_id = ?1 AND day = ?2 ORDER BY queue_id"));
  stmt.bind(1, tenant.value).bind(2, day);
  return readAll<app::QueueDayFiguresRecord>(stmt, [](const Stmt& s) {
    app::QueueDayFiguresRecord f;
    f.tenant_id = s.id<core::TenantId>(0);
    f.queue_id = s.id<core::routing::QueueId>(1);
    f.day = s.i64(2);
    f.answered = s.i64(3);
    f.answered_within_threshold = s.i64(4);
    f.abandoned = s.i64(5);
    f.abandoned_after_threshold = s.i64(6);
    f.answered_wait_ms = s.optReal(7).value_or(0);
    return f;
  });
}

Result<std::vector<app::RoutingQueueRecord>> SqliteTx::listRoutingQueues(core::TenantId tenant) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " QUEUE_COLUMNS " FROM routing_queues WHERE tenant_id = ?1 ORDER BY id"));
  stmt.bind(1, tenant.value);
  return readAll<app::RoutingQueueRecord>(stmt, readQueue);
}

Status SqliteTx::updateRoutingQueue(const app::RoutingQueueRecord& queue) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE routing_queues SET name = ?1, config_json = ?2 "
                                            "WHERE id = ?3 AND tenant_id = ?4"));
  stmt.bind(1, queue.name).bind(2, queue.config_json).bind(3, queue.id.value).bind(4, queue.tenant_id.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("queue", queue.id.value);
  return {};
}

Status SqliteTx::deleteRoutingQueue(core::TenantId tenant, core::routing::QueueId id) {
  PARLEY_SQ_TRY(requireWritable());
  // Conversations lose the queue and rules naming it go (ON DELETE SET NULL / CASCADE).
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("DELETE FROM routing_queues WHERE id = ?1 AND tenant_id = ?2"));
  stmt.bind(1, id.value).bind(2, tenant.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("queue", id.value);
  return {};
}

// The two profile tables differ only in their owner column and the table it refers to.
struct ProfileTable {
  const char* table;
  const char* owner;
  const char* owner_table;
  const char* what;
};
namespace {
constexpr ProfileTable kAgentProfiles{"routing_agent_profiles", "user_id", "users", "user"};
constexpr ProfileTable kTeamProfiles{"routing_team_profiles", "team_id", "teams", "team"};
}  // namespace

Result<app::RoutingProfileRecord> SqliteTx::getProfile(const ProfileTable& t, core::TenantId tenant, std::int64_t owner) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(std::string("SELECT tenant_id, ") + t.owner + ", json FROM " + t.table +
                                            " WHERE " + t.owner + " = ?1 AND tenant_id = ?2"));
  stmt.bind(1, owner).bind(2, tenant.value);
  return readOne<app::RoutingProfileRecord>(stmt, readProfile, "routing profile");
}

Result<std::vector<app::RoutingProfileRecord>> SqliteTx::listProfiles(const ProfileTable& t, core::TenantId tenant) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(std::string("SELECT tenant_id, ") + t.owner + ", json FROM " + t.table +
                                            " WHERE tenant_id = ?1 ORDER BY " + t.owner));
  stmt.bind(1, tenant.value);
  return readAll<app::RoutingProfileRecord>(stmt, readProfile);
}

Status SqliteTx::setProfile(const ProfileTable& t, const app::RoutingProfileRecord& profile) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireOwned(t.owner_table, t.what, profile.tenant_id, profile.owner_id));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare(std::string("INSERT INTO ") + t.table + " (" + t.owner +
                                            ", tenant_id, json) VALUES (?1, ?2, ?3) ON CONFLICT (" + t.owner +
                                            ") DO UPDATE SET json = excluded.json"));
  stmt.bind(1, profile.owner_id).bind(2, profile.tenant_id.value).bind(3, profile.json);
  return stmt.run();
}

Result<app::RoutingProfileRecord> SqliteTx::getAgentRouting(core::TenantId tenant, core::UserId user) {
  return getProfile(kAgentProfiles, tenant, user.value);
}
Result<std::vector<app::RoutingProfileRecord>> SqliteTx::listAgentRouting(core::TenantId tenant) {
  return listProfiles(kAgentProfiles, tenant);
}
Status SqliteTx::setAgentRouting(const app::RoutingProfileRecord& profile) { return setProfile(kAgentProfiles, profile); }
Result<app::RoutingProfileRecord> SqliteTx::getTeamRouting(core::TenantId tenant, core::TeamId team) {
  return getProfile(kTeamProfiles, tenant, team.value);
}
Result<std::vector<app::RoutingProfileRecord>> SqliteTx::listTeamRouting(core::TenantId tenant) {
  return listProfiles(kTeamProfiles, tenant);
}
Status SqliteTx::setTeamRouting(const app::RoutingProfileRecord& profile) { return setProfile(kTeamProfiles, profile); }

Result<std::vector<app::RoutingRule>> SqliteTx::listRoutingRules(core::TenantId tenant) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " RULE_COLUMNS " FROM routing_rules WHERE tenant_id = ?1 "
                                            "ORDER BY position, id"));
  stmt.bind(1, tenant.value);
  return readAll<app::RoutingRule>(stmt, readRule);
}

Status SqliteTx::replaceRoutingRules(core::TenantId tenant, const std::vector<app::RoutingRule>& rules) {
  PARLEY_SQ_TRY(requireWritable());
  PARLEY_SQ_TRY(requireTenant(tenant));
  for (const auto& rule : rules) {
    PARLEY_SQ_TRY(requireOwned("routing_queues", "queue", tenant, rule.queue_id.value));
    if (rule.inbox_id.valid()) PARLEY_SQ_TRY(requireOwned("inboxes", "inbox", tenant, rule.inbox_id.value));
  }
  {
    PARLEY_SQ_ASSIGN(Stmt del, conn_.prepare("DELETE FROM routing_rules WHERE tenant_id = ?1"));
    del.bind(1, tenant.value);
    PARLEY_SQ_TRY(del.run());
  }
  int position = 0;
  for (const auto& rule : rules) {
    PARLEY_SQ_ASSIGN(Stmt ins, conn_.prepare("INSERT INTO routing_rules (tenant_id, position, inbox_id, label, language, "
                                             "channel, queue_id, priority) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    ins.bind(1, tenant.value).bind(2, position++).bind(3, rule.inbox_id).bind(4, rule.label).bind(5, rule.language);
    if (rule.channel) {
      ins.bind(6, core::toString(*rule.channel));
    } else {
      ins.bindNull(6);
    }
    ins.bind(7, rule.queue_id.value).bind(8, rule.priority);
    PARLEY_SQ_TRY(ins.run());
  }
  return {};
}

Status SqliteTx::setConversationQueue(core::TenantId tenant, core::ConversationId id, core::routing::QueueId queue,
                                      core::TimestampMs enqueued_at) {
  PARLEY_SQ_TRY(requireWritable());
  if (queue.valid()) PARLEY_SQ_TRY(requireOwned("routing_queues", "queue", tenant, queue.value));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("UPDATE conversations SET queue_id = ?1, enqueued_at = ?2 "
                                            "WHERE id = ?3 AND tenant_id = ?4"));
  stmt.bind(1, queue).bind(2, enqueued_at).bind(3, id.value).bind(4, tenant.value);
  PARLEY_SQ_TRY(stmt.run());
  if (conn_.changes() == 0) return notFound("conversation", id.value);
  return {};
}

Result<std::vector<core::TenantId>> SqliteTx::routingTenants() {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT DISTINCT tenant_id FROM routing_queues ORDER BY tenant_id"));
  return readAll<core::TenantId>(stmt, [](const Stmt& s) { return s.id<core::TenantId>(0); });
}

Result<std::vector<core::Conversation>> SqliteTx::listRoutedConversations(core::TenantId tenant, core::ConversationId after,
                                                                          int limit) {
  PARLEY_SQ_ASSIGN(limit, pageLimit(limit));
  PARLEY_SQ_ASSIGN(Stmt stmt, conn_.prepare("SELECT " CONVERSATION_COLUMNS " FROM conversations c WHERE c.tenant_id = ?1 "
                                            "AND c.queue_id IS NOT NULL AND c.id > ?2 AND c.status <> 'resolved' "
                                            "ORDER BY c.id LIMIT ?3"));
  stmt.bind(1, tenant.value).bind(2, after.value).bind(3, limit);
  return conversationsWithLabels(stmt);
}

#undef SKILL_COLUMNS
#undef QUEUE_COLUMNS
#undef RULE_COLUMNS

#undef TENANT_COLUMNS
#undef USER_COLUMNS
#undef TEAM_COLUMNS
#undef INBOX_COLUMNS
#undef SESSION_COLUMNS
#undef TOKEN_COLUMNS
#undef CONTACT_COLUMNS
#undef IDENTITY_COLUMNS
#undef CONVERSATION_COLUMNS
#undef MESSAGE_COLUMNS
#undef ATTACHMENT_COLUMNS
#undef CANNED_COLUMNS
#undef OUTBOX_COLUMNS

}  // namespace parley::store::sqlite
