#include "agents/invocation_runner.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <set>

#include "agents/personalize.hpp"
#include "agents/plan_writer.hpp"
#include "context/rules.hpp"
#include "context/snapshot.hpp"
#include "store/agent_repo.hpp"
#include "store/event_repo.hpp"
#include "store/onboarding_repo.hpp"

namespace ca::agents {

namespace bj = boost::json;

namespace {

// Everything an agent reads, loaded in one read transaction.
struct Loaded {
  ca::Agent agent;
  Creator creator;
  std::optional<Consumer> consumer;
  std::vector<Product> products;
};

Result<Loaded> load(store::Tx& tx, const std::string& agent_id, const std::string& creator_id,
                    const std::optional<std::string>& consumer_id) {
  Loaded l;
  auto agent = tx.agents().get(Tenant::admin(), agent_id);
  if (!agent) return std::move(agent).error();
  l.agent = std::move(*agent);
  auto creator = tx.creators().get(Tenant::admin(), creator_id);
  if (!creator) return std::move(creator).error();
  l.creator = std::move(*creator);
  if (consumer_id) {
    auto c = tx.consumers().get(Tenant::admin(), *consumer_id);
    if (!c) return std::move(c).error();
    l.consumer = std::move(*c);
  }
  auto products = load_products(tx, creator_id);
  if (!products) return std::move(products).error();
  l.products = std::move(*products);
  return l;
}

// With an LLM configured, planned messages are personalised outside any transaction (the
// call may take seconds); the profile is read first. Without one this does nothing.
void maybe_personalize(store::Store& store, const RuntimeOptions& opts, Decision& decision,
                       const Loaded& loaded) {
  if (opts.llm == nullptr || decision.actions.empty()) return;
  auto profile = store::in_tx(store, store::TxMode::read, [&](store::Tx& tx) {
    return tx.profiles().get(Tenant::admin(), loaded.creator.id);
  });
  PersonalizeInput in{loaded.creator, loaded.consumer ? &*loaded.consumer : nullptr,
                      loaded.products, profile ? profile_text_of(profile->profile_json) : ""};
  personalize(*opts.llm, in, decision);
}

std::string str(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                  : std::string();
}

// Permanent failures are recorded, transient ones retried (the job fails, then backs off).
bool transient(const Error& e) { return e.code == ErrorCode::unavailable; }

// One invocation decided outside any transaction: what the outcome transaction writes.
struct StagedInvoke {
  Invocation inv;
  ca::Agent agent;
  Result<Decision> decision;
};

// The decision for one loaded invocation (payload: the job's, with the context snapshot
// before its event). An error only when the agent failed transiently (the job retries).
Result<std::shared_ptr<const StagedInvoke>> stage_invoke(store::Store& store,
                                                         const RuntimeOptions& opts, Timestamp now,
                                                         const bj::object& p, Invocation inv,
                                                         const Event& event, Loaded loaded) {
  const bj::value none;
  const bj::value* before_json = p.if_contains("before");
  const bj::value* after_json = p.if_contains("after");
  ContextPair contexts;
  contexts.before = context::from_snapshot_value(before_json ? *before_json : none);
  // Jobs enqueued by older versions carry "after"; newer ones leave it to be re-derived
  // (the ingest computed it with the same pure rule from the same two inputs).
  contexts.after = context::from_snapshot_value(after_json ? *after_json : none);
  if (!after_json && contexts.before) {
    contexts.after = context::apply_event(*contexts.before, event);
  }
  Result<Decision> decision = decide_invocation(loaded.agent, event, contexts,
                                                loaded.consumer ? &*loaded.consumer : nullptr,
                                                loaded.creator, loaded.products, now, opts);
  if (!decision && transient(decision.error())) return decision.error();
  if (decision) maybe_personalize(store, opts, *decision, loaded);
  return std::make_shared<const StagedInvoke>(
      StagedInvoke{std::move(inv), std::move(loaded.agent), std::move(decision)});
}

// The writes of staged invocations `which` (indexes into `staged`; null entries had
// nothing to write), in the worker's outcome transaction.
Result<void> write_staged(store::Tx& tx,
                          const std::vector<std::shared_ptr<const StagedInvoke>>& staged,
                          const std::vector<std::size_t>& which, IdGenerator& ids, Timestamp now) {
  std::vector<DecidedInvocation> decided;
  decided.reserve(which.size());
  for (std::size_t i : which) {
    if (i >= staged.size() || !staged[i]) continue;
    decided.push_back(DecidedInvocation{&staged[i]->inv, &staged[i]->agent, &staged[i]->decision});
  }
  if (decided.empty()) return ok();
  return write_decisions(tx, decided, ids, now);
}

}  // namespace

Result<std::vector<Product>> load_products(store::Tx& tx, const std::string& creator_id) {
  PageRequest page;
  page.limit = 500;
  auto list = tx.products().list(Tenant::creator(creator_id), page);
  if (!list) return std::move(list).error();
  return std::move(list->items);
}

Result<Decision> decide_invocation(const ca::Agent& agent, const Event& event,
                                   const ContextPair& contexts, const Consumer* consumer,
                                   const Creator& creator, const std::vector<Product>& products,
                                   Timestamp now, const RuntimeOptions& opts) {
  if (!agent.enabled) return Decision{false, "agent disabled", {}, std::nullopt};
  const ConsumerContext empty;
  AgentInput input{agent,
                   event,
                   contexts.before ? *contexts.before : empty,
                   contexts.after ? *contexts.after : empty,
                   consumer,
                   creator,
                   products,
                   now,
                   contexts.before ? contexts.before_metrics : nullptr,
                   contexts.after ? contexts.after_metrics : nullptr};
  return run_agent(input, opts);
}

Result<void> enqueue_send_job(store::Tx& tx, const Action& action, IdGenerator& ids,
                              Timestamp run_at, Timestamp now) {
  return tx.jobs().enqueue(send_job(action, ids, run_at), now);
}

namespace {

Result<void> run_staged(store::Store& store, Result<jobs::JobEffects> effects) {
  if (!effects) return std::move(effects).error();
  if (!*effects) return ok();
  return store::in_tx(store, store::TxMode::write, *effects);
}

}  // namespace

Result<void> InvocationRunner::run_invoke(const store::Job& job) {
  return run_staged(store_, prepare_invoke(job));
}

Result<void> InvocationRunner::run_followup(const store::Job& job) {
  return run_staged(store_, prepare_followup(job));
}

Result<jobs::JobEffects> InvocationRunner::prepare_invoke(const store::Job& job) {
  return std::move(prepare_invokes({job}).each.front());
}

jobs::StagedBatch InvocationRunner::prepare_invokes(const std::vector<store::Job>& jobs) {
  std::vector<Result<jobs::JobEffects>> out(jobs.size(), jobs::JobEffects{});
  auto staged = std::make_shared<std::vector<std::shared_ptr<const StagedInvoke>>>(jobs.size());
  std::vector<std::optional<bj::object>> payloads(jobs.size());
  std::vector<std::string> invocation_ids;
  for (size_t i = 0; i < jobs.size(); ++i) {
    boost::system::error_code ec;
    bj::value v = bj::parse(jobs[i].payload_json, ec);
    if (ec || !v.is_object()) {
      out[i] = Error::internal("agent.invoke job without a payload");
      continue;
    }
    payloads[i] = std::move(v.as_object());
    invocation_ids.push_back(str(*payloads[i], "invocation_id"));
  }

  // Everything the batch needs, in one read transaction with a few statements.
  std::map<std::string, Invocation> invs;
  std::map<std::string, Event> events;
  std::map<std::string, Consumer> consumers;
  std::map<std::string, ca::Agent> agents;
  std::map<std::string, Creator> creators;
  std::map<std::string, std::vector<Product>> products;
  auto read = store::in_tx(store_, store::TxMode::read, [&](store::Tx& tx) -> Result<void> {
    auto found = tx.invocations().get_many(invocation_ids);
    if (!found) return std::move(found).error();
    std::vector<std::string> event_ids, consumer_ids;
    std::set<std::string> agent_ids, creator_ids;
    for (auto& inv : *found) {
      // Already decided (a job re-run after its transaction committed): nothing to do.
      if (inv.status == InvocationStatus::completed || inv.status == InvocationStatus::failed) {
        continue;
      }
      event_ids.push_back(inv.event_id);
      if (inv.consumer_id) consumer_ids.push_back(*inv.consumer_id);
      agent_ids.insert(inv.agent_id);
      creator_ids.insert(inv.creator_id);
      std::string id = inv.id;
      invs.emplace(std::move(id), std::move(inv));
    }
    if (invs.empty()) return ok();
    auto evs = tx.events().get_many(event_ids);
    if (!evs) return std::move(evs).error();
    for (auto& e : *evs) events.emplace(e.id, std::move(e));
    auto cs = tx.consumers().get_many(consumer_ids);
    if (!cs) return std::move(cs).error();
    for (auto& c : *cs) consumers.emplace(c.id, std::move(c));
    for (const auto& id : agent_ids) {
      auto a = tx.agents().get(Tenant::admin(), id);
      if (!a && a.error().code != ErrorCode::not_found) return std::move(a).error();
      if (a) agents.emplace(id, std::move(*a));
    }
    for (const auto& id : creator_ids) {
      auto c = tx.creators().get(Tenant::admin(), id);
      if (!c && c.error().code != ErrorCode::not_found) return std::move(c).error();
      if (!c) continue;
      creators.emplace(id, std::move(*c));
      auto list = load_products(tx, id);
      if (!list) return std::move(list).error();
      products.emplace(id, std::move(*list));
    }
    return ok();
  });
  if (!read) {
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (payloads[i]) out[i] = read.error();
    }
    return jobs::StagedBatch{std::move(out), {}};
  }

