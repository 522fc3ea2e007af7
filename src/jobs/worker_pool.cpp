#include "jobs/worker_pool.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <random>

#include "store/postgres/pg_listener.hpp"

namespace ca::jobs {
namespace {

using std::chrono::steady_clock;

std::string default_worker_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "worker") + ":" + std::to_string(::getpid());
}

std::uint64_t seed_of(std::uint64_t configured) {
  if (configured != 0) return configured;
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace

WorkerPool::WorkerPool(store::Store& store, const Clock& clock, WorkerPoolOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      own_waker_(options_.waker == nullptr ? std::make_unique<Waker>() : nullptr),
      waker_(options_.waker != nullptr ? options_.waker : own_waker_.get()),
      worker_name_(options_.worker_name.empty() ? default_worker_name() : options_.worker_name),
      rng_(seed_of(options_.jitter_seed)) {
  options_.threads = std::max(1, options_.threads);
  options_.batch_size = std::max(1, options_.batch_size);
  options_.lease = std::max(options_.lease, std::chrono::milliseconds(30));
  options_.poll_interval = std::max(options_.poll_interval, std::chrono::milliseconds(1));
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::register_handler(const std::string& kind, JobHandler handler) {
  register_staged_handler(kind, [h = std::move(handler)](const Job& job) -> Result<JobEffects> {
    CA_CHECK(h(job));
    return JobEffects{};
  });
}

bool WorkerPool::accepting_handlers(const std::string& kind) const {
  if (!started_) return true;
  spdlog::error("jobs: handler for '{}' registered after start; ignored", kind);
  return false;
}

void WorkerPool::register_staged_handler(const std::string& kind, StagedJobHandler handler) {
  if (!accepting_handlers(kind)) return;
  batch_handlers_.erase(kind);
  handlers_[kind] = std::move(handler);
}

void WorkerPool::register_staged_batch_handler(const std::string& kind,
                                               StagedBatchHandler handler) {
  register_merging_batch_handler(kind, [h = std::move(handler)](const std::vector<Job>& jobs) {
    return StagedBatch{h(jobs), {}};
  });
}

void WorkerPool::register_merging_batch_handler(const std::string& kind,
                                                MergingBatchHandler handler) {
  if (!accepting_handlers(kind)) return;
  handlers_.erase(kind);
  batch_handlers_[kind] = std::move(handler);
}

void WorkerPool::start() {
  if (started_.exchange(true)) return;
  std::lock_guard lk(join_mu_);
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { worker_loop(i); });
  threads_.emplace_back([this] { maintenance_loop(); });
  if (!options_.listen_url.empty()) threads_.emplace_back([this] { listener_loop(); });
  spdlog::info("jobs: {} workers on queue '{}' as {}", options_.threads, options_.queue,
               worker_name_);
}

void WorkerPool::stop() {
  {
    std::lock_guard lk(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  waker_->notify_all();  // idle workers re-check stopping_
  join_all();
}

void WorkerPool::run_until_stopped() {
  start();
  {
    std::unique_lock lk(stop_mu_);
    stop_cv_.wait(lk, [&] { return stopping_.load(); });
  }
  join_all();
}

void WorkerPool::join_all() {
  std::lock_guard lk(join_mu_);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

WorkerPoolStats WorkerPool::stats() const {
  return {claimed_.load(), claims_.load(),   succeeded_.load(), retried_.load(),
          dead_.load(),    released_.load(), lease_lost_.load()};
}

bool WorkerPool::sleep_unless_stopping(steady_clock::duration d) {
  std::unique_lock lk(stop_mu_);
  return !stop_cv_.wait_for(lk, d, [&] { return stopping_.load(); });
}

double WorkerPool::next_unit() {
  std::lock_guard lk(rng_mu_);
  return static_cast<double>(rng_.next() >> 11) * 0x1.0p-53;  // uniform in [0, 1)
}

store::ClaimRequest WorkerPool::claim_request(const std::string& worker_id,
                                              Timestamp& next_expired_check) {
  store::ClaimRequest req;
  req.queue = options_.queue;
  req.worker_id = worker_id;
  req.limit = options_.batch_size;
  req.now = clock_.now();
  req.lease = options_.lease;
  req.expired = req.now >= next_expired_check;
  if (req.expired) next_expired_check = req.now + options_.expired_check_interval;
  return req;
}

void WorkerPool::worker_loop(int index) {
  const std::string worker_id = worker_name_ + "/" + std::to_string(index);
  Timestamp next_expired_check{};  // the first claim looks at once
  // Claimed in the previous batch's outcome transaction, with the waker generation read
  // before that claim (so a notify after an empty claim ends the wait at once).
  std::optional<Claimed> carried;
  std::uint64_t carried_seen = 0;
  while (!stopping_) {
    std::uint64_t seen = 0;
    Claimed claimed;
    if (carried) {
      seen = carried_seen;
      claimed = std::move(*carried);
      carried.reset();
    } else {
      seen = waker_->generation();
      const auto req = claim_request(worker_id, next_expired_check);
      auto got = store::in_tx(store_, store::TxMode::write,
                              [&](store::Tx& tx) { return claim_in(tx, req); });
      if (!got) {
        spdlog::warn("jobs: claim failed: {}", got.error().message);
        waker_->wait(seen, options_.poll_interval);
        continue;
      }
      claimed = std::move(*got);
      // Full: there may be more, for an idle worker to take while this one runs these.
      if (static_cast<int>(claimed.jobs.size()) == req.limit) waker_->notify();
    }
    if (claimed.jobs.empty()) {
      waker_->wait(seen, idle_wait(claimed.next_due));
      continue;
    }
    claimed_ += claimed.jobs.size();
    ++claims_;
    {
      std::lock_guard lk(inflight_mu_);
      for (const auto& job : claimed.jobs) inflight_[job.id] = job;
    }
    // Each kind's jobs go to its handler together, in claim order.
    std::map<std::string, std::vector<Job>> by_kind;
    for (const auto& job : claimed.jobs) by_kind[job.kind].push_back(job);
    std::vector<Finished> done;
    done.reserve(claimed.jobs.size());
    for (const auto& [kind, jobs] : by_kind) run_jobs(kind, jobs, done);
    if (done.empty()) continue;
    carried_seen = waker_->generation();
    if (stopping_) {
      finish(done, nullptr);
    } else {
      const auto next = claim_request(worker_id, next_expired_check);
      carried = finish(done, &next);
    }
  }
  // Claimed with the last outcomes but stopped before they started: hand them back.
  if (carried) {
    claimed_ += carried->jobs.size();
    for (const auto& job : carried->jobs) release(job);
  }
}

Result<WorkerPool::Claimed> WorkerPool::claim_in(store::Tx& tx, const store::ClaimRequest& req) {
  Claimed c;
  auto jobs = tx.jobs().claim(req);
  if (!jobs) return std::move(jobs).error();
  c.jobs = std::move(*jobs);
  if (c.jobs.empty()) {
    auto next = tx.jobs().next_run_at(options_.queue, req.now);
    if (!next) return std::move(next).error();
    c.next_due = *next;
  }
  return c;
}

std::chrono::steady_clock::duration WorkerPool::idle_wait(std::optional<Timestamp> next_due) {
  steady_clock::duration wait = options_.poll_interval;
  // A job due before the next poll: wake for it (+1 ms so it is due when we look).
  if (next_due) {
    wait = std::min(wait,
                    std::chrono::duration_cast<steady_clock::duration>(*next_due - clock_.now()) +
                        std::chrono::milliseconds(1));
  }
  return wait;
}

namespace {

// Runs f (which returns a Result), turning an exception into an internal error that says
// what threw ("handler", "effects"): no job may take a worker thread down.
template <typename F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Error::internal(std::string(what) + " threw: " + e.what());
  } catch (...) {
    return Error::internal(std::string(what) + " threw a non-standard exception");
  }
}

}  // namespace

void WorkerPool::release(const Job& job) {
  // Not started: hand it back rather than make stop() wait for the whole batch.
  auto r = store::in_tx(store_, store::TxMode::write,
                        [&](store::Tx& tx) { return tx.jobs().release(job, clock_.now()); });
  if (r) ++released_;
  std::lock_guard lk(inflight_mu_);
  inflight_.erase(job.id);
}

void WorkerPool::run_jobs(const std::string& kind, const std::vector<Job>& jobs,
                          std::vector<Finished>& done) {
  if (auto it = batch_handlers_.find(kind); it != batch_handlers_.end()) {
    if (stopping_) {
      for (const auto& job : jobs) release(job);
      return;
    }
    auto returned = guarded("handler", [&]() -> Result<StagedBatch> { return it->second(jobs); });
    std::vector<Result<JobEffects>> outcomes;
    std::shared_ptr<const MergedEffects> together;
    if (returned) {
      outcomes = std::move(returned->each);
      if (returned->together) {
        together = std::make_shared<const MergedEffects>(std::move(returned->together));
      }
    } else {
      outcomes.assign(jobs.size(), returned.error());
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      done.push_back(Finished{jobs[i],
                              i < outcomes.size() ? std::move(outcomes[i])
                                                  : Result<JobEffects>(Error::internal(
                                                        "handler returned too few outcomes")),
                              false, together, i});
    }
    return;
  }
  auto it = handlers_.find(kind);
  for (const auto& job : jobs) {
    if (stopping_) {
      release(job);
      continue;
    }
    if (it == handlers_.end()) {
      done.push_back(
          Finished{job, Error::internal("no handler for job kind '" + kind + "'"), false, {}, 0});
      continue;
    }
    done.push_back(
        Finished{job,
                 guarded("handler", [&]() -> Result<JobEffects> { return it->second(job); }),
                 false,
                 {},
                 0});
  }
}

Result<void> WorkerPool::record(store::Tx& tx, Finished& f, std::optional<Timestamp> retry_at,
                                Timestamp now) {
  if (!f.outcome) return tx.jobs().fail(f.job, f.outcome.error().message, retry_at, now);
  // Complete first: a lost lease (conflict) means another worker owns the job now, and
  // these effects are then left to it.
  CA_CHECK(tx.jobs().complete(f.job));
  return apply_effects(tx, f);
}

Result<void> WorkerPool::apply_effects(store::Tx& tx, Finished& f) {
  if (!*f.outcome) return ok();
  Result<void> effects = guarded("effects", [&] { return (*f.outcome)(tx); });
  if (!effects) {
    f.effects_failed = true;
    // Never "conflict": that is reserved for the lease above.
    Error e = std::move(effects).error();
    if (e.code == ErrorCode::conflict) e.code = ErrorCode::internal;
    return e;
  }
  return ok();
}

// The whole batch in the caller's transaction: every succeeded job completed by one
// statement, then each job's effects (only where the lease held; a merging handler's
// held jobs by one call of its merged effects) or its failure.
Result<void> WorkerPool::record_batch(store::Tx& tx, std::vector<Finished>& done,
                                      const std::vector<std::optional<Timestamp>>& retry_at,
                                      std::vector<Result<void>>& recorded, Timestamp now) {
  std::vector<store::Job> succeeded;
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < done.size(); ++i) {
    if (done[i].outcome) {
      succeeded.push_back(done[i].job);
      at.push_back(i);
    }
  }
  std::vector<bool> held(done.size(), true);
  if (!succeeded.empty()) {
    auto completed = tx.jobs().complete_many(succeeded);
    if (!completed) return std::move(completed).error();
    for (std::size_t k = 0; k < at.size(); ++k) held[at[k]] = (*completed)[k];
  }
  // Held jobs of a merging batch: their effects go in together, once per batch.
  std::map<const MergedEffects*, std::vector<std::size_t>> merged;
  for (std::size_t i = 0; i < done.size(); ++i) {
    if (!done[i].outcome) {
      recorded[i] = tx.jobs().fail(done[i].job, done[i].outcome.error().message, retry_at[i], now);
    } else if (!held[i]) {
      recorded[i] = Error::conflict("job lease lost");
    } else if (done[i].together && *done[i].outcome) {
      merged[done[i].together.get()].push_back(i);
    } else {
      recorded[i] = apply_effects(tx, done[i]);
    }
    if (!recorded[i] && recorded[i].error().code != ErrorCode::conflict) return recorded[i];
  }
  for (const auto& group : merged) {
    const MergedEffects& together = *group.first;
    std::vector<std::size_t> which;
    which.reserve(group.second.size());
    for (std::size_t i : group.second) which.push_back(done[i].index);
    // Any failure rolls the batch back; finish() then writes each job on its own, where
    // a job whose effects fail becomes a failed attempt.
    CA_CHECK(guarded("effects", [&] { return together(tx, which); }));
  }
  return ok();
}

std::optional<WorkerPool::Claimed> WorkerPool::finish(std::vector<Finished>& done,
                                                      const store::ClaimRequest* next) {
  const auto now = clock_.now();
  std::vector<std::optional<Timestamp>> retry_at(done.size());
  auto plan_retry = [&](std::size_t i) {
    retry_at[i] = retry_time(options_.backoff, done[i].job.attempts, done[i].job.max_attempts, now,
                             next_unit());
  };
  for (std::size_t i = 0; i < done.size(); ++i) {
    if (!done[i].outcome) plan_retry(i);
  }
  // Leave the in-flight set first: a lease renewal racing this write would only fail.
  {
    std::lock_guard lk(inflight_mu_);
    for (const auto& d : done) inflight_.erase(d.job.id);
  }
  // One transaction; a job whose lease was lost (conflict) does not stop the others, any
  // other error rolls the batch back (SQLite has no per-job savepoint here).
  std::vector<Result<void>> recorded(done.size(), ok());
  std::optional<Claimed> claimed;
  auto together = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
    CA_CHECK(record_batch(tx, done, retry_at, recorded, now));
    if (next == nullptr) return ok();
    // A failed claim rolls the outcomes back too; they are then recorded one by one below.
    auto got = claim_in(tx, *next);
    if (!got) return std::move(got).error();
    claimed = std::move(*got);
    return ok();
  });
  if (!together) {
    spdlog::warn("jobs: the outcome transaction of {} jobs failed, recording them one by one: {}",
                 done.size(), together.error().message);
    claimed.reset();  // rolled back with the outcomes
    // One transaction per job: the good ones land; a job whose effects cannot be written
    // becomes a failed attempt (retried with backoff, like a handler error).
    for (std::size_t i = 0; i < done.size(); ++i) {
      done[i].effects_failed = false;
      recorded[i] = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) {
        return record(tx, done[i], retry_at[i], now);
      });
      // Anything but the effects (the store itself failing): the lease expires and the job
      // re-runs, as for any unrecorded outcome.
      if (recorded[i] || !done[i].effects_failed) continue;
      done[i].outcome =
          Error::internal("writing the job's effects failed: " + recorded[i].error().message);
      plan_retry(i);
      recorded[i] = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) {
        return record(tx, done[i], retry_at[i], now);
      });
    }
  }
  bool wake = false;
  for (std::size_t i = 0; i < done.size(); ++i) {
    const auto& job = done[i].job;
    const auto& outcome = done[i].outcome;
    const Result<void>& r = recorded[i];
    wake = wake || job.consumer_id.has_value();
    if (!r) {
      if (r.error().code == ErrorCode::conflict) {
        ++lease_lost_;
        spdlog::warn("jobs: {} ({}) finished after its lease was lost", job.id, job.kind);
      } else {
        // The lease will expire and the job re-runs: at least once, never lost.
        spdlog::error("jobs: recording the outcome of {} failed: {}", job.id, r.error().message);
      }
    } else if (outcome) {
      ++succeeded_;
    } else if (retry_at[i]) {
      ++retried_;
      spdlog::warn("jobs: {} ({}) attempt {}/{} failed, retry at {}: {}", job.id, job.kind,
                   job.attempts, job.max_attempts, format_rfc3339(*retry_at[i]),
                   outcome.error().message);
    } else {
      ++dead_;
      spdlog::error("jobs: {} ({}) is dead after {} attempts: {}", job.id, job.kind, job.attempts,
                    outcome.error().message);
    }
  }
  // A consumer's next job may be claimable now: let idle workers of this process look.
  // Not when this transaction's own claim already took everything claimable (it came back
  // short of its limit): that wake-up would only send them, and this worker, to claim
  // nothing.
  const bool all_taken =
      next != nullptr && claimed && static_cast<int>(claimed->jobs.size()) < next->limit;
  if (wake && !all_taken) waker_->notify();
  return claimed;
}

