// complete_structured through the real client and a local OpenAI-compatible server:
// replies weak servers really send, the schema fit, the caller's validator and the re-ask.
#include "llm/structured.hpp"

#include <gtest/gtest.h>

#include "llm/openai_client.hpp"
#include "llm/schema_fit.hpp"
#include "openai_server.hpp"

namespace ca::llm {
namespace {

using test::CannedReply;
using test::LocalHttpServer;

const char* kSchema = R"({"type":"object","properties":{
  "sales_pitch":{"type":"string"},
  "value_propositions":{"type":"array","items":{"type":"string"},"minItems":1},
  "price_note":{"type":"string"},
  "tone":{"type":"string","enum":["warm","formal"]}},
  "required":["sales_pitch","value_propositions","price_note","tone"],
  "additionalProperties":false})";

ChatRequest profile_request() {
  ChatRequest r;
  r.messages = {{"system", "You write sales profiles."}, {"user", "Creator data: ..."}};
  r.schema_name = "creator_profile";
  r.json_schema = kSchema;
  return r;
}

Result<void> no_invented_prices(const std::string& json) {
  if (json.find("$999") != std::string::npos) {
    return Error::invalid("price_note", "mentions a price that is not in the source data: $999");
  }
  return ok();
}

struct Run {
  Result<StructuredResult> result;
  std::vector<test::ReceivedRequest> requests;
};

Run run(std::vector<CannedReply> replies, const Validator& validate = no_invented_prices) {
  LocalHttpServer server(test::sequence(std::move(replies)));
  auto client = make_openai_client(test::fast_config(server));
  auto result = complete_structured(*client, profile_request(), validate);
  return {std::move(result), server.received()};
}

const std::string kGood =
    R"({"sales_pitch":"Ship your first app","value_propositions":["1:1 reviews"],)"
    R"("price_note":"$99 per call","tone":"warm"})";

