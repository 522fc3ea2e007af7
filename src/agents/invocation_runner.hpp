// The worker side of agents: loads what an invocation needs from the store, runs the
// agent (outside any transaction: an external agent may take seconds), then writes the
// planned actions and the invocation's outcome in one transaction. Also runs follow-ups
// (re-engagement checks) when their delayed job comes due.
#pragma once

#include "agents/runtime.hpp"
#include "domain/ids.hpp"
#include "jobs/worker_pool.hpp"
#include "store/job_repo.hpp"
#include "store/store.hpp"

namespace ca::agents {

inline constexpr const char* kInvokeJobKind = "agent.invoke";
inline constexpr const char* kFollowupJobKind = "agent.followup";
// Sends one action (actions/scheduler.hpp runs it). Payload {"action_id"}; due at the
// action's send_at; carries the consumer so one consumer's sends run one at a time (caps
// are counted without a race).
inline constexpr const char* kSendJobKind = "action.send";

// Enqueues the send job of a scheduled action in the caller's transaction.
Result<void> enqueue_send_job(store::Tx& tx, const Action& action, IdGenerator& ids,
                              Timestamp run_at, Timestamp now);

// The creator's catalogue the agents pitch from (at most 500 products).
Result<std::vector<Product>> load_products(store::Tx& tx, const std::string& creator_id);

// The consumer's context before and after the event (none: a consumer-less event), with
// their metrics already parsed when the caller has them.
struct ContextPair {
  std::optional<ConsumerContext> before, after;
  const context::Metrics* before_metrics = nullptr;
  const context::Metrics* after_metrics = nullptr;
};

// An agent's decision on one invocation ("agent disabled" for a disabled agent). Errors
// as run_agent's.
Result<Decision> decide_invocation(const ca::Agent& agent, const Event& event,
                                   const ContextPair& contexts, const Consumer* consumer,
                                   const Creator& creator, const std::vector<Product>& products,
                                   Timestamp now, const RuntimeOptions& opts);

class InvocationRunner {
 public:
  InvocationRunner(store::Store& store, const Clock& clock, IdGenerator& ids, RuntimeOptions opts)
      : store_(store), clock_(clock), ids_(ids), opts_(opts) {}

  // Staged job handlers (jobs/worker_pool.hpp): read and decide outside any transaction,
  // return the writes (actions, send jobs, follow-up, the invocation's outcome) for the
  // worker's outcome transaction. An error means "retry later" (transient: database or
  // remote agent unavailable); a permanent failure is recorded on the invocation.
  Result<jobs::JobEffects> prepare_invoke(const store::Job& job);
  // A claimed batch's invoke jobs at once: one read transaction loads every invocation,
  // event, consumer, agent, creator and product list they need with a few statements,
  // and the held jobs' writes go in together (one UPDATE of the outcomes, one INSERT of
  // actions, one of jobs), each job's own effects being the fallback.
  jobs::StagedBatch prepare_invokes(const std::vector<store::Job>& jobs);
  Result<jobs::JobEffects> prepare_followup(const store::Job& job);
  // The same with the writes in a transaction of their own (tests, the simulator).
  Result<void> run_invoke(const store::Job& job);
  Result<void> run_followup(const store::Job& job);

  void register_with(jobs::WorkerPool& pool);

 private:
  store::Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  RuntimeOptions opts_;
};

}  // namespace ca::agents
