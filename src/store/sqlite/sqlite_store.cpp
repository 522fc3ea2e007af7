// SQLite driver: one writer connection behind a mutex (BEGIN IMMEDIATE) and a pool of
// reader connections; WAL lets readers run beside the writer, and a checkpointer thread
// copies the WAL back into the database file outside the writer's commits.
#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "store/sql_store.hpp"
#include "store/sqlite/wal_checkpointer.hpp"
#include "store/sqlite/writer_turn.hpp"

namespace ca::store {
namespace {

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// WAL frames (pages) a commit may leave before the checkpointer copies them back: 16 MiB,
// four times SQLite's default, so a page that many commits change is copied back once.
constexpr int kCheckpointPages = 4000;

// Enough for every distinct query text the repositories build; a guard, not a tuning knob.
constexpr size_t kMaxCachedStatements = 512;

Error sqlite_error(sqlite3* db) {
  int ext = sqlite3_extended_errcode(db);
  const char* msg = sqlite3_errmsg(db);
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return unique_violation(msg);
  }
  if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) return foreign_key_violation();
  switch (ext & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Error::unavailable("database is busy; try again");
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY: return Error::unavailable(std::string("sqlite: ") + msg);
    default: return Error::internal(std::string("sqlite: ") + msg);
  }
}

class SqliteConnection final : public SqlSession {
 public:
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path, int busy_ms,
                                                        bool reader) {
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (reader ? 0 : SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) {
      return Error::unavailable("cannot open SQLite database " + path + ": " +
                                (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(db.get(), busy_ms);
    auto conn = std::unique_ptr<SqliteConnection>(new SqliteConnection(std::move(db)));
    // Debian builds default WAL to synchronous=FULL; NORMAL is durable enough in WAL mode
    // and these settings are per connection, so every connection sets them.
    // After a burst the WAL file is cut back to 64 MiB when it is rewound.
    std::string pragmas = reader ? "PRAGMA query_only=ON;"
                                 : "PRAGMA journal_mode=WAL; PRAGMA journal_size_limit=67108864;";
    // Temporary b-trees (IN lists, RETURNING, sorts) in memory: on files, every job claim
    // created and unlinked one inside the writer turn.
    pragmas += "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
    // A read transaction that follows any commit starts with an empty page cache (WAL
    // resets it); mapped pages are re-read without a pread per page.
    pragmas += "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;";
    CA_CHECK(conn->exec_script(pragmas));
    return conn;
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  Result<SqlResult> query(const std::string& sql, const SqlParams& params) override {
    auto prepared = prepare(sql);
    if (!prepared) return std::move(prepared).error();
    sqlite3_stmt* st = (*prepared)->stmt.get();
    struct ResetOnExit {
      sqlite3_stmt* st;
      ~ResetOnExit() {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
      }
    } reset{st};
    CA_CHECK(bind_all(**prepared, params));
    SqlResult result;
    const int ncols = sqlite3_column_count(st);
    for (;;) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(db_.get());
      std::vector<std::optional<std::string>> cells;
      cells.reserve(static_cast<size_t>(ncols));
      for (int i = 0; i < ncols; ++i) cells.push_back(column(st, i));
      result.rows.emplace_back(std::move(cells));
    }
    if (!sqlite3_stmt_readonly(st)) result.affected = sqlite3_changes64(db_.get());
    return result;
  }

  Result<void> exec_script(const std::string& sql) override {
    // BEGIN/COMMIT/ROLLBACK run on every transaction: reuse their prepared statements.
    if (sql.find(';') == std::string::npos) {
      auto r = query(sql, {});
      if (!r) return std::move(r).error();
      return ok();
    }
    char* err = nullptr;
    int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return sqlite_error(db_.get());
    return ok();
  }

  sqlite3* handle() const { return db_.get(); }

  // After a lease: make sure no transaction is left open on a pooled connection.
  bool clean() {
    if (!sqlite3_get_autocommit(db_.get())) (void)exec_script("ROLLBACK");
    return sqlite3_get_autocommit(db_.get()) != 0;
  }

 private:
  explicit SqliteConnection(DbPtr db) : db_(std::move(db)) {}

  // A prepared statement and where each `$N` sits: SQLite numbers parameters in order of
  // first appearance, so `$2` may be index 1. Looking names up per bind was O(n²) for
  // multi-row inserts (5,000 parameters); this map is built once per statement.
  struct Prepared {
    StmtPtr stmt;
    std::vector<int> index;  // index[N-1] = SQLite's index of `$N`, 0 when unused
  };

  Result<Prepared*> prepare(const std::string& sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return &it->second;
    if (cache_.size() >= kMaxCachedStatements) cache_.clear();
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) return sqlite_error(db_.get());
    if (!stmt) return Error::internal("sqlite: empty statement");
    Prepared p{std::move(stmt), {}};
    const int count = sqlite3_bind_parameter_count(p.stmt.get());
    for (int i = 1; i <= count; ++i) {
      const char* name = sqlite3_bind_parameter_name(p.stmt.get(), i);
      if (!name || name[0] != '$') continue;
      int n = 0;
      auto [end, ec] = std::from_chars(name + 1, name + std::strlen(name), n);
      if (ec != std::errc() || *end != '\0' || n < 1) continue;
      if (p.index.size() < static_cast<size_t>(n)) p.index.resize(static_cast<size_t>(n), 0);
      p.index[static_cast<size_t>(n - 1)] = i;
    }
    return &cache_.emplace(sql, std::move(p)).first->second;
  }

  Result<void> bind_all(const Prepared& prepared, const SqlParams& params) {
    sqlite3_stmt* st = prepared.stmt.get();
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = i < prepared.index.size() ? prepared.index[i] : 0;
      if (idx == 0) continue;  // not used by this statement
      const auto& v = params[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(st, idx);
      } else if (auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(st, idx, *n);
      } else if (auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(st, idx, *d);
      } else if (auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text(st, idx, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      } else if (auto* b = std::get_if<bool>(&v)) {
        rc = sqlite3_bind_int(st, idx, *b ? 1 : 0);
      }
      if (rc != SQLITE_OK) return sqlite_error(db_.get());
    }
    return ok();
  }

  static std::optional<std::string> column(sqlite3_stmt* st, int i) {
    switch (sqlite3_column_type(st, i)) {
      case SQLITE_NULL: return std::nullopt;
      case SQLITE_FLOAT: {
        // Shortest round-trip text; sqlite3_column_text would keep only 15 digits.
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, sqlite3_column_double(st, i));
        return std::string(buf, r.ptr);
      }
      default: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, i)));
      }
    }
  }

  DbPtr db_;
  std::unordered_map<std::string, Prepared> cache_;
};

