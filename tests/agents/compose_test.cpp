// Message composition and small runtime edges.
#include <gtest/gtest.h>

#include "agent_test_support.hpp"
#include "agents/compose.hpp"
#include "agents/registry.hpp"

namespace ca::agents::test {
namespace {

constexpr const char* kT0 = "2026-11-24T10:00:00Z";

TEST(Compose, RendersInOnePassFromProductRows) {
  Creator creator;
  creator.name = "Asha Rao";
  Consumer consumer;
  consumer.name = "  Ravi {{creator.name}} Kumar\n";
  Product p = product("svc_9", "Deep Dive", 500000, "https://x.example/9");
  TemplateVars v = make_vars(&consumer, creator, &p);
  EXPECT_EQ(
      render("{{consumer.first_name}}|{{ service.name }}|{{service.price}}|{{service.url}}", v),
      "Ravi|Deep Dive|₹5,000|https://x.example/9");
  EXPECT_EQ(render("Hi {{consumer.name}}", v), "Hi Ravi creator.name Kumar");
  EXPECT_EQ(render("no placeholders", v), "no placeholders");
  EXPECT_EQ(render("dangling {{ brace", v), "dangling {{ brace");
  TemplateVars anonymous = make_vars(nullptr, creator, nullptr);
  EXPECT_EQ(render("Hi {{consumer.name}} {{service.price}}.", anonymous), "Hi there .");
}

TEST(Compose, SanitizeCapsLengthWithoutSplittingUtf8) {
  std::string name;
  for (int i = 0; i < 40; ++i) name += "é";  // 80 bytes
  std::string out = sanitize_name(name);
  EXPECT_LE(out.size(), 60U);
  EXPECT_EQ(out.size() % 2, 0U);
}

TEST(Compose, FindServiceByIdNumberNameOrUrl) {
  std::vector<Product> products = {product("1", "Alpha", 100), product("42", "Beta", 200),
                                   product("x", "Gamma", 300, "https://g.example")};
  Event e;
  e.payload_json = R"({"service_id":42})";
  EXPECT_EQ(find_service(products, e), &products[1]);
  e.payload_json = R"({"service_name":" GAMMA "})";
  EXPECT_EQ(find_service(products, e), &products[2]);
  e.payload_json = R"({"url":"https://g.example"})";
  EXPECT_EQ(find_service(products, e), &products[2]);
  e.payload_json = R"({"service_id":"nope"})";
  EXPECT_EQ(find_service(products, e), nullptr);
  e.payload_json = "garbage";
  EXPECT_EQ(find_service(products, e), nullptr);
}

TEST(Compose, TemplateValidation) {
  EXPECT_TRUE(validate_template("Hi {{consumer.name}}, {{service.price}}", "f").ok());
  EXPECT_FALSE(validate_template("", "f").ok());
  EXPECT_FALSE(validate_template("Hi {{consumer.name", "f").ok());
  EXPECT_FALSE(validate_template(std::string(1001, 'a'), "f").ok());
  auto unknown = validate_template("{{event.payload.x}}", "config.m");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "config.m");
  EXPECT_TRUE(uses_service("a {{ service.url }}"));
  EXPECT_FALSE(uses_service("a {{consumer.name}}"));
}

TEST(Runtime, UnknownKindOrBrokenConfigIsAnErrorNotACrash) {
  Scenario s("nope");
  auto r = s.feed("page_view", "{}", at(kT0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "kind");
  Scenario broken("generic_sales", "{\"delays\":");
  auto b = broken.feed("page_view", "{}", at(kT0));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().field, "config");
}

TEST(Runtime, LateEventIsNotAReturnVisit) {
  Scenario s("generic_sales");
  ASSERT_TRUE(ok_decision(s.feed("page_view", "{}", at(kT0))).act);
  // Arrives later but happened 3 days before the last visit: not a return.
  Decision late = ok_decision(
      s.feed("page_view", "{}", at(kT0) - std::chrono::hours{72}, at(kT0) + std::chrono::hours{1}));
  EXPECT_FALSE(late.act) << late.reason;
}

TEST(Runtime, PaymentFailedForAnAlreadyPaidServiceIsNotReminded) {
  Scenario s("generic_sales");
  (void)s.feed("payment_success", R"({"service_id":"svc_2"})", at(kT0));
  Decision d = ok_decision(s.feed("payment_failed", R"({"service_id":"svc_2"})", at(kT0)));
  EXPECT_FALSE(d.act) << d.reason;
}

}  // namespace
}  // namespace ca::agents::test
