// The whole onboarding flow against a real store (per backend), with a local
// OpenAI-compatible server and a local Topmate-shaped server over real sockets.
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <thread>

#include "jobs/worker_pool.hpp"
#include "llm/openai_client.hpp"
#include "onboarding/onboarding_service.hpp"
#include "onboarding/sources.hpp"
#include "store/agent_repo.hpp"
#include "store/store.hpp"
#include "support/local_http_server.hpp"
#include "support/test_db.hpp"

namespace ca::onboarding {
namespace {

namespace bj = boost::json;
using test::CannedReply;
using test::LocalHttpServer;
using test::ReceivedRequest;

constexpr const char* kApiKey = "sk-test-secret-never-logged";

std::string chat_reply(const std::string& content) {
  return bj::serialize(bj::object{
      {"id", "chatcmpl-1"},
      {"model", "test-model"},
      {"choices",
       bj::array{bj::object{{"index", 0},
                            {"message", bj::object{{"role", "assistant"}, {"content", content}}},
                            {"finish_reason", "stop"}}}},
      {"usage",
       bj::object{{"prompt_tokens", 900}, {"completion_tokens", 300}, {"total_tokens", 1200}}}});
}

std::string profile_content(const std::string& cohort_price, const std::string& pitch) {
  return bj::serialize(bj::object{
      {"llm_summary", "Ajay Shenoy mentors backend engineers into AI engineering."},
      {"sales_pitch", pitch},
      {"target_audience_description", "Software engineers who want to build LLM agents."},
      {"value_propositions", bj::array{"Shipped agents to production", "Rated 4.8/5"}},
      {"services", bj::array{bj::object{{"id", "880101"},
                                        {"name", "Building Agents in Enterprise"},
                                        {"price", cohort_price},
                                        {"description", "Six weeks building a real agent."}}}},
      {"agent_instructions", "Recommend the cohort to engineers with a concrete project."},
      {"objection_handling",
       bj::array{bj::object{{"objection", "Too expensive"},
                            {"response", "The career call is a smaller first step."}}}}});
}

class OnboardingFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<test::TestDatabase>();
    store::StoreConfig sc;
    sc.url = db_->url();
    sc.pool_size = 4;
    auto s = store::open_store(sc);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    auto m = store_->migrate();
    ASSERT_TRUE(m.ok()) << m.error().message;
  }

  std::unique_ptr<llm::LlmClient> llm_client(const LocalHttpServer& server) {
    llm::OpenAiConfig c;
    c.base_url = server.base_url() + "/v1";
    c.api_key = kApiKey;
    c.model = "test-model";
    c.max_attempts = 1;
    c.timeout = std::chrono::seconds(5);
    c.sleep = [](std::chrono::milliseconds) {};
    return llm::make_openai_client(c);
  }

  std::unique_ptr<OnboardingService> service(CreatorSource& src, llm::LlmClient* llm = nullptr) {
    return std::make_unique<OnboardingService>(*store_, clock_, ids_, src, llm, nullptr);
  }

  // Onboards inline (the job body) and returns the finished run.
  store::OnboardingRun onboard(OnboardingService& svc, const std::string& username) {
    auto started = svc.start(StartRequest{username, std::nullopt, std::nullopt}, false);
    EXPECT_TRUE(started.ok()) << (started ? "" : started.error().message);
    if (!started) return {};
    auto r = svc.run(started->onboarding_id);
    EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message);
    auto run = svc.status(Tenant::admin(), started->onboarding_id);
    EXPECT_TRUE(run.ok());
    return run ? *run : store::OnboardingRun{};
  }

  bj::object stored_profile(OnboardingService& svc, const std::string& creator_id) {
    auto p = svc.profile(Tenant::admin(), creator_id);
    EXPECT_TRUE(p.ok()) << (p ? "" : p.error().message);
    if (!p) return {};
    generated_by_ = p->generated_by;
    return bj::parse(p->profile_json).as_object();
  }

  std::vector<Product> products(const std::string& creator_id) {
    auto page = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.products().list(Tenant::creator(creator_id), PageRequest{std::nullopt, 500});
    });
    EXPECT_TRUE(page.ok());
    return page ? page->items : std::vector<Product>{};
  }

  static Money price_of(const bj::object& profile, const std::string& source_id) {
    for (const auto& s : profile.at("services").as_array()) {
      const auto& o = s.as_object();
      if (o.at("source_id").as_string() == source_id) {
        const auto& p = o.at("price").as_object();
        return Money{p.at("amount_minor").as_int64(), std::string(p.at("currency").as_string())};
      }
    }
    ADD_FAILURE() << "no service " << source_id;
    return {};
  }

  std::unique_ptr<test::TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  SystemClock clock_;
  SecureRandom random_;
  IdGenerator ids_{clock_, random_};
  FixtureSource fixtures_{default_fixtures_dir()};
  std::string generated_by_;
};

