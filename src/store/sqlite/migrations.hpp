// DESIGN: the SQLite schema as numbered migrations. SqliteStore::open applies, in one
// transaction, every migration above the highest version recorded in `schema_migrations`.
// A migration is never edited once released: a schema change is a new entry.
//
// A migration is SQL, and may also rewrite CHECK constraints in place (CheckRewrite): SQLite
// cannot ALTER a constraint, and rebuilding a table copies every row, which on a large
// messages table would hold up the start for minutes. SQLite documents the in-place edit of
// sqlite_schema for constraint changes that every stored row still meets
// (https://www.sqlite.org/lang_altertable.html#otheralter); a CheckRewrite only turns
// `CHECK (col IN ('a', 'b', ...))` into the equivalent `CHECK (col = 'a' OR col = 'b' ...)`,
// for exactly the listed values, so no row can newly violate it.
#pragma once

#include <span>

namespace parley::store::sqlite {

struct CheckRewrite {
  const char* table;
  const char* column;
  std::span<const char* const> values;  // the IN list, in its order in the constraint
};

struct Migration {
  int version;      // 1, 2, 3 ... ascending
  const char* sql;  // one or more statements (may be empty when the migration only rewrites)
  std::span<const CheckRewrite> check_rewrites = {};  // applied after sql, in the same transaction
};

// All migrations, ascending by version.
std::span<const Migration> migrations();

}  // namespace parley::store::sqlite
