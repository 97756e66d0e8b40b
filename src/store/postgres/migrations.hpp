// Numbered schema migrations of the PostgreSQL store, applied at open.
#pragma once

#include <libpq-fe.h>

#include <span>

#include "core/result.hpp"

namespace parley::store::postgres {

struct Migration {
  int version;
  const char* name;
  const char* sql;  // constant SQL, may hold several statements
};

// All migrations, ascending by version, starting at 1 without gaps.
std::span<const Migration> migrations();

// Brings the database up to the newest version. Holds a session advisory lock while it runs, so
// several nodes starting at once apply each migration exactly once; each migration and its row in
// schema_migrations commit together. Refuses a database migrated by a newer build.
core::Status migrate(PGconn* conn);

}  // namespace parley::store::postgres
