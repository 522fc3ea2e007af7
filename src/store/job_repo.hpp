// The job queue's storage: jobs are rows enqueued in the caller's transaction and claimed
// with a lease. The policy (backoff, worker loop, wake-ups) lives in jobs/; this is the SQL.
//
// Life of a job: queued → running (claim: attempts+1, lease) → succeeded (the row is
// deleted; 'succeeded' rows are left by older versions, and retention purges them), or back to
// queued with a later run_at (fail with retry), or dead (fail without retry, or the lease
// expired on the final attempt); queued → cancelled. A running job whose lease expired is
// claimable again: that is how the job of a killed worker re-runs.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"

namespace ca::store {

// The PostgreSQL NOTIFY channel an enqueue signals (payload: the queue name).
inline constexpr const char* kJobsChannel = "jobs";
// An enqueued job due later than this is not announced: idle workers look again at least
// this often anyway (WorkerPoolOptions::poll_interval, 1 s by default). Announcing a send
// due in 30 minutes or a follow-up due in a week only sent every idle worker of every
// process to claim nothing.
inline constexpr std::chrono::seconds kAnnounceHorizon{1};

enum class JobStatus { queued, running, succeeded, dead, cancelled };
const char* to_string(JobStatus s);
std::optional<JobStatus> parse_job_status(std::string_view s);

struct NewJob {
  std::string id;  // UUIDv7 from the caller's IdGenerator
  std::string kind;
  std::string queue = "default";
  std::optional<std::string> creator_id;
  // Jobs of one consumer run one at a time, in (run_at, id) order.
  std::optional<std::string> consumer_id;
  std::string payload_json = "{}";
  // Higher first among jobs due at the same time; never overtakes an earlier due job or
  // a consumer's order (claims walk due jobs in due order and stop at their limit).
  int priority = 0;
  int max_attempts = 5;
  Timestamp run_at{};  // due time; now for "as soon as possible"
};

struct Job {
  std::string id;
  std::string queue;
  std::string kind;
  std::optional<std::string> creator_id;
  std::optional<std::string> consumer_id;
  std::string payload_json;
  JobStatus status = JobStatus::queued;
  int priority = 0;
  int attempts = 0;  // claims so far, including the current one while running
  int max_attempts = 5;
  Timestamp run_at{};
  std::optional<Timestamp> lease_until;
  std::optional<std::string> locked_by;
  std::optional<std::string> last_error;
  Timestamp created_at{};
  Timestamp updated_at{};
};

struct ClaimRequest {
  std::string queue = "default";
  std::string worker_id;  // recorded in locked_by; fences complete/fail/extend
  int limit = 1;
  Timestamp now{};
  std::chrono::microseconds lease = std::chrono::seconds(60);
  // Also take running jobs whose lease expired; false: due queued jobs only.
  bool expired = true;
};

struct JobFilter {
  std::optional<JobStatus> status;
  std::optional<std::string> kind;
  std::optional<std::string> queue;
  std::optional<std::string> consumer_id;
};

// Which queued jobs to cancel; at least one field must be set.
struct CancelFilter {
  std::optional<std::string> creator_id;
  std::optional<std::string> consumer_id;
  std::optional<std::string> kind;
};

// Methods that act on a claimed job take the Job that claim() returned: they only touch
// the row while it is still that claim (same locked_by and attempts, status running), and
// return conflict ("job lease lost") otherwise — another worker may own it by now.
class JobRepo {
 public:
  virtual ~JobRepo() = default;

