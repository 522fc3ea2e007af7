// Time, ids, money: the value types everything else builds on.
#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "domain/ids.hpp"
#include "domain/money.hpp"
#include "domain/time.hpp"

namespace ca {
namespace {

TEST(Rfc3339, RoundTripsAndNormalisesOffsets) {
  auto t = parse_rfc3339("2026-11-24T10:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-11-24T10:00:00Z");
  auto ist = parse_rfc3339("2026-11-24T15:30:00+05:30");
  ASSERT_TRUE(ist);
  EXPECT_EQ(*ist, *t);
  auto frac = parse_rfc3339("2026-11-24T10:00:00.123456789Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ(format_rfc3339(*frac), "2026-11-24T10:00:00.123456Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-11-24T10:00:00.5Z")), "2026-11-24T10:00:00.5Z");
}

// The hand-rolled formatter against date::format, over years 1..9999 (before 1970 too),
// and round-tripped through the parser.
TEST(Rfc3339, FormatsLikeDateFormatAndRoundTrips) {
  std::mt19937_64 rng(7);
  const std::int64_t lo = to_micros(*parse_rfc3339("0001-01-01T00:00:00Z"));
  const std::int64_t hi = to_micros(*parse_rfc3339("9999-12-31T23:59:59.999999Z"));
  std::uniform_int_distribution<std::int64_t> any(lo, hi);
  for (int i = 0; i < 20000; ++i) {
    std::int64_t us = any(rng);
    if (i % 3 == 0) us -= us % 1000000;  // whole seconds: no fraction printed
    const Timestamp t = from_micros(us);
    const std::string text = format_rfc3339(t);
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    std::string expected = date::format("%Y-%m-%dT%H:%M:%S", secs);
    if (auto frac = (t - secs).count(); frac != 0) {
      std::string digits = std::to_string(1000000 + frac).substr(1);
      while (digits.back() == '0') digits.pop_back();
      expected += "." + digits;
    }
    expected += "Z";
    ASSERT_EQ(text, expected) << us;
    ASSERT_EQ(parse_rfc3339(text), t) << text;
  }
  EXPECT_EQ(format_rfc3339(from_micros(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(from_micros(-1)), "1969-12-31T23:59:59.999999Z");
}

TEST(Rfc3339, RejectsMalformed) {
  for (const char* bad :
       {"", "2026-11-24", "2026-11-24T10:00:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-24T25:00:00Z", "2026-11-24T10:00:00+5:30", "2026-11-24T10:00:00Zjunk",
        "2026-11-24T10:00:00.Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

TEST(Ids, Uuidv7IsCanonicalTimeOrderedAndUnique) {
  ManualClock clock(*parse_rfc3339("2026-11-24T10:00:00Z"));
  SecureRandom random;
  IdGenerator ids(clock, random);
  std::string a = ids.next();
  clock.advance(std::chrono::milliseconds(1));
  std::string b = ids.next();
  EXPECT_TRUE(is_uuid(a));
  EXPECT_EQ(a[14], '7');  // version nibble
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
  EXPECT_LT(a, b);
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(ids.next());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(Ids, SeededRandomIsDeterministic) {
  SeededRandom a(42), b(42), c(43);
  EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(a.next(), c.next());
}

TEST(Ids, IsUuidRejectsNearMisses) {
  EXPECT_TRUE(is_uuid("0192f1a2-3b4c-7d5e-8f60-718293a4b5c6"));
  EXPECT_FALSE(is_uuid("0192F1A2-3B4C-7D5E-8F60-718293A4B5C6"));  // canonical is lowercase
  EXPECT_FALSE(is_uuid("0192f1a2-3b4c-7d5e-8f60-718293a4b5c"));
  EXPECT_FALSE(is_uuid("0192f1a2x3b4c-7d5e-8f60-718293a4b5c6"));
  EXPECT_FALSE(is_uuid("'; drop table creators; --xxxxxxxxxx"));
}

TEST(Money, DisplaysWithLocalGrouping) {
  EXPECT_EQ(display(Money{5'000'000, "INR"}), "₹50,000");
  EXPECT_EQ(display(Money{1'234'567'00, "INR"}), "₹12,34,567");
  EXPECT_EQ(display(Money{4999, "USD"}), "$49.99");
  EXPECT_EQ(display(Money{123'456'789, "USD"}), "$1,234,567.89");
  EXPECT_EQ(display(Money{500, "JPY"}), "¥500");
  EXPECT_EQ(display(Money{105, "EUR"}), "€1.05");
  EXPECT_EQ(display(Money{0, "INR"}), "₹0");
  EXPECT_TRUE(is_currency_code("INR"));
  EXPECT_FALSE(is_currency_code("inr"));
  EXPECT_FALSE(is_currency_code("RUPEE"));
}

}  // namespace
}  // namespace ca

namespace ca {
namespace {

// SecureRandom hands out a per-thread buffer of OpenSSL's output: across its refills no
// bytes repeat (16-byte draws of a CSPRNG never collide in practice) and large draws
// still come whole.
TEST(Ids, SecureRandomDrawsNeverRepeatAcrossRefills) {
  SecureRandom random;
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {  // 32,000 bytes: several 4 KiB refills
    std::array<std::uint8_t, 16> b{};
    random.fill(b);
    ASSERT_TRUE(seen.emplace(reinterpret_cast<const char*>(b.data()), b.size()).second) << i;
  }
  std::vector<std::uint8_t> big(10000, 0);
  random.fill(big);
  EXPECT_GT(std::count(big.begin(), big.end(), std::uint8_t{0}), 0);  // some zero bytes, as random
  EXPECT_LT(std::count(big.begin(), big.end(), std::uint8_t{0}), 200);  // but not left unfilled
}

TEST(Ids, StrictlyIncreasingWithinOneMillisecond) {
  ManualClock clock(*parse_rfc3339("2026-11-24T10:00:00Z"));
  SecureRandom random;
  IdGenerator ids(clock, random);
  std::string prev = ids.next();
  for (int i = 0; i < 5000; ++i) {  // more than the 12-bit counter holds: spills into the next ms
    std::string id = ids.next();
    ASSERT_LT(prev, id) << i;
    prev = id;
  }
}

}  // namespace
}  // namespace ca
