// DESIGN: group commit on one writer thread.
//
// SQLite allows one writer at a time, and with synchronous=FULL every COMMIT waits for an
// fsync of the WAL (~5k commits/s on this class of machine). Committing each caller's
// transaction on its own would cap Parley at that rate and make callers fight over the lock.
// Instead, write(fn) puts a job on a bounded queue and waits on a future. A single writer
// thread, the only user of the write connection, loops:
//
//   take up to max_batch (128) queued jobs          <- whatever queued up during the last fsync
//   BEGIN IMMEDIATE
//   for each job:  SAVEPOINT job
//                  status = fn(tx)
//                  ok    -> RELEASE job
//                  error -> ROLLBACK TO job; RELEASE job   (only this job's changes undone)
//   COMMIT                                            <- one fsync for the whole batch
//   fulfil each job's promise with its own status
//
// So every caller still gets "my fn is atomic, and durable when write() returns", while a burst
// of N concurrent writers costs ~N/128 fsyncs. Under light load a batch is a single job and the
// latency is one commit. writeAsync(fn, done) queues the same job without a waiting thread:
// done(status) runs on the writer thread after the COMMIT and typically posts the answer to the
// I/O thread (the webhook fast path: no worker thread held per request).
// If COMMIT fails, every job of the batch that had succeeded is told so (nothing of the batch is
// stored). If SQLite aborts the whole transaction in the middle of a
// batch (I/O error, disk full), the jobs already run are told so and the jobs not yet run go
// back to the front of the queue. The queue holds at most max_queue (10000) jobs; beyond that
// write() answers Unavailable at once ("store overloaded") instead of queueing without bound.
// The destructor stops accepting jobs, lets the writer drain the queue, and joins it.
//
// A fn runs on the writer thread while every other writer waits: it must only do store work
// (no network calls), and must not call write() itself (that is refused with Internal). A
// read() called inside a fn runs on the writer's transaction, read-only, and so sees the fn's
// own uncommitted changes.
//
// Reads never queue behind the writer: WAL lets read-only connections see the last committed
// snapshot while the writer works. read(fn) borrows one of a small pool of read-only
// connections and runs fn inside BEGIN ... COMMIT (deferred: the snapshot starts at the first
// query). Its StoreTx is created non-writable, so write methods return Internal.
#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <exception>
#include <iterator>
#include <regex>
#include <span>
#include <string>
#include <utility>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace parley::store::sqlite {

using core::ErrorCode;
using core::makeError;
using core::Status;

namespace {

// The read transactions open on this thread, so that a nested read() reuses its snapshot
// instead of waiting for a second pooled connection (which could deadlock a full pool).
struct ActiveRead {
  const SqliteStore* store;
  app::StoreTx* tx;
};
thread_local std::vector<ActiveRead> t_active_reads;

Status runStatement(Connection& conn, const char* sql) {
  PARLEY_SQ_ASSIGN(Stmt stmt, conn.prepare(sql));
  return stmt.run();
}

// Nothing throws across the Store interface: an exception escaping a caller's fn becomes an
// error of that fn only.
Status callSafely(const std::function<Status(app::StoreTx&)>& fn, app::StoreTx& tx) {
  try {
    return fn(tx);
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Internal, std::string("store transaction threw: ") + e.what());
  } catch (...) {
    return makeError(ErrorCode::Internal, "store transaction threw");
  }
}

// `CHECK (column IN ('a', 'b'))` with any spacing, for exactly these values in this order.
std::regex inListCheck(const CheckRewrite& r) {
  std::string pattern = "CHECK\\s*\\(\\s*" + std::string(r.column) + "\\s+IN\\s*\\(\\s*";
  for (std::size_t i = 0; i < r.values.size(); ++i) {
    if (i > 0) pattern += "\\s*,\\s*";
    pattern.append("'").append(r.values[i]).append("'");  // plain lower-case words: nothing to escape
  }
  pattern += "\\s*\\)\\s*\\)";
  return std::regex(pattern);
}

std::string equalityChain(const CheckRewrite& r) {
  std::string out = "CHECK (";
  for (std::size_t i = 0; i < r.values.size(); ++i) {
    if (i > 0) out += " OR ";
    out += std::string(r.column) + " = '" + r.values[i] + "'";
  }
  return out + ")";
}

