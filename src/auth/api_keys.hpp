// API keys: minted from the CSPRNG, shown once, stored as SHA-256 with a visible prefix.
// A key carries 256 bits of randomness, so a fast hash is enough (no password stretching).
#pragma once

#include <string>
#include <string_view>

#include "domain/digest.hpp"
#include "domain/ids.hpp"

namespace ca::auth {

struct MintedKey {
  std::string key;       // "ca_" + 43 base62 characters; shown to the user once
  std::string prefix;    // first 11 characters, stored and listed
  std::string hash_hex;  // sha256(key), lowercase hex
};

MintedKey mint_key(Random& random);
using ca::sha256_hex;
bool constant_time_equal(std::string_view a, std::string_view b);
// The visible part of a key for listing and logs.
std::string key_prefix(std::string_view key);

}  // namespace ca::auth
