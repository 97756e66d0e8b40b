#include "store/postgres/pg_tx.hpp"

#include <algorithm>
#include <cstdlib>
#include <unordered_map>
#include <utility>

#include "core/text.hpp"

namespace parley::store::postgres {

using core::ErrorCode;
using core::makeError;
using core::Result;
using core::Status;

#define PARLEY_PG_CONCAT_INNER(a, b) a##b
#define PARLEY_PG_CONCAT(a, b) PARLEY_PG_CONCAT_INNER(a, b)
#define PARLEY_PG_TRY(expr)                                \
  do {                                                     \
    if (auto parley_pg_r = (expr); !parley_pg_r.ok()) {    \
      return std::move(parley_pg_r).error();               \
    }                                                      \
  } while (0)
// `PARLEY_PG_ASSIGN(auto x, f());` declares x with the value of a Result, or returns its error.
#define PARLEY_PG_ASSIGN(decl, expr) PARLEY_PG_ASSIGN_IMPL(PARLEY_PG_CONCAT(parley_pg_a_, __LINE__), decl, expr)
#define PARLEY_PG_ASSIGN_IMPL(tmp, decl, expr)   \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return std::move(tmp).error();  \
  decl = std::move(tmp).value()

namespace {

// Rows a list call returns at most; callers page with the cursor.
constexpr int kMaxLimit = 1000;
// A search query: at most this many words, each cut to this many bytes (a prefix still matches).
constexpr std::size_t kMaxSearchTerms = 32;
constexpr std::size_t kMaxTermBytes = 200;

// Lists take a positive limit; more than kMaxLimit rows a page are never returned.
Result<int> pageLimit(int limit) {
  if (limit <= 0) return makeError(ErrorCode::InvalidInput, "limit must be positive");
  return std::min(limit, kMaxLimit);
}

// "$n" for the n-th parameter.
std::string placeholder(int n) {
  std::string out = "$";
  out += std::to_string(n);
  return out;
}

// --- column lists and row decoders (same column order) --------------------------------------------

constexpr const char* kUserCols =
    "id, tenant_id, email, name, role, language, password_hash, active, created_at, availability, availability_changed_at";
core::User decodeUser(RowReader& r) {
  core::User u;
  u.id = r.id<core::UserTag>();
  u.tenant_id = r.id<core::TenantTag>();
  u.email = r.text();
  u.name = r.text();
  u.role = r.enumeration(core::parseRole);
  u.language = r.enumeration(core::parseLanguage);
  u.password_hash = r.text();
  u.active = r.boolean();
  u.created_at = r.i64();
  u.availability = r.enumeration(core::parseAvailability);
  u.availability_changed_at = r.i64();
  return u;
}

constexpr const char* kTeamCols = "id, tenant_id, name, description, created_at";
core::Team decodeTeam(RowReader& r) {
  core::Team t;
  t.id = r.id<core::TeamTag>();
  t.tenant_id = r.id<core::TenantTag>();
  t.name = r.text();
  t.description = r.text();
  t.created_at = r.i64();
  return t;
}

constexpr const char* kInboxCols = "id, tenant_id, name, channel, config_json, secret, callback_url, created_at";
core::Inbox decodeInbox(RowReader& r) {
  core::Inbox i;
  i.id = r.id<core::InboxTag>();
  i.tenant_id = r.id<core::TenantTag>();
  i.name = r.text();
  i.channel = r.enumeration(core::parseChannelKind);
  i.config_json = r.text();
  i.secret = r.text();
  i.callback_url = r.text();
  i.created_at = r.i64();
  return i;
}

constexpr const char* kSessionCols = "token_hash, tenant_id, user_id, csrf_token, expires_at, created_at";
core::Session decodeSession(RowReader& r) {
  core::Session s;
  s.token_hash = r.text();
  s.tenant_id = r.id<core::TenantTag>();
  s.user_id = r.id<core::UserTag>();
  s.csrf_token = r.text();
  s.expires_at = r.i64();
  s.created_at = r.i64();
  return s;
}

constexpr const char* kTokenCols = "id, tenant_id, user_id, name, token_hash, revoked, last_used_at, created_at";
core::ApiToken decodeToken(RowReader& r) {
  core::ApiToken t;
  t.id = r.id<core::ApiTokenTag>();
  t.tenant_id = r.id<core::TenantTag>();
  t.user_id = r.id<core::UserTag>();
  t.name = r.text();
  t.token_hash = r.text();
  t.revoked = r.boolean();
  t.last_used_at = r.i64();
  t.created_at = r.i64();
  return t;
}

constexpr const char* kContactCols = "id, tenant_id, name, attributes_json, merged_into, created_at, updated_at";
core::Contact decodeContact(RowReader& r) {
  core::Contact c;
  c.id = r.id<core::ContactTag>();
  c.tenant_id = r.id<core::TenantTag>();
  c.name = r.text();
  c.attributes_json = r.text();
  c.merged_into = r.id<core::ContactTag>();
  c.created_at = r.i64();
  c.updated_at = r.i64();
  return c;
}

constexpr const char* kIdentityCols =
    "id, tenant_id, contact_id, kind, scope, value, verified, original_contact_id, created_at";
core::ContactIdentity decodeIdentity(RowReader& r) {
  core::ContactIdentity i;
  i.id = r.id<core::IdentityTag>();
  i.tenant_id = r.id<core::TenantTag>();
  i.contact_id = r.id<core::ContactTag>();
  i.kind = r.enumeration(core::parseIdentityKind);
  i.scope = r.text();
  i.value = r.text();
  i.verified = r.boolean();
  i.original_contact_id = r.id<core::ContactTag>();
  i.created_at = r.i64();
  return i;
}

constexpr const char* kConversationCols =
    "id, tenant_id, inbox_id, contact_id, original_contact_id, status, priority, assignee_id, team_id, "
    "snoozed_until, created_at, last_activity_at, first_response_at, resolved_at, last_incoming_at, is_public, "
    "queue_id, enqueued_at";
core::Conversation decodeConversation(RowReader& r) {
  core::Conversation c;
  c.id = r.id<core::ConversationTag>();
  c.tenant_id = r.id<core::TenantTag>();
  c.inbox_id = r.id<core::InboxTag>();
  c.contact_id = r.id<core::ContactTag>();
  c.original_contact_id = r.id<core::ContactTag>();
  c.status = r.enumeration(core::parseConversationStatus);
  c.priority = r.enumeration(core::parsePriority);
  c.assignee_id = r.id<core::UserTag>();
  c.team_id = r.id<core::TeamTag>();
  c.snoozed_until = r.i64();
  c.created_at = r.i64();
  c.last_activity_at = r.i64();
  c.first_response_at = r.i64();
  c.resolved_at = r.i64();
  c.last_incoming_at = r.i64();
  c.is_public = r.boolean();
  c.queue_id = r.id<core::routing::RoutingQueueTag>();
  c.enqueued_at = r.i64();
  return c;
}

constexpr const char* kMessageCols =
    "id, tenant_id, conversation_id, inbox_id, direction, text, sender_user_id, sender_contact_id, external_id, "
    "reply_to_id, latitude, longitude, location_name, delivery_status, delivery_error, created_at, updated_at, kind, "
    "payload_json";
core::Message decodeMessage(RowReader& r) {
  core::Message m;
  m.id = r.id<core::MessageTag>();
  m.tenant_id = r.id<core::TenantTag>();
  m.conversation_id = r.id<core::ConversationTag>();
  m.inbox_id = r.id<core::InboxTag>();
  m.direction = r.enumeration(core::parseMessageDirection);
  m.text = r.text();
  m.sender_user_id = r.id<core::UserTag>();
  m.sender_contact_id = r.id<core::ContactTag>();
  m.external_id = r.text();
  m.reply_to_id = r.id<core::MessageTag>();
  m.latitude = r.real();
  m.longitude = r.real();
  m.location_name = r.text();
  m.delivery_status = r.enumeration(core::parseDeliveryStatus);
  m.delivery_error = r.text();
  m.created_at = r.i64();
  m.updated_at = r.i64();
  m.kind = r.enumeration(core::parseMessageKind);
  m.payload_json = r.text();
  return m;
}

constexpr const char* kAttachmentCols =
    "id, tenant_id, message_id, sha256, size, content_type, filename, created_at, state, provider_ref, error, "
    "fetch_attempts, next_fetch_at, uploaded_by";
core::Attachment decodeAttachment(RowReader& r) {
  core::Attachment a;
  a.id = r.id<core::AttachmentTag>();
  a.tenant_id = r.id<core::TenantTag>();
  a.message_id = r.id<core::MessageTag>();
  a.sha256 = r.text();
  a.size = r.i64();
  a.content_type = r.text();
  a.filename = r.text();
  a.created_at = r.i64();
  a.state = r.enumeration(core::parseAttachmentState);
  a.provider_ref = r.text();
  a.error = r.text();
  a.fetch_attempts = static_cast<int>(r.i64());
  a.next_fetch_at = r.i64();
  a.uploaded_by = r.id<core::UserTag>();
  return a;
}

constexpr const char* kCannedCols = "id, tenant_id, short_code, language, content, created_at, updated_at";
core::CannedResponse decodeCanned(RowReader& r) {
  core::CannedResponse c;
  c.id = r.id<core::CannedResponseTag>();
  c.tenant_id = r.id<core::TenantTag>();
  c.short_code = r.text();
  c.language = r.enumeration(core::parseLanguage);
  c.content = r.text();
  c.created_at = r.i64();
  c.updated_at = r.i64();
  return c;
}

constexpr const char* kOutboxCols =
    "id, tenant_id, inbox_id, message_id, idempotency_key, payload, state, attempts, next_attempt_at, last_error, "
    "created_at, updated_at, sending_since, throttled";
core::OutboxItem decodeOutbox(RowReader& r) {
  core::OutboxItem o;
  o.id = r.id<core::OutboxTag>();
  o.tenant_id = r.id<core::TenantTag>();
  o.inbox_id = r.id<core::InboxTag>();
  o.message_id = r.id<core::MessageTag>();
  o.idempotency_key = r.text();
  o.payload = r.bytes();
  o.state = r.enumeration(core::parseOutboxState);
  o.attempts = static_cast<int>(r.i64());
  o.next_attempt_at = r.i64();
  o.last_error = r.text();
  o.created_at = r.i64();
  o.updated_at = r.i64();
  o.sending_since = r.i64();
  o.throttled = static_cast<int>(r.i64());
  return o;
}

template <class Decode>
auto rowsOf(const PGresult* result, Decode decode) -> Result<std::vector<decltype(decode(std::declval<RowReader&>()))>> {
  using T = decltype(decode(std::declval<RowReader&>()));
  std::vector<T> out;
  const int n = PQntuples(result);
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    RowReader row(result, i);
    T value = decode(row);
    if (!row.ok()) return row.error();
    out.push_back(std::move(value));
  }
  return out;
}

template <class Decode>
auto oneOf(const PGresult* result, Decode decode, const char* what) -> Result<decltype(decode(std::declval<RowReader&>()))> {
  if (PQntuples(result) == 0) return makeError(ErrorCode::NotFound, std::string(what) + " not found");
  RowReader row(result, 0);
  auto value = decode(row);
  if (!row.ok()) return row.error();
  return value;
}

std::string sql(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

std::int64_t affected(const PGresult* result) {
  const char* n = PQcmdTuples(const_cast<PGresult*>(result));
  return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

// --- search terms ---------------------------------------------------------------------------------

// The query's words (core::searchWords): nothing the user typed is read as tsquery syntax.
Result<std::vector<std::string>> searchTerms(std::string_view query) {
  std::vector<std::string> terms = core::searchWords(query, kMaxTermBytes);
  if (terms.size() > kMaxSearchTerms) {
    return makeError(ErrorCode::InvalidInput, "search query has more than " + std::to_string(kMaxSearchTerms) + " words");
  }
  return terms;
}

}  // namespace

// --- plumbing -------------------------------------------------------------------------------------

Result<PgResultPtr> PgTx::query(const char* text, const Params& params, OnForeignKey fk) {
  if (failure_) return makeError(failure_->code, "the transaction failed earlier: " + failure_->message);
  if (params.error()) return *params.error();  // rejected before it reached the server

  const char* prefix[2];
  std::size_t n = 0;
  if (!begun_) prefix[n++] = writable_ ? "BEGIN" : "BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ";
  if (savepoint_wanted_ && !savepoint_set_) prefix[n++] = "SAVEPOINT parley_op";
  auto outcome = execAfter(conn_, std::span<const char* const>(prefix, n), text, params, fk);

  if (outcome.prefixes_ok < n) {
    // BEGIN or SAVEPOINT itself failed: nothing to recover here.
    if (outcome.prefixes_ok >= 1 && !begun_) begun_ = true;
    failure_ = outcome.result.ok() ? makeError(ErrorCode::Internal, "BEGIN/SAVEPOINT failed") : outcome.result.error();
    return *failure_;
  }
  if (!begun_) begun_ = true;
  if (savepoint_wanted_) savepoint_set_ = true;
  if (!outcome.result && (!in_op_ || PQstatus(conn_) != CONNECTION_OK)) failure_ = outcome.result.error();
  return std::move(outcome.result);
}

template <class F>
auto PgTx::writeOp(F&& body) -> decltype(body()) {
  if (!writable_) return makeError(ErrorCode::Internal, "write operation inside a read transaction");
  if (failure_) return makeError(failure_->code, "the transaction failed earlier: " + failure_->message);
  const bool first = !begun_;  // undone by ROLLBACK instead of a savepoint
  savepoint_wanted_ = !first;
  savepoint_set_ = false;
  in_op_ = true;
  auto result = body();
  in_op_ = false;
  const bool savepoint_set = savepoint_set_;
  savepoint_wanted_ = savepoint_set_ = false;

  if (failure_) return result.ok() ? decltype(body())(*failure_) : std::move(result);
  if (result.ok() || !begun_) return result;  // success, or nothing reached the server
  if (first) {
    auto undone = execSimple(conn_, "ROLLBACK");
    if (!undone) failure_ = undone.error();
    begun_ = false;  // the next statement begins a fresh transaction
  } else if (savepoint_set) {
    auto undone = execSimple(conn_, "ROLLBACK TO SAVEPOINT parley_op");
    if (!undone) failure_ = undone.error();
  }
  return result;
}

Status PgTx::commit() {
  if (failure_) return *failure_;
  if (!begun_) return {};
  auto committed = execSimple(conn_, "COMMIT");
  begun_ = false;
  if (!committed) {
    auto error = std::move(committed).error();
    if (writable_ && error.code == ErrorCode::Unavailable) {
      error.message = "the connection was lost during COMMIT; the outcome is unknown: " + error.message;
    }
    return error;
  }
  // COMMIT of a transaction the server had already aborted answers "ROLLBACK", not an error.
  if (std::string_view(PQcmdStatus(committed->get())) != "COMMIT") {
    return makeError(ErrorCode::Internal, "the transaction was rolled back by the server");
  }
  return {};
}

void PgTx::rollback() {
  if (!begun_) return;
  begun_ = false;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

Result<std::int64_t> PgTx::insertReturningId(const char* text, const Params& params) {
  PARLEY_PG_ASSIGN(auto result, query(text, params));
  if (PQntuples(result.get()) != 1) return makeError(ErrorCode::Internal, "insert returned no id");
  RowReader row(result.get(), 0);
  const auto id = row.i64();
  if (!row.ok()) return row.error();
  return id;
}

Status PgTx::changeOne(const char* text, const Params& params, const char* what, OnForeignKey fk) {
  PARLEY_PG_ASSIGN(auto result, query(text, params, fk));
  if (affected(result.get()) == 0) return makeError(ErrorCode::NotFound, std::string(what) + " not found");
  return {};
}

Result<std::int64_t> PgTx::scalar(const char* text, const Params& params) {
  PARLEY_PG_ASSIGN(auto result, query(text, params));
  if (PQntuples(result.get()) != 1) return makeError(ErrorCode::Internal, "expected one row");
  RowReader row(result.get(), 0);
  const auto v = row.i64();
  if (!row.ok()) return row.error();
  return v;
}

Status PgTx::requireOwned(const char* table, const char* what, core::TenantId tenant, std::int64_t id) {
  // `table` is always one of ours, never input.
  const std::string text = sql({"SELECT 1 FROM ", table, " WHERE tenant_id = $1 AND id = $2"});
  PARLEY_PG_ASSIGN(auto result, query(text.c_str(), Params().id(tenant).i64(id)));
  if (PQntuples(result.get()) == 0) {
    return makeError(ErrorCode::NotFound, std::string(what) + " " + std::to_string(id) + " not found");
  }
  return {};
}

Status PgTx::requireRow(const char* text, const Params& params, const char* what) {
  PARLEY_PG_ASSIGN(auto result, query(text, params));
  if (PQntuples(result.get()) == 0) return makeError(ErrorCode::NotFound, std::string(what) + " not found");
  return {};
}

// --- children filled on every read ----------------------------------------------------------------

Status PgTx::fillTeamMembers(std::vector<core::Team>& teams) {
  if (teams.empty()) return {};
  std::vector<core::TeamId> ids;
  std::unordered_map<std::int64_t, core::Team*> by_id;
  for (auto& t : teams) {
    ids.push_back(t.id);
    by_id[t.id.value] = &t;
    t.member_ids.clear();
  }
  PARLEY_PG_ASSIGN(auto result, query("SELECT team_id, user_id FROM team_members WHERE team_id = ANY($1::bigint[]) "
                                      "ORDER BY team_id, user_id",
                                      Params().idArray(ids)));
  for (int i = 0, n = PQntuples(result.get()); i < n; ++i) {
    RowReader row(result.get(), i);
    const auto team = row.i64();
    const auto user = row.id<core::UserTag>();
    if (!row.ok()) return row.error();
    if (auto it = by_id.find(team); it != by_id.end()) it->second->member_ids.push_back(user);
  }
  return {};
}

Status PgTx::fillInboxTeams(std::vector<core::Inbox>& inboxes) {
  if (inboxes.empty()) return {};
  std::vector<core::InboxId> ids;
  std::unordered_map<std::int64_t, core::Inbox*> by_id;
  for (auto& i : inboxes) {
    ids.push_back(i.id);
    by_id[i.id.value] = &i;
    i.team_ids.clear();
  }
  PARLEY_PG_ASSIGN(auto result, query("SELECT inbox_id, team_id FROM inbox_teams WHERE inbox_id = ANY($1::bigint[]) "
                                      "ORDER BY inbox_id, team_id",
                                      Params().idArray(ids)));
  for (int i = 0, n = PQntuples(result.get()); i < n; ++i) {
    RowReader row(result.get(), i);
    const auto inbox = row.i64();
    const auto team = row.id<core::TeamTag>();
    if (!row.ok()) return row.error();
    if (auto it = by_id.find(inbox); it != by_id.end()) it->second->team_ids.push_back(team);
  }
  return {};
}

Status PgTx::fillLabels(std::vector<core::Conversation>& conversations) {
  if (conversations.empty()) return {};
  std::vector<core::ConversationId> ids;
  std::unordered_map<std::int64_t, core::Conversation*> by_id;
  for (auto& c : conversations) {
    ids.push_back(c.id);
    by_id[c.id.value] = &c;
    c.labels.clear();
  }
  PARLEY_PG_ASSIGN(auto result, query("SELECT conversation_id, label FROM conversation_labels "
                                      "WHERE conversation_id = ANY($1::bigint[])",
                                      Params().idArray(ids)));
  for (int i = 0, n = PQntuples(result.get()); i < n; ++i) {
    RowReader row(result.get(), i);
    const auto conversation = row.i64();
    auto label = row.text();
    if (!row.ok()) return row.error();
    if (auto it = by_id.find(conversation); it != by_id.end()) it->second->labels.push_back(std::move(label));
  }
  // Byte order, whatever the database collation: the same order as the other stores.
  for (auto& c : conversations) std::sort(c.labels.begin(), c.labels.end());
  return {};
}

Status PgTx::fillAttachments(std::vector<core::Message>& messages) {
  if (messages.empty()) return {};
  std::vector<core::MessageId> ids;
  std::unordered_map<std::int64_t, core::Message*> by_id;
  for (auto& m : messages) {
    ids.push_back(m.id);
    by_id[m.id.value] = &m;
    m.attachment_ids.clear();
  }
  PARLEY_PG_ASSIGN(auto result, query("SELECT message_id, id FROM attachments WHERE message_id = ANY($1::bigint[]) "
                                      "ORDER BY message_id, id",
                                      Params().idArray(ids)));
  for (int i = 0, n = PQntuples(result.get()); i < n; ++i) {
    RowReader row(result.get(), i);
    const auto message = row.i64();
    const auto attachment = row.id<core::AttachmentTag>();
    if (!row.ok()) return row.error();
    if (auto it = by_id.find(message); it != by_id.end()) it->second->attachment_ids.push_back(attachment);
  }
  return {};
}

Status PgTx::writeInboxTeams(const core::Inbox& inbox, bool replace) {
  if (replace) {
    PARLEY_PG_TRY(query("DELETE FROM inbox_teams WHERE inbox_id = $1", Params().id(inbox.id)));
  }
  if (inbox.team_ids.empty()) return {};
  PARLEY_PG_TRY(query("INSERT INTO inbox_teams (tenant_id, inbox_id, team_id) "
                      "SELECT $1, $2, t FROM unnest($3::bigint[]) AS t ON CONFLICT DO NOTHING",
                      Params().id(inbox.tenant_id).id(inbox.id).idArray(inbox.team_ids)));
  return {};
}

Status PgTx::writeLabels(const core::Conversation& conversation, bool replace) {
  std::vector<std::string> labels = conversation.labels;
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  if (replace) {
    PARLEY_PG_TRY(query("DELETE FROM conversation_labels WHERE conversation_id = $1 AND label <> ALL($2::text[])",
                        Params().id(conversation.id).textArray(labels)));
  }
  if (labels.empty()) return {};
  PARLEY_PG_TRY(query("INSERT INTO conversation_labels (conversation_id, label) "
                      "SELECT $1, l FROM unnest($2::text[]) AS l ON CONFLICT DO NOTHING",
                      Params().id(conversation.id).textArray(labels)));
  return {};
}

// --- tenants --------------------------------------------------------------------------------------

Result<core::TenantId> PgTx::createTenant(const core::Tenant& tenant) {
  return writeOp([&]() -> Result<core::TenantId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO tenants (name, created_at) VALUES ($1, $2) RETURNING id",
                                                Params().text(tenant.name).i64(tenant.created_at)));
    return core::TenantId(id);
  });
}

