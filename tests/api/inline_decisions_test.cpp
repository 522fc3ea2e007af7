// Invocations decided inside the ingest transaction (agents/inline_decider.hpp): the same
// rows a worker writes, written with the event; and every case that must stay with the job
// queue does.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "invocation_fixture.hpp"
#include "llm/llm_client.hpp"
#include "store/delivery_repo.hpp"

namespace ca::test {
namespace {

class InlineDecisionsTest : public InvocationRunnerTest {
 protected:
  std::vector<Action> actions() {
    PageRequest page;
    page.limit = 500;
    auto a = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.actions().list(Tenant::admin(), {}, page);
    });
    EXPECT_TRUE(a.ok());
    if (!a.ok()) return {};
    std::vector<Action> out = std::move(a->items);
    std::sort(out.begin(), out.end(), [](const Action& x, const Action& y) { return x.id < y.id; });
    return out;
  }

  // The consumer id of external id `visitor`.
  std::string consumer_id(const std::string& visitor) {
    auto c = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.consumers().find_by(creator_.id, store::ConsumerKey::external_id, visitor);
    });
    EXPECT_TRUE(c.ok() && *c);
    return c.ok() && *c ? (*c)->id : std::string();
  }

  void enqueue(store::NewJob job) {
    auto r = store::in_tx(*store_, store::TxMode::write,
                          [&](store::Tx& tx) { return tx.jobs().enqueue(job, clock_.now()); });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // Page views of these visitors in one ingest transaction, in this order.
  void ingest_views_together(const std::vector<std::string>& visitors) {
    std::vector<ingest::EventRequest> reqs(visitors.size());
    std::vector<ingest::IngestItem> items;
    for (size_t i = 0; i < visitors.size(); ++i) {
      reqs[i].type = "page_view";
      reqs[i].consumer.external_id = visitors[i];
      reqs[i].consumer.whatsapp = "+91981234567" + std::to_string(i);
      items.push_back(ingest::IngestItem{creator_.id, &reqs[i]});
    }
    for (const auto& r : ingest_->ingest_items(items)) {
      ASSERT_TRUE(r.ok()) << r.error().message;
    }
  }
};

// The same first view, once decided by a worker from its job and once inside the ingest
// transaction: the same decision, the same planned message, the same follow-up; inline
// leaves no job behind and needs no worker.
TEST_F(InlineDecisionsTest, DecidesInTheIngestTransactionWhatAWorkerWould) {
  ingest_view("queued", "+919812345601");
  EXPECT_EQ(queued(agents::kInvokeJobKind), 1);
  EXPECT_EQ(run_due(agents::kInvokeJobKind), 1);

  decide_inline();
  ingest_view("inline", "+919812345602");
  EXPECT_EQ(queued(agents::kInvokeJobKind), 0) << "decided with the event, no job";
  EXPECT_EQ(dispatch_->decided_inline(), 1u);

  auto invs = invocations();
  ASSERT_EQ(invs.size(), 2u);
  const Invocation& by_worker = invs[0];
  const Invocation& at_ingest = invs[1];
  EXPECT_EQ(at_ingest.status, InvocationStatus::completed);
  EXPECT_EQ(at_ingest.status, by_worker.status);
  EXPECT_EQ(at_ingest.reason, by_worker.reason);
  EXPECT_FALSE(at_ingest.reason.empty());
  // Same clock, same decision; only the event differs.
  std::string expected = by_worker.result_json;
  expected.replace(expected.find(by_worker.event_id), by_worker.event_id.size(),
                   at_ingest.event_id);
  EXPECT_EQ(at_ingest.result_json, expected);
  EXPECT_FALSE(at_ingest.error.has_value());
  EXPECT_EQ(at_ingest.updated_at, at_ingest.created_at);

  auto planned = actions();
  ASSERT_EQ(planned.size(), 2u);
  EXPECT_EQ(planned[1].invocation_id, at_ingest.id);
  EXPECT_EQ(planned[1].message, planned[0].message);
  EXPECT_EQ(planned[1].channel, planned[0].channel);
  EXPECT_EQ(planned[1].send_at, planned[0].send_at);
  EXPECT_EQ(planned[1].status, "scheduled");
  EXPECT_EQ(queued(agents::kSendJobKind), 2) << "each planned message has its send job";
  EXPECT_EQ(queued_followups(), 2) << "and each consumer its inactivity check";
}

