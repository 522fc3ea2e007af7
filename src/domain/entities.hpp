// Plain value types stored by store/ and served by api/. JSON-valued columns are kept
// as serialized text here so that domain stays free of a JSON library in its headers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/money.hpp"
#include "domain/time.hpp"

namespace ca {

// Which creator a request may see. Admin keys see everything (creator_id empty);
// creator keys see only their creator. Every tenant-table query takes one.
struct Tenant {
  std::optional<std::string> creator_id;
  bool is_admin() const { return !creator_id.has_value(); }
  static Tenant admin() { return {}; }
  static Tenant creator(std::string id) { return {std::move(id)}; }
};

struct Creator {
  std::string id;
  std::string name;
  std::string email;
  std::optional<std::string> external_username;
  std::string timezone = "UTC";
  std::string settings_json = "{}";
  Timestamp created_at{};
  Timestamp updated_at{};
};

enum class Channel { whatsapp, email, sms };
const char* to_string(Channel c);
std::optional<Channel> parse_channel(std::string_view s);

struct Consent {
  bool granted = false;
  std::string source;
  Timestamp at{};
};

struct Consumer {
  std::string id;
  std::string creator_id;
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::string> whatsapp;  // E.164
  std::optional<std::string> external_id;
  std::optional<std::string>
      timezone;  // IANA; empty = unknown (policy falls back to the creator's)
  std::map<Channel, Consent> consent;
  Timestamp created_at{};
  Timestamp updated_at{};
};

enum class Stage { new_, interested, engaged, converted, churned };
const char* to_string(Stage s);
std::optional<Stage> parse_stage(std::string_view s);

struct ConsumerContext {
  std::string consumer_id;
  std::string creator_id;
  Stage stage = Stage::new_;
  double lead_score = 0;
  std::optional<Timestamp> last_seen_at;
  std::string metrics_json = "{}";
  std::string attributes_json = "{}";
  Timestamp updated_at{};
};

struct Product {
  std::string id;
  std::string creator_id;
  std::string name;
  std::string type;
  Money price;
  std::optional<std::string> description;
  std::optional<std::string> url;
  Timestamp created_at{};
  Timestamp updated_at{};
};

enum class KeyRole { admin, creator };

struct ApiKey {
  std::string id;
  KeyRole role = KeyRole::creator;
  std::optional<std::string> creator_id;  // set iff role == creator
  std::string prefix;                     // visible part, e.g. "ca_3f9a1c2b"
  std::string hash_hex;                   // SHA-256 of the whole key
  std::optional<std::string> name;
  Timestamp created_at{};
  std::optional<Timestamp> last_used_at;
};

// Something a consumer (or the platform) did. `type` is a known type (page_view,
// service_click, ...) or a custom ^[a-z][a-z0-9_]{0,63}$ name; payload is JSON text.
struct Event {
  std::string id;
  std::string creator_id;
  std::optional<std::string> consumer_id;
  std::string type;
  std::string source = "api";  // api | webhook | system | agent
  Timestamp occurred_at{};     // when it happened (client clock, may be late)
  Timestamp received_at{};     // when the platform stored it
  std::string payload_json = "{}";
  std::optional<std::string> idempotency_key;  // client id or Idempotency-Key header
  std::string request_hash;                    // SHA-256 of the canonical request, for 409s
};

// ---- agents ----

enum class Approval { automatic, review };  // JSON "auto" | "review"

// An agent runs when an event of `event_type` arrives and `filter_json` (an object of
// payload conditions, "{}" = always) matches it.
struct AgentTrigger {
  std::string id;
  std::string agent_id;
  std::string creator_id;
  std::string event_type;
  std::string filter_json = "{}";
};

struct Agent {
  std::string id;
  std::string creator_id;
  std::string name;
  std::string kind;  // "generic_sales" | "rule" | "external_http"
  std::string config_json = "{}";
  Approval approval = Approval::automatic;
  bool enabled = true;
  std::vector<AgentTrigger> triggers;
  Timestamp created_at{};
  Timestamp updated_at{};
};

// queued → running → completed (acted or decided not to) | failed.
enum class InvocationStatus { queued, running, completed, failed };

struct Invocation {
  std::string id;
  std::string creator_id;
  std::string agent_id;
  std::optional<std::string> consumer_id;
  std::string event_id;
  InvocationStatus status = InvocationStatus::queued;
  std::string reason;              // why the agent acted or not
  std::string result_json = "{}";  // the decision and planned actions
  std::optional<std::string> error;
  Timestamp created_at{};
  Timestamp updated_at{};
};

// What an agent wants done; the actions issue turns these into sends under policy.
struct PlannedAction {
  Channel channel = Channel::whatsapp;
  std::string type = "send_message";  // or e.g. "schedule_followup"
  Timestamp send_at{};
  std::string message;
  std::optional<std::string> template_json;  // WhatsApp template (ContentSid + variables)
  std::string metadata_json = "{}";          // e.g. {"service_id": "...", "rule": "..."}
};

// Statuses as API.md lists them; until the actions issue lands, planned actions are
// stored `scheduled` (or `awaiting_review` for agents with approval "review").
struct Action {
  std::string id;
  std::string creator_id;
  std::string invocation_id;
  std::string agent_id;
  std::string consumer_id;
  Channel channel = Channel::whatsapp;
  std::string type = "send_message";
  std::string status = "scheduled";
  std::optional<std::string> skip_reason;
  Timestamp send_at{};
  std::string message;
  std::optional<std::string> template_json;
  std::optional<std::string> provider_message_id;
  int attempts = 0;
  Timestamp created_at{};
  Timestamp updated_at{};
};

// A page of a list: `after_id` is the decoded cursor (ids are time-ordered UUIDv7,
// lists are newest first, so the next page holds ids < after_id).
struct PageRequest {
  std::optional<std::string> after_id;
  int limit = 50;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_after_id;  // id of the last item when more may follow
};

}  // namespace ca
