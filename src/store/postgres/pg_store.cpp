// PostgreSQL driver over libpq: a bounded pool of connections, statements prepared once
// per connection, text-format parameters whose types the server infers.
#include "store/postgres/pg_store.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "store/sql_store.hpp"

namespace ca::store {
namespace {

struct ConnFinish {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnFinish>;
using ResultPtr = std::unique_ptr<PGresult, ResultClear>;

constexpr size_t kMaxCachedStatements = 512;

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Error pg_error(PGconn* conn, const PGresult* res) {
  if (res == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return Error::unavailable("database connection lost: " + trimmed(PQerrorMessage(conn)));
  }
  std::string state = trimmed(PQresultErrorField(res, PG_DIAG_SQLSTATE));
  if (state == "23505")
    return unique_violation(trimmed(PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)));
  if (state == "23503") return foreign_key_violation();
  if (state.starts_with("08") || state.starts_with("53") || state.starts_with("57P") ||
      state == "57014" || state == "40001" || state == "40P01") {
    return Error::unavailable("database unavailable (SQLSTATE " + state + "); try again");
  }
  // Data and constraint errors can quote the offending value, which may be personal
  // data: keep only the code.
  if (state.starts_with("22") || state.starts_with("23")) {
    return Error::internal("postgres rejected a value (SQLSTATE " + state + ")");
  }
  return Error::internal("postgres: " + trimmed(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) +
                         " (SQLSTATE " + state + ")");
}

std::string param_text(const SqlValue& v) {
  if (auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (auto* d = std::get_if<double>(&v)) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr);
  }
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* b = std::get_if<bool>(&v)) return *b ? "t" : "f";
  return {};
}

class PgConnection final : public SqlSession {
 public:
  static Result<std::unique_ptr<PgConnection>> connect(const std::string& url, int timeout_s) {
    std::string timeout = std::to_string(std::max(2, timeout_s));
    // Keywords before "dbname" are defaults: the expanded URL overrides them.
    const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                          nullptr};
    const char* values[] = {timeout.c_str(), "creator-agents", "UTF8", url.c_str(), nullptr};
    ConnPtr conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
    if (!conn) return Error::unavailable("cannot connect to PostgreSQL: out of memory");
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      return Error::unavailable("cannot connect to PostgreSQL: " +
                                trimmed(PQerrorMessage(conn.get())));
    }
    // Server notices ("relation already exists, skipping") go to the log, not stderr.
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char* msg) { spdlog::debug("postgres: {}", trimmed(msg)); },
        nullptr);
    return std::unique_ptr<PgConnection>(new PgConnection(std::move(conn)));
  }

  Dialect dialect() const override { return Dialect::postgres; }

  Result<SqlResult> query(const std::string& sql, const SqlParams& params) override {
    auto name = prepare(sql);
    if (!name) return std::move(name).error();
    std::vector<std::string> texts;
    std::vector<const char*> values;
    texts.reserve(params.size());
    values.reserve(params.size());
    for (const auto& p : params) {
      texts.push_back(param_text(p));
      values.push_back(std::holds_alternative<std::monostate>(p) ? nullptr : texts.back().c_str());
    }
    ResultPtr res(PQexecPrepared(conn_.get(), name->c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0));
    auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return pg_error(conn_.get(), res.get());
    }
    SqlResult out;
    const int nrows = PQntuples(res.get());
    const int ncols = PQnfields(res.get());
    out.rows.reserve(static_cast<size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      std::vector<std::optional<std::string>> cells;
      cells.reserve(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res.get(), r, c)) {
          cells.emplace_back(std::nullopt);
        } else {
          cells.emplace_back(std::string(PQgetvalue(res.get(), r, c),
                                         static_cast<size_t>(PQgetlength(res.get(), r, c))));
        }
      }
      out.rows.emplace_back(std::move(cells));
    }
    if (const char* n = PQcmdTuples(res.get()); n && *n) out.affected = std::atoll(n);
    return out;
  }

  Result<void> exec_script(const std::string& sql) override {
    ResultPtr res(PQexec(conn_.get(), sql.c_str()));
    auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return pg_error(conn_.get(), res.get());
    }
    // COMMIT of a transaction that already failed "succeeds" as a ROLLBACK.
    if (sql == "COMMIT" && std::string_view(PQcmdStatus(res.get())) == "ROLLBACK") {
      return Error::internal("transaction was rolled back after an earlier error");
    }
    return ok();
  }

  // Fit to go back to the pool: connected and not inside a transaction.
  bool reusable() const {
    return PQstatus(conn_.get()) == CONNECTION_OK &&
           PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
  }

 private:
  explicit PgConnection(ConnPtr conn) : conn_(std::move(conn)) {}

  Result<std::string> prepare(const std::string& sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxCachedStatements) {
      CA_CHECK(exec_script("DEALLOCATE ALL"));
      cache_.clear();
    }
    std::string name = "ca_" + std::to_string(next_id_++);
    ResultPtr res(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return pg_error(conn_.get(), res.get());
    }
    cache_.emplace(sql, name);
    return name;
  }

  ConnPtr conn_;
  std::unordered_map<std::string, std::string> cache_;  // SQL text -> statement name
  std::uint64_t next_id_ = 0;
};

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
    const char* begin = mode == TxMode::read ? "BEGIN READ ONLY" : "BEGIN";
    // An idle connection may have died (server restart); the second try gets a new one.
    for (int attempt = 0;; ++attempt) {
      auto conn = checkout();
      if (!conn) return std::move(conn).error();
      auto lease = std::make_unique<Lease>(*this, std::move(*conn));
      auto r = lease->session().exec_script(begin);
      if (r) return std::unique_ptr<SessionLease>(std::move(lease));
      if (r.error().code != ErrorCode::unavailable || attempt == 1) return std::move(r).error();
    }
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
    std::string msg = err ? trimmed(err) : "out of memory";
    PQfreemem(err);
    return Error::invalid("DATABASE_URL", "invalid PostgreSQL URL: " + msg);
  }
  PQconninfoFree(opts);
  return std::unique_ptr<Store>(std::make_unique<PgStore>(config));
}

}  // namespace ca::store
