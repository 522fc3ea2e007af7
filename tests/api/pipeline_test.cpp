// The whole event flow through the real server and its in-process workers: an event is
// stored, the agent's trigger matches inside the ingest transaction, the invocation is
// decided there (or, with AGENT_INLINE_DECISIONS off, by a worker), and the planned
// actions appear — exactly once.
#include <chrono>
#include <thread>

#include "api_fixture.hpp"
#include "store/agent_repo.hpp"
#include "store/store.hpp"

namespace ca::test {
namespace {

namespace bj = boost::json;

class PipelineTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    creator_ = create_creator("ajay");
    key_ = creator_key(creator_);
    auto product = client_->post(
        "/products",
        R"({"name":"Building Agents in Enterprise","type":"cohort","price":{"amount_minor":5000000,"currency":"INR"},"url":"https://topmate.io/ajay_shenoy/cohort"})",
        key_);
    ASSERT_EQ(product.status, 201) << product.body;
    product_id_ = str(obj(product).at("id"));
  }

  std::string create_agent(const std::string& approval) {
    auto r = client_->post(
        "/agents",
        R"({"name":"Sales","kind":"generic_sales","approval":")" + approval +
            R"(","triggers":[{"event_type":"page_view"},{"event_type":"service_click"}]})",
        key_);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(obj(r).at("id"));
  }

  void post_event(const std::string& body) {
    auto r = client_->post("/events", body, key_);
    ASSERT_EQ(r.status, 202) << r.body;
  }

  // Polls until `n` invocations are finished (workers run asynchronously).
  bj::array wait_for_invocations(size_t n) {
    bj::array items;
    for (int i = 0; i < 200; ++i) {
      auto page = obj(client_->get("/invocations?status=completed&limit=500", key_));
      items = page.at("items").as_array();
      if (items.size() >= n) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return items;
  }

  bj::array actions() {
    return obj(client_->get("/actions?limit=500", key_)).at("items").as_array();
  }

  // A counter of GET /metrics.
  long metric(const std::string& name) {
    auto r = client_->get("/metrics", kAdminKey);
    EXPECT_EQ(r.status, 200);
    auto at = r.body.find("\n" + name + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << name << " not in /metrics";
      return -1;
    }
    return std::stol(r.body.substr(at + name.size() + 2));
  }

  void events_become_invocations_and_planned_actions();

  std::string creator_, key_, product_id_;
};

void PipelineTest::events_become_invocations_and_planned_actions() {
  std::string agent = create_agent("auto");
  const std::string who =
      R"("consumer":{"external_id":"v1","name":"Asha","whatsapp":"+919812345678"})";
  post_event("{" + who + R"(,"type":"page_view"})");
  auto first = wait_for_invocations(1);
  ASSERT_EQ(first.size(), 1u) << "the worker never finished the invocation";
  EXPECT_EQ(first[0].at("agent_id").as_string(), agent);
  EXPECT_FALSE(first[0].at("reason").as_string().empty());
  auto a1 = actions();
  ASSERT_EQ(a1.size(), 1u);
  // The send scheduler may already have looked at it: this consumer never gave consent.
  const std::string st(a1[0].at("status").as_string());
  EXPECT_TRUE(st == "scheduled" || st == "skipped") << st;
  if (st == "skipped") {
    EXPECT_EQ(a1[0].at("skip_reason").as_string(), "no_consent");
  }
  EXPECT_EQ(a1[0].at("channel").as_string(), "whatsapp");
  EXPECT_FALSE(a1[0].at("message").as_string().empty());

  // An immediate second view is not a first view and not a return: no new action.
  post_event("{" + who + R"(,"type":"page_view"})");
  ASSERT_EQ(wait_for_invocations(2).size(), 2u);
  EXPECT_EQ(actions().size(), 1u);

  // A click pitches the clicked service, with its name and price from the product.
  post_event("{" + who + R"(,"type":"service_click","payload":{"service_id":")" + product_id_ +
             "\"}}");
  ASSERT_EQ(wait_for_invocations(3).size(), 3u);
  auto a3 = actions();
  ASSERT_EQ(a3.size(), 2u);
  std::string pitch(a3[0].at("message").as_string());
  EXPECT_NE(pitch.find("Building Agents in Enterprise"), std::string::npos) << pitch;

  // Each invocation ran once: no duplicate invocations or actions for one event.
  auto all = obj(client_->get("/invocations?limit=500", key_)).at("items").as_array();
  EXPECT_EQ(all.size(), 3u);

  // The consumer's export holds all of it: three events, three decisions, two messages.
  const std::string consumer(all[0].at("consumer_id").as_string());
  auto exported = obj(client_->get("/consumers/" + consumer + "/export", key_));
  EXPECT_EQ(exported.at("events").as_array().size(), 3u);
  EXPECT_EQ(exported.at("invocations").as_array().size(), 3u);
  EXPECT_EQ(exported.at("actions").as_array().size(), 2u);
  EXPECT_EQ(exported.at("invocations").as_array()[0].at("consumer_id").as_string(), consumer);
}