TEST_F(OnboardingFlow, OfflineThroughTheWorkerPool) {
  auto svc = service(fixtures_);
  auto started = svc->start(StartRequest{"ajay_shenoy", std::nullopt, std::nullopt});
  ASSERT_TRUE(started.ok()) << started.error().message;
  jobs::WorkerPoolOptions o;
  o.threads = 1;
  o.poll_interval = std::chrono::milliseconds(20);
  jobs::WorkerPool pool(*store_, clock_, o);
  svc->register_with(pool);
  pool.start();
  store::OnboardingStatus status = store::OnboardingStatus::processing;
  for (int i = 0; i < 500 && status == store::OnboardingStatus::processing; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto run = svc->status(Tenant::admin(), started->onboarding_id);
    ASSERT_TRUE(run.ok());
    status = run->status;
  }
  pool.stop();
  ASSERT_EQ(status, store::OnboardingStatus::completed);
  bj::object p = stored_profile(*svc, started->creator_id);
  EXPECT_EQ(generated_by_, "offline");
  EXPECT_EQ(price_of(p, "880101"), (Money{5'000'000, "INR"}));
  auto prods = products(started->creator_id);
  EXPECT_EQ(prods.size(), 5u);
  // The creator took the source's name, and the profile's service ids are its products.
  auto creator = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
    return tx.creators().get(Tenant::admin(), started->creator_id);
  });
  ASSERT_TRUE(creator.ok());
  EXPECT_EQ(creator->name, "Ajay Shenoy");
  EXPECT_EQ(creator->external_username, "ajay_shenoy");
  for (const auto& s : p.at("services").as_array()) {
    const std::string id(s.as_object().at("id").as_string());
    EXPECT_TRUE(
        std::any_of(prods.begin(), prods.end(), [&](const Product& x) { return x.id == id; }));
  }
}

TEST_F(OnboardingFlow, GoodModelReplyIsStoredAsTheModels) {
  LocalHttpServer llm_server([](const ReceivedRequest&) {
    return CannedReply{200, chat_reply(profile_content("\u20B950,000", "Build agents that ship."))};
  });
  auto llm = llm_client(llm_server);
  auto svc = service(fixtures_, llm.get());
  auto run = onboard(*svc, "ajay_shenoy");
  ASSERT_EQ(run.status, store::OnboardingStatus::completed) << run.error.value_or("");
  bj::object p = stored_profile(*svc, run.creator_id);
  EXPECT_EQ(generated_by_, "test-model");
  EXPECT_EQ(p.at("sales_pitch").as_string(), "Build agents that ship.");
  EXPECT_EQ(p.at("services").as_array().size(), 5u);  // the model listed one; the source has 5
  EXPECT_EQ(p.at("ratings").as_object().at("total_ratings").as_int64(), 795);
  ASSERT_EQ(llm_server.received().size(), 1u);
  const ReceivedRequest req = llm_server.received().front();
  EXPECT_EQ(req.path, "/v1/chat/completions");
  EXPECT_NE(req.body.find("<<<DATA"), std::string::npos);
  EXPECT_NE(req.body.find("Building Agents in Enterprise"), std::string::npos);
  EXPECT_NE(req.body.find("json_schema"), std::string::npos);
  ASSERT_TRUE(run.usage_json.has_value());
  auto usage = bj::parse(*run.usage_json).as_object();  // jsonb on PostgreSQL: re-spaced
  EXPECT_EQ(usage.at("total_tokens").as_int64(), 1200) << *run.usage_json;
  EXPECT_EQ(usage.at("model").as_string(), "test-model");
  EXPECT_EQ(run.response_json.value_or("").find(kApiKey), std::string::npos);
  EXPECT_EQ(run.usage_json->find(kApiKey), std::string::npos);
}

