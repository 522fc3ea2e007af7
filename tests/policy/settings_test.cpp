// settings_from_json: defaults, creator settings overlaid by the agent config, and errors
// that name the field.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "policy/policy.hpp"

namespace ca::policy {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TEST(PolicySettings, AbsentPolicyGivesDefaults) {
  for (auto [creator, agent] :
       {std::pair{"{}", "{}"}, std::pair{"", ""},
        std::pair{R"({"brand":"x","policy":null})", R"({"tone":"warm"})"}}) {
    auto s = settings_from_json(creator, agent);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_TRUE(s->quiet.enabled);
    EXPECT_EQ(s->quiet.start_minute, 21 * 60);
    EXPECT_EQ(s->quiet.end_minute, 9 * 60);
    EXPECT_EQ(s->whatsapp.per_day, 2);
    EXPECT_EQ(s->whatsapp.per_week, 5);
    EXPECT_EQ(s->whatsapp.min_gap, minutes{60});
    EXPECT_EQ(s->email.per_day, 2);
    EXPECT_TRUE(s->consent_required);
    EXPECT_EQ(s->max_hold, hours{48});
  }
}

TEST(PolicySettings, CreatorSettingsApply) {
  auto s = settings_from_json(R"({"policy":{
      "quiet_hours":{"enabled":true,"start":"22:30","end":"07:15"},
      "caps":{"whatsapp":{"per_day":3,"per_week":10,"min_gap_minutes":120},
              "email":{"per_day":1}},
      "consent_required":false,"max_hold_hours":12}})",
                              "{}");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->quiet.start_minute, 22 * 60 + 30);
  EXPECT_EQ(s->quiet.end_minute, 7 * 60 + 15);
  EXPECT_EQ(s->whatsapp.per_day, 3);
  EXPECT_EQ(s->whatsapp.per_week, 10);
  EXPECT_EQ(s->whatsapp.min_gap, minutes{120});
  EXPECT_EQ(s->email.per_day, 1);
  EXPECT_EQ(s->email.per_week, 5);  // untouched fields keep their defaults
  EXPECT_FALSE(s->consent_required);
  EXPECT_EQ(s->max_hold, hours{12});
}

TEST(PolicySettings, AgentConfigOverlaysCreatorFieldByField) {
  auto s = settings_from_json(
      R"({"policy":{"quiet_hours":{"start":"20:00","end":"08:00"},"caps":{"email":{"per_day":4,"per_week":9}}}})",
      R"({"policy":{"quiet_hours":{"enabled":false},"caps":{"email":{"per_day":1}}},"other":1})");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->quiet.enabled);
  EXPECT_EQ(s->quiet.start_minute, 20 * 60);  // from the creator
  EXPECT_EQ(s->quiet.end_minute, 8 * 60);
  EXPECT_EQ(s->email.per_day, 1);   // agent wins
  EXPECT_EQ(s->email.per_week, 9);  // creator's stays
  EXPECT_EQ(s->whatsapp.per_day, 2);
}

struct BadCase {
  const char* name;
  const char* creator;
  const char* agent;
  const char* field;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class PolicySettingsErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(PolicySettingsErrors, NameTheField) {
  const auto& c = GetParam();
  auto s = settings_from_json(c.creator, c.agent);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(s.error().field, c.field) << s.error().message;
  EXPECT_FALSE(s.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rows, PolicySettingsErrors,
    ::testing::Values(
        BadCase{"start_hour_25", R"({"policy":{"quiet_hours":{"start":"25:00"}}})", "{}",
                "settings.policy.quiet_hours.start"},
        BadCase{"start_not_hhmm", R"({"policy":{"quiet_hours":{"start":"9pm"}}})", "{}",
                "settings.policy.quiet_hours.start"},
        BadCase{"end_minute_60", "{}", R"({"policy":{"quiet_hours":{"end":"08:60"}}})",
                "config.policy.quiet_hours.end"},
        BadCase{"end_number", "{}", R"({"policy":{"quiet_hours":{"end":800}}})",
                "config.policy.quiet_hours.end"},
        BadCase{"enabled_string", R"({"policy":{"quiet_hours":{"enabled":"yes"}}})", "{}",
                "settings.policy.quiet_hours.enabled"},
        BadCase{"quiet_unknown_key", R"({"policy":{"quiet_hours":{"from":"21:00"}}})", "{}",
                "settings.policy.quiet_hours.from"},
        BadCase{"per_day_negative", "{}", R"({"policy":{"caps":{"email":{"per_day":-1}}}})",
                "config.policy.caps.email.per_day"},
        BadCase{"per_week_fraction", R"({"policy":{"caps":{"whatsapp":{"per_week":2.5}}}})", "{}",
                "settings.policy.caps.whatsapp.per_week"},
        BadCase{"min_gap_too_big", R"({"policy":{"caps":{"whatsapp":{"min_gap_minutes":100000}}}})",
                "{}", "settings.policy.caps.whatsapp.min_gap_minutes"},
        BadCase{"caps_unknown_channel", R"({"policy":{"caps":{"sms":{"per_day":1}}}})", "{}",
                "settings.policy.caps.sms"},
        BadCase{"caps_unknown_key", "{}", R"({"policy":{"caps":{"email":{"daily":1}}}})",
                "config.policy.caps.email.daily"},
        BadCase{"caps_channel_not_object", R"({"policy":{"caps":{"email":3}}})", "{}",
                "settings.policy.caps.email"},
        BadCase{"policy_unknown_key", R"({"policy":{"quiet":{}}})", "{}", "settings.policy.quiet"},
        BadCase{"policy_not_object", "{}", R"({"policy":[1]})", "config.policy"},
        BadCase{"consent_required_number", R"({"policy":{"consent_required":1}})", "{}",
                "settings.policy.consent_required"},
        BadCase{"max_hold_zero", R"({"policy":{"max_hold_hours":0}})", "{}",
                "settings.policy.max_hold_hours"},
        BadCase{"settings_malformed", R"({"policy":)", "{}", "settings"},
        BadCase{"config_not_object", "{}", "[]", "config"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ca::policy
