#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>

namespace ca::store {

// The single writer's turn, handed out first come, first served. An unfair lock let the
// group-commit writer (which asks again the moment it is done) starve the job workers for
// seconds under load, and vice versa. Ticket order makes every writer wait its turn. Not
// a mutex: a Tx may be finished on another thread than began it. The WAL checkpointer
// takes the same turn.
class WriterTurn {
 public:
  bool acquire_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    const std::uint64_t ticket = next_++;
    if (cv_.wait_for(lock, timeout, [&] { return serving_ == ticket; })) return true;
    abandoned_.insert(ticket);  // give up the place in line; release() skips it
    return false;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      ++serving_;
      while (abandoned_.erase(serving_) > 0) ++serving_;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t next_ = 0;
  std::uint64_t serving_ = 0;
  std::set<std::uint64_t> abandoned_;
};

}  // namespace ca::store
