// The Store contract suite (store_contract.hpp) on PostgreSQL, plus what only PostgreSQL has:
// migrations racing at start, a lost connection, the bounded pool.
//
// Needs a running server: the ctest fixture `postgres` (tests/harness/pg.sh) starts a throwaway
// cluster and sets PARLEY_TEST_PG_DSN_FILE to a file holding its libpq URL. Without it these
// tests are skipped. Every test gets a database of its own (CREATE DATABASE t_...), dropped when
// its store is destroyed, so tests may run in parallel against one cluster.
#include <gtest/gtest.h>
// libpq's include directory is private to parley_store; the header sits in postgresql/.
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/migrations.hpp"
#include "store/postgres/pg_store.hpp"
#include "store_contract.hpp"

namespace {

using parley::core::ErrorCode;
using parley::core::Status;
using parley::store::postgres::PgStore;

// The cluster's admin URL, or empty when no test server was provided.
std::string adminDsn() {
  const char* file = std::getenv("PARLEY_TEST_PG_DSN_FILE");
  if (file == nullptr || *file == '\0') return {};
  std::ifstream in(file);
  std::string dsn;
  std::getline(in, dsn);
  while (!dsn.empty() && (dsn.back() == '\r' || dsn.back() == ' ')) dsn.pop_back();
  return dsn;
}

constexpr const char* kNoServer =
    "no PostgreSQL test server: PARLEY_TEST_PG_DSN_FILE is unset or unreadable (run through ctest, "
    "or `tests/harness/pg.sh start DIR` and PARLEY_TEST_PG_DSN_FILE=DIR/dsn)";

// The same server, another database: replaces the path of a URL, or appends dbname=.
std::string withDatabase(const std::string& dsn, const std::string& db) {
  const auto scheme = dsn.find("://");
  if (scheme == std::string::npos) return dsn + " dbname=" + db;
  const auto path = dsn.find('/', scheme + 3);
  const auto query = dsn.find('?', scheme + 3);
  if (path == std::string::npos || (query != std::string::npos && path > query)) {
    return query == std::string::npos ? dsn + "/" + db : dsn.substr(0, query) + "/" + db + dsn.substr(query);
  }
  return dsn.substr(0, path + 1) + db + (query == std::string::npos ? "" : dsn.substr(query));
}

// Runs one statement on a short-lived admin connection; returns the error text or "".
std::string adminExec(const std::string& dsn, const std::string& sql) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(conn);
  return error;
}

// The first column of the first row, or "" (for small checks).
std::string adminValue(const std::string& dsn, const std::string& sql) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  std::string value;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) value = PQgetvalue(r, 0, 0);
    PQclear(r);
  }
  PQfinish(conn);
  return value;
}

// A fresh, empty database for one test; dropped again on destruction.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(std::string admin) : admin_(std::move(admin)) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    // Letters, digits and '_' only: safe to splice into CREATE/DROP DATABASE.
    name_ = "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
    error_ = adminExec(admin_, "CREATE DATABASE " + name_ + " TEMPLATE template0 ENCODING 'UTF8'");
  }
  ~ScratchDatabase() {
    if (error_.empty()) (void)adminExec(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  std::string dsn() const { return withDatabase(admin_, name_); }
  const std::string& admin() const { return admin_; }

 private:
  std::string admin_;
  std::string name_;
  std::string error_;
};

// A PgStore that owns its scratch database: closes its connections, then drops the database.
class ScratchPgStore final : public parley::app::Store {
 public:
  ScratchPgStore(std::unique_ptr<ScratchDatabase> db, std::unique_ptr<parley::app::Store> store)
      : db_(std::move(db)), store_(std::move(store)) {}
  Status write(const std::function<Status(parley::app::StoreTx&)>& fn) override { return store_->write(fn); }
  Status read(const std::function<Status(parley::app::StoreTx&)>& fn) override { return store_->read(fn); }
  bool healthy() override { return store_->healthy(); }
  std::string backendName() const override { return store_->backendName(); }

 private:
  std::unique_ptr<ScratchDatabase> db_;             // destroyed last
  std::unique_ptr<parley::app::Store> store_;       // destroyed first
};

}  // namespace

namespace {

// The backend of the typed contract suite: a fresh database per test. nullptr (the suite then
// skips) when no server was provided.
struct PgBackend {
  static std::unique_ptr<parley::app::Store> make() {
    const auto admin = adminDsn();
    if (admin.empty()) {
      static bool said = false;
      if (!said) std::fprintf(stderr, "%s\n", kNoServer);
      said = true;
      return nullptr;
    }
    auto db = std::make_unique<ScratchDatabase>(admin);
    if (!db->error().empty()) {
      ADD_FAILURE() << "CREATE DATABASE failed: " << db->error();
      return nullptr;
    }
    auto store = PgStore::open(db->dsn());
    if (!store) {
      ADD_FAILURE() << "PgStore::open failed: " << store.error().message;
      return nullptr;
    }
    return std::make_unique<ScratchPgStore>(std::move(db), std::move(store).value());
  }
};

}  // namespace

