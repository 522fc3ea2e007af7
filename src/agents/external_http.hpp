// The external_http agent: the decision comes from the creator's own service.
// Config: {"url": "https://...", "secret": "16..256 chars", "timeout_ms": 5000}
// Request: POST url, JSON body
//   {"event", "context": {"before", "after"}, "consumer" (omitted when none),
//    "creator": {"id","name"}, "profile": {"services": [{id,name,type,price,url}]}, "sent_at"}
// headers Content-Type: application/json, X-Timestamp: <unix seconds>,
//         X-Signature: sha256=<hex HMAC-SHA256(secret, body)> (sent_at inside the body lets
//         the receiver reject replays).
// Response (2xx, strictly validated, unknown fields rejected):
//   {"act": bool, "reason"?: string, "actions"?: [{"channel": "whatsapp|email|sms",
//    "delay_minutes": n | "send_at": RFC 3339, "message": "1..4096 bytes"}]}   (<= 10)
#pragma once

#include <chrono>
#include <string>

#include "agents/runtime.hpp"

namespace ca::agents {

inline constexpr std::string_view kExternalHttpKind = "external_http";

struct ExternalHttpConfig {
  std::string url;
  std::string secret;
  std::optional<std::chrono::milliseconds> timeout;  // RuntimeOptions.http_timeout when unset
};

Result<ExternalHttpConfig> parse_external_http_config(const std::string& json);

// Lowercase hex HMAC-SHA256 of `body` keyed by `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view body);

// Validates a response body into a Decision; field paths start at "response".
Result<Decision> parse_external_response(std::string_view body, Timestamp now);

class ExternalHttpAgent final : public Agent {
 public:
  ExternalHttpAgent(ExternalHttpConfig config, RuntimeOptions opts)
      : config_(std::move(config)), opts_(opts) {}

  // One remote call decides both; should_act/plan_actions call decide() (each a request).
  Result<Decision> decide(const AgentInput& in) const override;
  bool should_act(const AgentInput& in, std::string& reason) const override;
  std::vector<PlannedAction> plan_actions(const AgentInput& in) const override;

  // The exact body that decide() signs and sends (exposed for tests).
  static std::string request_body(const AgentInput& in);

 private:
  ExternalHttpConfig config_;
  RuntimeOptions opts_;
};

}  // namespace ca::agents
