// The EventSink that turns a stored event into agent invocations: inside the ingest
// transaction it matches the creator's enabled triggers, writes one invocation row per
// matching agent and enqueues its "agent.invoke" job (per-consumer ordered). Nothing
// lives only in memory; after commit it wakes this process's idle workers.
#pragma once

#include <atomic>

#include "domain/ids.hpp"
#include "ingest/ingest_service.hpp"
#include "jobs/waker.hpp"

namespace ca::ingest {

class AgentDispatch final : public EventSink {
 public:
  AgentDispatch(IdGenerator& ids, const Clock& clock, jobs::Waker* waker)
      : ids_(ids), clock_(clock), waker_(waker) {}

  Result<void> on_events(store::Tx& tx, const std::vector<StoredEvent>& events) override;
  void after_commit() override;

 private:
  IdGenerator& ids_;
  const Clock& clock_;
  jobs::Waker* waker_;
  std::atomic<bool> enqueued_{false};
};

}  // namespace ca::ingest
