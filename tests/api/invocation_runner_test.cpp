// The worker side on a virtual clock: an invocation schedules the inactivity follow-up,
// a newer activity replaces it, and the due follow-up re-engages only a consumer who
// stayed away.
#include <gtest/gtest.h>

#include <memory>

#include "agents/invocation_runner.hpp"
#include "ingest/agent_dispatch.hpp"
#include "ingest/event_request.hpp"
#include "ingest/ingest_service.hpp"
#include "store/agent_repo.hpp"
#include "store/job_repo.hpp"
#include "support/test_db.hpp"

namespace ca::test {
namespace {

class InvocationRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_store(store::StoreConfig{db_.url(), 4, 5000});
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->migrate().ok());
    creator_.id = ids_.next();
    creator_.name = "Ajay";
    creator_.email = "ajay@example.com";
    agent_.id = ids_.next();
    agent_.creator_id = creator_.id;
    agent_.name = "Sales";
    agent_.kind = "generic_sales";
    agent_.triggers.push_back(AgentTrigger{ids_.next(), agent_.id, creator_.id, "page_view", "{}"});
    auto r = store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
      CA_CHECK(tx.creators().insert(creator_));
      return tx.agents().insert(agent_);
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
    dispatch_ = std::make_unique<ingest::AgentDispatch>(ids_, clock_, nullptr);
    ingest_ = std::make_unique<ingest::IngestService>(*store_, clock_, ids_, dispatch_.get());
    runner_ =
        std::make_unique<agents::InvocationRunner>(*store_, clock_, ids_, agents::RuntimeOptions{});
  }

  void ingest_view() {
    ingest::EventRequest req;
    req.type = "page_view";
    req.consumer.external_id = "v1";
    req.consumer.whatsapp = "+919812345678";
    req.fingerprint = ids_.next();
    auto out = ingest_->ingest(Tenant::creator(creator_.id), req);
    ASSERT_TRUE(out.ok()) << out.error().message;
  }

  // Claims and runs every due job of the given kind; returns how many ran.
  int run_due(const std::string& kind) {
    int ran = 0;
    for (;;) {
      store::ClaimRequest claim;
      claim.worker_id = "test";
      claim.limit = 1;
      claim.now = clock_.now();
      auto jobs = store::in_tx(*store_, store::TxMode::write,
                               [&](store::Tx& tx) { return tx.jobs().claim(claim); });
      EXPECT_TRUE(jobs.ok());
      if (!jobs.ok() || jobs->empty()) return ran;
      const store::Job& job = jobs->front();
      if (job.kind == agents::kSendJobKind) {  // sending planned actions is actions/' work
        auto done = store::in_tx(*store_, store::TxMode::write,
                                 [&](store::Tx& tx) { return tx.jobs().complete(job); });
        EXPECT_TRUE(done.ok());
        continue;
      }
      EXPECT_EQ(job.kind, kind);
      auto r =
          kind == agents::kInvokeJobKind ? runner_->run_invoke(job) : runner_->run_followup(job);
      EXPECT_TRUE(r.ok()) << r.error().message;
      auto done = store::in_tx(*store_, store::TxMode::write,
                               [&](store::Tx& tx) { return tx.jobs().complete(job); });
      EXPECT_TRUE(done.ok());
      ++ran;
    }
  }

  int count_actions() {
    PageRequest page;
    page.limit = 500;
    auto a = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.actions().list(Tenant::admin(), {}, page);
    });
    return a.ok() ? static_cast<int>(a->items.size()) : -1;
  }

  int queued_followups() {
    store::JobFilter f;
    f.status = store::JobStatus::queued;
    f.kind = agents::kFollowupJobKind;
    PageRequest page;
    page.limit = 500;
    auto j = store::in_tx(*store_, store::TxMode::read,
                          [&](store::Tx& tx) { return tx.jobs().list(Tenant::admin(), f, page); });
    return j.ok() ? static_cast<int>(j->items.size()) : -1;
  }

  TestDatabase db_;
  ManualClock clock_{*parse_rfc3339("2026-11-24T10:00:00Z")};
  SeededRandom random_{7};
  IdGenerator ids_{clock_, random_};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ingest::AgentDispatch> dispatch_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<agents::InvocationRunner> runner_;
  Creator creator_;
  ca::Agent agent_;
};

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
  store::ClaimRequest claim;
  claim.worker_id = "w1";
  claim.limit = 1;
  claim.now = clock_.now();
  auto jobs = store::in_tx(*store_, store::TxMode::write,
                           [&](store::Tx& tx) { return tx.jobs().claim(claim); });
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  // The worker dies after its transaction committed but before completing the job:
  // the job runs again and must not plan the actions again.
  ASSERT_TRUE(runner_->run_invoke(jobs->front()).ok());
  ASSERT_TRUE(runner_->run_invoke(jobs->front()).ok());
  EXPECT_EQ(count_actions(), 1);
}

}  // namespace
}  // namespace ca::test
