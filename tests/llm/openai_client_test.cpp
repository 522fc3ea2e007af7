// The Chat Completions client against a local OpenAI-compatible server: what goes on the
// wire for each model family and output mode, and how replies, errors and retries come back.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "llm/openai_client.hpp"
#include "llm/openai_wire.hpp"
#include "openai_server.hpp"

namespace ca::llm {
namespace {

using std::chrono::milliseconds;
using test::CannedReply;
using test::LocalHttpServer;

const char* kSchema =
    R"({"type":"object","properties":{"pitch":{"type":"string"}},"required":["pitch"],)"
    R"("additionalProperties":false})";

ChatRequest profile_request() {
  ChatRequest r;
  r.messages = {{"system", "You write sales profiles."}, {"user", "Creator data: ..."}};
  r.schema_name = "creator_profile";
  r.json_schema = kSchema;
  r.temperature = 0.2;
  r.max_output_tokens = 1500;
  return r;
}

TEST(OpenAiClient, SendsChatCompletionsWithJsonSchemaForGpt4oMini) {
  LocalHttpServer server(
      [](const test::ReceivedRequest&) { return test::ok_reply(R"({"pitch":"Learn to code"})"); });
  auto client = make_openai_client(test::fast_config(server));
  auto reply = client->complete(profile_request());
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->content, R"({"pitch":"Learn to code"})");
  EXPECT_EQ(reply->finish_reason, "stop");
  EXPECT_EQ(reply->model, "served-model");
  EXPECT_EQ(reply->usage.prompt_tokens, 11);
  EXPECT_EQ(reply->usage.completion_tokens, 7);
  EXPECT_EQ(reply->usage.total_tokens, 18);
  EXPECT_EQ(reply->attempts, 1);

  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, "/v1/chat/completions");
  EXPECT_EQ(got[0].headers["authorization"], std::string("Bearer ") + test::kTestApiKey);
  EXPECT_EQ(got[0].headers["content-type"], "application/json");
  auto body = test::body_of(got[0]);
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["max_tokens"], 1500);
  EXPECT_FALSE(body.contains("max_completion_tokens"));
  EXPECT_EQ(body["temperature"], 0.2);
  EXPECT_FALSE(body.contains("reasoning_effort"));
  const auto& rf = body["response_format"].as_object();
  EXPECT_EQ(rf.at("type"), "json_schema");
  EXPECT_EQ(rf.at("json_schema").at("name"), "creator_profile");
  EXPECT_EQ(rf.at("json_schema").at("strict"), true);
  EXPECT_EQ(rf.at("json_schema").at("schema"), boost::json::parse(kSchema));
  const auto& msgs = body["messages"].as_array();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].at("role"), "system");
  EXPECT_EQ(msgs[0].at("content"), "You write sales profiles.");
  EXPECT_EQ(msgs[1].at("content"), "Creator data: ...");
}

TEST(OpenAiClient, Gpt5GetsMaxCompletionTokensNoTemperatureAndReasoningEffort) {
  LocalHttpServer server([](const test::ReceivedRequest&) { return test::ok_reply("{}"); });
  auto config = test::fast_config(server);
  config.model = "gpt-5-mini";
  config.reasoning_effort = "low";
  auto client = make_openai_client(config);
  ASSERT_TRUE(client->complete(profile_request()).ok());
  auto body = test::body_of(server.received().at(0));
  EXPECT_EQ(body["model"], "gpt-5-mini");
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_EQ(body["max_completion_tokens"], 1500 + kReasoningBudgetTokens);
  EXPECT_EQ(body["reasoning_effort"], "low");
}

TEST(OpenAiClient, ReasoningEffortIsNotSentToNonReasoningModels) {
  LocalHttpServer server([](const test::ReceivedRequest&) { return test::ok_reply("{}"); });
  auto config = test::fast_config(server);
  config.reasoning_effort = "high";
  auto client = make_openai_client(config);
  ASSERT_TRUE(client->complete(profile_request()).ok());
  EXPECT_FALSE(test::body_of(server.received().at(0)).contains("reasoning_effort"));
}

