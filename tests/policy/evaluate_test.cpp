// policy::evaluate as a table: each row starts from a sendable WhatsApp action (consent
// granted, contact present, consumer in Asia/Kolkata, inbound message an hour ago, no
// history, default settings) and changes what it is about.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "policy/policy.hpp"

namespace ca::policy {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using namespace std::chrono_literals;

Timestamp at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(Timestamp{});
}

struct Case {
  ActionFacts action;
  ConsumerFacts consumer;
  History history;
  Settings settings;
  Timestamp now;
};

struct Expect {
  Verdict verdict = Verdict::send;
  std::optional<SkipReason> reason;
  const char* hold_until = nullptr;  // RFC 3339, for holds
  bool use_template = false;
};

struct Row {
  const char* name;
  const char* now;
  std::function<void(Case&)> setup;
  Expect expect;
};

Case base(Timestamp now) {
  Case c;
  c.now = now;
  c.action.channel = Channel::whatsapp;
  c.action.planned_at = now - hours{1};
  c.action.send_at = now;
  c.consumer.consent = Consent{true, "checkout", now - hours{24 * 30}};
  c.consumer.timezone = "Asia/Kolkata";
  c.consumer.has_contact = true;
  c.consumer.last_inbound_whatsapp_at = now - hours{1};
  c.settings.creator_timezone = "UTC";
  return c;
}

Expect send(bool use_template = false) {
  return {Verdict::send, std::nullopt, nullptr, use_template};
}
Expect hold(const char* until, bool use_template = false) {
  return {Verdict::hold, std::nullopt, until, use_template};
}
Expect skip(SkipReason r) { return {Verdict::skip, r, nullptr, false}; }

auto noop = [](Case&) {};
auto zone(const char* z) {
  return [z](Case& c) { c.consumer.timezone = z; };
}
auto quiet(int start, int end) {
  return [start, end](Case& c) {
    c.consumer.timezone = "America/New_York";
    c.settings.quiet = QuietHours{true, start, end};
  };
}
auto counted(std::vector<minutes> offsets) {
  return [offsets](Case& c) {
    for (auto o : offsets) c.history.counted.push_back(c.now + o);
  };
}
constexpr minutes kH{60};
constexpr minutes kD{24 * 60};

