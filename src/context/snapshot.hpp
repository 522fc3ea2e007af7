// A ConsumerContext as JSON text, to carry "the context before and after this event"
// from the ingest transaction to the agent that runs later in a job.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/entities.hpp"

namespace ca::context {

// {"consumer_id","creator_id","stage","lead_score","last_seen_at"(µs|null),"metrics":{},
//  "attributes":{},"updated_at"(µs)}
std::string to_snapshot(const ConsumerContext& ctx);
// nullopt when the text is not a snapshot.
std::optional<ConsumerContext> from_snapshot(std::string_view json);

}  // namespace ca::context