class SqliteStore;

class WriterLease final : public SessionLease {
 public:
  WriterLease(WriterTurn& turn, SqliteConnection& conn) : turn_(turn), conn_(conn) {}
  ~WriterLease() override {
    conn_.clean();
    turn_.release();
  }
  WriterLease(const WriterLease&) = delete;
  WriterLease& operator=(const WriterLease&) = delete;
  SqlSession& session() override { return conn_; }

 private:
  WriterTurn& turn_;
  SqliteConnection& conn_;
};

class SqliteStore final : public SqlStore {
 public:
  SqliteStore(std::string path, StoreConfig config, std::unique_ptr<WalCheckpointer> checkpointer,
              std::unique_ptr<SqliteConnection> writer)
      : path_(std::move(path)),
        config_(std::move(config)),
        checkpointer_(std::move(checkpointer)),
        writer_(std::move(writer)) {
    checkpointer_->attach(writer_->handle(), [this](const std::function<void()>& fn) {
      if (!writer_turn_.acquire_for(wait())) return false;
      fn();
      writer_turn_.release();
      return true;
    });
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  void give_back(std::unique_ptr<SqliteConnection> conn) {
    std::lock_guard lk(pool_mu_);
    if (conn->clean()) {
      idle_.push_back(std::move(conn));
    } else {
      --open_readers_;
    }
    pool_cv_.notify_one();
  }

 protected:
  Result<std::unique_ptr<SessionLease>> acquire(TxMode mode) override {
    return mode == TxMode::write ? acquire_writer() : acquire_reader();
  }

 private:
  class ReaderLease final : public SessionLease {
   public:
    ReaderLease(SqliteStore& store, std::unique_ptr<SqliteConnection> conn)
        : store_(store), conn_(std::move(conn)) {}
    ~ReaderLease() override { store_.give_back(std::move(conn_)); }
    SqlSession& session() override { return *conn_; }

   private:
    SqliteStore& store_;
    std::unique_ptr<SqliteConnection> conn_;
  };

  std::chrono::milliseconds wait() const {
    return std::chrono::milliseconds(config_.busy_timeout_ms);
  }

  Result<std::unique_ptr<SessionLease>> acquire_writer() {
    if (!writer_turn_.acquire_for(wait())) {
      return Error::unavailable("timed out waiting for the database writer");
    }
    auto lease = std::make_unique<WriterLease>(writer_turn_, *writer_);
    // IMMEDIATE takes the write lock now, so a later write cannot fail with BUSY mid-way.
    CA_CHECK(writer_->exec_script("BEGIN IMMEDIATE"));
    return std::unique_ptr<SessionLease>(std::move(lease));
  }

  Result<std::unique_ptr<SessionLease>> acquire_reader() {
    std::unique_ptr<SqliteConnection> conn;
    {
      std::unique_lock lk(pool_mu_);
      const int max = std::max(1, config_.pool_size);
      bool got =
          pool_cv_.wait_for(lk, wait(), [&] { return !idle_.empty() || open_readers_ < max; });
      if (!got) return Error::unavailable("timed out waiting for a database connection");
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_readers_;
      }
    }
    if (!conn) {
      auto opened = SqliteConnection::open(path_, config_.busy_timeout_ms, /*reader=*/true);
      if (!opened) {
        std::lock_guard lk(pool_mu_);
        --open_readers_;
        pool_cv_.notify_one();
        return std::move(opened).error();
      }
      conn = std::move(*opened);
    }
    auto lease = std::make_unique<ReaderLease>(*this, std::move(conn));
    CA_CHECK(lease->session().exec_script("BEGIN"));
    return std::unique_ptr<SessionLease>(std::move(lease));
  }

  std::string path_;
  StoreConfig config_;
  WriterTurn writer_turn_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // outlives the writer, which calls it
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
  int open_readers_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const StoreConfig& config) {
  constexpr std::string_view kScheme = "sqlite://";
  std::string_view rest = config.url;
  if (!rest.starts_with(kScheme)) return Error::invalid("DATABASE_URL", "expected sqlite://path");
  rest.remove_prefix(kScheme.size());
  if (auto q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  if (rest.empty()) return Error::invalid("DATABASE_URL", "sqlite:// URL has no file path");
  std::string path(rest);
  std::error_code ec;
  if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return Error::unavailable("cannot create " + parent.string() + ": " + ec.message());
  }
  auto writer = SqliteConnection::open(path, config.busy_timeout_ms, /*reader=*/false);
  if (!writer) return std::move(writer).error();
  auto checkpointer = WalCheckpointer::start(path, kCheckpointPages);
  if (!checkpointer) return std::move(checkpointer).error();
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
      std::move(path), config, std::move(*checkpointer), std::move(*writer)));
}

}  // namespace ca::store
