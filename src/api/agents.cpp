// /agents: a creator's agents with their triggers; enable/disable. Config validation per
// kind belongs to the agents runtime (agents::validate_config).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "agents/registry.hpp"
#include "api/api.hpp"
#include "api/codecs.hpp"
#include "api/handler_support.hpp"
#include "ingest/event_request.hpp"
#include "store/agent_repo.hpp"

namespace ca::api {

namespace bj = boost::json;
using http::Method;
using json::Need;
using store::TxMode;

namespace {

constexpr std::size_t kMaxTriggers = 20;
constexpr std::size_t kFilterMax = std::size_t{4} * 1024;
constexpr std::size_t kConfigMax = std::size_t{64} * 1024;
constexpr std::size_t kEventTypeMax = 64;

// Secrets in an agent's config (the external agent's HMAC key) are write-only: reads show
// this marker, and a PATCH that sends the marker back keeps the stored secret.
constexpr std::string_view kRedacted = "********";

bj::value redacted_config(const std::string& config_json) {
  bj::value config = stored_json(config_json);
  if (config.is_object()) {
    if (auto* secret = config.as_object().if_contains("secret")) *secret = kRedacted;
  }
  return config;
}

// Puts the stored secret back when the client echoed the marker.
void keep_secret(const std::string& old_json, std::string& new_json) {
  bj::value fresh = stored_json(new_json);
  const auto* secret = fresh.is_object() ? fresh.as_object().if_contains("secret") : nullptr;
  if (!secret || !secret->is_string() || secret->as_string() != kRedacted) return;
  bj::value old = stored_json(old_json);
  const auto* old_secret = old.is_object() ? old.as_object().if_contains("secret") : nullptr;
  if (!old_secret) return;
  fresh.as_object()["secret"] = *old_secret;
  new_json = bj::serialize(fresh);
}

}  // namespace

bj::value agent_json(const Agent& a) {
  bj::array triggers;
  triggers.reserve(a.triggers.size());
  for (const auto& t : a.triggers) {
    triggers.push_back(bj::object{
        {"id", t.id}, {"event_type", t.event_type}, {"filter", stored_json(t.filter_json)}});
  }
  return bj::object{{"id", a.id},
                    {"creator_id", a.creator_id},
                    {"name", a.name},
                    {"kind", a.kind},
                    {"config", redacted_config(a.config_json)},
                    {"approval", store::to_string(a.approval)},
                    {"enabled", a.enabled},
                    {"triggers", std::move(triggers)},
                    {"created_at", format_rfc3339(a.created_at)},
                    {"updated_at", format_rfc3339(a.updated_at)}};
}

namespace {

// PATCH: null is not "leave as is" for these fields; say so instead of ignoring it.
void reject_nulls(json::FieldReader& r, std::initializer_list<std::string_view> keys) {
  for (auto key : keys) {
    if (r.is_null(key)) r.fail(key, std::string(key) + " cannot be null");
  }
}

// triggers: [{event_type, filter?}] → new trigger rows (ids from the generator).
void read_triggers(json::FieldReader& r, const bj::object& body, IdGenerator& ids,
                   std::vector<AgentTrigger>& out) {
  if (!r.ok()) return;
  const bj::value& v = body.at("triggers");
  if (!v.is_array()) {
    r.fail("triggers", "triggers must be an array of {event_type, filter?}");
    return;
  }
  const bj::array& items = v.as_array();
  if (items.size() > kMaxTriggers) {
    r.fail("triggers", "an agent has at most 20 triggers");
    return;
  }
  out.clear();
  for (size_t i = 0; i < items.size() && r.ok(); ++i) {
    std::string prefix = "triggers[" + std::to_string(i) + "]";
    if (!items[i].is_object()) {
      r.adopt(Error::invalid(prefix, prefix + " must be an object"));
      return;
    }
    json::FieldReader tr(items[i].as_object(), prefix);
    tr.reject_unknown({"event_type", "filter"});
    auto type = tr.string("event_type", Need::required, kEventTypeMax);
    if (type && !ingest::is_valid_event_type(*type)) {
      tr.fail("event_type", prefix + ".event_type must be a known event type or match " +
                                "^[a-z][a-z0-9_]{0,63}$");
    }
    AgentTrigger t;
    if (const auto* filter = tr.object("filter", Need::optional)) {
      t.filter_json = bj::serialize(*filter);
      if (t.filter_json.size() > kFilterMax) {
        tr.fail("filter", prefix + ".filter must be at most 4 KiB of JSON");
      } else if (auto valid = agents::validate_trigger_filter(t.filter_json, tr.path("filter"));
                 !valid) {
        tr.adopt(valid.error());
      }
    }
    if (!tr.ok()) {
      r.adopt(tr.error());
      return;
    }
    t.id = ids.next();
    t.event_type = std::move(*type);
    out.push_back(std::move(t));
  }
}

void read_config(json::FieldReader& r, Need need, std::string& out) {
  if (const auto* config = r.object("config", need)) {
    std::string text = bj::serialize(*config);
    if (text.size() > kConfigMax) {
      r.fail("config", "config must be at most 64 KiB of JSON");
      return;
    }
    out = std::move(text);
  }
}

void read_approval(json::FieldReader& r, Approval& out) {
  if (auto s = r.string("approval", Need::optional, 16)) {
    auto a = store::parse_approval(*s);
    if (!a) {
      r.fail("approval", "approval must be \"auto\" or \"review\"");
      return;
    }
    out = *a;
  }
}

Result<http::Response> create_agent(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"name", "kind", "config", "triggers", "approval", "enabled", "creator_id"});
  Agent a;
  if (auto name = r.string("name", Need::required, kNameMax)) a.name = std::move(*name);
  if (auto kind = r.string("kind", Need::required, 64)) a.kind = std::move(*kind);
  read_config(r, Need::optional, a.config_json);
  if (r.ok() && !r.has("triggers")) r.fail("triggers", "triggers is required");
  read_triggers(r, *body, d.ids, a.triggers);
  read_approval(r, a.approval);
  if (auto enabled = r.boolean("enabled", Need::optional)) a.enabled = *enabled;
  auto creator_id = r.string("creator_id", Need::optional, 36);
  if (!r.ok()) return r.error();
  CA_CHECK(agents::validate_config(a.kind, a.config_json));
  auto owner = owning_creator(d, p, creator_id);
  if (!owner) return std::move(owner).error();
  a.creator_id = *owner;
  a.id = d.ids.next();
  a.created_at = a.updated_at = d.clock.now();
  for (auto& t : a.triggers) {
    t.agent_id = a.id;
    t.creator_id = a.creator_id;
  }
  CA_CHECK(
      store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) { return tx.agents().insert(a); }));
  return json_response(201, agent_json(a));
}

