#include "context/metrics.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <limits>
#include <system_error>

namespace ca::context {
namespace bj = boost::json;

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

namespace {

// A non-negative integer that fits int64, or nullopt.
std::optional<std::int64_t> read_count(const bj::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) {
    std::int64_t n = v->get_int64();
    if (n >= 0) return n;
    return std::nullopt;
  }
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

std::int64_t count_field(const bj::object& o, std::string_view key) {
  return read_count(o.if_contains(key)).value_or(0);
}

std::optional<Timestamp> time_field(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  const bj::string& s = v->get_string();
  return parse_rfc3339(std::string_view(s.data(), s.size()));
}

CountMap count_map(const bj::object& o, std::string_view key, std::size_t limit) {
  CountMap out;
  const bj::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_object()) return out;
  for (const auto& kv : v->get_object()) {
    if (out.size() >= limit) break;
    if (auto n = read_count(&kv.value())) out.emplace(std::string(kv.key()), *n);
  }
  return out;
}

NameSet string_set(const bj::object& o, std::string_view key, std::size_t limit) {
  NameSet out;
  const bj::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : v->get_array()) {
    if (out.size() >= limit) break;
    if (item.is_string() && !item.get_string().empty()) {
      out.emplace(item.get_string().data(), item.get_string().size());
    }
  }
  return out;
}

bj::value time_json(const std::optional<Timestamp>& t) {
  if (!t) return nullptr;
  return bj::value(format_rfc3339(*t));
}

bj::object map_json(const CountMap& m) {
  bj::object o;
  for (const auto& [k, n] : m) o[k] = n;
  return o;
}

bj::array set_json(const NameSet& s) {
  bj::array a;
  for (const auto& k : s) a.emplace_back(k);
  return a;
}

}  // namespace

Metrics parse_metrics(std::string_view json) {
  Metrics m;
  std::error_code ec;
  bj::value root = bj::parse(json, ec);
  if (ec || !root.is_object()) return m;
  const bj::object& o = root.get_object();

  m.events = count_field(o, "events");
  m.page_views = count_field(o, "page_views");
  m.service_clicks = count_field(o, "service_clicks");
  m.bookings_created = count_field(o, "bookings_created");
  m.bookings_cancelled = count_field(o, "bookings_cancelled");
  m.payments = count_field(o, "payments");
  m.payment_failures = count_field(o, "payment_failures");
  for (auto& [currency, minor] : count_map(o, "revenue", kMaxCurrencies)) {
    if (is_currency_code(currency)) m.revenue_minor.emplace(currency, minor);
  }
  m.replies = count_field(o, "replies");
  m.emails_opened = count_field(o, "emails_opened");
  m.emails_clicked = count_field(o, "emails_clicked");
  m.calls_scheduled = count_field(o, "calls_scheduled");
  m.calls_completed = count_field(o, "calls_completed");
  m.first_seen_at = time_field(o, "first_seen_at");
  m.last_event_at = time_field(o, "last_event_at");
  if (const bj::value* v = o.if_contains("last_inbound_at"); v != nullptr && v->is_object()) {
    for (const auto& kv : v->get_object()) {
      auto channel = parse_channel(kv.key());
      auto at = time_field(v->get_object(), kv.key());
      if (channel && at) m.last_inbound_at.emplace(*channel, *at);
    }
  }
  m.services_clicked = count_map(o, "services_clicked", kMaxServices);
  m.enrolled_services = string_set(o, "enrolled_services", kMaxServices);
  m.purchased_services = string_set(o, "purchased_services", kMaxServices);
  m.custom = count_map(o, "custom", kMaxCustomTypes);
  m.churned_at = time_field(o, "churned_at");
  return m;
}

std::string to_json(const Metrics& m) { return bj::serialize(metrics_object(m)); }

bj::object metrics_object(const Metrics& m) {
  bj::object inbound;
  for (const auto& [channel, at] : m.last_inbound_at)
    inbound[to_string(channel)] = format_rfc3339(at);

  bj::object o;
  o["events"] = m.events;
  o["page_views"] = m.page_views;
  o["service_clicks"] = m.service_clicks;
  o["bookings_created"] = m.bookings_created;
  o["bookings_cancelled"] = m.bookings_cancelled;
  o["active_bookings"] = m.active_bookings();  // derived; ignored on read
  o["payments"] = m.payments;
  o["payment_failures"] = m.payment_failures;
  o["revenue"] = map_json(m.revenue_minor);
  o["replies"] = m.replies;
  o["emails_opened"] = m.emails_opened;
  o["emails_clicked"] = m.emails_clicked;
  o["calls_scheduled"] = m.calls_scheduled;
  o["calls_completed"] = m.calls_completed;
  o["first_seen_at"] = time_json(m.first_seen_at);
  o["last_event_at"] = time_json(m.last_event_at);
  o["last_inbound_at"] = std::move(inbound);
  o["services_clicked"] = map_json(m.services_clicked);
  o["enrolled_services"] = set_json(m.enrolled_services);
  o["purchased_services"] = set_json(m.purchased_services);
  o["custom"] = map_json(m.custom);
  o["churned_at"] = time_json(m.churned_at);
  return o;
}

}  // namespace ca::context