  const Timestamp now = clock_.now();
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!payloads[i]) continue;
    // Gone or already decided, or what it needs is gone (agent, creator, event, an erased
    // consumer): nothing to do.
    auto inv = invs.find(str(*payloads[i], "invocation_id"));
    if (inv == invs.end()) continue;
    auto event = events.find(inv->second.event_id);
    auto agent = agents.find(inv->second.agent_id);
    auto creator = creators.find(inv->second.creator_id);
    if (event == events.end() || agent == agents.end() || creator == creators.end()) continue;
    Loaded loaded{agent->second, creator->second, std::nullopt, products[creator->first]};
    if (inv->second.consumer_id) {
      auto c = consumers.find(*inv->second.consumer_id);
      if (c == consumers.end()) continue;
      loaded.consumer = c->second;
    }
    auto st = stage_invoke(store_, opts_, now, *payloads[i], inv->second, event->second,
                           std::move(loaded));
    if (!st) {
      out[i] = std::move(st).error();
      continue;
    }
    (*staged)[i] = std::move(*st);
    // Alone (a fallback, or run_invoke): this job's writes in a transaction of its own.
    out[i] = jobs::JobEffects([staged, i, &ids = ids_, now](store::Tx& tx) {
      return write_staged(tx, *staged, {i}, ids, now);
    });
  }
  // Together: the held jobs' writes with a few multi-row statements.
  return jobs::StagedBatch{
      std::move(out), [staged, &ids = ids_, now](store::Tx& tx, const std::vector<size_t>& which) {
        return write_staged(tx, *staged, which, ids, now);
      }};
}

