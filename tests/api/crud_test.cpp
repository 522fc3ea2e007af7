// CRUD through the real server: validation errors name the field, PATCH takes only
// documented fields, lists paginate without gaps or repeats.
#include <set>

#include "api_fixture.hpp"

namespace ca::test {
namespace {

class CrudTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    creator_ = create_creator("ajay");
    key_ = creator_key(creator_);
  }
  std::string creator_;
  std::string key_;
};

TEST_F(CrudTest, CreatorCreateValidatesEveryField) {
  expect_error(client_->post("/creators", R"({"email":"a@example.com"})", kAdminKey), 400,
               "invalid_argument", "name");
  expect_error(client_->post("/creators", R"({"name":"A","email":"nope"})", kAdminKey), 400,
               "invalid_argument", "email");
  expect_error(
      client_->post("/creators", R"({"name":"A","email":"a@example.com","timezone":"Mars/Base"})",
                    kAdminKey),
      400, "invalid_argument", "timezone");
  expect_error(client_->post("/creators", R"({"name":"A","email":"a@example.com","settings":[1]})",
                             kAdminKey),
               400, "invalid_argument", "settings");
  expect_error(client_->post("/creators", R"({"name":"A","email":"a@example.com","role":"admin"})",
                             kAdminKey),
               400, "invalid_argument", "role");
  expect_error(
      client_->post(
          "/creators",
          R"({"name":"A","email":"a@example.com","settings":{"policy":{"quiet_hours":{"start":"25:00"}}}})",
          kAdminKey),
      400, "invalid_argument", "settings.policy.quiet_hours.start");
  auto with_policy = client_->post(
      "/creators",
      R"({"name":"P","email":"p@example.com","settings":{"policy":{"quiet_hours":{"start":"22:00","end":"08:00"}},"brand":"x"}})",
      kAdminKey);
  EXPECT_EQ(with_policy.status, 201) << with_policy.body;
  std::string long_name(201, 'x');
  expect_error(
      client_->post("/creators", R"({"name":")" + long_name + R"(","email":"a@example.com"})",
                    kAdminKey),
      400, "invalid_argument", "name");
}

TEST_F(CrudTest, CreatorUsernameIsUnique) {
  auto first = client_->post(
      "/creators", R"({"name":"A","email":"a@example.com","external_username":"ajay_shenoy"})",
      kAdminKey);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(obj(first).at("external_username").as_string(), "ajay_shenoy");
  EXPECT_EQ(obj(first).at("timezone").as_string(), "UTC");
  expect_error(
      client_->post("/creators",
                    R"({"name":"B","email":"b@example.com","external_username":"ajay_shenoy"})",
                    kAdminKey),
      409, "conflict", "external_username");
}

TEST_F(CrudTest, MalformedJsonWrongContentTypeAndHugeBodies) {
  auto bad = client_->post("/consumers", "{\"name\": \"x\",\n \"email\" }", key_);
  expect_error(bad, 400, "malformed_json");
  EXPECT_NE(obj(bad).at("error").at("message").as_string().find("line 2"), std::string::npos)
      << bad.body;
  expect_error(
      client_->request("POST", "/consumers", "name=x",
                       {{"Authorization", "Bearer " + key_}, {"Content-Type", "text/plain"}}),
      415, "unsupported_media_type");
  std::string huge = R"({"name":")" + std::string(1100 * 1024, 'x') + "\"}";
  expect_error(client_->post("/consumers", huge, key_), 413, "payload_too_large");
  // The server is still fine afterwards.
  EXPECT_EQ(client_->get("/health").status, 200);
}

