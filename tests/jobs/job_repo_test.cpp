// The JobRepo contract against a real database: enqueue in the caller's transaction,
// claim with a lease, retry and dead, lease expiry, per-consumer order, cancel and
// reschedule, tenancy.
#include <boost/json.hpp>

#include <algorithm>
#include <map>

#include "jobs_fixture.hpp"

namespace ca::test {
namespace {

using namespace std::chrono_literals;
using store::JobStatus;

class JobRepoTest : public JobsTest {};

TEST_F(JobRepoTest, EnqueueIsVisibleOnlyAfterCommit) {
  auto rolled_back = make_job();
  {
    auto tx = write();
    ASSERT_OK(tx->jobs().enqueue(rolled_back, now()));
  }  // destroyed uncommitted: rolled back
  EXPECT_FALSE(read()->jobs().get(Tenant::admin(), rolled_back.id).ok());
  EXPECT_TRUE(claim("w").empty());

  auto job = make_job();
  auto tx = write();
  ASSERT_OK(tx->jobs().enqueue(job, now()));
  EXPECT_FALSE(read()->jobs().get(Tenant::admin(), job.id).ok());  // not yet committed
  ASSERT_OK(tx->commit());
  auto stored = get(job.id);
  EXPECT_EQ(stored.status, JobStatus::queued);
  EXPECT_EQ(stored.kind, "test.work");
  EXPECT_EQ(stored.attempts, 0);
}

TEST_F(JobRepoTest, EnqueueRejectsBadInput) {
  auto tx = write();
  auto j = make_job();
  j.id = "nope";
  EXPECT_FALSE(tx->jobs().enqueue(j, now()).ok());
  j = make_job("");
  EXPECT_FALSE(tx->jobs().enqueue(j, now()).ok());
  j = make_job();
  j.max_attempts = 0;
  EXPECT_FALSE(tx->jobs().enqueue(j, now()).ok());
}

TEST_F(JobRepoTest, ClaimLeasesAndCompleteFinishes) {
  auto j = make_job();
  j.payload_json = R"({"n":1})";
  enqueue(j);
  auto claimed = claim("w1");
  ASSERT_EQ(claimed.size(), 1u);
  const auto& c = claimed[0];
  EXPECT_EQ(c.id, j.id);
  EXPECT_EQ(c.status, JobStatus::running);
  EXPECT_EQ(c.attempts, 1);
  EXPECT_EQ(c.locked_by, "w1");
  ASSERT_TRUE(c.lease_until);
  EXPECT_GT(*c.lease_until, now() + 50s);
  EXPECT_NE(c.payload_json.find("\"n\""), std::string::npos);
  EXPECT_TRUE(claim("w2").empty());  // leased

  auto tx = write();
  ASSERT_OK(tx->jobs().complete(c));
  ASSERT_OK(tx->commit());
  EXPECT_TRUE(completed(j.id));
  tx = write();
  auto again = tx->jobs().complete(c);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
}

// Succeeded jobs are deleted when they complete; cancelled ones wait for the purge.
TEST_F(JobRepoTest, PurgeDeletesOldFinishedJobsAndKeepsDeadAndQueued) {
  auto done = make_job();
  enqueue(done);
  {
    auto tx = write();
    ASSERT_OK(tx->jobs().cancel_job(Tenant::admin(), done.id, now()));
    ASSERT_OK(tx->commit());
  }
  auto waiting = make_job();
  waiting.run_at = now() + 48h;
  enqueue(waiting);
  auto counts = read()->jobs().count_by_status();
  ASSERT_TRUE(counts.ok());
  std::map<std::string, std::int64_t> by(counts->begin(), counts->end());
  EXPECT_EQ(by["cancelled"], 1);
  EXPECT_EQ(by["queued"], 1);

  auto tx = write();
  auto young = tx->jobs().purge_finished("default", now() - 1h, 100);  // too recent
  ASSERT_TRUE(young.ok());
  EXPECT_EQ(*young, 0);
  auto other = tx->jobs().purge_finished("email", now() + 1h, 100);  // another queue's
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, 0);
  auto purged = tx->jobs().purge_finished("default", now() + 1h, 100);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  ASSERT_OK(tx->commit());
  EXPECT_EQ(get(waiting.id).status, JobStatus::queued);
  EXPECT_FALSE(read()->jobs().get(Tenant::admin(), done.id).ok());
}

// Before succeeded jobs were deleted at completion they stayed as 'succeeded' rows; the
// purge still removes those (a database upgraded with some left over).
TEST_F(JobRepoTest, PurgeDeletesLegacySucceededJobs) {
  auto legacy = make_job();
  enqueue(legacy);
  auto kept = make_job();
  enqueue(kept);
  ASSERT_TRUE(db_->exec_raw("UPDATE jobs SET status = 'succeeded' WHERE id = '" + legacy.id + "'"));
  auto counts = read()->jobs().count_by_status();
  ASSERT_TRUE(counts.ok());
  std::map<std::string, std::int64_t> by(counts->begin(), counts->end());
  EXPECT_EQ(by["succeeded"], 1);

  auto tx = write();
  auto purged = tx->jobs().purge_finished("default", now() + 1h, 100);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  ASSERT_OK(tx->commit());
  EXPECT_FALSE(read()->jobs().get(Tenant::admin(), legacy.id).ok());
  EXPECT_EQ(get(kept.id).status, JobStatus::queued);
}

TEST_F(JobRepoTest, FutureJobsWaitForTheirTime) {
  auto j = make_job();
  j.run_at = now() + 1h;
  enqueue(j);
  EXPECT_TRUE(claim("w").empty());
  auto next = read()->jobs().next_run_at("default", now());
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(to_micros(**next), to_micros(j.run_at));
  clock_.advance(2h);
  EXPECT_EQ(claim("w").size(), 1u);
}

TEST_F(JobRepoTest, FailRetriesThenDeadAfterMaxAttempts) {
  auto j = make_job();
  j.max_attempts = 2;
  enqueue(j);
  auto first = claim("w");
  ASSERT_EQ(first.size(), 1u);
  auto tx = write();
  ASSERT_OK(tx->jobs().fail(first[0], "boom 1", now() + 10s, now()));
  ASSERT_OK(tx->commit());
  auto stored = get(j.id);
  EXPECT_EQ(stored.status, JobStatus::queued);
  EXPECT_EQ(stored.last_error, "boom 1");
  EXPECT_FALSE(stored.lease_until);
  EXPECT_TRUE(claim("w").empty());  // backing off

  clock_.advance(11s);
  auto second = claim("w");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempts, 2);
  tx = write();
  ASSERT_OK(tx->jobs().fail(second[0], "boom 2", std::nullopt, now()));
  ASSERT_OK(tx->commit());
  EXPECT_EQ(get(j.id).status, JobStatus::dead);

