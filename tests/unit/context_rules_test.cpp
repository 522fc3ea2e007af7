// The consumer-context rules, table-driven: a starting context, a sequence of events, and
// what the context must look like after them.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "context/metrics.hpp"
#include "context/queries.hpp"
#include "context/rules.hpp"

namespace ca::context {
namespace {
namespace bj = boost::json;
using std::chrono::hours;
using std::chrono::minutes;

const Timestamp kT0 = *parse_rfc3339("2026-11-24T10:00:00Z");
Timestamp at_min(int m) { return kT0 + minutes{m}; }

struct Ev {
  std::string type;
  int minute = 0;  // occurred_at = kT0 + minute
  std::string payload = "{}";
  std::string source = "api";
};

Event make_event(const Ev& e) {
  Event ev;
  ev.id = "ev";
  ev.creator_id = "cr_1";
  ev.consumer_id = "co_1";
  ev.type = e.type;
  ev.source = e.source;
  ev.occurred_at = at_min(e.minute);
  ev.received_at = at_min(e.minute) + minutes{1};
  ev.payload_json = e.payload;
  return ev;
}

ConsumerContext fresh() {
  ConsumerContext c;
  c.consumer_id = "co_1";
  c.creator_id = "cr_1";
  return c;
}

ConsumerContext run(ConsumerContext ctx, const std::vector<Ev>& events) {
  for (const auto& e : events) ctx = apply_event(ctx, make_event(e));
  return ctx;
}

// Every key of `expected` must be in `actual` with the same value (objects recursively);
// a nested empty object `{}` demands an empty object.
bool json_subset(const bj::value& actual, const bj::value& expected, std::string& where,
                 bool top = true) {
  if (expected.is_object()) {
    if (!actual.is_object()) return false;
    if (!top && expected.get_object().empty()) return actual.get_object().empty();
    for (const auto& kv : expected.get_object()) {
      const bj::value* a = actual.get_object().if_contains(kv.key());
      where += "." + std::string(kv.key());
      if (a == nullptr || !json_subset(*a, kv.value(), where, false)) return false;
      where.resize(where.size() - kv.key().size() - 1);
    }
    return true;
  }
  return actual == expected;
}

struct Case {
  std::string name;
  ConsumerContext start;
  std::vector<Ev> events;
  Stage stage;
  std::string metrics;               // a subset of the resulting metrics JSON
  std::optional<int> last_seen_min;  // nullopt: never seen
  double min_score = 0, max_score = 100;
};

ConsumerContext with(Stage stage, std::string metrics, std::optional<int> last_seen_min) {
  ConsumerContext c = fresh();
  c.stage = stage;
  c.metrics_json = std::move(metrics);
  if (last_seen_min) c.last_seen_at = at_min(*last_seen_min);
  return c;
}

const ConsumerContext kConverted =
    with(Stage::converted,
         R"({"payments":1,"revenue":{"INR":49900},"purchased_services":["s1"],)"
         R"("enrolled_services":["s1"]})",
         0);
// Churned at minute 120, last seen at minute 60.
const ConsumerContext kChurned =
    with(Stage::churned,
         R"({"page_views":5,"service_clicks":1,"churned_at":"2026-11-24T12:00:00Z"})", 60);

// One row per scenario. Layout kept by hand so the table reads as a table.
// clang-format off
std::vector<Case> cases() {
  const std::string pay_inr = R"({"amount_minor":49900,"currency":"INR","service_id":"s1"})";
  const std::string s1 = R"({"service_id":"s1"})";
  return {
    // ---- every known type ----
    {"first page view stays new", fresh(), {{"page_view"}}, Stage::new_,
     R"({"events":1,"page_views":1,"first_seen_at":"2026-11-24T10:00:00Z"})", 0, 1, 5},
    {"second page view is interest", fresh(), {{"page_view"}, {"page_view", 5}}, Stage::interested,
     R"({"page_views":2,"last_event_at":"2026-11-24T10:05:00Z"})", 5},
    {"service click", fresh(), {{"service_click", 0, s1}}, Stage::interested,
     R"({"service_clicks":1,"services_clicked":{"s1":1}})", 0},
    {"three service clicks engage", fresh(),
     {{"service_click", 0, s1}, {"service_click", 1, R"({"service_id":"s2"})"},
      {"service_click", 2, s1}},
     Stage::engaged, R"({"service_clicks":3,"services_clicked":{"s1":2,"s2":1}})", 2},
    {"numeric Topmate service id", fresh(), {{"service_click", 0, R"({"service_id":42})"}},
     Stage::interested, R"({"services_clicked":{"42":1}})", 0},
    {"booking created", fresh(), {{"booking_created", 0, s1}}, Stage::engaged,
     R"({"bookings_created":1,"active_bookings":1,"enrolled_services":["s1"]})", 0},
    {"unpaid booking cancelled un-enrols", fresh(),
     {{"booking_created", 0, s1}, {"booking_cancelled", 9, s1}}, Stage::engaged,
     R"({"bookings_created":1,"bookings_cancelled":1,"active_bookings":0,
         "enrolled_services":[]})", 9},
    {"cancelling an unseen booking stays at zero", fresh(), {{"booking_cancelled"}},
     Stage::interested, R"({"bookings_cancelled":1,"active_bookings":0})", 0},
    {"payment success converts", fresh(), {{"payment_success", 0, pay_inr}}, Stage::converted,
     R"({"payments":1,"revenue":{"INR":49900},"enrolled_services":["s1"],
         "purchased_services":["s1"]})", 0, 80, 100},
    {"payment failed engages", fresh(), {{"payment_failed", 0, pay_inr}}, Stage::engaged,
     R"({"payment_failures":1,"payments":0,"revenue":{},"enrolled_services":[]})", 0},
    {"email opened is no signal", fresh(), {{"email_opened"}}, Stage::new_,
     R"({"emails_opened":1})", 0},
    {"email clicked", fresh(), {{"email_clicked"}}, Stage::interested,
     R"({"emails_clicked":1})", 0},
    {"email reply", fresh(), {{"email_replied", 3}}, Stage::engaged,
     R"({"replies":1,"last_inbound_at":{"email":"2026-11-24T10:03:00Z"}})", 3},
    {"whatsapp message", fresh(), {{"whatsapp_message_received", 4, "", "webhook"}}, Stage::engaged,
     R"({"replies":1,"last_inbound_at":{"whatsapp":"2026-11-24T10:04:00Z"}})", 4},
    {"call scheduled", fresh(), {{"call_scheduled"}}, Stage::engaged,
     R"({"calls_scheduled":1})", 0},
    {"call completed is not a conversion", fresh(), {{"call_completed"}}, Stage::engaged,
     R"({"calls_completed":1,"payments":0})", 0},
    {"custom types counted, no stage", fresh(),
     {{"webinar_joined"}, {"webinar_joined", 1}, {"quiz_done", 2}}, Stage::new_,
     R"({"events":3,"custom":{"webinar_joined":2,"quiz_done":1}})", 2},
    // ---- never downgrade ----
    {"converted survives cancel and failure", kConverted,
     {{"booking_cancelled", 10, s1}, {"payment_failed", 11}, {"page_view", 12}}, Stage::converted,
     R"({"bookings_cancelled":1,"enrolled_services":["s1"]})", 12, 80, 100},
    {"engaged ignores weaker signals", with(Stage::engaged, "{}", 0),
     {{"page_view", 1}, {"email_opened", 2}}, Stage::engaged, R"({"page_views":1})", 2},
    // ---- revenue ----
    {"revenue per currency", fresh(),
     {{"payment_success", 0, R"({"amount_minor":49900,"currency":"INR"})"},
      {"payment_success", 1, R"({"amount_minor":999,"currency":"usd"})"},
      {"payment_success", 2, R"({"amount_minor":100,"currency":"INR"})"}},
     Stage::converted, R"({"payments":3,"revenue":{"INR":50000,"USD":999}})", 2},
    // ---- malformed payloads feed nothing, the event still counts ----
    {"malformed payloads", fresh(),
     {{"payment_success", 0, "not json"},
      {"payment_success", 1, "[1,2]"},
      {"payment_success", 2, R"({"amount_minor":-5,"currency":"INR"})"},
      {"payment_success", 3, R"({"amount_minor":12.5,"currency":"INR"})"},
      {"payment_success", 4, R"({"amount_minor":"100","currency":"INR"})"},
      {"payment_success", 5, R"({"amount_minor":100,"currency":"RUPEES"})"},
      {"payment_success", 6, R"({"amount_minor":100})"},
      {"service_click", 7, R"({"service_id":{}})"},
      {"service_click", 8, R"({"service_id":""})"},
      {"service_click", 9, R"({"service_id":-3})"},
      {"service_click", 10, R"({"service_id":null, "x":)"},
      {"booking_created", 11, R"({"service_id":[1]})"}},
     Stage::converted,
     R"({"events":12,"payments":7,"revenue":{},"service_clicks":4,"services_clicked":{},
         "bookings_created":1,"enrolled_services":[],"purchased_services":[]})", 11},
    {"garbage stored metrics read as empty", with(Stage::new_, "][", std::nullopt),
     {{"page_view"}}, Stage::new_, R"({"events":1,"page_views":1})", 0},
    {"stored metrics continue counting", with(Stage::new_, R"({"page_views":1})", 0),
     {{"page_view", 30}}, Stage::interested, R"({"page_views":2})", 30},
    // ---- late events ----
    {"late events count but do not move last_seen", with(Stage::new_, "{}", 600),
     {{"page_view", 100}, {"email_clicked", 50}}, Stage::interested,
     R"({"page_views":1,"emails_clicked":1,"last_event_at":"2026-11-24T11:40:00Z"})", 600},
    {"a late event moves first_seen back", fresh(), {{"page_view", 60}, {"page_view", 10}},
     Stage::interested, R"({"first_seen_at":"2026-11-24T10:10:00Z"})", 60},
    // ---- churn ----
    {"explicit churn", with(Stage::engaged, "{}", 10), {{"consumer_churned", 20, "", "system"}},
     Stage::churned,
     R"({"churned_at":"2026-11-24T10:20:00Z","custom":{"consumer_churned":1}})", 10},
    {"even a customer can churn", kConverted, {{"consumer_churned", 20}}, Stage::churned,
     "{}", 0, 0, 60},
    {"a stale churn mark is ignored", with(Stage::engaged, "{}", 30), {{"consumer_churned", 20}},
     Stage::engaged, R"({"churned_at":"2026-11-24T10:20:00Z"})", 30},
    {"churned comes back as interested", kChurned, {{"page_view", 200}}, Stage::interested,
     R"({"page_views":6})", 200},
    {"churned comes back and replies", kChurned, {{"email_replied", 200}}, Stage::engaged,
     "{}", 200},
    {"churned comes back and pays", kChurned, {{"payment_success", 200, pay_inr}},
     Stage::converted, "{}", 200, 80, 100},
    {"late activity from before the churn keeps churned", kChurned, {{"page_view", 90}},
     Stage::churned, R"({"page_views":6})", 90},
    {"agent reports do not revive", kChurned, {{"whatsapp_sent", 300, "{}", "agent"}},
     Stage::churned, R"({"custom":{"whatsapp_sent":1}})", 60},
  };
}
// clang-format on