TEST_F(CrudTest, ConsumerLifecycle) {
  auto created = client_->post(
      "/consumers",
      R"({"name":"Asha","email":"Asha@Example.com","whatsapp":"+919812345678","external_id":"tm-1","timezone":"Asia/Kolkata","consent":{"whatsapp":true}})",
      key_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto c = obj(created);
  std::string id = str(c.at("id"));
  EXPECT_EQ(c.at("creator_id").as_string(), creator_);
  EXPECT_EQ(c.at("email").as_string(), "asha@example.com");
  EXPECT_TRUE(c.at("consent").at("whatsapp").at("granted").as_bool());
  EXPECT_FALSE(c.at("consent").at("email").at("granted").as_bool());

  auto ctx = obj(client_->get("/consumers/" + id + "/context", key_));
  EXPECT_EQ(ctx.at("stage").as_string(), "new");
  EXPECT_TRUE(ctx.at("metrics").is_object());

  // PATCH: documented fields only; null clears.
  expect_error(client_->patch("/consumers/" + id, R"({"creator_id":"x"})", key_), 400,
               "invalid_argument", "creator_id");
  expect_error(client_->patch("/consumers/" + id, R"({"whatsapp":"12345"})", key_), 400,
               "invalid_argument", "whatsapp");
  auto patched =
      client_->patch("/consumers/" + id, R"({"external_id":null,"name":"Asha R"})", key_);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_TRUE(obj(patched).at("external_id").is_null());
  EXPECT_EQ(obj(patched).at("name").as_string(), "Asha R");
  EXPECT_EQ(obj(patched).at("whatsapp").as_string(), "+919812345678");

  // Consent by API.
  auto consent =
      client_->post("/consumers/" + id + "/consent",
                    R"({"channel":"whatsapp","granted":false,"source":"support"})", key_);
  ASSERT_EQ(consent.status, 200) << consent.body;
  EXPECT_FALSE(obj(consent).at("consent").at("whatsapp").at("granted").as_bool());
  EXPECT_EQ(obj(consent).at("consent").at("whatsapp").at("source").as_string(), "support");
  expect_error(
      client_->post("/consumers/" + id + "/consent", R"({"channel":"fax","granted":true})", key_),
      400, "invalid_argument", "channel");

  // Duplicates within a creator are conflicts naming the field.
  expect_error(client_->post("/consumers", R"({"email":"asha@example.com"})", key_), 409,
               "conflict", "email");

  auto ev = client_->post("/events", R"({"consumer_id":")" + id + R"(","type":"page_view"})", key_);
  ASSERT_EQ(ev.status, 202) << ev.body;
  auto exported = obj(client_->get("/consumers/" + id + "/export", key_));
  EXPECT_EQ(exported.at("consumer").at("id").as_string(), id);
  EXPECT_EQ(exported.at("context").at("stage").as_string(), "new");
  const auto& events = exported.at("events").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("id").as_string(), obj(ev).at("id").as_string());
  EXPECT_EQ(events[0].at("type").as_string(), "page_view");
  EXPECT_TRUE(exported.at("actions").as_array().empty());
  EXPECT_TRUE(exported.at("suppressions").as_array().empty());

  EXPECT_EQ(client_->del("/consumers/" + id, key_).status, 204);
  expect_error(client_->get("/consumers/" + id, key_), 404, "not_found");
  expect_error(client_->get("/consumers/" + id + "/context", key_), 404, "not_found");
}

TEST_F(CrudTest, EraseLeavesNoPersonalDataInEvents) {
  auto created = client_->post(
      "/consumers", R"({"name":"Asha","email":"asha@example.com","external_id":"tm-9"})", key_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str(obj(created).at("id"));
  auto event = client_->post(
      "/events",
      R"({"consumer_id":")" + id +
          R"(","type":"email_replied","payload":{"service_id":"s1","body":"I am Asha, call +91 98123 45678","from":"asha@example.com","amount_minor":500}})",
      key_);
  ASSERT_EQ(event.status, 202) << event.body;
  const std::string event_id = str(obj(event).at("id"));

  EXPECT_EQ(client_->del("/consumers/" + id, key_).status, 204);
  auto after = client_->get("/events/" + event_id, key_);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.body.find("asha"), std::string::npos) << after.body;
  EXPECT_EQ(after.body.find("98123"), std::string::npos) << after.body;
  auto payload = obj(after).at("payload").as_object();
  EXPECT_EQ(payload.at("service_id").as_string(), "s1");
  EXPECT_EQ(payload.at("amount_minor").as_int64(), 500);
  EXPECT_EQ(payload.at("body").as_string(), "[erased]");
  EXPECT_TRUE(obj(after).at("consumer_id").is_null());
  expect_error(client_->del("/consumers/" + id, key_), 404, "not_found");
}

TEST_F(CrudTest, AdminMustNameTheCreator) {
  expect_error(client_->post("/consumers", R"({"name":"x"})", kAdminKey), 400, "invalid_argument",
               "creator_id");
  auto ok =
      client_->post("/consumers", R"({"name":"x","creator_id":")" + creator_ + "\"}", kAdminKey);
  EXPECT_EQ(ok.status, 201) << ok.body;
  expect_error(client_->post("/consumers",
                             R"({"name":"x","creator_id":"0192f1a2-3b4c-7d5e-8f60-718293a4b5c6"})",
                             kAdminKey),
               404, "not_found");
}

