#include "store/postgres/pg_query.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

#include "store/conflict_messages.hpp"

namespace parley::store::postgres {

using core::ErrorCode;

namespace {

constexpr char kHex[] = "0123456789abcdef";

// The store's wording of a unique constraint the schema names (store/conflict_messages.hpp).
std::string conflictMessage(std::string_view constraint) {
  for (const auto& known : store::kConflictMessages) {
    if (known.constraint == constraint) return std::string(known.message);
  }
  return "already exists (" + std::string(constraint) + ")";
}

std::string field(const PGresult* result, int code) {
  if (result == nullptr) return {};
  const char* v = PQresultErrorField(result, code);
  return v ? std::string(v) : std::string();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

// --- Params ---------------------------------------------------------------------------------------

void Params::checkText(std::string_view value) {
  if (error_) return;
  if (value.find('\0') != std::string_view::npos) {
    error_ = core::makeError(ErrorCode::InvalidInput, "text must not contain a NUL byte");
  } else if (!isValidUtf8(value)) {
    error_ = core::makeError(ErrorCode::InvalidInput, "text must be valid UTF-8");
  }
}

Params& Params::text(std::string_view value) {
  checkText(value);
  values_.emplace_back(std::string(value));
  return *this;
}

Params& Params::null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

Params& Params::i64(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

Params& Params::boolean(bool value) {
  values_.emplace_back(value ? "t" : "f");
  return *this;
}

Params& Params::real(std::optional<double> value) {
  if (!value) return null();
  char buf[64];
  // Shortest text that reads back as the same double.
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *value);
  if (ec != std::errc{} || std::string_view(buf, end - buf).find_first_of("ni") != std::string_view::npos) {
    if (!error_) error_ = core::makeError(ErrorCode::InvalidInput, "a number must be finite");
    values_.emplace_back(std::string("0"));
    return *this;
  }
  values_.emplace_back(std::string(buf, end));
  return *this;
}

Params& Params::bytes(std::string_view raw) {
  std::string hex = "\\x";
  hex.reserve(2 + raw.size() * 2);
  for (unsigned char c : raw) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 0xF]);
  }
  values_.emplace_back(std::move(hex));
  return *this;
}

Params& Params::i64Array(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(values[i]);
  }
  out.push_back('}');
  values_.emplace_back(std::move(out));
  return *this;
}

Params& Params::textArray(const std::vector<std::string>& values) {
  // Array literal: every element double-quoted, with '"' and '\' escaped by a backslash.
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    checkText(values[i]);
    if (i) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  values_.emplace_back(std::move(out));
  return *this;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

// --- errors and execution -------------------------------------------------------------------------

core::Error errorFrom(PGconn* conn, const PGresult* result, OnForeignKey fk) {
  const std::string state = field(result, PG_DIAG_SQLSTATE);
  std::string message = trimmed(field(result, PG_DIAG_MESSAGE_PRIMARY));
  if (message.empty() && result != nullptr) message = trimmed(PQresultErrorMessage(result));
  if (message.empty() && conn != nullptr) message = trimmed(PQerrorMessage(conn));

  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return core::makeError(ErrorCode::Unavailable, "database connection lost: " + message);
  }
  if (state.empty()) {
    // No SQLSTATE: libpq itself failed (out of memory, protocol trouble, a dropped socket).
    return core::makeError(ErrorCode::Unavailable, "database error: " + message);
  }
  const std::string_view cls = std::string_view(state).substr(0, 2);
  if (state == "23505") return core::makeError(ErrorCode::Conflict, conflictMessage(field(result, PG_DIAG_CONSTRAINT_NAME)));
  if (state == "23503") {
    const std::string constraint = field(result, PG_DIAG_CONSTRAINT_NAME);
    if (fk == OnForeignKey::Conflict) {
      return core::makeError(ErrorCode::Conflict, "still in use (" + constraint + ")");
    }
    return core::makeError(ErrorCode::NotFound, "a referenced row does not exist in this tenant (" + constraint + ")");
  }
  if (state == "23502" || state == "23514" || cls == "22") {
    return core::makeError(ErrorCode::InvalidInput, message);
  }
  // Connection trouble, server shutting down or out of resources, cancelled statement,
  // serialization failure or deadlock: all worth a retry later.
  if (cls == "08" || cls == "53" || cls == "57" || state == "40001" || state == "40P01") {
    return core::makeError(ErrorCode::Unavailable, "database unavailable: " + message + " (SQLSTATE " + state + ")");
  }
  return core::makeError(ErrorCode::Internal, "postgresql: " + message + " (SQLSTATE " + state + ")");
}

core::Result<PgResultPtr> exec(PGconn* conn, const char* sql, const Params& params, OnForeignKey fk) {
  if (params.error()) return *params.error();
  const auto values = params.pointers();
  PgResultPtr result(PQexecParams(conn, sql, params.count(), nullptr, values.data(), nullptr, nullptr, 0));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  return errorFrom(conn, result.get(), fk);
}

