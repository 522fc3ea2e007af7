#pragma once

#include <set>
#include <string>
#include <vector>

#include "store/job_repo.hpp"
#include "store/sql.hpp"

namespace ca::store {

// One implementation for both dialects; only claim (SKIP LOCKED) and enqueue (NOTIFY)
// branch on the dialect.
class SqlJobRepo final : public JobRepo {
 public:
  explicit SqlJobRepo(SqlSession& s) : s_(s) {}

  Result<void> enqueue(const NewJob& job, Timestamp now) override;
  Result<void> enqueue_many(const std::vector<NewJob>& jobs, Timestamp now) override;
  Result<std::vector<Job>> claim(const ClaimRequest& request) override;
  Result<void> complete(const Job& claimed) override;
  Result<std::vector<bool>> complete_many(const std::vector<Job>& claimed) override;
  Result<void> fail(const Job& claimed, const std::string& error, std::optional<Timestamp> retry_at,
                    Timestamp now) override;
  Result<void> release(const Job& claimed, Timestamp now) override;
  Result<void> extend_lease(const Job& claimed, Timestamp lease_until, Timestamp now) override;
  Result<int> reap_expired(const std::string& queue, Timestamp now) override;
  Result<int> cancel(const CancelFilter& filter, Timestamp now) override;
  Result<int> reschedule(const CancelFilter& filter, Timestamp run_at,
                         const std::string& payload_json, Timestamp now) override;
  Result<std::optional<Timestamp>> earliest_queued(const CancelFilter& filter) override;
  Result<std::map<std::string, Timestamp>> earliest_queued_by_consumer(
      const std::string& kind, const std::vector<std::string>& consumer_ids) override;
  Result<std::set<std::string>> consumers_with_due_jobs(
      const std::vector<std::string>& consumer_ids, Timestamp now) override;
  Result<void> cancel_job(const Tenant& t, const std::string& id, Timestamp now) override;
  Result<std::optional<Timestamp>> next_run_at(const std::string& queue, Timestamp after) override;
  Result<int> purge_finished(const std::string& queue, Timestamp before, int limit) override;
  Result<std::vector<std::pair<std::string, std::int64_t>>> count_by_status() override;
  Result<Job> get(const Tenant& t, const std::string& id) override;
  Result<Page<Job>> list(const Tenant& t, const JobFilter& filter,
                         const PageRequest& page) override;

 private:
  // Runs an UPDATE fenced on the claim (appends the fence and its parameters).
  Result<void> update_claimed(std::string sql, SqlParams params, const Job& claimed);
  // `sql` (an UPDATE ... SET) on the queued jobs the filter matches; returns how many.
  Result<int> update_queued(std::string sql, SqlParams params, const CancelFilter& f);
  // " WHERE status = 'queued' AND ..." for the filter; nullopt when an id cannot match.
  static Result<std::optional<std::string>> queued_where(const CancelFilter& f, SqlParams& params);

  SqlSession& s_;
  // Queues already NOTIFYed in this transaction (PostgreSQL folds repeats at commit anyway;
  // skipping them saves a round trip per enqueue).
  std::set<std::string> notified_;
};

}  // namespace ca::store
