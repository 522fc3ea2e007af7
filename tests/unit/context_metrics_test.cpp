// The metrics JSON (stored and served, so its keys are API), its bounds, and the queries.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <limits>
#include <string>

#include "context/metrics.hpp"
#include "context/queries.hpp"
#include "context/rules.hpp"

namespace ca::context {
namespace {
namespace bj = boost::json;
using std::chrono::hours;
using std::chrono::minutes;

const Timestamp kT0 = *parse_rfc3339("2026-11-24T10:00:00Z");

Metrics full() {
  Metrics m;
  m.events = 20;
  m.page_views = 3;
  m.service_clicks = 4;
  m.bookings_created = 2;
  m.bookings_cancelled = 1;
  m.payments = 1;
  m.payment_failures = 1;
  m.revenue_minor = {{"INR", 499900}, {"USD", 4999}};
  m.replies = 2;
  m.emails_opened = 5;
  m.emails_clicked = 1;
  m.calls_scheduled = 1;
  m.calls_completed = 1;
  m.first_seen_at = kT0;
  m.last_event_at = kT0 + hours{30};
  m.last_inbound_at = {{Channel::whatsapp, kT0 + hours{2}}, {Channel::email, kT0 + hours{3}}};
  m.services_clicked = {{"s1", 3}, {"42", 1}};
  m.enrolled_services = {"s1", "s2"};
  m.purchased_services = {"s1"};
  m.custom = {{"webinar_joined", 2}};
  m.churned_at = kT0 + hours{40};
  return m;
}

Event event(std::string type, std::string payload, Timestamp at = kT0) {
  Event e;
  e.type = std::move(type);
  e.payload_json = std::move(payload);
  e.occurred_at = at;
  e.received_at = at;
  return e;
}

TEST(ContextMetrics, RoundTripsThroughJson) {
  Metrics m = full();
  EXPECT_EQ(parse_metrics(to_json(m)), m);
  EXPECT_EQ(parse_metrics(to_json(Metrics{})), Metrics{});
  EXPECT_EQ(to_json(parse_metrics(to_json(m))), to_json(m));  // stable text
}

TEST(ContextMetrics, JsonHasStableSnakeCaseKeys) {
  bj::value v = bj::parse(to_json(full()));
  const bj::object& o = v.as_object();
  for (const char* key : {"events",
                          "page_views",
                          "service_clicks",
                          "bookings_created",
                          "bookings_cancelled",
                          "active_bookings",
                          "payments",
                          "payment_failures",
                          "revenue",
                          "replies",
                          "emails_opened",
                          "emails_clicked",
                          "calls_scheduled",
                          "calls_completed",
                          "first_seen_at",
                          "last_event_at",
                          "last_inbound_at",
                          "services_clicked",
                          "enrolled_services",
                          "purchased_services",
                          "custom",
                          "churned_at"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
  EXPECT_EQ(o.size(), 22U);
  EXPECT_EQ(o.at("active_bookings").as_int64(), 1);
  EXPECT_EQ(o.at("revenue").at("INR").as_int64(), 499900);
  EXPECT_EQ(o.at("last_inbound_at").at("whatsapp").as_string(), "2026-11-24T12:00:00Z");
  EXPECT_TRUE(bj::parse(to_json(Metrics{})).as_object().at("churned_at").is_null());
}

TEST(ContextMetrics, ToleratesAnythingStored) {
  for (const char* bad : {"", "null", "[]", "42", "{", "\"x\"", "{\"page_views\":"}) {
    EXPECT_EQ(parse_metrics(bad), Metrics{}) << bad;
  }
  Metrics m = parse_metrics(R"({"page_views":-1,"service_clicks":"3","payments":2.0,
      "replies":18446744073709551615,"events":7,"revenue":{"INR":-5,"usd":3,"EUR":10},
      "first_seen_at":"yesterday","last_inbound_at":{"fax":"2026-11-24T10:00:00Z","email":1},
      "services_clicked":[1],"enrolled_services":["s1",2,""],"custom":{"a":"b","c":1},
      "active_bookings":99})");
  Metrics want;
  want.events = 7;
  want.revenue_minor = {{"EUR", 10}};
  want.enrolled_services = {"s1"};
  want.custom = {{"c", 1}};
  EXPECT_EQ(m, want);
}

TEST(ContextMetrics, MapsAreBounded) {
  ConsumerContext ctx;
  for (int i = 0; i < 150; ++i) {
    std::string id = std::to_string(i);
    ctx = apply_event(ctx, event("service_click", R"({"service_id":")" + id + "\"}"));
    ctx = apply_event(ctx, event("booking_created", R"({"service_id":")" + id + "\"}"));
    ctx = apply_event(ctx, event("custom_" + id, "{}"));
  }
  for (int i = 0; i < 25; ++i) {
    std::string code = {'A', 'A', static_cast<char>('A' + i)};
    ctx = apply_event(
        ctx, event("payment_success", R"({"amount_minor":1,"service_id":"p)" + std::to_string(i) +
                                          R"(","currency":")" + code + "\"}"));
  }
  ctx = apply_event(ctx, event("service_click", R"({"service_id":"0"})"));  // existing key
  ctx = apply_event(ctx,
                    event("service_click",
                          R"({"service_id":")" + std::string(kMaxServiceIdBytes + 1, 'x') + "\"}"));
  ctx = apply_event(ctx, event(std::string(kMaxCustomTypeBytes + 1, 'x'), "{}"));

  Metrics m = parse_metrics(ctx.metrics_json);
  EXPECT_EQ(m.service_clicks, 152);  // totals always count
  EXPECT_EQ(m.services_clicked.size(), kMaxServices);
  EXPECT_EQ(m.services_clicked.at("0"), 2);  // existing keys keep counting
  EXPECT_EQ(m.enrolled_services.size(), kMaxServices);
  EXPECT_EQ(m.purchased_services.size(), 25U);
  EXPECT_EQ(m.custom.size(), kMaxCustomTypes);
  EXPECT_EQ(m.revenue_minor.size(), kMaxCurrencies);
  EXPECT_EQ(m.payments, 25);
  EXPECT_EQ(m.events, 450 + 25 + 3);
  EXPECT_EQ(parse_metrics(to_json(m)), m);
}

