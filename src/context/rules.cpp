// Consumer-context rules: what one event does to a consumer's metrics, stage and score.
//
// METRICS (metrics.hpp has the JSON). Every event: events += 1, last_event_at = max.
//   page_view                  page_views += 1
//   service_click              service_clicks += 1, services_clicked[service_id] += 1
//   booking_created            bookings_created += 1, enrolled_services += service_id
//   booking_cancelled          bookings_cancelled += 1, enrolled_services -= service_id
//                              unless that service was paid for
//   payment_success            payments += 1, revenue[currency] += amount_minor,
//                              enrolled_services and purchased_services += service_id
//   payment_failed             payment_failures += 1
//   email_opened/_clicked      emails_opened/emails_clicked += 1
//   email_replied              replies += 1, last_inbound_at.email = max
//   whatsapp_message_received  replies += 1, last_inbound_at.whatsapp = max (the 24 h window)
//   call_scheduled/_completed  calls_scheduled/calls_completed += 1
//   any other type             custom[type] += 1 (consumer_churned included)
//   consumer_churned           also churned_at = max
// Payload: service_id is a non-empty string (<= 128 bytes) or a non-negative integer (Topmate
// ids are numbers); amount_minor a non-negative integer; currency three letters, any case.
// A missing or malformed field feeds nothing, and the event still counts. Late events
// (occurred_at before last_seen_at) count like any other.
//
// LAST SEEN. Consumer activity (every event except consumer_churned and source "agent")
// moves last_seen_at to occurred_at only if later and first_seen_at only if earlier.
//
// STAGE. Each event proposes a stage from itself and the metrics after it:
//   payment_success                                              -> converted
//   email_replied, whatsapp_message_received, call_scheduled,
//   call_completed, booking_created, payment_failed,
//   service_click once service_clicks >= 3                       -> engaged
//   service_click (1st, 2nd), email_clicked, booking_cancelled,
//   page_view once page_views >= 2                               -> interested
//   first page_view, email_opened (opens are unreliable), custom -> new (no change)
// Not churned: stage = the later of (current, proposed); new < interested < engaged <
//   converted. Nothing moves back: cancelling or failing a payment after converting leaves
//   converted. Only payment_success converts: bookings and calls may be free.
// consumer_churned: stage = churned from any stage, converted included (the creator says the
//   customer left) — unless the consumer was seen after the churn time (a stale mark).
//   Nothing else ever sets churned.
// Churned: consumer activity that occurred after churned_at brings the consumer back to
//   the later of (interested, proposed); late events and agent reports leave churned.
//
// SCORE. score.hpp, evaluated at occurred_at against the new last_seen_at.
// updated_at = max(before.updated_at, received_at); ids and attributes carried over.
#include "context/rules.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <system_error>

#include "context/metrics.hpp"
#include "context/score.hpp"

