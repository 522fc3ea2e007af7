// The agents runtime: what the worker calls once it has loaded an invocation's rows.
// Pure decision logic (no database); only the external_http agent does I/O, through net/.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "context/metrics.hpp"
#include "domain/entities.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"

namespace ca::net {
class HttpClient;
}
namespace ca::llm {
class LlmClient;
}

namespace ca::agents {

struct AgentInput {
  const ca::Agent& agent;         // kind, config_json, approval
  const Event& event;             // the event being handled (or a follow-up, below)
  const ConsumerContext& before;  // context as it was before this event
  const ConsumerContext& after;   // context after it
  const Consumer* consumer;       // null for consumer-less events
  const Creator& creator;
  const std::vector<Product>& products;  // the creator's services
  Timestamp now;                         // decision time (from the worker's Clock)
  // The two contexts' metrics, parsed, when the caller has them (ingest does); their
  // metrics_json may then be empty. run_agent parses what is missing once per decision, so
  // agents read metrics through these, never through metrics_json.
  const context::Metrics* before_metrics = nullptr;
  const context::Metrics* after_metrics = nullptr;
};

// A delayed re-check the worker turns into a job: at `due_at` it runs the same agent again
// with make_followup_event(*this, ...) and the consumer's context as it is then. A consumer
// has one pending follow-up: a request due later than the pending one is dropped, so the
// agent must re-check at fire time and, if the consumer came back, plan the next one from
// its follow-up event (GenericSalesAgent does). A request due earlier moves the pending job.
struct FollowupRequest {
  std::string kind;  // "reengagement"
  Timestamp due_at{};
  std::string dedupe_key;    // "reengagement:<agent_id>:<consumer_id>"
  std::string payload_json;  // becomes the follow-up event's payload
};

// The event type of follow-ups; source "agent", so it is not consumer activity and never
// moves last_seen_at (the worker must not ingest it into the context).
inline constexpr std::string_view kFollowupEventType = "agent_followup";

// The event the worker hands to run_agent when a FollowupRequest is due.
Event make_followup_event(const FollowupRequest& request, const std::string& creator_id,
                          const std::optional<std::string>& consumer_id);

struct Decision {
  bool act = false;    // true iff `actions` is not empty
  std::string reason;  // why (or why not), for the invocation row
  std::vector<PlannedAction> actions;
  std::optional<FollowupRequest> followup;  // scheduled even when act is false
};

// One interface, small. Pure agents implement should_act/plan_actions (+ plan_followup);
// decide() composes them and is what the runtime calls. An agent whose decision comes from
// one remote call (external_http) overrides decide() instead.
class Agent {
 public:
  virtual ~Agent() = default;
  virtual bool should_act(const AgentInput& in, std::string& reason) const = 0;
  virtual std::vector<PlannedAction> plan_actions(const AgentInput& in) const = 0;
  virtual std::optional<FollowupRequest> plan_followup(const AgentInput& /*in*/) const {
    return std::nullopt;
  }
  virtual Result<Decision> decide(const AgentInput& in) const;
};

struct RuntimeOptions {
  bool allow_private_targets = false;            // external_http to 127/8, 10/8, ... (tests, dev)
  std::chrono::milliseconds http_timeout{5000};  // default when the config sets none
  net::HttpClient* http_client = nullptr;        // not owned; null → a CurlHttpClient per call
  // Not owned; set: planned messages are personalised by the runner (agents/personalize.hpp).
  llm::LlmClient* llm = nullptr;
};

// Builds the agent for in.agent.kind + config_json and decides. Errors: invalid config
// (invalid_argument, field "config...."), refused target (forbidden), transport failure or
// timeout (unavailable: retryable), bad external response (invalid_argument, field
// "response...."). Never throws.
Result<Decision> run_agent(const AgentInput& in, const RuntimeOptions& opts);

// A context's metrics: `parsed` when the caller has them, else parsed from
// ctx.metrics_json into `slot` (an agent called without run_agent, as in tests).
const context::Metrics& metrics_of(const ConsumerContext& ctx, const context::Metrics* parsed,
                                   std::optional<context::Metrics>& slot);

}  // namespace ca::agents
