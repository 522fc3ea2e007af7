// What a decided invocation writes: its outcome, its planned actions, their send jobs and
// the agent's follow-up. For one invocation (a job written alone) or for a worker's whole
// claimed batch with a few multi-row statements — the same rules either way.
#pragma once

#include <optional>
#include <vector>

#include "agents/runtime.hpp"
#include "domain/entities.hpp"
#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "store/job_repo.hpp"
#include "store/store.hpp"

namespace ca::agents {

// One decided invocation. `finish` false: the caller inserted its row already decided (a
// follow-up's invocation), so there is nothing to finish, only the plan to write.
struct DecidedInvocation {
  const Invocation* invocation = nullptr;
  const ca::Agent* agent = nullptr;
  const Result<Decision>* decision = nullptr;
  bool finish = true;
};

// Finishes the invocations that still are undecided (one UPDATE; one already decided by
// an earlier run of its job is skipped with everything else it would write), then writes
// the plans of the decided ones: actions in one INSERT, the pending follow-ups looked up
// with one SELECT, and every send and follow-up job in one INSERT.
Result<void> write_decisions(store::Tx& tx, const std::vector<DecidedInvocation>& decided,
                             IdGenerator& ids, Timestamp now);

// The send job of a scheduled action, due at `run_at`.
store::NewJob send_job(const Action& action, IdGenerator& ids, Timestamp run_at);

// The outcome as stored in agent_invocations.result.
std::string result_json(const Decision& d);

}  // namespace ca::agents
