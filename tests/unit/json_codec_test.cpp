#include "domain/json_codec.hpp"

#include <gtest/gtest.h>

namespace ca::json {
namespace {

TEST(ParseObject, ReportsLineAndColumnOfMalformedJson) {
  auto r = parse_object("{\n  \"name\": \"x\"\n  \"email\": 1\n}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::malformed_json);
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;
}

TEST(ParseObject, RejectsEmptyBodyAndNonObjects) {
  EXPECT_EQ(parse_object("").error().code, ErrorCode::malformed_json);
  EXPECT_EQ(parse_object("   ").error().code, ErrorCode::malformed_json);
  auto arr = parse_object("[1,2]");
  ASSERT_FALSE(arr.ok());
  EXPECT_EQ(arr.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(arr.error().message.find("an array"), std::string::npos);
  EXPECT_FALSE(parse_object("{\"a\":1} trailing").ok());
}

TEST(FieldReader, NamesTheFirstBadField) {
  auto obj = parse_object(R"({"name": 5, "email": ""})");
  ASSERT_TRUE(obj.ok());
  FieldReader r(*obj);
  r.string("name", Need::required);
  r.string("email", Need::required);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "name");
  EXPECT_EQ(r.error().message, "name must be a string, got an integer");
}

TEST(FieldReader, RequiredMissingAndNull) {
  auto obj = parse_object(R"({"a": null})");
  FieldReader r(*obj);
  EXPECT_FALSE(r.string("a", Need::optional).has_value());
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.is_null("a"));
  r.string("b", Need::required);
  EXPECT_EQ(r.error().field, "b");
  EXPECT_EQ(r.error().message, "b is required");
}

TEST(FieldReader, TrimsAndLimitsStrings) {
  auto obj = parse_object(R"({"a": "  hi  ", "b": "toolong"})");
  FieldReader r(*obj);
  EXPECT_EQ(r.string("a", Need::required), "hi");
  EXPECT_FALSE(r.string("b", Need::required, 3).has_value());
  EXPECT_EQ(r.error().field, "b");
}

TEST(FieldReader, IntegersAndBooleans) {
  auto obj = parse_object(R"({"n": 42, "big": 1e30, "f": 1.5, "t": true, "s": "true"})");
  FieldReader r(*obj);
  EXPECT_EQ(r.integer("n", Need::required, 0, 100), 42);
  EXPECT_EQ(r.boolean("t", Need::required), true);
  EXPECT_TRUE(r.ok());
  FieldReader r2(*obj);
  r2.integer("f", Need::required, 0, 100);
  EXPECT_EQ(r2.error().field, "f");
  FieldReader r3(*obj);
  r3.integer("n", Need::required, 0, 10);
  EXPECT_NE(r3.error().message.find("between 0 and 10"), std::string::npos);
  FieldReader r4(*obj);
  r4.boolean("s", Need::required);
  EXPECT_EQ(r4.error().message, "s must be true or false, got a string");
}

TEST(FieldReader, UnknownFieldsAndNestedPaths) {
  auto obj = parse_object(R"({"name": "x", "nmae": "typo"})");
  FieldReader r(*obj);
  r.reject_unknown({"name", "email"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "nmae");
  EXPECT_NE(r.error().message.find("allowed: name, email"), std::string::npos);

  auto nested = parse_object(R"({"price": {"amount_minor": "lots"}})");
  FieldReader outer(*nested);
  FieldReader inner(*outer.object("price", Need::required), outer.path("price"));
  inner.integer("amount_minor", Need::required, 0, 10);
  outer.adopt(inner.error());
  EXPECT_EQ(outer.error().field, "price.amount_minor");
}

TEST(Quote, EscapesForJson) { EXPECT_EQ(quote("a\"b</script>\n"), "\"a\\\"b</script>\\n\""); }

}  // namespace
}  // namespace ca::json
