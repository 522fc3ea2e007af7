#include "store_fixture.hpp"

namespace ca::test {
namespace {

using ProductsTest = StoreTest;

TEST_F(ProductsTest, Crud) {
  auto creator = add_creator();
  auto p = make_product(creator);
  p.description = "An hour on your career";
  p.url = "https://topmate.io/asha/1";
  {
    auto tx = write();
    ASSERT_OK(tx->products().insert(p));
    ASSERT_OK(tx->commit());
  }
  {
    auto tx = read();
    auto got = tx->products().get(Tenant::creator(creator), p.id);
    ASSERT_OK(got);
    EXPECT_EQ(got->creator_id, creator);
    EXPECT_EQ(got->name, p.name);
    EXPECT_EQ(got->type, "call");
    EXPECT_EQ(got->price, (Money{500000, "INR"}));
    EXPECT_EQ(got->description, p.description);
    EXPECT_EQ(got->url, p.url);
    EXPECT_EQ(got->created_at, p.created_at);
  }
  p.name = "Resume review";
  p.price = Money{4999, "USD"};
  p.url.reset();
  p.updated_at = now() + std::chrono::seconds(3);
  {
    auto tx = write();
    ASSERT_OK(tx->products().update(Tenant::creator(creator), p));
    ASSERT_OK(tx->commit());
  }
  {
    auto tx = read();
    auto got = tx->products().get(Tenant::admin(), p.id);
    ASSERT_OK(got);
    EXPECT_EQ(got->name, "Resume review");
    EXPECT_EQ(got->price, (Money{4999, "USD"}));
    EXPECT_FALSE(got->url.has_value());
    EXPECT_EQ(got->updated_at, p.updated_at);
    auto list = tx->products().list(Tenant::creator(creator), {});
    ASSERT_OK(list);
    ASSERT_EQ(list->items.size(), 1u);
  }
  auto tx = write();
  ASSERT_OK(tx->products().remove(Tenant::creator(creator), p.id));
  EXPECT_CODE(tx->products().get(Tenant::admin(), p.id), not_found);
  EXPECT_CODE(tx->products().remove(Tenant::admin(), p.id), not_found);
  EXPECT_CODE(tx->products().update(Tenant::admin(), p), not_found);
}

TEST_F(ProductsTest, LargePricesSurvive) {
  auto creator = add_creator();
  auto p = make_product(creator);
  p.price = Money{9'007'199'254'740'993, "INR"};  // beyond double precision
  auto tx = write();
  ASSERT_OK(tx->products().insert(p));
  auto got = tx->products().get(Tenant::admin(), p.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->price.amount_minor, 9'007'199'254'740'993);
}

}  // namespace
}  // namespace ca::test