bool has_repair(const StructuredResult& r, std::string_view needle) {
  for (const auto& line : r.repairs) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(Structured, GoodReplyIsAcceptedAsIs) {
  auto r = run({test::ok_reply(kGood)});
  ASSERT_TRUE(r.result.ok()) << r.result.error().message;
  EXPECT_EQ(boost::json::parse(r.result->json), boost::json::parse(kGood));
  EXPECT_EQ(r.result->calls, 1);
  EXPECT_TRUE(r.result->repairs.empty());
  EXPECT_EQ(r.result->usage.total_tokens, 18);
  EXPECT_EQ(r.result->last.content, kGood);
  EXPECT_EQ(r.requests.size(), 1u);
}

TEST(Structured, FencedJsonWithProseIsUnwrapped) {
  auto r =
      run({test::ok_reply("Here is the profile:\n```json\n" + kGood + "\n```\nHope it helps!")});
  ASSERT_TRUE(r.result.ok()) << r.result.error().message;
  EXPECT_EQ(boost::json::parse(r.result->json), boost::json::parse(kGood));
  EXPECT_TRUE(has_repair(*r.result, "stripped code fence"));
  EXPECT_EQ(r.result->calls, 1);
}

TEST(Structured, TrailingCommasAreRemoved) {
  auto r = run({test::ok_reply(
      R"({"sales_pitch":"Ship it","value_propositions":["a","b",],"price_note":"$99",)"
      R"("tone":"warm",})")});
  ASSERT_TRUE(r.result.ok()) << r.result.error().message;
  EXPECT_EQ(boost::json::parse(r.result->json).at("value_propositions"),
            boost::json::parse(R"(["a","b"])"));
  EXPECT_TRUE(has_repair(*r.result, "2 trailing comma(s)"));
}

TEST(Structured, RawControlCharactersInsideStringsAreEscaped) {
  auto r =
      run({test::ok_reply("{\"sales_pitch\":\"Line one\nLine\ttwo\x01\",\"value_propositions\":"
                          "[\"a\"],\"price_note\":\"$99\",\"tone\":\"warm\"}")});
  ASSERT_TRUE(r.result.ok()) << r.result.error().message;
  EXPECT_EQ(boost::json::parse(r.result->json).at("sales_pitch"), "Line one\nLine\ttwo");
  EXPECT_TRUE(has_repair(*r.result, "3 raw control character(s)"));
}

TEST(Structured, ArraysAndNumbersWhereStringsBelongAreCoerced) {
  auto r = run(
      {test::ok_reply(R"({"sales_pitch":["Ship it.","Fast."],"value_propositions":"1:1 reviews",)"
                      R"("price_note":99,"tone":"warm"})")});
  ASSERT_TRUE(r.result.ok()) << r.result.error().message;
  auto doc = boost::json::parse(r.result->json);
  EXPECT_EQ(doc.at("sales_pitch"), "Ship it.\nFast.");
  EXPECT_EQ(doc.at("price_note"), "99");
  EXPECT_EQ(doc.at("value_propositions"), boost::json::parse(R"(["1:1 reviews"])"));
  EXPECT_TRUE(has_repair(*r.result, "coerced sales_pitch: array of strings joined"));
  EXPECT_TRUE(has_repair(*r.result, "coerced price_note: number turned into a string"));
  EXPECT_TRUE(has_repair(*r.result, "coerced value_propositions: single string wrapped"));
  EXPECT_EQ(r.result->calls, 1);
}

TEST(Structured, ValidatorFailureIsReAskedOnceWithTheError) {
  std::string bad =
      R"({"sales_pitch":"Ship it","value_propositions":["a"],"price_note":"$999 only",)"
      R"("tone":"warm"})";
  auto r = run({test::ok_reply(bad), test::ok_reply(kGood)});
  ASSERT_TRUE(r.result.ok()) << r.result.error().message;
  EXPECT_EQ(boost::json::parse(r.result->json), boost::json::parse(kGood));
  EXPECT_EQ(r.result->calls, 2);
  EXPECT_EQ(r.result->usage.total_tokens, 36);  // summed over both calls
  EXPECT_TRUE(has_repair(*r.result, "re-asked: price_note: mentions a price"));
  ASSERT_EQ(r.requests.size(), 2u);
  auto second_body = test::body_of(r.requests[1]);
  const auto& msgs = second_body["messages"].as_array();
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[2].at("role"), "assistant");
  EXPECT_EQ(msgs[2].at("content").as_string(), bad);
  EXPECT_EQ(msgs[3].at("role"), "user");
  EXPECT_EQ(msgs[3].at("content"),
            "Your previous reply was invalid: price_note: mentions a price that is not in the "
            "source data: $999. Reply with only the corrected JSON object.");
}

TEST(Structured, SchemaViolationIsReAskedWithTheFieldPath) {
  auto r = run({test::ok_reply(R"({"sales_pitch":"Ship it","value_propositions":[],)"
                               R"("price_note":"$99","tone":"angry"})"),
                test::ok_reply(kGood)});
  ASSERT_TRUE(r.result.ok()) << r.result.error().message;
  EXPECT_EQ(r.result->calls, 2);
  std::string second(
      test::body_of(r.requests.at(1))["messages"].as_array().back().at("content").as_string());
  EXPECT_NE(second.find("value_propositions: needs at least 1 item(s)"), std::string::npos)
      << second;
}

TEST(Structured, SecondFailureIsInvalidArgument) {
  auto r = run({test::ok_reply("I cannot produce JSON today.")});
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(r.result.error().message.find("still invalid after a re-ask"), std::string::npos);
  EXPECT_NE(r.result.error().message.find("no JSON object"), std::string::npos);
  EXPECT_EQ(r.requests.size(), 2u);
}

TEST(Structured, ClientErrorsAreNotReAsked) {
  auto r = run({test::reply(200, R"({"choices":[{"index":0,"message":{"role":"assistant",)"
                                 R"("content":null,"refusal":"No."},"finish_reason":"stop"}]})")});
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().message, "model refused: No.");
  EXPECT_EQ(r.requests.size(), 1u);
}

