// The declarative rule agent: table tests over events and contexts, and config validation.
#include <gtest/gtest.h>

#include <chrono>

#include "agent_test_support.hpp"
#include "agents/registry.hpp"

namespace ca::agents::test {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr const char* kT0 = "2026-11-24T10:00:00Z";

// One rule per interesting operator; "match": "all" so each row sees every rule that fires.
constexpr const char* kConfig = R"({
  "match": "all",
  "rules": [
    {"name": "returning", "when": [
       {"path": "event.type", "op": "equals", "value": "page_view"},
       {"path": "before.last_seen_at", "op": "time_since", "gte": "24h"}],
     "action": {"delay_minutes": 10, "message": "Welcome back {{consumer.first_name}}"}},
    {"name": "pitch", "when": [
       {"path": "event.type", "op": "in", "value": ["service_click", "email_clicked"]},
       {"path": "event.payload.service_id", "op": "exists"}],
     "action": {"channel": "email",
                "message": "{{service.name}} is {{service.price}} with {{creator.name}}"}},
    {"name": "fan", "when": [
       {"path": "event.type", "op": "equals", "value": "page_view"},
       {"path": "after.metrics.page_views", "op": "gte", "value": 3},
       {"path": "after.stage", "op": "equals", "value": "interested"}],
     "action": {"message": "You keep coming back, {{consumer.name}}!"}},
    {"name": "big_spender", "when": [
       {"path": "event.type", "op": "equals", "value": "payment_success"},
       {"path": "event.payload.amount_minor", "op": "gt", "value": 100000}],
     "action": {"message": "Thank you!"}}
  ]})";

struct Row {
  const char* what;
  const char* type;
  const char* payload;
  int hours_after_previous;
  std::vector<std::string> fired;  // rule names, in order
};

TEST(RuleAgent, TableOfEventsOverOneConsumersLife) {
  Scenario s("rule", kConfig);
  const std::vector<Row> rows = {
      {"first view: nothing", "page_view", "{}", 0, {}},
      {"view within 2 h", "page_view", "{}", 2, {}},
      {"third view: fan", "page_view", "{}", 1, {"fan"}},
      {"return after 25 h", "page_view", "{}", 25, {"returning", "fan"}},
      {"click a service", "service_click", R"({"service_id":"svc_2"})", 0, {"pitch"}},
      {"click without id", "service_click", "{}", 0, {}},
      {"small payment", "payment_success", R"({"amount_minor":50000})", 0, {}},
      {"big payment", "payment_success", R"({"amount_minor":250000})", 0, {"big_spender"}},
  };
  Timestamp t = at(kT0);
  for (const Row& row : rows) {
    t += hours{row.hours_after_previous};
    Decision d = ok_decision(s.feed(row.type, row.payload, t));
    std::vector<std::string> fired;
    for (const PlannedAction& a : d.actions) {
      auto pos = a.metadata_json.find("\"rule\":\"");
      auto start = pos + 8;
      fired.push_back(a.metadata_json.substr(start, a.metadata_json.find('"', start) - start));
    }
    EXPECT_EQ(fired, row.fired) << row.what << " — " << d.reason;
    EXPECT_EQ(d.act, !row.fired.empty()) << row.what;
  }
}

TEST(RuleAgent, ActionTemplateUsesProductRowsAndConfiguredChannelAndDelay) {
  Scenario s("rule", kConfig);
  Decision d =
      ok_decision(s.feed("service_click", R"({"service_id":"svc_1","price":"1"})", at(kT0)));
  ASSERT_EQ(d.actions.size(), 1U);
  EXPECT_EQ(d.actions[0].message, "Career Strategy Call is ₹1,999 with Asha Rao");
  EXPECT_EQ(d.actions[0].channel, Channel::email);
  EXPECT_EQ(d.actions[0].send_at, at(kT0));

  ASSERT_TRUE(ok_decision(s.feed("page_view", "{}", at(kT0))).actions.empty());
  Decision back = ok_decision(s.feed("page_view", "{}", at(kT0) + hours{30}));
  ASSERT_FALSE(back.actions.empty());
  EXPECT_EQ(back.actions[0].message, "Welcome back Ravi");
  EXPECT_EQ(back.actions[0].channel, Channel::whatsapp);
  EXPECT_EQ(back.actions[0].send_at, at(kT0) + hours{30} + minutes{10});
}

TEST(RuleAgent, ServiceTemplateNeedsAKnownService) {
  Scenario s("rule", kConfig);
  Decision d = ok_decision(s.feed("service_click", R"({"service_id":"unknown"})", at(kT0)));
  EXPECT_FALSE(d.act);
  EXPECT_NE(d.reason.find("no known service"), std::string::npos) << d.reason;
}

TEST(RuleAgent, FirstMatchIsTheDefault) {
  Scenario s("rule", R"({"rules":[
      {"name":"a","when":[],"action":{"message":"A"}},
      {"name":"b","when":[],"action":{"message":"B"}}]})");
  Decision d = ok_decision(s.feed("custom_thing", "{}", at(kT0)));
  ASSERT_EQ(d.actions.size(), 1U);
  EXPECT_EQ(d.actions[0].message, "A");
  EXPECT_EQ(d.reason, "matched rule a");
}

