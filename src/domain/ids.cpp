#include "domain/ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace ca {

namespace {

void rand_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    // Without entropy we must not mint keys; this is unrecoverable.
    throw std::runtime_error("RAND_bytes failed");
  }
}

}  // namespace

void SecureRandom::fill(std::span<std::uint8_t> out) {
  // A RAND_bytes call costs about the same whatever its size (OpenSSL 3 looks up its
  // provider each time): a tenth of the ingest writer's CPU went there, 10 bytes per
  // id. So each thread draws 4 KiB at a time and hands every byte out once; handed-out
  // bytes are wiped from the buffer.
  constexpr std::size_t kChunk = 4096;
  if (out.size() > kChunk / 4) {
    rand_bytes(out);
    return;
  }
  thread_local std::array<std::uint8_t, kChunk> buffer{};
  thread_local std::size_t used = kChunk;
  if (kChunk - used < out.size()) {
    rand_bytes(buffer);
    used = 0;
  }
  std::memcpy(out.data(), buffer.data() + used, out.size());
  std::memset(buffer.data() + used, 0, out.size());
  used += out.size();
}

std::uint64_t SeededRandom::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void SeededRandom::fill(std::span<std::uint8_t> out) {
  for (size_t i = 0; i < out.size(); i += 8) {
    std::uint64_t v = next();
    for (size_t j = 0; j < 8 && i + j < out.size(); ++j)
      out[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
}

std::string IdGenerator::next() {
  std::array<std::uint8_t, 16> b{};
  random_.fill(std::span<std::uint8_t>(b.data() + 6, 10));
  auto ms = static_cast<std::uint64_t>(to_micros(clock_.now()) / 1000);
  {
    std::lock_guard lock(mu_);
    if (ms > last_ms_) {
      last_ms_ = ms;
      counter_ = static_cast<std::uint16_t>(((b[6] << 8) | b[7]) &
                                            0x07ff);  // top bit clear: room to count
    } else if (++counter_ > 0x0fff) {
      ++last_ms_;  // counter exhausted: borrow the next millisecond
      counter_ = 0;
    }
    ms = last_ms_;
    b[6] = static_cast<std::uint8_t>(counter_ >> 8);
    b[7] = static_cast<std::uint8_t>(counter_ & 0xff);
  }
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  b[6] = static_cast<std::uint8_t>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3f));  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[b[i] >> 4];
    s += kHex[b[i] & 0xf];
  }
  return s;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace ca
