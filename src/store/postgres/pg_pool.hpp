// A bounded pool of libpq connections. At most `size` connections exist; they are opened on
// demand, and a caller who finds them all busy waits up to `acquire_timeout`, then gets
// Unavailable (a bounded wait, never an unbounded queue). A connection found broken when it is
// handed out is reset (PQreset) first; if the database still cannot be reached the caller gets
// Unavailable and the next caller tries again.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace parley::store::postgres {

class PgPool {
 public:
  class Lease {
   public:
    Lease(PgPool* pool, PGconn* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(other.conn_) { other.conn_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->release(conn_);
    }
    PGconn* get() const { return conn_; }

   private:
    PgPool* pool_;
    PGconn* conn_;
  };

  PgPool(std::string conninfo, int size, std::chrono::milliseconds acquire_timeout);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  core::Result<Lease> acquire();

  // Opens one connection (UTF-8 client encoding, a connect timeout unless the conninfo sets one).
  static core::Result<PGconn*> connect(const std::string& conninfo);

 private:
  void release(PGconn* conn);

  const std::string conninfo_;
  const int size_;
  const std::chrono::milliseconds acquire_timeout_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<PGconn*> idle_;
  int open_ = 0;  // idle + leased + being opened
};

}  // namespace parley::store::postgres