// The new text of a table must parse before it replaces the old one in sqlite_schema: a
// broken definition there would leave a database SQLite can no longer open.
Status checkTableDefinitionParses(const std::string& create_table_sql) {
  sqlite3* scratch = nullptr;
  if (sqlite3_open_v2(":memory:", &scratch, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(scratch);
    return makeError(ErrorCode::Internal, "cannot open a scratch database to check a schema change");
  }
  char* error = nullptr;
  const int rc = sqlite3_exec(scratch, create_table_sql.c_str(), nullptr, nullptr, &error);
  std::string detail = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close_v2(scratch);
  if (rc != SQLITE_OK) return makeError(ErrorCode::Internal, "rewritten table definition does not parse: " + detail);
  return {};
}

// Applies a migration's CheckRewrites inside the open migration transaction, the way SQLite
// documents it: writable_schema, UPDATE sqlite_schema, schema_version + 1. Connections opened
// afterwards parse the new definitions; this one keeps the old ones, so SqliteStore::openWith
// closes it (see there).
Status rewriteChecks(Connection& conn, std::span<const CheckRewrite> rewrites) {
  if (rewrites.empty()) return {};
  PARLEY_SQ_ASSIGN(std::string version_text, conn.queryText("PRAGMA schema_version"));
  const long long schema_version = std::stoll(version_text);
  PARLEY_SQ_TRY(conn.exec("PRAGMA writable_schema = ON"));
  Status done = [&]() -> Status {
    for (const CheckRewrite& r : rewrites) {
      std::string sql;
      {
        PARLEY_SQ_ASSIGN(Stmt read, conn.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1"));
        read.bind(1, r.table);
        PARLEY_SQ_ASSIGN(bool row, read.step());
        if (!row) return makeError(ErrorCode::Internal, std::string("table ") + r.table + " is missing");
        sql = read.text(0);
      }
      const std::regex pattern = inListCheck(r);
      const auto matches = std::distance(std::sregex_iterator(sql.begin(), sql.end(), pattern), std::sregex_iterator());
      if (matches != 1) {
        return makeError(ErrorCode::Internal, std::string("table ") + r.table + ": expected one CHECK (" + r.column +
                                                  " IN (...)) with the known values, found " + std::to_string(matches));
      }
      std::smatch match;
      std::regex_search(sql, match, pattern);
      std::string rewritten = sql;
      rewritten.replace(static_cast<std::size_t>(match.position(0)), static_cast<std::size_t>(match.length(0)),
                        equalityChain(r));
      PARLEY_SQ_TRY(checkTableDefinitionParses(rewritten));
      PARLEY_SQ_ASSIGN(Stmt write, conn.prepare("UPDATE sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = ?2"));
      write.bind(1, rewritten).bind(2, r.table);
      PARLEY_SQ_TRY(write.run());
    }
    return conn.exec(("PRAGMA schema_version = " + std::to_string(schema_version + 1)).c_str());
  }();
  Status off = conn.exec("PRAGMA writable_schema = OFF");
  if (!done.ok()) return done;
  return off;
}

Status applyMigrations(Connection& conn) {
  PARLEY_SQ_TRY(conn.exec("BEGIN IMMEDIATE"));
  Status applied = [&conn]() -> Status {
    PARLEY_SQ_TRY(conn.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                            "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"));
    std::int64_t current = 0;
    {
      PARLEY_SQ_ASSIGN(Stmt stmt, conn.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
      PARLEY_SQ_ASSIGN(bool row, stmt.step());
      if (row) current = stmt.i64(0);
    }
    const auto all = migrations();
    const int latest = all.empty() ? 0 : all.back().version;
    if (current > latest) {
      return makeError(ErrorCode::Internal, "database schema version " + std::to_string(current) +
                                                " is newer than this program supports (" + std::to_string(latest) +
                                                "): upgrade parley");
    }
    for (const Migration& migration : all) {
      if (migration.version <= current) continue;
      Status done = conn.exec(migration.sql);
      if (done.ok()) done = rewriteChecks(conn, migration.check_rewrites);
      if (!done.ok()) {
        return makeError(done.error().code,
                         "migration " + std::to_string(migration.version) + " failed: " + done.error().message);
      }
      PARLEY_SQ_ASSIGN(Stmt stmt, conn.prepare("INSERT INTO schema_migrations (version, applied_at) "
                                               "VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER) * 1000)"));
      stmt.bind(1, migration.version);
      PARLEY_SQ_TRY(stmt.run());
    }
    return {};
  }();
  if (!applied.ok()) {
    (void)conn.exec("ROLLBACK");
    return applied;
  }
  return conn.exec("COMMIT");
}

}  // namespace

core::Result<std::unique_ptr<app::Store>> SqliteStore::open(const std::string& path) {
  auto store = openWith(path, Options{});
  if (!store.ok()) return std::move(store).error();
  return std::unique_ptr<app::Store>(std::move(store).value());
}

core::Result<std::unique_ptr<SqliteStore>> SqliteStore::openWith(const std::string& path, const Options& options) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return makeError(ErrorCode::InvalidInput, "the SQLite store needs a plain database file path, got '" + path + "'");
  }
  if (options.max_queue == 0 || options.max_batch == 0 || options.read_connections < 1 ||
      options.busy_timeout_ms < 0) {
    return makeError(ErrorCode::InvalidInput, "invalid SQLite store options");
  }
  {
    // Migrations on a connection of their own, closed before the writer opens: a connection
    // keeps the schema it parsed, and a CheckRewrite changes sqlite_schema under it.
    PARLEY_SQ_ASSIGN(auto migrator, Connection::open(path, /*read_only=*/false, options.busy_timeout_ms));
    PARLEY_SQ_ASSIGN(std::string mode, migrator->queryText("PRAGMA journal_mode = WAL"));
    if (mode != "wal") {
      return makeError(ErrorCode::Unavailable, "cannot put " + path + " in WAL mode (journal_mode=" + mode + ")");
    }
    PARLEY_SQ_TRY(applyMigrations(*migrator));
  }
  PARLEY_SQ_ASSIGN(auto writer, Connection::open(path, /*read_only=*/false, options.busy_timeout_ms));
  PARLEY_SQ_TRY(writer->exec("PRAGMA synchronous = FULL"));
  // Statement journals of the per-job savepoints stay in memory instead of a temporary file
  // written and unlinked per batch (measured: 2.3x as many pwrite()s as the WAL itself).
  PARLEY_SQ_TRY(writer->exec("PRAGMA temp_store = MEMORY"));
  // The page cache stays at SQLite's default (2 MB): with a 32 MB cache every COMMIT of the
  // group-commit writer spent ~15 % of its time walking the cache (measured with perf under
  // the ingest benchmark), more than re-reading pages from the OS cache costs.

  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.read_connections; ++i) {
    PARLEY_SQ_ASSIGN(auto reader, Connection::open(path, /*read_only=*/true, options.busy_timeout_ms));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(options, std::move(writer), std::move(readers)));
}