Result<core::Tenant> PgTx::getTenant(core::TenantId id) {
  PARLEY_PG_ASSIGN(auto result, query("SELECT id, name, created_at FROM tenants WHERE id = $1", Params().id(id)));
  return oneOf(
      result.get(),
      [](RowReader& r) {
        core::Tenant t;
        t.id = r.id<core::TenantTag>();
        t.name = r.text();
        t.created_at = r.i64();
        return t;
      },
      "tenant");
}

Result<std::int64_t> PgTx::countUsers() { return scalar("SELECT count(*) FROM users", Params()); }

// --- users ----------------------------------------------------------------------------------------

Result<core::UserId> PgTx::createUser(const core::User& user) {
  return writeOp([&]() -> Result<core::UserId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO users (tenant_id, email, name, role, language, password_hash, "
                                                "active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                                                Params()
                                                    .id(user.tenant_id)
                                                    .text(user.email)
                                                    .text(user.name)
                                                    .text(core::toString(user.role))
                                                    .text(core::toString(user.language))
                                                    .text(user.password_hash)
                                                    .boolean(user.active)
                                                    .i64(user.created_at)));
    return core::UserId(id);
  });
}

Result<core::User> PgTx::getUser(core::TenantId tenant, core::UserId id) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kUserCols, " FROM users WHERE tenant_id = $1 AND id = $2"}).c_str(),
                                      Params().id(tenant).id(id)));
  return oneOf(result.get(), decodeUser, "user");
}

