#include "agents/plan_writer.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <utility>

#include "agents/invocation_runner.hpp"
#include "store/agent_repo.hpp"

namespace ca::agents {

namespace bj = boost::json;

namespace {

// The planned actions of a decision, as rows (none for a consumer-less event).
std::vector<Action> to_actions(const Decision& d, const Invocation& inv, const ca::Agent& agent,
                               IdGenerator& ids, Timestamp now) {
  std::vector<Action> out;
  if (!inv.consumer_id) return out;  // nobody to message
  for (const auto& p : d.actions) {
    Action a;
    a.id = ids.next();
    a.creator_id = inv.creator_id;
    a.invocation_id = inv.id;
    a.agent_id = inv.agent_id;
    a.consumer_id = *inv.consumer_id;
    a.channel = p.channel;
    a.type = p.type;
    a.status = agent.approval == Approval::review ? "awaiting_review" : "scheduled";
    a.send_at = p.send_at;
    a.message = p.message;
    a.template_json = p.template_json;
    a.created_at = a.updated_at = now;
    out.push_back(std::move(a));
  }
  return out;
}

std::string followup_payload(const FollowupRequest& f, const Invocation& inv) {
  return bj::serialize(bj::object{{"agent_id", inv.agent_id},
                                  {"creator_id", inv.creator_id},
                                  {"consumer_id", *inv.consumer_id},
                                  {"kind", f.kind},
                                  {"due_at", to_micros(f.due_at)},
                                  {"dedupe_key", f.dedupe_key},
                                  {"payload", f.payload_json}});
}

// The follow-ups of these decisions, with one SELECT: one pending follow-up per consumer.
// A pending job due no later than a request is left alone: it fires first, the agent
// re-checks and plans the next one from the newer activity. So a returning consumer costs
// a read here, not a jobs-table write on every event. Only an earlier request (a shorter
// window) moves it. (Two agents with follow-ups for one consumer share that slot.) New
// jobs are appended to `jobs`.
Result<void> plan_followups(store::Tx& tx, const std::vector<const DecidedInvocation*>& decided,
                            IdGenerator& ids, Timestamp now, std::vector<store::NewJob>& jobs) {
  std::vector<std::string> consumers;
  for (const auto* d : decided) {
    const Invocation& inv = *d->invocation;
    if ((*d->decision)->followup && inv.consumer_id) consumers.push_back(*inv.consumer_id);
  }
  if (consumers.empty()) return ok();
  // Due of each consumer's queued follow-up in the database.
  auto pending = tx.jobs().earliest_queued_by_consumer(kFollowupJobKind, consumers);
  if (!pending) return std::move(pending).error();
  std::map<std::string, std::size_t> planned;  // a new follow-up job of this call
  for (const auto* d : decided) {
    const Invocation& inv = *d->invocation;
    const auto& f = (*d->decision)->followup;
    if (!f || !inv.consumer_id) continue;
    const std::string& key = *inv.consumer_id;
    if (auto it = planned.find(key); it != planned.end()) {
      store::NewJob& job = jobs[it->second];
      if (job.run_at > f->due_at) {
        job.run_at = f->due_at;
        job.payload_json = followup_payload(*f, inv);
      }
      continue;
    }
    if (auto it = pending->find(key); it != pending->end()) {
      if (it->second <= f->due_at) continue;
      store::CancelFilter filter;
      filter.creator_id = inv.creator_id;
      filter.consumer_id = inv.consumer_id;
      filter.kind = kFollowupJobKind;
      auto moved = tx.jobs().reschedule(filter, f->due_at, followup_payload(*f, inv), now);
      if (!moved) return std::move(moved).error();
      if (*moved > 0) {
        it->second = f->due_at;
        continue;
      }
    }
    store::NewJob job;
    job.id = ids.next();
    job.kind = kFollowupJobKind;
    job.creator_id = inv.creator_id;
    job.consumer_id = inv.consumer_id;
    job.run_at = f->due_at;
    job.payload_json = followup_payload(*f, inv);
    planned.emplace(key, jobs.size());
    jobs.push_back(std::move(job));
  }
  return ok();
}

}  // namespace

std::string result_json(const Decision& d) {
  bj::array actions;
  for (const auto& p : d.actions) {
    boost::system::error_code ec;
    bj::value meta = bj::parse(p.metadata_json, ec);
    actions.push_back(bj::object{{"channel", to_string(p.channel)},
                                 {"type", p.type},
                                 {"send_at", format_rfc3339(p.send_at)},
                                 {"message", p.message},
                                 {"metadata", ec ? bj::value(bj::object{}) : meta}});
  }
  bj::object out{{"act", d.act}, {"reason", d.reason}, {"actions", std::move(actions)}};
  if (d.followup) {
    out["followup"] =
        bj::object{{"kind", d.followup->kind}, {"due_at", format_rfc3339(d.followup->due_at)}};
  }
  return bj::serialize(out);
}

store::NewJob send_job(const Action& action, IdGenerator& ids, Timestamp run_at) {
  store::NewJob job;
  job.id = ids.next();
  job.kind = kSendJobKind;
  job.creator_id = action.creator_id;
  if (!action.consumer_id.empty()) job.consumer_id = action.consumer_id;
  job.run_at = run_at;
  job.payload_json = bj::serialize(bj::object{{"action_id", action.id}});
  return job;
}

Result<void> write_decisions(store::Tx& tx, const std::vector<DecidedInvocation>& decided,
                             IdGenerator& ids, Timestamp now) {
  // Finished first: one already decided (its job re-ran after its transaction committed)
  // or gone writes nothing else.
  std::vector<store::InvocationOutcome> outcomes;
  std::vector<std::size_t> finishing;
  for (std::size_t i = 0; i < decided.size(); ++i) {
    const DecidedInvocation& d = decided[i];
    if (!d.finish) continue;
    const Result<Decision>& decision = *d.decision;
    store::InvocationOutcome o;
    o.id = d.invocation->id;
    o.status = decision ? InvocationStatus::completed : InvocationStatus::failed;
    o.reason = decision ? decision->reason : "agent error";
    o.result_json = decision ? result_json(*decision) : "{}";
    if (!decision) o.error = decision.error().message;
    outcomes.push_back(std::move(o));
    finishing.push_back(i);
  }
  std::vector<bool> live(decided.size(), true);
  if (!outcomes.empty()) {
    auto finished = tx.invocations().finish_many(outcomes, now);
    if (!finished) return std::move(finished).error();
    for (std::size_t k = 0; k < finishing.size(); ++k) live[finishing[k]] = (*finished)[k];
  }

  // The plans of the decided ones.
  std::vector<const DecidedInvocation*> planning;
  std::vector<Action> actions;
  for (std::size_t i = 0; i < decided.size(); ++i) {
    const DecidedInvocation& d = decided[i];
    if (!live[i] || !*d.decision) continue;
    planning.push_back(&d);
    auto planned = to_actions(**d.decision, *d.invocation, *d.agent, ids, now);
    for (auto& a : planned) actions.push_back(std::move(a));
  }
  std::vector<store::NewJob> jobs;
  if (!actions.empty()) {
    CA_CHECK(tx.actions().insert_many(actions));
    for (const auto& a : actions) {
      if (a.status == "scheduled") jobs.push_back(send_job(a, ids, a.send_at));
    }
  }
  CA_CHECK(plan_followups(tx, planning, ids, now, jobs));
  // Send jobs and follow-ups in one INSERT (on PostgreSQL one round trip, not two).
  if (jobs.empty()) return ok();
  return tx.jobs().enqueue_many(jobs, now);
}

}  // namespace ca::agents