SqliteStore::SqliteStore(const Options& options, std::unique_ptr<Connection> writer,
                         std::vector<std::unique_ptr<Connection>> readers)
    : options_(options), writer_conn_(std::move(writer)), idle_readers_(std::move(readers)) {
  writer_ = std::thread([this] { writerLoop(); });
  writer_id_ = writer_.get_id();
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  // Lets SQLite refresh its planner statistics where they are stale; cheap when nothing is.
  (void)writer_conn_->exec("PRAGMA optimize");
}

void SqliteStore::Job::finish(Status status) {
  if (!callback) {
    promise->set_value(std::move(status));
    return;
  }
  // A callback runs on the writer thread: whatever it throws must not end the writer.
  try {
    callback(std::move(status));
  } catch (...) {
  }
}

Status SqliteStore::enqueue(Job& job) {
  std::lock_guard lock(queue_mutex_);
  if (stopping_) return makeError(ErrorCode::Unavailable, "store is shutting down");
  if (queue_.size() >= options_.max_queue) {
    return makeError(ErrorCode::Unavailable, "store overloaded: " + std::to_string(queue_.size()) + " writes queued");
  }
  queue_.push_back(std::move(job));
  // Notified under the lock: once unlocked, the job may be done and the store destroyed
  // (shutdown drains the queue) before this thread runs again.
  queue_cv_.notify_one();
  return {};
}

Status SqliteStore::write(const std::function<Status(app::StoreTx&)>& fn) {
  if (std::this_thread::get_id() == writer_id_) {
    return makeError(ErrorCode::Internal, "write() called inside a write transaction: use the StoreTx given to fn");
  }
  Job job{&fn, {}, std::promise<Status>{}, {}};
  std::future<Status> done = job.promise->get_future();
  if (Status queued = enqueue(job); !queued) return queued;
  return done.get();
}

bool SqliteStore::writeAsync(std::function<Status(app::StoreTx&)> fn, std::function<void(Status)> done) {
  if (std::this_thread::get_id() == writer_id_) {
    done(makeError(ErrorCode::Internal, "writeAsync() called inside a write transaction: use the StoreTx given to fn"));
    return true;
  }
  Job job{nullptr, std::move(fn), std::nullopt, std::move(done)};
  if (Status queued = enqueue(job); !queued) job.finish(std::move(queued));
  return true;
}

void SqliteStore::writerLoop() {
  SqliteTx tx(*writer_conn_, /*writable=*/true);
  std::vector<Job> batch;
  batch.reserve(options_.max_batch);
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every accepted job has been answered
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    runBatch(tx, batch);
    batch.clear();
  }
}