Result<core::User> PgTx::findUserByEmail(const std::string& email) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kUserCols, " FROM users WHERE email = $1"}).c_str(),
                                      Params().text(email)));
  return oneOf(result.get(), decodeUser, "user");
}

Result<std::vector<core::User>> PgTx::listUsers(core::TenantId tenant) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kUserCols, " FROM users WHERE tenant_id = $1 ORDER BY id"}).c_str(),
                                      Params().id(tenant)));
  return rowsOf(result.get(), decodeUser);
}

Status PgTx::updateUser(const core::User& user) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE users SET email = $3, name = $4, role = $5, language = $6, password_hash = $7, active = $8 "
                     "WHERE tenant_id = $1 AND id = $2",
                     Params()
                         .id(user.tenant_id)
                         .id(user.id)
                         .text(user.email)
                         .text(user.name)
                         .text(core::toString(user.role))
                         .text(core::toString(user.language))
                         .text(user.password_hash)
                         .boolean(user.active),
                     "user");
  });
}

Status PgTx::setUserAvailability(core::TenantId tenant, core::UserId id, core::Availability availability,
                                 core::TimestampMs at) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE users SET availability = $1, availability_changed_at = $2 WHERE tenant_id = $3 AND id = $4",
                     Params().text(core::toString(availability)).i64(at).id(tenant).id(id), "user");
  });
}

Status PgTx::deleteUser(core::TenantId tenant, core::UserId id) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(requireRow("SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 FOR UPDATE", Params().id(tenant).id(id),
                             "user"));
    // Its conversations become unassigned and its messages keep no sender; memberships,
    // sessions and API tokens go with it (ON DELETE CASCADE).
    PARLEY_PG_TRY(query("UPDATE conversations SET assignee_id = NULL WHERE tenant_id = $1 AND assignee_id = $2",
                        Params().id(tenant).id(id)));
    PARLEY_PG_TRY(query("UPDATE messages SET sender_user_id = NULL WHERE tenant_id = $1 AND sender_user_id = $2",
                        Params().id(tenant).id(id)));
    return changeOne("DELETE FROM users WHERE tenant_id = $1 AND id = $2", Params().id(tenant).id(id), "user",
                     OnForeignKey::Conflict);
  });
}

// --- teams ----------------------------------------------------------------------------------------

Result<core::TeamId> PgTx::createTeam(const core::Team& team) {
  return writeOp([&]() -> Result<core::TeamId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO teams (tenant_id, name, description, created_at) "
                                                "VALUES ($1, $2, $3, $4) RETURNING id",
                                                Params().id(team.tenant_id).text(team.name).text(team.description).i64(
                                                    team.created_at)));
    return core::TeamId(id);
  });
}

Result<core::Team> PgTx::getTeam(core::TenantId tenant, core::TeamId id) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kTeamCols, " FROM teams WHERE tenant_id = $1 AND id = $2"}).c_str(),
                                      Params().id(tenant).id(id)));
  PARLEY_PG_ASSIGN(auto team, oneOf(result.get(), decodeTeam, "team"));
  std::vector<core::Team> one{std::move(team)};
  PARLEY_PG_TRY(fillTeamMembers(one));
  return std::move(one.front());
}

Result<std::vector<core::Team>> PgTx::listTeams(core::TenantId tenant) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kTeamCols, " FROM teams WHERE tenant_id = $1 ORDER BY id"}).c_str(),
                                      Params().id(tenant)));
  PARLEY_PG_ASSIGN(auto teams, rowsOf(result.get(), decodeTeam));
  PARLEY_PG_TRY(fillTeamMembers(teams));
  return teams;
}

Status PgTx::updateTeam(const core::Team& team) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE teams SET name = $3, description = $4 WHERE tenant_id = $1 AND id = $2",
                     Params().id(team.tenant_id).id(team.id).text(team.name).text(team.description), "team");
  });
}

Status PgTx::deleteTeam(core::TenantId tenant, core::TeamId id) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(requireRow("SELECT 1 FROM teams WHERE tenant_id = $1 AND id = $2 FOR UPDATE", Params().id(tenant).id(id),
                             "team"));
    // Its conversations lose the team; memberships and inbox links go with it (ON DELETE CASCADE).
    PARLEY_PG_TRY(query("UPDATE conversations SET team_id = NULL WHERE tenant_id = $1 AND team_id = $2",
                        Params().id(tenant).id(id)));
    return changeOne("DELETE FROM teams WHERE tenant_id = $1 AND id = $2", Params().id(tenant).id(id), "team",
                     OnForeignKey::Conflict);
  });
}

Status PgTx::setTeamMembers(core::TenantId tenant, core::TeamId team, const std::vector<core::UserId>& users) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(requireRow("SELECT 1 FROM teams WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
                             Params().id(tenant).id(team), "team"));
    if (!users.empty()) {
      // A user of another tenant (or none) is NotFound, before anything changes.
      PARLEY_PG_ASSIGN(auto found, scalar("SELECT count(*) FROM users WHERE tenant_id = $1 AND id = ANY($2::bigint[])",
                                          Params().id(tenant).idArray(users)));
      std::vector<core::UserId> distinct = users;
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      if (found != static_cast<std::int64_t>(distinct.size())) return makeError(ErrorCode::NotFound, "user not found");
    }
    PARLEY_PG_TRY(query("DELETE FROM team_members WHERE team_id = $1 AND user_id <> ALL($2::bigint[])",
                        Params().id(team).idArray(users)));
    if (users.empty()) return {};
    PARLEY_PG_TRY(query("INSERT INTO team_members (tenant_id, team_id, user_id) "
                        "SELECT $1, $2, u FROM unnest($3::bigint[]) AS u ON CONFLICT DO NOTHING",
                        Params().id(tenant).id(team).idArray(users)));
    return {};
  });
}

Result<std::vector<core::TeamId>> PgTx::teamsOfUser(core::TenantId tenant, core::UserId user) {
  PARLEY_PG_TRY(requireOwned("users", "user", tenant, user.value));
  PARLEY_PG_ASSIGN(auto result, query("SELECT team_id FROM team_members WHERE tenant_id = $1 AND user_id = $2 "
                                      "ORDER BY team_id",
                                      Params().id(tenant).id(user)));
  return rowsOf(result.get(), [](RowReader& r) { return r.id<core::TeamTag>(); });
}

// --- inboxes --------------------------------------------------------------------------------------

Result<core::InboxId> PgTx::createInbox(const core::Inbox& inbox) {
  return writeOp([&]() -> Result<core::InboxId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO inboxes (tenant_id, name, channel, config_json, secret, "
                                                "callback_url, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                                Params()
                                                    .id(inbox.tenant_id)
                                                    .text(inbox.name)
                                                    .text(core::toString(inbox.channel))
                                                    .text(inbox.config_json)
                                                    .text(inbox.secret)
                                                    .text(inbox.callback_url)
                                                    .i64(inbox.created_at)));
    core::Inbox stored = inbox;
    stored.id = core::InboxId(id);
    PARLEY_PG_TRY(writeInboxTeams(stored, /*replace=*/false));
    return stored.id;
  });
}

Result<core::Inbox> PgTx::getInbox(core::TenantId tenant, core::InboxId id) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kInboxCols, " FROM inboxes WHERE tenant_id = $1 AND id = $2"}).c_str(),
                                      Params().id(tenant).id(id)));
  PARLEY_PG_ASSIGN(auto inbox, oneOf(result.get(), decodeInbox, "inbox"));
  std::vector<core::Inbox> one{std::move(inbox)};
  PARLEY_PG_TRY(fillInboxTeams(one));
  return std::move(one.front());
}

