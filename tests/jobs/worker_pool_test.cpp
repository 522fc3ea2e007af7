// The worker pool against a real database: run, retry, dead, a killed worker's job
// re-run with its effect once, per-consumer order across workers, wake-ups, graceful stop.
// Staged handlers are in staged_handlers_test.cpp.
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

TEST_F(WorkerPoolTest, RunsEveryJobOnce) {
  std::mutex mu;
  std::multiset<std::string> ran;
  std::vector<std::string> ids;
  ids.reserve(30);
  for (int i = 0; i < 30; ++i) ids.push_back(enqueue(make_job()));
  WorkerPool pool(*store_, clock_, options(3));
  pool.register_handler("test.work", [&](const Job& j) -> Result<void> {
    std::lock_guard lk(mu);
    ran.insert(j.id);
    return ok();
  });
  pool.start();
  EXPECT_TRUE(eventually([&] { return pool.stats().succeeded == ids.size(); }));
  pool.stop();
  EXPECT_EQ(ran.size(), ids.size());
  for (const auto& id : ids) {
    EXPECT_EQ(ran.count(id), 1u);
    EXPECT_TRUE(completed(id));
  }
}

TEST_F(WorkerPoolTest, ErrorsAndExceptionsRetryThenSucceed) {
  auto j = make_job();
  j.max_attempts = 5;
  enqueue(j);
  std::atomic<int> calls{0};
  WorkerPool pool(*store_, clock_, options(1));
  pool.register_handler("test.work", [&](const Job& job) -> Result<void> {
    ++calls;
    if (job.attempts == 1) throw std::runtime_error("flaky");
    if (job.attempts == 2) return Error::unavailable("provider down");
    return ok();
  });
  pool.start();
  EXPECT_TRUE(eventually([&] { return pool.stats().succeeded == 1; }));
  pool.stop();
  EXPECT_TRUE(completed(j.id));
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(pool.stats().retried, 2u);
}

TEST_F(WorkerPoolTest, DeadAfterMaxAttemptsAndUnknownKindsFail) {
  auto failing = make_job();
  failing.max_attempts = 3;
  enqueue(failing);
  auto unknown = make_job("nobody.handles.this");
  unknown.max_attempts = 1;
  enqueue(unknown);
  std::atomic<int> calls{0};
  WorkerPool pool(*store_, clock_, options(2));
  pool.register_handler("test.work", [&](const Job&) -> Result<void> {
    ++calls;
    return Error::internal("always");
  });
  pool.start();
  EXPECT_TRUE(eventually([&] { return pool.stats().dead == 2; }));
  pool.stop();
  EXPECT_EQ(calls.load(), 3);
  auto stored = get(failing.id);
  EXPECT_EQ(stored.status, JobStatus::dead);
  EXPECT_EQ(stored.attempts, 3);
  EXPECT_EQ(status_of(unknown.id), JobStatus::dead);
  EXPECT_NE(get(unknown.id).last_error->find("no handler"), std::string::npos);
}

// A worker claims a job, performs its effect and dies before completing. After the lease
// expires another worker re-runs it; the effect (a row keyed by the job id, written
// idempotently) exists once.
TEST_F(WorkerPoolTest, KilledWorkersJobReRunsAndItsEffectExistsOnce) {
  auto j = make_job();
  enqueue(j);
  std::atomic<int> pool_runs{0};
  std::atomic<int> pool_attempt{0};
  auto effect = [&](const Job& job) -> Result<void> {
    Creator c;
    c.id = ids_.next();
    c.name = "effect";
    c.email = "effect@example.com";
    c.external_username = "job-" + job.id;  // unique: the effect's idempotency key
    c.created_at = c.updated_at = now();
    auto r = store::in_tx(*store_, store::TxMode::write,
                          [&](store::Tx& tx) { return tx.creators().insert(c); });
    if (!r && r.error().code == ErrorCode::conflict) return ok();  // already done
    return r;
  };

  auto killed = claim("killed-worker", 1, 1s);
  ASSERT_EQ(killed.size(), 1u);
  ASSERT_OK(effect(killed[0]));  // ...and the process dies here: no complete

  WorkerPool pool(*store_, clock_, options(2));
  pool.register_handler("test.work", [&](const Job& job) {
    ++pool_runs;
    pool_attempt = job.attempts;
    return effect(job);
  });
  pool.start();
  clock_.advance(1500ms);  // the dead worker's lease runs out
  EXPECT_TRUE(eventually([&] { return completed(j.id); }));
  pool.stop();
  EXPECT_EQ(pool_runs.load(), 1);
  EXPECT_EQ(pool_attempt.load(), 2);
  auto creators = read()->creators().list(Tenant::admin(), PageRequest{});
  ASSERT_TRUE(creators.ok());
  auto effects =
      std::count_if(creators->items.begin(), creators->items.end(),
                    [&](const Creator& c) { return c.external_username == "job-" + j.id; });
  EXPECT_EQ(effects, 1);
}