void SqliteStore::runBatch(SqliteTx& tx, std::vector<Job>& batch) {
  Connection& conn = *writer_conn_;
  if (Status begin = runStatement(conn, "BEGIN IMMEDIATE"); !begin.ok()) {
    for (auto& job : batch) job.finish(begin);
    return;
  }

  std::vector<Status> results;
  results.reserve(batch.size());
  bool aborted = false;  // SQLite rolled back the whole transaction
  for (std::size_t i = 0; i < batch.size() && !aborted; ++i) {
    Status result = runStatement(conn, "SAVEPOINT job");
    if (result.ok()) {
      result = callSafely(batch[i].function(), tx);
      jobs_.fetch_add(1, std::memory_order_relaxed);
      if (!conn.inTransaction()) {
        aborted = true;
        if (result.ok()) result = makeError(ErrorCode::Unavailable, "transaction aborted by the database");
      } else if (result.ok()) {
        result = runStatement(conn, "RELEASE job");
      } else {
        Status undo = runStatement(conn, "ROLLBACK TO job");
        if (undo.ok()) undo = runStatement(conn, "RELEASE job");
        if (!undo.ok() || !conn.inTransaction()) aborted = true;
      }
    } else if (!conn.inTransaction()) {
      aborted = true;
    }
    results.push_back(std::move(result));
  }

  if (aborted) {
    if (conn.inTransaction()) (void)runStatement(conn, "ROLLBACK");
    // Jobs not run yet are not at fault: they go back to the front of the queue, in order.
    {
      std::lock_guard lock(queue_mutex_);
      for (std::size_t i = batch.size(); i-- > results.size();) queue_.push_front(std::move(batch[i]));
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i].ok()) {
        results[i] = makeError(ErrorCode::Unavailable, "transaction aborted by a storage error; nothing was stored");
      }
      batch[i].finish(std::move(results[i]));
    }
    return;
  }

  Status commit = tx.flushSearchIndex();
  if (commit.ok()) commit = runStatement(conn, "COMMIT");
  if (commit.ok()) {
    commits_.fetch_add(1, std::memory_order_relaxed);
  } else {
    if (conn.inTransaction()) (void)runStatement(conn, "ROLLBACK");
    for (auto& result : results) {
      if (result.ok()) result = makeError(commit.error().code, "commit failed: " + commit.error().message);
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].finish(std::move(results[i]));
}

std::unique_ptr<Connection> SqliteStore::acquireReader() {
  std::unique_lock lock(readers_mutex_);
  readers_cv_.wait(lock, [this] { return !idle_readers_.empty(); });
  auto conn = std::move(idle_readers_.back());
  idle_readers_.pop_back();
  return conn;
}

void SqliteStore::releaseReader(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(readers_mutex_);
  idle_readers_.push_back(std::move(conn));
  readers_cv_.notify_one();
}

Status SqliteStore::read(const std::function<Status(app::StoreTx&)>& fn) {
  if (std::this_thread::get_id() == writer_id_) {
    // Inside a write fn: read through the writer's own transaction (a read-only view of it),
    // rather than wait for a pooled connection that may be held by a thread waiting on us.
    SqliteTx tx(*writer_conn_, /*writable=*/false);
    return callSafely(fn, tx);
  }
  for (const auto& active : t_active_reads) {
    if (active.store == this) return callSafely(fn, *active.tx);
  }
  std::unique_ptr<Connection> conn = acquireReader();
  Status result = [&]() -> Status {
    PARLEY_SQ_TRY(runStatement(*conn, "BEGIN"));
    SqliteTx tx(*conn, /*writable=*/false);
    t_active_reads.push_back({this, &tx});
    Status status = callSafely(fn, tx);
    t_active_reads.pop_back();
    Status end = runStatement(*conn, status.ok() ? "COMMIT" : "ROLLBACK");
    return status.ok() ? end : status;
  }();
  if (conn->inTransaction()) (void)runStatement(*conn, "ROLLBACK");
  releaseReader(std::move(conn));
  return result;
}

bool SqliteStore::healthy() {
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) return false;
  }
  std::unique_ptr<Connection> conn = acquireReader();
  Status ok = runStatement(*conn, "SELECT 1");
  releaseReader(std::move(conn));
  return ok.ok();
}

SqliteStore::Stats SqliteStore::stats() const {
  Stats s;
  s.commits = commits_.load(std::memory_order_relaxed);
  s.jobs = jobs_.load(std::memory_order_relaxed);
  std::lock_guard lock(queue_mutex_);
  s.queue_depth = queue_.size();
  return s;
}

}  // namespace parley::store::sqlite