namespace parley::store_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, StoreContract, PgBackend);
}  // namespace parley::store_contract

// --- PostgreSQL only ------------------------------------------------------------------------------

namespace {

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto admin = adminDsn();
    if (admin.empty()) GTEST_SKIP() << kNoServer;
    db_ = std::make_unique<ScratchDatabase>(admin);
    ASSERT_EQ(db_->error(), "");
  }

  std::unique_ptr<PgStore> open(int pool_size = 4, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    PgStore::Options options;
    options.pool_size = pool_size;
    options.acquire_timeout = timeout;
    auto store = PgStore::openWith(db_->dsn(), options);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(store).value() : nullptr;
  }

  parley::core::TenantId createTenant(parley::app::Store& store, const std::string& name) {
    parley::core::TenantId id;
    EXPECT_TRUE(store.write([&](parley::app::StoreTx& tx) -> Status {
      auto t = tx.createTenant({parley::core::TenantId(), name, 1});
      if (!t) return t.error();
      id = *t;
      return {};
    }).ok());
    return id;
  }

  std::int64_t tenantCount(parley::app::Store& store) {
    std::int64_t n = -1;
    (void)store.read([&](parley::app::StoreTx& tx) -> Status {
      n = 0;
      for (std::int64_t id = 1; id < 50; ++id) n += tx.getTenant(parley::core::TenantId(id)).ok() ? 1 : 0;
      return {};
    });
    return n;
  }

  std::unique_ptr<ScratchDatabase> db_;
};

TEST_F(PgStoreTest, NodesStartingTogetherMigrateOnce) {
  constexpr int kNodes = 6;
  std::vector<std::thread> nodes;
  std::atomic<int> opened{0};
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&] {
      auto store = PgStore::open(db_->dsn(), 1);
      if (store.ok() && (*store)->healthy()) ++opened;
    });
  }
  for (auto& t : nodes) t.join();
  EXPECT_EQ(opened.load(), kNodes);
  // Each version applied exactly once, none skipped.
  EXPECT_EQ(adminValue(db_->dsn(), "SELECT count(*) FROM schema_migrations"),
            std::to_string(parley::store::postgres::migrations().size()));
  EXPECT_EQ(adminValue(db_->dsn(), "SELECT count(*) FROM schema_migrations WHERE version = 1"), "1");
  EXPECT_EQ(adminValue(db_->dsn(), "SELECT max(version) FROM schema_migrations"),
            std::to_string(parley::store::postgres::migrations().back().version));
}