  store::JobFilter dead;
  dead.status = JobStatus::dead;
  auto page = read()->jobs().list(Tenant::admin(), dead, PageRequest{});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].last_error, "boom 2");
  clock_.advance(1h);
  EXPECT_TRUE(claim("w").empty());
}

TEST_F(JobRepoTest, ExpiredLeaseIsClaimableAgainAndFencesTheOldWorker) {
  enqueue(make_job());
  auto dead_worker = claim("w1", 1, 1s);
  ASSERT_EQ(dead_worker.size(), 1u);
  clock_.advance(500ms);
  EXPECT_TRUE(claim("w2").empty());  // lease still live
  clock_.advance(1s);
  // A claim of due jobs only leaves the expired one to a claim that asks for it.
  EXPECT_TRUE(claim("w2", 10, 60s, /*expired=*/false).empty());
  auto taken = claim("w2");
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].attempts, 2);
  EXPECT_EQ(taken[0].locked_by, "w2");

  auto tx = write();
  auto late = tx->jobs().complete(dead_worker[0]);  // the old worker wakes up
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::conflict);
  ASSERT_OK(tx->jobs().complete(taken[0]));
  ASSERT_OK(tx->commit());
}

TEST_F(JobRepoTest, ExtendLeaseKeepsALongJob) {
  enqueue(make_job());
  auto c = claim("w1", 1, 1s);
  ASSERT_EQ(c.size(), 1u);
  auto tx = write();
  ASSERT_OK(tx->jobs().extend_lease(c[0], now() + 60s, now()));
  ASSERT_OK(tx->commit());
  clock_.advance(5s);
  EXPECT_TRUE(claim("w2").empty());
}