TEST_F(PipelineTest, EventsBecomeInvocationsAndPlannedActions) {
  events_become_invocations_and_planned_actions();
  // Decided at ingest: the first view's send is due in 30 minutes, which blocks nothing.
  EXPECT_EQ(metric("ca_agent_inline_decisions_total"), 3);
  EXPECT_EQ(metric("ca_worker_jobs_claimed_total"), 0);
}

class QueuedPipelineTest : public PipelineTest {
 protected:
  void SetUp() override {
    inline_decisions_ = false;
    PipelineTest::SetUp();
  }
};

// The same flow with every invocation queued for the in-process workers.
TEST_F(QueuedPipelineTest, EventsBecomeInvocationsAndPlannedActions) {
  events_become_invocations_and_planned_actions();
  EXPECT_EQ(metric("ca_agent_inline_decisions_total"), 0);
  EXPECT_EQ(metric("ca_worker_jobs_claimed_total"), 3);
}

TEST_F(PipelineTest, ReviewAgentsPlanActionsAwaitingReview) {
  create_agent("review");
  post_event(R"({"consumer":{"email":"ravi@example.com"},"type":"page_view"})");
  ASSERT_EQ(wait_for_invocations(1).size(), 1u);
  auto a = actions();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].at("status").as_string(), "awaiting_review");
  EXPECT_EQ(a[0].at("channel").as_string(), "email");
}

TEST_F(PipelineTest, DisabledAgentsAndOtherEventTypesInvokeNothing) {
  std::string agent = create_agent("auto");
  post_event(R"({"consumer":{"external_id":"x"},"type":"email_opened"})");  // no trigger
  ASSERT_EQ(client_->post("/agents/" + agent + "/disable", "", key_).status, 200);
  post_event(R"({"consumer":{"external_id":"x"},"type":"page_view"})");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(obj(client_->get("/invocations", key_)).at("items").as_array().empty());
  EXPECT_TRUE(actions().empty());
}

TEST_F(PipelineTest, ExternalAgentSecretsAreWriteOnly) {
  auto created = client_->post(
      "/agents",
      R"({"name":"Ext","kind":"external_http","config":{"url":"https://agents.example.com/hook","secret":"s3cret-s3cret-s3cret"},"triggers":[]})",
      key_);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body.find("s3cret"), std::string::npos) << created.body;
  auto a = obj(created);
  std::string id = str(a.at("id"));
  // Echoing the redacted config back keeps the stored secret.
  auto patched =
      client_->patch("/agents/" + id, R"({"config":)" + bj::serialize(a.at("config")) + "}", key_);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.body.find("s3cret"), std::string::npos);
  store::StoreConfig sc;
  sc.url = db_->url();
  sc.pool_size = 1;
  auto s = store::open_store(sc);
  ASSERT_TRUE(s.ok());
  auto stored = store::in_tx(**s, store::TxMode::read,
                             [&](store::Tx& tx) { return tx.agents().get(Tenant::admin(), id); });
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(stored->config_json.find("s3cret-s3cret-s3cret"), std::string::npos);
}

}  // namespace
}  // namespace ca::test