TEST_F(OnboardingFlow, HallucinatedServicePriceIsReplacedByTheSources) {
  LocalHttpServer llm_server([](const ReceivedRequest&) {
    return CannedReply{200, chat_reply(profile_content("\u20B919,999", "Build agents that ship."))};
  });
  auto llm = llm_client(llm_server);
  auto svc = service(fixtures_, llm.get());
  auto run = onboard(*svc, "ajay_shenoy");
  ASSERT_EQ(run.status, store::OnboardingStatus::completed);
  bj::object p = stored_profile(*svc, run.creator_id);
  EXPECT_EQ(generated_by_, "test-model");
  EXPECT_EQ(price_of(p, "880101"), (Money{5'000'000, "INR"}));
  for (const Product& prod : products(run.creator_id)) {
    EXPECT_NE(prod.price.amount_minor, 1'999'900) << prod.name;
  }
  EXPECT_NE(run.usage_json.value_or("").find("19,999"), std::string::npos)
      << "the correction is logged";
}

TEST_F(OnboardingFlow, PriceInventedInTextTwiceFallsBackToOffline) {
  LocalHttpServer llm_server([](const ReceivedRequest&) {
    return CannedReply{200,
                       chat_reply(profile_content("\u20B950,000", "Today only \u20B929,999!"))};
  });
  auto llm = llm_client(llm_server);
  auto svc = service(fixtures_, llm.get());
  auto run = onboard(*svc, "ajay_shenoy");
  ASSERT_EQ(run.status, store::OnboardingStatus::completed);
  EXPECT_EQ(llm_server.received().size(), 2u) << "one re-ask carrying the validation error";
  EXPECT_NE(llm_server.received().back().body.find("29,999"), std::string::npos);
  bj::object p = stored_profile(*svc, run.creator_id);
  EXPECT_EQ(generated_by_, "offline");
  EXPECT_EQ(bj::serialize(p).find("29,999"), std::string::npos);
  EXPECT_NE(run.response_json.value_or("").find("llm_error"), std::string::npos);
}

TEST_F(OnboardingFlow, RefusalFallsBackToOfflineAndIsRecorded) {
  LocalHttpServer llm_server([](const ReceivedRequest&) {
    return CannedReply{
        200, bj::serialize(bj::object{
                 {"model", "test-model"},
                 {"choices", bj::array{bj::object{
                                 {"index", 0},
                                 {"message", bj::object{{"role", "assistant"},
                                                        {"content", nullptr},
                                                        {"refusal", "I can't help with that."}}},
                                 {"finish_reason", "stop"}}}}})};
  });
  auto llm = llm_client(llm_server);
  auto svc = service(fixtures_, llm.get());
  auto run = onboard(*svc, "priya_careers");
  ASSERT_EQ(run.status, store::OnboardingStatus::completed);
  stored_profile(*svc, run.creator_id);
  EXPECT_EQ(generated_by_, "offline");
  EXPECT_NE(run.response_json.value_or("").find("refused"), std::string::npos)
      << run.response_json.value_or("");
}

TEST_F(OnboardingFlow, UnknownUsernameFails) {
  auto svc = service(fixtures_);
  auto run = onboard(*svc, "no_such_creator");
  EXPECT_EQ(run.status, store::OnboardingStatus::failed);
  EXPECT_NE(run.error.value_or("").find("creator not found"), std::string::npos);
  EXPECT_FALSE(svc->profile(Tenant::admin(), run.creator_id).ok());
}

class TopmateFlow : public OnboardingFlow {
 protected:
  std::unique_ptr<CreatorSource> topmate(
      const LocalHttpServer& server, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    TopmateOptions o;
    o.base_url = server.base_url() + "/";
    o.timeout = timeout;
    o.max_attempts = 2;
    o.backoff = std::chrono::milliseconds(1);
    return make_topmate_source(o);
  }
};

TEST_F(TopmateFlow, Found) {
  LocalHttpServer server([](const ReceivedRequest&) {
    return CannedReply{200, R"({"user_id":1,"username":"live_user","name":"Live User",
      "services":[{"id":11,"title":"Consult","type":"1:1 call","price":750,"currency":"INR"}]})"};
  });
  auto src = topmate(server);
  auto svc = service(*src);
  auto run = onboard(*svc, "live_user");
  ASSERT_EQ(run.status, store::OnboardingStatus::completed) << run.error.value_or("");
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].method, "GET");
  EXPECT_EQ(server.received()[0].path, "/fetchByUsernameAdditionalDetails/");
  EXPECT_EQ(server.received()[0].query, "username=live_user");
  bj::object p = stored_profile(*svc, run.creator_id);
  EXPECT_EQ(price_of(p, "11"), (Money{75000, "INR"}));
}

