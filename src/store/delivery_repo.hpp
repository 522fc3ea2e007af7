// Sending actions: lifecycle transitions (compare-and-set on the status), send attempts,
// the sandbox outbox, the facts policy needs at send time, and delivery status from
// webhooks. The rules live in actions/; this is the SQL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::store {

// One try to hand an action to a channel. outcome: "pending" (written before the
// provider call, so a crash mid-call leaves a trace), "accepted", "retryable", "failed",
// "unknown" (the provider may have it: never resent; the status callback reconciles).
struct ActionAttempt {
  std::string id;
  std::string action_id;
  std::string creator_id;
  std::string channel;  // the MessageChannel name: sandbox | whatsapp_twilio | email_smtp
  std::string outcome = "pending";
  std::optional<std::string> provider_message_id;
  std::optional<std::string> provider_status;
  std::optional<std::string> error;
  Timestamp created_at{};
  Timestamp updated_at{};
};

// A message the sandbox channel accepted: exactly what would have been sent.
struct OutboxMessage {
  std::string id;
  std::string creator_id;
  std::string action_id;
  std::optional<std::string> consumer_id;
  Channel channel = Channel::whatsapp;
  std::string recipient;
  std::optional<std::string> subject;
  std::string body;
  std::optional<std::string> content_sid;
  std::optional<std::string> content_variables_json;
  Timestamp created_at{};
};

// The fields a transition writes besides status; unset ones keep their value.
struct ActionChange {
  std::string status;
  std::optional<std::string> skip_reason;
  std::optional<Timestamp> send_at;
  // Keeps the first due time when a hold moves send_at (set once, never overwritten).
  bool remember_planned_send_at = false;
  std::optional<std::string> message;
  std::optional<std::string> provider_message_id;  // only fills a NULL one
  std::optional<std::string> provider_status;
  std::optional<std::string> last_error;
  int attempts_delta = 0;
};

// What send-time policy reads about an action besides the Action itself.
struct ActionSendState {
  Timestamp due_at{};  // planned_send_at, or send_at when never held
  std::optional<std::string> provider_status;
  std::optional<std::string> last_error;
};

// An address a provider refused for good (a bounce, a number that is not on WhatsApp).
// Named by its SHA-256 (actions/suppression.hpp), so the row holds no copy of the address
// and a consumer given a new address is tried again.
struct Suppression {
  std::string consumer_id;
  std::string creator_id;
  Channel channel = Channel::email;
  std::string address_hash;
  std::string reason;  // ours, e.g. "smtp reply 550"
  Timestamp at{};
};

class DeliveryRepo {
 public:
  virtual ~DeliveryRepo() = default;

  // Compare-and-set: applies `change` only while the action's status is one of `from`
  // (and, with a tenant, it is the tenant's). false when the status was something else
  // (another worker or request got there first); not_found when there is no such action.
  virtual Result<bool> transition(const Tenant& t, const std::string& action_id,
                                  const std::vector<std::string>& from, const ActionChange& change,
                                  Timestamp at) = 0;
  virtual Result<ActionSendState> send_state(const std::string& action_id) = 0;
  // Times of the consumer's other actions on the channel that count against caps: the
  // send time of those sending or sent (sent, delivered, read) since `since`, and the
  // due time of scheduled ones due before the evaluated action (send_at, id order).
  virtual Result<std::vector<Timestamp>> counted_history(const Action& evaluated,
                                                         Timestamp since) = 0;
  // Latest payment_success of the consumer (the conversion policy checks against it).
  virtual Result<std::optional<Timestamp>> converted_at(const std::string& consumer_id) = 0;

  // Scheduled (or awaiting review) actions of these consumers on the channel become
  // cancelled; returns their ids (their send jobs find them cancelled and do nothing).
  virtual Result<std::vector<std::string>> cancel_pending(const std::string& consumer_id,
                                                          Channel channel, Timestamp at) = 0;

  virtual Result<void> insert_attempt(const ActionAttempt& a) = 0;
  virtual Result<void> finish_attempt(const std::string& attempt_id, const std::string& outcome,
                                      const std::optional<std::string>& provider_message_id,
                                      const std::optional<std::string>& provider_status,
                                      const std::optional<std::string>& error, Timestamp at) = 0;
  // Oldest first.
  virtual Result<std::vector<ActionAttempt>> attempts(const std::string& action_id) = 0;
  // The action a provider message id belongs to (admin view: webhooks carry no tenant).
  virtual Result<std::optional<std::string>> action_for_provider_id(
      const std::string& provider_message_id) = 0;
  // An "unknown" attempt of the action learns the provider's id (reconciliation).
  virtual Result<void> reconcile_unknown(const std::string& action_id,
                                         const std::string& provider_message_id,
                                         const std::string& provider_status, Timestamp at) = 0;

  // Idempotent per action: a second record of the same action returns the first id.
  virtual Result<std::string> record_outbox(const OutboxMessage& m) = 0;
  // Newest first.
  virtual Result<Page<OutboxMessage>> list_outbox(const Tenant& t, const PageRequest& page) = 0;

  // One per consumer and channel: a later refusal replaces the earlier one.
  virtual Result<void> suppress(const Suppression& s) = 0;
  // The consumer's suppression on the channel, whatever address it names.
  virtual Result<std::optional<Suppression>> suppression(const std::string& consumer_id,
                                                         Channel channel) = 0;

  // Consumers (any creator) whose whatsapp number is `e164`.
  virtual Result<std::vector<Consumer>> consumers_by_whatsapp(const std::string& e164) = 0;
  // Of those, the ones whose creator has sent this number a WhatsApp action.
  virtual Result<std::vector<std::string>> consumers_messaged_on_whatsapp(
      const std::vector<std::string>& consumer_ids) = 0;
};

}  // namespace ca::store