Result<http::Response> list_agents(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  auto result = store::in_tx(d.store, TxMode::read,
                             [&](store::Tx& tx) { return tx.agents().list(p.tenant(), *page); });
  if (!result) return std::move(result).error();
  return page_response(*result, agent_json);
}

Result<http::Response> get_agent(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "agent");
  if (!id) return std::move(id).error();
  auto a = store::in_tx(d.store, TxMode::read,
                        [&](store::Tx& tx) { return tx.agents().get(p.tenant(), *id); });
  if (!a) return std::move(a).error();
  return json_response(200, agent_json(*a));
}

Result<http::Response> patch_agent(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "agent");
  if (!id) return std::move(id).error();
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"name", "config", "triggers", "approval", "enabled"});
  reject_nulls(r, {"name", "config", "triggers", "approval", "enabled"});
  if (!r.ok()) return r.error();
  auto updated = store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) -> Result<Agent> {
    auto a = tx.agents().get(p.tenant(), *id);
    if (!a) return a;
    if (auto name = r.string("name", Need::optional, kNameMax)) a->name = std::move(*name);
    const std::string old_config = a->config_json;
    read_config(r, Need::optional, a->config_json);
    keep_secret(old_config, a->config_json);
    const bool new_triggers = r.has("triggers");
    if (new_triggers) read_triggers(r, *body, d.ids, a->triggers);
    read_approval(r, a->approval);
    if (auto enabled = r.boolean("enabled", Need::optional)) a->enabled = *enabled;
    if (!r.ok()) return r.error();
    if (r.has("config")) CA_CHECK(agents::validate_config(a->kind, a->config_json));
    a->updated_at = d.clock.now();
    for (auto& t : a->triggers) {
      t.agent_id = a->id;
      t.creator_id = a->creator_id;
    }
    CA_CHECK(tx.agents().update(
        p.tenant(), *a, new_triggers ? store::TriggerUpdate::replace : store::TriggerUpdate::keep));
    return a;
  });
  if (!updated) return std::move(updated).error();
  return json_response(200, agent_json(*updated));
}

// POST /agents/{id}/enable|disable: an empty body or {}.
Result<http::Response> set_enabled(ApiDeps& d, const auth::Principal& p, http::Request& req,
                                   bool enabled) {
  auto id = path_id(req, "id", "agent");
  if (!id) return std::move(id).error();
  if (!req.body.empty()) {
    auto body = json::parse_object(req.body);
    if (!body) return std::move(body).error();
    if (!body->empty()) {
      const std::string key(body->begin()->key());
      return Error::invalid(key, "unknown field " + key + "; this endpoint takes no fields");
    }
  }
  auto a = store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) -> Result<Agent> {
    CA_CHECK(tx.agents().set_enabled(p.tenant(), *id, enabled, d.clock.now()));
    return tx.agents().get(p.tenant(), *id);
  });
  if (!a) return std::move(a).error();
  return json_response(200, agent_json(*a));
}

Result<http::Response> enable_agent(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  return set_enabled(d, p, req, true);
}

Result<http::Response> disable_agent(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  return set_enabled(d, p, req, false);
}

}  // namespace

void register_agent_routes(http::Router& router, ApiDeps& d) {
  router.add(Method::post, "/agents", authed(d, create_agent));
  router.add(Method::get, "/agents", authed(d, list_agents));
  router.add(Method::get, "/agents/{id}", authed(d, get_agent));
  router.add(Method::patch, "/agents/{id}", authed(d, patch_agent));
  router.add(Method::post, "/agents/{id}/enable", authed(d, enable_agent));
  router.add(Method::post, "/agents/{id}/disable", authed(d, disable_agent));
}

}  // namespace ca::api