TEST_F(JobRepoTest, LeaseExpiredOnFinalAttemptIsReapedDead) {
  auto j = make_job();
  j.max_attempts = 1;
  enqueue(j);
  ASSERT_EQ(claim("w1", 1, 1s).size(), 1u);
  clock_.advance(2s);
  EXPECT_TRUE(claim("w2").empty());  // no attempts left
  auto elsewhere = store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) {
    return tx.jobs().reap_expired("email", now());
  });
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_EQ(*elsewhere, 0) << "another queue's reaper leaves it";
  auto reaped = store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) {
    return tx.jobs().reap_expired("default", now());
  });
  ASSERT_TRUE(reaped.ok());
  EXPECT_EQ(*reaped, 1);
  EXPECT_EQ(get(j.id).status, JobStatus::dead);
}

TEST_F(JobRepoTest, ReleaseHandsBackWithoutCountingTheAttempt) {
  enqueue(make_job());
  auto c = claim("w1");
  ASSERT_EQ(c.size(), 1u);
  auto tx = write();
  ASSERT_OK(tx->jobs().release(c[0], now()));
  ASSERT_OK(tx->commit());
  auto again = claim("w2");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 1);
}

TEST_F(JobRepoTest, OneJobPerConsumerAtATimeInOrder) {
  const auto creator = add_creator();
  const auto a = add_consumer(creator);
  const auto b = add_consumer(creator);
  const auto base = now();
  std::vector<std::string> a_jobs;
  for (int i = 0; i < 3; ++i) {
    auto j = make_job();
    j.consumer_id = a;
    j.run_at = base;
    j.priority = i;  // a later job's higher priority never overtakes the consumer's order
    a_jobs.push_back(enqueue(j));
  }
  auto jb = make_job();
  jb.consumer_id = b;
  jb.run_at = base;
  enqueue(jb);
  auto free1 = enqueue(make_job());
  auto free2 = enqueue(make_job());

  auto batch = claim("w1", 10);
  std::vector<std::string> ids;
  ids.reserve(batch.size());
  for (const auto& j : batch) ids.push_back(j.id);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> expected{a_jobs[0], jb.id, free1, free2};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected);
  EXPECT_TRUE(claim("w2", 10).empty());  // a's next job waits for a_jobs[0]

  auto first_a = std::find_if(batch.begin(), batch.end(),
                              [&](const store::Job& j) { return j.id == a_jobs[0]; });
  ASSERT_NE(first_a, batch.end());
  auto tx = write();
  ASSERT_OK(tx->jobs().complete(*first_a));
  ASSERT_OK(tx->commit());
  auto next = claim("w2", 10);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].id, a_jobs[1]);
}

