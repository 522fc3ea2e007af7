#include "ingest/agent_dispatch.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <set>

#include "agents/invocation_runner.hpp"
#include "agents/registry.hpp"
#include "context/snapshot.hpp"
#include "store/agent_repo.hpp"
#include "store/job_repo.hpp"

namespace ca::ingest {

namespace bj = boost::json;

Result<void> AgentDispatch::on_event(store::Tx& tx, const Event& event,
                                     const ConsumerContext* before, const ConsumerContext* after) {
  // Agents' own events never trigger agents: no loops between agents.
  if (event.source == "agent") return ok();
  auto matches = tx.agents().matching_triggers(event.creator_id, event.type);
  if (!matches) return std::move(matches).error();
  if (matches->empty()) return ok();

  const Timestamp now = clock_.now();
  std::set<std::string> agents_done;  // two matching triggers of one agent: one invocation
  std::vector<Invocation> invocations;
  for (const auto& m : *matches) {
    if (agents_done.count(m.agent_id) || !agents::trigger_matches(m.filter_json, event)) continue;
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
  }
  if (invocations.empty()) return ok();
  CA_CHECK(tx.invocations().insert_many(invocations));

  for (const auto& inv : invocations) {
    bj::object payload{{"invocation_id", inv.id}};
    payload["before"] = before ? bj::parse(context::to_snapshot(*before)) : bj::value(nullptr);
    payload["after"] = after ? bj::parse(context::to_snapshot(*after)) : bj::value(nullptr);
    store::NewJob job;
    job.id = ids_.next();
    job.kind = agents::kInvokeJobKind;
    job.creator_id = event.creator_id;
    job.consumer_id = event.consumer_id;  // one consumer's invocations run in event order
    job.payload_json = bj::serialize(payload);
    job.run_at = now;
    CA_CHECK(tx.jobs().enqueue(job, now));
  }
  // Shared by concurrent ingest writers: at worst one wakes workers a moment early and
  // they find the job on their next poll.
  enqueued_.store(true, std::memory_order_relaxed);
  return ok();
}

void AgentDispatch::after_commit() {
  if (waker_ && enqueued_.exchange(false, std::memory_order_relaxed)) waker_->notify();
}

}  // namespace ca::ingest
