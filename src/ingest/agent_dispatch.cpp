#include "ingest/agent_dispatch.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <set>
#include <utility>

#include "agents/invocation_runner.hpp"
#include "agents/registry.hpp"
#include "context/snapshot.hpp"
#include "store/agent_repo.hpp"
#include "store/job_repo.hpp"

namespace ca::ingest {

namespace bj = boost::json;

Result<void> AgentDispatch::on_events(store::Tx& tx, const std::vector<StoredEvent>& events,
                                      bool first_try) {
  pending_inline() = 0;  // a failed transaction's count is never added
  const Timestamp now = clock_.now();
  // Triggers are looked up once per (creator, event type) in the transaction.
  std::map<std::pair<std::string, std::string>, std::vector<store::TriggerMatch>> triggers;
  std::vector<Invocation> invocations;
  std::vector<const StoredEvent*> invoked_for;
  for (const StoredEvent& se : events) {
    const Event& event = *se.event;
    // Agents' own events never trigger agents: no loops between agents.
    if (event.source == "agent") continue;
    auto key = std::make_pair(event.creator_id, event.type);
    auto it = triggers.find(key);
    if (it == triggers.end()) {
      auto found = tx.agents().matching_triggers(event.creator_id, event.type);
      if (!found) return std::move(found).error();
      it = triggers.emplace(std::move(key), std::move(*found)).first;
    }
    std::set<std::string> agents_done;  // two matching triggers of one agent: one invocation
    for (const auto& m : it->second) {
      if (agents_done.count(m.agent_id) || !agents::trigger_matches(m.filter_json, event)) {
        continue;
      }
      agents_done.insert(m.agent_id);
      Invocation inv;
      inv.id = ids_.next();
      inv.creator_id = event.creator_id;
      inv.agent_id = m.agent_id;
      inv.consumer_id = event.consumer_id;
      inv.event_id = event.id;
      inv.status = InvocationStatus::queued;
      inv.reason = "queued by trigger " + m.trigger_id;
      inv.created_at = inv.updated_at = now;
      invocations.push_back(std::move(inv));
      invoked_for.push_back(&se);
    }
  }
  if (invocations.empty()) return ok();
  agents::InlineDecisions decided;
  if (decider_ != nullptr && first_try) {
    std::vector<agents::InlineCandidate> candidates;
    candidates.reserve(invocations.size());
    for (size_t i = 0; i < invocations.size(); ++i) {
      const StoredEvent& se = *invoked_for[i];
      candidates.push_back({&invocations[i], se.event, se.before ? &*se.before : nullptr});
    }
    auto d = decider_->decide(tx, candidates, now);
    if (!d) return std::move(d).error();
    decided = std::move(*d);
  }
  CA_CHECK(tx.invocations().insert_many(invocations));
  CA_CHECK(decided.write_plans(tx, ids_, now));
  pending_inline() = decided.count();
  if (auto soonest = decided.soonest_send(); soonest && *soonest <= now + store::kAnnounceHorizon) {
    enqueued_.store(true, std::memory_order_relaxed);  // a send due now: wake a worker for it
  }

  std::vector<store::NewJob> jobs;
  jobs.reserve(invocations.size());
  for (size_t i = 0; i < invocations.size(); ++i) {
    if (decided.decided(i)) continue;
    const Invocation& inv = invocations[i];
    const StoredEvent& se = *invoked_for[i];
    // Only the context before the event: the one after it is apply_event(before, event),
    // a pure function the worker re-runs. Half the snapshot bytes in a row written twice
    // (enqueued, then claimed), and half the serialising inside the writer's transaction.
    bj::object payload{{"invocation_id", inv.id}};
    payload["before"] =
        se.before ? bj::value(context::snapshot_object(*se.before)) : bj::value(nullptr);
    store::NewJob job;
    job.id = ids_.next();
    job.kind = agents::kInvokeJobKind;
    job.creator_id = inv.creator_id;
    job.consumer_id = inv.consumer_id;  // one consumer's invocations run in event order
    job.payload_json = bj::serialize(payload);
    job.run_at = now;
    jobs.push_back(std::move(job));
  }
  if (jobs.empty()) return ok();
  CA_CHECK(tx.jobs().enqueue_many(jobs, now));
  // Shared by concurrent ingest writers: at worst one wakes workers a moment early and
  // they find the job on their next poll.
  enqueued_.store(true, std::memory_order_relaxed);
  return ok();
}

// Per writer thread: what its transaction decided, counted once it commits.
std::uint64_t& AgentDispatch::pending_inline() {
  thread_local std::uint64_t pending = 0;
  return pending;
}

void AgentDispatch::after_commit() {
  decided_inline_.fetch_add(std::exchange(pending_inline(), 0), std::memory_order_relaxed);
  if (waker_ && enqueued_.exchange(false, std::memory_order_relaxed)) waker_->notify();
}

}  // namespace ca::ingest
