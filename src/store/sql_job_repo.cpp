#include "store/sql_job_repo.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <tuple>
#include <unordered_map>

#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kColumns =
    "id, queue, kind, creator_id, consumer_id, payload, status, priority, attempts, "
    "max_attempts, run_at, lease_until, locked_by, last_error, created_at, updated_at";

constexpr size_t kMaxErrorLength = 2000;

constexpr std::array kStatusNames{"queued", "running", "succeeded", "dead", "cancelled"};

// Claim: a job is due when it is queued with run_at <= now, or running with an expired
// lease and attempts left (its worker died). A job with a consumer is claimable only when
// no OTHER job of that consumer (any queue) is
//   - running with a live lease, or
//   - ordered before it by (run_at, id) and due itself, or running with an expired lease,
// i.e. only the head of each consumer's due queue is claimable, and only while nothing
// of that consumer runs. So a claim takes at most one job per consumer (on PostgreSQL
// its second statement sees the first one's jobs running).
//
// Why no per-consumer advisory lock on PostgreSQL: under READ COMMITTED every claim
// statement sees one snapshot, and in any snapshot each consumer has at most one eligible
// job (its head). A concurrent claimer either finds that head row locked (SKIP LOCKED
// skips it, and the next job of the consumer is still blocked by the head, which its
// snapshot shows queued) or, when the other claim already committed, re-checks the row's
// new version (EvalPlanQual) and sees it running. A head changes only through a locked row
// update, so two workers can never hold consecutive jobs of one consumer. An advisory lock
// would add hash collisions (false skips) and locks taken for rows never claimed, for no
// extra safety. The 4-worker ordering test exercises exactly this.
//
// SQLite runs its claim on the single writer (BEGIN IMMEDIATE), which serialises claims.
// Only the head of each consumer's due queue, and only while nothing of that consumer runs.
constexpr const char* kConsumerFree =
    "(j.consumer_id IS NULL OR NOT EXISTS (SELECT 1 FROM jobs o "
    "  WHERE o.consumer_id = j.consumer_id AND o.id <> j.id AND ("
    "    (o.status = 'running' AND (o.lease_until >= $1 OR (o.run_at, o.id) < (j.run_at, j.id)))"
    "    OR (o.status = 'queued' AND o.run_at <= $1 AND (o.run_at, o.id) < (j.run_at, j.id)))))";
// The order of jobs_claim_idx, so a claim stops after LIMIT due jobs it can take.
constexpr const char* kClaimOrder = " ORDER BY j.run_at, j.priority DESC, j.id LIMIT $5";

constexpr const char* kClaimSet =
    "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $3, "
    "locked_by = $4, updated_at = $1 WHERE id IN (";
constexpr const char* kDue = "j.queue = $2 AND j.status = 'queued' AND j.run_at <= $1";
constexpr const char* kExpired =
    "j.queue = $2 AND j.status = 'running' AND j.lease_until < $1 "
    "AND j.attempts < j.max_attempts";

// SQLite, due and expired jobs in one statement. Neither engine can walk one index for an
// OR of the two statuses, and sorting the whole backlog on every claim costs milliseconds;
// each branch walks jobs_claim_idx in claim order and stops at LIMIT, and the union is cut
// to LIMIT.
std::string sqlite_claim_sql() {
  return std::string(kClaimSet) +
         "SELECT id FROM (SELECT id, priority, run_at FROM (SELECT j.id, j.priority, j.run_at "
         "FROM jobs j WHERE " +
         kDue + " AND " + kConsumerFree + kClaimOrder +
         ") due UNION ALL SELECT id, priority, run_at FROM (SELECT j.id, j.priority, j.run_at "
         "FROM jobs j WHERE " +
         kExpired + " AND " + kConsumerFree + kClaimOrder +
         ") expired) claimable ORDER BY run_at, priority DESC, id LIMIT $5) RETURNING " + kColumns;
}

