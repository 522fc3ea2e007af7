// The worker side on a virtual clock: an invocation schedules the inactivity follow-up,
// a newer activity replaces it, and the due follow-up re-engages only a consumer who
// stayed away.
#include <gtest/gtest.h>

#include <memory>

#include "agents/plan_writer.hpp"
#include "ingest/group_commit.hpp"
#include "invocation_fixture.hpp"

namespace ca::test {
namespace {

TEST_F(InvocationRunnerTest, InactivityFollowUpReengagesOnlyAConsumerWhoStayedAway) {
  ingest_view();  // first view
  EXPECT_EQ(run_due(agents::kInvokeJobKind), 1);
  EXPECT_EQ(count_actions(), 1);  // the first-view nudge
  EXPECT_EQ(queued_followups(), 1);

  clock_.advance(std::chrono::hours(48));
  ingest_view();  // a return visit two days later
  EXPECT_EQ(run_due(agents::kInvokeJobKind), 1);
  EXPECT_EQ(count_actions(), 2);  // the return-visit message
  EXPECT_EQ(queued_followups(), 1) << "still one pending follow-up, not moved";

  // 7 days after the first visit the pending check fires: the consumer came back since,
  // so it sends nothing and schedules the next check 7 days after the return visit.
  clock_.advance(std::chrono::hours(24 * 5));
  EXPECT_EQ(run_due(agents::kFollowupJobKind), 1);
  EXPECT_EQ(count_actions(), 2);
  EXPECT_EQ(queued_followups(), 1);
  clock_.advance(std::chrono::hours(24));  // 6 days after the return visit: not yet
  EXPECT_EQ(run_due(agents::kFollowupJobKind), 0);
  clock_.advance(std::chrono::hours(25));  // now it is
  EXPECT_EQ(run_due(agents::kFollowupJobKind), 1);
  EXPECT_EQ(count_actions(), 3);  // one re-engagement
  EXPECT_EQ(queued_followups(), 0) << "a follow-up that acted schedules no other";
  EXPECT_EQ(run_due(agents::kInvokeJobKind), 0);
}

TEST_F(InvocationRunnerTest, ARerunOfAFinishedInvocationPlansNothingTwice) {
  ingest_view();
  auto jobs = claim("w1", 1);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  // The worker dies after its transaction committed but before completing the job:
  // the job runs again and must not plan the actions again.
  ASSERT_TRUE(runner_->run_invoke(jobs->front()).ok());
  ASSERT_TRUE(runner_->run_invoke(jobs->front()).ok());
  EXPECT_EQ(count_actions(), 1);
}

// A worker's claimed batch written together (one UPDATE, one follow-up SELECT, one INSERT
// each): the same rows as each job written alone, and a re-run plans nothing twice.
TEST_F(InvocationRunnerTest, ABatchWrittenTogetherPlansLikeEachJobAlone) {
  constexpr int kVisitors = 5;
  for (int i = 0; i < kVisitors; ++i) {
    ingest_view("batch-" + std::to_string(i), "+9198123456" + std::to_string(10 + i));
  }
  auto jobs = claim("w1", 32);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), static_cast<size_t>(kVisitors));
  auto staged = runner_->prepare_invokes(*jobs);
  ASSERT_EQ(staged.each.size(), static_cast<size_t>(kVisitors));
  ASSERT_TRUE(staged.together);
  std::vector<size_t> all;
  for (size_t i = 0; i < jobs->size(); ++i) {
    ASSERT_TRUE(staged.each[i].ok()) << staged.each[i].error().message;
    all.push_back(i);
  }
  auto write_all = [&] {
    return store::in_tx(*store_, store::TxMode::write,
                        [&](store::Tx& tx) { return staged.together(tx, all); });
  };
  ASSERT_TRUE(write_all().ok());
  EXPECT_EQ(count_actions(), kVisitors);  // a first-view nudge each
  EXPECT_EQ(queued_followups(), kVisitors) << "one inactivity check per consumer";
  // Written again (the worker died before completing its jobs): nothing twice.
  ASSERT_TRUE(write_all().ok());
  for (const auto& e : staged.each) {
    auto alone =
        store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) { return (*e)(tx); });
    ASSERT_TRUE(alone.ok());
  }
  EXPECT_EQ(count_actions(), kVisitors);
  EXPECT_EQ(queued_followups(), kVisitors);
  auto invocations = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
    return tx.invocations().list(Tenant::admin(), {}, PageRequest{});
  });
  ASSERT_TRUE(invocations.ok());
  ASSERT_EQ(invocations->items.size(), static_cast<size_t>(kVisitors));
  for (const auto& inv : invocations->items) EXPECT_EQ(inv.status, InvocationStatus::completed);
}