// Renews the leases of in-flight jobs (so long jobs are not re-run while alive) and
// reaps jobs whose lease expired on their final attempt.
void WorkerPool::maintenance_loop() {
  const auto renew_every = std::chrono::duration_cast<steady_clock::duration>(options_.lease) / 3;
  auto next_reap = steady_clock::now();
  while (sleep_unless_stopping(
      std::min<steady_clock::duration>(renew_every, options_.poll_interval))) {
    std::vector<Job> jobs;
    {
      std::lock_guard lk(inflight_mu_);
      for (const auto& [id, job] : inflight_) jobs.push_back(job);
    }
    for (const auto& job : jobs) {
      const auto now = clock_.now();
      auto r = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) {
        return tx.jobs().extend_lease(job, now + options_.lease, now);
      });
      if (!r && r.error().code != ErrorCode::conflict) {
        spdlog::warn("jobs: renewing the lease of {} failed: {}", job.id, r.error().message);
      }
    }
    if (steady_clock::now() >= next_reap) {
      next_reap = steady_clock::now() + options_.poll_interval;
      auto reaped = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) {
        return tx.jobs().reap_expired(options_.queue, clock_.now());
      });
      if (reaped && *reaped > 0) {
        dead_ += static_cast<std::uint64_t>(*reaped);
        spdlog::error("jobs: {} jobs dead: lease expired on the final attempt", *reaped);
      }
      // Retention: one bounded batch per beat keeps the jobs table (and claims) small.
      auto purged = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) {
        return tx.jobs().purge_finished(options_.queue, clock_.now() - options_.finished_retention,
                                        1000);
      });
      if (!purged) spdlog::warn("jobs: purge failed: {}", purged.error().message);
    }
  }
}

// LISTEN jobs on PostgreSQL: a commit anywhere wakes this process's idle workers.
void WorkerPool::listener_loop() {
  std::unique_ptr<store::JobListener> listener;
  while (!stopping_) {
    if (!listener) {
      auto made = store::make_pg_listener(options_.listen_url, store::kJobsChannel);
      if (!made) {
        spdlog::warn("jobs: LISTEN unavailable ({}); polling", made.error().message);
        sleep_unless_stopping(std::chrono::seconds(5));
        continue;
      }
      listener = std::move(*made);
      waker_->notify();  // anything sent while we were not listening is gone: look once
    }
    auto got = listener->wait(std::chrono::milliseconds(200));
    if (!got) {
      spdlog::warn("jobs: {}", got.error().message);
      listener.reset();
      continue;
    }
    if (*got) waker_->notify();
  }
}

}  // namespace ca::jobs
