// /consumers: CRUD, consent, context, export and erasure.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/api.hpp"
#include "api/codecs.hpp"
#include "api/handler_support.hpp"
#include "domain/paging.hpp"
#include "store/agent_repo.hpp"
#include "store/delivery_repo.hpp"
#include "store/event_repo.hpp"

namespace ca::api {

namespace bj = boost::json;
using http::Method;
using store::TxMode;

namespace {

Result<http::Response> create_consumer(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown(
      {"name", "email", "whatsapp", "external_id", "timezone", "creator_id", "consent"});
  Consumer c;
  apply_consumer_fields(r, c, /*creating=*/true);
  auto creator_id = r.string("creator_id", json::Need::optional, 36);
  // Optional initial consent: {"whatsapp": true, "email": false}.
  if (const auto* consent = r.object("consent", json::Need::optional)) {
    json::FieldReader cr(*consent, "consent");
    cr.reject_unknown({"whatsapp", "email", "sms"});
    for (Channel ch : {Channel::whatsapp, Channel::email, Channel::sms}) {
      if (auto granted = cr.boolean(to_string(ch), json::Need::optional)) {
        c.consent[ch] = Consent{*granted, "api", d.clock.now()};
      }
    }
    if (!cr.ok()) r.adopt(cr.error());
  }
  if (!r.ok()) return r.error();
  auto owner = owning_creator(d, p, creator_id);
  if (!owner) return std::move(owner).error();
  c.creator_id = *owner;
  c.id = d.ids.next();
  c.created_at = c.updated_at = d.clock.now();
  CA_CHECK(store::in_tx(d.store, TxMode::write,
                        [&](store::Tx& tx) { return tx.consumers().insert(c); }));
  return json_response(201, to_json(c));
}

Result<http::Response> list_consumers(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  store::ConsumerFilter filter;
  if (auto stage = req.query_param("stage"); stage && !stage->empty()) {
    filter.stage = parse_stage(*stage);
    if (!filter.stage) {
      return Error::invalid("stage",
                            "stage must be one of new, interested, engaged, converted, churned");
    }
  }
  if (auto q = req.query_param("q"); q && !q->empty()) {
    if (q->size() > 200) return Error::invalid("q", "q must be at most 200 characters");
    filter.q = std::string(*q);
  }
  auto result = store::in_tx(d.store, TxMode::read, [&](store::Tx& tx) {
    return tx.consumers().list(p.tenant(), filter, *page);
  });
  if (!result) return std::move(result).error();
  return page_response(*result, [](const Consumer& c) { return to_json(c); });
}

Result<http::Response> get_consumer(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "consumer");
  if (!id) return std::move(id).error();
  auto c = store::in_tx(d.store, TxMode::read,
                        [&](store::Tx& tx) { return tx.consumers().get(p.tenant(), *id); });
  if (!c) return std::move(c).error();
  return json_response(200, to_json(*c));
}

Result<http::Response> patch_consumer(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "consumer");
  if (!id) return std::move(id).error();
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"name", "email", "whatsapp", "external_id", "timezone"});
  if (!r.ok()) return r.error();
  auto updated = store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) -> Result<Consumer> {
    auto c = tx.consumers().get(p.tenant(), *id);
    if (!c) return c;
    apply_consumer_fields(r, *c, /*creating=*/false);
    if (!r.ok()) return r.error();
    c->updated_at = d.clock.now();
    CA_CHECK(tx.consumers().update(p.tenant(), *c));
    return c;
  });
  if (!updated) return std::move(updated).error();
  return json_response(200, to_json(*updated));
}

Result<http::Response> delete_consumer(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "consumer");
  if (!id) return std::move(id).error();
  CA_CHECK(store::in_tx(d.store, TxMode::write,
                        [&](store::Tx& tx) { return tx.consumers().remove(p.tenant(), *id); }));
  return http::Response::no_content();
}

Result<http::Response> get_context(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "consumer");
  if (!id) return std::move(id).error();
  auto ctx = store::in_tx(d.store, TxMode::read, [&](store::Tx& tx) {
    return tx.consumers().get_context(p.tenant(), *id);
  });
  if (!ctx) return std::move(ctx).error();
  return json_response(200, to_json(*ctx));
}

