// /products: what a creator sells (calls, cohorts, webinars, digital products).
#include <boost/json/object.hpp>

#include "api/api.hpp"
#include "api/codecs.hpp"
#include "api/handler_support.hpp"

namespace ca::api {

using http::Method;
using store::TxMode;

namespace {

Result<http::Response> create_product(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"name", "type", "price", "description", "url", "creator_id"});
  Product prod;
  apply_product_fields(r, prod, /*creating=*/true);
  auto creator_id = r.string("creator_id", json::Need::optional, 36);
  if (!r.ok()) return r.error();
  auto owner = owning_creator(d, p, creator_id);
  if (!owner) return std::move(owner).error();
  prod.creator_id = *owner;
  prod.id = d.ids.next();
  prod.created_at = prod.updated_at = d.clock.now();
  CA_CHECK(store::in_tx(d.store, TxMode::write,
                        [&](store::Tx& tx) { return tx.products().insert(prod); }));
  return json_response(201, to_json(prod));
}

Result<http::Response> list_products(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  auto result = store::in_tx(d.store, TxMode::read,
                             [&](store::Tx& tx) { return tx.products().list(p.tenant(), *page); });
  if (!result) return std::move(result).error();
  return page_response(*result, [](const Product& x) { return to_json(x); });
}

Result<http::Response> get_product(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "product");
  if (!id) return std::move(id).error();
  auto prod = store::in_tx(d.store, TxMode::read,
                           [&](store::Tx& tx) { return tx.products().get(p.tenant(), *id); });
  if (!prod) return std::move(prod).error();
  return json_response(200, to_json(*prod));
}

Result<http::Response> patch_product(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "product");
  if (!id) return std::move(id).error();
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"name", "type", "price", "description", "url"});
  if (!r.ok()) return r.error();
  auto updated = store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) -> Result<Product> {
    auto prod = tx.products().get(p.tenant(), *id);
    if (!prod) return prod;
    apply_product_fields(r, *prod, /*creating=*/false);
    if (!r.ok()) return r.error();
    prod->updated_at = d.clock.now();
    CA_CHECK(tx.products().update(p.tenant(), *prod));
    return prod;
  });
  if (!updated) return std::move(updated).error();
  return json_response(200, to_json(*updated));
}

Result<http::Response> delete_product(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "product");
  if (!id) return std::move(id).error();
  CA_CHECK(store::in_tx(d.store, TxMode::write,
                        [&](store::Tx& tx) { return tx.products().remove(p.tenant(), *id); }));
  return http::Response::no_content();
}

}  // namespace

void register_product_routes(http::Router& router, ApiDeps& d) {
  router.add(Method::post, "/products", authed(d, create_product));
  router.add(Method::get, "/products", authed(d, list_products));
  router.add(Method::get, "/products/{id}", authed(d, get_product));
  router.add(Method::patch, "/products/{id}", authed(d, patch_product));
  router.add(Method::del, "/products/{id}", authed(d, delete_product));
}

}  // namespace ca::api
