// GenericSalesAgent scenarios on a virtual clock (explicit event times).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <chrono>

#include "agent_test_support.hpp"
#include "agents/registry.hpp"

namespace ca::agents::test {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr const char* kT0 = "2026-11-24T10:00:00Z";

TEST(GenericSales, FirstPageViewActsOnceSecondImmediateViewDoesNot) {
  Scenario s("generic_sales");
  Decision first = ok_decision(s.feed("page_view", "{}", at(kT0)));
  ASSERT_TRUE(first.act) << first.reason;
  ASSERT_EQ(first.actions.size(), 1U);
  EXPECT_EQ(first.actions[0].channel, Channel::whatsapp);
  EXPECT_EQ(first.actions[0].send_at, at(kT0) + minutes{30});
  EXPECT_NE(first.actions[0].message.find("Ravi"), std::string::npos);
  EXPECT_NE(first.actions[0].message.find("Asha Rao"), std::string::npos);
  EXPECT_NE(first.actions[0].metadata_json.find("\"rule\":\"first_view\""), std::string::npos);

  Decision second = ok_decision(s.feed("page_view", "{}", at(kT0) + minutes{1}));
  EXPECT_FALSE(second.act) << second.reason;
  EXPECT_TRUE(second.actions.empty());
}

TEST(GenericSales, ReturnAfter25HoursActsAfter2HoursDoesNot) {
  Scenario s("generic_sales");
  ASSERT_TRUE(ok_decision(s.feed("page_view", "{}", at(kT0))).act);
  Decision soon = ok_decision(s.feed("page_view", "{}", at(kT0) + hours{2}));
  EXPECT_FALSE(soon.act) << soon.reason;
  // 25 h after the 2 h visit: the BEFORE context's last_seen_at decides (AFTER's is the event).
  Decision back = ok_decision(s.feed("page_view", "{}", at(kT0) + hours{27}));
  ASSERT_TRUE(back.act) << back.reason;
  EXPECT_NE(back.actions[0].message.find("Welcome back"), std::string::npos);
  EXPECT_NE(back.actions[0].metadata_json.find("return_visit"), std::string::npos);
}

TEST(GenericSales, ReturnVisitMentionsTheServiceClickedBefore) {
  Scenario s("generic_sales");
  ASSERT_TRUE(ok_decision(s.feed("page_view", "{}", at(kT0))).act);
  ASSERT_TRUE(ok_decision(s.feed("service_click", R"({"service_id":"svc_2"})", at(kT0))).act);
  Decision back = ok_decision(s.feed("page_view", "{}", at(kT0) + hours{25}));
  ASSERT_TRUE(back.act);
  EXPECT_NE(back.actions[0].message.find("Resume Review"), std::string::npos)
      << back.actions[0].message;
}

TEST(GenericSales, ClickPitchesTheClickedServiceWithPriceFromTheProduct) {
  Scenario s("generic_sales");
  Decision d = ok_decision(s.feed("service_click", R"({"service_id":"svc_2"})", at(kT0)));
  ASSERT_TRUE(d.act) << d.reason;
  const std::string& m = d.actions[0].message;
  EXPECT_NE(m.find("Resume Review"), std::string::npos) << m;
  EXPECT_NE(m.find("₹999"), std::string::npos) << m;
  EXPECT_NE(m.find("https://topmate.io/asha/2"), std::string::npos) << m;
  EXPECT_EQ(m.find("Career Strategy"), std::string::npos) << "not the first product";
  EXPECT_EQ(d.actions[0].send_at, at(kT0) + minutes{15});
  EXPECT_NE(d.actions[0].metadata_json.find("\"service_id\":\"svc_2\""), std::string::npos);
}

TEST(GenericSales, ClickMatchesByNameAndIgnoresPricesInThePayload) {
  Scenario s("generic_sales");
  Decision d = ok_decision(
      s.feed("service_click", R"({"service_name":"mock interview","price":"FREE"})", at(kT0)));
  ASSERT_TRUE(d.act) << d.reason;
  EXPECT_NE(d.actions[0].message.find("₹2,499"), std::string::npos) << d.actions[0].message;
  EXPECT_EQ(d.actions[0].message.find("FREE"), std::string::npos);
}

TEST(GenericSales, UnknownServiceIsNotPitched) {
  Scenario s("generic_sales");
  Decision d = ok_decision(s.feed("service_click", R"({"service_id":"nope"})", at(kT0)));
  EXPECT_FALSE(d.act);
  EXPECT_NE(d.reason.find("not one of"), std::string::npos) << d.reason;
}

TEST(GenericSales, EnrolledServiceIsNotPitchedButAnotherIs) {
  Scenario s("generic_sales");
  ASSERT_TRUE(ok_decision(s.feed("booking_created", R"({"service_id":"svc_1"})", at(kT0))).act);
  Decision same = ok_decision(s.feed("service_click", R"({"service_id":"svc_1"})", at(kT0)));
  EXPECT_FALSE(same.act) << same.reason;
  EXPECT_NE(same.reason.find("enrolled"), std::string::npos) << same.reason;
  Decision other = ok_decision(s.feed("service_click", R"({"service_id":"svc_2"})", at(kT0)));
  EXPECT_TRUE(other.act) << other.reason;
}

TEST(GenericSales, ConvertedConsumerIsNotPitchedTheSameServiceAgain) {
  Scenario s("generic_sales");
  ASSERT_TRUE(ok_decision(s.feed("payment_success",
                                 R"({"service_id":"svc_3","amount_minor":249900,"currency":"INR"})",
                                 at(kT0)))
                  .actions.empty());
  ASSERT_EQ(s.context().stage, Stage::converted);
  Decision d =
      ok_decision(s.feed("service_click", R"({"service_id":"svc_3"})", at(kT0) + hours{1}));
  EXPECT_FALSE(d.act) << d.reason;
}

TEST(GenericSales, RepeatClickOnTheSameServiceIsNotPitchedTwiceByDefault) {
  Scenario s("generic_sales");
  EXPECT_TRUE(ok_decision(s.feed("service_click", R"({"service_id":"svc_2"})", at(kT0))).act);
  EXPECT_FALSE(ok_decision(s.feed("service_click", R"({"service_id":"svc_2"})", at(kT0))).act);
  Scenario again("generic_sales", R"({"pitch_repeat_clicks":true})");
  EXPECT_TRUE(ok_decision(again.feed("service_click", R"({"service_id":"svc_2"})", at(kT0))).act);
  EXPECT_TRUE(ok_decision(again.feed("service_click", R"({"service_id":"svc_2"})", at(kT0))).act);
}

TEST(GenericSales, BookingCreatedIsConfirmedImmediately) {
  Scenario s("generic_sales");
  Decision d = ok_decision(s.feed("booking_created", R"({"service_id":"svc_1"})", at(kT0)));
  ASSERT_TRUE(d.act);
  EXPECT_EQ(d.actions[0].send_at, at(kT0));
  EXPECT_NE(d.actions[0].message.find("Career Strategy Call"), std::string::npos);
  EXPECT_NE(d.actions[0].message.find("confirmed"), std::string::npos);
}

TEST(GenericSales, PaymentFailedRemindsWithTheServiceLink) {
  Scenario s("generic_sales");
  Decision d = ok_decision(s.feed("payment_failed", R"({"service_id":"svc_1"})", at(kT0)));
  ASSERT_TRUE(d.act);
  EXPECT_NE(d.actions[0].message.find("https://topmate.io/asha/1"), std::string::npos);
  EXPECT_EQ(d.actions[0].send_at, at(kT0) + minutes{60});
}

TEST(GenericSales, ChannelFallsBackToEmailAndPreferenceIsHonoured) {
  Scenario s("generic_sales");
  s.consumer().whatsapp.reset();
  Decision d = ok_decision(s.feed("page_view", "{}", at(kT0)));
  ASSERT_TRUE(d.act);
  EXPECT_EQ(d.actions[0].channel, Channel::email);

  Scenario pref("generic_sales", R"({"channel":"email"})");
  EXPECT_EQ(ok_decision(pref.feed("page_view", "{}", at(kT0))).actions.at(0).channel,
            Channel::email);

  Scenario none("generic_sales");
  none.consumer().whatsapp.reset();
  none.consumer().email.reset();
  Decision n = ok_decision(none.feed("page_view", "{}", at(kT0)));
  EXPECT_FALSE(n.act);
  EXPECT_NE(n.reason.find("no WhatsApp"), std::string::npos) << n.reason;
}

// "auto" plans for a channel the consumer consented to, and WhatsApp outside the 24-hour
// window only when a template is configured (policy would skip it otherwise).
TEST(GenericSales, AutoChannelFollowsConsentWindowAndTemplate) {
  Scenario s("generic_sales");
  s.consumer().consent[Channel::email] = Consent{true, "checkout", at(kT0)};
  s.consumer().consent[Channel::whatsapp] = Consent{true, "checkout", at(kT0)};
  // Window closed, no template: consented email.
  EXPECT_EQ(ok_decision(s.feed("page_view", "{}", at(kT0))).actions.at(0).channel, Channel::email);
  // The consumer wrote on WhatsApp: the window is open.
  (void)s.feed("whatsapp_message_received", R"({"text":"hi"})", at(kT0) + hours{30});
  Decision open =
      ok_decision(s.feed("service_click", R"({"service_id":"svc_1"})", at(kT0) + hours{31}));
  ASSERT_TRUE(open.act) << open.reason;
  EXPECT_EQ(open.actions.at(0).channel, Channel::whatsapp);
  EXPECT_FALSE(open.actions.at(0).template_json.has_value());

  // Only WhatsApp consent: WhatsApp even with the window closed.
  Scenario wa("generic_sales");
  wa.consumer().consent[Channel::whatsapp] = Consent{true, "form", at(kT0)};
  EXPECT_EQ(ok_decision(wa.feed("page_view", "{}", at(kT0))).actions.at(0).channel,
            Channel::whatsapp);
}

TEST(GenericSales, WhatsAppTemplateVariablesAreRenderedAtPlanTime) {
  Scenario s("generic_sales", R"({"whatsapp_template":{
      "content_sid":"HX0123456789abcdef0123456789abcdef",
      "variables":{"1":"{{consumer.first_name}}","2":"{{service.name}}"}}})");
  s.consumer().consent[Channel::whatsapp] = Consent{true, "form", at(kT0)};
  s.consumer().consent[Channel::email] = Consent{true, "form", at(kT0)};
  s.consumer().name = "Ravi {{creator.name}}";
  Decision d = ok_decision(s.feed("service_click", R"({"service_id":"svc_2"})", at(kT0)));
  ASSERT_TRUE(d.act) << d.reason;
  ASSERT_EQ(d.actions.at(0).channel, Channel::whatsapp);  // a template makes WhatsApp usable
  ASSERT_TRUE(d.actions.at(0).template_json.has_value());
  auto t = boost::json::parse(*d.actions.at(0).template_json).as_object();
  EXPECT_EQ(t.at("content_sid").as_string(), "HX0123456789abcdef0123456789abcdef");
  EXPECT_EQ(t.at("variables").at("1").as_string(), "Ravi");
  EXPECT_EQ(t.at("variables").at("2").as_string(), "Resume Review");
}

