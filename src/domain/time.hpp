// Time as the platform sees it: microsecond UTC timestamps, an injected Clock,
// RFC 3339 text at the edges.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ca {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

inline std::int64_t to_micros(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp from_micros(std::int64_t us) { return Timestamp{std::chrono::microseconds{us}}; }

// "2026-11-24T10:00:00Z", or with fractional seconds when they are not zero.
std::string format_rfc3339(Timestamp t);
// Accepts RFC 3339 with 'Z' or a numeric offset, optional fraction; converts to UTC.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
};

// A clock that only moves when told: tests and `simulate`.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start) {}
  Timestamp now() const override { return now_; }
  void set(Timestamp t) { now_ = t; }
  void advance(std::chrono::microseconds d) { now_ += d; }

 private:
  Timestamp now_;
};

}  // namespace ca
