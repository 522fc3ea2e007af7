// The small SQL session interface the repositories are written against once; the
// drivers (sqlite/, postgres/) implement it. No vendor types leak through here.
//
// SQL uses $1, $2… placeholders in both dialects. Values come back as text (NULL as
// nullopt) so that one row reader serves both drivers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/result.hpp"
#include "domain/time.hpp"
#include "store/store.hpp"

namespace ca::store {

using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string, bool>;
using SqlParams = std::vector<SqlValue>;

inline SqlValue sql_null() { return std::monostate{}; }
inline SqlValue sql_opt(const std::optional<std::string>& v) {
  return v ? SqlValue{*v} : sql_null();
}
inline SqlValue sql_time(Timestamp t) { return SqlValue{to_micros(t)}; }
inline SqlValue sql_opt_time(const std::optional<Timestamp>& t) {
  return t ? sql_time(*t) : sql_null();
}

class SqlRow {
 public:
  explicit SqlRow(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  bool is_null(size_t i) const { return !cells_.at(i).has_value(); }
  const std::optional<std::string>& opt_text(size_t i) const { return cells_.at(i); }
  std::string text(size_t i) const { return cells_.at(i).value_or(std::string{}); }
  std::int64_t i64(size_t i) const;  // 0 when NULL
  std::optional<std::int64_t> opt_i64(size_t i) const;
  double f64(size_t i) const;
  bool boolean(size_t i) const;  // "t"/"true" (PG) or "1" (SQLite)
  Timestamp time(size_t i) const { return from_micros(i64(i)); }
  std::optional<Timestamp> opt_time(size_t i) const;

 private:
  std::vector<std::optional<std::string>> cells_;
};

struct SqlResult {
  std::vector<SqlRow> rows;
  std::int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual Dialect dialect() const = 0;
  // One statement, prepared once per connection and cached by its text.
  virtual Result<SqlResult> query(const std::string& sql, const SqlParams& params = {}) = 0;
  // A write whose rows and row count the caller never reads. A driver may hold it and send
  // it with the transaction's next statement (PostgreSQL pipelines them: one round trip);
  // its error then comes back from that statement or from COMMIT, and fails the
  // transaction all the same. So only for writes whose errors the caller passes on as
  // they are, never for one it maps or recovers from.
  virtual Result<void> defer(const std::string& sql, const SqlParams& params) {
    auto r = query(sql, params);
    if (!r) return std::move(r).error();
    return ok();
  }
  // Several statements without parameters (migrations, BEGIN/COMMIT).
  virtual Result<void> exec_script(const std::string& sql) = 0;
};

// A connection checked out of a driver's pool, already inside BEGIN. Destroying it
// returns the connection (the SqlTx rolls back first when it was not committed).
class SessionLease {
 public:
  virtual ~SessionLease() = default;
  virtual SqlSession& session() = 0;
};

// Maps a unique-violation detail (PG constraint name, SQLite message) to the API field.
std::string conflict_field(std::string_view detail);
Error unique_violation(std::string_view detail);
Error foreign_key_violation();

// Appends a `$n` placeholder bound to v and returns its text.
std::string bind(SqlParams& params, SqlValue v);
// "(…)" of one row's placeholders, appended to sql (multi-row VALUES).
void bind_row(SqlParams& params, std::string& sql, const std::vector<SqlValue>& values);
// "(…)" for `IN` over values[begin, end), padded with NULLs to a power of two (at least 8)
// so that lists of any length share a few prepared statements.
std::string bind_in(SqlParams& params, const std::vector<std::string>& values, size_t begin,
                    size_t end);
// Rows per multi-row statement and values per IN list: well under both drivers' limits.
inline constexpr size_t kRowsPerStatement = 500;

}  // namespace ca::store
