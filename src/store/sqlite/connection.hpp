// DESIGN: a thin RAII layer over one sqlite3 connection. Every statement text is prepared once
// per connection and kept in a cache; a Stmt borrows a cached statement and resets it when it
// goes out of scope, so a statement is never left half-stepped (which would hold a read lock
// or block a later COMMIT). All SQLite result codes become core::Error here, at the boundary.
// A Connection is used by one thread at a time (opened with SQLITE_OPEN_NOMUTEX).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/ids.hpp"
#include "core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

// Early return of the error of a Status or Result expression.
#define PARLEY_SQ_CONCAT_INNER(a, b) a##b
#define PARLEY_SQ_CONCAT(a, b) PARLEY_SQ_CONCAT_INNER(a, b)
#define PARLEY_SQ_TRY(expr)                                    \
  do {                                                         \
    if (auto parley_sq_r = (expr); !parley_sq_r.ok()) {        \
      return std::move(parley_sq_r).error();                   \
    }                                                          \
  } while (0)
// `PARLEY_SQ_ASSIGN(auto x, f());` declares x with the value of a Result, or returns its error.
#define PARLEY_SQ_ASSIGN(decl, expr) PARLEY_SQ_ASSIGN_IMPL(PARLEY_SQ_CONCAT(parley_sq_a_, __LINE__), decl, expr)
#define PARLEY_SQ_ASSIGN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return std::move(tmp).error(); \
  decl = std::move(tmp).value()

namespace parley::store::sqlite {

// Translates a SQLite result code (extended codes enabled) into the project's error vocabulary:
// unique / primary key -> Conflict, foreign key -> InvalidInput, NOT NULL / CHECK -> InvalidInput,
// busy / locked / I/O / full -> Unavailable, anything else -> Internal. `what` names the operation.
core::Error sqliteError(int rc, std::string_view detail, std::string_view what);

class Connection;

// One entry of a connection's statement cache.
struct CachedStmt {
  sqlite3_stmt* stmt = nullptr;
  bool in_use = false;
};

// A borrowed prepared statement. Bind parameters are 1-based, columns 0-based.
class Stmt {
 public:
  // `entry` is the cache entry the statement was borrowed from, or null for a one-off statement.
  Stmt(sqlite3_stmt* stmt, CachedStmt* entry) : stmt_(stmt), entry_(entry) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  Stmt& bind(int index, std::string_view value);
  Stmt& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Stmt& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Stmt& bind(int index, std::optional<double> value);  // NULL when empty
  Stmt& bindBlob(int index, std::string_view bytes);
  Stmt& bindNull(int index);
  // An id; NULL when unset (value <= 0), so that foreign keys hold.
  template <class Tag>
  Stmt& bind(int index, core::Id<Tag> id) {
    return id.valid() ? bind(index, id.value) : bindNull(index);
  }

  // Steps once: true when a row is available, false when done.
  core::Result<bool> step();
  // Steps to completion (for INSERT/UPDATE/DELETE).
  core::Status run();

  std::int64_t i64(int col) const;
  bool boolean(int col) const { return i64(col) != 0; }
  std::string text(int col) const;  // also reads BLOB columns, byte for byte
  std::optional<double> optReal(int col) const;
  bool isNull(int col) const;
  template <class IdT>
  IdT id(int col) const {
    return IdT{i64(col)};  // NULL reads as 0, the unset id
  }

 private:
  sqlite3_stmt* stmt_;
  CachedStmt* entry_;
  int bind_error_ = 0;  // first failed bind, reported by step()
};

class Connection {
 public:
  // Opens `path` (created if needed unless read_only) with extended result codes, a busy timeout
  // and foreign keys on.
  static core::Result<std::unique_ptr<Connection>> open(const std::string& path, bool read_only, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A cached prepared statement for this exact text. If the cached one is in use (a nested
  // query with the same text), a fresh one is prepared and finalized after use.
  core::Result<Stmt> prepare(std::string_view sql);
  // Runs one or more statements without caching (schema, pragmas).
  core::Status exec(const char* sql);
  // Runs a single-row query returning one text column (pragmas).
  core::Result<std::string> queryText(const char* sql);

  sqlite3* handle() { return db_; }
  std::int64_t lastInsertRowid() const;
  int changes() const;
  bool inTransaction() const;
  std::string lastErrorMessage() const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const noexcept { return std::hash<std::string_view>{}(sql); }
  };
  // Node-based: a CachedStmt* stays valid while other entries are added. Transparent lookup:
  // no allocation to find a statement by its text.
  std::unordered_map<std::string, CachedStmt, SqlHash, std::equal_to<>> cache_;
};

}  // namespace parley::store::sqlite
