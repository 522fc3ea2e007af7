// Where messages leave the platform. One interface, three implementations: sandbox
// (default; records the exact message, sends nothing), whatsapp_twilio, email_smtp.
// Recipient and channel are fixed by the platform before a Channel sees the message.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::channels {

struct OutboundMessage {
  std::string action_id;  // also the idempotency key towards providers that take one
  std::string creator_id;
  std::string consumer_id;
  Channel channel = Channel::whatsapp;
  std::string to;       // E.164 (+919812345678) for WhatsApp, an address for email
  std::string subject;  // email only
  std::string text;     // the message body (free-form); for a template, its preview
  std::string html;     // email only; empty → derived from text
  std::optional<std::string> content_sid;  // WhatsApp approved template
  std::string content_variables_json = "{}";
  std::string status_callback_url;  // Twilio StatusCallback; empty → none
  std::string unsubscribe_url;      // email List-Unsubscribe; empty → mailto only
};

enum class SendOutcome {
  accepted,   // provider took it; provider_message_id set
  retryable,  // nothing was sent (connect failed, 429, 5xx before acceptance): try later
  failed,     // provider refused for good (invalid number, auth, content): do not retry
  unknown,    // the request may have been sent but no answer came (timeout after send):
              // never resend blindly; the status callback reconciles
};

struct SendResult {
  SendOutcome outcome = SendOutcome::failed;
  std::string provider_message_id;
  std::string provider_status;  // e.g. Twilio "queued"
  std::string error;            // for the attempt row
  std::optional<std::chrono::seconds> retry_after;
  // Set with `failed` when the provider refused this recipient address for good (no such
  // mailbox, not a WhatsApp number): ours, e.g. "smtp reply 550", never the provider's text
  // (which may quote the address). The scheduler suppresses the address.
  std::string recipient_refused;
};

class MessageChannel {
 public:
  virtual ~MessageChannel() = default;
  virtual std::string_view name() const = 0;  // "sandbox" | "whatsapp_twilio" | "email_smtp"
  virtual SendResult send(const OutboundMessage& message) = 0;
};

// What the sandbox channel writes to (the outbox table, through the actions service).
class OutboxWriter {
 public:
  virtual ~OutboxWriter() = default;
  // Returns the outbox row id (used as the provider message id).
  virtual Result<std::string> record(const OutboundMessage& message) = 0;
};

}  // namespace ca::channels