TEST(OpenAiClient, ReasoningModelFamilies) {
  for (const char* m :
       {"gpt-5", "gpt-5-nano", "o1", "o1-mini", "o3-mini", "o4-mini", "openai/gpt-5.1"}) {
    EXPECT_TRUE(is_reasoning_model(m)) << m;
  }
  for (const char* m : {"gpt-4o-mini", "gpt-4.1", "llama3.1:8b", "qwen2.5", "gpt-oss-20b"}) {
    EXPECT_FALSE(is_reasoning_model(m)) << m;
  }
}

TEST(OpenAiClient, JsonObjectModePutsSchemaInTheSystemMessage) {
  LocalHttpServer server([](const test::ReceivedRequest&) { return test::ok_reply("{}"); });
  auto config = test::fast_config(server);
  config.mode = OutputMode::json_object;
  auto client = make_openai_client(config);
  ASSERT_TRUE(client->complete(profile_request()).ok());
  auto body = test::body_of(server.received().at(0));
  EXPECT_EQ(body["response_format"], boost::json::parse(R"({"type":"json_object"})"));
  const auto& msgs = body["messages"].as_array();
  ASSERT_EQ(msgs.size(), 2u);  // merged into the one system message
  std::string system(msgs[0].at("content").as_string());
  EXPECT_NE(system.find("You write sales profiles."), std::string::npos);
  EXPECT_NE(system.find("JSON Schema"), std::string::npos);
  EXPECT_NE(system.find(R"("required":["pitch"])"), std::string::npos);
}

TEST(OpenAiClient, PromptModeSendsNoResponseFormat) {
  LocalHttpServer server([](const test::ReceivedRequest&) { return test::ok_reply("{}"); });
  auto config = test::fast_config(server);
  config.mode = OutputMode::prompt;
  auto client = make_openai_client(config);
  auto request = profile_request();
  request.messages = {{"user", "Creator data: ..."}};  // no system message of its own
  ASSERT_TRUE(client->complete(request).ok());
  auto body = test::body_of(server.received().at(0));
  EXPECT_FALSE(body.contains("response_format"));
  const auto& msgs = body["messages"].as_array();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].at("role"), "system");
  std::string system(msgs[0].at("content").as_string());
  EXPECT_NE(system.find("Reply with only a JSON object"), std::string::npos);
  EXPECT_NE(system.find(R"("pitch")"), std::string::npos);
}

TEST(OpenAiClient, PlainTextWhenNoSchema) {
  LocalHttpServer server([](const test::ReceivedRequest&) { return test::ok_reply("hello"); });
  auto client = make_openai_client(test::fast_config(server));
  ChatRequest r;
  r.messages = {{"user", "Say hello"}};
  auto reply = client->complete(r);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->content, "hello");
  auto body = test::body_of(server.received().at(0));
  EXPECT_FALSE(body.contains("response_format"));
  EXPECT_EQ(body["messages"].as_array().size(), 1u);
}

TEST(OpenAiClient, RejectsABadSchemaWithoutCallingTheServer) {
  LocalHttpServer server([](const test::ReceivedRequest&) { return test::ok_reply("{}"); });
  auto client = make_openai_client(test::fast_config(server));
  auto r = profile_request();
  r.json_schema = "{not json";
  auto reply = client->complete(r);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(reply.error().field, "json_schema");
  EXPECT_EQ(server.requests(), 0);
}

TEST(OpenAiClient, RetriesA429HonouringRetryAfterSeconds) {
  CannedReply busy =
      test::reply(429, R"({"error":{"message":"Rate limit reached","type":"requests"}})");
  busy.headers = {{"Retry-After", "3"}};
  LocalHttpServer server(test::sequence({busy, test::ok_reply(R"({"pitch":"x"})")}));
  std::vector<milliseconds> sleeps;
  auto client = make_openai_client(test::fast_config(server, &sleeps));
  auto reply = client->complete(profile_request());
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->attempts, 2);
  EXPECT_EQ(server.requests(), 2);
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_EQ(sleeps[0], milliseconds(3000));
}

