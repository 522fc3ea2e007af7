// /agents, /invocations, /actions through the real server: validation names the field,
// PATCH replaces triggers, enable/disable, pagination, and another creator's objects 404.
#include <set>

#include "api_fixture.hpp"
#include "domain/ids.hpp"
#include "store/agent_repo.hpp"
#include "store/store.hpp"

namespace ca::test {
namespace {

namespace bj = boost::json;

constexpr const char* kAgentBody =
    R"({"name":"Sales","kind":"generic_sales","config":{},"triggers":[{"event_type":"page_view"},)"
    R"({"event_type":"service_click","filter":{"service_id":"svc_1"}}],"approval":"review"})";

class AgentApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    creator_ = create_creator("ajay");
    key_ = creator_key(creator_);
    other_ = create_creator("bina");
    other_key_ = creator_key(other_);
  }

  bj::object create_agent(const std::string& body = kAgentBody) {
    auto r = client_->post("/agents", body, key_);
    EXPECT_EQ(r.status, 201) << r.body;
    return obj(r);
  }

  // A second store on the same database, for rows no endpoint writes yet.
  std::unique_ptr<store::Store> open_store() {
    store::StoreConfig c;
    c.url = db_->url();
    c.pool_size = 2;
    auto s = store::open_store(c);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }

  void expect_invalid(const std::string& body, const std::string& field) {
    expect_error(client_->post("/agents", body, key_), 400, "invalid_argument", field);
  }

  std::string creator_, key_, other_, other_key_;
};

TEST_F(AgentApiTest, CreateReturnsAgentWithTriggers) {
  auto a = create_agent();
  EXPECT_TRUE(is_uuid(str(a.at("id"))));
  EXPECT_EQ(a.at("creator_id").as_string(), creator_);
  EXPECT_EQ(a.at("name").as_string(), "Sales");
  EXPECT_EQ(a.at("kind").as_string(), "generic_sales");
  EXPECT_TRUE(a.at("config").is_object());
  EXPECT_EQ(a.at("approval").as_string(), "review");
  EXPECT_EQ(a.at("enabled").as_bool(), true);
  const auto& triggers = a.at("triggers").as_array();
  ASSERT_EQ(triggers.size(), 2u);
  EXPECT_TRUE(is_uuid(str(triggers[0].at("id"))));
  EXPECT_EQ(triggers[0].at("event_type").as_string(), "page_view");
  EXPECT_EQ(triggers[0].at("filter"), bj::object{});
  EXPECT_EQ(triggers[1].at("filter").at("service_id").as_string(), "svc_1");
  EXPECT_FALSE(str(a.at("created_at")).empty());

  auto got = client_->get("/agents/" + str(a.at("id")), key_);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(obj(got), a);

  // Defaults: approval auto, enabled; admin must name the creator.
  auto b = create_agent(R"({"name":"B","kind":"generic_sales","triggers":[]})");
  EXPECT_EQ(b.at("approval").as_string(), "auto");
  EXPECT_EQ(b.at("config"), bj::object{});
  expect_error(
      client_->post("/agents", R"({"name":"B","kind":"generic_sales","triggers":[]})", kAdminKey),
      400, "invalid_argument", "creator_id");
  auto admin = client_->post(
      "/agents",
      R"({"name":"B","kind":"generic_sales","triggers":[],"enabled":false,"creator_id":")" +
          other_ + "\"}",
      kAdminKey);
  ASSERT_EQ(admin.status, 201) << admin.body;
  EXPECT_EQ(obj(admin).at("creator_id").as_string(), other_);
  EXPECT_EQ(obj(admin).at("enabled").as_bool(), false);
  // A creator key naming another creator reads as not found.
  expect_error(client_->post("/agents",
                             R"({"name":"B","kind":"generic_sales","triggers":[],"creator_id":")" +
                                 other_ + "\"}",
                             key_),
               404, "not_found");
}