// A pending follow-up moved by new activity: same row, new due time and payload, counted
// as new; a job that is running, or of another consumer or kind, is left alone. The
// earliest pending due time is read without a write.
TEST_F(JobRepoTest, RescheduleMovesMatchingQueuedJobsAsNew) {
  const auto creator = add_creator();
  const auto a = add_consumer(creator);
  const auto b = add_consumer(creator);
  const Timestamp t0 = now();  // this fixture's clock runs in real time
  auto followup = [&](const std::string& consumer, Timestamp at) {
    auto j = make_job("agent.followup");
    j.consumer_id = consumer;
    j.creator_id = creator;
    j.run_at = at;
    return enqueue(j);
  };
  // a's follow-up failed once and waits for its retry.
  auto a1 = followup(a, t0);
  auto first = claim("w", 10);
  ASSERT_EQ(first.size(), 1u);
  {
    auto tx = write();
    ASSERT_OK(tx->jobs().fail(first[0], "smtp down", now() + 1h, now()));
    ASSERT_OK(tx->commit());
  }
  auto b1 = followup(b, t0 + 24h);
  auto other = make_job("agent.invoke");
  other.consumer_id = a;
  other.creator_id = creator;
  other.run_at = t0 + 72h;
  enqueue(other);

  store::CancelFilter f;
  f.creator_id = creator;
  f.consumer_id = a;
  f.kind = "agent.followup";
  auto tx = write();
  auto n = tx->jobs().reschedule(f, t0 + 48h, R"({"v":2})", now());
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1);
  EXPECT_FALSE(tx->jobs().reschedule(store::CancelFilter{}, now(), "{}", now()).ok());
  auto due = tx->jobs().earliest_queued(f);
  ASSERT_OK(due);
  EXPECT_EQ(*due, std::optional<Timestamp>(t0 + 48h));
  EXPECT_FALSE(tx->jobs().earliest_queued(store::CancelFilter{}).ok());
  store::CancelFilter any_of_a;  // the invoke job (t0 + 72h) counts too
  any_of_a.consumer_id = a;
  due = tx->jobs().earliest_queued(any_of_a);
  ASSERT_OK(due);
  EXPECT_EQ(*due, std::optional<Timestamp>(t0 + 48h));
  ASSERT_OK(tx->commit());

  const auto moved = get(a1);
  EXPECT_EQ(moved.status, JobStatus::queued);
  EXPECT_EQ(moved.run_at, t0 + 48h);
  EXPECT_EQ(boost::json::parse(moved.payload_json), boost::json::parse(R"({"v":2})"));
  EXPECT_EQ(moved.attempts, 0);
  EXPECT_FALSE(moved.last_error.has_value());
  EXPECT_EQ(get(b1).run_at, t0 + 24h);
  EXPECT_EQ(get(other.id).run_at, t0 + 72h);

  // A running follow-up is not pending: nothing to move.
  clock_.advance(25h);
  auto running = claim("w", 10);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].id, b1);
  f.consumer_id = b;
  tx = write();
  n = tx->jobs().reschedule(f, t0 + 48h, "{}", now());
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0);
  due = tx->jobs().earliest_queued(f);
  ASSERT_OK(due);
  EXPECT_FALSE(due->has_value()) << "a running job is not pending";
  ASSERT_OK(tx->commit());
  EXPECT_EQ(get(b1).status, JobStatus::running);
}

