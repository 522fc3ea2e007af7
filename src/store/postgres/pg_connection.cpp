#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace ca::store {
namespace {

struct ResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClear>;

constexpr size_t kMaxCachedStatements = 512;

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Error connection_lost(PGconn* conn) {
  return Error::unavailable("database connection lost: " + trimmed(PQerrorMessage(conn)));
}

Error pg_error(PGconn* conn, const PGresult* res) {
  if (res == nullptr || PQstatus(conn) != CONNECTION_OK) return connection_lost(conn);
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

bool succeeded(const PGresult* res) {
  auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

// COMMIT of a transaction that already failed "succeeds" as a ROLLBACK.
bool commit_rolled_back(PGresult* res) { return std::string_view(PQcmdStatus(res)) == "ROLLBACK"; }

Error rolled_back() {
  return Error::internal("transaction was rolled back after an earlier error");
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

SqlResult to_result(PGresult* res) {
  SqlResult out;
  const int nrows = PQntuples(res);
  const int ncols = PQnfields(res);
  out.rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    std::vector<std::optional<std::string>> cells;
    cells.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res, r, c)) {
        cells.emplace_back(std::nullopt);
      } else {
        cells.emplace_back(
            std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c))));
      }
    }
    out.rows.emplace_back(std::move(cells));
  }
  if (const char* n = PQcmdTuples(res); n && *n) out.affected = std::atoll(n);
  return out;
}

std::vector<const char*> values_of(const std::vector<std::string>& texts,
                                   const std::vector<bool>& nulls) {
  std::vector<const char*> values(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) values[i] = nulls[i] ? nullptr : texts[i].c_str();
  return values;
}

}  // namespace

void PgConnection::Finish::operator()(pg_conn* c) const { PQfinish(c); }

PgConnection::PgConnection(ConnPtr conn, std::string url, int timeout_s)
    : conn_(std::move(conn)), url_(std::move(url)), timeout_s_(timeout_s) {}

Result<PgConnection::ConnPtr> PgConnection::open(const std::string& url, int timeout_s) {
  std::string timeout = std::to_string(std::max(2, timeout_s));
  // Keywords before "dbname" are defaults: the expanded URL overrides them.
  //
  // Generic plans: every statement here is prepared once and run many times, and with
  // the default (auto) PostgreSQL re-planned the hot ones on every run: a custom plan
  // looked cheaper because it sees which padded IN-list parameters are NULL, or that
  // run_at <= now matches every due job. Planning the job claim took three times as long
  // as running it; all planning was a third of the SQL time of an ingest-and-invoke
  // load. A URL with its own `options` replaces this.
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding",
                        "options",         "dbname",           nullptr};
  const char* values[] = {timeout.c_str(), "creator-agents",
                          "UTF8",          "-c plan_cache_mode=force_generic_plan",
                          url.c_str(),     nullptr};
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
  return conn;
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& url, int timeout_s) {
  auto conn = open(url, timeout_s);
  if (!conn) return std::move(conn).error();
  return std::unique_ptr<PgConnection>(new PgConnection(std::move(*conn), url, timeout_s));
}

PgConnection::Statement PgConnection::statement(const std::string& sql, const SqlParams& params) {
  Statement s;
  s.sql = sql;
  s.texts.reserve(params.size());
  s.nulls.reserve(params.size());
  for (const auto& p : params) {
    s.texts.push_back(param_text(p));
    s.nulls.push_back(std::holds_alternative<std::monostate>(p));
  }
  return s;
}

void PgConnection::begin_later(const char* begin) { begin_ = begin; }