TEST_F(CrudTest, ConsumerFilters) {
  ASSERT_EQ(
      client_->post("/consumers", R"({"name":"Asha Rao","email":"asha@example.com"})", key_).status,
      201);
  ASSERT_EQ(
      client_->post("/consumers", R"({"name":"Ravi","email":"ravi@example.com"})", key_).status,
      201);
  auto found = obj(client_->get("/consumers?q=ASHA", key_));
  ASSERT_EQ(found.at("items").as_array().size(), 1u);
  EXPECT_EQ(found.at("items").as_array()[0].at("name").as_string(), "Asha Rao");
  EXPECT_EQ(obj(client_->get("/consumers?stage=new", key_)).at("items").as_array().size(), 2u);
  EXPECT_EQ(obj(client_->get("/consumers?stage=converted", key_)).at("items").as_array().size(),
            0u);
  EXPECT_EQ(obj(client_->get("/consumers?q=%25", key_)).at("items").as_array().size(), 0u);
  expect_error(client_->get("/consumers?stage=hot", key_), 400, "invalid_argument", "stage");
}

TEST_F(CrudTest, ProductsRoundTripMoney) {
  auto created = client_->post(
      "/products",
      R"({"name":"Building Agents in Enterprise","type":"cohort","price":{"amount_minor":5000000,"currency":"INR"},"url":"https://topmate.io/ajay_shenoy"})",
      key_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto p = obj(created);
  EXPECT_EQ(p.at("price").at("display").as_string(), "₹50,000");
  std::string id = str(p.at("id"));
  auto patched = client_->patch("/products/" + id,
                                R"({"price":{"amount_minor":4999,"currency":"USD"}})", key_);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(obj(patched).at("price").at("display").as_string(), "$49.99");
  expect_error(client_->patch("/products/" + id, R"({"price":5000})", key_), 400,
               "invalid_argument", "price");
  expect_error(
      client_->post(
          "/products",
          R"j({"name":"x","type":"call","price":{"amount_minor":1,"currency":"INR"},"url":"javascript:alert(1)"})j",
          key_),
      400, "invalid_argument", "url");
  EXPECT_EQ(client_->del("/products/" + id, key_).status, 204);
  expect_error(client_->get("/products/" + id, key_), 404, "not_found");
}

TEST_F(CrudTest, PaginationWalksEveryRowOnce) {
  for (int i = 0; i < 7; ++i) {
    auto r = client_->post("/products",
                           R"({"name":"P)" + std::to_string(i) +
                               R"(","type":"call","price":{"amount_minor":100,"currency":"INR"}})",
                           key_);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::set<std::string> seen;
  std::vector<size_t> sizes;
  std::string cursor;
  for (int guard = 0; guard < 10; ++guard) {
    auto page =
        obj(client_->get("/products?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor), key_));
    sizes.push_back(page.at("items").as_array().size());
    for (const auto& item : page.at("items").as_array()) seen.insert(str(item.at("id")));
    if (page.at("next_cursor").is_null()) break;
    cursor = str(page.at("next_cursor"));
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 1}));
  EXPECT_EQ(seen.size(), 7u);
  // Newest first.
  auto first = obj(client_->get("/products?limit=1", key_));
  EXPECT_EQ(first.at("items").as_array()[0].at("name").as_string(), "P6");
  expect_error(client_->get("/products?limit=0", key_), 400, "invalid_argument", "limit");
  expect_error(client_->get("/products?limit=501", key_), 400, "invalid_argument", "limit");
  expect_error(client_->get("/products?cursor=!!!", key_), 400, "invalid_argument", "cursor");
}

TEST_F(CrudTest, UnknownRoutesMethodsAndIds) {
  expect_error(client_->get("/nope", key_), 404, "not_found");
  auto r =
      client_->request("PUT", "/consumers", "{}",
                       {{"Authorization", "Bearer " + key_}, {"Content-Type", "application/json"}});
  expect_error(r, 405, "method_not_allowed");
  EXPECT_NE(r.header("allow").find("GET"), std::string::npos);
  expect_error(client_->get("/consumers/not-a-uuid", key_), 404, "not_found");
  expect_error(client_->get("/consumers/0192f1a2-3b4c-7d5e-8f60-718293a4b5c6", key_), 404,
               "not_found");
}

}  // namespace
}  // namespace ca::test
