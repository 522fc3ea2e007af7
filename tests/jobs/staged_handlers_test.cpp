// Staged job handlers against a real database: effects committed with the completion,
// once per claim; failing effects retried alone; a lost lease skips them; batch handlers.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "worker_pool_fixture.hpp"

namespace ca::test {
namespace {

// A staged handler's effects land in the transaction that completes its job: every job
// succeeds with exactly one effect row, written after (and seeing) its completion.
TEST_F(WorkerPoolTest, StagedEffectsCommitWithTheJobsCompletion) {
  constexpr std::size_t kJobs = 24;
  std::vector<std::string> ids;
  ids.reserve(kJobs);
  for (std::size_t i = 0; i < kJobs; ++i) ids.push_back(enqueue(make_job("test.staged")));
  auto o = options(2);
  o.batch_size = 5;  // several batches, on both workers
  std::atomic<int> handler_runs{0};
  std::atomic<int> effects_runs{0};
  std::atomic<int> effects_before_complete{0};
  WorkerPool pool(*store_, clock_, o);
  pool.register_staged_handler("test.staged", [&](const Job& job) -> Result<jobs::JobEffects> {
    ++handler_runs;
    return jobs::JobEffects([&, job](store::Tx& tx) -> Result<void> {
      ++effects_runs;
      auto self = tx.jobs().get(Tenant::admin(), job.id);
      if (self) ++effects_before_complete;  // complete deletes the row first
      return tx.jobs().enqueue(effect_of(job, "pool"), now());
    });
  });
  pool.start();
  EXPECT_TRUE(eventually([&] { return pool.stats().succeeded == kJobs; }));
  pool.stop();

  EXPECT_EQ(handler_runs.load(), static_cast<int>(kJobs));
  EXPECT_EQ(effects_runs.load(), static_cast<int>(kJobs));  // no batch needed a fallback
  EXPECT_EQ(effects_before_complete.load(), 0);
  const auto effects = effect_rows();
  EXPECT_EQ(effects.size(), kJobs);
  for (const auto& id : ids) {
    EXPECT_TRUE(completed(id)) << id;
    EXPECT_EQ(effects.count(effect_key(id, "pool")), 1u) << id;
  }
  const auto stats = pool.stats();
  EXPECT_EQ(stats.claimed, kJobs);
  EXPECT_EQ(stats.retried, 0u);
  EXPECT_EQ(stats.dead, 0u);
  EXPECT_EQ(stats.lease_lost, 0u);
}

// One job of a claimed batch whose effects fail (after writing part of them) sinks no
// other: the rest succeed with their effects once; it is retried with backoff, each attempt
// rolled back, and dies at max_attempts naming the effects' error.
TEST_F(WorkerPoolTest, OneJobsFailingEffectsDoNotSinkTheBatch) {
  std::vector<std::string> good;
  good.reserve(6);
  for (int i = 0; i < 3; ++i) good.push_back(enqueue(make_job("test.staged")));
  auto bad = make_job("test.staged");
  bad.max_attempts = 3;
  enqueue(bad);
  for (int i = 0; i < 3; ++i) good.push_back(enqueue(make_job("test.staged")));

  std::mutex mu;
  std::vector<int> bad_attempts;
  std::map<std::string, int> good_runs;
  WorkerPool pool(*store_, clock_, options(1));  // one worker, one claim: one batch of 7
  pool.register_staged_handler("test.staged", [&](const Job& job) -> Result<jobs::JobEffects> {
    const bool is_bad = job.id == bad.id;
    {
      std::lock_guard lk(mu);
      if (is_bad) {
        bad_attempts.push_back(job.attempts);
      } else {
        ++good_runs[job.id];
      }
    }
    return jobs::JobEffects([&, job, is_bad](store::Tx& tx) -> Result<void> {
      CA_CHECK(tx.jobs().enqueue(effect_of(job, "pool"), now()));
      if (is_bad) return Error::internal("effects boom");
      return ok();
    });
  });
  pool.start();
  EXPECT_TRUE(
      eventually([&] { return pool.stats().dead == 1 && pool.stats().succeeded == good.size(); }));
  pool.stop();

  const auto stored = get(bad.id);
  EXPECT_EQ(stored.status, JobStatus::dead);
  EXPECT_EQ(stored.attempts, 3);
  ASSERT_TRUE(stored.last_error.has_value());
  EXPECT_NE(stored.last_error->find("effects boom"), std::string::npos) << *stored.last_error;
  EXPECT_EQ(bad_attempts, (std::vector<int>{1, 2, 3}));

  const auto effects = effect_rows();
  EXPECT_EQ(effects.count(effect_key(bad.id, "pool")), 0u);
  EXPECT_EQ(effects.size(), good.size());
  for (const auto& id : good) {
    EXPECT_TRUE(completed(id)) << id;
    EXPECT_EQ(good_runs[id], 1) << id;
    EXPECT_EQ(effects.count(effect_key(id, "pool")), 1u) << id;
  }
  const auto stats = pool.stats();
  EXPECT_EQ(stats.retried, 2u);
  EXPECT_EQ(stats.lease_lost, 0u);
}

// Effects that fail with a conflict (say, a duplicate row) are a failed attempt like any
// other error, not a lost lease: the job is not completed and none of its writes stay.
TEST_F(WorkerPoolTest, EffectsConflictIsAFailedAttemptNotALostLease) {
  const auto good = enqueue(make_job("test.staged"));
  auto bad = make_job("test.staged");
  bad.max_attempts = 1;
  enqueue(bad);
  WorkerPool pool(*store_, clock_, options(1));
  pool.register_staged_handler("test.staged", [&](const Job& job) -> Result<jobs::JobEffects> {
    return jobs::JobEffects([&, job](store::Tx& tx) -> Result<void> {
      CA_CHECK(tx.jobs().enqueue(effect_of(job, "pool"), now()));
      if (job.id == bad.id) return Error::conflict("duplicate effect");
      return ok();
    });
  });
  pool.start();
  EXPECT_TRUE(eventually([&] { return pool.stats().dead == 1 && pool.stats().succeeded == 1; }));
  pool.stop();

  const auto stored = get(bad.id);
  EXPECT_EQ(stored.status, JobStatus::dead);
  ASSERT_TRUE(stored.last_error.has_value());
  EXPECT_NE(stored.last_error->find("duplicate effect"), std::string::npos) << *stored.last_error;
  EXPECT_TRUE(completed(good));
  const auto effects = effect_rows();
  EXPECT_EQ(effects.count(effect_key(bad.id, "pool")), 0u);
  EXPECT_EQ(effects.count(effect_key(good, "pool")), 1u);
  EXPECT_EQ(effects.size(), 1u);
  EXPECT_EQ(pool.stats().lease_lost, 0u);
}

// While the pool's handler runs, another worker takes the job over (its lease counts as
// expired at the thief's later clock), completes it and writes its own effect. The pool's
// completion then finds the lease lost and skips its effects: the effect exists once. The
// other job of the same batch still lands.
TEST_F(WorkerPoolTest, LeaseLostSkipsTheStagedEffects) {
  // `other` first in claim order: its effects are written before the lost lease shows up.
  auto other = make_job("test.staged");
  other.max_attempts = 1;  // a running job on its final attempt is never re-claimed
  enqueue(other);
  const auto taken = make_job("test.staged");
  enqueue(taken);

  Gate gate;
  std::atomic<bool> taken_started{false};
  std::atomic<int> taken_effects_runs{0};
  std::atomic<int> other_effects_runs{0};
  WorkerPool pool(*store_, clock_, options(1));
  pool.register_staged_handler("test.staged", [&](const Job& job) -> Result<jobs::JobEffects> {
    const bool is_taken = job.id == taken.id;
    if (is_taken) {
      taken_started = true;
      gate.wait();
    }
    return jobs::JobEffects([&, job, is_taken](store::Tx& tx) -> Result<void> {
      ++(is_taken ? taken_effects_runs : other_effects_runs);
      return tx.jobs().enqueue(effect_of(job, "pool"), now());
    });
  });
  pool.start();
  ASSERT_TRUE(eventually([&] { return taken_started.load(); }));

  // The thief: claims as if an hour had passed, so the pool's (renewed) lease has expired.
  // PostgreSQL's SKIP LOCKED may pass the row over while a renewal holds it: try again.
  std::vector<Job> stolen;
  ASSERT_TRUE(eventually([&] {
    store::ClaimRequest req;
    req.worker_id = "thief";
    req.limit = 10;
    req.now = now() + 1h;
    auto r = store::in_tx(*store_, store::TxMode::write,
                          [&](store::Tx& tx) { return tx.jobs().claim(req); });
    if (r) stolen = *r;
    return !stolen.empty();
  }));
  ASSERT_EQ(stolen.size(), 1u);
  ASSERT_EQ(stolen[0].id, taken.id);
  EXPECT_EQ(stolen[0].attempts, 2);
  {
    auto tx = write();
    ASSERT_TRUE(tx);
    ASSERT_OK(tx->jobs().complete(stolen[0]));
    ASSERT_OK(tx->jobs().enqueue(effect_of(stolen[0], "thief"), now()));
    ASSERT_OK(tx->commit());
  }
  gate.open();
  EXPECT_TRUE(
      eventually([&] { return pool.stats().lease_lost == 1 && pool.stats().succeeded == 1; }));
  pool.stop();

  EXPECT_EQ(taken_effects_runs.load(), 0);
  EXPECT_EQ(other_effects_runs.load(), 1);  // the lost lease did not roll the batch back
  const auto effects = effect_rows();
  EXPECT_EQ(effects.count(effect_key(taken.id, "thief")), 1u);
  EXPECT_EQ(effects.count(effect_key(taken.id, "pool")), 0u);
  EXPECT_EQ(effects.count(effect_key(other.id, "pool")), 1u);
  EXPECT_EQ(effects.size(), 2u);
  EXPECT_TRUE(completed(taken.id));  // by the thief, whose effects are the ones written
  EXPECT_TRUE(completed(other.id));
}

// A batch handler sees its kind's jobs of one claim together; each outcome is its job's
// own (one error retries only that job), and a plain handler still runs the other kind.
TEST_F(WorkerPoolTest, StagedBatchHandlerGetsItsKindsJobsTogether) {
  std::vector<std::string> batch_ids;
  batch_ids.reserve(6);
  for (int i = 0; i < 6; ++i) batch_ids.push_back(enqueue(make_job("test.batch")));
  const auto plain_id = enqueue(make_job("test.work"));
  const std::string bad = batch_ids[2];
  std::mutex mu;
  std::vector<size_t> call_sizes;
  std::map<std::string, int> runs;
  auto o = options(1);
  o.batch_size = 8;
  WorkerPool pool(*store_, clock_, o);
  pool.register_staged_batch_handler("test.batch", [&](const std::vector<Job>& jobs) {
    std::lock_guard lk(mu);
    call_sizes.push_back(jobs.size());
    std::vector<Result<jobs::JobEffects>> out;
    out.reserve(jobs.size());
    for (const auto& j : jobs) {
      ++runs[j.id];
      if (j.id == bad && j.attempts == 1) {
        out.emplace_back(Error::unavailable("first try fails"));
      } else {
        out.emplace_back(jobs::JobEffects{});
      }
    }
    return out;
  });
  std::atomic<int> plain{0};
  pool.register_handler("test.work", [&](const Job&) -> Result<void> {
    ++plain;
    return ok();
  });
  pool.start();
  EXPECT_TRUE(eventually([&] { return pool.stats().succeeded == 7u; }));
  pool.stop();
  std::lock_guard lk(mu);
  ASSERT_FALSE(call_sizes.empty());
  EXPECT_EQ(call_sizes.front(), 6u);  // one call for the whole claim
  EXPECT_EQ(plain.load(), 1);
  EXPECT_EQ(pool.stats().retried, 1u);
  for (const auto& id : batch_ids) {
    EXPECT_TRUE(completed(id));
    EXPECT_EQ(runs[id], id == bad ? 2 : 1) << id;
  }
  EXPECT_TRUE(completed(plain_id));
}

// Fewer outcomes than jobs fail the jobs left without one (the retry, alone in its batch,
// gets its outcome); an exception fails them all, here on every attempt until dead.
TEST_F(WorkerPoolTest, StagedBatchHandlerShortOrThrowingFailsTheAttempt) {
  const auto a = enqueue(make_job("test.short"));
  const auto b = enqueue(make_job("test.short"));
  const auto c = enqueue(make_job("test.throw"));
  auto o = options(1);
  o.batch_size = 8;
  WorkerPool pool(*store_, clock_, o);
  std::mutex mu;
  std::vector<size_t> call_sizes;
  std::map<std::string, std::vector<int>> attempts;  // per job, each run's attempt number
  pool.register_staged_batch_handler("test.short", [&](const std::vector<Job>& jobs) {
    {
      std::lock_guard lk(mu);
      call_sizes.push_back(jobs.size());
      for (const auto& j : jobs) attempts[j.id].push_back(j.attempts);
    }
    // One outcome whatever the batch: the first job's.
    return std::vector<Result<jobs::JobEffects>>{jobs::JobEffects{}};
  });
  pool.register_staged_batch_handler(
      "test.throw", [&](const std::vector<Job>&) -> std::vector<Result<jobs::JobEffects>> {
        throw std::runtime_error("boom");
      });
  pool.start();
  EXPECT_TRUE(
      eventually([&] { return completed(a) && completed(b) && status_of(c) == JobStatus::dead; }));
  pool.stop();
  {
    std::lock_guard lk(mu);
    ASSERT_GE(call_sizes.size(), 2u);
    EXPECT_EQ(call_sizes[0], 2u);  // a and b together: only a got an outcome
    EXPECT_EQ(call_sizes[1], 1u);  // b's retry
    EXPECT_EQ(attempts[a], (std::vector<int>{1}));
    EXPECT_EQ(attempts[b], (std::vector<int>{1, 2}));
  }
  auto thrown = get(c);
  ASSERT_TRUE(thrown.last_error.has_value());
  EXPECT_NE(thrown.last_error->find("handler threw: boom"), std::string::npos);
}

// A merging handler's held jobs are written by one call of `together` (only the jobs
// whose outcome was fine); when that call fails, each job's own effects run instead, so
// nothing is lost and nothing is written twice.
TEST_F(WorkerPoolTest, MergingBatchHandlerWritesTogetherAndFallsBackAlone) {
  for (bool fail_together : {false, true}) {
    SCOPED_TRACE(fail_together ? "together fails" : "together works");
    const std::string kind = fail_together ? "test.merge_fails" : "test.merge";
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(enqueue(make_job(kind)));
    std::mutex mu;
    std::vector<std::vector<std::size_t>> together_calls;
    std::atomic<int> alone{0};
    auto o = options(1);
    o.batch_size = 8;
    WorkerPool pool(*store_, clock_, o);
    pool.register_merging_batch_handler(kind, [&](const std::vector<Job>& jobs) {
      jobs::StagedBatch batch;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (i == 1 && jobs[i].attempts == 1) {  // its first attempt fails: not merged
          batch.each.emplace_back(Error::unavailable("first try fails"));
          continue;
        }
        batch.each.emplace_back(jobs::JobEffects([&, job = jobs[i]](store::Tx& tx) {
          ++alone;
          return tx.jobs().enqueue(effect_of(job, "pool"), now());
        }));
      }
      batch.together = [&, jobs](store::Tx& tx, const std::vector<std::size_t>& which) {
        {
          std::lock_guard lk(mu);
          together_calls.push_back(which);
        }
        if (fail_together) return Result<void>(Error::internal("merged write failed"));
        std::vector<store::NewJob> rows;
        for (std::size_t i : which) rows.push_back(effect_of(jobs[i], "pool"));
        return tx.jobs().enqueue_many(rows, now());
      };
      return batch;
    });
    pool.start();
    EXPECT_TRUE(eventually([&] {
      return std::all_of(ids.begin(), ids.end(), [&](const auto& id) { return completed(id); });
    }));
    pool.stop();
    std::multiset<std::string> want;
    for (const auto& id : ids) want.insert(effect_key(id, "pool"));
    std::multiset<std::string> got;
    for (const auto& row : effect_rows()) {
      if (want.count(row)) got.insert(row);
    }
    EXPECT_EQ(got, want) << "every job's effect exactly once";
    std::lock_guard lk(mu);
    ASSERT_FALSE(together_calls.empty());
    EXPECT_EQ(together_calls.front(), (std::vector<std::size_t>{0, 2, 3, 4}))
        << "the failed job is left out";
    if (fail_together) {
      EXPECT_EQ(alone.load(), 5) << "each job written alone after the merged write failed";
    } else {
      EXPECT_EQ(alone.load(), 0);
    }
  }
}

}  // namespace
}  // namespace ca::test
