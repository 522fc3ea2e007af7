// The offline engine and the grounding checks, on the shipped creators.
#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "onboarding/grounding.hpp"
#include "onboarding/offline_engine.hpp"
#include "onboarding/sources.hpp"

namespace ca::onboarding {
namespace {

CreatorData load(const std::string& username) {
  FixtureSource src(default_fixtures_dir());
  auto rec = src.fetch(username);
  EXPECT_TRUE(rec.ok()) << username;
  return rec ? rec->data : CreatorData{};
}

const char* const kCreators[] = {"ajay_shenoy", "priya_careers", "fitwithrahul", "nisha_invests",
                                 "sam_designs", "arjun_beats",   "kavya_writes"};

TEST(OfflineEngine, DeterministicAndComplete) {
  for (const char* name : kCreators) {
    const CreatorData d = load(name);
    const SalesProfile a = generate_offline(d);
    const SalesProfile b = generate_offline(d);
    EXPECT_EQ(boost::json::serialize(to_json(a)), boost::json::serialize(to_json(b))) << name;
    EXPECT_FALSE(a.llm_summary.empty()) << name;
    EXPECT_FALSE(a.sales_pitch.empty()) << name;
    EXPECT_FALSE(a.target_audience_description.empty()) << name;
    EXPECT_FALSE(a.value_propositions.empty()) << name;
    EXPECT_FALSE(a.agent_instructions.empty()) << name;
    EXPECT_GE(a.objection_handling.size(), 3u) << name;
    EXPECT_FALSE(a.pricing_info.summary.empty()) << name;
    EXPECT_EQ(a.services.size(), d.services.size()) << name;
    for (std::size_t i = 0; i < d.services.size(); ++i) {
      EXPECT_EQ(a.services[i].price, d.services[i].price) << name;
      EXPECT_EQ(a.services[i].name, d.services[i].title) << name;
    }
  }
}

// The offline engine's own sentences pass the same grounding check a model's must.
TEST(OfflineEngine, StatesOnlyGroundedFacts) {
  for (const char* name : kCreators) {
    const CreatorData d = load(name);
    const SalesProfile p = generate_offline(d);
    std::vector<std::string> texts{p.llm_summary, p.sales_pitch, p.target_audience_description,
                                   p.agent_instructions};
    texts.insert(texts.end(), p.value_propositions.begin(), p.value_propositions.end());
    for (const auto& [q, a] : p.objection_handling) texts.push_back(q + " " + a);
    for (const auto& t : texts) {
      auto claims = ungrounded_claims(t, d);
      EXPECT_TRUE(claims.empty()) << name << ": " << (claims.empty() ? "" : claims.front())
                                  << "\n in: " << t;
    }
  }
}

TEST(OfflineEngine, ReadsWellForAjay) {
  const SalesProfile p = generate_offline(load("ajay_shenoy"));
  EXPECT_NE(p.sales_pitch.find("Building Agents in Enterprise"), std::string::npos)
      << p.sales_pitch;
  EXPECT_NE(p.sales_pitch.find("\u20B950,000"), std::string::npos) << p.sales_pitch;
  EXPECT_NE(p.llm_summary.find("18,361 bookings"), std::string::npos) << p.llm_summary;
  EXPECT_EQ(p.ratings.summary, "4.8/5 from 795 ratings");
  EXPECT_EQ(p.social_proof.followers, 2562);
  EXPECT_EQ(p.pricing_info.summary, "5 services from \u20B9999 to \u20B950,000.");
  EXPECT_NE(p.agent_instructions.find("Building Agents in Enterprise (live cohort, 6 weeks, "
                                      "\u20B950,000)"),
            std::string::npos)
      << p.agent_instructions;
}

TEST(OfflineEngine, CreatorWithoutServices) {
  const SalesProfile p = generate_offline(load("kavya_writes"));
  EXPECT_TRUE(p.services.empty());
  EXPECT_EQ(p.pricing_info.summary, "No services are listed yet.");
  EXPECT_NE(p.agent_instructions.find("do not offer or price anything"), std::string::npos);
}

TEST(Grounding, FindsInventedPricesRatingsAndCounts) {
  const CreatorData d = load("ajay_shenoy");
  EXPECT_TRUE(ungrounded_claims("Join for \u20B950,000 or a call at Rs. 2,500.", d).empty());
  EXPECT_TRUE(ungrounded_claims("Rated 4.8/5 with 18,000+ bookings and 795 ratings.", d).empty());
  EXPECT_EQ(ungrounded_claims("Only \u20B99,999 this week!", d).size(), 1u);
  EXPECT_EQ(ungrounded_claims("Just $49 today", d).size(), 1u);
  EXPECT_EQ(ungrounded_claims("Costs 45000 INR", d).size(), 1u);
  EXPECT_EQ(ungrounded_claims("A 4.9/5 mentor", d).size(), 1u);
  EXPECT_EQ(ungrounded_claims("Over 50,000 bookings", d).size(), 1u);
  EXPECT_EQ(ungrounded_claims("10k followers", d).size(), 1u);
  EXPECT_TRUE(ungrounded_claims("Users 500 and Rs", d).empty());
}

std::string llm_reply(const std::string& cohort_price, const std::string& pitch,
                      const std::string& extra_service = "") {
  return R"({"llm_summary":"Ajay mentors engineers into AI engineering.",
    "sales_pitch":")" +
         pitch + R"(",
    "target_audience_description":"Backend engineers moving into AI.",
    "value_propositions":["Production agent experience","Rated 4.8/5"],
    "services":[{"id":"880101","name":"Building Agents in Enterprise","price":")" +
         cohort_price + R"(","description":"Six weeks of live sessions."})" + extra_service +
         R"(],
    "agent_instructions":"Be specific.",
    "objection_handling":[{"objection":"Too expensive","response":"Start with the call."}]})";
}

