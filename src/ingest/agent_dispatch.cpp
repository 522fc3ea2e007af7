#include "ingest/agent_dispatch.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "agents/invocation_runner.hpp"
#include "agents/registry.hpp"
#include "context/snapshot.hpp"
#include "store/agent_repo.hpp"
#include "store/job_repo.hpp"

namespace ca::ingest {

namespace bj = boost::json;

// The invocations of one transaction's events, `event_at[i]` being invocation i's event
// (an index into the events), and what deciding them reads.
struct AgentDispatch::Matched final : EventSink::Prepared {
  Timestamp now{};
  std::vector<Invocation> invocations;
  std::vector<std::size_t> event_at;
  std::optional<agents::InlineInputs> inputs;  // with a decider, on a first try
  std::size_t decided = 0;                     // inline, counted once committed
  bool wake = false;  // it wrote work due now: wake a worker once committed
};

Result<std::unique_ptr<EventSink::Prepared>> AgentDispatch::prepare(
    store::Tx& tx, const std::vector<Event>& events, bool first_try) {
  auto matched = std::make_unique<Matched>();
  matched->now = clock_.now();
  // Triggers are looked up once per (creator, event type) in the transaction.
  std::map<std::pair<std::string, std::string>, std::vector<store::TriggerMatch>> triggers;
  for (std::size_t e = 0; e < events.size(); ++e) {
    const Event& event = events[e];
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
      inv.created_at = inv.updated_at = matched->now;
      matched->invocations.push_back(std::move(inv));
      matched->event_at.push_back(e);
    }
  }
  if (decider_ != nullptr && first_try && !matched->invocations.empty()) {
    auto inputs = decider_->load(tx, matched->invocations);
    if (!inputs) return std::move(inputs).error();
    matched->inputs = std::move(*inputs);
  }
  return std::unique_ptr<EventSink::Prepared>(std::move(matched));
}

Result<void> AgentDispatch::on_events(store::Tx& tx, const std::vector<StoredEvent>& events,
                                      Prepared* prepared) {
  auto* matched = dynamic_cast<Matched*>(prepared);
  if (matched == nullptr) return Error::internal("agent dispatch: events were not prepared");
  const Timestamp now = matched->now;
  std::vector<Invocation>& invocations = matched->invocations;
  if (invocations.empty()) return ok();
  std::vector<const StoredEvent*> invoked_for;
  invoked_for.reserve(invocations.size());
  for (std::size_t at : matched->event_at) {
    if (at >= events.size()) return Error::internal("agent dispatch: events changed");
    invoked_for.push_back(&events[at]);
  }
  agents::InlineDecisions decided;
  if (matched->inputs) {  // loaded by prepare on a first try only
    std::vector<agents::InlineCandidate> candidates;
    candidates.reserve(invocations.size());
    for (size_t i = 0; i < invocations.size(); ++i) {
      const StoredEvent& se = *invoked_for[i];
      candidates.push_back({&invocations[i], se.event, se.before ? &*se.before : nullptr});
    }
    auto d = decider_->decide(tx, *matched->inputs, candidates, now);
    if (!d) return std::move(d).error();
    decided = std::move(*d);
  }
  CA_CHECK(tx.invocations().insert_many(invocations));
  CA_CHECK(decided.write_plans(tx, ids_, now));
  matched->decided = decided.count();
  if (auto soonest = decided.soonest_send(); soonest && *soonest <= now + store::kAnnounceHorizon) {
    matched->wake = true;  // a send due now
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
  matched->wake = true;
  return ok();
}

void AgentDispatch::after_commit(Prepared* prepared) {
  // Per transaction: with several ingest writers, a shared flag let one writer's commit
  // consume the wake-up for another's jobs before those were committed.
  auto* matched = dynamic_cast<Matched*>(prepared);
  if (matched == nullptr) return;
  decided_inline_.fetch_add(matched->decided, std::memory_order_relaxed);
  if (waker_ && matched->wake) waker_->notify();
}

}  // namespace ca::ingest