Result<core::Inbox> PgTx::getInboxAnyTenant(core::InboxId id) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kInboxCols, " FROM inboxes WHERE id = $1"}).c_str(), Params().id(id)));
  PARLEY_PG_ASSIGN(auto inbox, oneOf(result.get(), decodeInbox, "inbox"));
  std::vector<core::Inbox> one{std::move(inbox)};
  PARLEY_PG_TRY(fillInboxTeams(one));
  return std::move(one.front());
}

Result<std::vector<core::Inbox>> PgTx::listInboxes(core::TenantId tenant) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kInboxCols, " FROM inboxes WHERE tenant_id = $1 ORDER BY id"}).c_str(),
                                      Params().id(tenant)));
  PARLEY_PG_ASSIGN(auto inboxes, rowsOf(result.get(), decodeInbox));
  PARLEY_PG_TRY(fillInboxTeams(inboxes));
  return inboxes;
}

Result<std::vector<core::Inbox>> PgTx::listInboxesByChannel(core::ChannelKind channel) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kInboxCols, " FROM inboxes WHERE channel = $1 ORDER BY id"}).c_str(),
                                      Params().text(std::string(core::toString(channel)))));
  PARLEY_PG_ASSIGN(auto inboxes, rowsOf(result.get(), decodeInbox));
  PARLEY_PG_TRY(fillInboxTeams(inboxes));
  return inboxes;
}

Status PgTx::updateInbox(const core::Inbox& inbox) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(changeOne("UPDATE inboxes SET name = $3, config_json = $4, secret = $5, callback_url = $6 "
                            "WHERE tenant_id = $1 AND id = $2",
                            Params()
                                .id(inbox.tenant_id)
                                .id(inbox.id)
                                .text(inbox.name)
                                .text(inbox.config_json)
                                .text(inbox.secret)
                                .text(inbox.callback_url),
                            "inbox"));
    return writeInboxTeams(inbox, /*replace=*/true);
  });
}

Status PgTx::deleteInbox(core::TenantId tenant, core::InboxId id) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(requireRow("SELECT 1 FROM inboxes WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
                             Params().id(tenant).id(id), "inbox"));
    PARLEY_PG_ASSIGN(auto used, scalar("SELECT (EXISTS (SELECT 1 FROM conversations WHERE tenant_id = $1 AND inbox_id = $2)"
                                       " OR EXISTS (SELECT 1 FROM messages WHERE tenant_id = $1 AND inbox_id = $2))::int",
                                       Params().id(tenant).id(id)));
    if (used != 0) return makeError(ErrorCode::Conflict, "the inbox still has conversations");
    // Team links and outbox items go with it (ON DELETE CASCADE).
    return changeOne("DELETE FROM inboxes WHERE tenant_id = $1 AND id = $2", Params().id(tenant).id(id), "inbox",
                     OnForeignKey::Conflict);
  });
}

// --- sessions and API tokens ----------------------------------------------------------------------

Status PgTx::createSession(const core::Session& session) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(query("INSERT INTO sessions (token_hash, tenant_id, user_id, csrf_token, expires_at, created_at) "
                        "VALUES ($1, $2, $3, $4, $5, $6)",
                        Params()
                            .text(session.token_hash)
                            .id(session.tenant_id)
                            .id(session.user_id)
                            .text(session.csrf_token)
                            .i64(session.expires_at)
                            .i64(session.created_at)));
    return {};
  });
}

Result<core::Session> PgTx::findSession(const std::string& token_hash) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kSessionCols, " FROM sessions WHERE token_hash = $1"}).c_str(),
                                      Params().text(token_hash)));
  return oneOf(result.get(), decodeSession, "session");
}

Status PgTx::deleteSession(const std::string& token_hash) {
  return writeOp([&]() -> Status {
    return changeOne("DELETE FROM sessions WHERE token_hash = $1", Params().text(token_hash), "session");
  });
}

Status PgTx::deleteUserSessions(core::TenantId tenant, core::UserId user, const std::string& keep_token_hash) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(query("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND token_hash <> $3",
                        Params().id(tenant).id(user).text(keep_token_hash)));
    return {};
  });
}

Result<core::ApiTokenId> PgTx::createApiToken(const core::ApiToken& token) {
  return writeOp([&]() -> Result<core::ApiTokenId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO api_tokens (tenant_id, user_id, name, token_hash, revoked, "
                                                "last_used_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                                Params()
                                                    .id(token.tenant_id)
                                                    .id(token.user_id)
                                                    .text(token.name)
                                                    .text(token.token_hash)
                                                    .boolean(token.revoked)
                                                    .i64(token.last_used_at)
                                                    .i64(token.created_at)));
    return core::ApiTokenId(id);
  });
}

Result<core::ApiToken> PgTx::findApiToken(const std::string& token_hash) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kTokenCols, " FROM api_tokens WHERE token_hash = $1"}).c_str(),
                                      Params().text(token_hash)));
  return oneOf(result.get(), decodeToken, "API token");
}

Result<std::vector<core::ApiToken>> PgTx::listApiTokens(core::TenantId tenant, core::UserId user) {
  PARLEY_PG_TRY(requireOwned("users", "user", tenant, user.value));
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kTokenCols, " FROM api_tokens WHERE tenant_id = $1 AND user_id = $2 ORDER BY id"})
                             .c_str(),
                         Params().id(tenant).id(user)));
  return rowsOf(result.get(), decodeToken);
}

Status PgTx::revokeApiToken(core::TenantId tenant, core::UserId user, core::ApiTokenId id) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE api_tokens SET revoked = true WHERE tenant_id = $1 AND user_id = $2 AND id = $3",
                     Params().id(tenant).id(user).id(id), "API token");
  });
}

// --- contacts and identities ----------------------------------------------------------------------

Result<core::ContactId> PgTx::createContact(const core::Contact& contact) {
  return writeOp([&]() -> Result<core::ContactId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO contacts (tenant_id, name, attributes_json, merged_into, "
                                                "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                                                Params()
                                                    .id(contact.tenant_id)
                                                    .text(contact.name)
                                                    .text(contact.attributes_json)
                                                    .id(contact.merged_into)
                                                    .i64(contact.created_at)
                                                    .i64(contact.updated_at)));
    return core::ContactId(id);
  });
}

Result<core::Contact> PgTx::getContact(core::TenantId tenant, core::ContactId id) {
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kContactCols, " FROM contacts WHERE tenant_id = $1 AND id = $2"}).c_str(),
                         Params().id(tenant).id(id)));
  return oneOf(result.get(), decodeContact, "contact");
}

Status PgTx::updateContact(const core::Contact& contact) {
  return writeOp([&]() -> Status {
    if (contact.merged_into == contact.id && contact.id.valid()) {
      return makeError(ErrorCode::InvalidInput, "a contact cannot be merged into itself");
    }
    return changeOne("UPDATE contacts SET name = $3, attributes_json = $4, merged_into = $5, updated_at = $6 "
                     "WHERE tenant_id = $1 AND id = $2",
                     Params()
                         .id(contact.tenant_id)
                         .id(contact.id)
                         .text(contact.name)
                         .text(contact.attributes_json)
                         .id(contact.merged_into)
                         .i64(contact.updated_at),
                     "contact");
  });
}

Result<std::vector<core::Contact>> PgTx::listContacts(const app::ContactQuery& q) {
  PARLEY_PG_ASSIGN(const int limit, pageLimit(q.limit));
  // Case-insensitive substring, by strpos: the query is a value, never a LIKE pattern.
  PARLEY_PG_ASSIGN(
      auto result,
      query(sql({"SELECT ", kContactCols,
                 " FROM contacts c WHERE tenant_id = $1"
                 " AND ($2 OR merged_into IS NULL)"
                 " AND id > $3"
                 " AND ($4 = '' OR strpos(lower(name), lower($4)) > 0"
                 "      OR EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id"
                 "                 AND strpos(lower(i.value), lower($4)) > 0))"
                 " ORDER BY id LIMIT $5"})
                .c_str(),
            Params()
                .id(q.tenant_id)
                .boolean(q.include_merged)
                .i64(q.after ? q.after->value : 0)
                .text(q.query)
                .i64(limit)));
  return rowsOf(result.get(), decodeContact);
}

Result<core::IdentityId> PgTx::addIdentity(const core::ContactIdentity& identity) {
  return writeOp([&]() -> Result<core::IdentityId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO contact_identities (tenant_id, contact_id, kind, scope, value, "
                                                "verified, original_contact_id, created_at) "
                                                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                                                Params()
                                                    .id(identity.tenant_id)
                                                    .id(identity.contact_id)
                                                    .text(core::toString(identity.kind))
                                                    .text(identity.scope)
                                                    .text(identity.value)
                                                    .boolean(identity.verified)
                                                    .id(identity.original_contact_id)
                                                    .i64(identity.created_at)));
    return core::IdentityId(id);
  });
}

Result<core::ContactIdentity> PgTx::findIdentity(core::TenantId tenant, core::IdentityKind kind, const std::string& scope,
                                                 const std::string& value) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kIdentityCols,
                                           " FROM contact_identities WHERE tenant_id = $1 AND kind = $2 AND scope = $3"
                                           " AND value = $4"})
                                          .c_str(),
                                      Params().id(tenant).text(core::toString(kind)).text(scope).text(value)));
  return oneOf(result.get(), decodeIdentity, "identity");
}

Result<std::vector<core::ContactIdentity>> PgTx::listIdentities(core::TenantId tenant, core::ContactId contact) {
  PARLEY_PG_TRY(requireOwned("contacts", "contact", tenant, contact.value));
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kIdentityCols,
                                           " FROM contact_identities WHERE tenant_id = $1 AND contact_id = $2 ORDER BY id"})
                                          .c_str(),
                                      Params().id(tenant).id(contact)));
  return rowsOf(result.get(), decodeIdentity);
}

Status PgTx::deleteIdentity(core::TenantId tenant, core::IdentityId id) {
  return writeOp([&]() -> Status {
    return changeOne("DELETE FROM contact_identities WHERE tenant_id = $1 AND id = $2", Params().id(tenant).id(id),
                     "identity");
  });
}

Result<core::ContactId> PgTx::mergedInto(core::TenantId tenant, core::ContactId id) {
  // Locks the contact row: a concurrent merge of the same contacts waits, then sees this one.
  PARLEY_PG_ASSIGN(auto result, query("SELECT merged_into FROM contacts WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
                                      Params().id(tenant).id(id)));
  if (PQntuples(result.get()) == 0) {
    return makeError(ErrorCode::NotFound, "contact " + std::to_string(id.value) + " not found");
  }
  RowReader row(result.get(), 0);
  auto merged = row.id<core::ContactTag>();
  if (!row.ok()) return row.error();
  return merged;
}