TEST_F(AgentApiTest, CreateValidatesEveryField) {
  expect_invalid(R"({"kind":"generic_sales","triggers":[]})", "name");
  expect_invalid(R"({"name":"A","triggers":[]})", "kind");
  expect_invalid(R"({"name":"A","kind":"telepathy","triggers":[]})", "kind");
  expect_invalid(R"({"name":"A","kind":"generic_sales"})", "triggers");
  expect_invalid(R"({"name":"A","kind":"generic_sales","triggers":{}})", "triggers");
  expect_invalid(R"({"name":"A","kind":"generic_sales","triggers":[1]})", "triggers[0]");
  expect_invalid(R"({"name":"A","kind":"generic_sales","triggers":[{}]})",
                 "triggers[0].event_type");
  expect_invalid(
      R"({"name":"A","kind":"generic_sales","triggers":[{"event_type":"page_view"},{"event_type":"Bad Type"}]})",
      "triggers[1].event_type");
  expect_invalid(
      R"({"name":"A","kind":"generic_sales","triggers":[{"event_type":"page_view","when":1}]})",
      "triggers[0].when");
  expect_invalid(
      R"({"name":"A","kind":"generic_sales","triggers":[{"event_type":"page_view","filter":[1]}]})",
      "triggers[0].filter");
  expect_invalid(
      R"({"name":"A","kind":"generic_sales","triggers":[{"event_type":"page_view","filter":{"x":{"bogus":1}}}]})",
      "triggers[0].filter.x.bogus");
  std::string big_filter = R"({"name":"A","kind":"generic_sales","triggers":[{"event_type":"x",)"
                           R"("filter":{"k":")" +
                           std::string(5000, 'a') + "\"}}]}";
  expect_invalid(big_filter, "triggers[0].filter");
  std::string many = R"({"name":"A","kind":"generic_sales","triggers":[)";
  for (int i = 0; i < 21; ++i) many += std::string(i ? "," : "") + R"({"event_type":"page_view"})";
  expect_invalid(many + "]}", "triggers");
  expect_invalid(R"({"name":"A","kind":"generic_sales","triggers":[],"approval":"maybe"})",
                 "approval");
  expect_invalid(R"({"name":"A","kind":"generic_sales","triggers":[],"enabled":"yes"})", "enabled");
  expect_invalid(R"({"name":"A","kind":"generic_sales","triggers":[],"config":[]})", "config");
  expect_invalid(R"({"name":"A","kind":"generic_sales","triggers":[],"owner":"x"})", "owner");
  std::string big_config = R"({"name":"A","kind":"generic_sales","triggers":[],"config":{"k":")" +
                           std::string(std::size_t{70} * 1024, 'a') + "\"}}";
  expect_invalid(big_config, "config");
  // Config is validated per kind by the agents runtime: a rule agent needs rules.
  auto r =
      client_->post("/agents", R"({"name":"A","kind":"rule","triggers":[],"config":{}})", key_);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(str(obj(r).at("error").at("field")).rfind("config", 0), 0u) << r.body;
  // Nothing was stored.
  EXPECT_TRUE(obj(client_->get("/agents", key_)).at("items").as_array().empty());
}

