// JobRepo::enqueue_many and complete_many against a real database: many jobs in one call
// (across the 500-row statement boundary) land intact, one bad job anywhere enqueues
// nothing, and only jobs still held are completed.
#include <boost/json.hpp>

#include <map>
#include <set>
#include <vector>

#include "store/job_repo.hpp"
#include "store_fixture.hpp"

namespace ca::test {
namespace {

using namespace std::chrono_literals;

class JobsBatchTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    creator_ = add_creator();
    for (int i = 0; i < 6; ++i) consumers_.push_back(add_consumer(creator_));
  }

  // 600 jobs over two queues; every field varies with the index, a few name a consumer
  // (one job per consumer, so a single claim may take them all).
  std::vector<store::NewJob> make_jobs(size_t n) {
    std::vector<store::NewJob> jobs;
    for (size_t i = 0; i < n; ++i) {
      store::NewJob j;
      j.id = new_id();
      j.kind = "test.kind" + std::to_string(i % 7);
      j.queue = i % 2 == 0 ? "default" : "bulk";
      if (i % 3 != 0) j.creator_id = creator_;
      if (i % 100 == 1) j.consumer_id = consumers_[i / 100];
      j.payload_json = R"({"n":)" + std::to_string(i) + R"(,"s":"x"})";
      j.priority = static_cast<int>(i % 5);
      j.max_attempts = 1 + static_cast<int>(i % 9);
      j.run_at = now() - std::chrono::seconds(static_cast<int>(i));
      jobs.push_back(std::move(j));
    }
    return jobs;
  }

  std::int64_t total_jobs(store::Tx& tx) {
    auto counts = tx.jobs().count_by_status();
    EXPECT_TRUE(counts.ok()) << counts.error().message;
    std::int64_t n = 0;
    if (counts.ok()) {
      for (const auto& [status, count] : *counts) n += count;
    }
    return n;
  }

  std::vector<store::Job> claim_all(const std::string& queue, Timestamp at) {
    store::ClaimRequest req;
    req.queue = queue;
    req.worker_id = "w-" + queue;
    req.limit = 1000;
    req.now = at;
    auto tx = write();
    auto claimed = tx->jobs().claim(req);
    EXPECT_TRUE(claimed.ok()) << claimed.error().message;
    EXPECT_TRUE(tx->commit().ok());
    return claimed.ok() ? *claimed : std::vector<store::Job>{};
  }

  std::string creator_;
  std::vector<std::string> consumers_;
};

TEST_F(JobsBatchTest, SixHundredJobsInOneCallAreAllClaimableIntact) {
  const auto jobs = make_jobs(600);
  const Timestamp enqueued_at = now();
  {
    auto tx = write();
    ASSERT_OK(tx->jobs().enqueue_many({}, enqueued_at));
    ASSERT_OK(tx->jobs().enqueue_many(jobs, enqueued_at));
    ASSERT_OK(tx->commit());
  }
  std::map<std::string, const store::NewJob*> by_id;
  for (const auto& j : jobs) by_id.emplace(j.id, &j);

  const Timestamp at = now() + 1s;
  std::set<std::string> seen;
  for (const std::string queue : {"default", "bulk"}) {
    auto claimed = claim_all(queue, at);
    EXPECT_EQ(claimed.size(), 300u) << queue;
    for (const auto& c : claimed) {
      auto it = by_id.find(c.id);
      ASSERT_NE(it, by_id.end()) << c.id;
      const store::NewJob& want = *it->second;
      EXPECT_TRUE(seen.insert(c.id).second) << "claimed twice: " << c.id;
      EXPECT_EQ(c.queue, queue);
      EXPECT_EQ(c.queue, want.queue);
      EXPECT_EQ(c.kind, want.kind);
      EXPECT_EQ(c.creator_id, want.creator_id);
      EXPECT_EQ(c.consumer_id, want.consumer_id);
      // PostgreSQL's jsonb normalises whitespace: compare as JSON.
      EXPECT_EQ(boost::json::parse(c.payload_json), boost::json::parse(want.payload_json));
      EXPECT_EQ(c.priority, want.priority);
      EXPECT_EQ(c.max_attempts, want.max_attempts);
      EXPECT_EQ(c.run_at, want.run_at);
      EXPECT_EQ(c.created_at, enqueued_at);
      EXPECT_EQ(c.status, store::JobStatus::running);
      EXPECT_EQ(c.attempts, 1);
      EXPECT_FALSE(c.last_error.has_value());
    }
  }
  EXPECT_EQ(seen.size(), 600u);
  EXPECT_TRUE(claim_all("default", at).empty());
}

