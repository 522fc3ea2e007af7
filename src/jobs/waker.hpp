// The in-process wake-up for idle workers: whoever enqueues a job in this process calls
// notify() after its transaction commits (PostgreSQL NOTIFY covers other processes).
// A generation counter means a notify that lands between a worker's empty claim and its
// wait is not lost: the worker waits only while the generation is still the one it saw
// before claiming.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace ca::jobs {

class Waker {
 public:
  // Wakes one idle worker: one commit's jobs need one claim, and waking every worker sent
  // all but one to claim nothing. A worker whose claim comes back full wakes the next.
  // So one pool per Waker.
  void notify();
  // Wakes every waiting worker (stop).
  void notify_all();
  std::uint64_t generation() const;
  // Returns true when the generation moved past `seen`, false after `timeout`.
  bool wait(std::uint64_t seen, std::chrono::steady_clock::duration timeout);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;
};

}  // namespace ca::jobs
