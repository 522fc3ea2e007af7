#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kSelect =
    "SELECT id, creator_id, name, type, price_minor, currency, description, url, created_at, "
    "updated_at FROM products WHERE 1 = 1";

Product read_product(const SqlRow& r) {
  Product p;
  p.id = r.text(0);
  p.creator_id = r.text(1);
  p.name = r.text(2);
  p.type = r.text(3);
  p.price = Money{r.i64(4), r.text(5)};
  p.description = r.opt_text(6);
  p.url = r.opt_text(7);
  p.created_at = r.time(8);
  p.updated_at = r.time(9);
  return p;
}

}  // namespace

Result<void> SqlProductRepo::insert(const Product& p) {
  if (!valid_id(p.id)) return Error::invalid("id", "id must be a UUID");
  if (!valid_id(p.creator_id)) return Error::invalid("creator_id", "creator_id must be a UUID");
  return run(
      s_,
      "INSERT INTO products (id, creator_id, name, type, price_minor, currency, "
      "description, url, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {p.id, p.creator_id, p.name, p.type, p.price.amount_minor, p.price.currency,
       sql_opt(p.description), sql_opt(p.url), sql_time(p.created_at), sql_time(p.updated_at)});
}

Result<Product> SqlProductRepo::get(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("product");
  SqlParams p{id};
  std::string sql = std::string(kSelect) + " AND id = $1" + tenant_clause(t, "creator_id", p);
  auto r = s_.query(sql, p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("product");
  return read_product(r->rows.front());
}

Result<Page<Product>> SqlProductRepo::list(const Tenant& t, const PageRequest& page) {
  SqlParams p;
  std::string sql = std::string(kSelect) + tenant_clause(t, "creator_id", p);
  return query_page(s_, std::move(sql), p, page, read_product);
}

Result<void> SqlProductRepo::update(const Tenant& t, const Product& p) {
  if (!valid_id(p.id)) return not_found("product");
  SqlParams params{p.id,
                   p.name,
                   p.type,
                   p.price.amount_minor,
                   p.price.currency,
                   sql_opt(p.description),
                   sql_opt(p.url),
                   sql_time(p.updated_at)};
  std::string sql =
      "UPDATE products SET name = $2, type = $3, price_minor = $4, currency = $5, "
      "description = $6, url = $7, updated_at = $8 WHERE id = $1" +
      tenant_clause(t, "creator_id", params);
  return run_one(s_, sql, params, "product");
}

Result<void> SqlProductRepo::remove(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("product");
  SqlParams p{id};
  std::string sql = "DELETE FROM products WHERE id = $1" + tenant_clause(t, "creator_id", p);
  return run_one(s_, sql, p, "product");
}

}  // namespace ca::store