// 06:30Z is 12:00 in Kolkata; 16:00Z is 21:30 there.
const std::vector<Row> kRows = {
    // ---- quiet hours, Asia/Kolkata (UTC+05:30, no DST), default 21:00-09:00 ----
    {"kolkata_midday_sends", "2026-11-25T06:30:00Z", noop, send()},
    {"kolkata_evening_holds_to_next_9am", "2026-11-25T16:00:00Z", noop,
     hold("2026-11-26T03:30:00Z")},
    {"kolkata_after_midnight_holds_to_same_9am", "2026-11-25T20:00:00Z", noop,
     hold("2026-11-26T03:30:00Z")},
    {"kolkata_start_is_inclusive", "2026-11-25T15:30:00Z", noop, hold("2026-11-26T03:30:00Z")},
    {"kolkata_end_is_exclusive", "2026-11-25T03:30:00Z", noop, send()},
    {"kolkata_one_minute_before_start_sends", "2026-11-25T15:29:00Z", noop, send()},
    // ---- America/New_York, DST starts 2026-03-08 02:00 EST → 03:00 EDT ----
    {"ny_day_before_spring_morning_holds_to_9_est", "2026-03-07T13:00:00Z",
     zone("America/New_York"), hold("2026-03-07T14:00:00Z")},
    {"ny_spring_eve_holds_to_9_edt", "2026-03-08T03:00:00Z", zone("America/New_York"),
     hold("2026-03-08T13:00:00Z")},
    {"ny_spring_after_jump_holds_to_9_edt", "2026-03-08T07:30:00Z", zone("America/New_York"),
     hold("2026-03-08T13:00:00Z")},
    {"ny_spring_9_edt_sends", "2026-03-08T13:00:00Z", zone("America/New_York"), send()},
    {"ny_spring_end_in_skipped_hour_holds_to_jump", "2026-03-08T06:30:00Z", quiet(60, 150),
     hold("2026-03-08T07:00:00Z")},
    {"ny_spring_start_in_skipped_hour_still_quiet_after_jump", "2026-03-08T07:10:00Z",
     quiet(150, 9 * 60), hold("2026-03-08T13:00:00Z")},
    // ---- America/New_York, DST ends 2026-11-01 02:00 EDT → 01:00 EST ----
    {"ny_fall_eve_holds_to_9_est", "2026-11-01T02:00:00Z", zone("America/New_York"),
     hold("2026-11-01T14:00:00Z")},
    {"ny_fall_repeated_hour_holds_to_9_est", "2026-11-01T06:30:00Z", zone("America/New_York"),
     hold("2026-11-01T14:00:00Z")},
    {"ny_fall_end_in_repeated_hour_first_pass", "2026-11-01T05:10:00Z", quiet(21 * 60, 90),
     hold("2026-11-01T05:30:00Z")},
    {"ny_fall_end_in_repeated_hour_second_pass", "2026-11-01T06:10:00Z", quiet(21 * 60, 90),
     hold("2026-11-01T06:30:00Z")},
    {"ny_day_after_fall_back_holds_to_9_est", "2026-11-02T13:30:00Z", zone("America/New_York"),
     hold("2026-11-02T14:00:00Z")},
    {"ny_day_after_fall_back_9_est_sends", "2026-11-02T14:00:00Z", zone("America/New_York"),
     send()},
    // ---- zone fallback ----
    {"unknown_consumer_zone_uses_creator_zone", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.timezone = "Mars/Olympus_Mons";
       c.settings.creator_timezone = "America/New_York";  // 01:30 there
     },
     hold("2026-11-25T14:00:00Z")},
    {"missing_consumer_zone_uses_creator_zone", "2026-11-25T16:00:00Z",
     [](Case& c) {
       c.consumer.timezone.reset();
       c.settings.creator_timezone = "Asia/Kolkata";
     },
     hold("2026-11-26T03:30:00Z")},
    {"empty_consumer_zone_uses_creator_zone", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.timezone = "";
       c.settings.creator_timezone = "America/Los_Angeles";  // 22:30 the day before
     },
     hold("2026-11-25T17:00:00Z")},
    {"valid_consumer_zone_wins_over_creator_zone", "2026-11-25T06:30:00Z",
     [](Case& c) { c.settings.creator_timezone = "America/New_York"; }, send()},
    {"invalid_creator_and_consumer_zone_use_utc", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.timezone = "nope";
       c.settings.creator_timezone = "also/nope";
     },
     hold("2026-11-25T09:00:00Z")},
    // ---- window shapes ----
    {"non_wrapping_window_holds_to_its_end", "2026-11-25T08:00:00Z",
     [](Case& c) {
       c.settings.quiet = QuietHours{true, 13 * 60, 15 * 60};
     },
     hold("2026-11-25T09:30:00Z")},
    {"non_wrapping_window_outside_sends", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.settings.quiet = QuietHours{true, 13 * 60, 15 * 60};
     },
     send()},
    {"non_wrapping_window_after_it_sends_at_night", "2026-11-25T16:00:00Z",
     [](Case& c) {
       c.settings.quiet = QuietHours{true, 13 * 60, 15 * 60};
     },
     send()},
    {"disabled_quiet_hours_send_at_night", "2026-11-25T20:00:00Z",
     [](Case& c) { c.settings.quiet.enabled = false; }, send()},
    {"empty_window_start_equals_end_sends", "2026-11-25T20:00:00Z",
     [](Case& c) {
       c.settings.quiet = QuietHours{true, 22 * 60, 22 * 60};
     },
     send()},
    // ---- frequency caps (WhatsApp default 2/day, 5/week, 60 min gap) ----
    {"cap_one_sent_today_sends", "2026-11-25T06:30:00Z", counted({-3 * kH}), send()},
    {"cap_two_sent_today_skips", "2026-11-25T06:30:00Z", counted({-3 * kH, -2 * kH}),
     skip(SkipReason::frequency_cap)},
    {"cap_sent_and_scheduled_today_skips", "2026-11-25T06:30:00Z", counted({-3 * kH, 5 * kH}),
     skip(SkipReason::frequency_cap)},
    {"cap_two_scheduled_later_today_skips", "2026-11-25T06:30:00Z", counted({2 * kH, 5 * kH}),
     skip(SkipReason::frequency_cap)},
    {"cap_messages_older_than_a_day_do_not_count", "2026-11-25T06:30:00Z",
     counted({-25 * kH, -26 * kH}), send()},
    {"cap_rolling_day_one_each_side_sends", "2026-11-25T06:30:00Z", counted({-20 * kH, 20 * kH}),
     send()},
    {"cap_five_this_week_skips", "2026-11-25T06:30:00Z",
     counted({-2 * kD, -3 * kD, -4 * kD, -5 * kD, -6 * kD}), skip(SkipReason::frequency_cap)},
    {"cap_week_counts_scheduled", "2026-11-25T06:30:00Z",
     counted({-2 * kD, -3 * kD, -4 * kD, 1 * kD, 2 * kD}), skip(SkipReason::frequency_cap)},
    {"cap_week_rolling_not_plus_minus_seven_days", "2026-11-25T06:30:00Z",
     counted({-6 * kD, -5 * kD, 2 * kD, 3 * kD, 4 * kD}), send()},
    {"cap_four_this_week_sends", "2026-11-25T06:30:00Z",
     counted({-2 * kD, -3 * kD, -4 * kD, -5 * kD}), send()},
    {"cap_email_has_its_own_caps", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.action.channel = Channel::email;
       c.settings.email.per_day = 1;
       c.history.counted.push_back(c.now - 3 * kH);
     },
     skip(SkipReason::frequency_cap)},
    {"cap_zero_blocks_channel", "2026-11-25T06:30:00Z",
     [](Case& c) { c.settings.whatsapp.per_day = 0; }, skip(SkipReason::frequency_cap)},
    {"cap_skip_wins_over_quiet_hours", "2026-11-25T16:00:00Z", counted({-3 * kH, -2 * kH}),
     skip(SkipReason::frequency_cap)},
    // ---- minimum gap ----
    {"gap_holds_until_it_passed", "2026-11-25T06:30:00Z", counted({-30min}),
     hold("2026-11-25T07:00:00Z")},
    {"gap_passed_sends", "2026-11-25T06:30:00Z", counted({-61min}), send()},
    {"gap_counts_due_scheduled_ones", "2026-11-25T06:30:00Z", counted({0min}),
     hold("2026-11-25T07:30:00Z")},
    {"gap_ignores_later_scheduled_ones", "2026-11-25T06:30:00Z", counted({10min}), send()},
    {"gap_ending_in_quiet_hours_holds_to_morning", "2026-11-25T15:15:00Z", counted({-30min}),
     hold("2026-11-26T03:30:00Z")},
    {"gap_zero_disables_it", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.settings.whatsapp.min_gap = minutes{0};
       c.history.counted.push_back(c.now - minutes{1});
     },
     send()},
    // ---- consent ----
    {"consent_granted_sends", "2026-11-25T06:30:00Z", noop, send()},
    {"consent_never_recorded_skips", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.consent.reset(); }, skip(SkipReason::no_consent)},
    {"consent_revoked_skips", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.consent->granted = false; }, skip(SkipReason::no_consent)},
    {"consent_not_required_sends_without_record", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.consent.reset();
       c.settings.consent_required = false;
     },
     send()},
    {"consent_not_required_still_honours_revocation", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.consent->granted = false;
       c.settings.consent_required = false;
     },
     skip(SkipReason::no_consent)},
    // ---- converted since planning ----
    {"converted_after_planning_skips", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.converted_at = c.action.planned_at + minutes{5}; },
     skip(SkipReason::converted)},
    {"converted_before_planning_sends", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.converted_at = c.action.planned_at - hours{2}; }, send()},
    {"converted_at_planning_instant_sends", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.converted_at = c.action.planned_at; }, send()},
    // ---- WhatsApp 24-hour window ----
    {"window_open_sends_free_form", "2026-11-25T06:30:00Z", noop, send(false)},
    {"window_open_with_template_still_free_form", "2026-11-25T06:30:00Z",
     [](Case& c) { c.action.has_template = true; }, send(false)},
    {"window_closed_with_template_sends_template", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.last_inbound_whatsapp_at = c.now - hours{25};
       c.action.has_template = true;
     },
     send(true)},
    {"window_closed_without_template_skips", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.last_inbound_whatsapp_at = c.now - hours{25}; },
     skip(SkipReason::window_closed_no_template)},
    {"window_closes_at_exactly_24h", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.last_inbound_whatsapp_at = c.now - hours{24}; },
     skip(SkipReason::window_closed_no_template)},
    {"window_open_one_minute_before_24h", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.last_inbound_whatsapp_at = c.now - hours{24} + minutes{1}; },
     send(false)},
    {"never_wrote_without_template_skips", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.last_inbound_whatsapp_at.reset(); },
     skip(SkipReason::window_closed_no_template)},
    {"never_wrote_with_template_sends_template", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.last_inbound_whatsapp_at.reset();
       c.action.has_template = true;
     },
     send(true)},
    {"template_at_night_holds_as_template", "2026-11-25T16:00:00Z",
     [](Case& c) {
       c.consumer.last_inbound_whatsapp_at.reset();
       c.action.has_template = true;
     },
     hold("2026-11-26T03:30:00Z", true)},
    {"email_ignores_the_window", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.action.channel = Channel::email;
       c.consumer.last_inbound_whatsapp_at.reset();
     },
     send(false)},
    {"email_obeys_quiet_hours", "2026-11-25T16:00:00Z",
     [](Case& c) { c.action.channel = Channel::email; }, hold("2026-11-26T03:30:00Z")},
    // ---- contact, suppression, check order ----
    {"missing_contact_skips", "2026-11-25T06:30:00Z",
     [](Case& c) { c.consumer.has_contact = false; }, skip(SkipReason::missing_contact)},
    {"suppressed_skips", "2026-11-25T06:30:00Z", [](Case& c) { c.consumer.suppressed = true; },
     skip(SkipReason::suppressed)},
    {"missing_contact_checked_before_consent", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.has_contact = false;
       c.consumer.consent.reset();
     },
     skip(SkipReason::missing_contact)},
    {"suppressed_checked_before_consent", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.suppressed = true;
       c.consumer.consent.reset();
     },
     skip(SkipReason::suppressed)},
    {"no_consent_checked_before_converted", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.consent.reset();
       c.consumer.converted_at = c.now;
     },
     skip(SkipReason::no_consent)},
    {"converted_checked_before_window", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.converted_at = c.now;
       c.consumer.last_inbound_whatsapp_at.reset();
     },
     skip(SkipReason::converted)},
    {"window_checked_before_caps", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.consumer.last_inbound_whatsapp_at.reset();
       c.history.counted = {c.now - kH * 3, c.now - kH * 2};
     },
     skip(SkipReason::window_closed_no_template)},
    // ---- holds that would end too late ----
    {"hold_past_max_hold_expires", "2026-11-25T16:00:00Z",
     [](Case& c) { c.action.send_at = c.now - hours{40}; }, skip(SkipReason::quiet_hours_expired)},
    {"hold_within_max_hold_holds", "2026-11-25T16:00:00Z",
     [](Case& c) { c.action.send_at = c.now - hours{30}; }, hold("2026-11-26T03:30:00Z")},
    {"short_max_hold_expires_overnight_hold", "2026-11-25T16:00:00Z",
     [](Case& c) { c.settings.max_hold = hours{2}; }, skip(SkipReason::quiet_hours_expired)},
    {"short_max_hold_allows_short_gap_hold", "2026-11-25T06:30:00Z",
     [](Case& c) {
       c.settings.max_hold = hours{1};
       c.history.counted.push_back(c.now - minutes{30});
     },
     hold("2026-11-25T07:00:00Z")},
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class EvaluateTable : public ::testing::TestWithParam<Row> {};

