// Read-only aggregates for analytics (GET /analytics/summary) and the raw facts the
// simulator's invariant checks need. Grouping is done in SQL; rules (attribution windows,
// quiet hours, caps) are applied by the callers in analytics/ and sim/.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"

namespace ca::store {

// [from, to)
struct TimeRange {
  Timestamp from{};
  Timestamp to{};
};

struct KeyCount {
  std::string key;
  std::int64_t count = 0;
};

// Actions created in the range, grouped by channel, status and skip reason.
struct ActionCount {
  std::string channel;
  std::string status;
  std::optional<std::string> skip_reason;
  std::int64_t count = 0;
};

// Index of a bucket of `bucket` length counted from range.from, and its count.
struct BucketCount {
  std::int64_t bucket = 0;
  std::int64_t count = 0;
};

// A payment_success event and whether its consumer was sent a message (sent, delivered or
// read) in the attribution window before it.
struct Payment {
  std::string creator_id;
  std::string consumer_id;
  Timestamp occurred_at{};
  std::string payload_json;
  bool messaged_before = false;
};

// A message that went out (sent, delivered or read), with what invariants check it against.
struct SentMessage {
  std::string action_id;
  std::string creator_id;
  std::string consumer_id;
  std::string invocation_id;
  Channel channel = Channel::whatsapp;
  Timestamp sent_at{};  // the action's send_at, set when it was claimed for sending
  std::optional<std::string> consumer_timezone;
  std::string creator_timezone;
  std::string creator_settings_json;
  std::string agent_config_json;
  bool as_template = false;  // the outbox recorded a WhatsApp template (ContentSid)
  // Consent on the message's channel as stored now, and when it last changed.
  std::optional<bool> consent_granted;
  std::optional<Timestamp> consent_updated_at;
  // Latest whatsapp_message_received of the consumer at or before sent_at.
  std::optional<Timestamp> last_inbound_whatsapp_at;
};

class AnalyticsRepo {
 public:
  virtual ~AnalyticsRepo() = default;

  // Consumers created in the range by their current stage.
  virtual Result<std::vector<KeyCount>> consumers_by_stage(const Tenant& t, const TimeRange& r) = 0;
  // Events that occurred in the range, by type.
  virtual Result<std::vector<KeyCount>> events_by_type(const Tenant& t, const TimeRange& r) = 0;
  // Invocations created in the range, by status.
  virtual Result<std::vector<KeyCount>> invocations_by_status(const Tenant& t,
                                                              const TimeRange& r) = 0;
  virtual Result<std::vector<ActionCount>> actions_breakdown(const Tenant& t,
                                                             const TimeRange& r) = 0;
  // Events per bucket (by occurred_at); empty buckets are absent.
  virtual Result<std::vector<BucketCount>> event_series(const Tenant& t, const TimeRange& r,
                                                        std::chrono::microseconds bucket) = 0;
  // Messages that went out per bucket (by send time).
  virtual Result<std::vector<BucketCount>> message_series(const Tenant& t, const TimeRange& r,
                                                          std::chrono::microseconds bucket) = 0;
  virtual Result<std::vector<Payment>> payments(const Tenant& t, const TimeRange& r,
                                                std::chrono::microseconds attribution_window) = 0;
  // Distinct consumers sent at least one message in the range.
  virtual Result<std::int64_t> messaged_consumers(const Tenant& t, const TimeRange& r) = 0;

  // Consumers sent at least one message in the range (the simulator's feedback).
  virtual Result<std::vector<std::string>> messaged_consumer_ids(const Tenant& t,
                                                                 const TimeRange& r) = 0;

  // ---- invariant facts (all time) ----
  virtual Result<std::vector<SentMessage>> sent_messages(const Tenant& t) = 0;
  // Actions with more than one accepted send attempt.
  virtual Result<std::int64_t> actions_sent_twice(const Tenant& t) = 0;
  // Invocations (one agent decision) with more than one message out on one channel.
  virtual Result<std::int64_t> decisions_sent_twice(const Tenant& t) = 0;
  virtual Result<std::int64_t> count_events(const Tenant& t) = 0;
};

}  // namespace ca::store
