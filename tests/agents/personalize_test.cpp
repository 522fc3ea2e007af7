// Planned messages personalised through the real OpenAI-compatible client and a local
// server: an accepted text replaces the agent's, an invented price keeps the agent's, and
// the channel never changes.
#include "agents/personalize.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "agent_test_support.hpp"
#include "llm/openai_client.hpp"
#include "support/local_http_server.hpp"

namespace ca::agents::test {
namespace {

namespace bj = boost::json;
using ca::test::CannedReply;
using ca::test::LocalHttpServer;
using ca::test::ReceivedRequest;

CannedReply chat(const std::string& message_text) {
  bj::object body{
      {"id", "chatcmpl-1"},
      {"model", "served-model"},
      {"choices",
       bj::array{bj::object{{"index", 0},
                            {"message", bj::object{{"role", "assistant"},
                                                   {"content", bj::serialize(bj::object{
                                                                   {"message", message_text}})}}},
                            {"finish_reason", "stop"}}}},
      {"usage", bj::object{{"prompt_tokens", 5}, {"completion_tokens", 5}, {"total_tokens", 10}}}};
  CannedReply r;
  r.body = bj::serialize(body);
  return r;
}

struct Fixture {
  Creator creator;
  Consumer consumer;
  std::vector<Product> products;
  Decision decision;
  Fixture() {
    creator.id = "cr_1";
    creator.name = "Asha Rao";
    consumer.id = "co_1";
    consumer.name = "Ravi Kumar";
    products = {product("svc_1", "Career Strategy Call", 199900, "https://topmate.io/asha/1")};
    PlannedAction p;
    p.channel = Channel::whatsapp;
    p.message = "Hi Ravi, the Career Strategy Call (₹1,999): https://topmate.io/asha/1";
    p.metadata_json = R"({"rule":"service_click","service_id":"svc_1"})";
    decision.act = true;
    decision.reason = "clicked Career Strategy Call";
    decision.actions = {p};
  }
  void run(LocalHttpServer& server) {
    llm::OpenAiConfig cfg;
    cfg.base_url = server.base_url() + "/v1";
    cfg.api_key = "sk-test";
    cfg.model = "gpt-4o-mini";
    cfg.timeout = std::chrono::milliseconds(2000);
    cfg.max_attempts = 1;
    auto client = llm::make_openai_client(cfg);
    personalize(*client, PersonalizeInput{creator, &consumer, products, "Career coach."}, decision);
  }
  bj::object meta() const { return bj::parse(decision.actions[0].metadata_json).as_object(); }
};

TEST(Personalize, AnAcceptedTextReplacesTheAgentsAndSaysWhoWroteIt) {
  const std::string good =
      "Ravi, Asha here. The Career Strategy Call (₹1,999) turns your plan into next steps: "
      "https://topmate.io/asha/1";
  LocalHttpServer server([&](const ReceivedRequest&) { return chat(good); });
  Fixture f;
  f.run(server);
  EXPECT_EQ(f.decision.actions[0].message, good);
  EXPECT_EQ(f.decision.actions[0].channel, Channel::whatsapp);
  EXPECT_EQ(f.meta().at("composed_by").as_string(), "gpt-4o-mini");
  EXPECT_FALSE(f.meta().at("fell_back").as_bool());
  EXPECT_EQ(f.meta().at("service_id").as_string(), "svc_1");  // kept
  ASSERT_EQ(server.requests(), 1);
  // The profile text and the service's real price went to the model.
  const std::string sent = server.received()[0].body;
  EXPECT_NE(sent.find("Career coach."), std::string::npos);
  EXPECT_NE(sent.find("₹1,999"), std::string::npos);
}

TEST(Personalize, AnInventedPriceKeepsTheAgentsTextAndRecordsWhy) {
  LocalHttpServer server([](const ReceivedRequest&) {
    return chat("Ravi, only today the call is ₹499! https://topmate.io/asha/1");
  });
  Fixture f;
  const std::string original = f.decision.actions[0].message;
  f.run(server);
  EXPECT_EQ(f.decision.actions[0].message, original);
  EXPECT_TRUE(f.meta().at("fell_back").as_bool());
  EXPECT_EQ(f.meta().at("composed_by").as_string(), "offline");
  EXPECT_FALSE(f.meta().at("fallback_reason").as_string().empty());
}

TEST(Personalize, ProfileTextTakesSummaryAndPitch) {
  EXPECT_EQ(profile_text_of(R"({"llm_summary":"A.","sales_pitch":"B.","x":1})"), "A.\n\nB.");
  EXPECT_EQ(profile_text_of("not json"), "");
}

}  // namespace
}  // namespace ca::agents::test
