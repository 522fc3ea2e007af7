// settings_from_json: the "policy" object of the creator's settings, overlaid field by
// field by the agent config's "policy" object. Other top-level keys belong to other
// components and are left alone; inside "policy" unknown keys are errors.
#include <boost/json/object.hpp>

#include <string>

#include <fmt/format.h>

#include "domain/json_codec.hpp"
#include "policy/policy.hpp"

namespace ca::policy {
namespace {

using json::FieldReader;
using json::Need;

constexpr std::int64_t kMaxGapMinutes = 7LL * 24 * 60;  // a week
constexpr std::int64_t kMaxHoldHours = 30LL * 24;       // a month

// "HH:MM", 00:00..23:59 → minute of the day.
std::optional<int> read_hhmm(FieldReader& r, std::string_view key) {
  auto s = r.string(key, Need::optional, 5);
  if (!s) return std::nullopt;
  auto digit = [&](size_t i) { return (*s)[i] >= '0' && (*s)[i] <= '9'; };
  if (s->size() != 5 || (*s)[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) {
    r.fail(key, fmt::format("{} must be a time \"HH:MM\", got \"{}\"", r.path(key), *s));
    return std::nullopt;
  }
  int h = ((*s)[0] - '0') * 10 + ((*s)[1] - '0');
  int m = ((*s)[3] - '0') * 10 + ((*s)[4] - '0');
  if (h > 23 || m > 59) {
    r.fail(key, fmt::format("{} must be between 00:00 and 23:59, got \"{}\"", r.path(key), *s));
    return std::nullopt;
  }
  return h * 60 + m;
}

void read_quiet(FieldReader& parent, const boost::json::object& obj, QuietHours& q) {
  FieldReader r(obj, parent.path("quiet_hours"));
  r.reject_unknown({"enabled", "start", "end"});
  if (auto v = r.boolean("enabled", Need::optional)) q.enabled = *v;
  if (auto v = read_hhmm(r, "start")) q.start_minute = *v;
  if (auto v = read_hhmm(r, "end")) q.end_minute = *v;
  if (!r.ok()) parent.adopt(r.error());
}

void read_caps(FieldReader& parent, const boost::json::object& obj, Settings& s) {
  FieldReader r(obj, parent.path("caps"));
  r.reject_unknown({"whatsapp", "email"});
  for (auto [key, caps] : {std::pair<std::string_view, Caps*>{"whatsapp", &s.whatsapp},
                           std::pair<std::string_view, Caps*>{"email", &s.email}}) {
    const auto* o = r.object(key, Need::optional);
    if (o == nullptr) continue;
    FieldReader c(*o, r.path(key));
    c.reject_unknown({"per_day", "per_week", "min_gap_minutes"});
    // 0 blocks the channel for this creator or agent.
    if (auto v = c.integer("per_day", Need::optional, 0, 1000))
      caps->per_day = static_cast<int>(*v);
    if (auto v = c.integer("per_week", Need::optional, 0, 7000)) {
      caps->per_week = static_cast<int>(*v);
    }
    if (auto v = c.integer("min_gap_minutes", Need::optional, 0, kMaxGapMinutes)) {
      caps->min_gap = std::chrono::minutes{*v};
    }
    if (!c.ok()) r.adopt(c.error());
  }
  if (!r.ok()) parent.adopt(r.error());
}

// Applies the "policy" object found in `text` (a JSON object; empty = {}) onto `s`.
Result<void> overlay(std::string_view text, const std::string& root, Settings& s) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return ok();
  auto parsed = json::parse_object(text);
  if (!parsed) {
    return Error::invalid(root, parsed.error().code == ErrorCode::malformed_json
                                    ? root + " is not valid JSON: " + parsed.error().message
                                    : root + " must be a JSON object");
  }
  FieldReader top(*parsed, root);
  const auto* policy = top.object("policy", Need::optional);
  if (policy == nullptr) {
    if (!top.ok()) return top.error();
    return ok();
  }
  FieldReader r(*policy, top.path("policy"));
  r.reject_unknown({"quiet_hours", "caps", "consent_required", "max_hold_hours"});
  if (const auto* q = r.object("quiet_hours", Need::optional)) read_quiet(r, *q, s.quiet);
  if (const auto* c = r.object("caps", Need::optional)) read_caps(r, *c, s);
  if (auto v = r.boolean("consent_required", Need::optional)) s.consent_required = *v;
  if (auto v = r.integer("max_hold_hours", Need::optional, 1, kMaxHoldHours)) {
    s.max_hold = std::chrono::hours{*v};
  }
  if (!r.ok()) return r.error();
  return ok();
}

}  // namespace

Result<Settings> settings_from_json(std::string_view creator_settings_json,
                                    std::string_view agent_config_json) {
  Settings s;
  CA_CHECK(overlay(creator_settings_json, "settings", s));
  CA_CHECK(overlay(agent_config_json, "config", s));
  return s;
}

}  // namespace ca::policy
