// DESIGN: the SQLite schema as numbered migrations. SqliteStore::open applies, in one
// transaction, every migration above the highest version recorded in `schema_migrations`.
// A migration is never edited once released: a schema change is a new entry.
#pragma once

#include <span>

namespace parley::store::sqlite {

struct Migration {
  int version;      // 1, 2, 3 ... without gaps
  const char* sql;  // one or more statements
};

// All migrations, ascending by version.
std::span<const Migration> migrations();

}  // namespace parley::store::sqlite