// Two decisions for one consumer in one write (two agents, say) share the consumer's one
// pending follow-up: the earlier due wins, within the write and against the database.
TEST_F(InvocationRunnerTest, OneWriteKeepsOneFollowUpPerConsumerAtTheEarliestDue) {
  using agents::Decision;
  ingest_view();  // the consumer, with a queued invoke job (not run here)
  auto consumer = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
    return tx.consumers().find_by(creator_.id, store::ConsumerKey::external_id, "v1");
  });
  ASSERT_TRUE(consumer.ok() && *consumer);
  const std::string consumer_id = (*consumer)->id;
  auto decided_at = [&](std::chrono::hours in) {
    Decision d;
    d.reason = "later";
    d.followup = agents::FollowupRequest{"reengagement", clock_.now() + in, "k", "{}"};
    return Result<Decision>(d);
  };
  auto invocation = [&] {
    Invocation inv;
    inv.id = ids_.next();
    inv.creator_id = creator_.id;
    inv.agent_id = agent_.id;
    inv.consumer_id = consumer_id;
    inv.status = InvocationStatus::completed;
    inv.created_at = inv.updated_at = clock_.now();
    return inv;
  };
  auto write = [&](std::vector<std::pair<Invocation, Result<Decision>>>& items) {
    return store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
      std::vector<agents::DecidedInvocation> decided;
      for (auto& [inv, decision] : items) {
        CA_CHECK(tx.invocations().insert(inv));
        decided.push_back(agents::DecidedInvocation{&inv, &agent_, &decision, false});
      }
      return agents::write_decisions(tx, decided, ids_, clock_.now());
    });
  };
  auto due_of_followups = [&] {
    store::JobFilter f;
    f.status = store::JobStatus::queued;
    f.kind = agents::kFollowupJobKind;
    auto j = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.jobs().list(Tenant::admin(), f, PageRequest{});
    });
    std::vector<Timestamp> out;
    if (j.ok()) {
      for (const auto& job : j->items) out.push_back(job.run_at);
    }
    return out;
  };
  std::vector<std::pair<Invocation, Result<Decision>>> first{
      {invocation(), decided_at(std::chrono::hours(72))},
      {invocation(), decided_at(std::chrono::hours(48))},
      {invocation(), decided_at(std::chrono::hours(96))}};
  ASSERT_TRUE(write(first).ok());
  EXPECT_EQ(due_of_followups(), std::vector<Timestamp>{clock_.now() + std::chrono::hours(48)});
  std::vector<std::pair<Invocation, Result<Decision>>> second{
      {invocation(), decided_at(std::chrono::hours(60))},
      {invocation(), decided_at(std::chrono::hours(24))}};
  ASSERT_TRUE(write(second).ok());
  EXPECT_EQ(due_of_followups(), std::vector<Timestamp>{clock_.now() + std::chrono::hours(24)})
      << "the pending one moved earlier, no second one";
}

// The real store, counting the write transactions begun through it.
class CountingStore final : public store::Store {
 public:
  explicit CountingStore(store::Store& inner) : inner_(inner) {}
  store::Dialect dialect() const override { return inner_.dialect(); }
  Result<std::unique_ptr<store::Tx>> begin(store::TxMode mode) override {
    if (mode == store::TxMode::write) ++writes;
    return inner_.begin(mode);
  }
  Result<int> migrate() override { return inner_.migrate(); }
  Result<int> schema_version() override { return inner_.schema_version(); }
  int latest_version() const override { return inner_.latest_version(); }
  Result<void> ping() override { return inner_.ping(); }
  int writes = 0;

