// Ids are UUIDv7 strings: time-ordered, so `ORDER BY id` is creation order and cursors
// are just the last id seen. Randomness is injected like time.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "domain/time.hpp"

namespace ca {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

// OpenSSL's CSPRNG; the only source used for secrets (API keys).
class SecureRandom final : public Random {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

// Deterministic (splitmix64) for tests and `simulate --seed`. Never for secrets.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override;
  std::uint64_t next();

 private:
  std::uint64_t state_;
};

// Thread-safe. Ids from one generator are strictly increasing even within a millisecond
// (RFC 9562 method 1: a 12-bit counter in rand_a, seeded randomly each millisecond).
class IdGenerator {
 public:
  IdGenerator(const Clock& clock, Random& random) : clock_(clock), random_(random) {}
  std::string next();  // UUIDv7, lowercase canonical form

 private:
  const Clock& clock_;
  Random& random_;
  std::mutex mu_;
  std::uint64_t last_ms_ = 0;
  std::uint16_t counter_ = 0;
};

// Canonical lowercase 8-4-4-4-12 hex; any version.
bool is_uuid(std::string_view s);

}  // namespace ca
