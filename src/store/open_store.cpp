#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace ca::store {

Result<std::unique_ptr<Store>> open_store(const StoreConfig& config) {
  std::string_view url = config.url;
  if (url.starts_with("sqlite://")) return open_sqlite_store(config);
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return open_postgres_store(config);
  }
  return Error::invalid("DATABASE_URL",
                        "unsupported database URL; use sqlite://path or postgresql://…");
}

}  // namespace ca::store