TEST(OpenAiClient, RetryAfterHttpDateIsRelativeToTheInjectedClock) {
  CannedReply busy = test::reply(429, "{}");
  busy.headers = {{"Retry-After", "Wed, 25 Nov 2026 10:00:02 GMT"}};
  LocalHttpServer server(test::sequence({busy, test::ok_reply("{}")}));
  std::vector<milliseconds> sleeps;
  auto config = test::fast_config(server, &sleeps);
  ManualClock clock(*parse_rfc3339("2026-11-25T10:00:00.500Z"));
  config.clock = &clock;
  auto client = make_openai_client(config);
  ASSERT_TRUE(client->complete(profile_request()).ok());
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_EQ(sleeps[0], milliseconds(1500));
}

TEST(OpenAiClient, RetryAfterIsCappedAtMaxBackoff) {
  CannedReply busy = test::reply(503, "{}");
  busy.headers = {{"Retry-After", "600"}};
  LocalHttpServer server(test::sequence({busy, test::ok_reply("{}")}));
  std::vector<milliseconds> sleeps;
  auto config = test::fast_config(server, &sleeps);
  config.max_backoff = milliseconds(250);
  auto client = make_openai_client(config);
  ASSERT_TRUE(client->complete(profile_request()).ok());
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_EQ(sleeps[0], milliseconds(250));
}

TEST(OpenAiClient, Retries500ThenSucceedsWithExponentialBackoff) {
  CannedReply broken = test::reply(500, R"({"error":{"message":"The server had an error"}})");
  LocalHttpServer server(test::sequence({broken, broken, test::ok_reply("{}")}));
  std::vector<milliseconds> sleeps;
  auto config = test::fast_config(server, &sleeps);
  config.base_backoff = milliseconds(100);
  config.jitter = [] { return 0.5; };
  auto client = make_openai_client(config);
  auto reply = client->complete(profile_request());
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->attempts, 3);
  // Equal jitter: half fixed, half spread; unit 0.5 → 75% of 100 ms, then of 200 ms.
  EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(75), milliseconds(150)}));
}

TEST(OpenAiClient, GivesUpAfterMaxAttemptsOn5xx) {
  LocalHttpServer server([](const test::ReceivedRequest&) {
    return test::reply(503, R"({"error":{"message":"Overloaded"}})");
  });
  auto client = make_openai_client(test::fast_config(server));
  auto reply = client->complete(profile_request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::unavailable);
  EXPECT_NE(reply.error().message.find("503"), std::string::npos);
  EXPECT_NE(reply.error().message.find("Overloaded"), std::string::npos);
  EXPECT_NE(reply.error().message.find("after 3 attempts"), std::string::npos);
  EXPECT_EQ(server.requests(), 3);
}

TEST(OpenAiClient, TimeoutsAreRetriedThenUnavailable) {
  CannedReply slow = test::ok_reply("{}");
  slow.delay = milliseconds(300);
  LocalHttpServer server([slow](const test::ReceivedRequest&) { return slow; });
  auto config = test::fast_config(server);
  config.timeout = milliseconds(60);
  config.max_attempts = 2;
  auto client = make_openai_client(config);
  auto reply = client->complete(profile_request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::unavailable);
  EXPECT_NE(reply.error().message.find("timed out"), std::string::npos) << reply.error().message;
  EXPECT_NE(reply.error().message.find("after 2 attempts"), std::string::npos);
}

TEST(OpenAiClient, ConnectionRefusedIsUnavailable) {
  // A bound socket that never listens: connects to its port are refused, and the port
  // cannot be handed to anyone else while we hold it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  LocalHttpServer unused([](const test::ReceivedRequest&) { return test::ok_reply("{}"); });
  auto config = test::fast_config(unused);
  config.base_url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1";
  auto reply = make_openai_client(config)->complete(profile_request());
  ::close(fd);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::unavailable);
  EXPECT_NE(reply.error().message.find("LLM request failed"), std::string::npos);
  EXPECT_NE(reply.error().message.find("after 3 attempts"), std::string::npos);
  EXPECT_EQ(unused.requests(), 0);
}

