// The worker pool: N threads that claim jobs from the store, run the handler registered
// for each job's kind, and record the outcome (complete, retry with backoff, or dead).
// Any number of pools in any number of processes may share one PostgreSQL database.
//
//   jobs::WorkerPool pool(store, clock, options);
//   pool.register_handler("agent.invoke", handler);
//   pool.run_until_stopped();  // another thread calls pool.stop() (e.g. on SIGTERM)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "jobs/backoff.hpp"
#include "jobs/waker.hpp"
#include "store/job_repo.hpp"
#include "store/store.hpp"

namespace ca::jobs {

using store::Job;

// Runs one job. An error (or an exception) fails the attempt: retried with backoff until
// max_attempts, then dead. Jobs run at least once: a handler whose effects must happen
// once makes them idempotent (e.g. keyed by job.id), since a worker can die after the
// effect and before complete.
using JobHandler = std::function<Result<void>(const Job&)>;

// The writes a staged handler wants made, run in the worker's outcome transaction right
// after the job is marked complete (so they commit together, once per claim: a job whose
// lease was lost meanwhile skips them). Empty: nothing to write. They commit at most once
// but may be called again after a rolled-back attempt (the batch's transaction failed), so
// they read what they need inside the transaction. An error or exception fails the attempt.
using JobEffects = std::function<Result<void>(store::Tx&)>;
// A handler in two halves: it runs outside any transaction (reads, decisions, remote
// calls) and returns its writes. A whole claimed batch then takes ONE write transaction
// for every job's effects and outcome; on SQLite's single writer that is the difference
// between one writer turn per batch and two per job.
using StagedJobHandler = std::function<Result<JobEffects>(const Job&)>;
// A staged handler for the jobs of one kind in a claimed batch at once (so it can load
// what they all need with a few statements); one result per job, in order.
using StagedBatchHandler = std::function<std::vector<Result<JobEffects>>(const std::vector<Job>&)>;
// The effects of several jobs of one staged batch written together, with multi-row
// statements instead of a few statements per job. `which` are indexes into the handler's
// batch: jobs whose outcome was fine and whose lease held. An error or exception rolls
// the transaction back, and the pool then writes each job alone through its own
// JobEffects (so both must write the same thing).
using MergedEffects =
    std::function<Result<void>(store::Tx&, const std::vector<std::size_t>& which)>;
struct StagedBatch {
  std::vector<Result<JobEffects>> each;  // one per job, in order
  MergedEffects together;                // empty: each job's effects run on their own
};
using MergingBatchHandler = std::function<StagedBatch(const std::vector<Job>&)>;

struct WorkerPoolOptions {
  std::string queue = "default";
  int threads = 2;
  int batch_size = 32;  // jobs claimed per round trip (at most one per consumer)
  // A job whose worker stops renewing its lease re-runs after this long.
  std::chrono::milliseconds lease = std::chrono::seconds(60);
  // Idle workers re-check this often even without a wake-up (and sooner for a job due
  // before then); expired leases are reaped on the same beat.
  std::chrono::milliseconds poll_interval = std::chrono::seconds(1);
  // How often a worker's claim also takes jobs whose lease expired (a dead worker's). Not
  // on every claim: on PostgreSQL that scan walks the old index entries of every recently
  // finished job (until vacuum), tens of milliseconds under load, and finds nothing.
  std::chrono::milliseconds expired_check_interval = std::chrono::seconds(5);
  BackoffPolicy backoff;
  // Cancelled jobs are deleted this long after they were due (succeeded ones at once, dead
  // ones stay).
  std::chrono::hours finished_retention{24};
  // locked_by is "<worker_name>/<thread>"; empty: "<hostname>:<pid>".
  std::string worker_name;
  // PostgreSQL URL for LISTEN jobs; empty: in-process wake-ups and polling only.
  std::string listen_url;
  // Shared with the enqueuers of this process (they call notify() after commit); null: the
  // pool uses its own (see waker()).
  Waker* waker = nullptr;
  std::uint64_t jitter_seed = 0;  // 0: from std::random_device
};

struct WorkerPoolStats {
  std::uint64_t claimed = 0;
  std::uint64_t claims = 0;  // claims that took at least one job (claimed / claims = batch size)
  std::uint64_t succeeded = 0;
  std::uint64_t retried = 0;
  std::uint64_t dead = 0;
  std::uint64_t released = 0;    // handed back unstarted on stop
  std::uint64_t lease_lost = 0;  // finished after another worker took the job over
};

class WorkerPool {
 public:
  WorkerPool(store::Store& store, const Clock& clock, WorkerPoolOptions options);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Before start(); a later registration for the same kind replaces the earlier one.
  void register_handler(const std::string& kind, JobHandler handler);
  void register_staged_handler(const std::string& kind, StagedJobHandler handler);
  void register_staged_batch_handler(const std::string& kind, StagedBatchHandler handler);
  void register_merging_batch_handler(const std::string& kind, MergingBatchHandler handler);

