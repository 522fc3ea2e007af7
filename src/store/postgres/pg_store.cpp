// PostgreSQL driver over libpq: a bounded pool of connections (pg_connection.hpp: statements
// prepared once per connection, text-format parameters whose types the server infers).
#include "store/postgres/pg_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "store/postgres/pg_connection.hpp"
#include "store/sql_store.hpp"

namespace ca::store {
namespace {

class PgStore final : public SqlStore {
 public:
  explicit PgStore(StoreConfig config) : config_(std::move(config)) {}

  Dialect dialect() const override { return Dialect::postgres; }

  void give_back(std::unique_ptr<PgConnection> conn) {
    std::lock_guard lk(mu_);
    if (conn->reusable()) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;  // broken or stuck in a transaction: close it, a fresh one replaces it
    }
    cv_.notify_one();
  }

 protected:
  Result<std::unique_ptr<SessionLease>> acquire(TxMode mode) override {
    auto conn = checkout();
    if (!conn) return std::move(conn).error();
    // Sent with the first statement; PgConnection reconnects if the pooled connection died.
    (*conn)->begin_later(mode == TxMode::read ? "BEGIN READ ONLY" : "BEGIN");
    return std::unique_ptr<SessionLease>(std::make_unique<Lease>(*this, std::move(*conn)));
  }

 private:
  class Lease final : public SessionLease {
   public:
    Lease(PgStore& store, std::unique_ptr<PgConnection> conn)
        : store_(store), conn_(std::move(conn)) {}
    ~Lease() override { store_.give_back(std::move(conn_)); }
    SqlSession& session() override { return *conn_; }

   private:
    PgStore& store_;
    std::unique_ptr<PgConnection> conn_;
  };

  Result<std::unique_ptr<PgConnection>> checkout() {
    {
      std::unique_lock lk(mu_);
      const int max = std::max(1, config_.pool_size);
      bool got = cv_.wait_for(lk, std::chrono::milliseconds(config_.busy_timeout_ms),
                              [&] { return !idle_.empty() || open_ < max; });
      if (!got) return Error::unavailable("timed out waiting for a database connection");
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
      ++open_;
    }
    auto conn = PgConnection::connect(config_.url, config_.busy_timeout_ms / 1000);
    if (!conn) {
      std::lock_guard lk(mu_);
      --open_;
      cv_.notify_one();
    }
    return conn;
  }

  StoreConfig config_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const StoreConfig& config) {
  // Reject a malformed URL now; connections open lazily so that a server that is down at
  // start-up shows as "not ready" instead of failing the process.
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(config.url.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? err : "out of memory";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfreemem(err);
    return Error::invalid("DATABASE_URL", "invalid PostgreSQL URL: " + msg);
  }
  PQconninfoFree(opts);
  return std::unique_ptr<Store>(std::make_unique<PgStore>(config));
}

}  // namespace ca::store
