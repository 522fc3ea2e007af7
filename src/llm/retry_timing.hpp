// When to try an LLM request again: pure functions, so the schedule is tested without
// sleeping. The client supplies the clock reading and the random unit.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "domain/time.hpp"

namespace ca::llm {

// Statuses worth another attempt: 429 and every 5xx. Other 4xx are our request's fault.
bool is_retryable_status(long status);

// Retry-After as delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT",
// relative to `now`; a date in the past is zero). Nullopt when unparseable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, Timestamp now);

// OpenAI's non-standard "retry-after-ms: 250" (integer or decimal milliseconds).
std::optional<std::chrono::milliseconds> parse_retry_after_ms(std::string_view value);

// The wait after the `attempt`-th failure (1-based): base·2^(attempt−1), capped, with "equal
// jitter" (half fixed, half spread by `unit` in [0, 1)) so clients that failed together
// do not retry in lockstep. A server's Retry-After replaces it when given; the cap applies
// to both.
std::chrono::milliseconds retry_delay(int attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds cap, double unit,
                                      std::optional<std::chrono::milliseconds> retry_after);

}  // namespace ca::llm