TEST(ContextRules, Table) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    ConsumerContext after = run(c.start, c.events);
    EXPECT_EQ(to_string(after.stage), std::string(to_string(c.stage)));

    std::error_code ec;
    bj::value expected = bj::parse(c.metrics, ec);
    ASSERT_FALSE(ec) << "bad expectation JSON";
    bj::value actual = bj::parse(after.metrics_json, ec);
    ASSERT_FALSE(ec) << after.metrics_json;
    std::string where;
    EXPECT_TRUE(json_subset(actual, expected, where)) << where << " in " << after.metrics_json;

    if (c.last_seen_min) {
      ASSERT_TRUE(after.last_seen_at);
      EXPECT_EQ(format_rfc3339(*after.last_seen_at), format_rfc3339(at_min(*c.last_seen_min)));
    } else {
      EXPECT_FALSE(after.last_seen_at);
    }
    EXPECT_GE(after.lead_score, c.min_score);
    EXPECT_LE(after.lead_score, c.max_score);
  }
}

// The ingest transaction advances one parsed state through all of a consumer's events;
// it must land exactly where apply_event, one JSON round trip per event, does.
TEST(ContextRules, AdvancingOneStateEqualsApplyingEventByEvent) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    ContextState state = load_state(c.start);
    ConsumerContext stepwise = c.start;
    for (const Ev& e : c.events) {
      advance(state, make_event(e));
      stepwise = apply_event(stepwise, make_event(e));
      ConsumerContext batched = to_context(state);
      EXPECT_EQ(batched.stage, stepwise.stage);
      EXPECT_EQ(batched.last_seen_at, stepwise.last_seen_at);
      EXPECT_DOUBLE_EQ(batched.lead_score, stepwise.lead_score);
      EXPECT_EQ(batched.updated_at, stepwise.updated_at);
      EXPECT_EQ(batched.metrics_json, stepwise.metrics_json);
      EXPECT_EQ(parse_metrics(batched.metrics_json), state.metrics);
    }
  }
}