Status PgTx::mergeContacts(core::TenantId tenant, core::ContactId target, core::ContactId source) {
  return writeOp([&]() -> Status {
    if (target == source) return makeError(ErrorCode::InvalidInput, "a contact cannot be merged into itself");
    PARLEY_PG_ASSIGN(auto into, mergedInto(tenant, target));
    PARLEY_PG_ASSIGN(auto from, mergedInto(tenant, source));
    if (from.valid()) {
      return makeError(ErrorCode::Conflict, "contact " + std::to_string(source.value) + " is already merged");
    }
    if (into.valid()) {
      return makeError(ErrorCode::Conflict, "contact " + std::to_string(target.value) + " was merged into another contact");
    }
    // Each row remembers the contact it first came from, so unmerge can send it back.
    PARLEY_PG_TRY(query("UPDATE contact_identities SET original_contact_id = COALESCE(original_contact_id, contact_id), "
                        "contact_id = $2 WHERE tenant_id = $1 AND contact_id = $3",
                        Params().id(tenant).id(target).id(source)));
    PARLEY_PG_TRY(query("UPDATE conversations SET original_contact_id = COALESCE(original_contact_id, contact_id), "
                        "contact_id = $2 WHERE tenant_id = $1 AND contact_id = $3",
                        Params().id(tenant).id(target).id(source)));
    PARLEY_PG_TRY(query("UPDATE contacts SET merged_into = $2 WHERE tenant_id = $1 AND id = $3",
                        Params().id(tenant).id(target).id(source)));
    return {};
  });
}

Status PgTx::unmergeContact(core::TenantId tenant, core::ContactId source) {
  return writeOp([&]() -> Status {
    PARLEY_PG_ASSIGN(auto into, mergedInto(tenant, source));
    if (!into.valid()) return makeError(ErrorCode::Conflict, "contact " + std::to_string(source.value) + " is not merged");
    PARLEY_PG_TRY(query("UPDATE contact_identities SET contact_id = $2, original_contact_id = NULL "
                        "WHERE tenant_id = $1 AND original_contact_id = $2",
                        Params().id(tenant).id(source)));
    PARLEY_PG_TRY(query("UPDATE conversations SET contact_id = $2, original_contact_id = NULL "
                        "WHERE tenant_id = $1 AND original_contact_id = $2",
                        Params().id(tenant).id(source)));
    PARLEY_PG_TRY(query("UPDATE contacts SET merged_into = NULL WHERE tenant_id = $1 AND id = $2",
                        Params().id(tenant).id(source)));
    return {};
  });
}

// --- conversations --------------------------------------------------------------------------------

Result<core::ConversationId> PgTx::createConversation(const core::Conversation& c) {
  return writeOp([&]() -> Result<core::ConversationId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO conversations (tenant_id, inbox_id, contact_id, "
                                                "original_contact_id, status, priority, assignee_id, team_id, snoozed_until, "
                                                "created_at, last_activity_at, first_response_at, resolved_at, "
                                                "last_incoming_at, is_public, queue_id, enqueued_at) VALUES ($1, $2, $3, $4, "
                                                "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
                                                Params()
                                                    .id(c.tenant_id)
                                                    .id(c.inbox_id)
                                                    .id(c.contact_id)
                                                    .id(c.original_contact_id)
                                                    .text(core::toString(c.status))
                                                    .text(core::toString(c.priority))
                                                    .id(c.assignee_id)
                                                    .id(c.team_id)
                                                    .i64(c.snoozed_until)
                                                    .i64(c.created_at)
                                                    .i64(c.last_activity_at)
                                                    .i64(c.first_response_at)
                                                    .i64(c.resolved_at)
                                                    .i64(c.last_incoming_at)
                                                    .boolean(c.is_public)
                                                    .id(c.queue_id)
                                                    .i64(c.enqueued_at)));
    core::Conversation stored = c;
    stored.id = core::ConversationId(id);
    PARLEY_PG_TRY(writeLabels(stored, /*replace=*/false));
    return stored.id;
  });
}

Result<core::Conversation> PgTx::getConversation(core::TenantId tenant, core::ConversationId id) {
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kConversationCols, " FROM conversations WHERE tenant_id = $1 AND id = $2"}).c_str(),
                         Params().id(tenant).id(id)));
  PARLEY_PG_ASSIGN(auto conversation, oneOf(result.get(), decodeConversation, "conversation"));
  std::vector<core::Conversation> one{std::move(conversation)};
  PARLEY_PG_TRY(fillLabels(one));
  return std::move(one.front());
}

Status PgTx::updateConversation(const core::Conversation& c) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(changeOne("UPDATE conversations SET inbox_id = $3, contact_id = $4, original_contact_id = $5, "
                            "status = $6, priority = $7, assignee_id = $8, team_id = $9, snoozed_until = $10, "
                            "last_activity_at = $11, first_response_at = $12, resolved_at = $13, "
                            "last_incoming_at = $14, is_public = $15 WHERE tenant_id = $1 AND id = $2",
                            Params()
                                .id(c.tenant_id)
                                .id(c.id)
                                .id(c.inbox_id)
                                .id(c.contact_id)
                                .id(c.original_contact_id)
                                .text(core::toString(c.status))
                                .text(core::toString(c.priority))
                                .id(c.assignee_id)
                                .id(c.team_id)
                                .i64(c.snoozed_until)
                                .i64(c.last_activity_at)
                                .i64(c.first_response_at)
                                .i64(c.resolved_at)
                                .i64(c.last_incoming_at)
                                .boolean(c.is_public),
                            "conversation"));
    return writeLabels(c, /*replace=*/true);
  });
}

Status PgTx::recordConversationActivity(const core::Conversation& c) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE conversations SET status = $3, snoozed_until = $4, last_activity_at = $5, "
                     "last_incoming_at = $6 WHERE tenant_id = $1 AND id = $2",
                     Params()
                         .id(c.tenant_id)
                         .id(c.id)
                         .text(core::toString(c.status))
                         .i64(c.snoozed_until)
                         .i64(c.last_activity_at)
                         .i64(c.last_incoming_at),
                     "conversation");
  });
}

Result<std::vector<core::Conversation>> PgTx::listConversations(const app::ConversationFilter& f) {
  PARLEY_PG_ASSIGN(const int limit, pageLimit(f.limit));
  // Conditions are constants chosen here; every value is a parameter.
  Params params;
  params.id(f.tenant_id);
  std::string where = "tenant_id = $1";
  auto arg = [&] { return placeholder(params.count()); };
  if (f.inbox_ids) {
    params.idArray(*f.inbox_ids);
    where += " AND inbox_id = ANY(" + arg() + "::bigint[])";
  }
  if (f.inbox_id) {
    params.id(*f.inbox_id);
    where += " AND inbox_id = " + arg();
  }
  if (f.status) {
    params.text(core::toString(*f.status));
    where += " AND status = " + arg();
  }
  if (f.assignee_id) {
    if (f.assignee_id->valid()) {
      params.id(*f.assignee_id);
      where += " AND assignee_id = " + arg();
    } else {
      where += " AND assignee_id IS NULL";
    }
  }
  if (f.team_id) {
    if (f.team_id->valid()) {
      params.id(*f.team_id);
      where += " AND team_id = " + arg();
    } else {
      where += " AND team_id IS NULL";
    }
  }
  if (f.contact_id) {
    params.id(*f.contact_id);
    where += " AND contact_id = " + arg();
  }
  if (f.label) {
    params.text(*f.label);
    where += " AND EXISTS (SELECT 1 FROM conversation_labels l WHERE l.conversation_id = conversations.id AND l.label = " +
             arg() + ")";
  }
  if (f.after) {
    params.i64(f.after->first);
    const auto at = arg();
    params.id(f.after->second);
    where += " AND (last_activity_at, id) < (" + at + ", " + arg() + "::bigint)";
  }
  params.i64(limit);
  const std::string text = sql({"SELECT ", kConversationCols, " FROM conversations WHERE ", where,
                                " ORDER BY last_activity_at DESC, id DESC LIMIT ", arg()});
  PARLEY_PG_ASSIGN(auto result, query(text.c_str(), params));
  PARLEY_PG_ASSIGN(auto conversations, rowsOf(result.get(), decodeConversation));
  PARLEY_PG_TRY(fillLabels(conversations));
  return conversations;
}

Result<core::Conversation> PgTx::findActiveConversation(core::TenantId tenant, core::ContactId contact,
                                                        core::InboxId inbox) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kConversationCols,
                                           " FROM conversations WHERE tenant_id = $1 AND contact_id = $2 AND inbox_id = $3"
                                           " AND status <> 'resolved' ORDER BY id DESC LIMIT 1"})
                                          .c_str(),
                                      Params().id(tenant).id(contact).id(inbox)));
  PARLEY_PG_ASSIGN(auto conversation, oneOf(result.get(), decodeConversation, "active conversation"));
  std::vector<core::Conversation> one{std::move(conversation)};
  PARLEY_PG_TRY(fillLabels(one));
  return std::move(one.front());
}

// --- messages -------------------------------------------------------------------------------------

Result<core::MessageId> PgTx::insertMessage(const core::Message& m) {
  return writeOp([&]() -> Result<core::MessageId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO messages (tenant_id, conversation_id, inbox_id, direction, text, "
                                                "sender_user_id, sender_contact_id, external_id, reply_to_id, latitude, "
                                                "longitude, location_name, delivery_status, delivery_error, created_at, "
                                                "updated_at, kind, payload_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                                                "$10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
                                                Params()
                                                    .id(m.tenant_id)
                                                    .id(m.conversation_id)
                                                    .id(m.inbox_id)
                                                    .text(core::toString(m.direction))
                                                    .text(m.text)
                                                    .id(m.sender_user_id)
                                                    .id(m.sender_contact_id)
                                                    .text(m.external_id)
                                                    .id(m.reply_to_id)
                                                    .real(m.latitude)
                                                    .real(m.longitude)
                                                    .text(m.location_name)
                                                    .text(core::toString(m.delivery_status))
                                                    .text(m.delivery_error)
                                                    .i64(m.created_at)
                                                    .i64(m.updated_at)
                                                    .text(core::toString(m.kind))
                                                    .text(m.payload_json)));
    if (!m.attachment_ids.empty()) {
      // Each attachment must be this tenant's and not yet linked to another message.
      PARLEY_PG_ASSIGN(auto current, query("SELECT id, message_id FROM attachments "
                                           "WHERE tenant_id = $1 AND id = ANY($2::bigint[]) FOR UPDATE",
                                           Params().id(m.tenant_id).idArray(m.attachment_ids)));
      std::unordered_map<std::int64_t, std::int64_t> owner;
      for (int i = 0, n = PQntuples(current.get()); i < n; ++i) {
        RowReader row(current.get(), i);
        const auto attachment = row.i64();
        const auto message = row.i64();
        if (!row.ok()) return row.error();
        owner[attachment] = message;
      }
      for (auto attachment : m.attachment_ids) {
        auto it = owner.find(attachment.value);
        if (it == owner.end()) {
          return makeError(ErrorCode::NotFound, "attachment " + std::to_string(attachment.value) + " not found");
        }
        if (it->second != 0) {
          return makeError(ErrorCode::Conflict,
                           "attachment " + std::to_string(attachment.value) + " belongs to another message");
        }
      }
      PARLEY_PG_TRY(query("UPDATE attachments SET message_id = $1 WHERE tenant_id = $2 AND id = ANY($3::bigint[])",
                          Params().i64(id).id(m.tenant_id).idArray(m.attachment_ids)));
    }
    return core::MessageId(id);
  });
}