TEST(Structured, ValidatorErrorsOtherThanInvalidArgumentStopAtOnce) {
  auto r = run({test::ok_reply(kGood)},
               [](const std::string&) -> Result<void> { return Error::internal("store down"); });
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().code, ErrorCode::internal);
  EXPECT_EQ(r.requests.size(), 1u);
}

// The lenient parser on its own: input → (output or error, repairs).
TEST(LenientJson, Table) {
  struct Case {
    std::string in;
    std::string want;  // empty → error
    std::size_t repairs;
  };
  std::vector<Case> cases = {
      {R"({"a":1})", R"({"a":1})", 0},
      {"  {\"a\" : 1}\n", R"({"a":1})", 0},
      {"```\n{\"a\":1}\n```", R"({"a":1})", 1},
      {"```json\n{\"a\":1}", R"({"a":1})", 1},                             // unclosed fence
      {"Sure! {\"a\":{\"b\":[1,2,]},} Done.", R"({"a":{"b":[1,2]}})", 2},  // prose, commas
      {"{\"a\":\"x, }\"}", R"({"a":"x, }"})", 0},                          // comma inside a string
      {"{\"a\":\"x,\n}\"}", R"({"a":"x,\n}"})", 1},                        // ...and a raw newline
      {"{\xE2\x80\x9C"
       "a\xE2\x80\x9D: \xE2\x80\x9C"
       "say \"hi\"\xE2\x80\x9D}",
       R"({"a":"say \"hi\""})", 1},  // smart quotes
      {"{\"a\":\"\xE2\x80\x9Cquoted\xE2\x80\x9D\"}", "{\"a\":\"\xE2\x80\x9Cquoted\xE2\x80\x9D\"}",
       0},  // smart quotes as content
      {"", "", 0},
      {"no json here", "", 0},
      {"[1,2]", "", 0},
      {"{\"a\":}", "", 0},
      {"} backwards {", "", 0},
  };
  for (const auto& c : cases) {
    std::vector<std::string> repairs;
    auto got = lenient_json_object(c.in, repairs);
    if (c.want.empty()) {
      EXPECT_FALSE(got.ok()) << c.in;
      if (!got.ok()) {
        EXPECT_EQ(got.error().code, ErrorCode::invalid_argument);
      }
      continue;
    }
    ASSERT_TRUE(got.ok()) << c.in << " → " << got.error().message;
    EXPECT_EQ(boost::json::parse(*got), boost::json::parse(c.want)) << c.in;
    EXPECT_EQ(repairs.size(), c.repairs) << c.in;
  }
}

TEST(SchemaFit, ChecksNestedFieldsWithPaths) {
  auto schema = boost::json::parse(R"({"type":"object","required":["services"],"properties":{
    "services":{"type":"array","items":{"type":"object","required":["name","minutes"],
      "additionalProperties":false,
      "properties":{"name":{"type":"string","minLength":1},"minutes":{"type":["integer","null"]}}}}}})")
                    .as_object();
  auto check = [&](const char* json) { return check_schema(boost::json::parse(json), schema); };
  EXPECT_TRUE(
      check(R"({"services":[{"name":"Call","minutes":30},{"name":"x","minutes":null}]})").ok());
  EXPECT_EQ(check(R"({})").error().field, "services");
  EXPECT_EQ(check(R"({"services":[{"name":"Call"}]})").error().field, "services[0].minutes");
  EXPECT_EQ(check(R"({"services":[{"name":"","minutes":1}]})").error().field, "services[0].name");
  EXPECT_EQ(check(R"({"services":[{"name":"a","minutes":1.5}]})").error().field,
            "services[0].minutes");
  EXPECT_EQ(check(R"({"services":[{"name":"a","minutes":1,"extra":true}]})").error().field,
            "services[0].extra");
  EXPECT_EQ(check(R"({"services":{}})").error().field, "services");
  EXPECT_EQ(check(R"([])").error().field, "reply");
}

}  // namespace
}  // namespace ca::llm
