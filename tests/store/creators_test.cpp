#include "store_fixture.hpp"

namespace ca::test {
namespace {

using CreatorsTest = StoreTest;

TEST_F(CreatorsTest, InsertGetUpdateRoundTrip) {
  auto c = make_creator("Asha");
  c.external_username = "asha";
  c.timezone = "Asia/Kolkata";
  c.settings_json = "{}";
  {
    auto tx = write();
    ASSERT_OK(tx->creators().insert(c));
    ASSERT_OK(tx->commit());
  }
  {
    auto tx = read();
    auto got = tx->creators().get(Tenant::admin(), c.id);
    ASSERT_OK(got);
    EXPECT_EQ(got->id, c.id);
    EXPECT_EQ(got->name, "Asha");
    EXPECT_EQ(got->email, c.email);
    EXPECT_EQ(got->external_username, "asha");
    EXPECT_EQ(got->timezone, "Asia/Kolkata");
    EXPECT_EQ(got->settings_json, "{}");
    EXPECT_EQ(got->created_at, c.created_at);
    EXPECT_EQ(got->updated_at, c.updated_at);
  }
  c.name = "Asha R";
  c.external_username.reset();
  c.updated_at = now() + std::chrono::seconds(5);
  {
    auto tx = write();
    ASSERT_OK(tx->creators().update(Tenant::creator(c.id), c));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto got = tx->creators().get(Tenant::creator(c.id), c.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->name, "Asha R");
  EXPECT_FALSE(got->external_username.has_value());
  EXPECT_EQ(got->updated_at, c.updated_at);
}

TEST_F(CreatorsTest, DuplicateUsernameIsConflictOnThatField) {
  auto a = make_creator();
  a.external_username = "asha";
  auto b = make_creator();
  b.external_username = "asha";
  auto none1 = make_creator();
  auto none2 = make_creator();  // many creators without a username are fine
  auto tx = write();
  ASSERT_OK(tx->creators().insert(a));
  ASSERT_OK(tx->creators().insert(none1));
  ASSERT_OK(tx->creators().insert(none2));
  ASSERT_OK(tx->commit());

  auto tx2 = write();
  auto r = tx2->creators().insert(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  EXPECT_EQ(r.error().field, "external_username");
  EXPECT_EQ(r.error().message.find("asha"), std::string::npos) << "no values in messages";
}

TEST_F(CreatorsTest, DuplicateIdIsConflict) {
  auto a = make_creator();
  auto tx = write();
  ASSERT_OK(tx->creators().insert(a));
  EXPECT_CODE(tx->creators().insert(a), conflict);
}

TEST_F(CreatorsTest, UnknownOrMalformedIdIsNotFound) {
  auto tx = write();
  EXPECT_CODE(tx->creators().get(Tenant::admin(), new_id()), not_found);
  EXPECT_CODE(tx->creators().get(Tenant::admin(), "not-a-uuid"), not_found);
  EXPECT_CODE(tx->creators().remove(new_id()), not_found);
  auto c = make_creator();
  EXPECT_CODE(tx->creators().update(Tenant::admin(), c), not_found);
}

TEST_F(CreatorsTest, RemoveCascadesToEveryTenantRow) {
  auto keep = add_creator("Keep");
  auto gone = add_creator("Gone");
  auto consumer = make_consumer(gone);
  consumer.email = "c@example.com";
  consumer.consent[Channel::email] = Consent{true, "form", now()};
  auto product = make_product(gone);
  ApiKey key;
  key.id = new_id();
  key.creator_id = gone;
  key.prefix = "ca_gone";
  key.hash_hex = "hash-of-gone";
  key.created_at = now();
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert(consumer));
    ASSERT_OK(tx->products().insert(product));
    ASSERT_OK(tx->api_keys().insert(key));
    ASSERT_OK(tx->products().insert(make_product(keep)));
    ASSERT_OK(tx->commit());
  }
  {
    auto tx = write();
    ASSERT_OK(tx->creators().remove(gone));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  EXPECT_CODE(tx->creators().get(Tenant::admin(), gone), not_found);
  EXPECT_CODE(tx->consumers().get(Tenant::admin(), consumer.id), not_found);
  EXPECT_CODE(tx->consumers().get_context(Tenant::admin(), consumer.id), not_found);
  EXPECT_CODE(tx->products().get(Tenant::admin(), product.id), not_found);
  auto k = tx->api_keys().find_by_hash("hash-of-gone");
  ASSERT_OK(k);
  EXPECT_FALSE(k->has_value());
  auto rest = tx->products().list(Tenant::admin(), {});
  ASSERT_OK(rest);
  EXPECT_EQ(rest->items.size(), 1u);
  ASSERT_OK(tx->creators().get(Tenant::admin(), keep));
}

TEST_F(CreatorsTest, ListIsNewestFirstAndAdminSeesAll) {
  auto a = add_creator("A");
  auto b = add_creator("B");
  auto tx = read();
  auto all = tx->creators().list(Tenant::admin(), {});
  ASSERT_OK(all);
  ASSERT_EQ(all->items.size(), 2u);
  EXPECT_EQ(all->items[0].id, b);
  EXPECT_EQ(all->items[1].id, a);
  EXPECT_FALSE(all->next_after_id.has_value());
}

}  // namespace
}  // namespace ca::test
