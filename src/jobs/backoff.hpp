// Retry policy as pure functions: exponential backoff with jitter, and the retry-or-dead
// decision for a job that just failed. No clock, no randomness of its own.
#pragma once

#include <chrono>
#include <optional>

#include "domain/time.hpp"

namespace ca::jobs {

struct BackoffPolicy {
  std::chrono::microseconds base = std::chrono::seconds(2);
  std::chrono::microseconds cap = std::chrono::hours(1);
  double jitter = 0.25;  // the delay is spread uniformly over ±jitter of itself
};

// The wait before retrying after the `attempt`-th attempt failed (1-based):
// min(cap, base·2^(attempt−1)) scaled by (1 − jitter + 2·jitter·unit), never above cap and
// never below zero. `unit` is a uniform random number in [0, 1). Jitter keeps jobs that
// failed together (a provider outage) from retrying in lockstep.
std::chrono::microseconds backoff_delay(const BackoffPolicy& policy, int attempt, double unit);

// When a job that just failed its `attempts`-th try runs again; nullopt when it has used
// all `max_attempts` and is dead.
std::optional<Timestamp> retry_time(const BackoffPolicy& policy, int attempts, int max_attempts,
                                    Timestamp now, double unit);

}  // namespace ca::jobs
