// /creators and /creators/{id}/api-keys.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/api.hpp"
#include "api/codecs.hpp"
#include "api/handler_support.hpp"
#include "auth/api_keys.hpp"

namespace ca::api {

namespace bj = boost::json;
using http::Method;
using store::TxMode;

namespace {

bj::value key_json(const ApiKey& k) {
  return bj::object{{"id", k.id},
                    {"prefix", k.prefix},
                    {"role", k.role == KeyRole::admin ? "admin" : "creator"},
                    {"creator_id", to_json(k.creator_id)},
                    {"name", to_json(k.name)},
                    {"created_at", format_rfc3339(k.created_at)},
                    {"last_used_at", to_json(k.last_used_at)}};
}

Result<http::Response> create_creator(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  CA_CHECK(require_admin(p));
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"name", "email", "external_username", "timezone", "settings"});
  Creator c;
  apply_creator_fields(r, c, /*creating=*/true);
  if (!r.ok()) return r.error();
  c.id = d.ids.next();
  c.created_at = c.updated_at = d.clock.now();
  CA_CHECK(
      store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) { return tx.creators().insert(c); }));
  return json_response(201, to_json(c));
}

Result<http::Response> list_creators(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  auto result = store::in_tx(d.store, TxMode::read,
                             [&](store::Tx& tx) { return tx.creators().list(p.tenant(), *page); });
  if (!result) return std::move(result).error();
  return page_response(*result, [](const Creator& c) { return to_json(c); });
}

Result<http::Response> get_creator(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "creator");
  if (!id) return std::move(id).error();
  auto c = store::in_tx(d.store, TxMode::read,
                        [&](store::Tx& tx) { return tx.creators().get(p.tenant(), *id); });
  if (!c) return std::move(c).error();
  return json_response(200, to_json(*c));
}

Result<http::Response> patch_creator(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "creator");
  if (!id) return std::move(id).error();
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"name", "email", "external_username", "timezone", "settings"});
  if (!r.ok()) return r.error();
  auto updated = store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) -> Result<Creator> {
    auto c = tx.creators().get(p.tenant(), *id);
    if (!c) return c;
    apply_creator_fields(r, *c, /*creating=*/false);
    if (!r.ok()) return r.error();
    c->updated_at = d.clock.now();
    CA_CHECK(tx.creators().update(p.tenant(), *c));
    return c;
  });
  if (!updated) return std::move(updated).error();
  return json_response(200, to_json(*updated));
}

Result<http::Response> delete_creator(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  CA_CHECK(require_admin(p));
  auto id = path_id(req, "id", "creator");
  if (!id) return std::move(id).error();
  CA_CHECK(store::in_tx(d.store, TxMode::write,
                        [&](store::Tx& tx) { return tx.creators().remove(*id); }));
  d.auth.evict_creator(*id);
  return http::Response::no_content();
}

Result<http::Response> create_key(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "creator");
  if (!id) return std::move(id).error();
  std::optional<std::string> name;
  if (!req.body.empty()) {
    auto body = json::parse_object(req.body);
    if (!body) return std::move(body).error();
    json::FieldReader r(*body);
    r.reject_unknown({"name"});
    name = r.string("name", json::Need::optional, 100);
    if (!r.ok()) return r.error();
  }
  auth::MintedKey minted = auth::mint_key(d.secure_random);
  ApiKey key{d.ids.next(), KeyRole::creator, *id, minted.prefix, minted.hash_hex,
             name,         d.clock.now(),    {}};
  CA_CHECK(store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) -> Result<void> {
    CA_CHECK(tx.creators().get(p.tenant(), *id));  // 404 for another creator
    return tx.api_keys().insert(key);
  }));
  bj::object out = key_json(key).as_object();
  out["key"] = minted.key;
  return json_response(201, out);
}

Result<http::Response> list_keys(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "creator");
  if (!id) return std::move(id).error();
  auto keys =
      store::in_tx(d.store, TxMode::read, [&](store::Tx& tx) -> Result<std::vector<ApiKey>> {
        CA_CHECK(tx.creators().get(p.tenant(), *id));
        return tx.api_keys().list_for_creator(*id);
      });
  if (!keys) return std::move(keys).error();
  bj::array items;
  for (const auto& k : *keys) items.push_back(key_json(k));
  return json_response(200, bj::object{{"items", std::move(items)}, {"next_cursor", nullptr}});
}

Result<http::Response> delete_key(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "creator");
  if (!id) return std::move(id).error();
  auto key_id = path_id(req, "key_id", "API key");
  if (!key_id) return std::move(key_id).error();
  CA_CHECK(store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) -> Result<void> {
    CA_CHECK(tx.creators().get(p.tenant(), *id));
    return tx.api_keys().revoke(*id, *key_id, d.clock.now());
  }));
  d.auth.evict_key(*key_id);
  return http::Response::no_content();
}

}  // namespace

void register_creator_routes(http::Router& router, ApiDeps& d) {
  router.add(Method::post, "/creators", authed(d, create_creator));
  router.add(Method::get, "/creators", authed(d, list_creators));
  router.add(Method::get, "/creators/{id}", authed(d, get_creator));
  router.add(Method::patch, "/creators/{id}", authed(d, patch_creator));
  router.add(Method::del, "/creators/{id}", authed(d, delete_creator));
  router.add(Method::post, "/creators/{id}/api-keys", authed(d, create_key));
  router.add(Method::get, "/creators/{id}/api-keys", authed(d, list_keys));
  router.add(Method::del, "/creators/{id}/api-keys/{key_id}", authed(d, delete_key));
}

}  // namespace ca::api
