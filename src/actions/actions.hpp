// The action lifecycle outside the scheduler: review decisions (approve with optional
// edit, reject, cancel), consent changes from inbound WhatsApp keywords, and delivery
// status from provider callbacks. Every change is a compare-and-set on the action's
// status, so a decision racing the scheduler or another request either wins or gets 409.
//
//   awaiting_review ─approve─► scheduled ─(scheduler)─► sending ─► sent ─► delivered ─► read
//        │                         │                       │         └──────────► failed
//        └─reject─► rejected       ├─cancel─► cancelled    ├─► failed / back to scheduled (retry)
//        └─cancel─► cancelled      └─(policy)─► skipped     └─ unknown: stays sending until the
//                                                               status callback reconciles it
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities.hpp"
#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "store/delivery_repo.hpp"
#include "store/store.hpp"

namespace ca::actions {

// Edited message text on approve: non-empty after trimming, at most this many bytes.
inline constexpr std::size_t kMaxMessageBytes = 4096;
inline constexpr std::size_t kMaxReasonBytes = 500;

struct ActionDetail {
  Action action;
  std::vector<store::ActionAttempt> attempts;
};

// Text a status callback reports, already verified by the caller.
struct StatusCallback {
  std::optional<std::string> action_id;   // from our StatusCallback URL (?action_id=)
  std::string provider_message_id;        // MessageSid
  std::string provider_status;            // MessageStatus
  std::optional<std::string> error_code;  // ErrorCode
};

enum class CallbackResult { applied, ignored, unknown_message };

struct OptOutResult {
  std::vector<std::string> consumer_ids;       // consent changed for these
  std::vector<std::string> cancelled_actions;  // scheduled WhatsApp actions cancelled
};

class ActionService {
 public:
  ActionService(store::Store& store, const Clock& clock, IdGenerator& ids)
      : store_(store), clock_(clock), ids_(ids) {}

  Result<ActionDetail> get(const Tenant& t, const std::string& id);
  // awaiting_review → scheduled (send job enqueued in the same transaction; due at the
  // planned send_at or now, whichever is later). `message` replaces the text.
  Result<Action> approve(const Tenant& t, const std::string& id,
                         const std::optional<std::string>& message);
  // awaiting_review → rejected (the reason is kept as last_error).
  Result<Action> reject(const Tenant& t, const std::string& id, const std::string& reason);
  // awaiting_review | scheduled → cancelled.
  Result<Action> cancel(const Tenant& t, const std::string& id);

  // STOP & co. from `e164`: WhatsApp consent revoked for every consumer (of any creator)
  // with that number, and their scheduled WhatsApp actions cancelled.
  Result<OptOutResult> opt_out(const std::string& e164, const std::string& source);
  // START: WhatsApp consent granted again for every consumer with that number.
  Result<OptOutResult> opt_in(const std::string& e164, const std::string& source);
  // Consumers an ordinary inbound message belongs to: those with the number whose creator
  // has messaged it on WhatsApp; when none has, all of them (a consumer writing first).
  Result<std::vector<Consumer>> inbound_recipients(const std::string& e164);

  // Applies a Twilio status callback: finds the action (by ?action_id=, else by
  // MessageSid), reconciles an unknown attempt, and moves the status forward only.
  Result<CallbackResult> apply_status(const StatusCallback& cb);

 private:
  Result<Action> decide(const Tenant& t, const std::string& id,
                        const std::vector<std::string>& from, store::ActionChange change,
                        bool enqueue_send);
  // nullopt: the status changed between read and write; the caller reads again.
  Result<std::optional<CallbackResult>> apply_status_once(const StatusCallback& cb);

  store::Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace ca::actions