// Several workers in two "processes" (two stores on one database): jobs of one consumer
// never overlap and run in enqueue order; every job runs exactly once.
TEST_F(WorkerPoolTest, PerConsumerOrderAcrossWorkersWithoutOverlap) {
  constexpr int kConsumers = 10;
  constexpr int kJobs = 200;
  const auto creator = add_creator();
  std::vector<std::string> consumers;
  consumers.reserve(kConsumers);
  for (int i = 0; i < kConsumers; ++i) consumers.push_back(add_consumer(creator));
  std::map<std::string, std::pair<int, int>> meta;  // job id → (consumer index, seq)
  const auto base = now();
  {
    auto tx = write();
    for (int n = 0; n < kJobs; ++n) {
      auto j = make_job();
      j.consumer_id = consumers[static_cast<size_t>(n % kConsumers)];
      j.run_at = base;  // same due time: order falls to the (time-ordered) id
      ASSERT_OK(tx->jobs().enqueue(j, now()));
      meta[j.id] = {n % kConsumers, n / kConsumers};
    }
    ASSERT_OK(tx->commit());
  }

  std::mutex mu;
  std::map<int, std::vector<int>> order;  // consumer → seqs in start order
  std::map<std::string, int> runs;
  std::vector<std::atomic<int>> running(kConsumers);
  std::atomic<int> overlaps{0};
  auto handler = [&](const Job& job) -> Result<void> {
    const auto [consumer, seq] = meta.at(job.id);
    if (running[static_cast<size_t>(consumer)].fetch_add(1) != 0) ++overlaps;
    {
      std::lock_guard lk(mu);
      order[consumer].push_back(seq);
      ++runs[job.id];
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200 + (seq % 5) * 300));
    running[static_cast<size_t>(consumer)].fetch_sub(1);
    return ok();
  };
  auto other_store = open();
  ASSERT_TRUE(other_store);
  auto o = options(2);
  o.batch_size = 3;  // small claims: 10 consumers are then shared by both pools
  o.worker_name = "p1";
  WorkerPool p1(*store_, clock_, o);
  o.worker_name = "p2";
  WorkerPool p2(*other_store, clock_, o);
  p1.register_handler("test.work", handler);
  p2.register_handler("test.work", handler);
  p1.start();
  p2.start();
  EXPECT_TRUE(eventually(
      [&] { return p1.stats().succeeded + p2.stats().succeeded == static_cast<size_t>(kJobs); },
      60s));
  p1.stop();
  p2.stop();

  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(runs.size(), static_cast<size_t>(kJobs));
  for (const auto& [id, n] : runs) EXPECT_EQ(n, 1) << id;
  for (const auto& [consumer, seqs] : order) {
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << "consumer " << consumer;
    EXPECT_EQ(seqs.size(), static_cast<size_t>(kJobs / kConsumers));
  }
  EXPECT_GT(p1.stats().succeeded, 0u);
  EXPECT_GT(p2.stats().succeeded, 0u);
}

