#pragma once

#include <memory>

#include "store/store.hpp"

namespace ca::store {

// url: "postgresql://…" / "postgres://…", handed to libpq; missing parts come from PG* env.
Result<std::unique_ptr<Store>> open_postgres_store(const StoreConfig& config);

}  // namespace ca::store