TEST_P(EvaluateTable, Decides) {
  const Row& row = GetParam();
  Case c = base(at(row.now));
  row.setup(c);
  Decision d = evaluate(c.action, c.consumer, c.history, c.settings, c.now);
  SCOPED_TRACE(d.detail);
  EXPECT_EQ(d.verdict, row.expect.verdict);
  EXPECT_EQ(d.reason, row.expect.reason);
  EXPECT_FALSE(d.detail.empty());
  if (row.expect.verdict == Verdict::hold) {
    EXPECT_EQ(format_rfc3339(d.hold_until), row.expect.hold_until);
    EXPECT_GT(d.hold_until, c.now);
  }
  if (row.expect.verdict != Verdict::skip) {
    EXPECT_EQ(d.use_template, row.expect.use_template);
  }
  // A hold is only ever lifted by re-evaluating at hold_until: it must then not hold again
  // for the same reason (quiet hours and gap both over).
  if (d.verdict == Verdict::hold) {
    Case later = c;
    later.now = d.hold_until;
    later.consumer.last_inbound_whatsapp_at =
        c.consumer.last_inbound_whatsapp_at ? std::optional(d.hold_until - hours{1}) : std::nullopt;
    Decision again =
        evaluate(later.action, later.consumer, later.history, later.settings, later.now);
    EXPECT_NE(again.verdict, Verdict::hold) << again.detail;
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, EvaluateTable, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& info) {
                           return std::string(info.param.name);
                         });