PipelineOutcome execAfter(PGconn* conn, std::span<const char* const> prefix, const char* sql, const Params& params,
                          OnForeignKey fk) {
  PipelineOutcome out{0, core::makeError(ErrorCode::Internal, "no result")};
  if (params.error()) {
    out.result = *params.error();
    return out;
  }
  if (prefix.empty()) {
    out.result = exec(conn, sql, params, fk);
    return out;
  }
  if (PQenterPipelineMode(conn) != 1) {
    out.result = errorFrom(conn, nullptr);
    return out;
  }
  const auto values = params.pointers();
  bool sent = true;
  for (const char* command : prefix) {
    sent = sent && PQsendQueryParams(conn, command, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  }
  sent = sent && PQsendQueryParams(conn, sql, params.count(), nullptr, values.data(), nullptr, nullptr, 0) == 1;
  sent = sent && PQpipelineSync(conn) == 1;
  if (!sent) {
    // Nothing usable on this connection any more; PQreset (by the pool) also leaves pipeline mode.
    out.result = errorFrom(conn, nullptr);
    if (PQstatus(conn) == CONNECTION_OK) PQreset(conn);
    return out;
  }

  // Per command: its result, then NULL; aborted commands answer PGRES_PIPELINE_ABORTED; finally
  // the sync point. The loop is bounded so a broken connection cannot keep it spinning.
  const std::size_t commands = prefix.size() + 1;
  std::size_t index = 0;
  std::optional<core::Error> first_error;
  PgResultPtr statement;
  bool synced = false;
  for (std::size_t guard = 0; guard < 4 * commands + 8; ++guard) {
    PgResultPtr result(PQgetResult(conn));
    if (!result) {
      if (PQstatus(conn) != CONNECTION_OK) break;
      ++index;  // the end of one command's results
      continue;
    }
    const auto status = PQresultStatus(result.get());
    if (status == PGRES_PIPELINE_SYNC) {
      synced = true;
      break;
    }
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      if (index < prefix.size()) {
        ++out.prefixes_ok;
      } else if (index == prefix.size()) {
        statement = std::move(result);
      }
    } else if (status != PGRES_PIPELINE_ABORTED && !first_error) {
      first_error = errorFrom(conn, result.get(), index == prefix.size() ? fk : OnForeignKey::NotFound);
    }
    if (PQstatus(conn) != CONNECTION_OK) break;
  }
  if (!synced || PQexitPipelineMode(conn) != 1) {
    if (!first_error) first_error = errorFrom(conn, nullptr);
    if (PQstatus(conn) == CONNECTION_OK) PQreset(conn);  // out of step with the server: start over
  }
  if (first_error) {
    out.result = std::move(*first_error);
  } else if (statement) {
    out.result = std::move(statement);
  } else {
    out.result = errorFrom(conn, nullptr);
  }
  return out;
}

core::Result<PgResultPtr> execSimple(PGconn* conn, const char* sql) {
  PgResultPtr result(PQexec(conn, sql));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  return errorFrom(conn, result.get());
}

// --- RowReader ------------------------------------------------------------------------------------

void RowReader::markBad(int col) {
  if (ok_) bad_col_ = col;
  ok_ = false;
}

core::Error RowReader::error() const {
  const char* name = bad_col_ >= 0 ? PQfname(result_, bad_col_) : nullptr;
  return core::makeError(ErrorCode::Internal,
                         std::string("unexpected value in column ") + (name ? name : "?") + " of a stored row");
}

std::string RowReader::text() {
  const int col = col_++;
  return std::string(PQgetvalue(result_, row_, col), static_cast<std::size_t>(PQgetlength(result_, row_, col)));
}

std::int64_t RowReader::i64() {
  const int col = col_++;
  if (PQgetisnull(result_, row_, col)) return 0;
  const char* v = PQgetvalue(result_, row_, col);
  const char* end = v + PQgetlength(result_, row_, col);
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(v, end, out);
  if (ec != std::errc{} || p != end) markBad(col);
  return out;
}

bool RowReader::boolean() {
  const int col = col_++;
  const char* v = PQgetvalue(result_, row_, col);
  if (v[0] == 't' && v[1] == '\0') return true;
  if (v[0] == 'f' && v[1] == '\0') return false;
  markBad(col);
  return false;
}

std::optional<double> RowReader::real() {
  const int col = col_++;
  if (PQgetisnull(result_, row_, col)) return std::nullopt;
  const char* v = PQgetvalue(result_, row_, col);
  const char* end = v + PQgetlength(result_, row_, col);
  double out = 0;
  auto [p, ec] = std::from_chars(v, end, out);
  if (ec != std::errc{} || p != end) markBad(col);
  return out;
}

std::string RowReader::bytes() {
  const int col = col_++;
  const char* v = PQgetvalue(result_, row_, col);
  const std::size_t len = static_cast<std::size_t>(PQgetlength(result_, row_, col));
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (len >= 2 && v[0] == '\\' && v[1] == 'x' && len % 2 == 0) {  // bytea_output = hex (the default)
    std::string out;
    out.reserve((len - 2) / 2);
    for (std::size_t i = 2; i < len; i += 2) {
      const int hi = nibble(v[i]), lo = nibble(v[i + 1]);
      if (hi < 0 || lo < 0) {
        markBad(col);
        return {};
      }
      out.push_back(static_cast<char>((hi << 4) | lo));
    }
    return out;
  }
  std::size_t n = 0;  // bytea_output = escape
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &n);
  if (raw == nullptr) {
    markBad(col);
    return {};
  }
  std::string out(reinterpret_cast<const char*>(raw), n);
  PQfreemem(raw);
  return out;
}

}  // namespace parley::store::postgres