TEST_F(AgentApiTest, PatchChangesOnlyGivenFieldsAndReplacesTriggers) {
  auto a = create_agent();
  std::string path = "/agents/" + str(a.at("id"));
  auto r = client_->patch(path, R"({"name":"Renamed","approval":"auto"})", key_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto p = obj(r);
  EXPECT_EQ(p.at("name").as_string(), "Renamed");
  EXPECT_EQ(p.at("approval").as_string(), "auto");
  EXPECT_EQ(p.at("triggers"), a.at("triggers"));  // untouched
  EXPECT_EQ(p.at("created_at"), a.at("created_at"));

  r = client_->patch(path, R"({"triggers":[{"event_type":"booking_created"}],"enabled":false})",
                     key_);
  ASSERT_EQ(r.status, 200) << r.body;
  p = obj(r);
  ASSERT_EQ(p.at("triggers").as_array().size(), 1u);
  EXPECT_EQ(p.at("triggers").as_array()[0].at("event_type").as_string(), "booking_created");
  EXPECT_EQ(p.at("enabled").as_bool(), false);
  EXPECT_EQ(obj(client_->get(path, key_)), p);

  expect_error(client_->patch(path, R"({"kind":"rule"})", key_), 400, "invalid_argument", "kind");
  expect_error(client_->patch(path, R"({"name":null})", key_), 400, "invalid_argument", "name");
  expect_error(client_->patch(path, R"({"triggers":[{"event_type":"-"}]})", key_), 400,
               "invalid_argument", "triggers[0].event_type");
  expect_error(client_->patch(path, R"({"config":{"delays":"soon"}})", key_), 400,
               "invalid_argument");
  expect_error(client_->patch(path, R"({"approval":"x"})", key_), 400, "invalid_argument",
               "approval");
  // Failed patches changed nothing.
  EXPECT_EQ(obj(client_->get(path, key_)), p);
}

TEST_F(AgentApiTest, EnableAndDisable) {
  auto a = create_agent();
  std::string path = "/agents/" + str(a.at("id"));
  auto off = client_->request("POST", path + "/disable", "", {{"Authorization", "Bearer " + key_}});
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(obj(off).at("enabled").as_bool(), false);
  EXPECT_EQ(obj(client_->get(path, key_)).at("enabled").as_bool(), false);
  auto on = client_->post(path + "/enable", "{}", key_);
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(obj(on).at("enabled").as_bool(), true);
  expect_error(client_->post(path + "/enable", R"({"force":true})", key_), 400, "invalid_argument",
               "force");
}

TEST_F(AgentApiTest, ListPaginatesNewestFirst) {
  std::vector<std::string> ids;
  ids.reserve(5);
  for (int i = 0; i < 5; ++i) ids.push_back(str(create_agent().at("id")));
  std::vector<std::string> seen;
  std::string cursor;
  for (int guard = 0; guard < 10; ++guard) {
    auto r = client_->get("/agents?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), key_);
    ASSERT_EQ(r.status, 200) << r.body;
    auto page = obj(r);
    for (const auto& a : page.at("items").as_array()) {
      EXPECT_EQ(a.at("triggers").as_array().size(), 2u);
      seen.push_back(str(a.at("id")));
    }
    if (page.at("next_cursor").is_null()) break;
    cursor = str(page.at("next_cursor"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{ids.rbegin(), ids.rend()}));
  EXPECT_TRUE(obj(client_->get("/agents", other_key_)).at("items").as_array().empty());
  EXPECT_EQ(obj(client_->get("/agents", kAdminKey)).at("items").as_array().size(), 5u);
}

TEST_F(AgentApiTest, InvocationsAndActionsListGetAndFilter) {
  auto agent = create_agent();
  std::string agent_id = str(agent.at("id"));
  auto consumer = client_->post("/consumers", R"({"name":"Asha"})", key_);
  ASSERT_EQ(consumer.status, 201) << consumer.body;
  std::string consumer_id = str(obj(consumer).at("id"));

  SystemClock clock;
  SeededRandom random(7);
  IdGenerator ids(clock, random);
  Invocation v1{
      ids.next(), creator_, agent_id,     consumer_id, "",         InvocationStatus::queued,
      "",         "{}",     std::nullopt, clock.now(), clock.now()};
  Invocation v2 = v1;
  v2.id = ids.next();
  v2.consumer_id.reset();
  Action x;
  x.id = ids.next();
  x.creator_id = creator_;
  x.invocation_id = v1.id;
  x.agent_id = agent_id;
  x.consumer_id = consumer_id;
  x.channel = Channel::email;
  x.status = "awaiting_review";
  x.send_at = x.created_at = x.updated_at = clock.now();
  x.message = "Hi Asha";
  {
    auto s = open_store();
    ASSERT_TRUE(s);
    auto tx = s->begin(store::TxMode::write);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->invocations().insert_many({v1, v2}).ok());
    ASSERT_TRUE((*tx)
                    ->invocations()
                    .finish(v1.id, InvocationStatus::completed, "first page view",
                            R"({"planned":1})", std::nullopt, clock.now())
                    .ok());
    ASSERT_TRUE((*tx)->actions().insert_many({x}).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  auto list = obj(client_->get("/invocations", key_));
  ASSERT_EQ(list.at("items").as_array().size(), 2u);
  EXPECT_EQ(list.at("items").as_array()[0].at("id").as_string(), v2.id);
  auto one = client_->get("/invocations/" + v1.id, key_);
  ASSERT_EQ(one.status, 200) << one.body;
  auto inv = obj(one);
  EXPECT_EQ(inv.at("status").as_string(), "completed");
  EXPECT_EQ(inv.at("reason").as_string(), "first page view");
  EXPECT_EQ(inv.at("result").at("planned").as_int64(), 1);
  EXPECT_EQ(inv.at("agent_id").as_string(), agent_id);
  EXPECT_EQ(inv.at("consumer_id").as_string(), consumer_id);
  EXPECT_TRUE(inv.at("event_id").is_null());
  EXPECT_TRUE(inv.at("error").is_null());
  auto filtered = obj(client_->get("/invocations?status=queued", key_)).at("items").as_array();
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].at("id").as_string(), v2.id);
  EXPECT_EQ(obj(client_->get("/invocations?consumer_id=" + consumer_id, key_))
                .at("items")
                .as_array()
                .size(),
            1u);
  EXPECT_EQ(
      obj(client_->get("/invocations?agent_id=" + agent_id, key_)).at("items").as_array().size(),
      2u);
  expect_error(client_->get("/invocations?status=done", key_), 400, "invalid_argument", "status");

  auto actions = obj(client_->get("/actions?agent_id=" + agent_id, key_)).at("items").as_array();
  ASSERT_EQ(actions.size(), 1u);
  const auto& a = actions[0].as_object();
  EXPECT_EQ(a.at("id").as_string(), x.id);
  EXPECT_EQ(a.at("invocation_id").as_string(), v1.id);
  EXPECT_EQ(a.at("consumer_id").as_string(), consumer_id);
  EXPECT_EQ(a.at("channel").as_string(), "email");
  EXPECT_EQ(a.at("type").as_string(), "send_message");
  EXPECT_EQ(a.at("status").as_string(), "awaiting_review");
  EXPECT_EQ(a.at("message").as_string(), "Hi Asha");
  EXPECT_EQ(a.at("attempts").as_int64(), 0);
  EXPECT_TRUE(a.at("skip_reason").is_null());
  EXPECT_TRUE(a.at("template").is_null());
  EXPECT_TRUE(a.contains("send_at"));
  EXPECT_TRUE(a.contains("created_at"));
  auto got = client_->get("/actions/" + x.id, key_);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(obj(got), a);
  EXPECT_TRUE(obj(client_->get("/actions?status=scheduled", key_)).at("items").as_array().empty());
  EXPECT_EQ(
      obj(client_->get("/actions?consumer_id=" + consumer_id, key_)).at("items").as_array().size(),
      1u);
  expect_error(client_->get("/actions?status=lost", key_), 400, "invalid_argument", "status");

  // Another creator sees none of it.
  EXPECT_TRUE(obj(client_->get("/invocations", other_key_)).at("items").as_array().empty());
  EXPECT_TRUE(obj(client_->get("/actions", other_key_)).at("items").as_array().empty());
  expect_error(client_->get("/invocations/" + v1.id, other_key_), 404, "not_found");
  expect_error(client_->get("/actions/" + x.id, other_key_), 404, "not_found");
}

TEST_F(AgentApiTest, AnotherCreatorsAgentIsNotFoundOnEveryRoute) {
  auto a = create_agent();
  std::string path = "/agents/" + str(a.at("id"));
  expect_error(client_->get(path, other_key_), 404, "not_found");
  expect_error(client_->patch(path, R"({"name":"Mine"})", other_key_), 404, "not_found");
  expect_error(client_->post(path + "/enable", "{}", other_key_), 404, "not_found");
  expect_error(client_->post(path + "/disable", "{}", other_key_), 404, "not_found");
  // Unknown and malformed ids too.
  expect_error(client_->get("/agents/not-a-uuid", key_), 404, "not_found");
  expect_error(client_->get("/invocations/not-a-uuid", key_), 404, "not_found");
  expect_error(client_->get("/actions/" + str(a.at("id")), key_), 404, "not_found");
  // Untouched.
  auto mine = obj(client_->get(path, key_));
  EXPECT_EQ(mine.at("name").as_string(), "Sales");
  EXPECT_EQ(mine.at("enabled").as_bool(), true);
  // No key at all.
  expect_error(client_->get("/agents"), 401, "unauthorized");
}

}  // namespace
}  // namespace ca::test