// One branch (kDue or kExpired) on its own: SQLite's due-only claim (no lock clause), and
// on PostgreSQL the classic `id IN (… FOR UPDATE SKIP LOCKED)` per status, run one after
// the other in the claim's transaction (the second sees what the first took). A UNION of
// two locking branches under the UPDATE was seen running for over five minutes at full
// CPU under load (cause not pinned down; EvalPlanQual rechecks are the suspect); an OR of
// the statuses sorts the whole backlog (58 ms a claim with 5,000 queued jobs).
std::string branch_claim_sql(const char* branch, const char* lock) {
  return std::string(kClaimSet) + "SELECT j.id FROM jobs j WHERE " + branch + " AND " +
         kConsumerFree + kClaimOrder + lock + ") RETURNING " + kColumns;
}

Job read_job(const SqlRow& r) {
  Job j;
  j.id = r.text(0);
  j.queue = r.text(1);
  j.kind = r.text(2);
  j.creator_id = r.opt_text(3);
  j.consumer_id = r.opt_text(4);
  j.payload_json = r.text(5);
  j.status = parse_job_status(r.text(6)).value_or(JobStatus::dead);
  j.priority = static_cast<int>(r.i64(7));
  j.attempts = static_cast<int>(r.i64(8));
  j.max_attempts = static_cast<int>(r.i64(9));
  j.run_at = r.time(10);
  j.lease_until = r.opt_time(11);
  j.locked_by = r.opt_text(12);
  j.last_error = r.opt_text(13);
  j.created_at = r.time(14);
  j.updated_at = r.time(15);
  return j;
}

bool valid_opt_id(const std::optional<std::string>& id) { return !id || valid_id(*id); }

Error lease_lost() { return Error::conflict("job lease lost"); }

}  // namespace

const char* to_string(JobStatus s) { return kStatusNames.at(static_cast<size_t>(s)); }

std::optional<JobStatus> parse_job_status(std::string_view s) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (s == kStatusNames[i]) return static_cast<JobStatus>(i);
  }
  return std::nullopt;
}

Result<void> SqlJobRepo::enqueue(const NewJob& job, Timestamp now) {
  return enqueue_many({job}, now);
}

Result<void> SqlJobRepo::enqueue_many(const std::vector<NewJob>& jobs, Timestamp now) {
  std::set<std::string> queues;
  for (const auto& job : jobs) {
    if (!valid_id(job.id)) return Error::invalid("id", "job id must be a UUID");
    if (job.kind.empty()) return Error::invalid("kind", "job kind is required");
    if (job.queue.empty()) return Error::invalid("queue", "job queue is required");
    if (!valid_opt_id(job.creator_id)) return Error::invalid("creator_id", "not a UUID");
    if (!valid_opt_id(job.consumer_id)) return Error::invalid("consumer_id", "not a UUID");
    if (job.max_attempts < 1) return Error::invalid("max_attempts", "must be at least 1");
    if (job.run_at <= now + kAnnounceHorizon) queues.insert(job.queue);
  }
  // PostgreSQL: NOTIFY jobs once per queue per transaction, queued with it and delivered at
  // commit (never for a rollback). It rides on the last INSERT (a data-modifying WITH runs
  // in full whatever the outer SELECT reads): one round trip fewer per enqueuing
  // transaction.
  std::vector<std::string> to_notify;
  if (s_.dialect() == Dialect::postgres) {
    for (const auto& queue : queues) {
      if (notified_.insert(queue).second) to_notify.push_back(queue);
    }
  }
  for (size_t start = 0; start < jobs.size(); start += kRowsPerStatement) {
    const size_t end = std::min(jobs.size(), start + kRowsPerStatement);
    SqlParams p;
    std::string sql =
        "INSERT INTO jobs (id, queue, kind, creator_id, consumer_id, payload, status, priority, "
        "attempts, max_attempts, run_at, created_at, updated_at) VALUES ";
    for (size_t i = start; i < end; ++i) {
      const NewJob& job = jobs[i];
      if (i > start) sql += ", ";
      bind_row(
          p, sql,
          {job.id, job.queue, job.kind, sql_opt(job.creator_id), sql_opt(job.consumer_id),
           job.payload_json, std::string("queued"), std::int64_t{job.priority}, std::int64_t{0},
           std::int64_t{job.max_attempts}, sql_time(job.run_at), sql_time(now), sql_time(now)});
    }
    if (end == jobs.size() && !to_notify.empty()) {
      std::string with = "WITH enqueued AS (";
      with += sql;
      with += ") SELECT ";
      for (std::size_t q = 0; q < to_notify.size(); ++q) {
        with += q == 0 ? "pg_notify(" : ", pg_notify(";
        with += bind(p, std::string(kJobsChannel));
        with += ", ";
        with += bind(p, to_notify[q]);
        with += ")";
      }
      sql = std::move(with);
    }
    CA_CHECK(run_later(s_, sql, p));
  }
  return ok();
}

