// The EventSink that turns a stored event into agent invocations: inside the ingest
// transaction it matches the creator's enabled triggers and writes one invocation row per
// matching agent. With an InlineDecider, the invocations it can decide there go in decided
// with their plans (agents/inline_decider.hpp); every other one gets an "agent.invoke" job
// (per-consumer ordered) for a worker. Nothing lives only in memory; after commit it wakes
// this process's idle workers.
#pragma once

#include <atomic>
#include <cstdint>

#include "agents/inline_decider.hpp"
#include "domain/ids.hpp"
#include "ingest/ingest_service.hpp"
#include "jobs/waker.hpp"

namespace ca::ingest {

class AgentDispatch final : public EventSink {
 public:
  // `decider` null: every invocation goes to the job queue.
  AgentDispatch(IdGenerator& ids, const Clock& clock, jobs::Waker* waker,
                const agents::InlineDecider* decider = nullptr)
      : ids_(ids), clock_(clock), waker_(waker), decider_(decider) {}

  // Matches triggers into invocations and, with a decider, loads what deciding them reads.
  // Decides inline only on an event's first try: when that transaction failed, the retry
  // leaves every invocation to the queue, so no agent's writes can keep an event out.
  Result<std::unique_ptr<Prepared>> prepare(store::Tx& tx, const std::vector<Event>& events,
                                            bool first_try) override;
  // Decides what it can, writes the invocations, their plans and the others' jobs.
  Result<void> on_events(store::Tx& tx, const std::vector<StoredEvent>& events,
                         Prepared* prepared) override;
  void after_commit(Prepared* prepared) override;

  // Invocations decided inline in committed transactions.
  std::uint64_t decided_inline() const { return decided_inline_.load(); }

 private:
  struct Matched;  // what prepare hands to on_events and after_commit

  IdGenerator& ids_;
  const Clock& clock_;
  jobs::Waker* waker_;
  const agents::InlineDecider* decider_;
  std::atomic<std::uint64_t> decided_inline_{0};
};

}  // namespace ca::ingest
