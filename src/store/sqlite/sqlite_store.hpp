#pragma once

#include <memory>

#include "store/store.hpp"

namespace ca::store {

// url: "sqlite:///abs/path.db" or "sqlite://relative/path.db"; parent dirs are created.
Result<std::unique_ptr<Store>> open_sqlite_store(const StoreConfig& config);

}  // namespace ca::store