Result<std::vector<Job>> SqlJobRepo::claim(const ClaimRequest& req) {
  if (req.limit < 1) return std::vector<Job>{};
  std::vector<Job> jobs;
  auto run_claim = [&](const std::string& sql, std::int64_t limit) -> Result<void> {
    auto r = s_.query(
        sql, {sql_time(req.now), req.queue, sql_time(req.now + req.lease), req.worker_id, limit});
    if (!r) return std::move(r).error();
    for (const auto& row : r->rows) jobs.push_back(read_job(row));
    return ok();
  };
  // Built once: claims run in every worker's loop.
  static const std::string sqlite_sql = sqlite_claim_sql();
  static const std::string sqlite_due_sql = branch_claim_sql(kDue, "");
  static const std::string expired_sql = branch_claim_sql(kExpired, " FOR UPDATE SKIP LOCKED");
  static const std::string due_sql = branch_claim_sql(kDue, " FOR UPDATE SKIP LOCKED");
  if (s_.dialect() == Dialect::sqlite) {
    CA_CHECK(run_claim(req.expired ? sqlite_sql : sqlite_due_sql, req.limit));
  } else {
    // Expired leases first: they are few (a dead worker's jobs) and never starve behind a
    // backlog of due jobs.
    if (req.expired) CA_CHECK(run_claim(expired_sql, req.limit));
    const auto left = req.limit - static_cast<std::int64_t>(jobs.size());
    if (left > 0) CA_CHECK(run_claim(due_sql, left));
  }
  // RETURNING has no order: hand them out in claim order.
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
    return std::tie(a.run_at, b.priority, a.id) < std::tie(b.run_at, a.priority, b.id);
  });
  return jobs;
}

Result<void> SqlJobRepo::update_claimed(std::string sql, SqlParams params, const Job& claimed) {
  sql += " WHERE id = " + bind(params, claimed.id) + " AND status = 'running' AND locked_by = " +
         bind(params, claimed.locked_by.value_or(std::string{})) +
         " AND attempts = " + bind(params, std::int64_t{claimed.attempts});
  auto r = s_.query(sql, params);
  if (!r) return std::move(r).error();
  if (r->affected == 0) return lease_lost();
  return ok();
}

// A succeeded job is deleted, not kept as 'succeeded': what it did is recorded where it
// matters (the invocation, the action), and a delete is the cheapest write a job's end
// can be. An update rewrote the row and moved its entries in two status-keyed indexes,
// then the retention purge deleted it anyway, and until then every claim's per-consumer
// check walked past it. On SQLite's single writer that was an eighth of all SQL time.
Result<void> SqlJobRepo::complete(const Job& claimed) {
  return update_claimed("DELETE FROM jobs", {}, claimed);
}

Result<std::vector<bool>> SqlJobRepo::complete_many(const std::vector<Job>& claimed) {
  std::vector<bool> completed(claimed.size(), false);
  std::unordered_map<std::string, size_t> at;
  for (size_t start = 0; start < claimed.size(); start += kRowsPerStatement) {
    const size_t end = std::min(claimed.size(), start + kRowsPerStatement);
    // The same fence as update_claimed, per row: each job's own locked_by and attempts.
    SqlParams p;
    std::string ids;
    std::string owner = "CASE id";
    std::string attempts = "CASE id";
    for (size_t i = start; i < end; ++i) {
      const Job& j = claimed[i];
      if (!valid_id(j.id)) continue;  // never a claimed job: left alone, reported lost
      at[j.id] = i;
      const std::string id = bind(p, j.id);
      ids += (ids.empty() ? "" : ", ") + id;
      owner += " WHEN " + id + " THEN " + bind(p, j.locked_by.value_or(std::string{}));
      // Typed: PostgreSQL would read an untyped CASE result as text.
      attempts +=
          " WHEN " + id + " THEN CAST(" + bind(p, std::int64_t{j.attempts}) + " AS integer)";
    }
    if (ids.empty()) continue;
    std::string sql = "DELETE FROM jobs WHERE status = 'running' AND id IN (";
    sql += ids;
    sql += ") AND locked_by = ";
    sql += owner;
    sql += " END AND attempts = ";
    sql += attempts;
    sql += " END RETURNING id";
    auto r = s_.query(sql, p);
    if (!r) return std::move(r).error();
    for (const auto& row : r->rows) {
      if (auto it = at.find(row.text(0)); it != at.end()) completed[it->second] = true;
    }
  }
  return completed;
}

