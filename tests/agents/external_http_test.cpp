// The external_http agent against a real local HTTP server (blocking sockets, one thread),
// through the real libcurl client.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "agent_test_support.hpp"
#include "agents/external_http.hpp"
#include "agents/registry.hpp"
#include "net/http_client.hpp"
#include "net/target_guard.hpp"
#include "support/local_http_server.hpp"

namespace ca::agents::test {
namespace {

namespace bj = boost::json;
constexpr const char* kT0 = "2026-11-24T10:00:00Z";
constexpr const char* kSecret = "s3cret-s3cret-s3cret";

using Received = ca::test::ReceivedRequest;
using Reply = ca::test::CannedReply;

// The shared local server (tests/support), answering on /agent.
class LocalServer : public ca::test::LocalHttpServer {
 public:
  using LocalHttpServer::LocalHttpServer;
  std::string url() const { return base_url() + "/agent"; }
};

std::string config_for(const std::string& url, int timeout_ms = 2000) {
  return R"({"url":")" + url + R"(","secret":")" + kSecret + R"(","timeout_ms":)" +
         std::to_string(timeout_ms) + "}";
}

// Computed here with OpenSSL directly, not with the code under test.
std::string expected_signature(const std::string& body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret, static_cast<int>(std::strlen(kSecret)),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(), &len);
  std::string hex;
  char b[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", mac[i]);
    hex += b;
  }
  return "sha256=" + hex;
}

TEST(ExternalHttp, SignedRequestAndActionsFromTheResponse) {
  std::mutex mu;
  Received seen;
  LocalServer server([&](const Received& r) {
    std::lock_guard lock(mu);
    seen = r;
    if (r.headers.count("x-signature") == 0 ||
        r.headers.at("x-signature") != expected_signature(r.body)) {
      return Reply{401, R"({"error":"bad signature"})"};
    }
    return Reply{200, R"({"act":true,"reason":"vip","actions":[
        {"channel":"email","delay_minutes":5,"message":"Hello\nfrom outside"},
        {"channel":"whatsapp","send_at":"2026-11-24T12:00:00Z","message":"Second"}]})"};
  });
  Scenario s("external_http", config_for(server.url()));
  s.options.allow_private_targets = true;
  Decision d = ok_decision(s.feed("service_click", R"({"service_id":"svc_1"})", at(kT0)));
  ASSERT_TRUE(d.act) << d.reason;
  EXPECT_EQ(d.reason, "vip");
  ASSERT_EQ(d.actions.size(), 2U);
  EXPECT_EQ(d.actions[0].channel, Channel::email);
  EXPECT_EQ(d.actions[0].send_at, at(kT0) + std::chrono::minutes{5});
  EXPECT_EQ(d.actions[0].message, "Hello\nfrom outside");
  EXPECT_EQ(d.actions[1].channel, Channel::whatsapp);
  EXPECT_EQ(d.actions[1].send_at, at("2026-11-24T12:00:00Z"));

  std::lock_guard lock(mu);
  EXPECT_EQ(seen.headers["content-type"], "application/json");
  EXPECT_EQ(seen.headers["x-timestamp"], "1795514400");  // 2026-11-24T10:00:00Z
  bj::value body = bj::parse(seen.body);
  EXPECT_EQ(body.at("event").at("type").as_string(), "service_click");
  EXPECT_EQ(body.at("event").at("payload").at("service_id").as_string(), "svc_1");
  EXPECT_EQ(body.at("context").at("before").at("stage").as_string(), "new");
  EXPECT_EQ(body.at("context").at("after").at("metrics").at("service_clicks").as_int64(), 1);
  EXPECT_EQ(body.at("consumer").at("name").as_string(), "Ravi Kumar");
  EXPECT_EQ(body.at("creator").at("name").as_string(), "Asha Rao");
  EXPECT_EQ(body.at("profile").at("services").as_array().size(), 3U);
}