Result<core::Message> PgTx::getMessage(core::TenantId tenant, core::MessageId id) {
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kMessageCols, " FROM messages WHERE tenant_id = $1 AND id = $2"}).c_str(),
                         Params().id(tenant).id(id)));
  PARLEY_PG_ASSIGN(auto message, oneOf(result.get(), decodeMessage, "message"));
  std::vector<core::Message> one{std::move(message)};
  PARLEY_PG_TRY(fillAttachments(one));
  return std::move(one.front());
}

Result<core::Message> PgTx::findMessageByExternalId(core::InboxId inbox, const std::string& external_id) {
  if (external_id.empty()) return makeError(ErrorCode::NotFound, "message not found");
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kMessageCols, " FROM messages WHERE inbox_id = $1 AND external_id = $2"}).c_str(),
                         Params().id(inbox).text(external_id)));
  PARLEY_PG_ASSIGN(auto message, oneOf(result.get(), decodeMessage, "message"));
  std::vector<core::Message> one{std::move(message)};
  PARLEY_PG_TRY(fillAttachments(one));
  return std::move(one.front());
}

Result<std::vector<core::Message>> PgTx::listMessages(core::TenantId tenant, core::ConversationId conversation,
                                                      core::MessageId after, int limit) {
  PARLEY_PG_ASSIGN(limit, pageLimit(limit));
  PARLEY_PG_TRY(requireOwned("conversations", "conversation", tenant, conversation.value));
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kMessageCols,
                                           " FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND id > $3"
                                           " ORDER BY id LIMIT $4"})
                                          .c_str(),
                                      Params().id(tenant).id(conversation).i64(after.value).i64(limit)));
  PARLEY_PG_ASSIGN(auto messages, rowsOf(result.get(), decodeMessage));
  PARLEY_PG_TRY(fillAttachments(messages));
  return messages;
}

Result<core::Message> PgTx::lastIncomingMessage(core::TenantId tenant, core::ConversationId conversation) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kMessageCols,
                                           " FROM messages WHERE tenant_id = $1 AND conversation_id = $2"
                                           " AND direction = 'incoming' ORDER BY id DESC LIMIT 1"})
                                          .c_str(),
                                      Params().id(tenant).id(conversation)));
  PARLEY_PG_ASSIGN(auto message, oneOf(result.get(), decodeMessage, "message"));
  std::vector<core::Message> one{std::move(message)};
  PARLEY_PG_TRY(fillAttachments(one));
  return std::move(one.front());
}

Status PgTx::updateMessage(const core::Message& m) {
  return writeOp([&]() -> Status {
    // An external_id already used in the inbox violates messages_external_id_key: Conflict, and
    // the savepoint of writeOp undoes the statement.
    return changeOne("UPDATE messages SET text = $3, kind = $4, payload_json = $5, external_id = $6, "
                     "delivery_status = $7, delivery_error = $8, updated_at = $9 WHERE tenant_id = $1 AND id = $2",
                     Params()
                         .id(m.tenant_id)
                         .id(m.id)
                         .text(m.text)
                         .text(core::toString(m.kind))
                         .text(m.payload_json)
                         .text(m.external_id)
                         .text(core::toString(m.delivery_status))
                         .text(m.delivery_error)
                         .i64(m.updated_at),
                     "message");
  });
}

Result<std::vector<core::Message>> PgTx::searchMessages(const app::MessageSearch& s) {
  PARLEY_PG_ASSIGN(const int limit, pageLimit(s.limit));
  PARLEY_PG_ASSIGN(auto terms, searchTerms(s.query));
  if (terms.empty()) return std::vector<core::Message>{};
  // Every word a prefix term, all required: "w1:* & w2:*", a word with another German spelling
  // as either ("(muenchen:* | münchen:*)"). The words hold only letters and digits, so the text
  // is plain tsquery syntax; to_tsquery then folds case and accents the way the index did.
  std::string tsquery;
  for (const auto& t : terms) {
    if (!tsquery.empty()) tsquery += " & ";
    const auto spellings = core::germanSpellings(t);
    if (spellings.size() > 1) tsquery += '(';
    for (std::size_t k = 0; k < spellings.size(); ++k) {
      if (k > 0) tsquery += " | ";
      tsquery += spellings[k] + ":*";
    }
    if (spellings.size() > 1) tsquery += ')';
  }
  Params params;
  params.id(s.tenant_id).text(tsquery);
  std::string where = "tenant_id = $1 AND search_tsv @@ to_tsquery('parley_search'::regconfig, $2)";
  auto arg = [&] { return placeholder(params.count()); };
  if (s.inbox_ids) {
    params.idArray(*s.inbox_ids);
    where += " AND inbox_id = ANY(" + arg() + "::bigint[])";
  }
  if (s.before) {
    params.id(*s.before);
    where += " AND id < " + arg() + "::bigint";
  }
  params.i64(limit);
  const std::string text = sql({"SELECT ", kMessageCols, " FROM messages WHERE ", where, " ORDER BY id DESC LIMIT ", arg()});
  PARLEY_PG_ASSIGN(auto result, query(text.c_str(), params));
  PARLEY_PG_ASSIGN(auto messages, rowsOf(result.get(), decodeMessage));
  PARLEY_PG_TRY(fillAttachments(messages));
  return messages;
}

// --- attachments ----------------------------------------------------------------------------------

Result<core::AttachmentId> PgTx::insertAttachment(const core::Attachment& a) {
  return writeOp([&]() -> Result<core::AttachmentId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO attachments (tenant_id, message_id, sha256, size, content_type, "
                                                "filename, created_at, state, provider_ref, error, fetch_attempts, "
                                                "next_fetch_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                                                "RETURNING id",
                                                Params()
                                                    .id(a.tenant_id)
                                                    .id(a.message_id)
                                                    .text(a.sha256)
                                                    .i64(a.size)
                                                    .text(a.content_type)
                                                    .text(a.filename)
                                                    .i64(a.created_at)
                                                    .text(core::toString(a.state))
                                                    .text(a.provider_ref)
                                                    .text(a.error)
                                                    .i64(a.fetch_attempts)
                                                    .i64(a.next_fetch_at)
                                                    .id(a.uploaded_by)));
    return core::AttachmentId(id);
  });
}

Result<core::Attachment> PgTx::getAttachment(core::TenantId tenant, core::AttachmentId id) {
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kAttachmentCols, " FROM attachments WHERE tenant_id = $1 AND id = $2"}).c_str(),
                         Params().id(tenant).id(id)));
  return oneOf(result.get(), decodeAttachment, "attachment");
}

Status PgTx::updateAttachment(const core::Attachment& a) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE attachments SET sha256 = $3, size = $4, content_type = $5, filename = $6, state = $7, "
                     "provider_ref = $8, error = $9, fetch_attempts = $10, next_fetch_at = $11 "
                     "WHERE tenant_id = $1 AND id = $2",
                     Params()
                         .id(a.tenant_id)
                         .id(a.id)
                         .text(a.sha256)
                         .i64(a.size)
                         .text(a.content_type)
                         .text(a.filename)
                         .text(core::toString(a.state))
                         .text(a.provider_ref)
                         .text(a.error)
                         .i64(a.fetch_attempts)
                         .i64(a.next_fetch_at),
                     "attachment");
  });
}

Result<std::vector<core::Attachment>> PgTx::dueAttachments(core::TimestampMs now, int limit) {
  PARLEY_PG_ASSIGN(limit, pageLimit(limit));
  // As dueOutbox: in a write transaction the rows are locked and rows another node has locked
  // are skipped, so two media fetchers polling at once do not take the same attachments.
  const std::string text = sql({"SELECT ", kAttachmentCols,
                                " FROM attachments WHERE state = 'pending' AND next_fetch_at <= $1"
                                " ORDER BY next_fetch_at, id LIMIT $2",
                                writable_ ? " FOR UPDATE SKIP LOCKED" : ""});
  PARLEY_PG_ASSIGN(auto result, query(text.c_str(), Params().i64(now).i64(limit)));
  return rowsOf(result.get(), decodeAttachment);
}

Result<std::vector<std::string>> PgTx::referencedBlobs(const std::vector<std::string>& sha256s) {
  if (sha256s.size() > 1000) return makeError(ErrorCode::InvalidInput, "at most 1000 content hashes per call");
  if (sha256s.empty()) return std::vector<std::string>{};
  PARLEY_PG_ASSIGN(auto result, query("SELECT DISTINCT sha256 FROM attachments WHERE sha256 <> '' AND sha256 = ANY($1::text[])",
                                      Params().textArray(sha256s)));
  return rowsOf(result.get(), [](RowReader& r) { return r.text(); });
}

Result<bool> PgTx::namesAnyBlob() {
  PARLEY_PG_ASSIGN(auto result, query("SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 <> '')", Params()));
  return oneOf(result.get(), [](RowReader& r) { return r.boolean(); }, "attachment");
}

// --- canned responses -----------------------------------------------------------------------------

Result<core::CannedResponseId> PgTx::createCannedResponse(const core::CannedResponse& r) {
  return writeOp([&]() -> Result<core::CannedResponseId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO canned_responses (tenant_id, short_code, language, content, "
                                                "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                                                Params()
                                                    .id(r.tenant_id)
                                                    .text(r.short_code)
                                                    .text(core::toString(r.language))
                                                    .text(r.content)
                                                    .i64(r.created_at)
                                                    .i64(r.updated_at)));
    return core::CannedResponseId(id);
  });
}

Result<core::CannedResponse> PgTx::getCannedResponse(core::TenantId tenant, core::CannedResponseId id) {
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kCannedCols, " FROM canned_responses WHERE tenant_id = $1 AND id = $2"}).c_str(),
                         Params().id(tenant).id(id)));
  return oneOf(result.get(), decodeCanned, "canned response");
}

