// The retry schedule as pure functions: Retry-After forms, backoff growth, cap, jitter.
#include "llm/retry_timing.hpp"

#include <gtest/gtest.h>

namespace ca::llm {
namespace {

using std::chrono::milliseconds;

TEST(RetryTiming, RetryableStatuses) {
  for (long s : {429L, 500L, 502L, 503L, 504L, 599L}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (long s : {200L, 400L, 401L, 403L, 404L, 408L, 422L})
    EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(RetryTiming, RetryAfterDeltaSeconds) {
  Timestamp now = *parse_rfc3339("2026-11-25T10:00:00Z");
  EXPECT_EQ(parse_retry_after("0", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("7", now), milliseconds(7000));
  EXPECT_EQ(parse_retry_after(" 120 ", now), milliseconds(120000));
  EXPECT_FALSE(parse_retry_after("", now).has_value());
  EXPECT_FALSE(parse_retry_after("-1", now).has_value());
  EXPECT_FALSE(parse_retry_after("1.5", now).has_value());
  EXPECT_FALSE(parse_retry_after("soon", now).has_value());
  EXPECT_GT(*parse_retry_after("99999999999999", now), milliseconds(3600 * 1000));
}

TEST(RetryTiming, RetryAfterHttpDate) {
  Timestamp now = *parse_rfc3339("2026-11-25T10:00:00Z");
  EXPECT_EQ(parse_retry_after("Wed, 25 Nov 2026 10:00:30 GMT", now), milliseconds(30000));
  EXPECT_EQ(parse_retry_after("Wed, 25 Nov 2026 09:59:00 GMT", now), milliseconds(0));  // past
  EXPECT_FALSE(parse_retry_after("Wed, 25 Nov 2026 10:00:30", now).has_value());
  EXPECT_FALSE(parse_retry_after("25 Nov 2026", now).has_value());
}

TEST(RetryTiming, RetryAfterMs) {
  EXPECT_EQ(parse_retry_after_ms("250"), milliseconds(250));
  EXPECT_EQ(parse_retry_after_ms("250.9"), milliseconds(250));
  EXPECT_FALSE(parse_retry_after_ms("").has_value());
  EXPECT_FALSE(parse_retry_after_ms("abc").has_value());
  EXPECT_FALSE(parse_retry_after_ms("1x").has_value());
}

TEST(RetryTiming, BackoffDoublesWithEqualJitterAndIsCapped) {
  milliseconds base(100), cap(1000);
  EXPECT_EQ(retry_delay(1, base, cap, 0.0, std::nullopt), milliseconds(50));
  EXPECT_EQ(retry_delay(1, base, cap, 0.999999, std::nullopt), milliseconds(99));
  EXPECT_EQ(retry_delay(2, base, cap, 0.0, std::nullopt), milliseconds(100));
  EXPECT_EQ(retry_delay(3, base, cap, 0.0, std::nullopt), milliseconds(200));
  EXPECT_EQ(retry_delay(10, base, cap, 0.0, std::nullopt), milliseconds(500));
  EXPECT_EQ(retry_delay(60, base, cap, 1.0, std::nullopt), cap);  // no overflow, at most cap
  for (int attempt = 1; attempt < 8; ++attempt) {
    for (double unit : {0.0, 0.3, 0.7, 0.99}) {
      auto d = retry_delay(attempt, base, cap, unit, std::nullopt);
      EXPECT_GE(d, milliseconds(0));
      EXPECT_LE(d, cap);
    }
  }
}

TEST(RetryTiming, RetryAfterReplacesBackoffWithinTheCap) {
  milliseconds base(100), cap(1000);
  EXPECT_EQ(retry_delay(1, base, cap, 0.5, milliseconds(700)), milliseconds(700));
  EXPECT_EQ(retry_delay(1, base, cap, 0.5, milliseconds(0)), milliseconds(0));
  EXPECT_EQ(retry_delay(1, base, cap, 0.5, milliseconds(60000)), cap);
}

}  // namespace
}  // namespace ca::llm
