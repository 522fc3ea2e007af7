// A creator tenant never sees another creator's rows: reads are not_found or empty,
// writes touch nothing.
#include "store_fixture.hpp"

namespace ca::test {
namespace {

class TenancyTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    a_ = add_creator("A");
    b_ = add_creator("B");
    consumer_ = add_consumer(a_, "a-fan@example.com");
    auto p = make_product(a_);
    product_ = p.id;
    auto tx = write();
    ASSERT_OK(tx->products().insert(p));
    ASSERT_OK(tx->commit());
  }
  Tenant as_b() const { return Tenant::creator(b_); }
  std::string a_, b_, consumer_, product_;
};

TEST_F(TenancyTest, Creators) {
  auto tx = write();
  EXPECT_CODE(tx->creators().get(as_b(), a_), not_found);
  auto list = tx->creators().list(as_b(), {});
  ASSERT_OK(list);
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].id, b_);
  auto a = tx->creators().get(Tenant::admin(), a_);
  ASSERT_OK(a);
  a->name = "hijacked";
  EXPECT_CODE(tx->creators().update(as_b(), *a), not_found);
  EXPECT_EQ(tx->creators().get(Tenant::admin(), a_)->name, "A");
}

TEST_F(TenancyTest, Consumers) {
  auto tx = write();
  EXPECT_CODE(tx->consumers().get(as_b(), consumer_), not_found);
  EXPECT_CODE(tx->consumers().get_context(as_b(), consumer_), not_found);
  EXPECT_CODE(
      tx->consumers().set_consent(as_b(), consumer_, Channel::email, Consent{true, "x", now()}),
      not_found);
  auto list = tx->consumers().list(as_b(), {}, {});
  ASSERT_OK(list);
  EXPECT_TRUE(list->items.empty());
  store::ConsumerFilter f;
  f.q = "a-fan";
  auto searched = tx->consumers().list(as_b(), f, {});
  ASSERT_OK(searched);
  EXPECT_TRUE(searched->items.empty());

  auto c = tx->consumers().get(Tenant::admin(), consumer_);
  ASSERT_OK(c);
  Consumer changed = *c;
  changed.name = "hijacked";
  EXPECT_CODE(tx->consumers().update(as_b(), changed), not_found);
  EXPECT_CODE(tx->consumers().remove(as_b(), consumer_), not_found);

  auto still = tx->consumers().get(Tenant::creator(a_), consumer_);
  ASSERT_OK(still);
  EXPECT_FALSE(still->name.has_value());
  EXPECT_TRUE(still->consent.empty());
  auto admin_list = tx->consumers().list(Tenant::admin(), {}, {});
  ASSERT_OK(admin_list);
  EXPECT_EQ(admin_list->items.size(), 1u);
}

TEST_F(TenancyTest, Products) {
  auto tx = write();
  EXPECT_CODE(tx->products().get(as_b(), product_), not_found);
  auto list = tx->products().list(as_b(), {});
  ASSERT_OK(list);
  EXPECT_TRUE(list->items.empty());
  auto p = tx->products().get(Tenant::admin(), product_);
  ASSERT_OK(p);
  p->name = "hijacked";
  EXPECT_CODE(tx->products().update(as_b(), *p), not_found);
  EXPECT_CODE(tx->products().remove(as_b(), product_), not_found);
  auto still = tx->products().get(Tenant::creator(a_), product_);
  ASSERT_OK(still);
  EXPECT_EQ(still->name, "1:1 mentoring");
}

TEST_F(TenancyTest, MalformedTenantSeesNothing) {
  auto tx = read();
  EXPECT_CODE(tx->consumers().get(Tenant::creator("not-a-uuid"), consumer_), not_found);
  auto list = tx->products().list(Tenant::creator("not-a-uuid"), {});
  ASSERT_OK(list);
  EXPECT_TRUE(list->items.empty());
}

}  // namespace
}  // namespace ca::test
