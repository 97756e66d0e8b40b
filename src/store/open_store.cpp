#include "store/open_store.hpp"

#include <filesystem>

#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace parley::store {

core::Result<std::unique_ptr<app::Store>> openStore(const std::string& url) {
  if (url.rfind("sqlite://", 0) == 0) {
    std::string path = url.substr(9);
    if (path.empty()) return core::makeError(core::ErrorCode::InvalidInput, "database_url: sqlite:// needs a file path");
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return core::makeError(core::ErrorCode::Unavailable, "cannot create " + parent.string() + ": " + ec.message());
    return sqlite::SqliteStore::open(path);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return postgres::PgStore::open(url);
  }
  return core::makeError(core::ErrorCode::InvalidInput,
                         "database_url: use sqlite:///path/to/parley.db or postgresql://user@host:port/db");
}

}  // namespace parley::store
