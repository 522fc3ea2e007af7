#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace ca::store {

// The single writer's turn, handed out first come, first served. An unfair lock let the
// group-commit writer (which asks again the moment it is done) starve the job workers for
// seconds under load, and vice versa. A FIFO hand-over makes every writer wait its turn.
// Not a mutex: a Tx may be finished on another thread than began it. The WAL checkpointer
// takes the same turn.
//
// Each waiter sleeps on its own condition variable and release() wakes only the next one.
// One shared condition variable woke every waiter on every release: with 64 concurrent
// batch requests that was 63 futile wake-ups per transaction, half the machine's CPU in
// the scheduler.
class WriterTurn {
 public:
  bool acquire_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!busy_) {
      busy_ = true;
      return true;
    }
    Waiter me;
    queue_.push_back(&me);
    if (me.cv.wait_for(lock, timeout, [&] { return me.granted; })) return true;
    queue_.erase(std::find(queue_.begin(), queue_.end(), &me));  // not granted: still queued
    return false;
  }

  void release() {
    std::lock_guard lock(mu_);
    if (queue_.empty()) {
      busy_ = false;
      return;
    }
    Waiter* next = queue_.front();
    queue_.pop_front();
    next->granted = true;  // the turn passes straight to it; busy_ stays set
    // Under the lock: the waiter cannot see `granted`, return and destroy its condition
    // variable before this call is done with it.
    next->cv.notify_one();
  }

  // How many are queued behind the holder (tests use it to line waiters up).
  std::size_t waiting() {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  struct Waiter {
    std::condition_variable cv;
    bool granted = false;
  };
  std::mutex mu_;
  bool busy_ = false;
  std::deque<Waiter*> queue_;  // waiting, in arrival order
};

}  // namespace ca::store
