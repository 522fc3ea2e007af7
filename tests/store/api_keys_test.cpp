#include "store_fixture.hpp"

namespace ca::test {
namespace {

class ApiKeysTest : public StoreTest {
 protected:
  ApiKey make_key(std::optional<std::string> creator, std::string hash) {
    ApiKey k;
    k.id = new_id();
    k.role = creator ? KeyRole::creator : KeyRole::admin;
    k.creator_id = std::move(creator);
    k.prefix = "ca_" + hash.substr(0, 4);
    k.hash_hex = std::move(hash);
    k.name = "laptop";
    k.created_at = now();
    return k;
  }
};

TEST_F(ApiKeysTest, FindByHashAndRevoke) {
  auto a = add_creator("A");
  auto b = add_creator("B");
  auto key = make_key(a, "aaaa1111");
  {
    auto tx = write();
    ASSERT_OK(tx->api_keys().insert(key));
    ASSERT_OK(tx->api_keys().insert(make_key(a, "aaaa2222")));
    ASSERT_OK(tx->commit());
  }
  {
    auto tx = read();
    auto found = tx->api_keys().find_by_hash("aaaa1111");
    ASSERT_OK(found);
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->id, key.id);
    EXPECT_EQ((*found)->role, KeyRole::creator);
    EXPECT_EQ((*found)->creator_id, a);
    EXPECT_EQ((*found)->prefix, key.prefix);
    EXPECT_EQ((*found)->name, "laptop");
    EXPECT_EQ((*found)->created_at, key.created_at);
    EXPECT_FALSE((*found)->last_used_at.has_value());
    auto unknown = tx->api_keys().find_by_hash("nope");
    ASSERT_OK(unknown);
    EXPECT_FALSE(unknown->has_value());
    auto listed = tx->api_keys().list_for_creator(a);
    ASSERT_OK(listed);
    EXPECT_EQ(listed->size(), 2u);
  }
  {
    auto tx = write();
    EXPECT_CODE(tx->api_keys().revoke(b, key.id, now()), not_found);  // not B's key
    ASSERT_OK(tx->api_keys().revoke(a, key.id, now()));
    EXPECT_CODE(tx->api_keys().revoke(a, key.id, now()), not_found);  // already revoked
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto found = tx->api_keys().find_by_hash("aaaa1111");
  ASSERT_OK(found);
  EXPECT_FALSE(found->has_value());
  auto listed = tx->api_keys().list_for_creator(a);
  ASSERT_OK(listed);
  EXPECT_EQ(listed->size(), 1u);
}

TEST_F(ApiKeysTest, AnyAdminKey) {
  {
    auto tx = read();
    auto any = tx->api_keys().any_admin_key();
    ASSERT_OK(any);
    EXPECT_FALSE(*any);
  }
  auto admin = make_key(std::nullopt, "admin0001");
  {
    auto tx = write();
    ASSERT_OK(tx->api_keys().insert(admin));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto any = tx->api_keys().any_admin_key();
  ASSERT_OK(any);
  EXPECT_TRUE(*any);
  auto found = tx->api_keys().find_by_hash("admin0001");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->role, KeyRole::admin);
  EXPECT_FALSE((*found)->creator_id.has_value());
}

TEST_F(ApiKeysTest, DuplicateHashIsConflictAndRoleMismatchIsInvalid) {
  auto a = add_creator();
  auto tx = write();
  ASSERT_OK(tx->api_keys().insert(make_key(a, "same")));
  EXPECT_CODE(tx->api_keys().insert(make_key(a, "same")), conflict);
  auto bad = make_key(std::nullopt, "x");
  bad.role = KeyRole::creator;
  EXPECT_CODE(tx->api_keys().insert(bad), invalid_argument);
}

}  // namespace
}  // namespace ca::test
