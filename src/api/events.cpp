// /events: ingestion (single and batch) and reads.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/api.hpp"
#include "api/codecs.hpp"
#include "api/handler_support.hpp"
#include "ingest/event_request.hpp"
#include "ingest/group_commit.hpp"
#include "ingest/ingest_service.hpp"
#include "store/event_repo.hpp"

namespace ca::api {

namespace bj = boost::json;
using http::Method;
using store::TxMode;

bj::value event_json(const Event& e) {
  return bj::object{{"id", e.id},
                    {"creator_id", e.creator_id},
                    {"consumer_id", to_json(e.consumer_id)},
                    {"type", e.type},
                    {"source", e.source},
                    {"timestamp", format_rfc3339(e.occurred_at)},
                    {"received_at", format_rfc3339(e.received_at)},
                    {"payload", stored_json(e.payload_json)},
                    {"idempotency_key", to_json(e.idempotency_key)}};
}

namespace {

constexpr std::size_t kMaxBatch = 1000;

bj::value outcome_json(const ingest::IngestOutcome& o) {
  return bj::object{{"id", o.id}, {"duplicate", o.duplicate}};
}

bj::value error_json(const Error& e) {
  bj::object err{{"code", to_string(e.code)}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  return bj::object{{"error", std::move(err)}};
}

std::optional<std::string> idempotency_header(const http::Request& req) {
  auto h = req.header("idempotency-key");
  if (!h || h->empty()) return std::nullopt;
  return std::string(*h);
}

Result<ingest::EventRequest> decode_post(const http::Request& req) {
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  return ingest::decode_event(*body, idempotency_header(req));
}

http::Response event_reply(const Result<ingest::IngestOutcome>& out) {
  if (!out) return http::error_response(out.error());
  return json_response(out->duplicate ? 200 : 202, outcome_json(*out));
}

Result<http::Response> post_event(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto decoded = decode_post(req);
  if (!decoded) return std::move(decoded).error();
  return event_reply(d.group_commit ? d.group_commit->submit(p.tenant(), *decoded)
                                    : d.ingest.ingest(p.tenant(), *decoded));
}

// POST /events on the I/O thread, answered after its group commit, when nothing before
// the writer needs a wait: a cached creator key. A cold or admin key, or a session cookie
// (their checks read the database), goes to the pool's post_event.
bool post_event_fast(ApiDeps& d, http::Request& req, const http::Respond& respond) {
  auto authorization = req.header("authorization");
  if (!d.group_commit || !authorization) return false;
  auto principal = d.auth.authenticate_cached(authorization);
  if (!principal) return false;
  if (!*principal) {
    respond(http::error_response(principal->error()));
    return true;
  }
  if ((*principal)->is_admin()) return false;
  auto decoded = decode_post(req);
  if (!decoded) {
    respond(http::error_response(decoded.error()));
    return true;
  }
  auto queued = d.group_commit->submit_async(
      (*principal)->tenant(), std::move(*decoded),
      [respond](const Result<ingest::IngestOutcome>& out) { respond(event_reply(out)); });
  if (!queued) respond(http::error_response(queued.error()));
  return true;
}

Result<http::Response> post_batch(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto body = json::parse_object(req.body);
  if (!body) return std::move(body).error();
  json::FieldReader r(*body);
  r.reject_unknown({"events"});
  auto it = body->find("events");
  if (r.ok() && (it == body->end() || !it->value().is_array())) {
    r.fail("events", "events must be an array of events");
  }
  if (r.ok() && it->value().as_array().size() > kMaxBatch) {
    r.fail("events", "a batch holds at most 1000 events");
  }
  if (!r.ok()) return r.error();
  const bj::array& items = it->value().as_array();

  // Decode everything first; invalid events get their error, valid ones go in together.
  std::vector<Result<ingest::IngestOutcome>> results(items.size(), Error::internal("pending"));
  std::vector<ingest::EventRequest> valid;
  std::vector<size_t> valid_index;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string prefix = "events[" + std::to_string(i) + "]";
    if (!items[i].is_object()) {
      results[i] = Error::invalid(prefix, prefix + " must be an object");
      continue;
    }
    auto decoded = ingest::decode_event(items[i].as_object(), std::nullopt, prefix);
    if (!decoded) {
      results[i] = std::move(decoded).error();
      continue;
    }
    valid.push_back(std::move(*decoded));
    valid_index.push_back(i);
  }
  std::vector<Result<ingest::IngestOutcome>> stored;
  if (d.group_commit) {
    auto queued = d.group_commit->submit_batch(p.tenant(), valid);
    if (!queued) return std::move(queued).error();  // turned away whole: nothing stored
    stored = std::move(*queued);
  } else {
    stored = d.ingest.ingest_batch(p.tenant(), valid);
  }
  for (size_t j = 0; j < stored.size(); ++j) {
    // Every item error names its path in the request, like the decoding errors above
    // ("events[3].consumer_id", not "consumer_id").
    if (!stored[j] && !stored[j].error().field.empty() &&
        !stored[j].error().field.starts_with("events[")) {
      Error e = std::move(stored[j]).error();
      e.field = "events[" + std::to_string(valid_index[j]) + "]." + e.field;
      stored[j] = std::move(e);
    }
    results[valid_index[j]] = std::move(stored[j]);
  }

  bj::array out;
  out.reserve(results.size());
  for (const auto& res : results) out.push_back(res ? outcome_json(*res) : error_json(res.error()));
  return json_response(200, bj::object{{"results", std::move(out)}});
}

Result<std::optional<Timestamp>> time_param(const http::Request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<Timestamp>{};
  auto t = parse_rfc3339(*v);
  if (!t) return Error::invalid(std::string(name), std::string(name) + " must be RFC 3339");
  return std::optional<Timestamp>{*t};
}

Result<http::Response> list_events(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  store::EventFilter f;
  if (auto c = req.query_param("consumer_id"); c && !c->empty()) f.consumer_id = std::string(*c);
  if (auto t = req.query_param("event_type"); t && !t->empty()) {
    if (!ingest::is_valid_event_type(*t)) {
      return Error::invalid("event_type", "event_type is not a valid event type name");
    }
    f.type = std::string(*t);
  }
  auto start = time_param(req, "start_time");
  if (!start) return std::move(start).error();
  auto end = time_param(req, "end_time");
  if (!end) return std::move(end).error();
  f.start = *start;
  f.end = *end;
  auto result = store::in_tx(d.store, TxMode::read,
                             [&](store::Tx& tx) { return tx.events().list(p.tenant(), f, *page); });
  if (!result) return std::move(result).error();
  return page_response(*result, event_json);
}

Result<http::Response> get_event(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "id", "event");
  if (!id) return std::move(id).error();
  auto e = store::in_tx(d.store, TxMode::read,
                        [&](store::Tx& tx) { return tx.events().get(p.tenant(), *id); });
  if (!e) return std::move(e).error();
  return json_response(200, event_json(*e));
}

Result<http::Response> timeline(ApiDeps& d, const auth::Principal& p, http::Request& req) {
  auto id = path_id(req, "consumer_id", "consumer");
  if (!id) return std::move(id).error();
  auto page = parse_page(req);
  if (!page) return std::move(page).error();
  auto result = store::in_tx(d.store, TxMode::read, [&](store::Tx& tx) -> Result<Page<Event>> {
    CA_CHECK(tx.consumers().get(p.tenant(), *id));  // 404 for another creator's consumer
    return tx.events().timeline(p.tenant(), *id, *page);
  });
  if (!result) return std::move(result).error();
  return page_response(*result, event_json);
}

}  // namespace

void register_event_routes(http::Router& router, ApiDeps& d) {
  router.add(Method::post, "/events", authed(d, post_event), {},
             [&d](http::Request& req, const http::Respond& respond) {
               return post_event_fast(d, req, respond);
             });
  http::RouteOptions batch;
  batch.max_body_bytes = 5 << 20;
  router.add(Method::post, "/events/batch", authed(d, post_batch), batch);
  router.add(Method::get, "/events", authed(d, list_events));
  router.add(Method::get, "/events/{id}", authed(d, get_event));
  router.add(Method::get, "/events/consumer/{consumer_id}/timeline", authed(d, timeline));
}

}  // namespace ca::api
