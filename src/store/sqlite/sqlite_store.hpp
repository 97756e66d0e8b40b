// DESIGN: the embedded Store: one SQLite file in WAL mode, one writer thread doing group commit,
// a small pool of read-only connections for snapshots. See the DESIGN comment at the top of
// sqlite_store.cpp for how writes are batched.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/store.hpp"

namespace parley::store::sqlite {

class Connection;
class SqliteTx;

class SqliteStore final : public app::Store {
 public:
  struct Options {
    std::size_t max_queue = 10000;  // queued write jobs; beyond it write() answers Unavailable
    std::size_t max_batch = 128;    // write jobs committed together at most
    int read_connections = 8;       // read-only connections in the pool (32 request workers share them)
    int busy_timeout_ms = 5000;     // when another process holds the lock
  };

  struct Stats {
    std::uint64_t commits = 0;  // COMMITs of the writer (each covers a batch of jobs)
    std::uint64_t jobs = 0;     // write jobs run (committed or rolled back)
    std::size_t queue_depth = 0;
  };

  // Opens (creating if needed) the database file at `path`, applies pending migrations and
  // starts the writer thread. The parent directory must exist. Errors: Unavailable when the file
  // cannot be opened or locked, Internal when its schema is newer than this program.
  static core::Result<std::unique_ptr<app::Store>> open(const std::string& path);
  static core::Result<std::unique_ptr<SqliteStore>> openWith(const std::string& path, const Options& options);

  // Drains the write queue (every accepted write() is committed or answered), then closes.
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Runs fn on the writer thread in its own savepoint of a group transaction; returns after
  // the group's COMMIT (durable: synchronous=FULL). Calling write() from inside a write fn is an
  // Internal error (it would wait for itself): use the StoreTx given to fn.
  core::Status write(const std::function<core::Status(app::StoreTx&)>& fn) override;
  // The same group commit without a waiting thread: the job joins the queue and done(status)
  // runs on the writer thread after the batch's COMMIT (or at once when refused).
  bool writeAsync(std::function<core::Status(app::StoreTx&)> fn, std::function<void(core::Status)> done) override;
  bool writesAsync() const override { return true; }
  // Runs fn in a read transaction on a pooled read-only connection: a snapshot of the last
  // commit. A read() nested inside a read() on the same thread reuses the outer snapshot. A
  // read() inside a write fn runs read-only on the writer's transaction (it sees fn's changes).
  core::Status read(const std::function<core::Status(app::StoreTx&)>& fn) override;
  bool healthy() override;
  std::string backendName() const override { return "sqlite"; }

  Stats stats() const;

 private:
  struct Job {
    const std::function<core::Status(app::StoreTx&)>* fn;  // write(): the caller's, it waits
    std::function<core::Status(app::StoreTx&)> owned_fn;    // writeAsync(): kept here
    // write(): the promise is owned by the queue/writer, never by the waiting caller (which may
    // return, and destroy what it owns, the moment the value is set).
    std::optional<std::promise<core::Status>> promise;
    std::function<void(core::Status)> callback;  // writeAsync()
    const std::function<core::Status(app::StoreTx&)>& function() const { return fn != nullptr ? *fn : owned_fn; }
    void finish(core::Status status);
  };
  // Moves the job onto the queue, or leaves it where it is and answers why not (Unavailable).
  core::Status enqueue(Job& job);

  SqliteStore(const Options& options, std::unique_ptr<Connection> writer,
              std::vector<std::unique_ptr<Connection>> readers);
  void writerLoop();
  void runBatch(SqliteTx& tx, std::vector<Job>& batch);
  std::unique_ptr<Connection> acquireReader();
  void releaseReader(std::unique_ptr<Connection> conn);

  const Options options_;

  // Write side: the queue, and the connection only the writer thread touches.
  std::unique_ptr<Connection> writer_conn_;
  mutable std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread writer_;
  std::thread::id writer_id_;
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> jobs_{0};

  // Read side: idle read-only connections.
  std::mutex readers_mutex_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
};

}  // namespace parley::store::sqlite
