// DESIGN: the Store port on PostgreSQL, for many nodes sharing one system of record.
//
//  - Connections: a bounded pool (PgPool) of libpq connections opened on demand, at most
//    `pool_size`. A caller that finds them all busy waits up to Options::acquire_timeout (5 s),
//    then gets Unavailable. A connection the server dropped is noticed by the statement that fails on it
//    (that call reports Unavailable) and is PQreset before it is handed out again.
//  - Transactions: write(fn) is BEGIN; fn(tx); COMMIT, or ROLLBACK when fn fails (BEGIN goes out
//    in one pipeline with fn's first statement: a one-insert write is two round trips). The COMMIT
//    returns after the WAL is flushed (synchronous_commit on), which is the durability the port
//    promises; several nodes commit concurrently, so there is no group commit of our own.
//    read(fn) is BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ: one snapshot for all of fn.
//    Write methods called through a read transaction fail with Internal before any SQL is sent.
//  - Statement-level atomicity like SQLite's: each write method is undone on its own when it
//    fails (a savepoint, or ROLLBACK if it was the first thing in the transaction; see PgTx), so
//    an error such as Conflict undoes only that method and fn may carry on. If a statement
//    fails outside a write method, PostgreSQL has aborted the transaction: PgTx remembers it and
//    this class rolls back and reports that error even if fn ignored it, so a COMMIT never
//    silently turns into a rollback.
//  - SQL: constant text with $n parameters in the text format (PQexecParams); no user value is
//    ever spliced into SQL. Search words are reduced to letters and digits before they become
//    tsquery prefix terms. Enums are stored as their canonical strings, timestamps as BIGINT ms,
//    unset ids as NULL.
//  - Errors at the boundary (pg_query.cpp): 23505 -> Conflict, 23503 -> NotFound (a missing
//    referenced row) or Conflict (deleting something still referenced), bad values -> InvalidInput,
//    lost connection / shutdown / deadlock / serialization failure -> Unavailable, no row ->
//    NotFound, anything else -> Internal with the server's message.
//  - Tenancy: tables that others point into have UNIQUE (tenant_id, id) and references carry the
//    tenant, so the database itself refuses a row that points into another tenant (NotFound).
//  - Schema: numbered migrations (migrations.cpp) applied by open() under a PostgreSQL advisory
//    lock, so nodes that start together migrate once.
//  - Nesting: a read() inside a read() on the same thread reuses the outer snapshot; a write()
//    inside a write fn is refused with Internal (it would wait for the outer one's locks); an
//    exception escaping fn becomes Internal and rolls back.
//  - Search: a generated tsvector column (configuration parley_search: 'simple' + unaccent) with a
//    GIN index; every query word is a prefix term, all must match, newest message first. Without
//    the unaccent extension (postgresql-contrib; part of postgresql-15 on Debian) search still
//    works but "muller" no longer finds "Müller"; then the database also needs a UTF-8 LC_CTYPE
//    (e.g. C.UTF-8) for "MÜNCHEN" to find "München".
#include "store/postgres/pg_store.hpp"

#include <chrono>
#include <exception>
#include <string_view>
#include <vector>

#include "store/postgres/migrations.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/postgres/pg_query.hpp"
#include "store/postgres/pg_tx.hpp"

namespace parley::store::postgres {

using core::ErrorCode;

namespace {

// The transactions open on this thread, innermost last. A read() nested in a read() of the same
// store reuses that snapshot instead of waiting for a second pooled connection (which could
// deadlock a small pool); a write() nested in a write() is refused: the inner transaction would
// wait for row locks the outer one holds, and the outer one waits for the inner one.
struct ActiveTx {
  const PgStore* store;
  PgTx* tx;
  bool writable;
};
thread_local std::vector<ActiveTx> t_active;

class ActiveGuard {
 public:
  ActiveGuard(const PgStore* store, PgTx* tx, bool writable) { t_active.push_back({store, tx, writable}); }
  ~ActiveGuard() { t_active.pop_back(); }
  ActiveGuard(const ActiveGuard&) = delete;
  ActiveGuard& operator=(const ActiveGuard&) = delete;
};

// Nothing throws across the Store interface: an exception escaping a caller's fn becomes the
// error of that fn (and its transaction is rolled back).
app::Status callSafely(const std::function<app::Status(app::StoreTx&)>& fn, app::StoreTx& tx) {
  try {
    return fn(tx);
  } catch (const std::exception& e) {
    return core::makeError(ErrorCode::Internal, std::string("store transaction threw: ") + e.what());
  } catch (...) {
    return core::makeError(ErrorCode::Internal, "store transaction threw");
  }
}

}  // namespace

core::Result<std::unique_ptr<app::Store>> PgStore::open(const std::string& conninfo, int pool_size) {
  Options options;
  options.pool_size = pool_size;
  auto store = openWith(conninfo, options);
  if (!store) return std::move(store).error();
  return std::unique_ptr<app::Store>(std::move(store).value());
}

core::Result<std::unique_ptr<PgStore>> PgStore::openWith(const std::string& conninfo, const Options& options) {
  auto pool = std::make_unique<PgPool>(conninfo, options.pool_size, options.acquire_timeout);
  {
    auto lease = pool->acquire();
    if (!lease) return lease.error();
    if (auto migrated = migrate(lease->get()); !migrated) return migrated.error();
  }
  return std::unique_ptr<PgStore>(new PgStore(std::move(pool)));
}

PgStore::PgStore(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}

PgStore::~PgStore() = default;

app::Status PgStore::write(const std::function<app::Status(app::StoreTx&)>& fn) { return run(true, fn); }

app::Status PgStore::read(const std::function<app::Status(app::StoreTx&)>& fn) { return run(false, fn); }

app::Status PgStore::run(bool writable, const std::function<app::Status(app::StoreTx&)>& fn) {
  for (auto it = t_active.rbegin(); it != t_active.rend(); ++it) {
    if (it->store != this) continue;
    if (writable && it->writable) {
      return core::makeError(ErrorCode::Internal, "write() called inside a write transaction: use the StoreTx given to fn");
    }
    if (!writable && !it->writable) return callSafely(fn, *it->tx);
    break;  // a read inside a write, or a write inside a read: a transaction of its own
  }

  auto lease = pool_->acquire();
  if (!lease) return lease.error();

  PgTx tx(lease->get(), writable);  // sends BEGIN with its first statement
  app::Status status;
  {
    ActiveGuard active(this, &tx, writable);
    status = callSafely(fn, tx);
  }
  if (!status.ok()) {
    tx.rollback();
    return status;
  }
  if (tx.failure()) {
    tx.rollback();
    const auto& failure = *tx.failure();
    return core::makeError(failure.code, "the transaction failed and was rolled back: " + failure.message);
  }
  return tx.commit();
}

bool PgStore::healthy() {
  auto lease = pool_->acquire();
  if (!lease) return false;
  return execSimple(lease->get(), "SELECT 1").ok();
}

}  // namespace parley::store::postgres
