// The analytics summary behind GET /analytics/summary: the funnel, events and messages
// over time, messages by channel/status/skip reason, conversions and revenue, and which
// conversions followed a message (attribution). Read from the store in one snapshot.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "store/analytics_repo.hpp"
#include "store/store.hpp"

namespace ca::analytics {

// A payment counts as attributed when its consumer was messaged this long before it.
inline constexpr std::chrono::hours kAttributionWindow{24 * 7};
// Longest range a summary covers (the series stays a few hundred points).
inline constexpr std::chrono::hours kMaxRange{24 * 366};
inline constexpr std::chrono::hours kDefaultRange{24 * 30};

// ?from=&to= (RFC 3339, both optional): to defaults to now, from to 30 days before to.
// invalid_argument naming "from" or "to" when unreadable, reversed or over kMaxRange.
Result<store::TimeRange> parse_range(std::optional<std::string_view> from,
                                     std::optional<std::string_view> to, Timestamp now);

// Hourly up to two days, daily beyond.
std::chrono::microseconds bucket_for(const store::TimeRange& r);

struct Summary {
  store::TimeRange range;
  std::chrono::microseconds bucket{};
  std::map<std::string, std::int64_t> funnel;  // stage -> consumers (every stage present)
  std::map<std::string, std::int64_t> events_by_type;
  std::int64_t events = 0;
  std::map<std::string, std::int64_t> invocations_by_status;
  std::int64_t invocations = 0;
  std::vector<store::ActionCount> actions;  // channel × status × skip reason
  std::map<std::string, std::int64_t> messages_by_status;
  std::map<std::string, std::map<std::string, std::int64_t>> messages_by_channel;
  std::map<std::string, std::int64_t> skips_by_reason;
  std::int64_t messages_out = 0;  // sent, delivered or read
  std::int64_t messaged_consumers = 0;
  std::int64_t conversions = 0;  // payment_success events
  std::int64_t converted_consumers = 0;
  std::int64_t attributed_conversions = 0;
  std::int64_t converted_consumers_messaged = 0;
  std::map<std::string, std::int64_t> revenue_minor;  // currency -> minor units
  std::map<std::string, std::int64_t> attributed_revenue_minor;
  std::vector<store::BucketCount> event_series;
  std::vector<store::BucketCount> message_series;
  std::vector<store::BucketCount> conversion_series;
};

Result<Summary> summarize(store::Tx& tx, const Tenant& t, const store::TimeRange& r);

// The response body; `creator_id` is the creator it was narrowed to (null: all).
boost::json::object summary_json(const Summary& s, const std::optional<std::string>& creator_id);

}  // namespace ca::analytics
