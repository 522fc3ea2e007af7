#include "jobs/waker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ca::jobs {
namespace {

using namespace std::chrono_literals;

// Polls until `done` holds or a generous deadline passes (never a speed assertion).
template <typename Pred>
bool eventually(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(Waker, ANotifyBeforeTheWaitIsNotLost) {
  Waker w;
  const auto seen = w.generation();  // read before the (empty) claim
  w.notify();                        // a commit lands between the claim and the wait
  EXPECT_TRUE(w.wait(seen, 10s));    // returns at once
  EXPECT_FALSE(w.wait(w.generation(), 1ms));
}

TEST(Waker, NotifyWakesOneIdleWorkerAndNotifyAllWakesTheRest) {
  Waker w;
  std::atomic<int> woken{0};
  std::atomic<int> waiting{0};
  std::vector<std::thread> workers;
  const auto seen = w.generation();
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back([&] {
      ++waiting;
      if (w.wait(seen, 30s)) ++woken;
    });
  }
  ASSERT_TRUE(eventually([&] { return waiting.load() == 3; }));
  std::this_thread::sleep_for(50ms);  // all three inside wait()
  w.notify();
  ASSERT_TRUE(eventually([&] { return woken.load() >= 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(woken.load(), 1);  // the other two still sleep
  w.notify_all();
  ASSERT_TRUE(eventually([&] { return woken.load() == 3; }));
  for (auto& t : workers) t.join();
}

}  // namespace
}  // namespace ca::jobs
