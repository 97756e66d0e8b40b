// The Store contract suite on SQLite, plus what only the SQLite store has: migrations on
// reopen, WAL, group commit batching, the bounded write queue and draining on shutdown.
#include <sqlite3.h>
#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store_contract.hpp"

namespace {

namespace fs = std::filesystem;

// Every migration's version, "1,2,...": a store opened once has applied them all.
std::string allVersions() {
  std::string out;
  for (const auto& m : parley::store::sqlite::migrations()) {
    if (!out.empty()) out += ',';
    out += std::to_string(m.version);  // appended, not "," + to_string(): GCC 12 -Wrestrict false positive
  }
  return out;
}
using parley::app::Store;
using parley::app::StoreTx;
using parley::core::ErrorCode;
using parley::core::Status;
using parley::store::sqlite::SqliteStore;

// A unique directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "parley-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path file(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// The store of one test, owning its temporary directory: removed when the test drops the store.
class TempSqliteStore final : public Store {
 public:
  TempSqliteStore(std::unique_ptr<TempDir> dir, std::unique_ptr<Store> inner)
      : dir_(std::move(dir)), inner_(std::move(inner)) {}
  ~TempSqliteStore() override { inner_.reset(); }  // close the database before removing the directory
  Status write(const std::function<Status(StoreTx&)>& fn) override { return inner_->write(fn); }
  Status read(const std::function<Status(StoreTx&)>& fn) override { return inner_->read(fn); }
  bool healthy() override { return inner_->healthy(); }
  std::string backendName() const override { return inner_->backendName(); }

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Store> inner_;
};

struct SqliteBackend {
  static std::unique_ptr<Store> make() {
    auto dir = std::make_unique<TempDir>();
    auto store = SqliteStore::open(dir->file("parley.db").string());
    if (!store.ok()) {
      ADD_FAILURE() << "cannot open SQLite store: " << store.error().message;
      return nullptr;
    }
    return std::make_unique<TempSqliteStore>(std::move(dir), std::move(store).value());
  }
};

}  // namespace

namespace parley::store_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreContract, SqliteBackend);
}  // namespace parley::store_contract

// --- SQLite only ------------------------------------------------------------------------------------------

