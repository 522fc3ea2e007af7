// /invocations: read-only views of what agents ran (actions: api/actions.cpp).
#include <boost/json/object.hpp>

#include "api/api.hpp"
#include "api/codecs.hpp"
#include "api/handler_support.hpp"
#include "store/agent_repo.hpp"

namespace ca::api {

namespace bj = boost::json;
using http::Method;
using store::TxMode;

bj::value invocation_json(const Invocation& v) {
  return bj::object{{"id", v.id},
                    {"creator_id", v.creator_id},
                    {"agent_id", v.agent_id},
                    {"consumer_id", to_json(v.consumer_id)},
                    {"event_id", v.event_id.empty() ? bj::value(nullptr) : bj::value(v.event_id)},
                    {"status", store::to_string(v.status)},
                    {"reason", v.reason},
                    {"result", stored_json(v.result_json)},
                    {"error", to_json(v.error)},
                    {"created_at", format_rfc3339(v.created_at)},
                    {"updated_at", format_rfc3339(v.updated_at)}};
}

namespace {

// A filter id that is not a UUID matches nothing (an empty page), like /events.
std::optional<std::string> query_text(const http::Request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  return std::string(*v);
}

Result<http::Response> list_invocations(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  store::InvocationFilter f;
  f.agent_id = query_text(req, "agent_id");
  f.consumer_id = query_text(req, "consumer_id");
  if (auto s = query_text(req, "status")) {
    f.status = store::parse_invocation_status(*s);
    if (!f.status) {
      return Error::invalid("status", "status must be one of queued, running, completed, failed");
    }
  }
  auto result = store::in_tx(d.store, TxMode::read, [&](store::Tx& tx) {
    return tx.invocations().list(p.tenant(), f, *page);
  });
  if (!result) return std::move(result).error();
  return page_response(*result, invocation_json);
}

Result<http::Response> get_invocation(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "invocation");
  if (!id) return std::move(id).error();
  auto v = store::in_tx(d.store, TxMode::read,
                        [&](store::Tx& tx) { return tx.invocations().get(p.tenant(), *id); });
  if (!v) return std::move(v).error();
  return json_response(200, invocation_json(*v));
}

}  // namespace

void register_invocation_routes(http::Router& router, ApiDeps& d) {
  router.add(Method::get, "/invocations", authed(d, list_invocations));
  router.add(Method::get, "/invocations/{id}", authed(d, get_invocation));
  // Declared here rather than in register_routes: actions and webhooks grew out of this
  // file and keep their registration with it.
  register_action_routes(router, d);
  register_webhook_routes(router, d);
}

}  // namespace ca::api