 private:
  store::Store& inner_;
};

// A group of three requests whose shared transaction fails on one event (an event id
// another creator already took): each request runs again alone, and only the bad one
// goes event by event. Its good event lands, and so does every event of its neighbours.
TEST_F(InvocationRunnerTest, AFailedGroupReRunsPerRequestBeforePerEvent) {
  Creator other;
  other.id = ids_.next();
  other.name = "Other";
  other.email = "other@example.com";
  const std::string taken = ids_.next();
  auto view = [&](const std::string& visitor) {
    ingest::EventRequest req;
    req.type = "page_view";
    req.consumer.external_id = visitor;
    req.fingerprint = ids_.next();
    return req;
  };
  {
    auto setup = store::in_tx(*store_, store::TxMode::write,
                              [&](store::Tx& tx) { return tx.creators().insert(other); });
    ASSERT_TRUE(setup.ok()) << setup.error().message;
    auto req = view("theirs");
    req.idempotency_key = taken;
    req.key_is_event_id = true;
    ASSERT_TRUE(ingest_->ingest(Tenant::creator(other.id), req).ok());
  }
  std::vector<ingest::EventRequest> reqs;
  for (int i = 0; i < 10; ++i) reqs.push_back(view("a" + std::to_string(i)));
  reqs.push_back(view("b-good"));
  reqs.push_back(view("b-bad"));
  reqs.back().idempotency_key = taken;
  reqs.back().key_is_event_id = true;
  for (int i = 0; i < 10; ++i) reqs.push_back(view("c" + std::to_string(i)));
  std::vector<ingest::IngestItem> items;
  for (const auto& r : reqs) items.push_back(ingest::IngestItem{creator_.id, &r});
  const std::vector<std::size_t> requests{10, 2, 10};

  CountingStore counting(*store_);
  ingest::IngestService service(counting, clock_, ids_, dispatch_.get());
  auto results = service.ingest_items(items, requests);
  ASSERT_EQ(results.size(), items.size());
  for (size_t i = 0; i < results.size(); ++i) {
    if (i == 11) continue;
    EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].error().message;
  }
  ASSERT_FALSE(results[11].ok());
  EXPECT_EQ(results[11].error().code, ErrorCode::conflict);
  EXPECT_EQ(results[11].error().field, "id");
  // The group, each request once, then the bad request's two events alone (the taken id
  // tried three times): 1 + 3 + 1 + 3. Event by event from the start it was 1 + 21 + 3.
  EXPECT_EQ(counting.writes, 8);
  auto events = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
    return tx.events().list(Tenant::creator(creator_.id), {}, PageRequest{});
  });
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->items.size(), 21u);
}

// Batch requests share the group committer's queue, counted in events: a batch that does
// not fit is turned away whole (503), and nothing of it is stored.
TEST_F(InvocationRunnerTest, GroupCommitTurnsAwayABatchThatDoesNotFitWhole) {
  ingest::GroupCommitOptions options;
  options.queue_capacity = 4;
  ingest::GroupCommitter committer(*ingest_, options);
  auto batch = [&](int n, const std::string& prefix) {
    std::vector<ingest::EventRequest> reqs(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      reqs[static_cast<size_t>(i)].type = "page_view";
      reqs[static_cast<size_t>(i)].consumer.external_id = prefix + std::to_string(i);
      reqs[static_cast<size_t>(i)].fingerprint = ids_.next();
    }
    return reqs;
  };
  auto big = batch(5, "big-");
  auto refused = committer.submit_batch(Tenant::creator(creator_.id), big);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_EQ(committer.stats().refused, 1u);

  auto small = batch(3, "small-");
  auto stored = committer.submit_batch(Tenant::creator(creator_.id), small);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  ASSERT_EQ(stored->size(), 3u);
  for (const auto& r : *stored) EXPECT_TRUE(r.ok() && !r->duplicate);
  auto events = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
    return tx.events().list(Tenant::creator(creator_.id), {}, PageRequest{});
  });
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->items.size(), 3u) << "the refused batch stored nothing";
  EXPECT_EQ(committer.stats().events, 3u);
}

}  // namespace
}  // namespace ca::test