namespace {

// Reads column `column` of every row with a plain sqlite3 connection, beside the store; rows
// joined with ','.
std::string rawQuery(const fs::path& db, const std::string& sql, int column = 0) {
  sqlite3* conn = nullptr;
  std::string out;
  if (sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(conn, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      for (bool first = true; sqlite3_step(stmt) == SQLITE_ROW; first = false) {
        const unsigned char* text = sqlite3_column_text(stmt, column);
        if (!first) out.push_back(',');
        out.append(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
      }
    } else {
      out = std::string("error: ") + sqlite3_errmsg(conn);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(conn);
  return out;
}

void rawExec(const fs::path& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &conn), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(conn);
}

parley::core::TenantId createTenant(Store& store, const std::string& name) {
  parley::core::TenantId id;
  Status s = store.write([&](StoreTx& tx) -> Status {
    auto t = tx.createTenant(parley::core::Tenant{{}, name, 1});
    if (!t.ok()) return t.error();
    id = *t;
    return {};
  });
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return id;
}

std::int64_t tenantCount(const fs::path& db) { return std::stoll(rawQuery(db, "SELECT COUNT(*) FROM tenants")); }

// Holds the writer thread inside one job until released, so that later jobs pile up in the queue.
class WriterBlocker {
 public:
  explicit WriterBlocker(SqliteStore& store) {
    thread_ = std::thread([this, &store] {
      status_ = store.write([this](StoreTx&) -> Status {
        std::unique_lock lock(mutex_);
        entered_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
        return {};
      });
    });
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return entered_; });
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    cv_.notify_all();
  }
  ~WriterBlocker() {
    release();
    if (thread_.joinable()) thread_.join();
  }
  Status status() const { return status_; }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
  Status status_;
  std::thread thread_;
};

void waitForQueueDepth(SqliteStore& store, std::size_t depth) {
  for (int i = 0; i < 5000 && store.stats().queue_depth < depth; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(store.stats().queue_depth, depth);
}

TEST(SqliteStore, OpensInWalModeAndAppliesMigrationsOnce) {
  TempDir dir;
  const auto db = dir.file("parley.db");
  {
    auto store = SqliteStore::open(db.string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->backendName(), "sqlite");
    createTenant(**store, "Acme");
  }
  EXPECT_EQ(rawQuery(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(rawQuery(db, "SELECT version FROM schema_migrations ORDER BY version"), allVersions());
  {
    auto reopened = SqliteStore::open(db.string());
    ASSERT_TRUE(reopened.ok()) << reopened.error().message;
    createTenant(**reopened, "Globex");
  }
  EXPECT_EQ(rawQuery(db, "SELECT version FROM schema_migrations ORDER BY version"), allVersions()) << "not applied twice";
  EXPECT_EQ(tenantCount(db), 2) << "data survives a restart";
  EXPECT_EQ(rawQuery(db, "SELECT name FROM sqlite_master WHERE name = 'messages_fts'"), "messages_fts");
}

// StoreTx::attemptedOutbox, as sqlite_tx.cpp words it: read from its partial index in order,
// no sort and no scan of the inbox's other items (app/echo_claim.hpp runs it for every echo).
TEST(SqliteStore, AttemptedOutboxItemsOfAnInboxComeFromTheirPartialIndexInOrder) {
  TempDir dir;
  const auto db = dir.file("parley.db");
  {
    auto store = SqliteStore::open(db.string());
    ASSERT_TRUE(store.ok()) << store.error().message;
  }
  const std::string plan = rawQuery(db,
                                    "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE inbox_id = ?1 AND state = 'pending' "
                                    "AND (attempts > 0 OR sending_since > 0) ORDER BY updated_at DESC, id DESC LIMIT ?2",
                                    3);
  EXPECT_NE(plan.find("outbox_attempted (inbox_id=?)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << "no sort: " << plan;
}

TEST(SqliteStore, MigrationTwoKeepsTheRowsOfAVersionOneDatabase) {
  namespace core = parley::core;
  TempDir dir;
  const auto db = dir.file("parley.db");
  // A database exactly as version 1 left it, with a row in every table that migration 2 changes.
  const auto all = parley::store::sqlite::migrations();
  ASSERT_GE(all.size(), 2u);
  ASSERT_EQ(all[0].version, 1);
  ASSERT_EQ(all[1].version, 2);
  rawExec(db, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  rawExec(db, all[0].sql);
  rawExec(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0);");
  rawExec(db, parley::store_contract::kVersionOneConversationRows);
  rawExec(db, R"sql(
    INSERT INTO conversation_labels (conversation_id, label) VALUES (1, 'vip');
    INSERT INTO messages (id, tenant_id, conversation_id, inbox_id, direction, text, sender_user_id, sender_contact_id,
                          external_id, reply_to_id, latitude, longitude, location_name, delivery_status,
                          delivery_error, created_at, updated_at)
      VALUES (1, 1, 1, 1, 'incoming', 'Grüße aus München', NULL, 1, 'wamid.OLD', NULL, 52.5, 13.25, 'Berlin', 'none',
              '', 17, 18);
    INSERT INTO attachments (tenant_id, message_id, sha256, size, content_type, filename, created_at)
      VALUES (1, 1, 'ab12', 42, 'image/jpeg', 'foto.jpg', 19);
  )sql");

  auto opened = SqliteStore::open(db.string());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& store = **opened;
  EXPECT_EQ(rawQuery(db, "SELECT version FROM schema_migrations ORDER BY version"), allVersions());
  EXPECT_EQ(rawQuery(db, "SELECT name FROM sqlite_master WHERE name = 'attachments_due'"), "attachments_due");
  const std::string plan =
      rawQuery(db,
               "EXPLAIN QUERY PLAN SELECT id FROM attachments WHERE state = 'pending' AND next_fetch_at <= 5 "
               "ORDER BY next_fetch_at, id LIMIT 10",
               3);
  EXPECT_NE(plan.find("attachments_due"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << "no sort: " << plan;

  parley::store_contract::expectVersionOneRowsUpgraded(store);
  EXPECT_EQ(rawQuery(db, "PRAGMA integrity_check"), "ok");
}

// The error of one statement on a plain connection beside the store, "" when it succeeded.
std::string rawExecError(const fs::path& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  if (sqlite3_open(db.c_str(), &conn) != SQLITE_OK) return "cannot open";
  char* error = nullptr;
  const int rc = sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, &error);
  std::string out = rc == SQLITE_OK ? "" : (error != nullptr ? error : "error");
  sqlite3_free(error);
  sqlite3_close(conn);
  return out;
}

// Migration 9 turned every CHECK (x IN (3 or more values)) into x = 'a' OR x = 'b' ...: the
// statements of an ingest build no temporary b-tree any more, and the constraints still hold.
TEST(SqliteStore, ValueChecksAreEqualityChainsThatStillRejectUnknownValues) {
  TempDir dir;
  const auto db = dir.file("parley.db");
  { ASSERT_TRUE(SqliteStore::open(db.string()).ok()); }
  const auto all = parley::store::sqlite::migrations();
  std::size_t rewrites = 0;
  for (const auto& migration : all) {
    for (const auto& r : migration.check_rewrites) {
      ++rewrites;
      const std::string sql = rawQuery(db, std::string("SELECT sql FROM sqlite_schema WHERE name = '") + r.table + "'");
      const std::string chain = std::string(r.column) + " = '" + r.values[0] + "' OR " + r.column + " = '" + r.values[1] + "'";
      EXPECT_NE(sql.find(chain), std::string::npos) << r.table << "." << r.column << ": " << sql;
      EXPECT_EQ(sql.find(std::string(r.column) + " IN ("), std::string::npos) << r.table << "." << r.column << ": " << sql;
    }
  }
  EXPECT_GE(rewrites, 11u);
  EXPECT_EQ(rawQuery(db, "PRAGMA integrity_check"), "ok");

  auto opcodes = [&](const std::string& sql) { return rawQuery(db, "EXPLAIN " + sql, 1); };
  const std::string insert_message = opcodes(
      "INSERT INTO messages (tenant_id, conversation_id, inbox_id, direction, text, external_id, location_name, "
      "delivery_status, delivery_error, created_at, updated_at, kind) VALUES (1, 1, 1, 'incoming', 'hi', 'x', '', "
      "'none', '', 1, 1, 'text')");
  EXPECT_EQ(insert_message.find("OpenEphemeral"), std::string::npos) << insert_message;
  const std::string update_status = opcodes("UPDATE conversations SET status = 'open' WHERE id = 1");
  EXPECT_EQ(update_status.find("OpenEphemeral"), std::string::npos) << update_status;

  ASSERT_EQ(rawExecError(db, parley::store_contract::kVersionOneConversationRows), "");
  EXPECT_EQ(rawExecError(db, "UPDATE conversations SET status = 'snoozed' WHERE id = 1"), "");
  EXPECT_NE(rawExecError(db, "UPDATE conversations SET status = 'sleeping' WHERE id = 1").find("CHECK constraint failed"),
            std::string::npos);
  EXPECT_NE(rawExecError(db, "UPDATE conversations SET priority = 'High' WHERE id = 1").find("CHECK constraint failed"),
            std::string::npos) << "still case-sensitive";
  EXPECT_NE(rawExecError(db, "INSERT INTO inboxes (tenant_id, name, channel, config_json, secret, callback_url, "
                             "created_at) VALUES (1, 'Fax', 'fax', '{}', 's', '', 1)")
                .find("CHECK constraint failed"),
            std::string::npos);
  EXPECT_EQ(rawQuery(db, "SELECT status || '/' || priority FROM conversations"), "snoozed/high");
}

TEST(SqliteStore, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  const auto db = dir.file("parley.db");
  { ASSERT_TRUE(SqliteStore::open(db.string()).ok()); }
  rawExec(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)");
  auto store = SqliteStore::open(db.string());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

TEST(SqliteStore, OpenFailsCleanlyOnBadPaths) {
  TempDir dir;
  auto missingDir = SqliteStore::open(dir.file("no/such/dir/parley.db").string());
  ASSERT_FALSE(missingDir.ok());
  EXPECT_EQ(missingDir.error().code, ErrorCode::Unavailable);
  EXPECT_FALSE(SqliteStore::open("").ok());
  EXPECT_FALSE(SqliteStore::open(":memory:").ok()) << "readers could not see an in-memory database";
}

TEST(SqliteStore, GroupCommitPutsQueuedWritesIntoFewCommits) {
  TempDir dir;
  const auto db = dir.file("parley.db");
  auto opened = SqliteStore::openWith(db.string(), SqliteStore::Options{});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  SqliteStore& store = **opened;
  const auto before = store.stats();

  constexpr int kWriters = 200;
  std::vector<std::future<Status>> results;
  {
    WriterBlocker blocker(store);
    for (int i = 0; i < kWriters; ++i) {
      results.push_back(std::async(std::launch::async, [&store, i] {
        return store.write([i](StoreTx& tx) -> Status {
          auto t = tx.createTenant(parley::core::Tenant{{}, parley::store_contract::cat("t", std::to_string(i)), 1});
          if (!t.ok()) return t.error();
          // Every tenth job fails: only its own tenant disappears.
          if (i % 10 == 0) return parley::core::makeError(ErrorCode::Conflict, "no");
          return {};
        });
      }));
    }
    waitForQueueDepth(store, kWriters);
    blocker.release();
  }
  int ok = 0;
  for (auto& r : results) ok += r.get().ok() ? 1 : 0;
  EXPECT_EQ(ok, kWriters - kWriters / 10);
  EXPECT_EQ(tenantCount(db), kWriters - kWriters / 10);
  const auto after = store.stats();
  // 1 commit for the blocker alone, then the 200 queued jobs in batches of 128 and 72.
  EXPECT_EQ(after.jobs - before.jobs, static_cast<std::uint64_t>(kWriters + 1));
  EXPECT_EQ(after.commits - before.commits, 3u) << "queued writes share commits, at most 128 a commit";
}

TEST(SqliteStore, FullWriteQueueAnswersUnavailableAtOnce) {
  TempDir dir;
  SqliteStore::Options options;
  options.max_queue = 3;
  auto opened = SqliteStore::openWith(dir.file("parley.db").string(), options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  SqliteStore& store = **opened;
  std::vector<std::future<Status>> queued;
  {
    WriterBlocker blocker(store);
    for (int i = 0; i < 3; ++i) {
      queued.push_back(std::async(std::launch::async, [&store, i] {
        return store.write([i](StoreTx& tx) -> Status {
          auto t = tx.createTenant(parley::core::Tenant{{}, parley::store_contract::cat("q", std::to_string(i)), 1});
          return t.ok() ? Status{} : Status{t.error()};
        });
      }));
    }
    waitForQueueDepth(store, 3);
    Status overflow = store.write([](StoreTx&) -> Status { return {}; });
    ASSERT_FALSE(overflow.ok());
    EXPECT_EQ(overflow.error().code, ErrorCode::Unavailable);
    EXPECT_NE(overflow.error().message.find("overloaded"), std::string::npos);
    blocker.release();
  }
  for (auto& q : queued) EXPECT_TRUE(q.get().ok()) << "accepted writes still commit";
  EXPECT_TRUE(store.write([](StoreTx&) -> Status { return {}; }).ok()) << "room again once drained";
}

TEST(SqliteStore, AsyncWritesShareTheGroupCommitAndAnswerAfterIt) {
  TempDir dir;
  const auto db = dir.file("parley.db");
  SqliteStore::Options options;
  options.max_queue = 10;
  auto opened = SqliteStore::openWith(db.string(), options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  SqliteStore& store = **opened;
  EXPECT_TRUE(store.writesAsync());
  const auto before = store.stats();

  std::mutex mutex;
  std::vector<std::pair<int, Status>> answers;  // job, status, in the order the answers came
  std::vector<std::int64_t> committed_when_answered;
  {
    WriterBlocker blocker(store);
    for (int i = 0; i < 10; ++i) {
      const bool queued = store.writeAsync(
          [i](StoreTx& tx) -> Status {
            auto t = tx.createTenant(parley::core::Tenant{{}, parley::store_contract::cat("a", std::to_string(i)), 1});
            if (!t.ok()) return t.error();
            if (i == 3) return parley::core::makeError(ErrorCode::Conflict, "job 3 refuses");  // only its tenant goes
            return {};
          },
          [&, i](Status status) {
            // Answered only after the COMMIT: another connection already sees the batch.
            const auto seen = tenantCount(db);
            std::lock_guard lock(mutex);
            committed_when_answered.push_back(seen);
            answers.emplace_back(i, std::move(status));
          });
      EXPECT_TRUE(queued);
    }
    waitForQueueDepth(store, 10);
    // The queue is full: the next async write is answered at once, on this thread, and not run.
    bool refused_here = false;
    EXPECT_TRUE(store.writeAsync([](StoreTx&) -> Status { return {}; }, [&](Status status) {
      refused_here = !status.ok() && status.error().code == ErrorCode::Unavailable;
    }));
    EXPECT_TRUE(refused_here);
    blocker.release();
  }
  for (int waited = 0; waited < 500; ++waited) {
    {
      std::lock_guard lock(mutex);
      if (answers.size() == 10) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(answers.size(), 10u);
  for (std::size_t k = 0; k < answers.size(); ++k) {
    EXPECT_EQ(answers[k].first, static_cast<int>(k)) << "answered in queue order";
    EXPECT_EQ(answers[k].second.ok(), answers[k].first != 3);
    EXPECT_EQ(committed_when_answered[k], 9);
  }
  EXPECT_EQ(tenantCount(db), 9);
  EXPECT_EQ(store.stats().commits - before.commits, 2u) << "the blocker's commit, then one for all ten jobs";
}

TEST(SqliteStore, ShutdownDrainsQueuedWrites) {
  TempDir dir;
  const auto db = dir.file("parley.db");
  std::vector<std::future<Status>> queued;
  {
    auto opened = SqliteStore::openWith(db.string(), SqliteStore::Options{});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    std::unique_ptr<SqliteStore> store = std::move(opened).value();
    auto blocker = std::make_unique<WriterBlocker>(*store);
    for (int i = 0; i < 20; ++i) {
      queued.push_back(std::async(std::launch::async, [s = store.get(), i] {
        return s->write([i](StoreTx& tx) -> Status {
          auto t = tx.createTenant(parley::core::Tenant{{}, parley::store_contract::cat("d", std::to_string(i)), 1});
          return t.ok() ? Status{} : Status{t.error()};
        });
      }));
    }
    waitForQueueDepth(*store, 20);
    // Release the writer shortly after the destructor has started waiting for it.
    std::thread releaser([&blocker] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      blocker->release();
    });
    store.reset();
    releaser.join();
    blocker.reset();
  }
  for (auto& q : queued) EXPECT_TRUE(q.get().ok());
  EXPECT_EQ(tenantCount(db), 20) << "every accepted write was committed before close";
}

TEST(SqliteStore, NestedWriteIsRefusedInsteadOfDeadlocking) {
  TempDir dir;
  auto store = SqliteStore::open(dir.file("parley.db").string());
  ASSERT_TRUE(store.ok());
  Status inner;
  Status outer = (*store)->write([&](StoreTx&) -> Status {
    inner = (*store)->write([](StoreTx&) -> Status { return {}; });
    return {};
  });
  EXPECT_TRUE(outer.ok());
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, ErrorCode::Internal);
}

TEST(SqliteStore, NestedReadReusesTheSnapshotWithOneReadConnection) {
  TempDir dir;
  SqliteStore::Options options;
  options.read_connections = 1;
  auto opened = SqliteStore::openWith(dir.file("parley.db").string(), options);
  ASSERT_TRUE(opened.ok());
  SqliteStore& store = **opened;
  auto tenant = createTenant(store, "Acme");
  std::string name;
  Status s = store.read([&](StoreTx&) -> Status {
    return store.read([&](StoreTx& tx) -> Status {
      auto t = tx.getTenant(tenant);
      if (!t.ok()) return t.error();
      name = t->name;
      return {};
    });
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(name, "Acme");
}

TEST(SqliteStore, ReadInsideAWriteSeesTheWriteAndCannotDeadlock) {
  TempDir dir;
  SqliteStore::Options options;
  options.read_connections = 1;
  auto opened = SqliteStore::openWith(dir.file("parley.db").string(), options);
  ASSERT_TRUE(opened.ok());
  SqliteStore& store = **opened;
  std::string seen;
  std::optional<ErrorCode> writeInsideRead;
  // The only read connection is busy with a read that waits for a write, whose fn reads.
  Status outer = store.read([&](StoreTx&) -> Status {
    return store.write([&](StoreTx& tx) -> Status {
      auto id = tx.createTenant(parley::core::Tenant{{}, "Fresh", 1});
      if (!id.ok()) return id.error();
      return store.read([&](StoreTx& rtx) -> Status {
        auto t = rtx.getTenant(*id);
        if (!t.ok()) return t.error();
        seen = t->name;
        writeInsideRead = parley::store_contract::codeOf(rtx.createTenant(parley::core::Tenant{{}, "No", 1}));
        return {};
      });
    });
  });
  EXPECT_TRUE(outer.ok()) << (outer.ok() ? "" : outer.error().message);
  EXPECT_EQ(seen, "Fresh");
  EXPECT_EQ(writeInsideRead, std::optional<ErrorCode>(ErrorCode::Internal));
}

TEST(SqliteStore, AnExceptionInAJobFailsOnlyThatJob) {
  TempDir dir;
  const auto db = dir.file("parley.db");
  auto store = SqliteStore::open(db.string());
  ASSERT_TRUE(store.ok());
  Status thrown = (*store)->write([](StoreTx& tx) -> Status {
    (void)tx.createTenant(parley::core::Tenant{{}, "half", 1});
    throw std::runtime_error("bug in a use case");
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code, ErrorCode::Internal);
  createTenant(**store, "whole");
  EXPECT_EQ(tenantCount(db), 1);
  EXPECT_TRUE((*store)->healthy());
}

}  // namespace

// Migration 3: the search index is brought up to date once per group commit. Within one batch, a
// job that fails leaves nothing in the index, and a message edited before the commit is found by
// its new text only.
TEST(SqliteStore, SearchIndexFollowsEachGroupCommitExactly) {
  namespace sc = parley::store_contract;
  TempDir dir;
  const auto db = dir.file("parley.db");
  auto opened = SqliteStore::openWith(db.string(), SqliteStore::Options{});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  SqliteStore& store = **opened;
  parley::core::Conversation conversation;
  ASSERT_TRUE(store.write([&](StoreTx& tx) -> Status {
    auto tenant = tx.createTenant(parley::core::Tenant{{}, "Acme", 1});
    auto inbox = tx.createInbox(sc::inboxIn(*tenant, "API"));
    auto contact = tx.createContact(sc::contactIn(*tenant, "Jana"));
    conversation = sc::conversationIn(*tenant, *inbox, *contact);
    conversation.id = *tx.createConversation(conversation);
    return {};
  }).ok());
  std::vector<std::future<Status>> results;
  {
    WriterBlocker blocker(store);
    results.push_back(std::async(std::launch::async, [&] {
      return store.write([&](StoreTx& tx) -> Status {
        auto m = sc::messageIn(conversation, conversation.id, "Erste Fassung Paketdienst");
        m.id = *tx.insertMessage(m);
        m.text = "Zweite Fassung Rückerstattung";
        return tx.updateMessage(m);
      });
    }));
    results.push_back(std::async(std::launch::async, [&] {
      return store.write([&](StoreTx& tx) -> Status {
        (void)tx.insertMessage(sc::messageIn(conversation, conversation.id, "Verworfen Gutschein"));
        return parley::core::makeError(ErrorCode::Conflict, "this job fails");
      });
    }));
    results.push_back(std::async(std::launch::async, [&] {
      return store.write([&](StoreTx& tx) -> Status {
        return tx.insertMessage(sc::messageIn(conversation, conversation.id, "Dritte Nachricht Rückerstattung")).ok()
                   ? Status{}
                   : Status{parley::core::makeError(ErrorCode::Internal, "insert")};
      });
    }));
    waitForQueueDepth(store, 3);
    blocker.release();
  }
  EXPECT_TRUE(results[0].get().ok());
  EXPECT_FALSE(results[1].get().ok());
  EXPECT_TRUE(results[2].get().ok());
  auto search = [&](const std::string& query) {
    std::size_t n = 0;
    EXPECT_TRUE(store.read([&](StoreTx& tx) -> Status {
      parley::app::MessageSearch s;
      s.tenant_id = conversation.tenant_id;
      s.query = query;
      auto found = tx.searchMessages(s);
      if (!found.ok()) return found.error();
      n = found->size();
      return {};
    }).ok());
    return n;
  };
  EXPECT_EQ(search("rückerstattung"), 2u);
  EXPECT_EQ(search("paketdienst"), 0u) << "the text before the edit is not indexed";
  EXPECT_EQ(search("gutschein"), 0u) << "the failed job's message is not indexed";
  EXPECT_EQ(rawQuery(db, "SELECT count(*) FROM messages_fts_pending"), "0");
}