TEST(GenericSales, ConfigDelaysAndDisabledRulesAndMessages) {
  Scenario s("generic_sales",
             R"({"delays":{"first_view_minutes":5},"rules":{"booking_confirmation":false},
                 "messages":{"first_view":"Hey {{consumer.first_name}} from {{creator.name}}"}})");
  Decision d = ok_decision(s.feed("page_view", "{}", at(kT0)));
  ASSERT_TRUE(d.act);
  EXPECT_EQ(d.actions[0].send_at, at(kT0) + minutes{5});
  EXPECT_EQ(d.actions[0].message, "Hey Ravi from Asha Rao");
  EXPECT_FALSE(ok_decision(s.feed("booking_created", "{}", at(kT0))).act);
}

TEST(GenericSales, ConsumerNameIsDataNotTemplate) {
  Scenario s("generic_sales",
             R"({"messages":{"first_view":"Hi {{consumer.name}}, see {{creator.name}}"}})");
  s.consumer().name = "{{service.price}} <b>Ignore previous instructions</b>";
  Decision d = ok_decision(s.feed("page_view", "{}", at(kT0)));
  ASSERT_TRUE(d.act);
  EXPECT_EQ(d.actions[0].message.find("₹"), std::string::npos) << d.actions[0].message;
  EXPECT_EQ(d.actions[0].message.find('<'), std::string::npos) << d.actions[0].message;
}

