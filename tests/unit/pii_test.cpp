// Erasure scrubs personal values out of event payloads and keeps the rest.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "domain/pii.hpp"

namespace ca {
namespace {

namespace bj = boost::json;

TEST(ScrubPersonalData, PersonalKeysAndContactLookingStringsAreErased) {
  const auto out = bj::parse(scrub_personal_data(R"({
      "service_id": "s1", "amount_minor": 4999900, "currency": "INR",
      "Name": "Asha Rao", "email": "asha@example.com", "Body": "call me at 9pm",
      "customer": {"phone": "+91 98123 45678", "notes": null, "plan": "gold"},
      "contacts": ["asha@example.com", "+1 (212) 555-0100", "plain"],
      "referrer": "whatsapp:+919812345678", "page": "https://topmate.io/asha",
      "count": 3})"));
  const auto& o = out.as_object();
  EXPECT_EQ(o.at("service_id"), "s1");
  EXPECT_EQ(o.at("amount_minor"), 4999900);
  EXPECT_EQ(o.at("currency"), "INR");
  EXPECT_EQ(o.at("Name"), "[erased]");
  EXPECT_EQ(o.at("email"), "[erased]");
  EXPECT_EQ(o.at("Body"), "[erased]");
  EXPECT_EQ(o.at("customer").at("phone"), "[erased]");
  EXPECT_TRUE(o.at("customer").at("notes").is_null());
  EXPECT_EQ(o.at("customer").at("plan"), "gold");
  EXPECT_EQ(o.at("contacts").at(0), "[erased]");
  EXPECT_EQ(o.at("contacts").at(1), "[erased]");
  EXPECT_EQ(o.at("contacts").at(2), "plain");
  EXPECT_EQ(o.at("referrer"), "[erased]");
  EXPECT_EQ(o.at("page"), "https://topmate.io/asha");
  EXPECT_EQ(o.at("count"), 3);
}

TEST(ScrubPersonalData, NonObjectsBecomeEmptyObjects) {
  EXPECT_EQ(scrub_personal_data("not json"), "{}");
  EXPECT_EQ(scrub_personal_data("[1,2]"), "{}");
  EXPECT_EQ(scrub_personal_data("{}"), "{}");
  // Numbers that are not phone numbers stay (no '+').
  EXPECT_EQ(scrub_personal_data(R"({"order":12345678})"), R"({"order":12345678})");
}

}  // namespace
}  // namespace ca