// GenericSalesAgent's inactivity scenario with ingest deciding: the follow-up (a delayed
// job) still runs on a worker, and the consumer's later events decide inline, since a job
// due next week blocks nothing now.
TEST_F(InlineDecisionsTest, TheInactivityScenarioHoldsWithInlineDecisions) {
  decide_inline();
  ingest_view();  // first view
  EXPECT_EQ(run_due(agents::kInvokeJobKind), 0);
  EXPECT_EQ(count_actions(), 1);
  EXPECT_EQ(queued_followups(), 1);

  clock_.advance(std::chrono::hours(48));
  EXPECT_EQ(run_due(agents::kInvokeJobKind), 0);  // the welcome's send job (due, unsent) goes
  ingest_view();                                  // a return visit
  EXPECT_EQ(run_due(agents::kInvokeJobKind), 0);
  EXPECT_EQ(count_actions(), 2);
  EXPECT_EQ(queued_followups(), 1);

  clock_.advance(std::chrono::hours(24 * 5));
  EXPECT_EQ(run_due(agents::kFollowupJobKind), 1);  // came back since: nothing sent
  EXPECT_EQ(count_actions(), 2);
  clock_.advance(std::chrono::hours(49));
  EXPECT_EQ(run_due(agents::kFollowupJobKind), 1);
  EXPECT_EQ(count_actions(), 3) << "one re-engagement";
  EXPECT_EQ(dispatch_->decided_inline(), 2u);
}

// Per-consumer order: a consumer with a job due (here a send due now) has its invocations
// queued behind it, every one of them in this transaction; other consumers decide inline.
TEST_F(InlineDecisionsTest, AConsumerWithAJobDueWaitsBehindIt) {
  ingest_view("busy");
  ASSERT_EQ(run_due(agents::kInvokeJobKind), 1);
  decide_inline();
  store::NewJob job;
  job.id = ids_.next();
  job.kind = "test.blocker";
  job.creator_id = creator_.id;
  job.consumer_id = consumer_id("busy");
  job.run_at = clock_.now();
  enqueue(job);

  ingest_views_together({"busy", "free", "busy"});
  EXPECT_EQ(queued(agents::kInvokeJobKind), 2) << "both of the busy consumer's";
  EXPECT_EQ(dispatch_->decided_inline(), 1u) << "the free consumer's";
  auto invs = invocations();
  ASSERT_EQ(invs.size(), 4u);
  EXPECT_EQ(invs[1].status, InvocationStatus::queued);
  EXPECT_EQ(invs[2].status, InvocationStatus::completed);
  EXPECT_EQ(invs[3].status, InvocationStatus::queued);

  // A job due only later blocks nothing.
  auto cleared = store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
    auto n = tx.jobs().cancel(store::CancelFilter{std::nullopt, job.consumer_id, "test.blocker"},
                              clock_.now());
    if (!n) return std::move(n).error();
    return ok();
  });
  ASSERT_TRUE(cleared.ok());
  ASSERT_EQ(run_due(agents::kInvokeJobKind), 2);
  job.id = ids_.next();
  job.run_at = clock_.now() + std::chrono::hours(1);
  enqueue(job);
  ingest_view("busy");
  EXPECT_EQ(queued(agents::kInvokeJobKind), 0);
  EXPECT_EQ(dispatch_->decided_inline(), 2u);
}

// A rule agent reads the contexts as a JSON document (after.metrics.page_views here);
// decided at ingest, where the metrics are handed over parsed, it sees the same document.
TEST_F(InlineDecisionsTest, ARuleAgentSeesTheSameMetricsAtIngest) {
  decide_inline();
  ca::Agent rule;
  rule.id = ids_.next();
  rule.creator_id = creator_.id;
  rule.name = "Fans";
  rule.kind = "rule";
  rule.config_json = R"({"rules":[{"name":"fan","when":[
      {"path":"after.metrics.page_views","op":"gte","value":3},
      {"path":"before.metrics.page_views","op":"equals","value":2}],
      "action":{"message":"You keep coming back!"}}]})";
  rule.triggers.push_back(AgentTrigger{ids_.next(), rule.id, creator_.id, "page_view", "{}"});
  auto added = store::in_tx(*store_, store::TxMode::write,
                            [&](store::Tx& tx) { return tx.agents().insert(rule); });
  ASSERT_TRUE(added.ok()) << added.error().message;

  ingest_views_together({"fan", "fan", "fan", "fan"});
  EXPECT_EQ(queued(agents::kInvokeJobKind), 0);
  int fired = 0;
  for (const auto& inv : invocations()) {
    if (inv.agent_id != rule.id) continue;
    EXPECT_EQ(inv.status, InvocationStatus::completed) << inv.reason;
    if (inv.result_json.find("You keep coming back!") != std::string::npos) ++fired;
  }
  EXPECT_EQ(fired, 1) << "only the third view: 2 before it, 3 after it";
}

