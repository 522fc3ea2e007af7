// The declarative rule agent (kind "rule"). Config:
// {
//   "match": "first",                     first (default): one action from the first matching
//                                         rule; all: one action per matching rule
//   "rules": [{                           1..50 rules
//     "name": "returning_visitor",        1..64 chars, recorded in the action's metadata
//     "when": [                           0..20 conditions, all must hold
//       {"path": "event.type", "op": "equals", "value": "page_view"},
//       {"path": "before.last_seen_at", "op": "time_since", "gte": "24h"},   gte and/or lt
//       {"path": "before.metrics.page_views", "op": "gte", "value": 1}
//     ],
//     "action": {"channel": "auto", "delay_minutes": 10,
//                "message": "Welcome back {{consumer.name}}! {{service.name}} is
//                {{service.price}}"}
//   }]
// }
// Paths: event.{id,type,source,occurred_at}, event.payload.*, {before,after}.{stage,
// lead_score,last_seen_at}, {before,after}.{metrics,attributes}.*, consumer,
// consumer.{id,name,email,whatsapp,external_id,timezone}, creator.{id,name}.
// time_since measures from the event's occurred_at. A rule whose message uses
// {{service.*}} fires only when the event names one of the creator's products.
#pragma once

#include <string>
#include <vector>

#include "agents/conditions.hpp"
#include "agents/runtime.hpp"
#include "agents/schedule.hpp"

namespace ca::agents {

inline constexpr std::string_view kRuleKind = "rule";

struct RuleSpec {
  std::string name;
  std::vector<Condition> when;
  ChannelPreference channel = ChannelPreference::automatic;
  std::chrono::minutes delay{0};
  std::string message;
};

struct RuleAgentConfig {
  bool match_all = false;
  std::vector<RuleSpec> rules;
};

Result<RuleAgentConfig> parse_rule_config(const std::string& json);

class RuleAgent final : public Agent {
 public:
  explicit RuleAgent(RuleAgentConfig config) : config_(std::move(config)) {}
  bool should_act(const AgentInput& in, std::string& reason) const override;
  std::vector<PlannedAction> plan_actions(const AgentInput& in) const override;

 private:
  // Indexes of rules that match and can be delivered; `why` explains the outcome.
  std::vector<std::size_t> matching(const AgentInput& in, std::string& why) const;

  RuleAgentConfig config_;
};

}  // namespace ca::agents
