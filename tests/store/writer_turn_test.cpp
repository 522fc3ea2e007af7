// The SQLite writer's turn: first come, first served, a waiter that times out loses its
// place without blocking the line, and a release hands over to exactly the next waiter.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "store/sqlite/writer_turn.hpp"

namespace ca::store {
namespace {

using namespace std::chrono_literals;

void wait_until_queued(WriterTurn& turn, std::size_t n) {
  while (turn.waiting() < n) std::this_thread::sleep_for(1ms);
}

TEST(WriterTurn, HandsTheTurnOverInArrivalOrder) {
  WriterTurn turn;
  ASSERT_TRUE(turn.acquire_for(1s));
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 5; ++i) {
    waiters.emplace_back([&, i] {
      ASSERT_TRUE(turn.acquire_for(10s));
      {
        std::lock_guard lock(mu);
        order.push_back(i);
      }
      turn.release();
    });
    wait_until_queued(turn, i + 1);  // one at a time, so arrival order is i
  }
  turn.release();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  ASSERT_TRUE(turn.acquire_for(0ms)) << "the last release must leave the turn free";
  turn.release();
}

TEST(WriterTurn, AWaiterThatTimesOutLeavesTheLine) {
  WriterTurn turn;
  ASSERT_TRUE(turn.acquire_for(1s));
  EXPECT_FALSE(turn.acquire_for(30ms));  // queued, then gave up

  EXPECT_EQ(turn.waiting(), 0u);
  std::atomic<bool> got{false};
  std::thread next([&] {
    got = turn.acquire_for(10s);
    if (got) turn.release();
  });
  wait_until_queued(turn, 1);
  EXPECT_FALSE(got.load()) << "the turn is still held";
  turn.release();  // must go to the live waiter, not to the one that left
  next.join();
  EXPECT_TRUE(got.load());
  EXPECT_TRUE(turn.acquire_for(0ms));
  turn.release();
}

TEST(WriterTurn, ManyThreadsNeverHoldItTogether) {
  WriterTurn turn;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> turns{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (!turn.acquire_for(10s)) continue;
        if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
        turns.fetch_add(1);
        inside.fetch_sub(1);
        turn.release();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(turns.load(), 16 * 200);
}

}  // namespace
}  // namespace ca::store