TEST(Grounding, ValidatorRejectsInventedServicesAndTextPrices) {
  const CreatorData d = load("ajay_shenoy");
  EXPECT_TRUE(check_grounded(llm_reply("\u20B950,000", "Join the cohort."), d).ok());
  auto invented = check_grounded(
      llm_reply("\u20B950,000", "Join.",
                R"(,{"id":"999","name":"Secret Bootcamp","price":"$5","description":"x"})"),
      d);
  ASSERT_FALSE(invented.ok());
  EXPECT_EQ(invented.error().field, "services[1]");
  auto text_price = check_grounded(llm_reply("\u20B950,000", "Now only \u20B939,999!"), d);
  ASSERT_FALSE(text_price.ok());
  EXPECT_EQ(text_price.error().field, "sales_pitch");
  EXPECT_NE(text_price.error().message.find("39,999"), std::string::npos);
  EXPECT_FALSE(check_grounded(R"({"llm_summary":"x"})", d).ok());
  EXPECT_FALSE(check_grounded("[]", d).ok());
}

TEST(Grounding, PostPassOverwritesPricesAndAddsMissingServices) {
  const CreatorData d = load("ajay_shenoy");
  std::vector<std::string> corrections;
  auto p = ground_profile(llm_reply("\u20B945,000", "Join the cohort."), d, corrections);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->services.size(), d.services.size());
  EXPECT_EQ(p->services[0].price, (Money{5'000'000, "INR"}));
  EXPECT_EQ(p->services[0].description, "Six weeks of live sessions.");
  EXPECT_EQ(p->services[1].description, d.services[1].description);
  EXPECT_EQ(p->ratings.total_ratings, 795);
  EXPECT_EQ(p->social_proof.total_bookings, 18361);
  ASSERT_FALSE(corrections.empty());
  EXPECT_NE(corrections.front().find("45,000"), std::string::npos) << corrections.front();
}

}  // namespace
}  // namespace ca::onboarding
