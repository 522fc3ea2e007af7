#include "auth/api_keys.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ca::auth {
namespace {

TEST(ApiKeys, Sha256MatchesKnownVector) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ApiKeys, MintedKeysHaveShapePrefixAndHash) {
  SecureRandom random;
  MintedKey k = mint_key(random);
  EXPECT_EQ(k.key.substr(0, 3), "ca_");
  EXPECT_EQ(k.key.size(), 46u);  // "ca_" + 43 base62 ≈ 256 bits
  EXPECT_EQ(k.prefix, k.key.substr(0, 11));
  EXPECT_EQ(k.hash_hex, sha256_hex(k.key));
  EXPECT_EQ(
      k.key.find_first_not_of("ca_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
      std::string::npos);
}

TEST(ApiKeys, MintedKeysAreUniqueAndUseTheWholeAlphabet) {
  SecureRandom random;
  std::set<std::string> keys;
  std::set<char> chars;
  for (int i = 0; i < 2000; ++i) {
    MintedKey k = mint_key(random);
    keys.insert(k.key);
    for (char c : k.key.substr(3)) chars.insert(c);
  }
  EXPECT_EQ(keys.size(), 2000u);
  EXPECT_EQ(chars.size(), 62u);
}

TEST(ApiKeys, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace ca::auth
