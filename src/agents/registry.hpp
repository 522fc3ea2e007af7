// The built-in agent kinds: config validation at create/patch time and construction.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "agents/runtime.hpp"
#include "domain/result.hpp"

namespace ca::agents {

// "generic_sales", "rule", "external_http".
std::span<const std::string_view> known_kinds();

// Validates config JSON for a kind; errors are invalid_argument with a field path such as
// "kind", "config", "config.delays.first_view_minutes", "config.rules[0].when[1].op".
Result<void> validate_config(std::string_view kind, const std::string& config_json);

// Validates a trigger filter (see trigger_filter.hpp); field "triggers[i].filter..." is the
// caller's prefix.
Result<void> validate_trigger_filter(const std::string& filter_json, const std::string& field);

// Does the trigger's filter match the event's payload? Pure; "{}" always matches; a filter
// that does not parse matches nothing.
bool trigger_matches(const std::string& filter_json, const Event& event);

// The agent for a kind and config; the same errors as validate_config.
Result<std::unique_ptr<Agent>> make_agent(std::string_view kind, const std::string& config_json,
                                          const RuntimeOptions& opts);

}  // namespace ca::agents
