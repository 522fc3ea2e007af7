#include <algorithm>

#include "domain/ids.hpp"
#include "store/repos.hpp"

namespace ca::store {

std::string tenant_clause(const Tenant& t, std::string_view column, SqlParams& params) {
  if (t.is_admin()) return {};
  if (!valid_id(*t.creator_id)) return " AND 1 = 0";  // sees nothing (and no uuid cast error)
  return " AND " + std::string(column) + " = " + bind(params, *t.creator_id);
}

int page_limit(const PageRequest& page) { return std::clamp(page.limit, 1, 1000); }

Result<std::string> cursor_clause(const PageRequest& page, SqlParams& params,
                                  std::string_view id_column) {
  if (!page.after_id) return std::string{};
  if (!valid_id(*page.after_id)) return Error::invalid("cursor", "cursor is not valid");
  return " AND " + std::string(id_column) + " < " + bind(params, *page.after_id);
}

Result<void> run(SqlSession& s, const std::string& sql, const SqlParams& params) {
  auto r = s.query(sql, params);
  if (!r) return std::move(r).error();
  return ok();
}

Result<void> run_later(SqlSession& s, const std::string& sql, const SqlParams& params) {
  return s.defer(sql, params);
}

Result<void> run_one(SqlSession& s, const std::string& sql, const SqlParams& params,
                     std::string_view what) {
  auto r = s.query(sql, params);
  if (!r) return std::move(r).error();
  if (r->affected == 0) return not_found(what);
  return ok();
}

bool valid_id(const std::string& id) { return is_uuid(id); }

Result<std::vector<SqlRow>> query_by_ids(SqlSession& s, const std::string& select_where,
                                         const std::string& id_column,
                                         const std::vector<std::string>& ids,
                                         const std::string& suffix, const SqlParams& leading) {
  std::vector<std::string> wanted;
  for (const auto& id : ids) {
    if (valid_id(id)) wanted.push_back(id);
  }
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<SqlRow> rows;
  for (size_t start = 0; start < wanted.size(); start += kRowsPerStatement) {
    const size_t end = std::min(wanted.size(), start + kRowsPerStatement);
    SqlParams p = leading;
    std::string sql = select_where + id_column + " IN ";
    sql += bind_in(p, wanted, start, end);
    sql += suffix;
    auto r = s.query(sql, p);
    if (!r) return std::move(r).error();
    for (auto& row : r->rows) rows.push_back(std::move(row));
  }
  return rows;
}

Error not_found(std::string_view what) {
  return Error::not_found(std::string(what) + " not found");
}

}  // namespace ca::store
