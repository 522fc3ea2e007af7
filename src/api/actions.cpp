// /actions: what agents planned, review decisions (approve with an optional edit,
// reject, cancel), and /outbox (what the sandbox channel accepted).
#include <algorithm>
#include <array>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "actions/actions.hpp"
#include "api/api.hpp"
#include "api/codecs.hpp"
#include "api/handler_support.hpp"
#include "domain/json_codec.hpp"
#include "store/agent_repo.hpp"
#include "store/delivery_repo.hpp"

namespace ca::api {

namespace bj = boost::json;
using http::Method;
using store::TxMode;

namespace {

// API.md's action statuses.
constexpr std::array<std::string_view, 10> kActionStatuses = {
    "awaiting_review", "scheduled", "sending",   "sent",    "delivered", "read",
    "failed",          "skipped",   "cancelled", "rejected"};

bj::value id_or_null(const std::string& id) {
  return id.empty() ? bj::value(nullptr) : bj::value(id);
}

}  // namespace

bj::object action_json(const Action& a) {
  return bj::object{
      {"id", a.id},
      {"invocation_id", id_or_null(a.invocation_id)},
      {"agent_id", id_or_null(a.agent_id)},
      {"consumer_id", id_or_null(a.consumer_id)},
      {"channel", to_string(a.channel)},
      {"type", a.type},
      {"status", a.status},
      {"skip_reason", to_json(a.skip_reason)},
      {"send_at", format_rfc3339(a.send_at)},
      {"message", a.message},
      {"template", a.template_json ? stored_json(*a.template_json) : bj::value(nullptr)},
      {"provider_message_id", to_json(a.provider_message_id)},
      {"attempts", a.attempts},
      {"created_at", format_rfc3339(a.created_at)}};
}

namespace {

bj::value attempt_json(const store::ActionAttempt& t) {
  return bj::object{{"id", t.id},
                    {"channel", t.channel},
                    {"outcome", t.outcome},
                    {"provider_message_id", to_json(t.provider_message_id)},
                    {"provider_status", to_json(t.provider_status)},
                    {"error", to_json(t.error)},
                    {"created_at", format_rfc3339(t.created_at)},
                    {"updated_at", format_rfc3339(t.updated_at)}};
}

bj::value outbox_json(const store::OutboxMessage& m) {
  return bj::object{
      {"id", m.id},
      {"creator_id", m.creator_id},
      {"action_id", m.action_id},
      {"consumer_id", to_json(m.consumer_id)},
      {"channel", to_string(m.channel)},
      {"to", m.recipient},
      {"subject", to_json(m.subject)},
      {"body", m.body},
      {"content_sid", to_json(m.content_sid)},
      {"content_variables",
       m.content_variables_json ? stored_json(*m.content_variables_json) : bj::value(nullptr)},
      {"created_at", format_rfc3339(m.created_at)}};
}

std::optional<std::string> query_text(const http::Request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  return std::string(*v);
}

Result<actions::ActionService*> service(ApiDeps& d) {
  if (d.actions == nullptr) return Error::unavailable("actions are not configured");
  return d.actions;
}

// An optional JSON object body: empty → {}.
Result<bj::object> optional_body(const http::Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return bj::object{};
  return json::parse_object(req.body);
}

Result<http::Response> list_actions(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  store::ActionFilter f;
  f.agent_id = query_text(req, "agent_id");
  f.consumer_id = query_text(req, "consumer_id");
  f.status = query_text(req, "status");
  if (f.status && std::find(kActionStatuses.begin(), kActionStatuses.end(), *f.status) ==
                      kActionStatuses.end()) {
    return Error::invalid("status",
                          "status must be one of awaiting_review, scheduled, sending, sent, "
                          "delivered, read, failed, skipped, cancelled, rejected");
  }
  auto result = store::in_tx(d.store, TxMode::read, [&](store::Tx& tx) {
    return tx.actions().list(p.tenant(), f, *page);
  });
  if (!result) return std::move(result).error();
  return page_response(*result, [](const Action& a) { return bj::value(action_json(a)); });
}

Result<http::Response> get_action(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "action");
  if (!id) return std::move(id).error();
  auto a = store::in_tx(d.store, TxMode::read,
                        [&](store::Tx& tx) { return tx.actions().get(p.tenant(), *id); });
  if (!a) return std::move(a).error();
  return json_response(200, action_json(*a));
}

// Every send attempt with its outcome, oldest first: the audit trail behind `attempts`.
Result<http::Response> list_attempts(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "action");
  if (!id) return std::move(id).error();
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto detail = (*svc)->get(p.tenant(), *id);
  if (!detail) return std::move(detail).error();
  bj::array items;
  for (const auto& t : detail->attempts) items.push_back(attempt_json(t));
  return json_response(200, bj::object{{"items", std::move(items)}});
}

Result<http::Response> approve(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "action");
  if (!id) return std::move(id).error();
  auto body = optional_body(req);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"message"});
  auto message = r.string("message", json::Need::optional, actions::kMaxMessageBytes);
  if (!r.ok()) return r.error();
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto a = (*svc)->approve(p.tenant(), *id, message);
  if (!a) return std::move(a).error();
  return json_response(200, action_json(*a));
}

Result<http::Response> reject(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "action");
  if (!id) return std::move(id).error();
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"reason"});
  auto reason = r.string("reason", json::Need::required, actions::kMaxReasonBytes);
  if (!r.ok()) return r.error();
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto a = (*svc)->reject(p.tenant(), *id, *reason);
  if (!a) return std::move(a).error();
  return json_response(200, action_json(*a));
}

Result<http::Response> cancel(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "action");
  if (!id) return std::move(id).error();
  auto svc = service(d);
  if (!svc) return std::move(svc).error();
  auto a = (*svc)->cancel(p.tenant(), *id);
  if (!a) return std::move(a).error();
  return json_response(200, action_json(*a));
}

Result<http::Response> list_outbox(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  auto result = store::in_tx(d.store, TxMode::read, [&](store::Tx& tx) {
    return tx.delivery().list_outbox(p.tenant(), *page);
  });
  if (!result) return std::move(result).error();
  return page_response(*result, outbox_json);
}

}  // namespace

void register_action_routes(http::Router& router, ApiDeps& d) {
  router.add(Method::get, "/actions", authed(d, list_actions));
  router.add(Method::get, "/actions/{id}", authed(d, get_action));
  router.add(Method::get, "/actions/{id}/attempts", authed(d, list_attempts));
  router.add(Method::post, "/actions/{id}/approve", authed(d, approve));
  router.add(Method::post, "/actions/{id}/reject", authed(d, reject));
  router.add(Method::post, "/actions/{id}/cancel", authed(d, cancel));
  router.add(Method::get, "/outbox", authed(d, list_outbox));
}

}  // namespace ca::api
