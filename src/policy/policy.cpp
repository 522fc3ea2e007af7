// evaluate(): the send-time rules. Check order, hard skips first and holds last, so that
// an action that can never be sent is dropped now instead of being held first:
//   1. missing_contact   no number/address for the channel
//   2. suppressed        the provider refused this address for good
//   3. no_consent        revoked, or never recorded while consent is required
//   4. converted         the consumer converted after the action was planned
//   5. WhatsApp window   free-form only within 24 h of the last inbound message;
//                        outside it the template (use_template) or window_closed_no_template
//   6. frequency_cap     per rolling day / week, counting sent and scheduled messages
//   7. holds             minimum gap since the last message, then quiet hours in the
//                        consumer's zone (creator's when unknown); a hold ending more than
//                        max_hold after send_at → quiet_hours_expired
#include "policy/policy.hpp"

#include <date/tz.h>

#include <algorithm>
#include <exception>

#include <fmt/format.h>

namespace ca::policy {

const char* to_string(SkipReason r) {
  switch (r) {
    case SkipReason::no_consent: return "no_consent";
    case SkipReason::quiet_hours_expired: return "quiet_hours_expired";
    case SkipReason::frequency_cap: return "frequency_cap";
    case SkipReason::converted: return "converted";
    case SkipReason::window_closed_no_template: return "window_closed_no_template";
    case SkipReason::suppressed: return "suppressed";
    case SkipReason::missing_contact: return "missing_contact";
  }
  return "unknown";
}

namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;

constexpr auto kWhatsAppWindow = hours{24};
constexpr auto kDay = hours{24};
constexpr auto kWeek = hours{24 * 7};

// The tz library reports unknown zones by throwing; policy must not.
const date::time_zone* find_zone(const std::string& name) {
  if (name.empty() || name.size() > 64) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

struct ZoneChoice {
  const date::time_zone* zone = nullptr;
  std::string name;
  bool fallback = false;  // the consumer's zone was unknown or invalid
};

ZoneChoice choose_zone(const ConsumerFacts& consumer, const Settings& settings) {
  if (consumer.timezone) {
    if (const auto* z = find_zone(*consumer.timezone)) return {z, *consumer.timezone, false};
  }
  if (const auto* z = find_zone(settings.creator_timezone)) {
    return {z, settings.creator_timezone, true};
  }
  return {find_zone("UTC"), "UTC", true};  // null only without a tz database
}

std::string hhmm(int minute_of_day) {
  return fmt::format("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60);
}

bool in_quiet(const QuietHours& q, int m) {
  if (!q.enabled || q.start_minute == q.end_minute) return false;
  if (q.start_minute < q.end_minute) return m >= q.start_minute && m < q.end_minute;
  return m >= q.start_minute || m < q.end_minute;  // wraps midnight
}

// Local wall-clock time `day + minute` in `zone` as UTC. A time skipped by a DST jump
// maps to the instant of the jump; a repeated one to its first occurrence, or the
// second when the first is not after `after`.
Timestamp local_to_utc(const date::time_zone* zone, date::local_days day, int minute,
                       Timestamp after) {
  auto local = date::local_time<microseconds>{day + minutes{minute}};
  Timestamp t = zone->to_sys(local, date::choose::earliest);
  if (t <= after) t = zone->to_sys(local, date::choose::latest);
  return t;
}

// When the quiet window containing `t` ends, or nullopt when `t` is not in it.
std::optional<Timestamp> quiet_end(const QuietHours& q, const date::time_zone* zone, Timestamp t) {
  if (zone == nullptr) return std::nullopt;
  auto local = zone->to_local(t);
  auto day = date::floor<date::days>(local);
  int m = static_cast<int>(std::chrono::floor<minutes>(local - day).count());
  if (!in_quiet(q, m)) return std::nullopt;
  // Ends today unless the window wrapped midnight and we are in its evening part.
  bool ends_tomorrow = q.start_minute > q.end_minute && m >= q.start_minute;
  auto end_day = ends_tomorrow ? day + date::days{1} : day;
  Timestamp end = local_to_utc(zone, end_day, q.end_minute, t);
  // A DST jump can move the wall clock past the end; never hold backwards.
  return std::max(end, t);
}

Decision skip(SkipReason r, std::string detail) {
  Decision d;
  d.verdict = Verdict::skip;
  d.reason = r;
  d.detail = std::move(detail);
  return d;
}

// The largest number of counted messages, plus the one being evaluated at `now`, that
// any rolling window of length `len` containing `now` would hold.
int busiest_window(const std::vector<Timestamp>& counted, Timestamp now, microseconds len) {
  // The count only rises where a message enters the window's right edge, so the
  // leftmost window and those whose edge just took in a message are the candidates.
  std::vector<Timestamp> starts{now - len + microseconds{1}};
  for (auto t : counted) {
    Timestamp s = t - len + microseconds{1};
    if (s > now - len && s <= now) starts.push_back(s);
  }
  int best = 0;
  for (auto s : starts) {
    auto n = static_cast<int>(std::count_if(counted.begin(), counted.end(),
                                            [&](Timestamp t) { return t >= s && t < s + len; }));
    best = std::max(best, n);
  }
  return best + 1;
}

const Caps& caps_for(Channel c, const Settings& s) {
  return c == Channel::email ? s.email : s.whatsapp;
}

}  // namespace

Decision evaluate(const ActionFacts& action, const ConsumerFacts& consumer, const History& history,
                  const Settings& settings, Timestamp now) {
  const char* channel = to_string(action.channel);
  if (!consumer.has_contact) {
    return skip(SkipReason::missing_contact,
                fmt::format("the consumer has no {} contact to send to", channel));
  }
  if (consumer.suppressed) {
    return skip(SkipReason::suppressed, "the provider refused this address for good");
  }
  // consent_required=false waives the need for a record, never an explicit opt-out.
  if (consumer.consent && !consumer.consent->granted) {
    return skip(SkipReason::no_consent, fmt::format("the consumer revoked {} consent at {}",
                                                    channel, format_rfc3339(consumer.consent->at)));
  }
  if (settings.consent_required && !consumer.consent) {
    return skip(SkipReason::no_consent,
                fmt::format("no {} consent was ever recorded for the consumer", channel));
  }
  if (consumer.converted_at && *consumer.converted_at > action.planned_at) {
    return skip(
        SkipReason::converted,
        fmt::format("the consumer converted at {}, after the action was planned at {}",
                    format_rfc3339(*consumer.converted_at), format_rfc3339(action.planned_at)));
  }

  Decision d;
  if (action.channel == Channel::whatsapp) {
    const auto& last = consumer.last_inbound_whatsapp_at;
    bool open = last && now - *last < kWhatsAppWindow;
    if (!open) {
      if (!action.has_template) {
        return skip(SkipReason::window_closed_no_template,
                    last ? fmt::format("the 24-hour WhatsApp window closed (last inbound message "
                                       "at {}) and no approved template is configured",
                                       format_rfc3339(*last))
                         : std::string("the consumer never wrote on WhatsApp (no 24-hour window) "
                                       "and no approved template is configured"));
      }
      d.use_template = true;
    }
  }

  const Caps& caps = caps_for(action.channel, settings);
  int day_count = busiest_window(history.counted, now, kDay);
  if (day_count > caps.per_day) {
    return skip(SkipReason::frequency_cap,
                fmt::format("{} {} messages within 24 hours (sent and scheduled) would exceed "
                            "the cap of {} per day",
                            day_count, channel, caps.per_day));
  }
  int week_count = busiest_window(history.counted, now, kWeek);
  if (week_count > caps.per_week) {
    return skip(SkipReason::frequency_cap,
                fmt::format("{} {} messages within 7 days (sent and scheduled) would exceed "
                            "the cap of {} per week",
                            week_count, channel, caps.per_week));
  }

  // Holds. The gap looks at messages at or before now (sent, or due and not yet sent);
  // later ones are the scheduler's next turn.
  Timestamp until = now;
  std::string why;
  std::optional<Timestamp> previous;
  for (auto t : history.counted) {
    if (t <= now && (!previous || t > *previous)) previous = t;
  }
  if (previous && caps.min_gap.count() > 0 && *previous + caps.min_gap > now) {
    until = *previous + caps.min_gap;
    why = fmt::format("minimum gap of {} minutes after the {} message at {}", caps.min_gap.count(),
                      channel, format_rfc3339(*previous));
  }
  ZoneChoice zone = choose_zone(consumer, settings);
  if (auto end = quiet_end(settings.quiet, zone.zone, until)) {
    if (!why.empty()) why += ", then ";
    why += fmt::format("quiet hours {}-{} in {}{}", hhmm(settings.quiet.start_minute),
                       hhmm(settings.quiet.end_minute), zone.name,
                       zone.fallback ? " (the creator's zone; the consumer's is unknown)" : "");
    until = *end;
  }
  if (until > now) {
    if (until - action.send_at > settings.max_hold) {
      return skip(SkipReason::quiet_hours_expired,
                  fmt::format("held by {} until {}, more than {} hours after send_at {}", why,
                              format_rfc3339(until), settings.max_hold.count(),
                              format_rfc3339(action.send_at)));
    }
    d.verdict = Verdict::hold;
    d.hold_until = until;
    d.detail = fmt::format("held until {}: {}", format_rfc3339(until), why);
    return d;
  }
  d.verdict = Verdict::send;
  d.detail = d.use_template ? "send as the approved template: the 24-hour WhatsApp window is closed"
                            : fmt::format("send now over {}", channel);
  return d;
}

}  // namespace ca::policy