Result<http::Response> set_consent(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "consumer");
  if (!id) return std::move(id).error();
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  auto input = decode_consent(*body, d.clock.now());
  if (!input) return std::move(input).error();
  auto c = store::in_tx(d.store, TxMode::write, [&](store::Tx& tx) -> Result<Consumer> {
    CA_CHECK(tx.consumers().set_consent(p.tenant(), *id, input->channel, input->consent));
    return tx.consumers().get(p.tenant(), *id);
  });
  if (!c) return std::move(c).error();
  return json_response(200, to_json(*c));
}

// Every item of a listing, as the API serves each (an export is a one-off read).
template <class T, class ListFn, class JsonFn>
Result<bj::array> json_of_all(ListFn&& list, JsonFn&& json) {
  auto items = all_pages<T>(std::forward<ListFn>(list));
  if (!items) return std::move(items).error();
  bj::array out;
  out.reserve(items->size());
  for (const auto& item : *items) out.push_back(json(item));
  return out;
}

// Everything held about one consumer (data-subject access): the record, its context, its
// events, the agents' decisions about it, the messages planned or sent to it, and its
// suppressed addresses.
Result<http::Response> export_consumer(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "consumer");
  if (!id) return std::move(id).error();
  auto out = store::in_tx(d.store, TxMode::read, [&](store::Tx& tx) -> Result<bj::object> {
    auto c = tx.consumers().get(p.tenant(), *id);
    if (!c) return std::move(c).error();
    auto ctx = tx.consumers().get_context(p.tenant(), *id);
    if (!ctx) return std::move(ctx).error();
    bj::array suppressions;  // addresses a provider refused (kept as hashes)
    for (Channel ch : {Channel::whatsapp, Channel::email}) {
      auto s = tx.delivery().suppression(*id, ch);
      if (!s) return std::move(s).error();
      if (*s) {
        suppressions.push_back(bj::object{{"channel", to_string(ch)},
                                          {"reason", (*s)->reason},
                                          {"at", format_rfc3339((*s)->at)}});
      }
    }
    auto events = json_of_all<Event>(
        [&](const PageRequest& page) { return tx.events().timeline(p.tenant(), *id, page); },
        event_json);
    if (!events) return std::move(events).error();
    store::ActionFilter mine;
    mine.consumer_id = *id;
    auto messages = json_of_all<Action>(
        [&](const PageRequest& page) { return tx.actions().list(p.tenant(), mine, page); },
        [](const Action& a) { return bj::value(action_json(a)); });
    if (!messages) return std::move(messages).error();
    store::InvocationFilter about;
    about.consumer_id = *id;
    auto decisions = json_of_all<Invocation>(
        [&](const PageRequest& page) { return tx.invocations().list(p.tenant(), about, page); },
        invocation_json);
    if (!decisions) return std::move(decisions).error();
    return bj::object{{"consumer", to_json(*c)},
                      {"context", to_json(*ctx)},
                      {"events", std::move(*events)},
                      {"invocations", std::move(*decisions)},
                      {"actions", std::move(*messages)},
                      {"suppressions", std::move(suppressions)},
                      {"exported_at", format_rfc3339(d.clock.now())}};
  });
  if (!out) return std::move(out).error();
  return json_response(200, *out);
}

}  // namespace

void register_consumer_routes(http::Router& router, ApiDeps& d) {
  router.add(Method::post, "/consumers", authed(d, create_consumer));
  router.add(Method::get, "/consumers", authed(d, list_consumers));
  router.add(Method::get, "/consumers/{id}", authed(d, get_consumer));
  router.add(Method::patch, "/consumers/{id}", authed(d, patch_consumer));
  router.add(Method::del, "/consumers/{id}", authed(d, delete_consumer));
  router.add(Method::get, "/consumers/{id}/context", authed(d, get_context));
  router.add(Method::post, "/consumers/{id}/consent", authed(d, set_consent));
  router.add(Method::get, "/consumers/{id}/export", authed(d, export_consumer));
}

}  // namespace ca::api
