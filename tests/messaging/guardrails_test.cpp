// Guardrails as tables: which prices, links, lengths and braces a message may carry.
#include "messaging/guardrails.hpp"

#include <gtest/gtest.h>

namespace ca::messaging {
namespace {

Product product(std::string name, std::int64_t minor, std::string currency,
                std::optional<std::string> url) {
  Product p;
  p.name = std::move(name);
  p.price = Money{minor, std::move(currency)};
  p.url = std::move(url);
  return p;
}

AllowedFacts coach_facts() {
  return facts_from_products({
      product("1:1 career call", 5000000, "INR", "https://topmate.io/asha/call"),
      product("Resume review", 9900, "USD", std::nullopt),
      product("Dubai workshop", 10000, "AED", "https://www.asha.coach/dubai/"),
  });
}

TEST(Guardrails, FactsFromProducts) {
  auto f = coach_facts();
  EXPECT_EQ(f.service_names,
            (std::vector<std::string>{"1:1 career call", "Resume review", "Dubai workshop"}));
  EXPECT_EQ(f.prices, (std::vector<std::string>{"₹50,000", "$99", "AED 100"}));
  EXPECT_EQ(f.urls, (std::vector<std::string>{"https://topmate.io/asha/call",
                                              "https://www.asha.coach/dubai/"}));
}

TEST(Guardrails, FindPrices) {
  struct Case {
    std::string text;
    std::vector<std::string> canonical;
  };
  std::vector<Case> cases = {
      {"Only ₹50,000 for the call", {"INR 50000"}},
      {"Rs. 50000 or Rs 50,000 or rs.500 or INR 5,00,000",
       {"INR 50000", "INR 50000", "INR 500", "INR 500000"}},
      {"$99, $99.00, $49.90 and USD 10", {"USD 99", "USD 99", "USD 49.9", "USD 10"}},
      {"50,000 INR, 99 dollars, 500 rupees, 100 AED",
       {"INR 50000", "USD 99", "INR 500", "AED 100"}},
      {"€1,200.50 or £30 or ¥500", {"EUR 1200.5", "GBP 30", "JPY 500"}},
      {"just ₹50k or ₹2 lakh or $5M", {"INR 50 k", "INR 2 lakh", "USD 5 m"}},
      {"US$99", {"USD 99"}},
      {"Call me at 5 pm, 3 spots left, 24/7 support, 1:1 calls", {}},
      {"Hours 5 and mrs 10 and users 20", {}},  // "rs"/"usd" only as whole words
      {"The $ sign and Rs alone", {}},
      {"version 2.0.1 of the course", {}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> got;
    for (const auto& m : find_prices(c.text)) got.push_back(m.canonical);
    EXPECT_EQ(got, c.canonical) << c.text;
  }
}

TEST(Guardrails, FindUrls) {
  struct Case {
    std::string text;
    std::vector<std::string> canonical;
  };
  std::vector<Case> cases = {
      {"Book: https://topmate.io/asha/call.", {"topmate.io/asha/call"}},
      {"See HTTPS://TopMate.io/asha/call/ now", {"topmate.io/asha/call"}},
      {"[book](https://evil.example/x) or <http://evil.example>",
       {"evil.example/x", "evil.example"}},
      {"visit www.asha.coach/dubai!", {"asha.coach/dubai"}},
      {"go to evil.com/pay or bit.ly/abc", {"evil.com/pay", "bit.ly/abc"}},
      {"mail asha@gmail.com, e.g. node.js v2.0", {}},
      {"no links here. Really.", {}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> got;
    for (const auto& m : find_urls(c.text)) got.push_back(m.canonical);
    EXPECT_EQ(got, c.canonical) << c.text;
  }
}

TEST(Guardrails, CheckMessageTable) {
  struct Case {
    std::string text;
    Channel channel;
    bool ok;
    std::string why;  // substring of the error
  };
  std::string long_wa(1001, 'a');
  std::string max_wa(1000, 'a');
  std::string rupees_1000;
  for (int i = 0; i < 1000; ++i) rupees_1000 += "₹";  // 1,000 characters, 3,000 bytes
  std::vector<Case> cases = {
      {"Hi Riya! The 1:1 career call is ₹50,000: https://topmate.io/asha/call", Channel::whatsapp,
       true, ""},
      {"Hi Riya, it's Rs. 50,000 or $99 for a resume review.", Channel::whatsapp, true, ""},
      {"AED 100 gets you into the workshop: www.asha.coach/dubai", Channel::email, true, ""},
      {"Hi Riya, no prices and no links.", Channel::sms, true, ""},
      {"Special offer: ₹49,999 today only!", Channel::whatsapp, false, "price"},
      {"Just $79 for you", Channel::whatsapp, false, "$79"},
      {"Only ₹50k", Channel::whatsapp, false, "₹50k"},
      {"Book at https://topmate.io/asha/other", Channel::whatsapp, false, "link"},
      {"Pay at evil.com/pay", Channel::whatsapp, false, "evil.com/pay"},
      {"Use code WELCOME for 20% off!", Channel::whatsapp, false, "discount"},
      {"a special DISCOUNT for you", Channel::whatsapp, false, "DISCOUNT"},
      {"20 % off today", Channel::whatsapp, false, "% off"},
      {"Use promo code X", Channel::whatsapp, false, "promo code"},
      {"90% of my students got promoted", Channel::whatsapp, true, ""},
      {"Call me on +91 98765 43210", Channel::whatsapp, false, "phone number: +91 98765 43210"},
      {"WhatsApp (555) 123-4567 now", Channel::whatsapp, false, "phone number"},
      {"Join 1,200 students since 2019, 4.9 stars", Channel::whatsapp, true, ""},
      {"", Channel::whatsapp, false, "empty"},
      {"  \n ", Channel::email, false, "empty"},
      {"Hi {{consumer.name}}", Channel::whatsapp, false, "template braces"},
      {"Hi Riya }}", Channel::whatsapp, false, "template braces"},
      {max_wa, Channel::whatsapp, true, ""},
      {long_wa, Channel::whatsapp, false, "1001 characters; whatsapp allows at most 1000"},
      {long_wa, Channel::email, true, ""},
      {rupees_1000, Channel::whatsapp, true, ""},  // characters, not bytes
      {std::string(5001, 'b'), Channel::email, false, "at most 5000"},
      {std::string(1601, 'c'), Channel::sms, false, "at most 1600"},
  };
  auto facts = coach_facts();
  for (const auto& c : cases) {
    auto r = check_message(c.text, c.channel, facts);
    EXPECT_EQ(r.ok(), c.ok) << c.text.substr(0, 80);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
      EXPECT_EQ(r.error().field, "message");
      EXPECT_NE(r.error().message.find(c.why), std::string::npos)
          << c.text.substr(0, 80) << " → " << r.error().message;
    }
  }
}

TEST(Guardrails, NoFactsMeansNoPricesOrLinks) {
  EXPECT_TRUE(check_message("Hi! How did the course go?", Channel::whatsapp, {}).ok());
  EXPECT_FALSE(check_message("It's ₹500", Channel::whatsapp, {}).ok());
  EXPECT_FALSE(check_message("https://topmate.io/asha", Channel::whatsapp, {}).ok());
}

TEST(Guardrails, MaxChars) {
  EXPECT_EQ(max_chars(Channel::whatsapp), 1000u);
  EXPECT_EQ(max_chars(Channel::email), 5000u);
  EXPECT_EQ(max_chars(Channel::sms), 1600u);
}

}  // namespace
}  // namespace ca::messaging