TEST(ContextRules, CarriesIdsAttributesAndTakesLatestUpdatedAt) {
  ConsumerContext before = fresh();
  before.attributes_json = R"({"utm":"ig"})";
  before.updated_at = at_min(500);
  Event e = make_event({"page_view", 10});  // received at minute 11: older than updated_at
  ConsumerContext after = apply_event(before, e);
  EXPECT_EQ(after.consumer_id, "co_1");
  EXPECT_EQ(after.creator_id, "cr_1");
  EXPECT_EQ(after.attributes_json, before.attributes_json);
  EXPECT_EQ(after.updated_at, at_min(500));
  e.received_at = at_min(900);
  EXPECT_EQ(apply_event(before, e).updated_at, at_min(900));
}

// The original platform overwrote last_seen_at before agents looked, so "returning after
// 24 h" never fired. The answer must come from the context *before* the event.
TEST(ContextRules, ReturningAfter24HoursIsDecidedOnTheContextBefore) {
  struct Gap {
    std::optional<int> last_seen_min;
    int event_min;
    std::optional<minutes> away;
    bool returning;
  };
  const int day = 24 * 60;
  const std::vector<Gap> gaps = {
      {std::nullopt, 0, std::nullopt, false},  // first ever event: not a return
      {0, day - 1, minutes{day - 1}, false},
      {0, day, minutes{day}, true},
      {0, 3 * day, minutes{3 * day}, true},
      {3 * day, day, minutes{0}, false},  // a late event is not a return
      {0, 0, minutes{0}, false},
  };
  for (const Gap& g : gaps) {
    SCOPED_TRACE(g.event_min);
    ConsumerContext before = with(Stage::interested, "{}", g.last_seen_min);
    Event e = make_event({"page_view", g.event_min});
    auto away = time_since_last_seen(before, e.occurred_at);
    EXPECT_EQ(away.has_value(), g.away.has_value());
    if (away && g.away) {
      EXPECT_EQ(*away, std::chrono::microseconds(*g.away));
    }
    EXPECT_EQ(is_return_after(before, e.occurred_at, hours{24}), g.returning);

    // After applying, the same question would (wrongly) say "just now": hence keep `before`.
    ConsumerContext after = apply_event(before, e);
    EXPECT_FALSE(is_return_after(after, e.occurred_at, hours{24}));
  }
}