namespace ca::context {
namespace bj = boost::json;
namespace {

constexpr std::array<std::string_view, 12> kKnownTypes = {
    "page_view",       "service_click",
    "booking_created", "booking_cancelled",
    "payment_success", "payment_failed",
    "email_opened",    "email_clicked",
    "email_replied",   "whatsapp_message_received",
    "call_scheduled",  "call_completed"};

// Fields read from a payload; each is nullopt when absent or malformed.
struct Payload {
  std::optional<std::string> service_id;
  std::optional<std::int64_t> amount_minor;
  std::optional<std::string> currency;
};

Payload read_payload(std::string_view json) {
  Payload p;
  std::error_code ec;
  bj::value root = bj::parse(json, ec);
  if (ec || !root.is_object()) return p;
  const bj::object& o = root.get_object();

  if (const bj::value* v = o.if_contains("service_id")) {
    if (v->is_string() && !v->get_string().empty() &&
        v->get_string().size() <= kMaxServiceIdBytes) {
      p.service_id.emplace(v->get_string().data(), v->get_string().size());
    } else if (v->is_int64() && v->get_int64() >= 0) {
      p.service_id = std::to_string(v->get_int64());
    } else if (v->is_uint64()) {
      p.service_id = std::to_string(v->get_uint64());
    }
  }
  if (const bj::value* v = o.if_contains("amount_minor")) {
    if (v->is_int64() && v->get_int64() >= 0) p.amount_minor = v->get_int64();
  }
  if (const bj::value* v = o.if_contains("currency"); v != nullptr && v->is_string()) {
    std::string code(v->get_string().data(), v->get_string().size());
    for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (is_currency_code(code)) p.currency = std::move(code);
  }
  return p;
}

// Adds n to map[key] unless the key is new and the map is full.
void bump(CountMap& map, const std::string& key, std::int64_t n, std::size_t limit) {
  auto it = map.find(key);
  if (it != map.end()) {
    it->second = saturating_add(it->second, n);
  } else if (map.size() < limit) {
    map.emplace(key, n);
  }
}

void insert_bounded(NameSet& set, const std::string& key) {
  if (set.size() < kMaxServices) set.insert(key);
}

void keep_max(std::optional<Timestamp>& slot, Timestamp t) {
  if (!slot || *slot < t) slot = t;
}

void count_event(Metrics& m, const Event& e, const Payload& p) {
  const std::string& t = e.type;
  m.events = saturating_add(m.events, 1);
  keep_max(m.last_event_at, e.occurred_at);
  auto inc = [](std::int64_t& counter) { counter = saturating_add(counter, 1); };

  if (t == "page_view") {
    inc(m.page_views);
  } else if (t == "service_click") {
    inc(m.service_clicks);
    if (p.service_id) bump(m.services_clicked, *p.service_id, 1, kMaxServices);
  } else if (t == "booking_created") {
    inc(m.bookings_created);
    if (p.service_id) insert_bounded(m.enrolled_services, *p.service_id);
  } else if (t == "booking_cancelled") {
    inc(m.bookings_cancelled);
    if (p.service_id && !m.purchased_services.contains(*p.service_id)) {
      m.enrolled_services.erase(*p.service_id);
    }
  } else if (t == "payment_success") {
    inc(m.payments);
    if (p.amount_minor && p.currency) {
      bump(m.revenue_minor, *p.currency, *p.amount_minor, kMaxCurrencies);
    }
    if (p.service_id) {
      insert_bounded(m.enrolled_services, *p.service_id);
      insert_bounded(m.purchased_services, *p.service_id);
    }
  } else if (t == "payment_failed") {
    inc(m.payment_failures);
  } else if (t == "email_opened") {
    inc(m.emails_opened);
  } else if (t == "email_clicked") {
    inc(m.emails_clicked);
  } else if (t == "email_replied" || t == "whatsapp_message_received") {
    inc(m.replies);
    Channel ch = t == "email_replied" ? Channel::email : Channel::whatsapp;
    auto it = m.last_inbound_at.find(ch);
    if (it == m.last_inbound_at.end()) {
      m.last_inbound_at.emplace(ch, e.occurred_at);
    } else {
      it->second = std::max(it->second, e.occurred_at);
    }
  } else if (t == "call_scheduled") {
    inc(m.calls_scheduled);
  } else if (t == "call_completed") {
    inc(m.calls_completed);
  } else {
    if (!t.empty() && t.size() <= kMaxCustomTypeBytes) bump(m.custom, t, 1, kMaxCustomTypes);
    if (t == kConsumerChurned) keep_max(m.churned_at, e.occurred_at);
  }
}

int rank(Stage s) {
  switch (s) {
    case Stage::new_: return 0;
    case Stage::interested: return 1;
    case Stage::engaged: return 2;
    case Stage::converted: return 3;
    case Stage::churned: return -1;
  }
  return 0;
}

Stage later(Stage a, Stage b) { return rank(a) >= rank(b) ? a : b; }

// The stage this event argues for, given the metrics after it (see the table above).
Stage proposed_stage(const Event& e, const Metrics& m) {
  const std::string& t = e.type;
  if (t == "payment_success") return Stage::converted;
  if (t == "email_replied" || t == "whatsapp_message_received" || t == "call_scheduled" ||
      t == "call_completed" || t == "booking_created" || t == "payment_failed") {
    return Stage::engaged;
  }
  if (t == "service_click") return m.service_clicks >= 3 ? Stage::engaged : Stage::interested;
  if (t == "email_clicked" || t == "booking_cancelled") return Stage::interested;
  if (t == "page_view" && m.page_views >= 2) return Stage::interested;
  return Stage::new_;
}

Stage next_stage(const ConsumerContext& before, const Event& e, const Metrics& after) {
  if (e.type == kConsumerChurned) {
    bool seen_since = before.last_seen_at && *before.last_seen_at > e.occurred_at;
    return seen_since ? before.stage : Stage::churned;
  }
  Stage proposed = proposed_stage(e, after);
  if (before.stage != Stage::churned) return later(before.stage, proposed);

  // Churned: only fresh activity, newer than the churn mark, brings the consumer back.
  // (churned_at only changes on consumer_churned, handled above, so `after` still has it.)
  bool fresh = !after.churned_at || e.occurred_at > *after.churned_at;
  if (is_consumer_activity(e) && fresh) return later(Stage::interested, proposed);
  return Stage::churned;
}

}  // namespace

bool is_known_event_type(std::string_view type) {
  return std::find(kKnownTypes.begin(), kKnownTypes.end(), type) != kKnownTypes.end();
}

bool is_consumer_activity(const Event& event) {
  return event.type != kConsumerChurned && event.source != "agent";
}

ContextState load_state(ConsumerContext ctx) {
  Metrics m = parse_metrics(ctx.metrics_json);
  ctx.metrics_json.clear();  // stale from here on; copies of the state need not carry it
  return ContextState{std::move(ctx), std::move(m)};
}

void advance(ContextState& state, const Event& event) {
  ConsumerContext& ctx = state.context;
  Metrics& m = state.metrics;
  count_event(m, event, read_payload(event.payload_json));
  // ctx is still the context before the event: its stage and last_seen_at change below.
  const Stage stage = next_stage(ctx, event, m);
  if (is_consumer_activity(event)) {
    keep_max(ctx.last_seen_at, event.occurred_at);
    if (!m.first_seen_at || event.occurred_at < *m.first_seen_at) {
      m.first_seen_at = event.occurred_at;
    }
  }
  ctx.stage = stage;
  ctx.lead_score = lead_score(m, ctx.stage, ctx.last_seen_at, event.occurred_at);
  ctx.updated_at = std::max(ctx.updated_at, event.received_at);
}

ConsumerContext to_context(const ContextState& state) {
  ConsumerContext ctx = state.context;
  ctx.metrics_json = to_json(state.metrics);
  return ctx;
}

ConsumerContext apply_event(const ConsumerContext& before, const Event& event) {
  ContextState state = load_state(before);
  advance(state, event);
  return to_context(state);
}

}  // namespace ca::context