TEST(OpenAiClient, A400IsNotRetriedAndCarriesTheServersMessage) {
  LocalHttpServer server([](const test::ReceivedRequest&) {
    return test::reply(400, R"({"error":{"message":"Unsupported parameter: 'max_tokens'","type":)"
                            R"("invalid_request_error","param":"max_tokens"}})");
  });
  auto reply = make_openai_client(test::fast_config(server))->complete(profile_request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(reply.error().message.find("Unsupported parameter: 'max_tokens'"), std::string::npos);
  EXPECT_EQ(server.requests(), 1);
}

TEST(OpenAiClient, A401NeverEchoesTheApiKey) {
  LocalHttpServer server([](const test::ReceivedRequest&) {
    return test::reply(401, std::string(R"({"error":{"message":"Incorrect API key provided: )") +
                                test::kTestApiKey + R"(."}})");
  });
  auto reply = make_openai_client(test::fast_config(server))->complete(profile_request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::unavailable);
  EXPECT_NE(reply.error().message.find("401"), std::string::npos);
  EXPECT_EQ(reply.error().message.find(test::kTestApiKey), std::string::npos);
  EXPECT_NE(reply.error().message.find("[redacted]"), std::string::npos);
  EXPECT_EQ(server.requests(), 1);
}

TEST(OpenAiClient, RefusalIsAnError) {
  LocalHttpServer server([](const test::ReceivedRequest&) {
    return test::reply(200, R"({"choices":[{"index":0,"message":{"role":"assistant",)"
                            R"("content":null,"refusal":"I can't help with that."},)"
                            R"("finish_reason":"stop"}]})");
  });
  auto reply = make_openai_client(test::fast_config(server))->complete(profile_request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(reply.error().message, "model refused: I can't help with that.");
  EXPECT_EQ(server.requests(), 1);
}

TEST(OpenAiClient, FinishReasonLengthSaysOutputWasTruncated) {
  LocalHttpServer server([](const test::ReceivedRequest&) {
    return test::reply(200, test::chat_reply(R"({"pitch":"Learn to)", "length", 50, 1500));
  });
  auto reply = make_openai_client(test::fast_config(server))->complete(profile_request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(reply.error().message.find("truncated"), std::string::npos);
  EXPECT_NE(reply.error().message.find("max_output_tokens"), std::string::npos);
}

TEST(OpenAiClient, GarbageBodyIsAClearError) {
  LocalHttpServer server([](const test::ReceivedRequest&) {
    return test::reply(200, "<html>bad gateway</html>", "text/html");
  });
  auto reply = make_openai_client(test::fast_config(server))->complete(profile_request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(reply.error().message.find("malformed reply"), std::string::npos);
  EXPECT_NE(reply.error().message.find("<html>"), std::string::npos);
}

TEST(OpenAiClient, MissingChoicesIsAClearError) {
  LocalHttpServer server(
      [](const test::ReceivedRequest&) { return test::reply(200, R"({"choices":[]})"); });
  auto reply = make_openai_client(test::fast_config(server))->complete(profile_request());
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.error().message.find("no choices"), std::string::npos);
}

TEST(OpenAiClient, TrailingSlashInBaseUrlIsTolerated) {
  LocalHttpServer server([](const test::ReceivedRequest&) { return test::ok_reply("{}"); });
  auto config = test::fast_config(server);
  config.base_url += "/";
  ASSERT_TRUE(make_openai_client(config)->complete(profile_request()).ok());
  EXPECT_EQ(server.received().at(0).path, "/v1/chat/completions");
}

TEST(OutputModeText, RoundTrips) {
  for (auto m : {OutputMode::json_schema, OutputMode::json_object, OutputMode::prompt}) {
    EXPECT_EQ(parse_output_mode(to_string(m)), m);
  }
  EXPECT_FALSE(parse_output_mode("json").has_value());
}

}  // namespace
}  // namespace ca::llm