Result<std::vector<core::CannedResponse>> PgTx::listCannedResponses(core::TenantId tenant) {
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kCannedCols, " FROM canned_responses WHERE tenant_id = $1 ORDER BY id"}).c_str(),
                         Params().id(tenant)));
  return rowsOf(result.get(), decodeCanned);
}

Status PgTx::updateCannedResponse(const core::CannedResponse& r) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE canned_responses SET short_code = $3, language = $4, content = $5, updated_at = $6 "
                     "WHERE tenant_id = $1 AND id = $2",
                     Params()
                         .id(r.tenant_id)
                         .id(r.id)
                         .text(r.short_code)
                         .text(core::toString(r.language))
                         .text(r.content)
                         .i64(r.updated_at),
                     "canned response");
  });
}

Status PgTx::deleteCannedResponse(core::TenantId tenant, core::CannedResponseId id) {
  return writeOp([&]() -> Status {
    return changeOne("DELETE FROM canned_responses WHERE tenant_id = $1 AND id = $2", Params().id(tenant).id(id),
                     "canned response");
  });
}

// --- outbox ---------------------------------------------------------------------------------------

Result<core::OutboxId> PgTx::enqueueOutbox(const core::OutboxItem& o) {
  return writeOp([&]() -> Result<core::OutboxId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO outbox (tenant_id, inbox_id, message_id, idempotency_key, "
                                                "payload, state, attempts, next_attempt_at, last_error, created_at, "
                                                "updated_at, sending_since, throttled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                                                "$10, $11, $12, $13) RETURNING id",
                                                Params()
                                                    .id(o.tenant_id)
                                                    .id(o.inbox_id)
                                                    .id(o.message_id)
                                                    .text(o.idempotency_key)
                                                    .bytes(o.payload)
                                                    .text(core::toString(o.state))
                                                    .i64(o.attempts)
                                                    .i64(o.next_attempt_at)
                                                    .text(o.last_error)
                                                    .i64(o.created_at)
                                                    .i64(o.updated_at)
                                                    .i64(o.sending_since)
                                                    .i64(o.throttled)));
    return core::OutboxId(id);
  });
}

Result<std::vector<core::OutboxItem>> PgTx::dueOutbox(core::TimestampMs now, int limit, app::OutboxShard shard) {
  PARLEY_PG_ASSIGN(limit, pageLimit(limit));
  PARLEY_PG_TRY(app::checkShard(shard));
  // In a write transaction the rows are locked, and rows another node has locked are skipped,
  // so two nodes polling at once do not take the same items.
  const std::string text = sql({"SELECT ", kOutboxCols,
                                " FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1 AND inbox_id % $3 = $4"
                                " ORDER BY next_attempt_at, id LIMIT $2",
                                writable_ ? " FOR UPDATE SKIP LOCKED" : ""});
  PARLEY_PG_ASSIGN(auto result, query(text.c_str(), Params().i64(now).i64(limit).i64(shard.count).i64(shard.index)));
  return rowsOf(result.get(), decodeOutbox);
}

Status PgTx::updateOutbox(const core::OutboxItem& o) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE outbox SET state = $2, attempts = $3, next_attempt_at = $4, last_error = $5, updated_at = $6, "
                     "sending_since = $7, throttled = $8 WHERE id = $1",
                     Params()
                         .id(o.id)
                         .text(core::toString(o.state))
                         .i64(o.attempts)
                         .i64(o.next_attempt_at)
                         .text(o.last_error)
                         .i64(o.updated_at)
                         .i64(o.sending_since)
                         .i64(o.throttled),
                     "outbox item");
  });
}

Status PgTx::markOutboxSending(core::OutboxId id, core::TimestampMs expected_since, core::TimestampMs since,
                               core::TimestampMs next_attempt_at) {
  return writeOp([&]() -> Status {
    PARLEY_PG_ASSIGN(auto result, query("UPDATE outbox SET sending_since = $2, next_attempt_at = $3, updated_at = $2 "
                                        "WHERE id = $1 AND state = 'pending' AND sending_since = $4",
                                        Params().id(id).i64(since).i64(next_attempt_at).i64(expected_since)));
    if (affected(result.get()) == 1) return {};
    PARLEY_PG_TRY(requireRow("SELECT 1 FROM outbox WHERE id = $1", Params().id(id), "outbox item"));
    return makeError(ErrorCode::Conflict, "outbox item " + std::to_string(id.value) + " was taken by another worker");
  });
}

Result<std::vector<core::OutboxItem>> PgTx::sendingOutbox(int limit, app::OutboxShard shard) {
  PARLEY_PG_ASSIGN(limit, pageLimit(limit));
  PARLEY_PG_TRY(app::checkShard(shard));
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kOutboxCols, " FROM outbox WHERE state = 'pending' AND sending_since > 0"
                                               " AND inbox_id % $2 = $3 ORDER BY sending_since, id LIMIT $1"})
                                          .c_str(),
                                      Params().i64(limit).i64(shard.count).i64(shard.index)));
  return rowsOf(result.get(), decodeOutbox);
}

Result<std::vector<core::OutboxItem>> PgTx::attemptedOutbox(core::InboxId inbox, int limit) {
  PARLEY_PG_ASSIGN(limit, pageLimit(limit));
  // Served by the partial index outbox_attempted_idx (migration 8).
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kOutboxCols, " FROM outbox WHERE inbox_id = $1 AND state = 'pending'"
                                               " AND (attempts > 0 OR sending_since > 0) ORDER BY updated_at DESC, id DESC LIMIT $2"})
                                          .c_str(),
                                      Params().id(inbox).i64(limit)));
  return rowsOf(result.get(), decodeOutbox);
}

Result<std::vector<core::OutboxItem>> PgTx::failedOutbox(core::InboxId inbox, const std::string& reason,
                                                          core::TimestampMs since, int limit) {
  PARLEY_PG_ASSIGN(limit, pageLimit(limit));
  // A range of the partial index outbox_failed_idx (migration 11); the reason is checked per row.
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kOutboxCols, " FROM outbox WHERE inbox_id = $1 AND state = 'failed'"
                                               " AND updated_at >= $2 AND last_error = $3"
                                               " ORDER BY updated_at DESC, id DESC LIMIT $4"})
                                          .c_str(),
                                      Params().id(inbox).i64(since).text(reason).i64(limit)));
  return rowsOf(result.get(), decodeOutbox);
}

Result<core::OutboxItem> PgTx::outboxForMessage(core::TenantId tenant, core::MessageId message) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kOutboxCols, " FROM outbox WHERE tenant_id = $1 AND message_id = $2"
                                               " ORDER BY id DESC LIMIT 1"})
                                          .c_str(),
                                      Params().id(tenant).id(message)));
  return oneOf(result.get(), decodeOutbox, "outbox item of the message");
}

Result<std::int64_t> PgTx::outboxDepth() { return scalar("SELECT count(*) FROM outbox WHERE state = 'pending'", Params()); }

Result<std::int64_t> PgTx::countMessages() { return scalar("SELECT count(*) FROM messages", Params()); }

// --- channel state --------------------------------------------------------------------------------

Result<std::string> PgTx::getChannelState(core::InboxId inbox, const std::string& key) {
  PARLEY_PG_ASSIGN(auto result, query("SELECT value FROM channel_state WHERE inbox_id = $1 AND key = $2",
                                      Params().id(inbox).text(key)));
  return oneOf(result.get(), [](RowReader& r) { return r.text(); }, "channel state");
}

Status PgTx::setChannelState(core::InboxId inbox, const std::string& key, const std::string& value, core::TimestampMs now) {
  return writeOp([&]() -> Status {
    auto done = query("INSERT INTO channel_state (inbox_id, key, value, updated_at) VALUES ($1, $2, $3, $4) "
                      "ON CONFLICT (inbox_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
                      Params().id(inbox).text(key).text(value).i64(now));
    if (!done) {
      if (done.error().code == ErrorCode::InvalidInput) return makeError(ErrorCode::NotFound, "inbox not found");
      return done.error();
    }
    return {};
  });
}

// --- routing configuration ------------------------------------------------------------------------

namespace {

app::RoutingSkill decodeSkill(RowReader& r) {
  app::RoutingSkill k;
  k.id = r.id<core::routing::SkillTag>();
  k.tenant_id = r.id<core::TenantTag>();
  k.name = r.text();
  k.created_at = r.i64();
  return k;
}

app::RoutingQueueRecord decodeQueue(RowReader& r) {
  app::RoutingQueueRecord q;
  q.id = r.id<core::routing::RoutingQueueTag>();
  q.tenant_id = r.id<core::TenantTag>();
  q.name = r.text();
  q.config_json = r.text();
  q.created_at = r.i64();
  return q;
}

app::RoutingProfileRecord decodeProfile(RowReader& r) {
  app::RoutingProfileRecord p;
  p.tenant_id = r.id<core::TenantTag>();
  p.owner_id = r.i64();
  p.json = r.text();
  return p;
}

app::RoutingRule decodeRule(RowReader& r) {
  app::RoutingRule rule;
  rule.id = r.i64();
  rule.tenant_id = r.id<core::TenantTag>();
  rule.position = static_cast<int>(r.i64());
  rule.inbox_id = r.id<core::InboxTag>();
  rule.label = r.text();
  rule.language = r.text();
  if (!r.isNull()) {
    rule.channel = r.enumeration(core::parseChannelKind);
  } else {
    r.text();  // NULL: any channel
  }
  rule.queue_id = r.id<core::routing::RoutingQueueTag>();
  rule.priority = static_cast<int>(r.i64());
  return rule;
}

constexpr const char* kSkillCols = "id, tenant_id, name, created_at";
constexpr const char* kQueueCols = "id, tenant_id, name, config_json, created_at";
constexpr const char* kRuleCols = "id, tenant_id, position, inbox_id, label, language, channel, queue_id, priority";

}  // namespace

Result<core::routing::SkillId> PgTx::createSkill(const app::RoutingSkill& k) {
  return writeOp([&]() -> Result<core::routing::SkillId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO routing_skills (tenant_id, name, created_at) "
                                                "VALUES ($1, $2, $3) RETURNING id",
                                                Params().id(k.tenant_id).text(k.name).i64(k.created_at)));
    return core::routing::SkillId(id);
  });
}

Result<std::vector<app::RoutingSkill>> PgTx::listSkills(core::TenantId tenant) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kSkillCols, " FROM routing_skills WHERE tenant_id = $1 ORDER BY id"}).c_str(),
                                      Params().id(tenant)));
  return rowsOf(result.get(), decodeSkill);
}

Status PgTx::updateSkill(const app::RoutingSkill& k) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE routing_skills SET name = $3 WHERE tenant_id = $1 AND id = $2",
                     Params().id(k.tenant_id).id(k.id).text(k.name), "skill");
  });
}

