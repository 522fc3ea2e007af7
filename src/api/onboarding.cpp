// /onboarding: onboard a creator by username (a job does the work), poll the run, read
// the profile, sync it again, deploy the creator's sales agent and list its agents.
#include <boost/json/object.hpp>

#include "api/api.hpp"
#include "api/codecs.hpp"
#include "api/handler_support.hpp"
#include "domain/validation.hpp"
#include "onboarding/creator_data.hpp"
#include "onboarding/onboarding_service.hpp"

namespace ca::api {

namespace bj = boost::json;
using http::Method;
using json::Need;

namespace {

constexpr std::size_t kUsernameMax = 64;

Result<onboarding::OnboardingService*> service(ApiDeps& d) {
  if (d.onboarding == nullptr) return Error::unavailable("onboarding is not configured");
  return d.onboarding;
}

// The stored profile as API.md lists it: its fields plus generated_by and last_synced_at.
bj::object profile_json(const store::StoredProfile& p) {
  bj::value stored = stored_json(p.profile_json);
  bj::object out = stored.is_object() ? std::move(stored.as_object()) : bj::object{};
  out["creator_id"] = p.creator_id;
  out["generated_by"] = p.generated_by;
  out["last_synced_at"] = to_json(p.last_synced_at);
  return out;
}

bj::object started_json(const onboarding::Started& s) {
  return bj::object{
      {"onboarding_id", s.onboarding_id}, {"creator_id", s.creator_id}, {"status", "processing"}};
}

// An empty body or {} (the endpoint takes no fields).
Result<void> no_fields(const http::Request& req) {
  if (req.body.empty()) return ok();
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  if (!body->empty()) {
    const std::string key(body->begin()->key());
    return Error::invalid(key, "unknown field " + key + "; this endpoint takes no fields");
  }
  return ok();
}

Result<http::Response> start(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  CA_CHECK(require_admin(p));
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"username", "name", "email"});
  onboarding::StartRequest s;
  if (auto u = r.string("username", Need::required, kUsernameMax)) {
    if (!onboarding::is_username(*u)) {
      r.fail("username", "username must be 1-64 letters, digits, '_', '.' or '-'");
    }
    s.username = std::move(*u);
  }
  s.name = r.string("name", Need::optional, kNameMax);
  s.email = r.string("email", Need::optional, kEmailMax);
  if (s.email && !is_email(*s.email)) r.fail("email", "email is not a valid address");
  if (!r.ok()) return r.error();
  auto started = (*svc)->start(s);
  if (!started) return std::move(started).error();
  return json_response(202, started_json(*started));
}

Result<http::Response> get_run(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto id = path_id(req, "onboarding_id", "onboarding");
  if (!id) return std::move(id).error();
  auto run = (*svc)->status(p.tenant(), *id);
  if (!run) return std::move(run).error();
  bj::object out{{"onboarding_id", run->id},
                 {"creator_id", run->creator_id},
                 {"username", run->username},
                 {"status", store::to_string(run->status)},
                 {"step", run->step},
                 {"created_at", format_rfc3339(run->created_at)},
                 {"updated_at", format_rfc3339(run->updated_at)}};
  if (run->error) out["error"] = *run->error;
  if (run->status == store::OnboardingStatus::completed) {
    auto profile = (*svc)->profile(p.tenant(), run->creator_id);
    if (profile) out["profile"] = profile_json(*profile);
  }
  return json_response(200, out);
}

Result<http::Response> get_profile(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto id = path_id(req, "creator_id", "profile");
  if (!id) return std::move(id).error();
  auto profile = (*svc)->profile(p.tenant(), *id);
  if (!profile) return std::move(profile).error();
  return json_response(200, profile_json(*profile));
}

Result<http::Response> sync(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"creator_id"});
  auto creator_id = r.string("creator_id", p.is_admin() ? Need::required : Need::optional, 36);
  if (!r.ok()) return r.error();
  auto owner = owning_creator(d, p, creator_id);
  if (!owner) return std::move(owner).error();
  auto started = (*svc)->sync(p.tenant(), *owner);
  if (!started) return std::move(started).error();
  return json_response(202, started_json(*started));
}

Result<http::Response> deploy(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto id = path_id(req, "creator_id", "creator");
  if (!id) return std::move(id).error();
  CA_CHECK(no_fields(req));
  auto deployed = (*svc)->deploy_agent(p.tenant(), *id);
  if (!deployed) return std::move(deployed).error();
  return json_response(deployed->created ? 201 : 200, agent_json(deployed->agent));
}

Result<http::Response> list_agents(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto id = path_id(req, "creator_id", "creator");
  if (!id) return std::move(id).error();
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  auto agents = (*svc)->agents(p.tenant(), *id, *page);
  if (!agents) return std::move(agents).error();
  return page_response(*agents, agent_json);
}

}  // namespace

void register_onboarding_routes(http::Router& router, ApiDeps& d) {
  router.add(Method::post, "/onboarding/", authed(d, start));
  router.add(Method::post, "/onboarding/sync", authed(d, sync));
  router.add(Method::get, "/onboarding/{onboarding_id}", authed(d, get_run));
  router.add(Method::get, "/onboarding/profile/{creator_id}", authed(d, get_profile));
  router.add(Method::post, "/onboarding/deploy-agent/{creator_id}", authed(d, deploy));
  router.add(Method::get, "/onboarding/agents/{creator_id}", authed(d, list_agents));
}

}  // namespace ca::api
