#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kSelect =
    "SELECT id, name, email, external_username, timezone, settings, created_at, updated_at "
    "FROM creators WHERE 1 = 1";

Creator read_creator(const SqlRow& r) {
  Creator c;
  c.id = r.text(0);
  c.name = r.text(1);
  c.email = r.text(2);
  c.external_username = r.opt_text(3);
  c.timezone = r.text(4);
  c.settings_json = r.text(5);
  c.created_at = r.time(6);
  c.updated_at = r.time(7);
  return c;
}

}  // namespace

Result<void> SqlCreatorRepo::insert(const Creator& c) {
  if (!valid_id(c.id)) return Error::invalid("id", "id must be a UUID");
  return run(s_,
             "INSERT INTO creators (id, name, email, external_username, timezone, settings, "
             "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
             {c.id, c.name, c.email, sql_opt(c.external_username), c.timezone, c.settings_json,
              sql_time(c.created_at), sql_time(c.updated_at)});
}

Result<Creator> SqlCreatorRepo::get(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("creator");
  SqlParams p{id};
  std::string sql = std::string(kSelect) + " AND id = $1" + tenant_clause(t, "id", p);
  auto r = s_.query(sql, p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("creator");
  return read_creator(r->rows.front());
}

Result<Page<Creator>> SqlCreatorRepo::list(const Tenant& t, const PageRequest& page) {
  SqlParams p;
  std::string sql = std::string(kSelect) + tenant_clause(t, "id", p);
  return query_page(s_, std::move(sql), p, page, read_creator);
}

Result<void> SqlCreatorRepo::update(const Tenant& t, const Creator& c) {
  if (!valid_id(c.id)) return not_found("creator");
  SqlParams p{c.id,
              c.name,
              c.email,
              sql_opt(c.external_username),
              c.timezone,
              c.settings_json,
              sql_time(c.updated_at)};
  std::string sql =
      "UPDATE creators SET name = $2, email = $3, external_username = $4, timezone = $5, "
      "settings = $6, updated_at = $7 WHERE id = $1" +
      tenant_clause(t, "id", p);
  return run_one(s_, sql, p, "creator");
}

Result<void> SqlCreatorRepo::remove(const std::string& id) {
  if (!valid_id(id)) return not_found("creator");
  // Every tenant table references creators ON DELETE CASCADE.
  return run_one(s_, "DELETE FROM creators WHERE id = $1", {id}, "creator");
}

}  // namespace ca::store