  // In the caller's transaction; on PostgreSQL also NOTIFY jobs (delivered at commit) when
  // the job is due within kAnnounceHorizon.
  virtual Result<void> enqueue(const NewJob& job, Timestamp now) = 0;
  // enqueue for many: one multi-row INSERT, one NOTIFY per queue.
  virtual Result<void> enqueue_many(const std::vector<NewJob>& jobs, Timestamp now) = 0;
  // Up to `limit` due jobs (queued with run_at <= now, or running with an expired lease and
  // attempts left), at most one per consumer, each the earliest due job of its consumer and
  // only when no other job of that consumer holds a live lease. Sets them running.
  virtual Result<std::vector<Job>> claim(const ClaimRequest& request) = 0;
  // Succeeded: the job is deleted (its effects record what it did).
  virtual Result<void> complete(const Job& claimed) = 0;
  // complete for a batch, in one statement per 500 jobs: out[i] is false when jobs[i] was
  // no longer that claim (its lease was lost) and so was left alone.
  virtual Result<std::vector<bool>> complete_many(const std::vector<Job>& claimed) = 0;
  // retry_at: back to queued, due then; nullopt: dead. Records the error either way.
  virtual Result<void> fail(const Job& claimed, const std::string& error,
                            std::optional<Timestamp> retry_at, Timestamp now) = 0;
  // Hands a claimed job back untouched (graceful stop before it started): queued again,
  // this attempt not counted.
  virtual Result<void> release(const Job& claimed, Timestamp now) = 0;
  virtual Result<void> extend_lease(const Job& claimed, Timestamp lease_until, Timestamp now) = 0;
  // Running jobs of the queue whose lease expired on their final attempt become dead;
  // returns how many.
  virtual Result<int> reap_expired(const std::string& queue, Timestamp now) = 0;
  // Cancels matching queued jobs; returns how many.
  virtual Result<int> cancel(const CancelFilter& filter, Timestamp now) = 0;
  // Moves matching queued jobs to a new due time and payload, as if new (no attempts, no
  // error); returns how many. Cheaper than cancel + enqueue, and leaves no cancelled row.
  virtual Result<int> reschedule(const CancelFilter& filter, Timestamp run_at,
                                 const std::string& payload_json, Timestamp now) = 0;
  // Earliest run_at of the matching queued jobs; nullopt when there is none. A read, so
  // a caller can leave a pending job alone instead of rewriting it.
  virtual Result<std::optional<Timestamp>> earliest_queued(const CancelFilter& filter) = 0;
  // earliest_queued for many consumers at once: consumer id → earliest run_at of its
  // queued jobs of that kind; consumers with none are absent. (A consumer id names one
  // creator's consumer, so no creator filter: with one, SQLite's planner preferred the
  // creator index and read every job of the creator.)
  virtual Result<std::map<std::string, Timestamp>> earliest_queued_by_consumer(
      const std::string& kind, const std::vector<std::string>& consumer_ids) = 0;
  // Of these consumers, the ones with a job a claim would run before anything enqueued
  // now: running (any lease), or queued and due by `now`. Work for any other consumer can
  // run now without overtaking one of its jobs (the per-consumer order claims keep).
  virtual Result<std::set<std::string>> consumers_with_due_jobs(
      const std::vector<std::string>& consumer_ids, Timestamp now) = 0;
  // Cancels one queued job; not_found when it is not visible or not queued.
  virtual Result<void> cancel_job(const Tenant& t, const std::string& id, Timestamp now) = 0;
  // Earliest run_at after `after` of a queued job in the queue (the idle wait), if any.
  virtual Result<std::optional<Timestamp>> next_run_at(const std::string& queue,
                                                       Timestamp after) = 0;
  // Deletes up to `limit` succeeded or cancelled jobs of the queue due before `before`
  // (retention); dead jobs stay for inspection. Returns how many.
  virtual Result<int> purge_finished(const std::string& queue, Timestamp before, int limit) = 0;
  // Jobs per status (for /metrics), e.g. {{"queued", 12}, {"running", 2}}.
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> count_by_status() = 0;
  // Jobs with no creator are visible to admins only.
  virtual Result<Job> get(const Tenant& t, const std::string& id) = 0;
  // Newest first, cursor-paged like every list.
  virtual Result<Page<Job>> list(const Tenant& t, const JobFilter& filter,
                                 const PageRequest& page) = 0;
};

}  // namespace ca::store
