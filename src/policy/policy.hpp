// Whether an action may be sent NOW: consent, quiet hours in the consumer's zone,
// frequency caps, the WhatsApp 24-hour window, converted-since-planning, suppression.
// Pure: no I/O, no clock; the scheduler gathers the facts and calls evaluate() at send
// time (not at planning time: the world changes between the two).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"

namespace ca::policy {

// Text forms are API.md's skip reasons.
enum class SkipReason {
  no_consent,
  quiet_hours_expired,
  frequency_cap,
  converted,
  window_closed_no_template,
  suppressed,
  missing_contact,
};
const char* to_string(SkipReason r);

struct QuietHours {
  bool enabled = true;
  int start_minute = 21 * 60;  // local time the quiet window starts (inclusive)
  int end_minute = 9 * 60;     // local time it ends (exclusive); may wrap midnight
};

struct Caps {
  int per_day = 2;   // messages per consumer and channel per rolling 24 h
  int per_week = 5;  // per rolling 7 days
  std::chrono::minutes min_gap{60};
};

struct Settings {
  QuietHours quiet;
  Caps whatsapp;
  Caps email;
  std::string creator_timezone = "UTC";  // used when the consumer's zone is unknown
  bool consent_required = true;
  // An action held (quiet hours, gap) longer than this after its planned send_at is
  // dropped as quiet_hours_expired rather than sent days late.
  std::chrono::hours max_hold{48};
};

// From the creator's settings JSON ("policy": {...}) overlaid by an agent config's
// "policy" object; unknown keys and bad values → invalid_argument naming the field.
Result<Settings> settings_from_json(std::string_view creator_settings_json,
                                    std::string_view agent_config_json);

struct ActionFacts {
  Channel channel = Channel::whatsapp;
  Timestamp planned_at{};     // when the agent planned it (action created_at)
  Timestamp send_at{};        // when it was due
  bool has_template = false;  // a WhatsApp template (ContentSid) is configured for it
};

struct ConsumerFacts {
  std::optional<Consent> consent;         // for the action's channel; nullopt = never recorded
  std::optional<std::string> timezone;    // IANA zone, may be invalid/unknown
  bool has_contact = false;               // whatsapp number / email address present
  bool suppressed = false;                // the address was refused for good (a bounce)
  std::optional<Timestamp> converted_at;  // when the consumer last converted
  std::optional<Timestamp> last_inbound_whatsapp_at;  // opens the 24-hour window
};

// Other actions of the same consumer and channel that count against caps: sent ones
// (their sent time) and scheduled ones (their send_at), excluding the action evaluated.
struct History {
  std::vector<Timestamp> counted;
};

enum class Verdict { send, hold, skip };

struct Decision {
  Verdict verdict = Verdict::send;
  Timestamp hold_until{};            // verdict hold
  std::optional<SkipReason> reason;  // verdict skip
  bool use_template = false;         // send as the WhatsApp template, not free-form text
  std::string detail;                // human-readable why, for logs and the action row
};

// Checks, first match wins: missing_contact, suppressed, no_consent (a revocation counts
// even when consent is not required), converted, the WhatsApp window (template or
// window_closed_no_template), frequency_cap (rolling 24 h / 7 d windows around now,
// sent + scheduled), then holds: the minimum gap, then quiet hours; a hold ending more
// than max_hold after send_at is quiet_hours_expired. Re-evaluate at hold_until.
Decision evaluate(const ActionFacts& action, const ConsumerFacts& consumer, const History& history,
                  const Settings& settings, Timestamp now);

}  // namespace ca::policy
