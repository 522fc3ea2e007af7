// The typed view of consumer_context.metrics: what a consumer has done, counted per event
// type. Stored as JSON text and served under "metrics" by GET /consumers/{id}/context, so
// the JSON keys below are part of the API; rename none of them.
//
// {
//   "events": 9,                       every event applied, any type
//   "page_views": 3, "service_clicks": 4,
//   "bookings_created": 2, "bookings_cancelled": 1, "active_bookings": 1,
//   "payments": 1, "payment_failures": 1,
//   "revenue": {"INR": 499900, "USD": 4999},      currency -> minor units
//   "replies": 2, "emails_opened": 1, "emails_clicked": 1,
//   "calls_scheduled": 1, "calls_completed": 0,
//   "first_seen_at": "2026-11-24T10:00:00Z", "last_event_at": "2026-11-25T09:00:00Z",
//   "last_inbound_at": {"whatsapp": "...", "email": "..."},
//   "services_clicked": {"svc_1": 3, "42": 1},    service id -> clicks
//   "enrolled_services": ["svc_1"], "purchased_services": ["svc_1"],
//   "custom": {"webinar_joined": 2},              unknown event type -> count
//   "churned_at": null                           set by a consumer_churned event
// }
// Absent timestamps are null. "active_bookings" is derived (created - cancelled, never
// below 0) and ignored on read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "domain/entities.hpp"
#include "domain/time.hpp"

namespace boost::json {
class object;
}  // namespace boost::json

namespace ca::context {

// Bounds so a noisy or hostile client cannot grow one row without limit. Once a map is
// full, new keys are dropped (existing keys keep counting; totals always count).
constexpr std::size_t kMaxServices = 100;        // services_clicked, enrolled, purchased
constexpr std::size_t kMaxCustomTypes = 100;     // custom
constexpr std::size_t kMaxCurrencies = 20;       // revenue
constexpr std::size_t kMaxServiceIdBytes = 128;  // longer ids are ignored
constexpr std::size_t kMaxCustomTypeBytes = 64;  // the ingest type regex allows 64

// Transparent comparators so lookups by string_view do not allocate.
using CountMap = std::map<std::string, std::int64_t, std::less<>>;
using NameSet = std::set<std::string, std::less<>>;

struct Metrics {
  std::int64_t events = 0;
  std::int64_t page_views = 0;
  std::int64_t service_clicks = 0;
  std::int64_t bookings_created = 0;
  std::int64_t bookings_cancelled = 0;
  std::int64_t payments = 0;  // payment_success events
  std::int64_t payment_failures = 0;
  CountMap revenue_minor;    // "INR" -> 499900
  std::int64_t replies = 0;  // email_replied + whatsapp_message_received
  std::int64_t emails_opened = 0;
  std::int64_t emails_clicked = 0;
  std::int64_t calls_scheduled = 0;
  std::int64_t calls_completed = 0;
  std::optional<Timestamp> first_seen_at;  // earliest consumer activity
  std::optional<Timestamp> last_event_at;  // latest occurred_at of any event
  std::map<Channel, Timestamp> last_inbound_at;
  CountMap services_clicked;
  NameSet enrolled_services;   // booked or paid, minus unpaid cancellations
  NameSet purchased_services;  // paid (payment_success with service_id)
  CountMap custom;
  std::optional<Timestamp> churned_at;  // latest consumer_churned

  // Bookings still standing; cancellations of bookings we never saw do not go negative.
  std::int64_t active_bookings() const {
    return bookings_created > bookings_cancelled ? bookings_created - bookings_cancelled : 0;
  }

  bool operator==(const Metrics&) const = default;
};

// Never fails: text that is not a JSON object reads as empty metrics, and a field of the
// wrong type (or a negative count) reads as its default. Bounds are enforced on read too.
Metrics parse_metrics(std::string_view json);
// Compact JSON with the keys above; parse_metrics(to_json(m)) == m.
std::string to_json(const Metrics& m);
// The same document as a JSON object, for embedding without a text round trip.
boost::json::object metrics_object(const Metrics& m);

// a + b for counters, saturating at INT64_MAX instead of overflowing.
std::int64_t saturating_add(std::int64_t a, std::int64_t b);

}  // namespace ca::context
