#include "store/postgres/pg_pool.hpp"

#include <cstdio>
#include <string_view>
#include <utility>

namespace parley::store::postgres {

using core::ErrorCode;

namespace {

std::string lastError(PGconn* conn) {
  std::string message = conn ? PQerrorMessage(conn) : "out of memory";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// Server notices: NOTICE and below are chatter ("relation already exists, skipping"); WARNING
// and above are worth an operator's eye and go to stderr.
void onNotice(void*, const PGresult* result) {
  const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity == nullptr) return;
  const std::string_view level(severity);
  if (level == "NOTICE" || level == "DEBUG" || level == "LOG" || level == "INFO") return;
  const char* message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  std::fprintf(stderr, "parley: postgresql %s: %s\n", severity, message ? message : "");
}

}  // namespace

PgPool::PgPool(std::string conninfo, int size, std::chrono::milliseconds acquire_timeout)
    : conninfo_(std::move(conninfo)), size_(size < 1 ? 1 : size), acquire_timeout_(acquire_timeout) {}

PgPool::~PgPool() {
  // Every lease has been returned by now: leases never outlive the store that owns the pool.
  for (PGconn* conn : idle_) PQfinish(conn);
}

core::Result<PGconn*> PgPool::connect(const std::string& conninfo) {
  // Keywords before "dbname" are defaults that the conninfo may override; those after it win.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {"10", "parley", conninfo.c_str(), "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string message = "cannot connect to PostgreSQL: " + lastError(conn);
    if (conn != nullptr) PQfinish(conn);
    return core::makeError(ErrorCode::Unavailable, std::move(message));
  }
  PQsetNoticeReceiver(conn, onNotice, nullptr);
  return conn;
}

core::Result<PgPool::Lease> PgPool::acquire() {
  PGconn* conn = nullptr;
  {
    std::unique_lock lock(mutex_);
    const bool got = available_.wait_for(lock, acquire_timeout_, [&] { return !idle_.empty() || open_ < size_; });
    if (!got) {
      return core::makeError(ErrorCode::Unavailable, "all " + std::to_string(size_) +
                                                         " database connections are busy; try again later");
    }
    if (!idle_.empty()) {
      conn = idle_.back();
      idle_.pop_back();
    } else {
      ++open_;  // reserve the slot, then connect without holding the lock
    }
  }

  if (conn == nullptr) {
    auto opened = connect(conninfo_);
    if (!opened) {
      {
        std::lock_guard lock(mutex_);
        --open_;
      }
      available_.notify_one();
      return opened.error();
    }
    return Lease(this, *opened);
  }

  if (PQstatus(conn) != CONNECTION_OK) {
    PQreset(conn);
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string message = "database connection lost and cannot be re-established: " + lastError(conn);
      release(conn);
      return core::makeError(ErrorCode::Unavailable, std::move(message));
    }
  }
  return Lease(this, conn);
}

void PgPool::release(PGconn* conn) {
  // A connection goes back idle and outside any transaction. One left inside a transaction (the
  // caller's COMMIT/ROLLBACK failed) is rolled back; one that is broken stays broken until the
  // next acquire() resets it, so a dead server costs nobody a reconnect here.
  if (PQstatus(conn) == CONNECTION_OK && PQpipelineStatus(conn) != PQ_PIPELINE_OFF) PQreset(conn);
  if (PQstatus(conn) == CONNECTION_OK) {
    const auto state = PQtransactionStatus(conn);
    if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) {
      PGresult* r = PQexec(conn, "ROLLBACK");
      PQclear(r);
    }
    if (PQtransactionStatus(conn) != PQTRANS_IDLE && PQstatus(conn) == CONNECTION_OK) PQreset(conn);
  }
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(conn);
  }
  available_.notify_one();
}

}  // namespace parley::store::postgres
