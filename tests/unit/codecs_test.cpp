// API codecs: decoding names the bad field; encoding matches API.md's shapes.
#include "api/codecs.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

namespace ca::api {
namespace {

json::FieldReader reader(const boost::json::object& o) { return json::FieldReader(o); }

TEST(Codecs, CreatorRequiresNameAndValidEmail) {
  auto body = json::parse_object(R"({"name":"Ajay","email":"not-an-email"})");
  auto r = reader(*body);
  Creator c;
  apply_creator_fields(r, c, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "email");

  auto missing = json::parse_object(R"({"email":"a@example.com"})");
  auto r2 = reader(*missing);
  apply_creator_fields(r2, c, true);
  EXPECT_EQ(r2.error().field, "name");
}

TEST(Codecs, CreatorTimezoneAndSettings) {
  auto body = json::parse_object(
      R"({"name":"Ajay","email":"Ajay@Example.com","timezone":"Asia/Kolkata","settings":{"quiet_hours":{"start":"21:00"}}})");
  auto r = reader(*body);
  Creator c;
  apply_creator_fields(r, c, true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(c.email, "ajay@example.com");
  EXPECT_EQ(c.timezone, "Asia/Kolkata");
  EXPECT_EQ(c.settings_json, R"({"quiet_hours":{"start":"21:00"}})");

  auto bad = json::parse_object(R"({"timezone":"Mars/Base"})");
  auto r2 = reader(*bad);
  apply_creator_fields(r2, c, false);
  EXPECT_EQ(r2.error().field, "timezone");
}

TEST(Codecs, ConsumerPatchClearsWithNull) {
  Consumer c;
  c.email = "a@example.com";
  c.whatsapp = "+919812345678";
  auto body = json::parse_object(R"({"email":null,"name":"Asha"})");
  auto r = reader(*body);
  apply_consumer_fields(r, c, false);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(c.email.has_value());
  EXPECT_EQ(c.whatsapp, "+919812345678");
  EXPECT_EQ(c.name, "Asha");
}

TEST(Codecs, ConsumerRejectsBadPhone) {
  Consumer c;
  auto body = json::parse_object(R"({"whatsapp":"98123 45678"})");
  auto r = reader(*body);
  apply_consumer_fields(r, c, true);
  EXPECT_EQ(r.error().field, "whatsapp");
  EXPECT_NE(r.error().message.find("E.164"), std::string::npos);
}

TEST(Codecs, ProductPriceErrorsKeepNestedPath) {
  Product p;
  auto body = json::parse_object(
      R"({"name":"Cohort","type":"cohort","price":{"amount_minor":5000000,"currency":"rupees"}})");
  auto r = reader(*body);
  apply_product_fields(r, p, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "price.currency");

  auto neg = json::parse_object(
      R"({"name":"x","type":"call","price":{"amount_minor":-1,"currency":"INR"}})");
  auto r2 = reader(*neg);
  apply_product_fields(r2, p, true);
  EXPECT_EQ(r2.error().field, "price.amount_minor");
}

TEST(Codecs, ProductEncodesMoneyWithDisplay) {
  Product p;
  p.id = "0192f1a2-3b4c-7d5e-8f60-718293a4b5c6";
  p.creator_id = p.id;
  p.name = "Building Agents in Enterprise";
  p.type = "cohort";
  p.price = Money{5'000'000, "INR"};
  auto v = to_json(p);
  EXPECT_EQ(boost::json::serialize(v.at("price")),
            R"({"amount_minor":5000000,"currency":"INR","display":"₹50,000"})");
  EXPECT_TRUE(v.at("description").is_null());
}

TEST(Codecs, ConsumerEncodesConsentForEveryChannel) {
  Consumer c;
  c.consent[Channel::whatsapp] = Consent{true, "checkout", *parse_rfc3339("2026-11-24T10:00:00Z")};
  auto v = to_json(c);
  EXPECT_EQ(v.at("consent").at("whatsapp").at("granted").as_bool(), true);
  EXPECT_EQ(v.at("consent").at("whatsapp").at("at").as_string(), "2026-11-24T10:00:00Z");
  EXPECT_EQ(v.at("consent").at("email").at("granted").as_bool(), false);
}

TEST(Codecs, ConsentDecoding) {
  auto now = *parse_rfc3339("2026-11-24T10:00:00Z");
  auto ok = decode_consent(
      *json::parse_object(R"({"channel":"email","granted":false,"source":"form"})"), now);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->channel, Channel::email);
  EXPECT_FALSE(ok->consent.granted);
  EXPECT_EQ(ok->consent.source, "form");
  auto bad = decode_consent(*json::parse_object(R"({"channel":"pigeon","granted":true})"), now);
  EXPECT_EQ(bad.error().field, "channel");
  auto missing = decode_consent(*json::parse_object(R"({"channel":"email"})"), now);
  EXPECT_EQ(missing.error().field, "granted");
}

}  // namespace
}  // namespace ca::api
