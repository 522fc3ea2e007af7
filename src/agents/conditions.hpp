// Conditions over JSON values, shared by trigger filters and the rule agent:
// equals, in, gt/gte/lt/lte (numbers), exists, time_since (RFC 3339 text, measured from a
// reference time). Numbers and numeric strings compare equal ("42" == 42: Topmate ids).
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "domain/result.hpp"
#include "domain/time.hpp"

namespace ca::agents {

enum class Op { equals, in, gt, gte, lt, lte, exists, time_since };

std::optional<Op> parse_op(std::string_view name);

struct Condition {
  std::string path;  // dotted, resolved by resolve_path
  Op op = Op::equals;
  boost::json::value operand;  // equals: scalar; in: array of scalars; gt..lte: number;
                               // exists: bool
  std::optional<std::chrono::microseconds> since_gte;  // time_since: at least this long ago
  std::optional<std::chrono::microseconds> since_lt;   // time_since: less than this long ago
};

// Checks the operand against the operator; errors name `field` (the operand's field path).
Result<void> check_operand(Op op, const boost::json::value& operand, const std::string& field);

// "30m", "24h", "7d" (1 minute .. 366 days).
std::optional<std::chrono::microseconds> parse_duration(std::string_view text);

// The value at a dotted path ("payload.service_id", "before.metrics.page_views"), or null.
const boost::json::value* resolve_path(const boost::json::value& root, std::string_view path);

// `actual` is null when the path resolved to nothing. `reference` is the time time_since
// measures from (the event's occurred_at).
bool evaluate(const Condition& c, const boost::json::value* actual, Timestamp reference);

}  // namespace ca::agents
