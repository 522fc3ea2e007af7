// Exactly once: several workers (and several schedulers racing on the same actions) on
// one database send each action once. Counted in the real outbox table.
#include <atomic>
#include <set>
#include <thread>

#include "actions_fixture.hpp"
#include "jobs/worker_pool.hpp"

namespace ca::test {
namespace {

bool eventually(const std::function<bool()>& done, std::chrono::seconds timeout = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

TEST_F(ActionsTest, TwoWorkerPoolsOnOneDatabaseSendEachActionOnce) {
  auto cr = creator(
      R"({"policy":{"caps":{"whatsapp":{"per_day":100,"per_week":100,"min_gap_minutes":0}}}})");
  std::vector<std::string> ids;
  for (int c = 0; c < 12; ++c) {
    auto co = consumer(cr, "+91990000" + std::to_string(1000 + c));
    for (int k = 0; k < 3; ++k)
      ids.push_back(plan(cr, co, clock_.now(), "msg " + std::to_string(k)));
  }

  // Two "processes": their own store handles, schedulers and pools.
  auto store_a = open();
  auto store_b = open();
  ASSERT_TRUE(store_a && store_b);
  auto writer_a = std::make_unique<actions::StoreOutboxWriter>(*store_a, clock_, ids_);
  auto writer_b = std::make_unique<actions::StoreOutboxWriter>(*store_b, clock_, ids_);
  auto chan_a = channels::make_sandbox_channel(*writer_a);
  auto chan_b = channels::make_sandbox_channel(*writer_b);
  auto sched_a = make_scheduler(*store_a, chan_a.get());
  auto sched_b = make_scheduler(*store_b, chan_b.get());
  jobs::WorkerPoolOptions o;
  o.threads = 3;
  o.poll_interval = std::chrono::milliseconds(20);
  o.worker_name = "a";
  jobs::WorkerPool pool_a(*store_a, clock_, o);
  o.worker_name = "b";
  jobs::WorkerPool pool_b(*store_b, clock_, o);
  sched_a->register_with(pool_a);
  sched_b->register_with(pool_b);
  pool_a.start();
  pool_b.start();

  const bool all_sent = eventually([&] {
    for (const auto& id : ids) {
      if (action(id).status != "sent") return false;
    }
    return true;
  });
  pool_a.stop();
  pool_b.stop();
  EXPECT_TRUE(all_sent);
  EXPECT_GT(pool_a.stats().succeeded + pool_b.stats().succeeded, 0U);

  auto box = outbox();
  EXPECT_EQ(box.size(), ids.size());
  std::set<std::string> sent_for;
  for (const auto& m : box) sent_for.insert(m.action_id);
  EXPECT_EQ(sent_for.size(), ids.size());
  for (const auto& id : ids) {
    EXPECT_EQ(action(id).attempts, 1) << id;
    EXPECT_EQ(attempts(id).size(), 1U) << id;
  }
}

TEST_F(ActionsTest, SchedulersRacingOnTheSameActionsClaimEachOnce) {
  auto cr = creator(
      R"({"policy":{"caps":{"whatsapp":{"per_day":100,"per_week":100,"min_gap_minutes":0}}}})");
  std::vector<std::string> ids;
  for (int c = 0; c < 10; ++c) {
    auto co = consumer(cr, "+91880000" + std::to_string(1000 + c));
    ids.push_back(plan(cr, co, clock_.now(), "only once"));
  }
  // Bypasses the job queue (which already runs one job per consumer at a time): four
  // schedulers on their own store handles call send_action for every action at once, so
  // only the scheduled → sending compare-and-set stands between them and a double send.
  constexpr int kRacers = 4;
  std::vector<std::unique_ptr<store::Store>> stores;
  std::vector<std::unique_ptr<actions::StoreOutboxWriter>> writers;
  std::vector<std::unique_ptr<channels::MessageChannel>> chans;
  std::vector<std::unique_ptr<actions::SendScheduler>> scheds;
  for (int i = 0; i < kRacers; ++i) {
    stores.push_back(open());
    ASSERT_TRUE(stores.back());
    writers.push_back(std::make_unique<actions::StoreOutboxWriter>(*stores.back(), clock_, ids_));
    chans.push_back(channels::make_sandbox_channel(*writers.back()));
    scheds.push_back(make_scheduler(*stores.back(), chans.back().get()));
  }
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      for (const auto& id : ids) {
        // A busy database may fail an attempt; that is a retry, never a second send.
        if (!scheds[static_cast<size_t>(i)]->send_action(id).ok()) ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  // Whatever a busy database failed is picked up by a final pass.
  for (const auto& id : ids) ASSERT_OK(scheduler_->send_action(id));

  auto box = outbox();
  EXPECT_EQ(box.size(), ids.size()) << errors.load() << " racer errors";
  for (const auto& id : ids) {
    EXPECT_EQ(action(id).status, "sent");
    EXPECT_EQ(attempts(id).size(), 1U) << id;
  }
}

}  // namespace
}  // namespace ca::test
