// The send scheduler: the handler of "action.send" jobs (claimed with a lease by the
// shared job queue, due at the action's send_at). Policy is evaluated AT SEND TIME from
// facts read then (consent, zone, contact, conversion, the WhatsApp window, this consumer
// and channel's history); then send, hold (send_at and a new job moved to later) or skip.
//
// Exactly once, never twice: the transition scheduled → sending (with a "pending" attempt
// row) commits BEFORE the provider is called, so a second claimer finds the action not
// scheduled and does nothing; a crash mid-call leaves it sending, never resent. After the
// call the attempt gets its outcome: accepted → sent; retryable → scheduled again with
// backoff (failed after max_send_attempts); failed → failed; unknown (timeout after the
// request went out) → stays sending with the attempt "unknown" until the provider's status
// callback, which carries ?action_id= in its URL, reconciles it (ActionService).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "channels/channel.hpp"
#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "jobs/backoff.hpp"
#include "jobs/worker_pool.hpp"
#include "store/job_repo.hpp"
#include "store/store.hpp"

namespace ca::actions {

struct SchedulerOptions {
  int max_send_attempts = 5;  // retryable outcomes before the action fails
  jobs::BackoffPolicy backoff{std::chrono::seconds(30), std::chrono::hours(1), 0.0};
  // "https://api.example.com" → StatusCallback ".../webhooks/twilio/status?action_id=…";
  // empty: no status callbacks requested.
  std::string public_base_url;
};

// Which channel sends each message channel (not owned). A missing one fails the action.
using ChannelMap = std::map<Channel, channels::MessageChannel*>;

class SendScheduler {
 public:
  SendScheduler(store::Store& store, const Clock& clock, IdGenerator& ids, ChannelMap channels,
                SchedulerOptions options)
      : store_(store),
        clock_(clock),
        ids_(ids),
        channels_(std::move(channels)),
        options_(std::move(options)) {}

  // The job handler. Errors are transient (database): the job retries, and finds the
  // action where the committed part of this run left it.
  Result<void> run_send(const store::Job& job);
  // Sends one action now if it is scheduled and due (what run_send does after parsing).
  Result<void> send_action(const std::string& action_id);

  void register_with(jobs::WorkerPool& pool);

 private:
  struct Claimed;
  Result<std::optional<Claimed>> evaluate_and_claim(const std::string& action_id);
  Result<void> record_outcome(const Claimed& claimed, const channels::SendResult& result);

  store::Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  ChannelMap channels_;
  SchedulerOptions options_;
};

}  // namespace ca::actions