TEST(GenericSales, InactivityFollowupIsScheduledAndFiresOnlyIfTheConsumerStayedAway) {
  Scenario s("generic_sales");
  Decision d = ok_decision(s.feed("page_view", "{}", at(kT0)));
  ASSERT_TRUE(d.followup.has_value());
  EXPECT_EQ(d.followup->due_at, at(kT0) + hours{24 * 7});
  EXPECT_EQ(d.followup->dedupe_key, "reengagement:ag_1:co_1");

  // The consumer stays away: the follow-up fires and re-engages once.
  Decision due =
      ok_decision(s.run(make_followup_event(*d.followup, "cr_1", "co_1"), d.followup->due_at));
  ASSERT_TRUE(due.act) << due.reason;
  EXPECT_NE(due.actions[0].metadata_json.find("reengagement"), std::string::npos);
  EXPECT_FALSE(due.followup.has_value()) << "one re-engagement, not a chain";

  // A consumer who came back in between: the stale follow-up sends nothing and plans the
  // next check from the newer visit (the pending job is not moved on every event).
  Scenario back("generic_sales");
  Decision first = ok_decision(back.feed("page_view", "{}", at(kT0)));
  Decision later = ok_decision(back.feed("page_view", "{}", at(kT0) + hours{48}));
  ASSERT_TRUE(later.followup.has_value());
  EXPECT_EQ(later.followup->due_at, at(kT0) + hours{48 + 24 * 7}) << "pushed back";
  Decision stale = ok_decision(
      back.run(make_followup_event(*first.followup, "cr_1", "co_1"), first.followup->due_at));
  EXPECT_FALSE(stale.act) << stale.reason;
  EXPECT_NE(stale.reason.find("came back"), std::string::npos) << stale.reason;
  ASSERT_TRUE(stale.followup.has_value()) << "the check moves to the newer visit";
  EXPECT_EQ(stale.followup->due_at, later.followup->due_at);
  EXPECT_EQ(stale.followup->dedupe_key, later.followup->dedupe_key);
  // That next check, with the consumer still away, re-engages once.
  Decision next = ok_decision(
      back.run(make_followup_event(*stale.followup, "cr_1", "co_1"), stale.followup->due_at));
  ASSERT_TRUE(next.act) << next.reason;
  EXPECT_FALSE(next.followup.has_value());

  // The stale check ran late, past the newer visit's window: re-check at once.
  const Timestamp late = later.followup->due_at + hours{5};
  Decision overdue =
      ok_decision(back.run(make_followup_event(*first.followup, "cr_1", "co_1"), late));
  EXPECT_FALSE(overdue.act);
  ASSERT_TRUE(overdue.followup.has_value());
  EXPECT_EQ(overdue.followup->due_at, late);
}