TEST_F(PgStoreTest, LostConnectionIsUnavailableThenRecovers) {
  auto store = open(/*pool_size=*/1);
  ASSERT_TRUE(store);
  const auto tenant = createTenant(*store, "before");
  ASSERT_TRUE(tenant.valid());

  // The server drops our connection in the middle of a write transaction.
  auto status = store->write([&](parley::app::StoreTx& tx) -> Status {
    if (auto t = tx.createTenant({parley::core::TenantId(), "lost", 1}); !t) return t.error();
    EXPECT_EQ(adminExec(db_->admin(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                                          db_->name() + "' AND pid <> pg_backend_pid()"),
              "");
    auto t = tx.createTenant({parley::core::TenantId(), "after the loss", 1});
    EXPECT_FALSE(t.ok());
    if (!t) {
      EXPECT_EQ(t.error().code, ErrorCode::Unavailable) << t.error().message;
      return t.error();
    }
    return {};
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::Unavailable);

  // The next call reconnects; nothing of the interrupted transaction was stored.
  EXPECT_TRUE(store->healthy());
  EXPECT_EQ(tenantCount(*store), 1);

  // A connection dropped while idle in the pool (a server restart): the call that finds out is
  // told Unavailable, the one after it works again.
  EXPECT_EQ(adminExec(db_->admin(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                                        db_->name() + "' AND pid <> pg_backend_pid()"),
            "");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto first = store->read([](parley::app::StoreTx& tx) -> Status {
    auto n = tx.countUsers();
    return n ? Status{} : Status{n.error()};
  });
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::Unavailable) << first.error().message;
  EXPECT_EQ(tenantCount(*store), 1);
}

TEST_F(PgStoreTest, BusyPoolAnswersUnavailableAfterTheTimeout) {
  auto store = open(/*pool_size=*/1, std::chrono::milliseconds(200));
  ASSERT_TRUE(store);
  std::atomic<bool> inside{false}, release{false};
  std::thread holder([&] {
    (void)store->read([&](parley::app::StoreTx&) -> Status {
      inside = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return {};
    });
  });
  while (!inside) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto start = std::chrono::steady_clock::now();
  auto status = store->write([&](parley::app::StoreTx& tx) -> Status { return tx.countUsers().ok() ? Status{} : Status{}; });
  const auto waited = std::chrono::steady_clock::now() - start;
  release = true;
  holder.join();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::Unavailable);
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_TRUE(store->write([&](parley::app::StoreTx& tx) -> Status { return tx.countUsers().ok() ? Status{} : Status{}; })
                  .ok());
}

TEST_F(PgStoreTest, NestedReadReusesTheSnapshotOnAOneConnectionPool) {
  auto store = open(/*pool_size=*/1, std::chrono::milliseconds(200));
  ASSERT_TRUE(store);
  auto status = store->read([&](parley::app::StoreTx&) -> Status {
    return store->read([&](parley::app::StoreTx& tx) -> Status {
      auto n = tx.countUsers();
      if (!n) return n.error();
      return {};
    });
  });
  EXPECT_TRUE(status.ok()) << status.error().message;
  auto nested_write = store->write([&](parley::app::StoreTx&) -> Status {
    return store->write([](parley::app::StoreTx&) -> Status { return {}; });
  });
  ASSERT_FALSE(nested_write.ok());
  EXPECT_EQ(nested_write.error().code, ErrorCode::Internal);
}

TEST_F(PgStoreTest, MigrationTwoKeepsTheRowsOfAVersionOneDatabase) {
  namespace core = parley::core;
  using parley::app::StoreTx;
  // A database exactly as version 1 left it, with a row in every table that migration 2 changes.
  const auto all = parley::store::postgres::migrations();
  ASSERT_GE(all.size(), 2u);
  ASSERT_EQ(all[0].version, 1);
  ASSERT_EQ(all[1].version, 2);
  ASSERT_EQ(adminExec(db_->dsn(), "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                                  " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"),
            "");
  ASSERT_EQ(adminExec(db_->dsn(), all[0].sql), "");
  ASSERT_EQ(adminExec(db_->dsn(), "INSERT INTO schema_migrations (version, name) VALUES (1, 'initial schema');"), "");
  ASSERT_EQ(adminExec(db_->dsn(), parley::store_contract::kVersionOneConversationRows), "");
  ASSERT_EQ(adminExec(db_->dsn(), R"sql(
    INSERT INTO conversation_labels (conversation_id, label) VALUES (1, 'vip');
    INSERT INTO messages (tenant_id, conversation_id, inbox_id, direction, text, sender_user_id, sender_contact_id,
                          external_id, reply_to_id, latitude, longitude, location_name, delivery_status,
                          delivery_error, created_at, updated_at)
      VALUES (1, 1, 1, 'incoming', 'Grüße aus München', NULL, 1, 'wamid.OLD', NULL, 52.5, 13.25, 'Berlin', 'none',
              '', 17, 18);
    INSERT INTO attachments (tenant_id, message_id, sha256, size, content_type, filename, created_at)
      VALUES (1, 1, 'ab12', 42, 'image/jpeg', 'foto.jpg', 19);
  )sql"),
            "");

  auto store = open();
  ASSERT_TRUE(store);
  std::string versions;
  for (const auto& m : parley::store::postgres::migrations()) versions += (versions.empty() ? "" : ",") + std::to_string(m.version);
  EXPECT_EQ(adminValue(db_->dsn(), "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations"), versions);
  EXPECT_EQ(adminValue(db_->dsn(), "SELECT count(*) FROM pg_indexes WHERE indexname = 'attachments_due_idx'"), "1");

  parley::store_contract::expectVersionOneRowsUpgraded(*store);
}

TEST_F(PgStoreTest, SearchSyntaxFromUsersIsPlainText) {
  auto store = open();
  ASSERT_TRUE(store);
  for (const std::string q : {"a & b", "!x", "'; DROP TABLE messages; --", "foo:*", "(", "\\", "ä|ö", "<->", "***"}) {
    auto status = store->read([&](parley::app::StoreTx& tx) -> Status {
      auto found = tx.searchMessages({parley::core::TenantId(1), q, std::nullopt, std::nullopt, 10});
      if (!found) return found.error();
      return {};
    });
    EXPECT_TRUE(status.ok()) << q << ": " << status.error().message;
  }
  EXPECT_EQ(adminValue(db_->dsn(), "SELECT count(*) FROM messages"), "0");
}

TEST_F(PgStoreTest, TextThatPostgresCannotHoldIsInvalidInput) {
  auto store = open();
  ASSERT_TRUE(store);
  for (const std::string& name : {std::string("nul\0inside", 10), std::string("bad \xC3\x28 utf8")}) {
    auto status = store->write([&](parley::app::StoreTx& tx) -> Status {
      auto t = tx.createTenant({parley::core::TenantId(), name, 1});
      if (!t) return t.error();
      return {};
    });
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::InvalidInput);
  }
}

}  // namespace
