// /analytics: the dashboard's numbers. A creator key sees its own creator; an admin key
// sees every creator, or one with ?creator_id=.
#include "analytics/summary.hpp"
#include "api/api.hpp"
#include "api/handler_support.hpp"

namespace ca::api {

namespace {

// The tenant the summary covers and the creator it names (nullopt: all creators).
Result<std::optional<std::string>> summary_creator(store::Tx& tx, const auth::Principal& p,
                                                   const http::Request& req) {
  auto param = req.query_param("creator_id");
  if (!param || param->empty()) {
    if (p.is_admin()) return std::optional<std::string>{};
    return std::optional<std::string>{*p.creator_id};
  }
  std::string id(*param);
  if (!is_uuid(id)) return Error::invalid("creator_id", "creator_id must be a creator id (UUID)");
  // Another creator's id reads as not found for a creator key (no probing).
  auto creator = tx.creators().get(p.tenant(), id);
  if (!creator) return std::move(creator).error();
  return std::optional<std::string>{id};
}

Result<http::Response> get_summary(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto range =
      analytics::parse_range(req.query_param("from"), req.query_param("to"), d.clock.now());
  if (!range) return std::move(range).error();
  auto body =
      store::in_tx(d.store, store::TxMode::read, [&](store::Tx& tx) -> Result<boost::json::object> {
        auto creator = summary_creator(tx, p, req);
        if (!creator) return std::move(creator).error();
        const Tenant t = *creator ? Tenant::creator(**creator) : Tenant::admin();
        auto s = analytics::summarize(tx, t, *range);
        if (!s) return std::move(s).error();
        return analytics::summary_json(*s, *creator);
      });
  if (!body) return std::move(body).error();
  return json_response(200, *body);
}

}  // namespace

void register_analytics_routes(http::Router& router, ApiDeps& d) {
  router.add(http::Method::get, "/analytics/summary", authed(d, get_summary));
}

}  // namespace ca::api