Result<jobs::JobEffects> InvocationRunner::prepare_followup(const store::Job& job) {
  boost::system::error_code ec;
  bj::value payload = bj::parse(job.payload_json, ec);
  if (ec || !payload.is_object()) return Error::internal("agent.followup job without a payload");
  const bj::object& p = payload.as_object();
  FollowupRequest request;
  request.kind = str(p, "kind");
  request.dedupe_key = str(p, "dedupe_key");
  request.payload_json = str(p, "payload");
  if (auto it = p.find("due_at"); it != p.end() && it->value().is_int64()) {
    request.due_at = from_micros(it->value().as_int64());
  }
  const std::string agent_id = str(p, "agent_id");
  const std::string creator_id = str(p, "creator_id");
  const std::string consumer_id = str(p, "consumer_id");

  Loaded loaded;
  ConsumerContext ctx;
  auto read = store::in_tx(store_, store::TxMode::read, [&](store::Tx& tx) -> Result<void> {
    auto l = load(tx, agent_id, creator_id, consumer_id);
    if (!l) return std::move(l).error();
    loaded = std::move(*l);
    auto c = tx.consumers().get_context(Tenant::admin(), consumer_id);
    if (!c) return std::move(c).error();
    ctx = std::move(*c);
    return ok();
  });
  // The agent, consumer or creator is gone: the follow-up has nobody to follow up.
  if (!read && read.error().code != ErrorCode::not_found) return read.error();
  if (!read || !loaded.agent.enabled) return jobs::JobEffects{};

  const Timestamp now = clock_.now();
  Event event = make_followup_event(request, creator_id, consumer_id);
  event.id = ids_.next();
  event.received_at = now;
  AgentInput input{loaded.agent,   event,           ctx, ctx, &*loaded.consumer,
                   loaded.creator, loaded.products, now};
  auto decision = run_agent(input, opts_);
  if (!decision && transient(decision.error())) return decision.error();
  if (decision) maybe_personalize(store_, opts_, *decision, loaded);

  struct Staged {
    Event event;
    ca::Agent agent;
    std::string creator_id, consumer_id;
    Result<Decision> decision;
    Timestamp now;
  };
  auto st = std::make_shared<Staged>(Staged{std::move(event), std::move(loaded.agent), creator_id,
                                            consumer_id, std::move(decision), now});
  return jobs::JobEffects([st, &ids = ids_](store::Tx& tx) -> Result<void> {
    const Event& event = st->event;
    const Result<Decision>& decision = st->decision;
    const std::string& creator_id = st->creator_id;
    const std::string& consumer_id = st->consumer_id;
    const std::string& agent_id = st->agent.id;
    const Timestamp now = st->now;
    // The follow-up is recorded like any event (source "agent": it never touches the
    // context), so the invocation and its actions point at something in the timeline.
    CA_CHECK(tx.events().insert(event));
    Invocation inv;
    inv.id = ids.next();
    inv.creator_id = creator_id;
    inv.agent_id = agent_id;
    inv.consumer_id = consumer_id;
    inv.event_id = event.id;
    inv.status = decision ? InvocationStatus::completed : InvocationStatus::failed;
    inv.reason = decision ? decision->reason : "agent error";
    inv.result_json = decision ? result_json(*decision) : "{}";
    if (!decision) inv.error = decision.error().message;
    inv.created_at = inv.updated_at = now;
    CA_CHECK(tx.invocations().insert(inv));
    // Inserted decided: nothing to finish, only the plan to write.
    return write_decisions(tx, {DecidedInvocation{&inv, &st->agent, &decision, false}}, ids, now);
  });
}

void InvocationRunner::register_with(jobs::WorkerPool& pool) {
  pool.register_merging_batch_handler(kInvokeJobKind, [this](const std::vector<store::Job>& jobs) {
    return prepare_invokes(jobs);
  });
  pool.register_staged_handler(kFollowupJobKind,
                               [this](const store::Job& j) { return prepare_followup(j); });
}

}  // namespace ca::agents
