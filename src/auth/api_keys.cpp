#include "auth/api_keys.hpp"

#include <openssl/crypto.h>

#include <array>

namespace ca::auth {

namespace {
constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t kPrefixLen = 11;
constexpr std::size_t kSecretChars = 43;  // 43 * log2(62) ≈ 256 bits
}  // namespace

MintedKey mint_key(Random& random) {
  MintedKey k;
  k.key = "ca_";
  // Rejection sampling keeps every character uniform over the alphabet.
  std::array<std::uint8_t, 64> buf{};
  std::size_t have = 0;
  std::size_t pos = buf.size();
  while (have < kSecretChars) {
    if (pos == buf.size()) {
      random.fill(buf);
      pos = 0;
    }
    std::uint8_t b = buf[pos++];
    if (b >= 248) continue;  // 248 = 4 * 62
    k.key += kAlphabet[b % 62];
    ++have;
  }
  k.prefix = key_prefix(k.key);
  k.hash_hex = sha256_hex(k.key);
  return k;
}

std::string key_prefix(std::string_view key) { return std::string(key.substr(0, kPrefixLen)); }

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ca::auth
