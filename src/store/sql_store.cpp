#include "store/sql_store.hpp"

#include <chrono>

namespace ca::store {
namespace {

// Serialises concurrent `migrate` runs from several PostgreSQL processes.
constexpr std::int64_t kMigrationLockKey = 0x63615f6d6967;  // "ca_mig"

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

// Rolls back on scope exit unless committed.
class LeaseGuard {
 public:
  explicit LeaseGuard(std::unique_ptr<SessionLease> lease) : lease_(std::move(lease)) {}
  ~LeaseGuard() {
    if (!done_) (void)lease_->session().exec_script("ROLLBACK");
  }
  LeaseGuard(const LeaseGuard&) = delete;
  LeaseGuard& operator=(const LeaseGuard&) = delete;
  SqlSession& session() { return lease_->session(); }
  Result<void> commit() {
    auto r = lease_->session().exec_script("COMMIT");
    if (r) done_ = true;
    return r;
  }

 private:
  std::unique_ptr<SessionLease> lease_;
  bool done_ = false;
};

Result<int> max_version(SqlSession& s) {
  auto r = s.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!r) return std::move(r).error();
  return static_cast<int>(r->rows.at(0).i64(0));
}

}  // namespace

Result<SqlResult> TxSession::query(const std::string& sql, const SqlParams& params) {
  if (!lease_) return Error::internal("transaction already finished");
  return lease_->session().query(sql, params);
}

Result<void> TxSession::defer(const std::string& sql, const SqlParams& params) {
  if (!lease_) return Error::internal("transaction already finished");
  return lease_->session().defer(sql, params);
}

Result<void> TxSession::exec_script(const std::string& sql) {
  if (!lease_) return Error::internal("transaction already finished");
  return lease_->session().exec_script(sql);
}

SqlTx::SqlTx(Dialect d, std::unique_ptr<SessionLease> lease)
    : session_(d, std::move(lease)),
      creators_(session_),
      consumers_(session_),
      products_(session_),
      api_keys_(session_),
      events_(session_),
      jobs_(session_),
      agents_(session_),
      invocations_(session_),
      actions_(session_),
      profiles_(session_),
      onboardings_(session_),
      delivery_(session_),
      analytics_(session_) {}

SqlTx::~SqlTx() {
  if (session_.active()) (void)session_.exec_script("ROLLBACK");
}

Result<void> SqlTx::commit() {
  auto r = session_.exec_script("COMMIT");
  // Whether COMMIT worked or not the transaction is over (a failed COMMIT rolls back);
  // the lease's release path cleans up anything left open.
  session_.release();
  return r;
}

Result<std::unique_ptr<Tx>> SqlStore::begin(TxMode mode) {
  auto lease = acquire(mode);
  if (!lease) return std::move(lease).error();
  return std::unique_ptr<Tx>(std::make_unique<SqlTx>(dialect(), std::move(*lease)));
}

std::span<const Migration> SqlStore::migrations() const {
  return dialect() == Dialect::postgres ? postgres_migrations() : sqlite_migrations();
}

int SqlStore::latest_version() const {
  auto all = migrations();
  return all.empty() ? 0 : all.back().version;
}

Result<int> SqlStore::migrate() {
  int applied = 0;
  // One transaction per migration, so a failure leaves the earlier ones in place.
  for (;;) {
    auto lease = acquire(TxMode::write);
    if (!lease) return std::move(lease).error();
    LeaseGuard tx(std::move(*lease));
    auto& s = tx.session();
    if (dialect() == Dialect::postgres) {
      CA_CHECK(s.query("SELECT pg_advisory_xact_lock($1)", {SqlValue{kMigrationLockKey}}));
    }
    CA_CHECK(s.exec_script(kCreateMigrationsTable));
    auto current = max_version(s);
    if (!current) return std::move(current).error();
    const Migration* next = nullptr;
    for (const auto& m : migrations()) {
      if (m.version > *current) {
        next = &m;
        break;
      }
    }
    if (next == nullptr) {
      CA_CHECK(tx.commit());
      return applied;
    }
    if (auto r = s.exec_script(next->sql); !r) {
      auto e = std::move(r).error();
      e.message = "migration " + std::to_string(next->version) + " (" + next->name +
                  ") failed: " + e.message;
      return e;
    }
    auto now =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    CA_CHECK(s.query(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        {SqlValue{std::int64_t{next->version}}, SqlValue{std::string(next->name)}, sql_time(now)}));
    CA_CHECK(tx.commit());
    ++applied;
  }
}

Result<int> SqlStore::schema_version() {
  auto lease = acquire(TxMode::read);
  if (!lease) return std::move(lease).error();
  LeaseGuard tx(std::move(*lease));
  auto& s = tx.session();
  const char* exists_sql = dialect() == Dialect::postgres
                               ? "SELECT to_regclass('schema_migrations') IS NOT NULL"
                               : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name "
                                 "= 'schema_migrations'";
  auto exists = s.query(exists_sql);
  if (!exists) return std::move(exists).error();
  if (!exists->rows.at(0).boolean(0)) return 0;
  return max_version(s);
}

Result<void> SqlStore::ping() {
  auto lease = acquire(TxMode::read);
  if (!lease) return std::move(lease).error();
  LeaseGuard tx(std::move(*lease));
  CA_CHECK(tx.session().query("SELECT 1"));
  return tx.commit();
}

}  // namespace ca::store
