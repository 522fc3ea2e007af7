// Decides invocations of the pure built-in agents (generic_sales, rule) inside the ingest
// transaction that stored their events. Their decision is a function of the event, the
// consumer's context before and after it, the consumer, the creator and its products: the
// transaction has the first three at hand and reads the rest with a few statements. The
// invocation row then goes in already decided, its actions, send jobs and follow-up with
// it (plan_writer), and no agent.invoke job is written: no claim, no second read of the
// same rows, no second transaction. It is the worker's decision, made earlier.
//
// An invocation is left to the job queue (queued, decided by a worker as before) when
//  - its agent is not a pure kind (external_http calls out: no remote call in a write
//    transaction), or is gone;
//  - an LLM is configured and the decision has messages to personalise (a remote call too);
//  - its consumer has a job running or due (per-consumer order: that job runs first), or an
//    earlier invocation of the same consumer in this transaction was left to the queue;
//  - the agent fails transiently.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agents/runtime.hpp"
#include "context/rules.hpp"
#include "domain/entities.hpp"
#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "store/store.hpp"

namespace ca::agents {

// One invocation of a stored event, in event order. `invocation` is filled in (status,
// reason, result, error) when it is decided here.
struct InlineCandidate {
  Invocation* invocation = nullptr;
  const Event* event = nullptr;
  const context::ContextState* before = nullptr;  // null: a consumer-less event
};

// What decisions read besides the contexts, loaded before the consumers' contexts are read
// and locked: on PostgreSQL these round trips then stay out of the stretch in which other
// writers wait for those rows.
struct InlineInputs {
  std::map<std::string, ca::Agent> agents;  // the pure ones among the invocations' agents
  std::map<std::string, Creator> creators;
  std::map<std::string, std::vector<Product>> products;  // by creator id
  std::map<std::string, Consumer> consumers;
};

// What decide() decided: which candidates, and the plans to write once the invocation rows
// are in (actions reference them). It refers to its InlineInputs: keep them until then.
class InlineDecisions {
 public:
  InlineDecisions();
  ~InlineDecisions();
  InlineDecisions(InlineDecisions&&) noexcept;
  InlineDecisions& operator=(InlineDecisions&&) noexcept;

  bool decided(std::size_t i) const { return i < decided_.size() && decided_[i]; }
  std::size_t count() const;
  // When the soonest send job write_plans enqueues is due (idle workers should hear of it
  // when that is now); nullopt: none.
  std::optional<Timestamp> soonest_send() const { return soonest_send_; }
  // The decided invocations' actions, send jobs and follow-ups (write_decisions).
  Result<void> write_plans(store::Tx& tx, IdGenerator& ids, Timestamp now) const;

 private:
  friend class InlineDecider;
  struct Held;
  std::vector<bool> decided_;
  std::optional<Timestamp> soonest_send_;
  std::unique_ptr<Held> held_;
};

class InlineDecider {
 public:
  explicit InlineDecider(RuntimeOptions opts) : opts_(opts) {}

  // Reads what deciding these invocations needs; nothing when none is of a pure kind.
  // Errors are the store's (the transaction is then lost anyway).
  Result<InlineInputs> load(store::Tx& tx, const std::vector<Invocation>& invocations) const;
  // Decides what it can (reading which consumers have a job due: after their contexts are
  // locked, so an earlier transaction's queued work is seen). Errors are the store's.
  Result<InlineDecisions> decide(store::Tx& tx, const InlineInputs& inputs,
                                 const std::vector<InlineCandidate>& candidates,
                                 Timestamp now) const;

 private:
  RuntimeOptions opts_;
};

}  // namespace ca::agents
