// GenericSalesAgent's configuration: every default lives here.
//
// {
//   "channel": "auto",                     auto | whatsapp | email (schedule.hpp)
//   "delays": {                            minutes after the decision, 0..43200
//     "first_view_minutes": 30, "return_visit_minutes": 10, "service_click_minutes": 15,
//     "booking_confirmation_minutes": 0, "payment_failed_minutes": 60,
//     "reengagement_minutes": 0            after the inactivity follow-up fires
//   },
//   "thresholds": { "return_after_hours": 24, "inactivity_days": 7 },   0 days = off
//   "rules": { "first_view": true, "return_visit": true, "service_click": true,
//              "booking_confirmation": true, "payment_failed": true, "reengagement": true },
//   "pitch_repeat_clicks": false,          pitch a service again on later clicks
//   "messages": { "<rule>": "template with {{placeholders}}" }   overrides (compose.hpp)
//   "whatsapp_template": {                 an approved template for outside the 24-hour
//     "content_sid": "HX…",                window (Twilio ContentSid, 34 characters)
//     "variables": {"1": "{{consumer.first_name}}", "2": "{{service.name}}"}
//   },
//   "policy": { … }                        send-time overrides of the creator's policy
// }                                        settings (docs/policy.md), checked on create
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "agents/schedule.hpp"
#include "domain/result.hpp"

namespace ca::agents {

// Rule names, used in config keys, metadata "rule" and decision reasons.
inline constexpr std::string_view kRuleFirstView = "first_view";
inline constexpr std::string_view kRuleReturnVisit = "return_visit";
inline constexpr std::string_view kRuleServiceClick = "service_click";
inline constexpr std::string_view kRuleBookingConfirmation = "booking_confirmation";
inline constexpr std::string_view kRulePaymentFailed = "payment_failed";
inline constexpr std::string_view kRuleReengagement = "reengagement";

struct GenericSalesConfig {
  ChannelPreference channel = ChannelPreference::automatic;
  std::map<std::string, std::chrono::minutes, std::less<>> delays = {
      {"first_view", std::chrono::minutes{30}},
      {"return_visit", std::chrono::minutes{10}},
      {"service_click", std::chrono::minutes{15}},
      {"booking_confirmation", std::chrono::minutes{0}},
      {"payment_failed", std::chrono::minutes{60}},
      {"reengagement", std::chrono::minutes{0}},
  };
  std::chrono::hours return_after{24};
  int inactivity_days = 7;
  std::map<std::string, bool, std::less<>> enabled = {
      {"first_view", true},           {"return_visit", true},   {"service_click", true},
      {"booking_confirmation", true}, {"payment_failed", true}, {"reengagement", true},
  };
  bool pitch_repeat_clicks = false;
  std::map<std::string, std::string, std::less<>> messages;  // overrides of the defaults
  struct WhatsAppTemplate {
    std::string content_sid;
    std::map<std::string, std::string> variables;  // Twilio variable → our template text
  };
  std::optional<WhatsAppTemplate> whatsapp_template;

  bool on(std::string_view rule) const;
  std::chrono::minutes delay(std::string_view rule) const;
};

// Field-named errors ("config.delays.first_view_minutes").
Result<GenericSalesConfig> parse_generic_sales_config(const std::string& json);

}  // namespace ca::agents
