// Entity ⇄ JSON as API.md writes them. Decoders validate every field and name the
// first bad one; encoders never fail.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

#include "domain/entities.hpp"
#include "domain/json_codec.hpp"
#include "domain/result.hpp"

namespace ca::api {

boost::json::value to_json(const Creator& c);
boost::json::value to_json(const Consumer& c);
boost::json::value to_json(const ConsumerContext& c);
boost::json::value to_json(const Product& p);
boost::json::value to_json(const Money& m);
// An agent as GET /agents serves it (config secrets redacted); defined in api/agents.cpp.
boost::json::value agent_json(const Agent& a);
// An event as GET /events serves it; defined in api/events.cpp.
boost::json::value event_json(const Event& e);
// An action as GET /actions serves it; defined in api/actions.cpp.
boost::json::object action_json(const Action& a);
// An invocation as GET /invocations serves it; defined in api/invocations.cpp.
boost::json::value invocation_json(const Invocation& v);
boost::json::value to_json(std::optional<Timestamp> t);
boost::json::value to_json(const std::optional<std::string>& s);
// Parses stored JSON text (settings, metrics); invalid text reads as {} rather than failing.
boost::json::value stored_json(const std::string& text);

// Field limits shared by decoders.
inline constexpr std::size_t kNameMax = 200;
inline constexpr std::size_t kEmailMax = 254;
inline constexpr std::size_t kIdentMax = 128;
inline constexpr std::size_t kTextMax = 10'000;
inline constexpr std::size_t kSettingsMax = std::size_t{64} * 1024;

// Each apply_* reads the fields it knows from `r` into `out`; `creating` makes the
// required fields required (POST) rather than optional (PATCH). JSON null clears an
// optional field on PATCH.
void apply_creator_fields(json::FieldReader& r, Creator& out, bool creating);
void apply_consumer_fields(json::FieldReader& r, Consumer& out, bool creating);
void apply_product_fields(json::FieldReader& r, Product& out, bool creating);

// {"channel","granted","source"}.
struct ConsentInput {
  Channel channel;
  Consent consent;
};
Result<ConsentInput> decode_consent(const boost::json::object& body, Timestamp now);

}  // namespace ca::api