// With a poll interval far away, a job enqueued while the workers idle runs promptly: the
// in-process notify after commit (and on PostgreSQL, NOTIFY through a LISTEN connection).
TEST_F(WorkerPoolTest, IdleWorkersWakeUpOnEnqueue) {
  auto o = options(2);
  o.poll_interval = 10s;
  if (db_->is_postgres()) o.listen_url = db_->url();
  std::atomic<int> ran{0};
  WorkerPool pool(*store_, clock_, o);
  count_runs(pool, ran);
  pool.start();
  std::this_thread::sleep_for(300ms);  // both workers found nothing and sleep

  enqueue(make_job());
  pool.waker().notify();  // what an in-process enqueuer does after commit
  EXPECT_TRUE(eventually([&] { return ran.load() == 1; }, 3s));

  if (db_->is_postgres()) {
    // Another process enqueues: no local notify, only NOTIFY jobs at its commit.
    std::this_thread::sleep_for(300ms);
    enqueue(make_job());
    EXPECT_TRUE(eventually([&] { return ran.load() == 2; }, 3s));
  }
  pool.stop();
}

TEST_F(WorkerPoolTest, WakesForAJobDueBeforeThePoll) {
  auto o = options(1);
  o.poll_interval = 10s;
  auto j = make_job();
  j.run_at = now() + 700ms;
  enqueue(j);
  std::atomic<int> ran{0};
  WorkerPool pool(*store_, clock_, o);
  count_runs(pool, ran);
  pool.start();
  EXPECT_TRUE(eventually([&] { return ran.load() == 1; }, 4s));
  pool.stop();
}

// The same after a batch: the claim carried in the outcome transaction comes back empty
// and brings the next due time with it.
TEST_F(WorkerPoolTest, AfterABatchWakesForTheNextJobDueBeforeThePoll) {
  auto o = options(1);
  o.poll_interval = 10s;
  enqueue(make_job());  // due now
  auto later = make_job();
  later.run_at = now() + 700ms;
  enqueue(later);
  std::atomic<int> ran{0};
  WorkerPool pool(*store_, clock_, o);
  count_runs(pool, ran);
  pool.start();
  EXPECT_TRUE(eventually([&] { return ran.load() == 2; }, 4s));
  pool.stop();
}

// stop(): the running job finishes and is recorded, the rest of the claimed batch goes
// back to the queue unstarted, and nothing is left running.
TEST_F(WorkerPoolTest, StopFinishesInFlightAndReleasesTheRest) {
  std::vector<std::string> ids;
  ids.reserve(4);
  for (int i = 0; i < 4; ++i) ids.push_back(enqueue(make_job()));
  auto o = options(1);
  o.batch_size = 4;
  std::atomic<int> started{0};
  WorkerPool pool(*store_, clock_, o);
  pool.register_handler("test.work", [&](const Job&) -> Result<void> {
    ++started;
    std::this_thread::sleep_for(300ms);
    return ok();
  });
  pool.start();
  ASSERT_TRUE(eventually([&] { return started.load() == 1; }));
  pool.stop();
  EXPECT_EQ(started.load(), 1);
  auto stats = pool.stats();
  EXPECT_EQ(stats.succeeded, 1u);
  EXPECT_EQ(stats.released, 3u);
  int succeeded = 0;
  int queued = 0;
  for (const auto& id : ids) {
    if (completed(id)) {
      ++succeeded;
      continue;
    }
    auto j = get(id);
    if (j.status == JobStatus::queued && j.attempts == 0) ++queued;
  }
  EXPECT_EQ(succeeded, 1);
  EXPECT_EQ(queued, 3);
  pool.stop();  // idempotent
}

TEST_F(WorkerPoolTest, RunUntilStoppedReturnsAfterStop) {
  enqueue(make_job());
  std::atomic<int> ran{0};
  WorkerPool pool(*store_, clock_, options(1));
  count_runs(pool, ran);
  std::thread runner([&] { pool.run_until_stopped(); });
  EXPECT_TRUE(eventually([&] { return ran.load() == 1; }));
  pool.stop();
  runner.join();
}

}  // namespace
}  // namespace ca::test