TEST(ContextMetrics, RevenueSaturatesInsteadOfOverflowing) {
  ConsumerContext ctx;
  const std::string big = std::to_string(std::numeric_limits<std::int64_t>::max() - 1);
  for (int i = 0; i < 2; ++i) {
    ctx = apply_event(
        ctx, event("payment_success", R"({"amount_minor":)" + big + R"(,"currency":"INR"})"));
  }
  EXPECT_EQ(parse_metrics(ctx.metrics_json).revenue_minor.at("INR"),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(saturating_add(std::numeric_limits<std::int64_t>::min(), -1),
            std::numeric_limits<std::int64_t>::min());
}

TEST(ContextQueries, ServicesClickedEnrolledPurchased) {
  Metrics m = full();
  EXPECT_TRUE(clicked(m, "s1"));
  EXPECT_TRUE(clicked(m, "42"));
  EXPECT_FALSE(clicked(m, "s2"));
  EXPECT_EQ(clicks_on(m, "s1"), 3);
  EXPECT_EQ(clicks_on(m, "nope"), 0);
  EXPECT_TRUE(enrolled_in(m, "s2"));
  EXPECT_FALSE(enrolled_in(m, "42"));
  EXPECT_TRUE(purchased(m, "s1"));
  EXPECT_FALSE(purchased(m, "s2"));
}

TEST(ContextQueries, WhatsappWindowFollowsTheLastInboundMessage) {
  struct Row {
    std::optional<minutes> inbound;  // relative to kT0
    minutes now;
    bool open;
  };
  const std::vector<Row> rows = {
      {std::nullopt, minutes{0}, false},
      {minutes{0}, minutes{0}, true},
      {minutes{0}, minutes{24 * 60 - 1}, true},
      {minutes{0}, minutes{24 * 60}, false},
  };
  for (const Row& r : rows) {
    Metrics m;
    if (r.inbound) m.last_inbound_at[Channel::whatsapp] = kT0 + *r.inbound;
    m.last_inbound_at[Channel::email] = kT0 + r.now;  // email never opens the window
    EXPECT_EQ(whatsapp_window_open(m, kT0 + r.now), r.open) << r.now.count();
  }

  // End to end: a late WhatsApp message does not move the window back.
  ConsumerContext ctx;
  ctx = apply_event(ctx, event("whatsapp_message_received", "{}", kT0 + hours{10}));
  ctx = apply_event(ctx, event("whatsapp_message_received", "{}", kT0 + hours{1}));
  Metrics m = parse_metrics(ctx.metrics_json);
  EXPECT_EQ(last_inbound_at(m, Channel::whatsapp), kT0 + hours{10});
  EXPECT_EQ(last_inbound_at(m, Channel::email), std::nullopt);
  EXPECT_TRUE(whatsapp_window_open(m, kT0 + hours{33}));
  EXPECT_FALSE(whatsapp_window_open(m, kT0 + hours{34}));
}

}  // namespace
}  // namespace ca::context
