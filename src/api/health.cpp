// /health (the process answers), /ready (migrations applied and the database answers),
// /openapi.yaml (the contract, embedded at build time).
#include <boost/json/object.hpp>

#include "api/api.hpp"
#include "api/handler_support.hpp"
#include "auth/api_keys.hpp"

namespace ca::api {

extern const char* const kOpenApiYaml;  // generated from docs/openapi.yaml

void register_health_routes(http::Router& router, ApiDeps& d) {
  router.add(http::Method::get, "/health",
             [](http::Request&) { return http::Response::json(200, R"({"status":"ok"})"); });
  router.add(http::Method::get, "/ready", [&d](http::Request&) {
    if (auto ping = d.store.ping(); !ping) {
      return http::error_response(
          Error::unavailable("database does not answer: " + ping.error().message));
    }
    auto version = d.store.schema_version();
    if (!version) return http::error_response(Error::unavailable("cannot read the schema version"));
    if (*version < d.store.latest_version()) {
      return http::error_response(
          Error::unavailable("migrations pending; run `creator-agents migrate`"));
    }
    return json_response(200,
                         boost::json::object{{"status", "ready"}, {"schema_version", *version}});
  });
  // Prometheus text for an admin key or METRICS_TOKEN (scrapers rarely hold API keys).
  router.add(http::Method::get, "/metrics", [&d](http::Request& req) {
    auto header = req.header("authorization");
    const bool token_ok = !d.metrics_token.empty() && header &&
                          auth::constant_time_equal(*header, "Bearer " + d.metrics_token);
    if (!token_ok) {
      auto principal = d.auth.authenticate(header);
      if (!principal) return http::error_response(principal.error());
      if (auto admin = require_admin(*principal); !admin)
        return http::error_response(admin.error());
    }
    if (!d.metrics) return http::error_response(Error::not_found("metrics are not enabled"));
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = d.metrics();
    return r;
  });
  router.add(http::Method::get, "/openapi.yaml", [](http::Request&) {
    http::Response r;
    r.content_type = "application/yaml";
    r.body = kOpenApiYaml;
    return r;
  });
}

void register_routes(http::Router& router, ApiDeps& deps) {
  register_health_routes(router, deps);
  register_creator_routes(router, deps);
  register_consumer_routes(router, deps);
  register_product_routes(router, deps);
  register_event_routes(router, deps);
  register_agent_routes(router, deps);
  register_invocation_routes(router, deps);
  register_session_routes(router, deps);
  register_onboarding_routes(router, deps);
  register_analytics_routes(router, deps);
}

}  // namespace ca::api
