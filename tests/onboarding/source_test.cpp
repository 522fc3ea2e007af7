// The shipped fixture creators, the Topmate reader and HTML stripping.
#include <gtest/gtest.h>

#include <filesystem>

#include "onboarding/creator_data.hpp"
#include "onboarding/sources.hpp"

namespace ca::onboarding {
namespace {

const SourceService* find(const CreatorData& d, const std::string& id) {
  for (const auto& s : d.services) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

TEST(FixtureSource, ParsesEveryShippedCreator) {
  FixtureSource src(default_fixtures_dir());
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(default_fixtures_dir())) {
    if (entry.path().extension() != ".json") continue;
    const std::string username = entry.path().stem().string();
    auto rec = src.fetch(username);
    ASSERT_TRUE(rec.ok()) << username << ": " << rec.error().message;
    EXPECT_EQ(rec->data.username, username);
    EXPECT_FALSE(rec->data.name.empty()) << username;
    EXPECT_FALSE(rec->raw_json.empty());
    for (const auto& s : rec->data.services) {
      EXPECT_FALSE(s.title.empty()) << username;
      EXPECT_TRUE(is_currency_code(s.price.currency)) << username << " " << s.title;
      EXPECT_EQ(s.description.find('<'), std::string::npos) << username << " " << s.title;
    }
    EXPECT_EQ(rec->data.description.find('<'), std::string::npos) << username;
    ++count;
  }
  EXPECT_GE(count, 6);
}

TEST(FixtureSource, AjayShenoyExactValues) {
  FixtureSource src(default_fixtures_dir());
  auto rec = src.fetch("ajay_shenoy");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  const CreatorData& d = rec->data;
  EXPECT_EQ(d.name, "Ajay Shenoy");
  ASSERT_TRUE(d.average_rating.has_value());
  EXPECT_DOUBLE_EQ(*d.average_rating, 4.8);
  EXPECT_EQ(d.total_ratings, 795);
  EXPECT_EQ(d.total_bookings, 18361);
  EXPECT_EQ(d.followers, 2562);
  EXPECT_EQ(d.featured_service_id, "880101");
  const SourceService* cohort = find(d, "880101");
  ASSERT_NE(cohort, nullptr);
  EXPECT_EQ(cohort->title, "Building Agents in Enterprise");
  EXPECT_EQ(cohort->type, "cohort");
  EXPECT_EQ(cohort->price, (Money{5'000'000, "INR"}));
  EXPECT_EQ(display(cohort->price), "\u20B950,000");
  EXPECT_EQ(cohort->duration_text, "6 weeks");
  EXPECT_FALSE(cohort->duration_minutes.has_value());
  EXPECT_EQ(cohort->url, "https://topmate.io/ajay_shenoy/880101");
  const SourceService* call = find(d, "880102");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->type, "call");
  EXPECT_EQ(call->duration_minutes, 30);
  EXPECT_EQ(call->price, (Money{250'000, "INR"}));
  EXPECT_EQ(d.services.size(), 5u);
  EXPECT_EQ(d.testimonials.size(), 3u);
  EXPECT_EQ(d.badges.front(), "Top 1% Mentor");
  EXPECT_NE(d.description.find("AI engineers"), std::string::npos);
}

TEST(FixtureSource, VariedShapes) {
  FixtureSource src(default_fixtures_dir());
  auto sam = src.fetch("sam_designs");
  ASSERT_TRUE(sam.ok());
  ASSERT_EQ(sam->data.services.size(), 3u);
  EXPECT_EQ(sam->data.services[0].price, (Money{9900, "USD"}));
  EXPECT_EQ(sam->data.services[1].price, (Money{24950, "USD"}));  // 249.5 major units
  EXPECT_EQ(sam->data.services[2].price, (Money{4900, "USD"}));   // {amount, currency}
  auto priya = src.fetch("priya_careers");
  ASSERT_TRUE(priya.ok());
  EXPECT_EQ(priya->data.services[1].price, (Money{349'900, "INR"}));  // "3499"
  EXPECT_EQ(priya->data.services[1].duration_minutes, 45);            // "45 mins"
  EXPECT_EQ(priya->data.name, "Priya Raman");
  auto kavya = src.fetch("kavya_writes");
  ASSERT_TRUE(kavya.ok());
  EXPECT_TRUE(kavya->data.services.empty());
  EXPECT_FALSE(kavya->data.average_rating.has_value());
  auto arjun = src.fetch("arjun_beats");  // no user_id, rating, counts or testimonials
  ASSERT_TRUE(arjun.ok());
  EXPECT_FALSE(arjun->data.user_id.has_value());
  EXPECT_FALSE(arjun->data.total_bookings.has_value());
  EXPECT_EQ(arjun->data.services.size(), 2u);
  EXPECT_EQ(arjun->data.services[1].price, (Money{2000, "USD"}));
  auto rahul = src.fetch("fitwithrahul");
  ASSERT_TRUE(rahul.ok());
  EXPECT_EQ(rahul->data.description.find("alert"), std::string::npos) << "script content kept";
  EXPECT_EQ(rahul->data.services[3].price.amount_minor, 0);
}

TEST(FixtureSource, UnknownAndUnsafeUsernamesAreNotFound) {
  FixtureSource src(default_fixtures_dir());
  for (const char* name : {"nobody_here", "../etc/passwd", "", "a/b", ".hidden"}) {
    auto r = src.fetch(name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, ErrorCode::not_found) << name;
  }
}

TEST(TopmateShape, ToleratesMissingExtraAndOddFields) {
  auto d = parse_topmate(R"({"username":"x_y","display_name":"X Y","average_rating":"4.5",
    "total_bookings":"1,200","services":[{"title":"Call","price":{"amount":10,"currency":"usd"}},
    {"title":"No price"},{"id":7,"title":"<b>Bold</b> talk","charge":{"amount":500}},
    "not an object"],"testimonials":[{"content":"Great"}],"unknown":[1,2,3]})");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->name, "X Y");
  EXPECT_DOUBLE_EQ(d->average_rating.value_or(0), 4.5);
  EXPECT_EQ(d->total_bookings, 1200);
  ASSERT_EQ(d->services.size(), 2u);
  EXPECT_EQ(d->services[0].price, (Money{1000, "USD"}));
  EXPECT_EQ(d->services[0].id, "t-call");
  EXPECT_EQ(d->services[1].title, "Bold talk");
  EXPECT_EQ(d->services[1].price, (Money{50000, "INR"}));
  EXPECT_EQ(d->notes.size(), 1u);  // the service without a price
  EXPECT_EQ(d->testimonials.at(0).text, "Great");
}

TEST(TopmateShape, RejectsWhatIsNotACreator) {
  EXPECT_FALSE(parse_topmate("not json").ok());
  EXPECT_FALSE(parse_topmate("[1,2]").ok());
  EXPECT_FALSE(parse_topmate(R"({"name":"no username"})").ok());
  EXPECT_TRUE(parse_topmate(R"({"name":"n"})", "given_name").ok());
}

TEST(StripHtml, TextOnly) {
  EXPECT_EQ(strip_html("<p>Hello <b>world</b>.</p><p>Next &amp; last</p>"),
            "Hello world.\nNext & last");
  EXPECT_EQ(strip_html("a<script>evil()</script>b<style>p{}</style>c"), "abc");
  EXPECT_EQ(strip_html("<ul><li>one</li><li>two</li></ul>"), "- one\n- two");
  EXPECT_EQ(strip_html("&#8377;500 &mdash; &#x263A; &bogus; <unterminated"),
            "\u20B9500 \u2014 \u263A &bogus;");
  EXPECT_EQ(strip_html("bad \xFF\xFE utf8\x01 here"), "bad utf8 here");
}

}  // namespace
}  // namespace ca::onboarding