// The batched look-up behind a worker batch's follow-up checks: per consumer, the
// earliest queued job of that kind; running jobs, other kinds and consumers with nothing
// queued are absent, whichever creator they belong to.
TEST_F(JobRepoTest, EarliestQueuedByConsumerGroupsPerConsumer) {
  const auto creator = add_creator();
  const auto other_creator = add_creator();
  const auto a = add_consumer(creator);
  const auto b = add_consumer(creator);
  const auto c = add_consumer(creator);
  const auto theirs = add_consumer(other_creator);
  const Timestamp t0 = now();
  auto add = [&](const std::string& creator_id, const std::string& consumer, const char* kind,
                 Timestamp at) {
    auto j = make_job(kind);
    j.consumer_id = consumer;
    j.creator_id = creator_id;
    j.run_at = at;
    return enqueue(j);
  };
  add(creator, a, "agent.followup", t0 + 48h);
  add(creator, a, "agent.followup", t0 + 24h);
  add(creator, a, "agent.invoke", t0 + 1h);  // another kind
  add(creator, b, "agent.followup", t0 + 72h);
  add(other_creator, theirs, "agent.followup", t0 + 2h);
  const auto c_job = add(creator, c, "agent.followup", t0);
  auto running = claim("w", 10);  // c's job, the only one due: running, so not pending
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].id, c_job);

  auto tx = write();
  auto due = tx->jobs().earliest_queued_by_consumer("agent.followup", {a, b, c, a, "junk"});
  ASSERT_OK(due);
  EXPECT_EQ(*due, (std::map<std::string, Timestamp>{{a, t0 + 24h}, {b, t0 + 72h}}));
  auto theirs_due = tx->jobs().earliest_queued_by_consumer("agent.followup", {theirs});
  ASSERT_OK(theirs_due);
  EXPECT_EQ(*theirs_due, (std::map<std::string, Timestamp>{{theirs, t0 + 2h}}));
  auto none = tx->jobs().earliest_queued_by_consumer("agent.invite", {a, b});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(JobRepoTest, CancelQueuedJobsOfAKindForAConsumer) {
  const auto creator = add_creator();
  const auto a = add_consumer(creator);
  const auto b = add_consumer(creator);
  auto inactivity = [&](const std::string& consumer) {
    auto j = make_job("agent.inactivity");
    j.consumer_id = consumer;
    j.creator_id = creator;
    j.run_at = now() + 72h;
    return enqueue(j);
  };
  auto a1 = inactivity(a);
  auto b1 = inactivity(b);
  auto other = make_job("agent.invoke");
  other.consumer_id = a;
  other.run_at = now() + 72h;
  enqueue(other);

  store::CancelFilter f;
  f.consumer_id = a;
  f.kind = "agent.inactivity";
  auto tx = write();
  auto n = tx->jobs().cancel(f, now());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  ASSERT_OK(tx->commit());
  EXPECT_EQ(get(a1).status, JobStatus::cancelled);
  EXPECT_EQ(get(b1).status, JobStatus::queued);
  EXPECT_EQ(get(other.id).status, JobStatus::queued);

  tx = write();
  EXPECT_FALSE(tx->jobs().cancel(store::CancelFilter{}, now()).ok());  // needs a filter
  ASSERT_OK(tx->jobs().cancel_job(Tenant::creator(creator), b1, now()));
  EXPECT_FALSE(tx->jobs().cancel_job(Tenant::creator(creator), b1, now()).ok());  // not queued
  ASSERT_OK(tx->commit());
  clock_.advance(100h);
  auto left = claim("w", 10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, other.id);
}

TEST_F(JobRepoTest, GetAndListAreTenantScoped) {
  const auto mine = add_creator();
  const auto theirs = add_creator();
  auto j = make_job();
  j.creator_id = mine;
  enqueue(j);
  auto k = make_job();
  k.creator_id = theirs;
  enqueue(k);
  enqueue(make_job());  // system job: admins only

  auto tx = read();
  EXPECT_TRUE(tx->jobs().get(Tenant::creator(mine), j.id).ok());
  auto hidden = tx->jobs().get(Tenant::creator(mine), k.id);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, ErrorCode::not_found);
  auto page = tx->jobs().list(Tenant::creator(mine), store::JobFilter{}, PageRequest{});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, j.id);

  PageRequest two;
  two.limit = 2;
  auto all = tx->jobs().list(Tenant::admin(), store::JobFilter{}, two);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 2u);
  ASSERT_TRUE(all->next_after_id);
  two.after_id = all->next_after_id;
  auto rest = tx->jobs().list(Tenant::admin(), store::JobFilter{}, two);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->items.size(), 1u);
  EXPECT_FALSE(rest->next_after_id);
}

}  // namespace
}  // namespace ca::test
