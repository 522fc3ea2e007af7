// The JSON view of an agent's input: what rule conditions resolve paths against and what
// the external_http agent sends. Shape:
// {"event": {"id","type","source","occurred_at","payload"},
//  "before"/"after": {"stage","lead_score","last_seen_at","metrics","attributes"},
//  "consumer": {"id","name","email","whatsapp","external_id","timezone"} | null,
//  "creator": {"id","name"}}
#pragma once

#include <boost/json/object.hpp>

#include "agents/runtime.hpp"

namespace ca::agents {

boost::json::object event_json(const Event& e);
// `metrics`: the context's metrics parsed; used when c.metrics_json is empty (a context
// handed to the agent with its metrics parsed, see AgentInput).
boost::json::object context_json(const ConsumerContext& c,
                                 const context::Metrics* metrics = nullptr);
boost::json::value consumer_json(const Consumer* c);
boost::json::object input_json(const AgentInput& in);

}  // namespace ca::agents
