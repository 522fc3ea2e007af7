// The external_http agent against a real local HTTP server (blocking sockets, one thread),
// through the real libcurl client.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

namespace ca::agents::test {
namespace {

namespace bj = boost::json;
constexpr const char* kT0 = "2026-11-24T10:00:00Z";
constexpr const char* kSecret = "s3cret-s3cret-s3cret";

struct Received {
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};
struct Reply {
  int status = 200;
  std::string body;
  std::chrono::milliseconds delay{0};
};

// Accepts connections on 127.0.0.1:<ephemeral> until destroyed; one request per connection.
class LocalServer {
 public:
  explicit LocalServer(std::function<Reply(const Received&)> handler)
      : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~LocalServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/agent"; }
  int requests() const { return requests_; }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }

  void serve(int c) {
    std::string data;
    std::array<char, 4096> buf{};
    std::size_t header_end = std::string::npos;
    std::size_t need = 0;
    while (true) {
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) need = header_end + 4 + content_length(data);
      }
      if (header_end != std::string::npos && data.size() >= need) break;
      ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
      if (n <= 0) return;
      data.append(buf.data(), static_cast<std::size_t>(n));
    }
    Received r;
    std::size_t pos = data.find("\r\n") + 2;
    while (pos < header_end) {
      std::size_t eol = data.find("\r\n", pos);
      std::string line = data.substr(pos, eol - pos);
      std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      pos = eol + 2;
    }
    r.body = data.substr(header_end + 4);
    ++requests_;
    Reply reply = handler_(r);
    std::this_thread::sleep_for(reply.delay);
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                      " X\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n" +
                      reply.body;
    ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
  }

  static std::size_t content_length(const std::string& head) {
    std::string lower = head;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto p = lower.find("content-length:");
    return p == std::string::npos ? 0 : std::stoul(lower.substr(p + 15));
  }

  std::function<Reply(const Received&)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
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
    return Reply{200, R"({"act":false})", std::chrono::milliseconds{1500}};
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