TEST(ExternalHttp, BadResponsesAreErrorsNotCrashes) {
  struct Case {
    Reply reply;
    ErrorCode code;
    const char* field;
  };
  const std::vector<Case> cases = {
      {{200, "not json"}, ErrorCode::invalid_argument, "response"},
      {{200, "[]"}, ErrorCode::invalid_argument, "response"},
      {{200, R"({"reason":"x"})"}, ErrorCode::invalid_argument, "response.act"},
      {{200, R"({"act":"yes"})"}, ErrorCode::invalid_argument, "response.act"},
      {{200, R"({"act":false,"extra":1})"}, ErrorCode::invalid_argument, "response.extra"},
      {{200, R"({"act":true})"}, ErrorCode::invalid_argument, "response.actions"},
      {{200, R"({"act":true,"actions":{}})"}, ErrorCode::invalid_argument, "response.actions"},
      {{200, R"({"act":true,"actions":[{"channel":"fax","message":"x"}]})"},
       ErrorCode::invalid_argument,
       "response.actions[0].channel"},
      {{200, R"({"act":true,"actions":[{"channel":"email","message":""}]})"},
       ErrorCode::invalid_argument,
       "response.actions[0].message"},
      {{200, R"({"act":true,"actions":[{"channel":"email","message":"x","send_at":"soon"}]})"},
       ErrorCode::invalid_argument,
       "response.actions[0].send_at"},
      {{200, R"({"act":true,"actions":[{"channel":"email","message":"x","delay_minutes":-1}]})"},
       ErrorCode::invalid_argument,
       "response.actions[0].delay_minutes"},
      {{200, R"({"act":false,"actions":[{"channel":"email","message":"x"}]})"},
       ErrorCode::invalid_argument,
       "response.actions"},
      {{404, "{}"}, ErrorCode::invalid_argument, "response.status"},
      {{503, "{}"}, ErrorCode::unavailable, ""},
      {{200, std::string(std::size_t{100} * 1024, ' ')}, ErrorCode::unavailable, ""},
  };
  std::atomic<std::size_t> index{0};
  LocalServer server([&](const Received&) { return cases[index].reply; });
  Scenario s("external_http", config_for(server.url()));
  s.options.allow_private_targets = true;
  for (; index < cases.size(); ++index) {
    const Case& c = cases[index];
    auto r = s.feed("page_view", "{}", at(kT0));
    ASSERT_FALSE(r.ok()) << c.reply.body;
    EXPECT_EQ(r.error().code, c.code) << c.reply.body.substr(0, 80) << " — " << r.error().message;
    EXPECT_EQ(r.error().field, c.field) << c.reply.body.substr(0, 80);
  }
  Decision no = ok_decision(parse_external_response(R"({"act":false})", at(kT0)));
  EXPECT_FALSE(no.act);
}

TEST(ExternalHttp, TimeoutIsAnUnavailableError) {
  LocalServer server([](const Received&) {
    Reply r{200, R"({"act":false})"};
    r.delay = std::chrono::milliseconds{1500};
    return r;
  });
  Scenario s("external_http", config_for(server.url(), 200));
  s.options.allow_private_targets = true;
  auto started = std::chrono::steady_clock::now();
  auto r = s.feed("page_view", "{}", at(kT0));
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::unavailable);
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
  EXPECT_LT(took, std::chrono::milliseconds{1200});
}

TEST(ExternalHttp, PrivateTargetsAreRefusedUnlessAllowed) {
  LocalServer server([](const Received&) { return Reply{200, R"({"act":false})"}; });
  Scenario s("external_http", config_for(server.url()));
  s.options.allow_private_targets = false;
  auto r = s.feed("page_view", "{}", at(kT0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::forbidden);
  EXPECT_EQ(r.error().field, "config.url");
  EXPECT_EQ(server.requests(), 0);

  Scenario localhost("external_http", config_for("http://localhost:9/x"));
  auto by_name = localhost.feed("page_view", "{}", at(kT0));
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.error().code, ErrorCode::forbidden);
}

TEST(ExternalHttp, PrivateAddressTable) {
  for (const char* a : {"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                        "192.168.1.1", "169.254.169.254", "0.0.0.0", "::1", "::", "fc00::1",
                        "fd12:3456::1", "fe80::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(net::is_private_address(a)) << a;
  }
  for (const char* a : {"8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "2606:4700::1111",
                        "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(net::is_private_address(a)) << a;
  }
}

class FakeClient final : public net::HttpClient {
 public:
  Result<net::HttpResponse> post(const net::HttpRequest& request) override {
    last = request;
    return net::HttpResponse{200, R"({"act":false,"reason":"not now"})", {}};
  }
  net::HttpRequest last;
};

TEST(ExternalHttp, InjectedClientIsUsedAndGetsTheTimeoutAndPin) {
  FakeClient fake;
  Scenario s("external_http", config_for("http://127.0.0.1:1/hook", 750));
  s.options.allow_private_targets = true;
  s.options.http_client = &fake;
  Decision d = ok_decision(s.feed("page_view", "{}", at(kT0)));
  EXPECT_FALSE(d.act);
  EXPECT_EQ(d.reason, "not now");
  EXPECT_EQ(fake.last.timeout, std::chrono::milliseconds{750});
  EXPECT_EQ(fake.last.pinned_resolve.value_or(""), "127.0.0.1:1:127.0.0.1");
}

TEST(ExternalHttp, ConfigValidationNamesTheField) {
  struct Case {
    const char* config;
    const char* field;
  };
  const std::vector<Case> cases = {
      {R"({"secret":"0123456789abcdef"})", "config.url"},
      {R"({"url":"ftp://x.example/","secret":"0123456789abcdef"})", "config.url"},
      {R"({"url":"not a url","secret":"0123456789abcdef"})", "config.url"},
      {R"({"url":"https://x.example/"})", "config.secret"},
      {R"({"url":"https://x.example/","secret":"short"})", "config.secret"},
      {R"({"url":"https://x.example/","secret":"0123456789abcdef","timeout_ms":10})",
       "config.timeout_ms"},
      {R"({"url":"https://x.example/","secret":"0123456789abcdef","retries":1})", "config.retries"},
  };
  for (const Case& c : cases) {
    auto r = validate_config("external_http", c.config);
    ASSERT_FALSE(r.ok()) << c.config;
    EXPECT_EQ(r.error().field, c.field) << c.config << " — " << r.error().message;
  }
  EXPECT_TRUE(validate_config("external_http",
                              R"({"url":"https://x.example/","secret":"0123456789abcdef"})")
                  .ok());
}

}  // namespace
}  // namespace ca::agents::test
