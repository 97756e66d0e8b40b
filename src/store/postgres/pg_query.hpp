// The thin layer between PgStore and libpq: text parameters for PQexecParams, a reader for result
// rows, and the translation of SQLSTATEs into the project's error codes. Every value reaches the
// server as a parameter ($1, $2 ...); SQL text is only ever built from constants.
#pragma once

#include "core/text.hpp"

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"

namespace parley::store::postgres {

struct PgResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// Parameters in the text format. Strings are checked here (valid UTF-8, no NUL byte, which a
// PostgreSQL text value cannot hold), so bad input becomes InvalidInput before it is sent.
class Params {
 public:
  Params& text(std::string_view value);
  Params& null();
  Params& i64(std::int64_t value);
  template <class Tag>
  Params& id(core::Id<Tag> value) {  // an unset id (0) is NULL
    return value.valid() ? i64(value.value) : null();
  }
  Params& boolean(bool value);
  Params& real(std::optional<double> value);
  Params& bytes(std::string_view raw);  // bytea, any bytes
  Params& i64Array(const std::vector<std::int64_t>& values);
  template <class Tag>
  Params& idArray(const std::vector<core::Id<Tag>>& ids) {
    std::vector<std::int64_t> values;
    values.reserve(ids.size());
    for (auto id : ids) values.push_back(id.value);
    return i64Array(values);
  }
  Params& textArray(const std::vector<std::string>& values);

  int count() const { return static_cast<int>(values_.size()); }
  const std::optional<core::Error>& error() const { return error_; }
  // Pointers for PQexecParams; valid while this object is alive and unchanged.
  std::vector<const char*> pointers() const;

 private:
  void checkText(std::string_view value);

  std::vector<std::optional<std::string>> values_;
  std::optional<core::Error> error_;
};

// What a foreign-key violation means for the statement at hand: a row that refers to something
// missing (NotFound), or a delete of something still referred to (Conflict).
enum class OnForeignKey { NotFound, Conflict };

// Translates a failed result (or a failed connection) into the project's error vocabulary.
core::Error errorFrom(PGconn* conn, const PGresult* result, OnForeignKey fk = OnForeignKey::NotFound);

// Runs one statement; ok only for PGRES_COMMAND_OK / PGRES_TUPLES_OK.
core::Result<PgResultPtr> exec(PGconn* conn, const char* sql, const Params& params,
                               OnForeignKey fk = OnForeignKey::NotFound);
// Sends the constant commands `prefix` (BEGIN, SAVEPOINT ...) and then one statement in a single
// round trip (libpq pipeline mode). `prefixes_ok` says how many of the prefix commands
// succeeded; `result` is the statement's outcome (the first error of the pipeline if any failed).
struct PipelineOutcome {
  std::size_t prefixes_ok = 0;
  core::Result<PgResultPtr> result;
};
PipelineOutcome execAfter(PGconn* conn, std::span<const char* const> prefix, const char* sql, const Params& params,
                          OnForeignKey fk = OnForeignKey::NotFound);

// Runs constant SQL without parameters (may hold several statements: migrations, savepoints).
core::Result<PgResultPtr> execSimple(PGconn* conn, const char* sql);

// Reads the columns of one row from left to right. A value that does not decode marks the reader
// bad instead of throwing; callers check ok() once per row.
class RowReader {
 public:
  RowReader(const PGresult* result, int row) : result_(result), row_(row) {}

  bool isNull() const { return PQgetisnull(result_, row_, col_) != 0; }
  std::string text();
  std::int64_t i64();  // NULL reads as 0
  template <class Tag>
  core::Id<Tag> id() {
    return core::Id<Tag>(i64());
  }
  bool boolean();
  std::optional<double> real();
  std::string bytes();
  template <class E>
  E enumeration(std::optional<E> (*parse)(std::string_view)) {
    const int col = col_;
    auto parsed = parse(text());
    if (!parsed) {
      markBad(col);
      return E{};
    }
    return *parsed;
  }

  bool ok() const { return ok_; }
  core::Error error() const;

 private:
  void markBad(int col);

  const PGresult* result_;
  int row_;
  int col_ = 0;
  bool ok_ = true;
  int bad_col_ = -1;
};

using core::isValidUtf8;  // PostgreSQL refuses text that is not valid UTF-8

}  // namespace parley::store::postgres
