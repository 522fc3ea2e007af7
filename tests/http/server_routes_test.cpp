// Requests through a real server: routing, bodies, errors, limits.
#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace ca::test {
namespace {

namespace json = boost::json;

void expect_error(const HttpResult& r, long status, std::string_view code) {
  EXPECT_EQ(r.status, status) << r.body << r.error;
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto v = json::parse(r.body);
  EXPECT_EQ(str(v.at("error"), "code"), code) << r.body;
  EXPECT_FALSE(str(v.at("error"), "message").empty());
}

class ServerRoutes : public ServerTest {
 protected:
  void SetUp() override { start(); }
};

TEST_F(ServerRoutes, GetWithPathParamsAndQuery) {
  auto c = client();
  auto r = c.request("GET", "/echo/abc%20d?q=hello+world&x=%26&flag", {}, {{"X-Test", "yes"}});
  ASSERT_EQ(r.status, 200) << r.error;
  auto v = json::parse(r.body);
  EXPECT_EQ(str(v, "method"), "GET");
  EXPECT_EQ(str(v, "path"), "/echo/abc d");
  EXPECT_EQ(str(v, "id"), "abc d");
  EXPECT_EQ(str(v, "q"), "hello world");
  EXPECT_EQ(str(v, "x_test"), "yes");
  EXPECT_EQ(str(v, "remote"), "127.0.0.1");
  EXPECT_EQ(json::serialize(v.at("query")), R"([["q","hello world"],["x","&"],["flag",""]])");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.header("cache-control"), "no-store");
  EXPECT_EQ(r.header("server"), "creator-agents");
  EXPECT_EQ(r.header("content-length"), std::to_string(r.body.size()));
}

TEST_F(ServerRoutes, PostEchoesBody) {
  auto c = client();
  auto r = c.post("/echo/42/", R"({"a":"ü"})");
  ASSERT_EQ(r.status, 200) << r.error;
  auto v = json::parse(r.body);
  EXPECT_EQ(str(v, "id"), "42");
  EXPECT_EQ(str(v, "body"), R"({"a":"ü"})");
}

TEST_F(ServerRoutes, JsonWithCharsetAccepted) {
  auto c = client();
  auto r =
      c.request("POST", "/echo/1", "{}", {{"Content-Type", "Application/JSON; charset=UTF-8"}});
  EXPECT_EQ(r.status, 200);
}

TEST_F(ServerRoutes, EmptyPostNeedsNoContentType) {
  auto c = client();
  EXPECT_EQ(c.request("POST", "/echo/1").status, 200);
}

TEST_F(ServerRoutes, UnknownPathIs404Json) {
  auto c = client();
  expect_error(c.get("/nope"), 404, "not_found");
  expect_error(c.post("/nope", "{}"), 404, "not_found");
  EXPECT_EQ(c.get("/echo/1").status, 200);  // the client recovers either way
}

TEST_F(ServerRoutes, WrongMethodIs405WithAllow) {
  auto c = client();
  auto r = c.del("/echo/1");
  expect_error(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("allow"), "GET, POST");
}

TEST_F(ServerRoutes, TextBodyToJsonRouteIs415) {
  auto c = client();
  expect_error(c.request("POST", "/echo/1", "hi", {{"Content-Type", "text/plain"}}), 415,
               "unsupported_media_type");
  expect_error(c.request("POST", "/echo/1", "hi"), 415, "unsupported_media_type");
}

TEST_F(ServerRoutes, FormRouteAcceptsFormOnly) {
  auto c = client();
  auto ok = c.request("POST", "/form", "a=1&b=2",
                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(str(json::parse(ok.body), "body"), "a=1&b=2");
  expect_error(c.post("/form", "{}"), 415, "unsupported_media_type");
}

TEST_F(ServerRoutes, AnyRouteSkipsContentTypeCheck) {
  auto c = client();
  EXPECT_EQ(c.request("POST", "/any", "x", {{"Content-Type", "text/plain"}}).status, 200);
}

TEST_F(ServerRoutes, BodyOverDefaultLimitIs413) {
  auto c = client();
  auto r = c.post("/echo/1", std::string(2000, 'x'));
  expect_error(r, 413, "payload_too_large");
  EXPECT_NE(r.body.find("1024"), std::string::npos) << r.body;
  EXPECT_EQ(c.post("/echo/1", std::string(1000, 'x')).status, 200);
}

TEST_F(ServerRoutes, ChunkedBodyOverLimitIs413) {
  auto c = client();
  auto r = c.request("POST", "/echo/1", std::string(5000, 'x'),
                     {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}});
  expect_error(r, 413, "payload_too_large");
  auto small = c.request("POST", "/echo/1", "[1]",
                         {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}});
  ASSERT_EQ(small.status, 200);
  EXPECT_EQ(str(json::parse(small.body), "body"), "[1]");
}

TEST_F(ServerRoutes, PerRouteLimitAllowsBiggerBody) {
  auto c = client();
  auto r = c.post("/big", std::string(30000, 'x'));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(str(json::parse(r.body), "body").size(), 30000u);
  auto over = c.post("/big", std::string(70000, 'x'));
  expect_error(over, 413, "payload_too_large");
  EXPECT_NE(over.body.find("65536"), std::string::npos);
}

TEST_F(ServerRoutes, HeaderTooLargeIsRejected) {
  auto c = client();
  auto r = c.request("GET", "/echo/1", {}, {{"X-Big", std::string(8000, 'a')}});
  EXPECT_EQ(r.status, 431) << r.error;
  EXPECT_EQ(c.get("/echo/1").status, 200);
}

TEST_F(ServerRoutes, HandlerExceptionIs500Json) {
  auto c = client();
  auto r = c.get("/throw");
  expect_error(r, 500, "internal");
  EXPECT_EQ(r.body.find("boom"), std::string::npos);  // what() is logged, not sent
  EXPECT_EQ(c.get("/echo/1").status, 200);
}

TEST_F(ServerRoutes, HeadUsesGetRouteWithoutBody) {
  auto c = client();
  auto r = c.request("HEAD", "/echo/1");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_NE(r.header("content-length"), "0");
}

TEST_F(ServerRoutes, NoContentAndNonJson) {
  auto c = client();
  auto n = c.del("/empty");
  EXPECT_EQ(n.status, 204);
  EXPECT_TRUE(n.body.empty());
  EXPECT_EQ(n.header("cache-control"), "");
  auto t = c.get("/text");
  EXPECT_EQ(t.status, 200);
  EXPECT_EQ(t.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(t.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(t.body, "hello");
}

TEST_F(ServerRoutes, ErrorHelpersReachTheWire) {
  http::Router r;
  r.add(http::Method::get, "/auth", [](http::Request&) {
    return http::error_response(Error{ErrorCode::unauthorized, "missing key", {}});
  });
  stop();
  start(test_options(), std::move(r));
  auto c = client();
  auto res = c.get("/auth");
  expect_error(res, 401, "unauthorized");
  EXPECT_EQ(res.header("www-authenticate"), "Bearer");
}

TEST(ServerListen, BusyPortIsAnError) {
  http::Server a(test_options(), http::Router{});
  ASSERT_TRUE(a.listen().ok());
  auto opt = test_options();
  opt.port = a.port();
  http::Server b(opt, http::Router{});
  auto r = b.listen();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::unavailable);
  EXPECT_NE(r.error().message.find(std::to_string(a.port())), std::string::npos);
}

}  // namespace
}  // namespace ca::test