Status PgTx::deleteSkill(core::TenantId tenant, core::routing::SkillId id) {
  return writeOp([&]() -> Status {
    return changeOne("DELETE FROM routing_skills WHERE tenant_id = $1 AND id = $2", Params().id(tenant).id(id), "skill");
  });
}

Result<core::routing::QueueId> PgTx::createRoutingQueue(const app::RoutingQueueRecord& q) {
  return writeOp([&]() -> Result<core::routing::QueueId> {
    PARLEY_PG_ASSIGN(auto id, insertReturningId("INSERT INTO routing_queues (tenant_id, name, config_json, created_at) "
                                                "VALUES ($1, $2, $3, $4) RETURNING id",
                                                Params().id(q.tenant_id).text(q.name).text(q.config_json).i64(q.created_at)));
    return core::routing::QueueId(id);
  });
}

Result<app::RoutingQueueRecord> PgTx::getRoutingQueue(core::TenantId tenant, core::routing::QueueId id) {
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kQueueCols, " FROM routing_queues WHERE tenant_id = $1 AND id = $2"}).c_str(),
                         Params().id(tenant).id(id)));
  return oneOf(result.get(), decodeQueue, "queue");
}

Status PgTx::saveQueueDayFigures(const std::vector<app::QueueDayFiguresRecord>& figures) {
  return writeOp([&]() -> Status {
    for (const auto& f : figures) {
      // Only for a queue of that tenant that still exists: a deleted queue's last figures are dropped.
      auto done = query("INSERT INTO routing_queue_days (queue_id, tenant_id, day, answered, answered_within_threshold, "
                        "abandoned, abandoned_after_threshold, answered_wait_ms) SELECT $1, $2, $3, $4, $5, $6, $7, $8 "
                        "WHERE EXISTS (SELECT 1 FROM routing_queues WHERE id = $1 AND tenant_id = $2) "
                        "ON CONFLICT (queue_id) DO UPDATE SET day = EXCLUDED.day, answered = EXCLUDED.answered, "
                        "answered_within_threshold = EXCLUDED.answered_within_threshold, abandoned = EXCLUDED.abandoned, "
                        "abandoned_after_threshold = EXCLUDED.abandoned_after_threshold, "
                        "answered_wait_ms = EXCLUDED.answered_wait_ms",
                        Params()
                            .id(f.queue_id)
                            .id(f.tenant_id)
                            .i64(f.day)
                            .i64(f.answered)
                            .i64(f.answered_within_threshold)
                            .i64(f.abandoned)
                            .i64(f.abandoned_after_threshold)
                            .real(f.answered_wait_ms));
      if (!done) return done.error();
    }
    return {};
  });
}

Result<std::vector<app::QueueDayFiguresRecord>> PgTx::queueDayFigures(core::TenantId tenant, std::int64_t day) {
  PARLEY_PG_ASSIGN(auto result, query("SELECT tenant_id, queue_id, day, answered, answered_within_threshold, abandoned, "
                                      "abandoned_after_threshold, answered_wait_ms FROM routing_queue_days "
                                      "WHERE tenant_id = $1 AND day = $2 ORDER BY queue_id",
                                      Params().id(tenant).i64(day)));
  return rowsOf(result.get(), [](RowReader& r) {
    app::QueueDayFiguresRecord f;
    f.tenant_id = r.id<core::TenantTag>();
    f.queue_id = core::routing::QueueId{r.i64()};
    f.day = r.i64();
    f.answered = r.i64();
    f.answered_within_threshold = r.i64();
    f.abandoned = r.i64();
    f.abandoned_after_threshold = r.i64();
    f.answered_wait_ms = r.real().value_or(0);
    return f;
  });
}

Result<std::vector<app::RoutingQueueRecord>> PgTx::listRoutingQueues(core::TenantId tenant) {
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kQueueCols, " FROM routing_queues WHERE tenant_id = $1 ORDER BY id"}).c_str(),
                                      Params().id(tenant)));
  return rowsOf(result.get(), decodeQueue);
}

Status PgTx::updateRoutingQueue(const app::RoutingQueueRecord& q) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE routing_queues SET name = $3, config_json = $4 WHERE tenant_id = $1 AND id = $2",
                     Params().id(q.tenant_id).id(q.id).text(q.name).text(q.config_json), "queue");
  });
}

Status PgTx::deleteRoutingQueue(core::TenantId tenant, core::routing::QueueId id) {
  return writeOp([&]() -> Status {
    // Conversations lose the queue and rules naming it go (ON DELETE SET NULL / CASCADE).
    return changeOne("DELETE FROM routing_queues WHERE tenant_id = $1 AND id = $2", Params().id(tenant).id(id), "queue");
  });
}

Result<app::RoutingProfileRecord> PgTx::getAgentRouting(core::TenantId tenant, core::UserId user) {
  PARLEY_PG_ASSIGN(auto result, query("SELECT tenant_id, user_id, json FROM routing_agent_profiles "
                                      "WHERE tenant_id = $1 AND user_id = $2",
                                      Params().id(tenant).id(user)));
  return oneOf(result.get(), decodeProfile, "routing profile");
}

Result<std::vector<app::RoutingProfileRecord>> PgTx::listAgentRouting(core::TenantId tenant) {
  PARLEY_PG_ASSIGN(auto result, query("SELECT tenant_id, user_id, json FROM routing_agent_profiles WHERE tenant_id = $1 "
                                      "ORDER BY user_id",
                                      Params().id(tenant)));
  return rowsOf(result.get(), decodeProfile);
}

Status PgTx::setAgentRouting(const app::RoutingProfileRecord& p) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(requireOwned("users", "user", p.tenant_id, p.owner_id));
    auto done = query("INSERT INTO routing_agent_profiles (user_id, tenant_id, json) VALUES ($1, $2, $3) "
                      "ON CONFLICT (user_id) DO UPDATE SET json = EXCLUDED.json",
                      Params().i64(p.owner_id).id(p.tenant_id).text(p.json));
    if (!done) return done.error();
    return {};
  });
}

Result<app::RoutingProfileRecord> PgTx::getTeamRouting(core::TenantId tenant, core::TeamId team) {
  PARLEY_PG_ASSIGN(auto result, query("SELECT tenant_id, team_id, json FROM routing_team_profiles "
                                      "WHERE tenant_id = $1 AND team_id = $2",
                                      Params().id(tenant).id(team)));
  return oneOf(result.get(), decodeProfile, "routing profile");
}

Result<std::vector<app::RoutingProfileRecord>> PgTx::listTeamRouting(core::TenantId tenant) {
  PARLEY_PG_ASSIGN(auto result, query("SELECT tenant_id, team_id, json FROM routing_team_profiles WHERE tenant_id = $1 "
                                      "ORDER BY team_id",
                                      Params().id(tenant)));
  return rowsOf(result.get(), decodeProfile);
}

Status PgTx::setTeamRouting(const app::RoutingProfileRecord& p) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(requireOwned("teams", "team", p.tenant_id, p.owner_id));
    auto done = query("INSERT INTO routing_team_profiles (team_id, tenant_id, json) VALUES ($1, $2, $3) "
                      "ON CONFLICT (team_id) DO UPDATE SET json = EXCLUDED.json",
                      Params().i64(p.owner_id).id(p.tenant_id).text(p.json));
    if (!done) return done.error();
    return {};
  });
}

Result<std::vector<app::RoutingRule>> PgTx::listRoutingRules(core::TenantId tenant) {
  PARLEY_PG_ASSIGN(auto result,
                   query(sql({"SELECT ", kRuleCols, " FROM routing_rules WHERE tenant_id = $1 ORDER BY position, id"}).c_str(),
                         Params().id(tenant)));
  return rowsOf(result.get(), decodeRule);
}

Status PgTx::replaceRoutingRules(core::TenantId tenant, const std::vector<app::RoutingRule>& rules) {
  return writeOp([&]() -> Status {
    PARLEY_PG_TRY(requireRow("SELECT 1 FROM tenants WHERE id = $1", Params().id(tenant), "tenant"));
    for (const auto& rule : rules) {
      PARLEY_PG_TRY(requireOwned("routing_queues", "queue", tenant, rule.queue_id.value));
      if (rule.inbox_id.valid()) PARLEY_PG_TRY(requireOwned("inboxes", "inbox", tenant, rule.inbox_id.value));
    }
    auto deleted = query("DELETE FROM routing_rules WHERE tenant_id = $1", Params().id(tenant));
    if (!deleted) return deleted.error();
    int position = 0;
    for (const auto& rule : rules) {
      Params params;
      params.id(tenant).i64(position++).id(rule.inbox_id).text(rule.label).text(rule.language);
      if (rule.channel) {
        params.text(core::toString(*rule.channel));
      } else {
        params.null();
      }
      params.id(rule.queue_id).i64(rule.priority);
      auto done = query("INSERT INTO routing_rules (tenant_id, position, inbox_id, label, language, channel, queue_id, "
                        "priority) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        params);
      if (!done) return done.error();
    }
    return {};
  });
}

Status PgTx::setConversationQueue(core::TenantId tenant, core::ConversationId id, core::routing::QueueId queue,
                                  core::TimestampMs enqueued_at) {
  return writeOp([&]() -> Status {
    return changeOne("UPDATE conversations SET queue_id = $3, enqueued_at = $4 WHERE tenant_id = $1 AND id = $2",
                     Params().id(tenant).id(id).id(queue).i64(enqueued_at), "conversation");
  });
}

Result<std::vector<core::TenantId>> PgTx::routingTenants() {
  PARLEY_PG_ASSIGN(auto result, query("SELECT DISTINCT tenant_id FROM routing_queues ORDER BY tenant_id", Params()));
  return rowsOf(result.get(), [](RowReader& r) { return r.id<core::TenantTag>(); });
}

Result<std::vector<core::Conversation>> PgTx::listRoutedConversations(core::TenantId tenant, core::ConversationId after,
                                                                      int limit) {
  PARLEY_PG_ASSIGN(limit, pageLimit(limit));
  PARLEY_PG_ASSIGN(auto result, query(sql({"SELECT ", kConversationCols,
                                           " FROM conversations WHERE tenant_id = $1 AND queue_id IS NOT NULL AND id > $2 "
                                           "AND status <> 'resolved' ORDER BY id LIMIT $3"})
                                          .c_str(),
                                      Params().id(tenant).i64(after.value).i64(limit)));
  PARLEY_PG_ASSIGN(auto conversations, rowsOf(result.get(), decodeConversation));
  PARLEY_PG_TRY(fillLabels(conversations));
  return conversations;
}

}  // namespace parley::store::postgres