Result<void> SqlJobRepo::fail(const Job& claimed, const std::string& error,
                              std::optional<Timestamp> retry_at, Timestamp now) {
  const JobStatus next = retry_at ? JobStatus::queued : JobStatus::dead;
  return update_claimed(
      "UPDATE jobs SET status = $1, run_at = $2, lease_until = NULL, last_error = $3, "
      "updated_at = $4",
      {std::string(to_string(next)), sql_time(retry_at.value_or(claimed.run_at)),
       error.substr(0, kMaxErrorLength), sql_time(now)},
      claimed);
}

Result<void> SqlJobRepo::release(const Job& claimed, Timestamp now) {
  return update_claimed(
      "UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_until = NULL, "
      "locked_by = NULL, updated_at = $1",
      {sql_time(now)}, claimed);
}

Result<void> SqlJobRepo::extend_lease(const Job& claimed, Timestamp lease_until, Timestamp now) {
  return update_claimed("UPDATE jobs SET lease_until = $1, updated_at = $2",
                        {sql_time(lease_until), sql_time(now)}, claimed);
}

// The reaper and the purge go through jobs_claim_idx (queue, status, run_at, ...). There is
// no index led by status: the claim's per-consumer check once used one to read every
// running job, dead versions included (see migration 6).
Result<int> SqlJobRepo::reap_expired(const std::string& queue, Timestamp now) {
  auto r = s_.query(
      "UPDATE jobs SET status = 'dead', lease_until = NULL, updated_at = $1, "
      "last_error = 'lease expired on the final attempt (worker lost)' "
      "WHERE queue = $2 AND status = 'running' AND lease_until < $1 "
      "AND attempts >= max_attempts",
      {sql_time(now), queue});
  if (!r) return std::move(r).error();
  return static_cast<int>(r->affected);
}

Result<int> SqlJobRepo::purge_finished(const std::string& queue, Timestamp before, int limit) {
  // A bounded batch keeps the writer turn short.
  auto r = s_.query(
      "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE queue = $3 AND status IN "
      "('succeeded', 'cancelled') AND run_at < $1 LIMIT $2)",
      {sql_time(before), static_cast<std::int64_t>(limit), queue});
  if (!r) return std::move(r).error();
  return static_cast<int>(r->affected);
}

Result<std::vector<std::pair<std::string, std::int64_t>>> SqlJobRepo::count_by_status() {
  auto r = s_.query("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status", {});
  if (!r) return std::move(r).error();
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& row : r->rows) out.emplace_back(row.text(0), row.i64(1));
  return out;
}

Result<int> SqlJobRepo::cancel(const CancelFilter& f, Timestamp now) {
  return update_queued("UPDATE jobs SET status = 'cancelled', updated_at = $1", {sql_time(now)}, f);
}

Result<int> SqlJobRepo::reschedule(const CancelFilter& f, Timestamp run_at,
                                   const std::string& payload_json, Timestamp now) {
  return update_queued(
      "UPDATE jobs SET run_at = $1, payload = $2, attempts = 0, last_error = NULL, "
      "updated_at = $3",
      {sql_time(run_at), payload_json, sql_time(now)}, f);
}

Result<std::optional<std::string>> SqlJobRepo::queued_where(const CancelFilter& f,
                                                            SqlParams& params) {
  if (!f.creator_id && !f.consumer_id && !f.kind) {
    return Error::invalid("filter", "a job filter needs a creator, consumer or kind");
  }
  if (!valid_opt_id(f.creator_id) || !valid_opt_id(f.consumer_id)) {
    return std::optional<std::string>{};
  }
  std::string where = " WHERE status = 'queued'";
  if (f.creator_id) where += " AND creator_id = " + bind(params, *f.creator_id);
  if (f.consumer_id) where += " AND consumer_id = " + bind(params, *f.consumer_id);
  if (f.kind) where += " AND kind = " + bind(params, *f.kind);
  return std::optional<std::string>{std::move(where)};
}

