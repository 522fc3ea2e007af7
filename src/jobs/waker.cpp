#include "jobs/waker.hpp"

namespace ca::jobs {

void Waker::notify() {
  {
    std::lock_guard lk(mu_);
    ++generation_;
  }
  cv_.notify_one();
}

void Waker::notify_all() {
  {
    std::lock_guard lk(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

std::uint64_t Waker::generation() const {
  std::lock_guard lk(mu_);
  return generation_;
}

bool Waker::wait(std::uint64_t seen, std::chrono::steady_clock::duration timeout) {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return generation_ != seen; });
}

}  // namespace ca::jobs
