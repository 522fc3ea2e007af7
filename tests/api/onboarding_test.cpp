// /onboarding through HTTP: the job runs on the service's worker pool; fixtures source and
// the offline engine (the defaults).
#include <chrono>
#include <thread>

#include "api_fixture.hpp"

namespace ca::test {
namespace {

class OnboardingApi : public ApiTest {
 protected:
  boost::json::object onboard(const std::string& body) {
    auto r = client_->post("/onboarding/", body, kAdminKey);
    EXPECT_EQ(r.status, 202) << r.body;
    return obj(r);
  }

  // Polls GET /onboarding/{id} until it leaves "processing".
  boost::json::object wait_done(const std::string& onboarding_id,
                                const std::string& key = kAdminKey) {
    boost::json::object last;
    for (int i = 0; i < 400; ++i) {
      auto r = client_->get("/onboarding/" + onboarding_id, key);
      EXPECT_EQ(r.status, 200) << r.body;
      last = obj(r);
      if (last.at("status").as_string() != "processing") return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << "onboarding still processing: " << boost::json::serialize(last);
    return last;
  }
};

TEST_F(OnboardingApi, OnboardPollReadProfile) {
  auto started = onboard(R"({"username":"ajay_shenoy"})");
  EXPECT_EQ(started.at("status").as_string(), "processing");
  const std::string id = str(started.at("onboarding_id"));
  const std::string creator_id = str(started.at("creator_id"));
  auto done = wait_done(id);
  ASSERT_EQ(done.at("status").as_string(), "completed") << boost::json::serialize(done);
  EXPECT_EQ(str(done.at("creator_id")), creator_id);
  ASSERT_TRUE(done.contains("profile"));
  EXPECT_FALSE(done.contains("error"));

  auto r = client_->get("/onboarding/profile/" + creator_id, kAdminKey);
  ASSERT_EQ(r.status, 200) << r.body;
  auto profile = obj(r);
  for (const char* field :
       {"llm_summary", "sales_pitch", "target_audience_description", "value_propositions",
        "services", "agent_instructions", "objection_handling", "pricing_info", "ratings",
        "social_proof", "generated_by", "last_synced_at"}) {
    EXPECT_TRUE(profile.contains(field)) << field;
  }
  EXPECT_EQ(profile.at("generated_by").as_string(), "offline");
  bool found = false;
  for (const auto& s : profile.at("services").as_array()) {
    const auto& o = s.as_object();
    if (o.at("name").as_string() != "Building Agents in Enterprise") continue;
    found = true;
    const auto& price = o.at("price").as_object();
    EXPECT_EQ(price.at("amount_minor").as_int64(), 5000000);
    EXPECT_EQ(price.at("currency").as_string(), "INR");
    EXPECT_EQ(price.at("display").as_string(), "\u20B950,000");
    // The service id is the creator's product: GET /products/{id} finds it.
    auto product = client_->get("/products/" + str(o.at("id")), kAdminKey);
    EXPECT_EQ(product.status, 200) << product.body;
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(profile.at("ratings").as_object().at("average").as_double(), 4.8);
}

TEST_F(OnboardingApi, ReonboardingUpdatesTheSameCreator) {
  auto first = onboard(R"({"username":"priya_careers"})");
  wait_done(str(first.at("onboarding_id")));
  auto second =
      onboard(R"({"username":"priya_careers","name":"Priya R.","email":"priya@example.com"})");
  auto done = wait_done(str(second.at("onboarding_id")));
  EXPECT_EQ(done.at("status").as_string(), "completed");
  EXPECT_EQ(str(second.at("creator_id")), str(first.at("creator_id")));
  auto creators = obj(client_->get("/creators", kAdminKey));
  int matching = 0;
  for (const auto& c : creators.at("items").as_array()) {
    const auto& o = c.as_object();
    if (o.contains("external_username") && o.at("external_username").is_string() &&
        o.at("external_username").as_string() == "priya_careers") {
      ++matching;
      EXPECT_EQ(o.at("name").as_string(), "Priya R.");
      EXPECT_EQ(o.at("email").as_string(), "priya@example.com");
    }
  }
  EXPECT_EQ(matching, 1);
  auto products = obj(client_->get("/products?creator_id=" + str(first.at("creator_id")),
                                   creator_key(str(first.at("creator_id")))));
  EXPECT_EQ(products.at("items").as_array().size(), 4u);
}

TEST_F(OnboardingApi, UnknownUsernameEndsFailed) {
  auto started = onboard(R"({"username":"nobody_at_all"})");
  auto done = wait_done(str(started.at("onboarding_id")));
  EXPECT_EQ(done.at("status").as_string(), "failed");
  ASSERT_TRUE(done.contains("error"));
  EXPECT_NE(std::string(done.at("error").as_string()).find("creator not found"), std::string::npos);
  expect_error(client_->get("/onboarding/profile/" + str(started.at("creator_id")), kAdminKey), 404,
               "not_found");
}

TEST_F(OnboardingApi, DeployTwiceGivesOneAgent) {
  auto started = onboard(R"({"username":"fitwithrahul"})");
  const std::string creator_id = str(started.at("creator_id"));
  wait_done(str(started.at("onboarding_id")));
  const std::string key = creator_key(creator_id);
  auto first = client_->post("/onboarding/deploy-agent/" + creator_id, "", key);
  ASSERT_EQ(first.status, 201) << first.body;
  auto agent = obj(first);
  EXPECT_EQ(agent.at("kind").as_string(), "generic_sales");
  EXPECT_EQ(agent.at("triggers").as_array().size(), 4u);
  auto second = client_->post("/onboarding/deploy-agent/" + creator_id, "{}", kAdminKey);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(obj(second).at("id"), agent.at("id"));
  auto list = obj(client_->get("/onboarding/agents/" + creator_id, key));
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  // Same JSON as GET /agents.
  auto all = client_->get("/agents", key);
  EXPECT_EQ(boost::json::serialize(list.at("items").as_array()[0]),
            boost::json::serialize(obj(all).at("items").as_array()[0]));
}

TEST_F(OnboardingApi, CreatorKeysSeeOnlyTheirOwnCreator) {
  auto a = onboard(R"({"username":"nisha_invests"})");
  auto b = onboard(R"({"username":"sam_designs"})");
  const std::string a_id = str(a.at("creator_id"));
  const std::string b_id = str(b.at("creator_id"));
  wait_done(str(a.at("onboarding_id")));
  wait_done(str(b.at("onboarding_id")));
  const std::string a_key = creator_key(a_id);
  EXPECT_EQ(client_->get("/onboarding/profile/" + a_id, a_key).status, 200);
  expect_error(client_->get("/onboarding/profile/" + b_id, a_key), 404, "not_found");
  expect_error(client_->get("/onboarding/" + str(b.at("onboarding_id")), a_key), 404, "not_found");
  expect_error(client_->get("/onboarding/agents/" + b_id, a_key), 404, "not_found");
  expect_error(client_->post("/onboarding/deploy-agent/" + b_id, "", a_key), 404, "not_found");
  expect_error(client_->post("/onboarding/sync", R"({"creator_id":")" + b_id + R"("})", a_key), 404,
               "not_found");
  // Own sync: the body may omit creator_id with a creator key.
  auto sync = client_->post("/onboarding/sync", "{}", a_key);
  ASSERT_EQ(sync.status, 202) << sync.body;
  EXPECT_EQ(str(obj(sync).at("creator_id")), a_id);
  EXPECT_EQ(wait_done(str(obj(sync).at("onboarding_id")), a_key).at("status").as_string(),
            "completed");
  // Onboarding a new creator needs an admin key.
  expect_error(client_->post("/onboarding/", R"({"username":"kavya_writes"})", a_key), 403,
               "forbidden");
  EXPECT_EQ(client_->post("/onboarding/", R"({"username":"kavya_writes"})").status, 401);
}

TEST_F(OnboardingApi, BadInputNamesTheField) {
  expect_error(client_->post("/onboarding/", "{}", kAdminKey), 400, "invalid_argument", "username");
  expect_error(client_->post("/onboarding/", R"({"username":"../x"})", kAdminKey), 400,
               "invalid_argument", "username");
  expect_error(client_->post("/onboarding/", R"({"username":42})", kAdminKey), 400,
               "invalid_argument", "username");
  expect_error(client_->post("/onboarding/", R"({"username":"ok_name","email":"nope"})", kAdminKey),
               400, "invalid_argument", "email");
  expect_error(client_->post("/onboarding/", R"({"username":"ok_name","extra":1})", kAdminKey), 400,
               "invalid_argument", "extra");
  expect_error(client_->post("/onboarding/", "{not json", kAdminKey), 400, "malformed_json");
  expect_error(client_->post("/onboarding/sync", "{}", kAdminKey), 400, "invalid_argument",
               "creator_id");
  expect_error(client_->post("/onboarding/sync", R"({"creator_id":7})", kAdminKey), 400,
               "invalid_argument", "creator_id");
  // A creator made by hand has no username to sync from.
  const std::string manual = create_creator("manual");
  expect_error(
      client_->post("/onboarding/sync", R"({"creator_id":")" + manual + R"("})", kAdminKey), 400,
      "invalid_argument", "creator_id");
  expect_error(client_->post("/onboarding/deploy-agent/" + manual, R"({"x":1})", kAdminKey), 400,
               "invalid_argument", "x");
  expect_error(client_->get("/onboarding/not-a-uuid", kAdminKey), 404, "not_found");
  expect_error(client_->get("/onboarding/profile/" + manual, kAdminKey), 404, "not_found");
}

}  // namespace
}  // namespace ca::test