TEST_F(JobsBatchTest, OneInvalidJobAnywhereEnqueuesNothing) {
  struct Case {
    const char* what;
    size_t at;
    void (*spoil)(store::NewJob&);
    const char* field;
  };
  const Case cases[] = {
      {"bad id first", 0, [](store::NewJob& j) { j.id = "not-a-uuid"; }, "id"},
      {"bad id in the second statement", 599, [](store::NewJob& j) { j.id = "nope"; }, "id"},
      {"bad consumer id", 550, [](store::NewJob& j) { j.consumer_id = "c-1"; }, "consumer_id"},
      {"bad creator id", 10, [](store::NewJob& j) { j.creator_id = "x"; }, "creator_id"},
      {"no kind", 300, [](store::NewJob& j) { j.kind.clear(); }, "kind"},
      {"zero attempts", 501, [](store::NewJob& j) { j.max_attempts = 0; }, "max_attempts"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.what);
    auto jobs = make_jobs(600);
    k.spoil(jobs[k.at]);
    {
      auto tx = write();
      auto r = tx->jobs().enqueue_many(jobs, now());
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, ErrorCode::invalid_argument) << r.error().message;
      EXPECT_EQ(r.error().field, k.field);
      EXPECT_EQ(total_jobs(*tx), 0);  // checked before any row is written
    }                                 // rolled back
    auto tx = read();
    EXPECT_EQ(total_jobs(*tx), 0);
  }
  EXPECT_TRUE(claim_all("default", now() + 1s).empty());
}

TEST_F(JobsBatchTest, ADatabaseErrorInTheSecondStatementLeavesNothingAfterRollback) {
  auto jobs = make_jobs(600);
  jobs[550].id = jobs[20].id;  // passes validation; the primary key refuses it
  {
    auto tx = write();
    auto r = with_commit(*tx, tx->jobs().enqueue_many(jobs, now()));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::conflict) << r.error().message;
    EXPECT_EQ(r.error().field, "id");
  }  // rolled back: the first 500 rows go with it
  {
    auto tx = read();
    EXPECT_EQ(total_jobs(*tx), 0);
  }
  // An unknown consumer is a foreign-key error, equally all or nothing.
  jobs = make_jobs(600);
  jobs[599].consumer_id = new_id();
  {
    auto tx = write();
    auto r = with_commit(*tx, tx->jobs().enqueue_many(jobs, now()));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument) << r.error().message;
  }
  auto tx = read();
  EXPECT_EQ(total_jobs(*tx), 0);
}

// complete_many: across the 500-row statement boundary, each job is completed only while
// it is still that claim (same locked_by and attempts, running); the others are reported.
TEST_F(JobsBatchTest, CompleteManyFinishesHeldClaimsAndReportsLostOnes) {
  {
    auto tx = write();
    ASSERT_OK(tx->jobs().enqueue_many(make_jobs(600), now()));
    ASSERT_OK(tx->commit());
  }
  auto claimed = claim_all("default", now());
  auto bulk = claim_all("bulk", now());
  claimed.insert(claimed.end(), bulk.begin(), bulk.end());
  ASSERT_EQ(claimed.size(), 600u);

  std::vector<store::Job> finishing = claimed;
  finishing[5].attempts += 1;          // a later attempt owns it now
  finishing[520].locked_by = "other";  // another worker's claim
  store::Job never = claimed[0];
  never.id = new_id();  // no such job
  finishing.push_back(never);

  auto tx = write();
  auto done = tx->jobs().complete_many(finishing);
  ASSERT_OK(done);
  ASSERT_EQ(done->size(), finishing.size());
  for (size_t i = 0; i < finishing.size(); ++i) {
    const bool lost = i == 5 || i == 520 || i == 600;
    EXPECT_EQ((*done)[i], !lost) << i;
    if (i == 600) continue;
    auto job = tx->jobs().get(Tenant::admin(), finishing[i].id);
    if (lost) {
      ASSERT_OK(job);
      EXPECT_EQ(job->status, store::JobStatus::running) << i;
    } else {  // succeeded jobs are deleted
      ASSERT_FALSE(job.ok()) << i;
      EXPECT_EQ(job.error().code, ErrorCode::not_found) << i;
    }
  }
  // Finished jobs are no longer claims: a second call completes nothing.
  auto again = tx->jobs().complete_many(claimed);
  ASSERT_OK(again);
  for (size_t i = 0; i < claimed.size(); ++i) EXPECT_EQ((*again)[i], i == 5 || i == 520) << i;
  ASSERT_OK(tx->commit());
}

}  // namespace
}  // namespace ca::test