Result<int> SqlJobRepo::update_queued(std::string sql, SqlParams params, const CancelFilter& f) {
  auto where = queued_where(f, params);
  if (!where) return std::move(where).error();
  if (!*where) return 0;
  sql += **where;
  auto r = s_.query(sql, params);
  if (!r) return std::move(r).error();
  return static_cast<int>(r->affected);
}

Result<std::optional<Timestamp>> SqlJobRepo::earliest_queued(const CancelFilter& f) {
  SqlParams params;
  auto where = queued_where(f, params);
  if (!where) return std::move(where).error();
  if (!*where) return std::optional<Timestamp>{};
  auto r = s_.query("SELECT MIN(run_at) FROM jobs" + **where, params);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return std::optional<Timestamp>{};
  return r->rows.front().opt_time(0);
}

Result<std::map<std::string, Timestamp>> SqlJobRepo::earliest_queued_by_consumer(
    const std::string& kind, const std::vector<std::string>& consumer_ids) {
  auto rows = query_by_ids(
      s_, "SELECT consumer_id, MIN(run_at) FROM jobs WHERE status = 'queued' AND kind = $1 AND ",
      "consumer_id", consumer_ids, " GROUP BY consumer_id", {kind});
  if (!rows) return std::move(rows).error();
  std::map<std::string, Timestamp> due;
  for (const auto& row : *rows) due.emplace(row.text(0), row.time(1));
  return due;
}

Result<std::set<std::string>> SqlJobRepo::consumers_with_due_jobs(
    const std::vector<std::string>& consumer_ids, Timestamp now) {
  // Each consumer's entries of jobs_consumer_idx up to now; its future jobs (a follow-up a
  // week out, a delayed send) are not read, and a running job is due by definition.
  auto rows = query_by_ids(s_,
                           "SELECT DISTINCT consumer_id FROM jobs WHERE run_at <= $1 "
                           "AND status IN ('queued', 'running') AND ",
                           "consumer_id", consumer_ids, "", {sql_time(now)});
  if (!rows) return std::move(rows).error();
  std::set<std::string> busy;
  for (const auto& row : *rows) busy.insert(row.text(0));
  return busy;
}

Result<void> SqlJobRepo::cancel_job(const Tenant& t, const std::string& id, Timestamp now) {
  if (!valid_id(id)) return not_found("job");
  SqlParams params{sql_time(now), id};
  std::string sql =
      "UPDATE jobs SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status = 'queued'";
  sql += tenant_clause(t, "creator_id", params);
  return run_one(s_, sql, params, "job");
}

Result<std::optional<Timestamp>> SqlJobRepo::next_run_at(const std::string& queue,
                                                         Timestamp after) {
  auto r = s_.query(
      "SELECT MIN(run_at) FROM jobs WHERE queue = $1 AND status = 'queued' AND run_at > $2",
      {queue, sql_time(after)});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return std::optional<Timestamp>{};
  return r->rows.front().opt_time(0);
}

Result<Job> SqlJobRepo::get(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("job");
  SqlParams params{id};
  std::string sql = std::string("SELECT ") + kColumns + " FROM jobs WHERE id = $1";
  sql += tenant_clause(t, "creator_id", params);
  auto r = s_.query(sql, params);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("job");
  return read_job(r->rows.front());
}

Result<Page<Job>> SqlJobRepo::list(const Tenant& t, const JobFilter& f, const PageRequest& page) {
  SqlParams params;
  std::string sql = std::string("SELECT ") + kColumns + " FROM jobs WHERE 1 = 1";
  sql += tenant_clause(t, "creator_id", params);
  if (f.status) sql += " AND status = " + bind(params, std::string(to_string(*f.status)));
  if (f.kind) sql += " AND kind = " + bind(params, *f.kind);
  if (f.queue) sql += " AND queue = " + bind(params, *f.queue);
  if (f.consumer_id) {
    if (!valid_id(*f.consumer_id)) return Page<Job>{};
    sql += " AND consumer_id = " + bind(params, *f.consumer_id);
  }
  return query_page(s_, std::move(sql), params, page, read_job);
}

}  // namespace ca::store