// Counts calls; never answers. Ingest must not make one.
class UnreachableLlm final : public llm::LlmClient {
 public:
  std::string model() const override { return "unreachable"; }
  Result<llm::ChatResponse> complete(const llm::ChatRequest&) override {
    ++calls;
    return Error::unavailable("no model here");
  }
  std::atomic<int> calls{0};
};

// Remote calls never run inside the ingest transaction: an external_http agent's
// invocation is queued, and with an LLM a decision with messages to personalise is too.
// A decision with nothing to personalise still decides inline.
TEST_F(InlineDecisionsTest, RemoteCallsStayWithTheQueue) {
  UnreachableLlm model;
  agents::RuntimeOptions opts;
  opts.llm = &model;
  decide_inline(opts);
  ingest_view("first");  // a first view plans a message: the LLM would write it
  EXPECT_EQ(queued(agents::kInvokeJobKind), 1);
  EXPECT_EQ(dispatch_->decided_inline(), 0u);
  EXPECT_EQ(model.calls.load(), 0);
  ASSERT_EQ(run_due(agents::kInvokeJobKind), 1);
  ingest_view("first");  // a repeat view within 24 h plans nothing
  EXPECT_EQ(queued(agents::kInvokeJobKind), 0);
  EXPECT_EQ(dispatch_->decided_inline(), 1u);

  ca::Agent external;
  external.id = ids_.next();
  external.creator_id = creator_.id;
  external.name = "Remote";
  external.kind = "external_http";
  external.config_json = R"({"url":"http://127.0.0.1:9/decide","secret":"s3cret-s3cret"})";
  external.triggers.push_back(
      AgentTrigger{ids_.next(), external.id, creator_.id, "service_click", "{}"});
  auto added = store::in_tx(*store_, store::TxMode::write,
                            [&](store::Tx& tx) { return tx.agents().insert(external); });
  ASSERT_TRUE(added.ok()) << added.error().message;
  ingest::EventRequest click;
  click.type = "service_click";
  click.consumer.external_id = "clicker";
  ASSERT_TRUE(ingest_->ingest(Tenant::creator(creator_.id), click).ok());
  EXPECT_EQ(queued(agents::kInvokeJobKind), 1) << "the external agent's";
  EXPECT_EQ(dispatch_->decided_inline(), 1u);
}

// When a group's shared transaction fails, its events are stored again with every
// invocation left to the queue: an agent's writes can never keep an event out.
TEST_F(InlineDecisionsTest, EventsStoredAgainLeaveTheirInvocationsToTheQueue) {
  decide_inline();
  Creator other;
  other.id = ids_.next();
  other.name = "Other";
  other.email = "other@example.com";
  const std::string taken = ids_.next();
  ingest::EventRequest theirs;
  theirs.type = "service_click";
  theirs.consumer.external_id = "theirs";
  theirs.idempotency_key = taken;
  theirs.key_is_event_id = true;
  theirs.fingerprint = ids_.next();
  ASSERT_TRUE(store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) {
                return tx.creators().insert(other);
              }).ok());
  ASSERT_TRUE(ingest_->ingest(Tenant::creator(other.id), theirs).ok());

  std::vector<ingest::EventRequest> reqs(3);
  for (size_t i = 0; i < reqs.size(); ++i) {
    reqs[i].type = "page_view";
    reqs[i].consumer.external_id = "v" + std::to_string(i);
    reqs[i].consumer.whatsapp = "+91981234560" + std::to_string(i);
  }
  reqs[1].idempotency_key = taken;  // another creator's event id: this one fails
  reqs[1].key_is_event_id = true;
  reqs[1].fingerprint = ids_.next();
  std::vector<ingest::IngestItem> items;
  for (const auto& r : reqs) items.push_back(ingest::IngestItem{creator_.id, &r});
  auto results = ingest_->ingest_items(items);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_FALSE(results[1].ok());
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(queued(agents::kInvokeJobKind), 2);
  EXPECT_EQ(dispatch_->decided_inline(), 0u) << "the failed group's count is not kept";
  EXPECT_EQ(run_due(agents::kInvokeJobKind), 2);
  EXPECT_EQ(count_actions(), 2);
}

}  // namespace
}  // namespace ca::test
