#include "agents/inline_decider.hpp"

#include <deque>
#include <exception>
#include <map>
#include <set>
#include <string>

#include "agents/generic_sales.hpp"
#include "agents/invocation_runner.hpp"
#include "agents/plan_writer.hpp"
#include "agents/rule_agent.hpp"
#include "store/agent_repo.hpp"
#include "store/job_repo.hpp"

namespace ca::agents {

namespace {

// Kinds whose decision reads nothing but its inputs.
bool pure_kind(std::string_view kind) { return kind == kGenericSalesKind || kind == kRuleKind; }

// run_agent never throws by contract; a bug that does only leaves the invocation queued.
std::optional<Result<Decision>> guarded_decision(const ca::Agent& agent, const Event& event,
                                                 const context::ContextState* state,
                                                 const Consumer* consumer, const Creator& creator,
                                                 const std::vector<Product>& products,
                                                 Timestamp now, const RuntimeOptions& opts) {
  try {
    // The worker's inputs: the context before the event and after it (advance is
    // apply_event on a parsed state), metrics handed over parsed and not as JSON.
    ContextPair contexts;
    std::optional<context::ContextState> after;
    if (state != nullptr) {
      after = *state;
      context::advance(*after, event);
      contexts.before = state->context;
      contexts.after = after->context;
      contexts.before->metrics_json.clear();  // a state's is stale (empty by load_state)
      contexts.after->metrics_json.clear();
      contexts.before_metrics = &state->metrics;
      contexts.after_metrics = &after->metrics;
    }
    return decide_invocation(agent, event, contexts, consumer, creator, products, now, opts);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

struct InlineDecisions::Held {
  std::deque<Result<Decision>> decisions;  // stable addresses for `decided`
  std::vector<DecidedInvocation> decided;
};

InlineDecisions::InlineDecisions() : held_(std::make_unique<Held>()) {}
InlineDecisions::~InlineDecisions() = default;
InlineDecisions::InlineDecisions(InlineDecisions&&) noexcept = default;
InlineDecisions& InlineDecisions::operator=(InlineDecisions&&) noexcept = default;

std::size_t InlineDecisions::count() const { return held_->decided.size(); }

Result<void> InlineDecisions::write_plans(store::Tx& tx, IdGenerator& ids, Timestamp now) const {
  if (held_->decided.empty()) return ok();
  return write_decisions(tx, held_->decided, ids, now);
}

Result<InlineInputs> InlineDecider::load(store::Tx& tx,
                                         const std::vector<Invocation>& invocations) const {
  InlineInputs in;
  std::set<std::string> agent_ids, creator_ids;
  std::vector<std::string> consumer_ids;
  for (const auto& inv : invocations) {
    agent_ids.insert(inv.agent_id);
    creator_ids.insert(inv.creator_id);
    if (inv.consumer_id) consumer_ids.push_back(*inv.consumer_id);
  }
  for (const auto& id : agent_ids) {
    auto a = tx.agents().get(Tenant::admin(), id);
    if (!a && a.error().code != ErrorCode::not_found) return std::move(a).error();
    if (a && pure_kind(a->kind)) in.agents.emplace(id, std::move(*a));
  }
  if (in.agents.empty()) return in;
  for (const auto& id : creator_ids) {
    auto c = tx.creators().get(Tenant::admin(), id);
    if (!c && c.error().code != ErrorCode::not_found) return std::move(c).error();
    if (!c) continue;
    auto list = load_products(tx, id);
    if (!list) return std::move(list).error();
    in.creators.emplace(id, std::move(*c));
    in.products.emplace(id, std::move(*list));
  }
  if (!consumer_ids.empty()) {
    auto cs = tx.consumers().get_many(consumer_ids);
    if (!cs) return std::move(cs).error();
    for (auto& c : *cs) in.consumers.emplace(c.id, std::move(c));
  }
  return in;
}

Result<InlineDecisions> InlineDecider::decide(store::Tx& tx, const InlineInputs& in,
                                              const std::vector<InlineCandidate>& candidates,
                                              Timestamp now) const {
  InlineDecisions out;
  out.decided_.assign(candidates.size(), false);
  if (in.agents.empty()) return out;
  InlineDecisions::Held& held = *out.held_;
  std::vector<std::string> consumer_ids;
  for (const auto& c : candidates) {
    if (c.invocation->consumer_id) consumer_ids.push_back(*c.invocation->consumer_id);
  }
  std::set<std::string> waiting;  // consumers whose next work is a job's: theirs stay queued
  if (!consumer_ids.empty()) {
    auto busy = tx.jobs().consumers_with_due_jobs(consumer_ids, now);
    if (!busy) return std::move(busy).error();
    waiting = std::move(*busy);
  }

  for (std::size_t i = 0; i < candidates.size(); ++i) {
    Invocation& inv = *candidates[i].invocation;
    const Consumer* consumer = nullptr;
    if (inv.consumer_id) {
      if (waiting.count(*inv.consumer_id)) continue;
      auto c = in.consumers.find(*inv.consumer_id);
      if (c != in.consumers.end()) consumer = &c->second;
    }
    auto agent = in.agents.find(inv.agent_id);
    auto creator = in.creators.find(inv.creator_id);
    auto products = in.products.find(inv.creator_id);
    std::optional<Result<Decision>> decision;
    if (agent != in.agents.end() && creator != in.creators.end() && products != in.products.end() &&
        (consumer != nullptr || !inv.consumer_id)) {
      decision = guarded_decision(agent->second, *candidates[i].event, candidates[i].before,
                                  consumer, creator->second, products->second, now, opts_);
    }
    const bool to_queue = !decision ||
                          (!*decision && decision->error().code == ErrorCode::unavailable) ||
                          (*decision && opts_.llm != nullptr && !(*decision)->actions.empty());
    if (to_queue) {
      // Left to a worker; this consumer's later invocations wait behind it.
      if (inv.consumer_id) waiting.insert(*inv.consumer_id);
      continue;
    }
    const Result<Decision>& d = held.decisions.emplace_back(std::move(*decision));
    if (d && inv.consumer_id && agent->second.approval != Approval::review) {
      for (const auto& a : d->actions) {
        if (!out.soonest_send_ || a.send_at < *out.soonest_send_) out.soonest_send_ = a.send_at;
      }
    }
    inv.status = d ? InvocationStatus::completed : InvocationStatus::failed;
    inv.reason = d ? d->reason : "agent error";
    inv.result_json = d ? result_json(*d) : "{}";
    if (!d) inv.error = d.error().message;
    inv.updated_at = now;
    // Inserted decided by the caller: nothing to finish, only the plan to write.
    held.decided.push_back(DecidedInvocation{&inv, &agent->second, &d, false});
    out.decided_[i] = true;
  }
  return out;
}

}  // namespace ca::agents
