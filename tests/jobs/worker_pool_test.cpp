// The worker pool against a real database: run, retry, dead, a killed worker's job
// re-run with its effect once, per-consumer order across workers, wake-ups, graceful stop,
// and staged handlers (effects committed with the completion, once per claim).
#include "jobs/worker_pool.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "jobs_fixture.hpp"

namespace ca::test {
namespace {

using namespace std::chrono_literals;
using jobs::WorkerPool;
using jobs::WorkerPoolOptions;
using store::Job;
using store::JobStatus;

class WorkerPoolTest : public JobsTest {
 protected:
  WorkerPoolOptions options(int threads = 2) {
    WorkerPoolOptions o;
    o.threads = threads;
    o.lease = 2s;
    o.poll_interval = 50ms;
    o.backoff.base = 1ms;
    o.backoff.cap = 5ms;
    o.jitter_seed = 7;
    return o;
  }
  JobStatus status_of(const std::string& id) { return get(id).status; }

  // The observable write of a staged job in these tests: a job row on a queue no pool
  // serves, its payload naming the source job and who wrote it. A fresh id per call, so
  // effects written twice show up as two rows.
  store::NewJob effect_of(const Job& source, const std::string& by) {
    store::NewJob e = make_job("test.effect");
    e.queue = "effects";
    e.payload_json = R"({"source":")" + source.id + R"(","by":")" + by + R"("})";
    return e;
  }
  static std::string effect_key(const std::string& source_id, const std::string& by) {
    return source_id + "/" + by;
  }
  // Every effect row as "<source id>/<by>" (payload is jsonb on PostgreSQL: parse it).
  std::multiset<std::string> effect_rows() {
    std::multiset<std::string> out;
    store::JobFilter filter;
    filter.kind = "test.effect";
    PageRequest page;
    auto tx = read();
    if (!tx) return out;
    for (;;) {
      auto r = tx->jobs().list(Tenant::admin(), filter, page);
      if (!r) {
        ADD_FAILURE() << "listing effects: " << r.error().message;
        return out;
      }
      for (const auto& j : r->items) {
        boost::system::error_code ec;
        auto v = boost::json::parse(j.payload_json, ec);
        const auto* o = ec ? nullptr : v.if_object();
        const auto* source = o != nullptr ? o->if_contains("source") : nullptr;
        const auto* by = o != nullptr ? o->if_contains("by") : nullptr;
        if (source == nullptr || by == nullptr || !source->is_string() || !by->is_string()) {
          ADD_FAILURE() << "unexpected effect payload: " << j.payload_json;
          continue;
        }
        out.insert(effect_key(std::string(source->get_string()), std::string(by->get_string())));
      }
      if (!r->next_after_id) return out;
      page.after_id = r->next_after_id;
    }
  }
};

// Holds a handler until the test opens it; the timeout keeps a failed test from hanging
// in the pool's stop().
class Gate {
 public:
  void open() {
    {
      std::lock_guard lk(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, 30s, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

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
    EXPECT_EQ(status_of(id), JobStatus::succeeded);
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
  auto stored = get(j.id);
  EXPECT_EQ(stored.status, JobStatus::succeeded);
  EXPECT_EQ(stored.attempts, 3);
  EXPECT_EQ(stored.last_error, "provider down");
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
    return effect(job);
  });
  pool.start();
  clock_.advance(1500ms);  // the dead worker's lease runs out
  EXPECT_TRUE(eventually([&] { return status_of(j.id) == JobStatus::succeeded; }));
  pool.stop();
  EXPECT_EQ(pool_runs.load(), 1);
  EXPECT_EQ(get(j.id).attempts, 2);
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
  pool.register_handler("test.work", [&](const Job&) -> Result<void> {
    ++ran;
    return ok();
  });
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
  pool.register_handler("test.work", [&](const Job&) -> Result<void> {
    ++ran;
    return ok();
  });
  pool.start();
  EXPECT_TRUE(eventually([&] { return ran.load() == 1; }, 4s));
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
    auto j = get(id);
    if (j.status == JobStatus::succeeded) ++succeeded;
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
  pool.register_handler("test.work", [&](const Job&) -> Result<void> {
    ++ran;
    return ok();
  });
  std::thread runner([&] { pool.run_until_stopped(); });
  EXPECT_TRUE(eventually([&] { return ran.load() == 1; }));
  pool.stop();
  runner.join();
}

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
      if (!self || self->status != JobStatus::succeeded) ++effects_before_complete;
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
    EXPECT_EQ(status_of(id), JobStatus::succeeded) << id;
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
    const auto j = get(id);
    EXPECT_EQ(j.status, JobStatus::succeeded) << id;
    EXPECT_EQ(j.attempts, 1) << id;  // not re-run on account of the bad one
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
  EXPECT_EQ(status_of(good), JobStatus::succeeded);
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
  {
    auto tx = write();
    ASSERT_TRUE(tx);
    ASSERT_OK(tx->jobs().complete(stolen[0], now()));
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
  const auto t = get(taken.id);
  EXPECT_EQ(t.status, JobStatus::succeeded);
  EXPECT_EQ(t.locked_by, std::optional<std::string>("thief"));
  EXPECT_EQ(t.attempts, 2);
  EXPECT_EQ(status_of(other.id), JobStatus::succeeded);
}

// A batch handler sees its kind's jobs of one claim together; each outcome is its job's
// own (one error retries only that job), and a plain handler still runs the other kind.
TEST_F(WorkerPoolTest, StagedBatchHandlerGetsItsKindsJobsTogether) {
  std::vector<std::string> batch_ids;
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
    EXPECT_EQ(status_of(id), JobStatus::succeeded);
    EXPECT_EQ(runs[id], id == bad ? 2 : 1) << id;
  }
  EXPECT_EQ(status_of(plain_id), JobStatus::succeeded);
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
  pool.register_staged_batch_handler("test.short", [&](const std::vector<Job>& jobs) {
    {
      std::lock_guard lk(mu);
      call_sizes.push_back(jobs.size());
    }
    // One outcome whatever the batch: the first job's.
    return std::vector<Result<jobs::JobEffects>>{jobs::JobEffects{}};
  });
  pool.register_staged_batch_handler(
      "test.throw", [&](const std::vector<Job>&) -> std::vector<Result<jobs::JobEffects>> {
        throw std::runtime_error("boom");
      });
  pool.start();
  EXPECT_TRUE(eventually([&] {
    return status_of(a) == JobStatus::succeeded && status_of(b) == JobStatus::succeeded &&
           status_of(c) == JobStatus::dead;
  }));
  pool.stop();
  {
    std::lock_guard lk(mu);
    ASSERT_GE(call_sizes.size(), 2u);
    EXPECT_EQ(call_sizes[0], 2u);  // a and b together: only a got an outcome
    EXPECT_EQ(call_sizes[1], 1u);  // b's retry
  }
  EXPECT_EQ(get(a).attempts, 1);
  EXPECT_EQ(get(b).attempts, 2);
  auto thrown = get(c);
  ASSERT_TRUE(thrown.last_error.has_value());
  EXPECT_NE(thrown.last_error->find("handler threw: boom"), std::string::npos);
}

}  // namespace
}  // namespace ca::test