TEST(EvaluateDetail, SaysWhyInWords) {
  Case c = base(at("2026-11-25T16:00:00Z"));
  c.consumer.timezone = "Mars/Olympus_Mons";
  c.settings.creator_timezone = "Asia/Kolkata";
  Decision d = evaluate(c.action, c.consumer, c.history, c.settings, c.now);
  ASSERT_EQ(d.verdict, Verdict::hold);
  EXPECT_NE(d.detail.find("quiet hours 21:00-09:00 in Asia/Kolkata"), std::string::npos)
      << d.detail;
  EXPECT_NE(d.detail.find("creator's zone"), std::string::npos) << d.detail;

  c.consumer.consent->granted = false;
  d = evaluate(c.action, c.consumer, c.history, c.settings, c.now);
  EXPECT_NE(d.detail.find("revoked whatsapp consent"), std::string::npos) << d.detail;
}

TEST(EvaluateSkipReason, TextFormsAreApiNames) {
  EXPECT_STREQ(to_string(SkipReason::no_consent), "no_consent");
  EXPECT_STREQ(to_string(SkipReason::quiet_hours_expired), "quiet_hours_expired");
  EXPECT_STREQ(to_string(SkipReason::frequency_cap), "frequency_cap");
  EXPECT_STREQ(to_string(SkipReason::converted), "converted");
  EXPECT_STREQ(to_string(SkipReason::window_closed_no_template), "window_closed_no_template");
  EXPECT_STREQ(to_string(SkipReason::suppressed), "suppressed");
  EXPECT_STREQ(to_string(SkipReason::missing_contact), "missing_contact");
}

}  // namespace
}  // namespace ca::policy
