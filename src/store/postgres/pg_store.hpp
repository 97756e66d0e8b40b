// The Store port on PostgreSQL (libpq). See the DESIGN comment in pg_store.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "app/store.hpp"

namespace parley::store::postgres {

class PgPool;

class PgStore final : public app::Store {
 public:
  // Connects (conninfo: a libpq URL or key=value string), applies pending migrations and returns
  // the store; Unavailable when the database cannot be reached, Internal when a migration fails.
  // At most `pool_size` connections are open at once.
  static core::Result<std::unique_ptr<app::Store>> open(const std::string& conninfo, int pool_size = 8);

  struct Options {
    int pool_size = 8;                                  // connections open at most
    std::chrono::milliseconds acquire_timeout{5000};    // wait for a free one, then Unavailable
  };
  static core::Result<std::unique_ptr<PgStore>> openWith(const std::string& conninfo, const Options& options);

  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  app::Status write(const std::function<app::Status(app::StoreTx&)>& fn) override;
  app::Status read(const std::function<app::Status(app::StoreTx&)>& fn) override;
  bool healthy() override;
  std::string backendName() const override { return "postgresql"; }

 private:
  explicit PgStore(std::unique_ptr<PgPool> pool);
  app::Status run(bool writable, const std::function<app::Status(app::StoreTx&)>& fn);

  std::unique_ptr<PgPool> pool_;
};

}  // namespace parley::store::postgres