  void start();
  // Idempotent and thread-safe: no new claims, in-flight jobs finish, claimed jobs not yet
  // started are released, then the threads are joined.
  void stop();
  // start(), then block until stop() is called from another thread.
  void run_until_stopped();

  Waker& waker() { return *waker_; }
  WorkerPoolStats stats() const;

 private:
  void worker_loop(int index);
  // The next claim of worker `worker_id`; every expired_check_interval it also takes
  // expired leases (next_expired_check is that worker's schedule).
  store::ClaimRequest claim_request(const std::string& worker_id, Timestamp& next_expired_check);
  void maintenance_loop();
  void listener_loop();
  struct Finished {
    Job job;
    Result<JobEffects> outcome;
    bool effects_failed = false;  // the outcome was fine, writing its effects was not
    // Set when the job's batch handler can write its batch's effects together; `index`
    // is the job's place in that batch.
    std::shared_ptr<const MergedEffects> together;
    std::size_t index = 0;
  };
  // What a claim took. When it took nothing, also when the queue's next job is due, read
  // in the claim's transaction: an idle worker sleeps until then without a transaction
  // of its own for it (on PostgreSQL, two round trips per idle spell).
  struct Claimed {
    std::vector<Job> jobs;
    std::optional<Timestamp> next_due;
  };
  Result<Claimed> claim_in(store::Tx& tx, const store::ClaimRequest& req);
  // Runs the claimed jobs of one kind into `done`; once stopping, the jobs not started
  // are released instead.
  void run_jobs(const std::string& kind, const std::vector<Job>& jobs, std::vector<Finished>& done);
  void release(const Job& job);
  // Handlers are fixed once the workers start; a late one is logged and ignored.
  bool accepting_handlers(const std::string& kind) const;
  // Records the outcomes of a claimed batch (complete + effects / retry / dead) in one
  // transaction; when that fails, one transaction per job so one bad job sinks no other.
  // With `next`, that same transaction also runs the worker's next claim (one write turn
  // per batch instead of two, and the jobs pages both touch are written once); returns
  // what it claimed, or nullopt when the claim did not run (then claim on its own).
  std::optional<Claimed> finish(std::vector<Finished>& done, const store::ClaimRequest* next);
  // Writes one job's outcome; a failing effect turns into a failed attempt.
  Result<void> record(store::Tx& tx, Finished& f, std::optional<Timestamp> retry_at, Timestamp now);
  // Runs a held job's effects; an error or exception marks effects_failed.
  Result<void> apply_effects(store::Tx& tx, Finished& f);
  // The batch in one transaction: one complete_many for the succeeded jobs, then each job's
  // effects (where the lease held; a merging handler's jobs in one call) or failure.
  // Stops at the first non-conflict error.
  Result<void> record_batch(store::Tx& tx, std::vector<Finished>& done,
                            const std::vector<std::optional<Timestamp>>& retry_at,
                            std::vector<Result<void>>& recorded, Timestamp now);
  // The poll interval, or less when `next_due` comes first.
  std::chrono::steady_clock::duration idle_wait(std::optional<Timestamp> next_due);
  double next_unit();
  // Sleeps until `d` passed or stop was requested; false when stopping.
  bool sleep_unless_stopping(std::chrono::steady_clock::duration d);
  void join_all();

  store::Store& store_;
  const Clock& clock_;
  WorkerPoolOptions options_;
  std::unique_ptr<Waker> own_waker_;
  Waker* waker_;
  std::string worker_name_;
  std::map<std::string, StagedJobHandler> handlers_;
  std::map<std::string, MergingBatchHandler> batch_handlers_;

  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::mutex join_mu_;
  std::vector<std::thread> threads_;

  std::mutex inflight_mu_;
  std::map<std::string, Job> inflight_;  // claimed and not finished: their leases renew

  std::mutex rng_mu_;
  SeededRandom rng_;

  std::atomic<std::uint64_t> claimed_{0}, claims_{0}, succeeded_{0}, retried_{0}, dead_{0},
      released_{0}, lease_lost_{0};
};

}  // namespace ca::jobs
