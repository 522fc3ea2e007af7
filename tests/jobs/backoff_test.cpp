#include "jobs/backoff.hpp"

#include <gtest/gtest.h>

namespace ca::jobs {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

BackoffPolicy no_jitter() {
  BackoffPolicy p;
  p.base = seconds(2);
  p.cap = seconds(60);
  p.jitter = 0;
  return p;
}

TEST(Backoff, DoublesPerAttemptUpToTheCap) {
  const auto p = no_jitter();
  EXPECT_EQ(backoff_delay(p, 1, 0.5), seconds(2));
  EXPECT_EQ(backoff_delay(p, 2, 0.5), seconds(4));
  EXPECT_EQ(backoff_delay(p, 3, 0.5), seconds(8));
  EXPECT_EQ(backoff_delay(p, 5, 0.5), seconds(32));
  EXPECT_EQ(backoff_delay(p, 6, 0.5), seconds(60));
  EXPECT_EQ(backoff_delay(p, 1000, 0.5), seconds(60));  // no overflow
}

TEST(Backoff, NonPositiveAttemptIsTheBase) {
  EXPECT_EQ(backoff_delay(no_jitter(), 0, 0.3), seconds(2));
  EXPECT_EQ(backoff_delay(no_jitter(), -7, 0.3), seconds(2));
}

TEST(Backoff, JitterSpreadsWithinBounds) {
  auto p = no_jitter();
  p.jitter = 0.25;
  EXPECT_EQ(backoff_delay(p, 3, 0.0), microseconds(6'000'000));     // 8 s − 25 %
  EXPECT_EQ(backoff_delay(p, 3, 0.5), microseconds(8'000'000));     // the middle
  EXPECT_LT(backoff_delay(p, 3, 0.999), microseconds(10'000'000));  // below 8 s + 25 %
  for (double u = 0; u < 1; u += 0.01) {
    auto d = backoff_delay(p, 3, u);
    EXPECT_GE(d, microseconds(6'000'000));
    EXPECT_LE(d, microseconds(10'000'000));
  }
}

TEST(Backoff, JitterNeverExceedsTheCap) {
  auto p = no_jitter();
  p.jitter = 0.5;
  EXPECT_EQ(backoff_delay(p, 20, 0.99), seconds(60));
  EXPECT_EQ(backoff_delay(p, 20, 0.0), seconds(30));
}

TEST(Backoff, OutOfRangeInputsAreClamped) {
  auto p = no_jitter();
  p.jitter = 3;  // treated as 1: [0, 2×]
  EXPECT_EQ(backoff_delay(p, 1, 0), microseconds(0));
  EXPECT_EQ(backoff_delay(p, 1, 7), seconds(4));
  p.base = microseconds(-5);
  EXPECT_EQ(backoff_delay(p, 4, 0.5), microseconds(0));
}

TEST(RetryTime, RetriesUntilMaxAttemptsThenDead) {
  const auto p = no_jitter();
  const Timestamp now = from_micros(1'000'000'000);
  auto first = retry_time(p, 1, 3, now, 0.5);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, now + seconds(2));
  auto second = retry_time(p, 2, 3, now, 0.5);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, now + seconds(4));
  EXPECT_FALSE(retry_time(p, 3, 3, now, 0.5));
  EXPECT_FALSE(retry_time(p, 4, 3, now, 0.5));
  EXPECT_FALSE(retry_time(p, 1, 1, now, 0.5));
}

}  // namespace
}  // namespace ca::jobs
