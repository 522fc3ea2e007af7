// A ConsumerContext as JSON text, to carry "the context before and after this event"
// from the ingest transaction to the agent that runs later in a job.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "context/rules.hpp"
#include "domain/entities.hpp"

namespace ca::context {

// {"consumer_id","creator_id","stage","lead_score","last_seen_at"(µs|null),"metrics":{},
//  "attributes":{},"updated_at"(µs)}
std::string to_snapshot(const ConsumerContext& ctx);
// The same as a JSON object, for embedding in a larger document without a text round trip.
boost::json::object snapshot_object(const ConsumerContext& ctx);
// The same from a parsed state: its metrics go in as they are, never through text.
boost::json::object snapshot_object(const ContextState& state);
// nullopt when the text (or value) is not a snapshot.
std::optional<ConsumerContext> from_snapshot(std::string_view json);
std::optional<ConsumerContext> from_snapshot_value(const boost::json::value& v);

}  // namespace ca::context
