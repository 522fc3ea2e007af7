#include "sim/invariants.hpp"

#include <map>
#include <utility>

#include "policy/policy.hpp"
#include "store/analytics_repo.hpp"

namespace ca::sim {

namespace {

constexpr std::size_t kMaxExamples = 10;
constexpr auto kDay = std::chrono::hours(24);
constexpr auto kWeek = std::chrono::hours(24 * 7);

void note(InvariantReport& r, const std::string& rule, const store::SentMessage& m) {
  if (r.examples.size() < kMaxExamples) {
    r.examples.push_back(rule + ": action " + m.action_id + " at " + format_rfc3339(m.sent_at));
  }
}

policy::Settings settings_for(const store::SentMessage& m) {
  auto s = policy::settings_from_json(m.creator_settings_json, m.agent_config_json);
  policy::Settings out = s ? *s : policy::Settings{};
  out.creator_timezone = m.creator_timezone;
  return out;
}

// Sent inside quiet hours ⇔ policy, asked at the send time with nothing else in the way
// (consent, contact, a template, no history), would have held it.
bool in_quiet_hours(const store::SentMessage& m, const policy::Settings& s) {
  policy::ActionFacts af{m.channel, m.sent_at, m.sent_at, true};
  policy::ConsumerFacts cf;
  cf.consent = Consent{true, "check", m.sent_at};
  cf.timezone = m.consumer_timezone;
  cf.has_contact = true;
  cf.last_inbound_whatsapp_at = m.sent_at;
  const auto d = policy::evaluate(af, cf, policy::History{}, s, m.sent_at);
  return d.verdict == policy::Verdict::hold;
}

// Messages of one consumer and channel (sorted by send time) beyond the caps.
std::int64_t over_caps(const std::vector<const store::SentMessage*>& sent, const policy::Caps& caps,
                       InvariantReport& r) {
  std::int64_t over = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    int day = 0, week = 0;
    for (size_t j = 0; j <= i; ++j) {
      const auto age = sent[i]->sent_at - sent[j]->sent_at;
      if (age < kDay) ++day;
      if (age < kWeek) ++week;
    }
    if (day > caps.per_day || week > caps.per_week) {
      ++over;
      note(r, "cap exceeded", *sent[i]);
    }
  }
  return over;
}

}  // namespace

Result<InvariantReport> check_invariants(store::Store& store, const Tenant& scope,
                                         std::int64_t expected_events, std::int64_t stored_events) {
  InvariantReport r;
  r.lost_events = expected_events > stored_events ? expected_events - stored_events : 0;
  return store::in_tx(store, store::TxMode::read, [&](store::Tx& tx) -> Result<InvariantReport> {
    auto& a = tx.analytics();
    auto sent = a.sent_messages(scope);
    if (!sent) return std::move(sent).error();
    r.messages_checked = static_cast<std::int64_t>(sent->size());
    std::map<std::pair<std::string, Channel>, std::vector<const store::SentMessage*>> by_consumer;
    for (const auto& m : *sent) {
      const policy::Settings s = settings_for(m);
      const bool revoked = m.consent_granted.has_value() && !*m.consent_granted &&
                           m.consent_updated_at && *m.consent_updated_at <= m.sent_at;
      const bool never = !m.consent_granted.has_value() || !*m.consent_granted;
      if (revoked || (s.consent_required && never)) {
        ++r.sent_to_opted_out;
        note(r, "sent without consent", m);
      }
      if (in_quiet_hours(m, s)) {
        ++r.sent_in_quiet_hours;
        note(r, "sent in quiet hours", m);
      }
      if (m.channel == Channel::whatsapp && !m.as_template &&
          (!m.last_inbound_whatsapp_at || m.sent_at - *m.last_inbound_whatsapp_at > kDay)) {
        ++r.whatsapp_outside_window;
        note(r, "whatsapp free-form outside the 24 h window", m);
      }
      by_consumer[{m.consumer_id, m.channel}].push_back(&m);
    }
    for (const auto& [key, list] : by_consumer) {
      const policy::Settings s = settings_for(*list.front());
      r.caps_exceeded += over_caps(list, key.second == Channel::email ? s.email : s.whatsapp, r);
    }
    auto twice = a.actions_sent_twice(scope);
    if (!twice) return std::move(twice).error();
    auto decisions = a.decisions_sent_twice(scope);
    if (!decisions) return std::move(decisions).error();
    r.duplicate_sends = *twice + *decisions;
    return r;
  });
}

}  // namespace ca::sim
