// Opens the Store named by a database URL: "sqlite:///abs/path.db", "sqlite://rel/path.db" or
// "postgresql://user@host:port/db" (also "postgres://"). Migrations run on open.
#pragma once

#include <memory>
#include <string>

#include "app/store.hpp"

namespace parley::store {

core::Result<std::unique_ptr<app::Store>> openStore(const std::string& url);

}  // namespace parley::store
