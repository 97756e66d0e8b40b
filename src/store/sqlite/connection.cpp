#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include <mutex>
#include <optional>
#include <utility>

#include "store/conflict_messages.hpp"

namespace parley::store::sqlite {

namespace {

// SQLite's memory statistics (on by default) take one process-wide mutex on every malloc and
// free of every connection: the group-commit writer and all readers then queue on it (measured
// under ingest load: the writer's most frequent reason to sleep). Parley never reads those
// statistics, so they are switched off, once, before SQLite initialises. Harmless if another
// part of the process initialised SQLite first (the call is then refused and ignored).
void configureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)sqlite3_initialize();
  });
}

// SQLite's own text ("UNIQUE constraint failed: canned_responses.tenant_id, ...") would reach the
// API's 409 answer: the store's wording instead, by the table in that text (an unknown table
// keeps SQLite's text).
std::optional<std::string_view> conflictMessage(std::string_view detail) {
  constexpr std::string_view kPrefix = "UNIQUE constraint failed: ";
  if (!detail.starts_with(kPrefix)) return std::nullopt;
  std::string_view column = detail.substr(kPrefix.size());
  std::string_view table = column.substr(0, column.find('.'));
  for (const auto& known : kConflictMessages) {
    if (known.table == table) return known.message;
  }
  return std::nullopt;
}

}  // namespace

using core::ErrorCode;

core::Error sqliteError(int rc, std::string_view detail, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += detail.empty() ? std::string_view(sqlite3_errstr(rc)) : detail;
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      if (auto known = conflictMessage(detail)) message = *known;
      return core::makeError(ErrorCode::Conflict, std::move(message));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
      return core::makeError(ErrorCode::InvalidInput, std::move(message));
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return core::makeError(ErrorCode::InvalidInput, std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return core::makeError(ErrorCode::Unavailable, std::move(message));
    default:
      return core::makeError(ErrorCode::Internal, std::move(message));
  }
}

// --- Stmt -----------------------------------------------------------------------------------------

Stmt::Stmt(Stmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), entry_(std::exchange(other.entry_, nullptr)),
      bind_error_(other.bind_error_) {}

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (entry_ != nullptr) {
    entry_->in_use = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies, so temporaries may be bound.
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Stmt& Stmt::bind(int index, std::optional<double> value) {
  int rc = value ? sqlite3_bind_double(stmt_, index, *value) : sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Stmt& Stmt::bindBlob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  static const char kEmpty = 0;
  const void* data = bytes.empty() ? static_cast<const void*>(&kEmpty) : bytes.data();
  int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Stmt& Stmt::bindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

core::Result<bool> Stmt::step() {
  if (bind_error_ != 0) return sqliteError(bind_error_, "", "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqliteError(rc, sqlite3_errmsg(sqlite3_db_handle(stmt_)), "sqlite");
}

core::Status Stmt::run() {
  for (;;) {
    auto row = step();
    if (!row.ok()) return std::move(row).error();
    if (!row.value()) return {};
  }
}

std::int64_t Stmt::i64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::text(int col) const {
  // column_blob before column_bytes, as the SQLite documentation asks; no text conversion.
  const void* data = sqlite3_column_blob(stmt_, col);
  int size = sqlite3_column_bytes(stmt_, col);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::optional<double> Stmt::optReal(int col) const {
  if (isNull(col)) return std::nullopt;
  return sqlite3_column_double(stmt_, col);
}

bool Stmt::isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

// --- Connection -------------------------------------------------------------------------------------

core::Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, bool read_only,
                                                           int busy_timeout_ms) {
  configureSqliteOnce();
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return core::makeError(ErrorCode::Unavailable, "cannot open database " + path + ": " + detail);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  std::unique_ptr<Connection> conn(new Connection(db));
  PARLEY_SQ_TRY(conn->exec("PRAGMA foreign_keys = ON"));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
  cache_.clear();
  sqlite3_close_v2(db_);
}

core::Result<Stmt> Connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Stmt(it->second.stmt, &it->second);
  }
  sqlite3_stmt* stmt = nullptr;
  const bool cache = it == cache_.end();
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), cache ? SQLITE_PREPARE_PERSISTENT : 0,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) return sqliteError(rc, sqlite3_errmsg(db_), "prepare");
  if (!cache) return Stmt(stmt, nullptr);
  auto [pos, inserted] = cache_.emplace(std::string(sql), CachedStmt{stmt, true});
  (void)inserted;
  return Stmt(stmt, &pos->second);
}

core::Status Connection::exec(const char* sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return {};
  std::string detail = error != nullptr ? error : sqlite3_errmsg(db_);
  sqlite3_free(error);
  return sqliteError(rc, detail, "exec");
}

core::Result<std::string> Connection::queryText(const char* sql) {
  PARLEY_SQ_ASSIGN(Stmt stmt, prepare(sql));
  PARLEY_SQ_ASSIGN(bool row, stmt.step());
  if (!row) return core::makeError(ErrorCode::Internal, std::string("no result from ") + sql);
  return stmt.text(0);
}

std::int64_t Connection::lastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
int Connection::changes() const { return sqlite3_changes(db_); }
bool Connection::inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
std::string Connection::lastErrorMessage() const { return sqlite3_errmsg(db_); }

}  // namespace parley::store::sqlite