TEST(GenericSales, NoFollowupForConvertedOrWhenDisabled) {
  Scenario s("generic_sales", R"({"thresholds":{"inactivity_days":0}})");
  EXPECT_FALSE(ok_decision(s.feed("page_view", "{}", at(kT0))).followup.has_value());
  Scenario c("generic_sales");
  Decision d = ok_decision(c.feed("payment_success", R"({"service_id":"svc_1"})", at(kT0)));
  EXPECT_FALSE(d.followup.has_value());
}

TEST(GenericSales, NoConsumerMeansNoAction) {
  Scenario s("generic_sales");
  s.without_consumer();
  Decision d = ok_decision(s.feed("page_view", "{}", at(kT0)));
  EXPECT_FALSE(d.act);
  EXPECT_FALSE(d.followup.has_value());
}

TEST(GenericSalesConfig, ValidationNamesTheField) {
  auto bad_delay = validate_config("generic_sales", R"({"delays":{"first_view_minutes":-1}})");
  ASSERT_FALSE(bad_delay.ok());
  EXPECT_EQ(bad_delay.error().field, "config.delays.first_view_minutes");
  auto unknown = validate_config("generic_sales", R"({"delays":{"first_vew_minutes":1}})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "config.delays.first_vew_minutes");
  auto channel = validate_config("generic_sales", R"({"channel":"fax"})");
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.error().field, "config.channel");
  auto tmpl =
      validate_config("generic_sales", R"({"messages":{"first_view":"Hi {{consumer.ssn}}"}})");
  ASSERT_FALSE(tmpl.ok());
  EXPECT_EQ(tmpl.error().field, "config.messages.first_view");
  auto kind = validate_config("nope", "{}");
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.error().field, "kind");
  auto sid = validate_config("generic_sales", R"({"whatsapp_template":{"content_sid":"nope"}})");
  ASSERT_FALSE(sid.ok());
  EXPECT_EQ(sid.error().field, "config.whatsapp_template.content_sid");
  auto var = validate_config(
      "generic_sales",
      R"({"whatsapp_template":{"content_sid":"HX0123456789abcdef0123456789abcdef","variables":{"1":"{{nope}}"}}})");
  ASSERT_FALSE(var.ok());
  EXPECT_EQ(var.error().field, "config.whatsapp_template.variables.1");
  auto policy = validate_config("generic_sales", R"({"policy":{"caps":{"email":{"per_day":-2}}}})");
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.error().field, "config.policy.caps.email.per_day");
  EXPECT_TRUE(
      validate_config("generic_sales", R"({"policy":{"quiet_hours":{"start":"22:00"}}})").ok());
  EXPECT_TRUE(validate_config("generic_sales", "{}").ok());
  EXPECT_FALSE(validate_config("generic_sales", "[1]").ok());
}

}  // namespace
}  // namespace ca::agents::test
