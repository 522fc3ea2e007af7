// One libpq connection as a SqlSession (internal to the PostgreSQL driver).
//
// Round trips are what a small transaction costs here: with BEGIN, each statement and
// COMMIT sent one by one, the kernel's loopback and wake-ups took as much of PostgreSQL's
// CPU as executing the SQL. So BEGIN is held until the first statement, writes passed to
// defer() are held until the next statement or COMMIT, and whatever is held goes out with
// that statement as one libpq pipeline: one round trip, results read in order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/sql.hpp"

struct pg_conn;

namespace ca::store {

class PgConnection final : public SqlSession {
 public:
  static Result<std::unique_ptr<PgConnection>> connect(const std::string& url, int timeout_s);

  Dialect dialect() const override { return Dialect::postgres; }
  Result<SqlResult> query(const std::string& sql, const SqlParams& params) override;
  Result<void> defer(const std::string& sql, const SqlParams& params) override;
  Result<void> exec_script(const std::string& sql) override;

  // Opens a transaction with `begin` ("BEGIN" or "BEGIN READ ONLY") sent with its first
  // statement. If the connection turns out dead then, before anything of the transaction
  // ran, it reconnects once and sends again (an idle pooled connection may have outlived
  // a server restart).
  void begin_later(const char* begin);

  // Fit to go back to the pool: connected, not inside a transaction, nothing held.
  bool reusable() const;

 private:
  // A statement to send: prepared (cached by its text) unless `plain` (BEGIN, COMMIT).
  struct Statement {
    std::string sql;
    std::vector<std::string> texts;
    std::vector<bool> nulls;
    bool plain = false;
  };

  struct Finish {
    void operator()(pg_conn* c) const;
  };
  using ConnPtr = std::unique_ptr<pg_conn, Finish>;

  PgConnection(ConnPtr conn, std::string url, int timeout_s);
  static Result<ConnPtr> open(const std::string& url, int timeout_s);
  static Statement statement(const std::string& sql, const SqlParams& params);
  Result<std::string> prepare(const std::string& sql);
  Result<void> commit();
  // Sends the held BEGIN and writes, then `last` (if any), as one pipeline. Returns the
  // result of `last`, or the first error of any of them.
  Result<SqlResult> flush(const Statement* last);
  Result<SqlResult> pipeline(const std::vector<const Statement*>& batch);

  ConnPtr conn_;
  std::string url_;  // to reconnect
  int timeout_s_;
  std::unordered_map<std::string, std::string> cache_;  // SQL text -> statement name
  std::uint64_t next_id_ = 0;
  const char* begin_ = nullptr;  // BEGIN not sent yet
  std::vector<Statement> held_;  // deferred writes not sent yet
  bool broken_ = false;          // a pipeline went wrong: never reuse
};

}  // namespace ca::store
