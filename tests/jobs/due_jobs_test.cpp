// What ingest asks of the queue before it decides an invocation in its own transaction
// (consumers_with_due_jobs), and which enqueues wake other processes' workers.
#include <gtest/gtest.h>

#include <set>

#include "jobs_fixture.hpp"
#include "store/postgres/pg_listener.hpp"

namespace ca::test {
namespace {

using namespace std::chrono_literals;

class DueJobsTest : public JobsTest {};

// A consumer is busy while a claim would run one of its jobs before anything enqueued now:
// one running, or one queued and due. Jobs due later, dead ones, other consumers' jobs and
// ids that are not UUIDs make nobody busy.
TEST_F(DueJobsTest, ConsumersWithDueJobsAreThoseAClaimWouldServeFirst) {
  const auto creator = add_creator();
  const auto due = add_consumer(creator);
  const auto running = add_consumer(creator);
  const auto later = add_consumer(creator);
  const auto dead = add_consumer(creator);
  const auto idle = add_consumer(creator);
  auto add = [&](const std::string& consumer, Timestamp at, int max_attempts = 5) {
    auto j = make_job();
    j.creator_id = creator;
    j.consumer_id = consumer;
    j.run_at = at;
    j.max_attempts = max_attempts;
    return enqueue(j);
  };
  add(dead, now() - 1h, 1);
  auto failing = claim("w", 1);
  ASSERT_EQ(failing.size(), 1u);
  {
    auto tx = write();
    ASSERT_TRUE(tx->jobs().fail(failing[0], "boom", std::nullopt, now()).ok());
    ASSERT_TRUE(tx->commit().ok());
  }
  ASSERT_EQ(get(failing[0].id).status, store::JobStatus::dead);
  add(running, now() - 1s);
  ASSERT_EQ(claim("w", 1).size(), 1u);  // running now
  add(due, now());
  add(later, now() + 1h);

  auto tx = read();
  auto busy =
      tx->jobs().consumers_with_due_jobs({due, running, later, dead, idle, "junk", due}, now());
  ASSERT_TRUE(busy.ok()) << busy.error().message;
  EXPECT_EQ(*busy, (std::set<std::string>{due, running}));
  auto none = tx->jobs().consumers_with_due_jobs({}, now());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// PostgreSQL: an enqueue announces itself (NOTIFY jobs) only for a job due within
// kAnnounceHorizon; a send due in half an hour or a follow-up due next week wakes no one.
TEST_F(DueJobsTest, OnlyJobsDueSoonAreAnnounced) {
  if (!db_->is_postgres()) GTEST_SKIP() << "NOTIFY is PostgreSQL's";
  auto listener = store::make_pg_listener(db_->url());
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  auto quiet = [&] {
    auto got = (*listener)->wait(300ms);
    EXPECT_TRUE(got.ok());
    return got.ok() && !*got;
  };
  ASSERT_TRUE(quiet());

  auto later = make_job();
  later.run_at = now() + 30min;
  enqueue(later);
  EXPECT_TRUE(quiet()) << "due in 30 minutes: not announced";

  auto soon = make_job();
  soon.run_at = now() + 500ms;
  enqueue(soon);
  auto got = (*listener)->wait(3s);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got) << "due within the horizon: announced";
}

}  // namespace
}  // namespace ca::test
