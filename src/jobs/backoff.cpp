#include "jobs/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace ca::jobs {

std::chrono::microseconds backoff_delay(const BackoffPolicy& policy, int attempt, double unit) {
  using std::chrono::microseconds;
  const double cap = static_cast<double>(std::max<std::int64_t>(0, policy.cap.count()));
  const double base = static_cast<double>(std::max<std::int64_t>(0, policy.base.count()));
  // 2^62 overflows nothing in double and is far above any cap: clamp the exponent first.
  const int exponent = std::clamp(attempt - 1, 0, 62);
  const double raw = std::min(cap, base * std::ldexp(1.0, exponent));
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double u = std::clamp(unit, 0.0, 1.0);
  const double spread = raw * (1.0 - jitter + 2.0 * jitter * u);
  return microseconds(static_cast<std::int64_t>(std::clamp(spread, 0.0, cap)));
}

std::optional<Timestamp> retry_time(const BackoffPolicy& policy, int attempts, int max_attempts,
                                    Timestamp now, double unit) {
  if (attempts >= max_attempts) return std::nullopt;
  return now + backoff_delay(policy, attempts, unit);
}

}  // namespace ca::jobs