struct BadConfig {
  const char* config;
  const char* field;
};

TEST(RuleAgent, ValidationNamesTheField) {
  const std::vector<BadConfig> cases = {
      {R"({})", "config.rules"},
      {R"({"rules":[]})", "config.rules"},
      {R"({"rules":[{"name":"x","when":[],"action":{"message":"hi"}}],"extra":1})", "config.extra"},
      {R"({"rules":[{"name":"x","when":[{"path":"event.type","op":"like","value":"a"}],
          "action":{"message":"hi"}}]})",
       "config.rules[0].when[0].op"},
      {R"({"rules":[{"name":"x","when":[{"path":"event.type","op":"equals","value":"a"},
          {"path":"database.password","op":"exists"}],"action":{"message":"hi"}}]})",
       "config.rules[0].when[1].path"},
      {R"({"rules":[{"name":"x","when":[{"path":"before.metrics.page_views","op":"gt",
          "value":"many"}],"action":{"message":"hi"}}]})",
       "config.rules[0].when[0].value"},
      {R"({"rules":[{"name":"x","when":[{"path":"event.type","op":"in","value":"a"}],
          "action":{"message":"hi"}}]})",
       "config.rules[0].when[0].value"},
      {R"({"rules":[{"name":"x","when":[{"path":"before.last_seen_at","op":"time_since",
          "gte":"24 hours"}],"action":{"message":"hi"}}]})",
       "config.rules[0].when[0].gte"},
      {R"({"rules":[{"name":"x","when":[{"path":"before.last_seen_at","op":"time_since"}],
          "action":{"message":"hi"}}]})",
       "config.rules[0].when[0].gte"},
      {R"({"rules":[{"name":"x","when":[],"action":{"message":"{{consumer.password}}"}}]})",
       "config.rules[0].action.message"},
      {R"({"rules":[{"name":"x","when":[],"action":{"message":"hi","channel":"fax"}}]})",
       "config.rules[0].action.channel"},
      {R"({"rules":[{"name":"x","when":[],"action":{"message":"hi","delay_minutes":-5}}]})",
       "config.rules[0].action.delay_minutes"},
      {R"({"rules":[{"when":[],"action":{"message":"hi"}}]})", "config.rules[0].name"},
      {R"({"rules":[{"name":"ok","when":[],"action":{"message":"hi"}},
          {"name":"x","when":[]}]})",
       "config.rules[1].action"},
      {R"({"rules":[1]})", "config.rules[0]"},
      {R"(not json)", "config"},
  };
  for (const BadConfig& c : cases) {
    auto r = validate_config("rule", c.config);
    ASSERT_FALSE(r.ok()) << c.config;
    EXPECT_EQ(r.error().field, c.field) << c.config << " — " << r.error().message;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  }
  EXPECT_TRUE(validate_config("rule", kConfig).ok());
}

TEST(TriggerMatches, FiltersOverThePayload) {
  Event e;
  e.type = "service_click";
  e.payload_json = R"({"service_id":42,"amount_minor":5000,"utm":{"source":"ig"}})";
  struct Case {
    const char* filter;
    bool match;
  };
  const std::vector<Case> cases = {
      {"{}", true},
      {"", true},
      {R"({"service_id":"42"})", true},
      {R"({"service_id":42})", true},
      {R"({"service_id":"43"})", false},
      {R"({"service_id":{"in":["41","42"]}})", true},
      {R"({"amount_minor":{"gte":5000,"lt":6000}})", true},
      {R"({"amount_minor":{"gt":5000}})", false},
      {R"({"utm.source":"ig"})", true},
      {R"({"utm.source":"fb"})", false},
      {R"({"coupon":{"exists":false}})", true},
      {R"({"coupon":{"exists":true}})", false},
      {R"({"service_id":"42","utm.source":"fb"})", false},
      {R"({"service_id":{"like":"4%"}})", false},
      {R"(not json)", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(trigger_matches(c.filter, e), c.match) << c.filter;
  }
  Event no_payload;
  no_payload.payload_json = "garbage";
  EXPECT_FALSE(trigger_matches(R"({"service_id":"42"})", no_payload));
  EXPECT_TRUE(trigger_matches("{}", no_payload));
}

TEST(TriggerMatches, ValidationNamesTheField) {
  EXPECT_TRUE(validate_trigger_filter(R"({"service_id":{"in":["a"]}})", "triggers[0].filter").ok());
  auto op = validate_trigger_filter(R"({"service_id":{"like":"a"}})", "triggers[0].filter");
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.error().field, "triggers[0].filter.service_id.like");
  auto arr = validate_trigger_filter(R"([1])", "triggers[0].filter");
  ASSERT_FALSE(arr.ok());
  EXPECT_EQ(arr.error().field, "triggers[0].filter");
  auto val = validate_trigger_filter(R"({"x":[1]})", "triggers[1].filter");
  ASSERT_FALSE(val.ok());
  EXPECT_EQ(val.error().field, "triggers[1].filter.x");
}

}  // namespace
}  // namespace ca::agents::test