TEST_F(TopmateFlow, NotFound) {
  LocalHttpServer server([](const ReceivedRequest&) {
    return CannedReply{404, R"({"detail":"no"})"};
  });
  auto src = topmate(server);
  auto svc = service(*src);
  auto run = onboard(*svc, "ghost");
  EXPECT_EQ(run.status, store::OnboardingStatus::failed);
  EXPECT_NE(run.error.value_or("").find("creator not found"), std::string::npos);
  EXPECT_EQ(server.received().size(), 1u) << "a 404 is not retried";
}

TEST_F(TopmateFlow, MalformedJson) {
  LocalHttpServer server([](const ReceivedRequest&) {
    return CannedReply{200, "{\"username\": "};
  });
  auto src = topmate(server);
  auto svc = service(*src);
  auto run = onboard(*svc, "broken");
  EXPECT_EQ(run.status, store::OnboardingStatus::failed);
  EXPECT_NE(run.error.value_or("").find("not valid JSON"), std::string::npos)
      << run.error.value_or("");
}

TEST_F(TopmateFlow, ServerErrorsAreRetriedThenFail) {
  LocalHttpServer server([](const ReceivedRequest&) { return CannedReply{503, "busy"}; });
  auto src = topmate(server);
  auto svc = service(*src);
  auto run = onboard(*svc, "busy_user");
  EXPECT_EQ(run.status, store::OnboardingStatus::failed);
  EXPECT_EQ(server.received().size(), 2u);
  EXPECT_NE(run.error.value_or("").find("HTTP 503"), std::string::npos) << run.error.value_or("");
}

TEST_F(TopmateFlow, SlowSourceTimesOut) {
  LocalHttpServer server([](const ReceivedRequest&) {
    CannedReply r{200, R"({"username":"slow_user"})"};
    r.delay = std::chrono::milliseconds(1500);
    return r;
  });
  auto src = topmate(server, std::chrono::milliseconds(200));
  auto svc = service(*src);
  auto run = onboard(*svc, "slow_user");
  EXPECT_EQ(run.status, store::OnboardingStatus::failed);
  EXPECT_NE(run.error.value_or("").find("timed out"), std::string::npos) << run.error.value_or("");
}

TEST_F(OnboardingFlow, ReonboardingUpdatesInsteadOfDuplicating) {
  auto svc = service(fixtures_);
  auto first = onboard(*svc, "sam_designs");
  auto second = onboard(*svc, "sam_designs");
  ASSERT_EQ(second.status, store::OnboardingStatus::completed);
  EXPECT_EQ(first.creator_id, second.creator_id);
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(products(first.creator_id).size(), 3u);
  auto synced = svc->sync(Tenant::creator(first.creator_id), first.creator_id);
  ASSERT_TRUE(synced.ok()) << synced.error().message;
  ASSERT_TRUE(svc->run(synced->onboarding_id).ok());
  EXPECT_EQ(products(first.creator_id).size(), 3u);
  // Another creator cannot sync this one.
  EXPECT_EQ(svc->sync(Tenant::creator(ids_.next()), first.creator_id).error().code,
            ErrorCode::not_found);
}

TEST_F(OnboardingFlow, DeployTwiceGivesOneAgent) {
  auto svc = service(fixtures_);
  auto run = onboard(*svc, "nisha_invests");
  auto a = svc->deploy_agent(Tenant::admin(), run.creator_id);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(a->created);
  EXPECT_EQ(a->agent.kind, "generic_sales");
  std::vector<std::string> types;
  for (const auto& t : a->agent.triggers) types.push_back(t.event_type);
  EXPECT_EQ(types, (std::vector<std::string>{"page_view", "service_click", "booking_created",
                                             "payment_failed"}));
  auto b = svc->deploy_agent(Tenant::creator(run.creator_id), run.creator_id);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->created);
  EXPECT_EQ(b->agent.id, a->agent.id);
  auto list = svc->agents(Tenant::admin(), run.creator_id, PageRequest{});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->items.size(), 1u);
  EXPECT_EQ(svc->deploy_agent(Tenant::creator(ids_.next()), run.creator_id).error().code,
            ErrorCode::not_found);
}

}  // namespace
}  // namespace ca::onboarding
