#include "agents/runtime.hpp"

#include <exception>
#include <optional>

#include "agents/registry.hpp"

namespace ca::agents {

Event make_followup_event(const FollowupRequest& request, const std::string& creator_id,
                          const std::optional<std::string>& consumer_id) {
  Event e;
  e.creator_id = creator_id;
  e.consumer_id = consumer_id;
  e.type = std::string(kFollowupEventType);
  e.source = "agent";
  e.occurred_at = request.due_at;
  e.received_at = request.due_at;
  e.payload_json = request.payload_json;
  return e;
}

Result<Decision> Agent::decide(const AgentInput& in) const {
  Decision d;
  if (should_act(in, d.reason)) d.actions = plan_actions(in);
  d.act = !d.actions.empty();
  d.followup = plan_followup(in);
  return d;
}

const context::Metrics& metrics_of(const ConsumerContext& ctx, const context::Metrics* parsed,
                                   std::optional<context::Metrics>& slot) {
  return parsed != nullptr ? *parsed : slot.emplace(context::parse_metrics(ctx.metrics_json));
}

Result<Decision> run_agent(const AgentInput& in, const RuntimeOptions& opts) {
  // Exceptions stay inside the component (bad_alloc, a Boost.JSON bug): an Error instead.
  try {
    auto agent = make_agent(in.agent.kind, in.agent.config_json, opts);
    if (!agent) return std::move(agent).error();
    std::optional<context::Metrics> before, after;
    AgentInput parsed = in;
    parsed.before_metrics = &metrics_of(in.before, in.before_metrics, before);
    parsed.after_metrics = &metrics_of(in.after, in.after_metrics, after);
    return (*agent)->decide(parsed);
  } catch (const std::exception& e) {
    return Error::internal(std::string("agent runtime failed: ") + e.what());
  }
}

}  // namespace ca::agents
