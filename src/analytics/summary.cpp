#include "analytics/summary.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <cctype>
#include <set>

#include "domain/money.hpp"

namespace ca::analytics {

namespace bj = boost::json;

namespace {

constexpr const char* kStages[] = {"new", "interested", "engaged", "converted", "churned"};

// {"amount_minor": n, "currency": "INR"} from a payment payload, when both are readable.
std::optional<Money> payment_amount(const std::string& payload_json) {
  boost::system::error_code ec;
  bj::value v = bj::parse(payload_json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* amount = o.if_contains("amount_minor");
  const auto* currency = o.if_contains("currency");
  if (amount == nullptr || !amount->is_int64() || amount->get_int64() < 0) return std::nullopt;
  if (currency == nullptr || !currency->is_string()) return std::nullopt;
  std::string code(currency->as_string());
  for (auto& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (!is_currency_code(code)) return std::nullopt;
  return Money{amount->get_int64(), code};
}

std::map<std::string, std::int64_t> to_map(const std::vector<store::KeyCount>& rows,
                                           std::int64_t* total) {
  std::map<std::string, std::int64_t> out;
  for (const auto& r : rows) {
    out[r.key] += r.count;
    if (total != nullptr) *total += r.count;
  }
  return out;
}

bj::object count_object(const std::map<std::string, std::int64_t>& m) {
  bj::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

bj::array money_array(const std::map<std::string, std::int64_t>& m) {
  bj::array a;
  for (const auto& [currency, minor] : m) {
    a.push_back(bj::object{{"amount_minor", minor},
                           {"currency", currency},
                           {"display", display(Money{minor, currency})}});
  }
  return a;
}

}  // namespace

Result<store::TimeRange> parse_range(std::optional<std::string_view> from,
                                     std::optional<std::string_view> to, Timestamp now) {
  store::TimeRange r;
  r.to = now;
  if (to && !to->empty()) {
    auto t = parse_rfc3339(*to);
    if (!t) return Error::invalid("to", "to must be an RFC 3339 time, e.g. 2026-11-24T10:00:00Z");
    r.to = *t;
  }
  r.from = r.to - kDefaultRange;
  if (from && !from->empty()) {
    auto f = parse_rfc3339(*from);
    if (!f) {
      return Error::invalid("from", "from must be an RFC 3339 time, e.g. 2026-11-24T10:00:00Z");
    }
    r.from = *f;
  }
  if (r.from >= r.to) return Error::invalid("from", "from must be before to");
  if (r.to - r.from > kMaxRange) {
    return Error::invalid("from", "the range from..to may span at most 366 days");
  }
  return r;
}

std::chrono::microseconds bucket_for(const store::TimeRange& r) {
  if (r.to - r.from <= std::chrono::hours(48)) return std::chrono::hours(1);
  return std::chrono::hours(24);
}

Result<Summary> summarize(store::Tx& tx, const Tenant& t, const store::TimeRange& r) {
  Summary s;
  s.range = r;
  s.bucket = bucket_for(r);
  auto& a = tx.analytics();

  for (const char* stage : kStages) s.funnel[stage] = 0;
  auto stages = a.consumers_by_stage(t, r);
  if (!stages) return std::move(stages).error();
  for (const auto& k : *stages) s.funnel[k.key] += k.count;

  auto events = a.events_by_type(t, r);
  if (!events) return std::move(events).error();
  s.events_by_type = to_map(*events, &s.events);
  auto invocations = a.invocations_by_status(t, r);
  if (!invocations) return std::move(invocations).error();
  s.invocations_by_status = to_map(*invocations, &s.invocations);

  auto actions = a.actions_breakdown(t, r);
  if (!actions) return std::move(actions).error();
  s.actions = std::move(*actions);
  for (const auto& c : s.actions) {
    s.messages_by_status[c.status] += c.count;
    s.messages_by_channel[c.channel][c.status] += c.count;
    if (c.skip_reason) s.skips_by_reason[*c.skip_reason] += c.count;
  }
  auto messaged = a.messaged_consumers(t, r);
  if (!messaged) return std::move(messaged).error();
  s.messaged_consumers = *messaged;

  auto event_series = a.event_series(t, r, s.bucket);
  if (!event_series) return std::move(event_series).error();
  s.event_series = std::move(*event_series);
  auto message_series = a.message_series(t, r, s.bucket);
  if (!message_series) return std::move(message_series).error();
  s.message_series = std::move(*message_series);
  for (const auto& b : s.message_series) s.messages_out += b.count;

  auto payments = a.payments(t, r, kAttributionWindow);
  if (!payments) return std::move(payments).error();
  std::set<std::string> converted, converted_messaged;
  std::map<std::int64_t, std::int64_t> per_bucket;
  for (const auto& p : *payments) {
    ++s.conversions;
    converted.insert(p.consumer_id);
    if (p.messaged_before) {
      ++s.attributed_conversions;
      converted_messaged.insert(p.consumer_id);
    }
    if (auto m = payment_amount(p.payload_json)) {
      s.revenue_minor[m->currency] += m->amount_minor;
      if (p.messaged_before) s.attributed_revenue_minor[m->currency] += m->amount_minor;
    }
    ++per_bucket[(p.occurred_at - r.from) / s.bucket];
  }
  s.converted_consumers = static_cast<std::int64_t>(converted.size());
  s.converted_consumers_messaged = static_cast<std::int64_t>(converted_messaged.size());
  for (const auto& [b, n] : per_bucket) s.conversion_series.push_back({b, n});
  return s;
}

bj::object summary_json(const Summary& s, const std::optional<std::string>& creator_id) {
  bj::object out;
  out["from"] = format_rfc3339(s.range.from);
  out["to"] = format_rfc3339(s.range.to);
  out["creator_id"] = creator_id ? bj::value(*creator_id) : bj::value(nullptr);

  bj::array funnel;
  for (const char* stage : kStages) {
    funnel.push_back(bj::object{{"stage", stage}, {"consumers", s.funnel.at(stage)}});
  }
  out["funnel"] = std::move(funnel);
  out["events"] = bj::object{{"total", s.events}, {"by_type", count_object(s.events_by_type)}};
  out["invocations"] =
      bj::object{{"total", s.invocations}, {"by_status", count_object(s.invocations_by_status)}};

  bj::object by_channel;
  for (const auto& [channel, statuses] : s.messages_by_channel) {
    by_channel[channel] = count_object(statuses);
  }
  std::int64_t planned = 0;
  for (const auto& [status, n] : s.messages_by_status) planned += n;
  out["messages"] = bj::object{{"total", planned},
                               {"sent", s.messages_out},
                               {"by_status", count_object(s.messages_by_status)},
                               {"by_channel", std::move(by_channel)},
                               {"skipped_by_reason", count_object(s.skips_by_reason)},
                               {"consumers_messaged", s.messaged_consumers}};

  out["conversions"] =
      bj::object{{"total", s.conversions},
                 {"consumers", s.converted_consumers},
                 {"attributed", s.attributed_conversions},
                 {"attributed_consumers", s.converted_consumers_messaged},
                 {"attribution_window_hours",
                  std::chrono::duration_cast<std::chrono::hours>(kAttributionWindow).count()},
                 {"revenue", money_array(s.revenue_minor)},
                 {"attributed_revenue", money_array(s.attributed_revenue_minor)}};

  // Every bucket of the range, zeros included, so charts need no gap filling.
  const std::int64_t buckets =
      (s.range.to - s.range.from + s.bucket - std::chrono::microseconds(1)) / s.bucket;
  auto fill = [buckets](const std::vector<store::BucketCount>& rows) {
    std::vector<std::int64_t> v(static_cast<size_t>(buckets), 0);
    for (const auto& b : rows) {
      if (b.bucket >= 0 && b.bucket < buckets) v[static_cast<size_t>(b.bucket)] += b.count;
    }
    return v;
  };
  const auto ev = fill(s.event_series);
  const auto msg = fill(s.message_series);
  const auto conv = fill(s.conversion_series);
  bj::array points;
  for (std::int64_t i = 0; i < buckets; ++i) {
    const auto idx = static_cast<size_t>(i);
    points.push_back(bj::object{{"t", format_rfc3339(s.range.from + s.bucket * i)},
                                {"events", ev[idx]},
                                {"messages", msg[idx]},
                                {"conversions", conv[idx]}});
  }
  out["series"] = bj::object{{"bucket", s.bucket == std::chrono::hours(1) ? "hour" : "day"},
                             {"points", std::move(points)}};
  return out;
}

}  // namespace ca::analytics
