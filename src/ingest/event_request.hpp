// An event as a client sends it, decoded and validated field by field, plus the
// fingerprint that tells a replay (same key, same body) from a clash (same key, other body).
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::ingest {

// How the event names its consumer: by id, or by an identity to find or create.
struct ConsumerRef {
  std::optional<std::string> id;
  std::optional<std::string> external_id;
  std::optional<std::string> email;
  std::optional<std::string> whatsapp;
  std::optional<std::string> name;
  std::optional<std::string> timezone;
  bool empty() const { return !id && !external_id && !email && !whatsapp; }
};

struct EventRequest {
  std::optional<std::string> idempotency_key;  // body `id` or the Idempotency-Key header
  bool key_is_event_id = false;                // a UUID `id` becomes the event's own id
  std::optional<std::string> creator_id;       // only with an admin key
  ConsumerRef consumer;
  std::string type;
  std::string source = "api";
  std::optional<Timestamp> occurred_at;  // absent: the time it was received
  std::string payload_json = "{}";
  std::string fingerprint;  // SHA-256 of the canonical request; empty without a key
};

inline constexpr std::size_t kMaxPayloadBytes = 64 * std::size_t{1024};

// Known types (context::is_known_event_type), or a custom ^[a-z][a-z0-9_]{0,63}$ name.
bool is_valid_event_type(std::string_view type);

// `field_prefix` is "" for POST /events and "events[3]" inside a batch, so errors name
// the exact field. `header_key` is the Idempotency-Key header, if any.
Result<EventRequest> decode_event(const boost::json::object& body,
                                  const std::optional<std::string>& header_key,
                                  const std::string& field_prefix = {});

// JSON with object keys sorted at every level: equal documents, equal text.
std::string canonical_json(const boost::json::value& v);

}  // namespace ca::ingest
