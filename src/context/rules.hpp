// How one event changes a consumer's context: metrics, stage, lead score, last_seen_at.
// Pure: no I/O, no clock. The rules themselves are documented at the top of rules.cpp.
#pragma once

#include <string_view>

#include "context/metrics.hpp"
#include "domain/entities.hpp"

namespace ca::context {

// The event type that marks a consumer churned (sent by the creator's system or an operator).
inline constexpr std::string_view kConsumerChurned = "consumer_churned";

// The context after `event`, computed purely from the context before it. Never fails:
// malformed or missing payload fields are ignored for the metrics they would feed.
// The caller keeps `before`: agents need it to tell "returning after 24 h" (see queries.hpp).
ConsumerContext apply_event(const ConsumerContext& before, const Event& event);

// A context with its metrics parsed, for applying many events in a row without a JSON
// round trip per event (the ingest transaction advances every consumer this way).
// `context.metrics_json` is empty in a state; to_context writes it.
struct ContextState {
  ConsumerContext context;
  Metrics metrics;
};
ContextState load_state(ConsumerContext ctx);
// The same rules as apply_event: to_context(advance(load_state(c), e)) == apply_event(c, e).
void advance(ContextState& state, const Event& event);
ConsumerContext to_context(const ContextState& state);

// True for the twelve event types of the API; everything else is counted under "custom".
bool is_known_event_type(std::string_view type);

// Whether the event is something the consumer did: every event except consumer_churned and
// events reported by an agent (source "agent"). Only these move last_seen_at/first_seen_at
// and bring a churned consumer back.
bool is_consumer_activity(const Event& event);

}  // namespace ca::context