bool PgConnection::reusable() const {
  return !broken_ && begin_ == nullptr && held_.empty() && PQstatus(conn_.get()) == CONNECTION_OK &&
         PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

Result<SqlResult> PgConnection::query(const std::string& sql, const SqlParams& params) {
  if (broken_) return connection_lost(conn_.get());
  if (begin_ != nullptr || !held_.empty()) {
    Statement s = statement(sql, params);
    return flush(&s);
  }
  auto name = prepare(sql);
  if (!name) return std::move(name).error();
  Statement s = statement(sql, params);
  auto values = values_of(s.texts, s.nulls);
  ResultPtr res(PQexecPrepared(conn_.get(), name->c_str(), static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0));
  if (!succeeded(res.get())) return pg_error(conn_.get(), res.get());
  return to_result(res.get());
}

Result<void> PgConnection::defer(const std::string& sql, const SqlParams& params) {
  if (broken_) return connection_lost(conn_.get());
  // Only inside a transaction: outside one, a held write would run on its own later.
  if (begin_ == nullptr && PQtransactionStatus(conn_.get()) != PQTRANS_INTRANS) {
    auto r = query(sql, params);
    if (!r) return std::move(r).error();
    return ok();
  }
  held_.push_back(statement(sql, params));
  return ok();
}

Result<void> PgConnection::exec_script(const std::string& sql) {
  if (sql == "ROLLBACK") {
    held_.clear();  // never sent: nothing to undo
    if (begin_ != nullptr) {
      begin_ = nullptr;
      return ok();
    }
  }
  if (broken_) return connection_lost(conn_.get());
  if (sql == "COMMIT") {
    auto r = commit();
    // A held write failed, so the server skipped what came after it, COMMIT included, and
    // the transaction is still open (aborted): end it, so the connection can go back to
    // the pool.
    if (!r && !broken_ && PQtransactionStatus(conn_.get()) == PQTRANS_INERROR) {
      ResultPtr end(PQexec(conn_.get(), "ROLLBACK"));
    }
    return r;
  }
  if (begin_ != nullptr || !held_.empty()) {
    auto r = flush(nullptr);
    if (!r) return std::move(r).error();
  }
  ResultPtr res(PQexec(conn_.get(), sql.c_str()));
  if (!succeeded(res.get())) return pg_error(conn_.get(), res.get());
  return ok();
}

Result<void> PgConnection::commit() {
  if (begin_ != nullptr && held_.empty()) {
    begin_ = nullptr;  // nothing ran: no transaction to end
    return ok();
  }
  if (begin_ == nullptr && !held_.empty()) {
    Statement commit;
    commit.sql = "COMMIT";
    commit.plain = true;
    auto r = flush(&commit);
    if (!r) return std::move(r).error();
    return ok();
  }
  // A transaction of held writes only sends them before its COMMIT, never with it: its
  // first round trip may find the pooled connection dead and be sent again on a new one,
  // which a COMMIT of unknown outcome never may.
  if (begin_ != nullptr) {
    auto r = flush(nullptr);
    if (!r) return std::move(r).error();
  }
  ResultPtr res(PQexec(conn_.get(), "COMMIT"));
  if (!succeeded(res.get())) return pg_error(conn_.get(), res.get());
  if (commit_rolled_back(res.get())) return rolled_back();
  return ok();
}

Result<std::string> PgConnection::prepare(const std::string& sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
  if (cache_.size() >= kMaxCachedStatements) {
    ResultPtr res(PQexec(conn_.get(), "DEALLOCATE ALL"));
    if (!succeeded(res.get())) return pg_error(conn_.get(), res.get());
    cache_.clear();
  }
  std::string name = "ca_" + std::to_string(next_id_++);
  ResultPtr res(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
  if (!succeeded(res.get())) return pg_error(conn_.get(), res.get());
  cache_.emplace(sql, name);
  return name;
}

Result<SqlResult> PgConnection::flush(const Statement* last) {
  Statement begin;
  std::vector<const Statement*> batch;
  const bool opens = begin_ != nullptr;
  if (opens) {
    begin.sql = begin_;
    begin.plain = true;
    batch.push_back(&begin);
  }
  for (const auto& h : held_) batch.push_back(&h);
  if (last != nullptr) batch.push_back(last);
  auto r = pipeline(batch);
  // The transaction's first round trip found the connection dead: nothing of it ran (it
  // never carries the COMMIT, see exec_script), so a new connection may send it again.
  if (!r && opens && PQstatus(conn_.get()) != CONNECTION_OK) {
    if (auto fresh = open(url_, timeout_s_)) {
      conn_ = std::move(*fresh);
      cache_.clear();
      broken_ = false;
      r = pipeline(batch);
    }
  }
  begin_ = nullptr;
  held_.clear();
  return r;
}

Result<SqlResult> PgConnection::pipeline(const std::vector<const Statement*>& batch) {
  PGconn* c = conn_.get();
  // Statements new to this connection are prepared inside the pipeline: room first.
  size_t fresh = 0;
  for (const Statement* s : batch) fresh += !s->plain && !cache_.count(s->sql) ? 1 : 0;
  if (fresh > 0 && cache_.size() + fresh > kMaxCachedStatements) {
    ResultPtr res(PQexec(c, "DEALLOCATE ALL"));
    if (!succeeded(res.get())) return pg_error(c, res.get());
    cache_.clear();
  }
  if (PQenterPipelineMode(c) != 1) {
    broken_ = true;
    return connection_lost(c);
  }
  // One entry per command sent, in order: a Parse (statement == nullptr) or a statement.
  struct Sent {
    const Statement* statement = nullptr;
    std::string sql;  // of a Parse
    std::string name;
  };
  std::vector<Sent> sent;
  std::unordered_map<std::string, std::string> parsing;  // SQL -> name, in this pipeline
  bool sending = true;
  for (const Statement* s : batch) {
    auto values = values_of(s->texts, s->nulls);
    const int n = static_cast<int>(values.size());
    if (s->plain) {
      sending =
          PQsendQueryParams(c, s->sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0) == 1;
    } else {
      std::string name;
      if (auto it = cache_.find(s->sql); it != cache_.end()) {
        name = it->second;
      } else if (auto p = parsing.find(s->sql); p != parsing.end()) {
        name = p->second;
      } else {
        name = "ca_" + std::to_string(next_id_++);
        sending = PQsendPrepare(c, name.c_str(), s->sql.c_str(), 0, nullptr) == 1;
        parsing.emplace(s->sql, name);
        sent.push_back(Sent{nullptr, s->sql, name});
        if (!sending) break;
      }
      sending = PQsendQueryPrepared(c, name.c_str(), n, values.data(), nullptr, nullptr, 0) == 1;
    }
    if (!sending) break;
    sent.push_back(Sent{s, {}, {}});
  }
  if (!sending || PQpipelineSync(c) != 1) {
    broken_ = true;  // the pipeline is half sent: this connection is done
    return connection_lost(c);
  }

  std::optional<Error> failed;
  SqlResult out;
  for (const Sent& s : sent) {
    ResultPtr res(PQgetResult(c));
    if (!res) {
      broken_ = true;
      return failed ? *failed : connection_lost(c);
    }
    while (PGresult* extra = PQgetResult(c)) PQclear(extra);  // up to the NULL ending it
    const auto status = PQresultStatus(res.get());
    if (status == PGRES_PIPELINE_ABORTED) continue;  // after an earlier error
    if (!succeeded(res.get())) {
      if (!failed) failed = pg_error(c, res.get());
      continue;
    }
    if (s.statement == nullptr) {
      cache_.emplace(s.sql, s.name);  // prepared, even if the transaction fails later
    } else if (s.statement->plain && s.statement->sql == "COMMIT" &&
               commit_rolled_back(res.get())) {
      if (!failed) failed = rolled_back();
    } else if (s.statement == batch.back()) {
      out = to_result(res.get());
    }
  }
  ResultPtr sync(PQgetResult(c));
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC || PQexitPipelineMode(c) != 1) {
    broken_ = true;
    if (!failed) failed = connection_lost(c);
  }
  if (failed) return *failed;
  return out;
}

}  // namespace ca::store
