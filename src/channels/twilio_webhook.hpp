// Twilio webhooks: signature verification, form parsing, opt-out keywords, and how
// delivery statuses map onto action statuses (which never move backwards).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/result.hpp"

namespace ca::channels {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded → decoded pairs in order; invalid_argument on bad
// percent-encoding.
Result<FormParams> parse_form(std::string_view body);

// Base64(HMAC-SHA1(auth_token, url + concat(sorted key+value))), as Twilio computes it.
std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             const FormParams& params);
// Constant-time comparison with the X-Twilio-Signature header value.
bool verify_twilio_signature(std::string_view auth_token, std::string_view url,
                             const FormParams& params, std::string_view header_value);

enum class InboundKeyword { none, stop, start };
// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT → stop; START → start;
// any case, surrounding whitespace ignored.
InboundKeyword classify_inbound(std::string_view body);

// Twilio MessageStatus → action status ("sent", "delivered", "read", "failed"), or
// nullopt for statuses that do not change the action (queued, accepted, sending ...).
std::optional<std::string> action_status_for(std::string_view twilio_status);
// Order of action statuses after sending: sending < sent < delivered < read; failed and
// undelivered are final. A callback may only move an action forward.
bool status_moves_forward(std::string_view from, std::string_view to);

}  // namespace ca::channels