TEST(ContextRules, KnownTypesAndConsumerActivity) {
  for (const char* t :
       {"page_view", "service_click", "booking_created", "booking_cancelled", "payment_success",
        "payment_failed", "email_opened", "email_clicked", "email_replied",
        "whatsapp_message_received", "call_scheduled", "call_completed"}) {
    EXPECT_TRUE(is_known_event_type(t)) << t;
  }
  EXPECT_FALSE(is_known_event_type("consumer_churned"));
  EXPECT_FALSE(is_known_event_type("Page_View"));
  EXPECT_TRUE(is_consumer_activity(make_event({"page_view", 0, "{}", "webhook"})));
  EXPECT_FALSE(is_consumer_activity(make_event({"page_view", 0, "{}", "agent"})));
  EXPECT_FALSE(is_consumer_activity(make_event({"consumer_churned"})));
}

TEST(ContextRules, AgentEventsCountButDoNotMoveLastSeen) {
  ConsumerContext before = with(Stage::interested, "{}", 0);
  ConsumerContext after = apply_event(before, make_event({"message_sent", 60, "{}", "agent"}));
  EXPECT_EQ(after.last_seen_at, before.last_seen_at);
  EXPECT_EQ(parse_metrics(after.metrics_json).custom.at("message_sent"), 1);
  EXPECT_EQ(parse_metrics(after.metrics_json).first_seen_at, std::nullopt);
}

}  // namespace
}  // namespace ca::context
