// Connection handling: keep-alive, pipelining, timeouts, bad input, graceful shutdown.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <future>

#include "raw_socket.hpp"
#include "server_fixture.hpp"

namespace ca::test {
namespace {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;

Ms since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - t0);
}

class ServerConnections : public ServerTest {};

TEST_F(ServerConnections, KeepAliveReusesConnection) {
  start();
  auto c = client();
  auto a = c.get("/echo/1");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.new_connections, 1);
  auto b = c.get("/echo/2");
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(b.new_connections, 0);
  auto p = c.post("/echo/3", "{}");
  EXPECT_EQ(p.new_connections, 0);
}

TEST_F(ServerConnections, PipelinedRequestsAnsweredInOrder) {
  start();
  RawSocket s(port());
  ASSERT_TRUE(s.connected());
  ASSERT_TRUE(
      s.send("GET /echo/first HTTP/1.1\r\nHost: t\r\n\r\n"
             "POST /echo/second HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
             "Content-Length: 2\r\n\r\n{}"
             "GET /echo/third HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  const std::string all = s.read_until_close(3s);
  EXPECT_TRUE(s.closed_by_peer());
  auto first = all.find("\"id\":\"first\"");
  auto second = all.find("\"id\":\"second\"");
  auto third = all.find("\"id\":\"third\"");
  ASSERT_NE(first, std::string::npos) << all;
  ASSERT_NE(second, std::string::npos) << all;
  ASSERT_NE(third, std::string::npos) << all;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

TEST_F(ServerConnections, ConnectionCloseIsHonoured) {
  start();
  RawSocket s(port());
  ASSERT_TRUE(s.send("GET /echo/1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  const std::string all = s.read_until_close(3s);
  EXPECT_TRUE(s.closed_by_peer());
  EXPECT_EQ(all.rfind("HTTP/1.1 200", 0), 0u) << all;
  EXPECT_NE(all.find("Connection: close"), std::string::npos) << all;
}

TEST_F(ServerConnections, Http10ClosesByDefault) {
  start();
  RawSocket s(port());
  ASSERT_TRUE(s.send("GET /echo/1 HTTP/1.0\r\n\r\n"));
  const std::string all = s.read_until_close(3s);
  EXPECT_TRUE(s.closed_by_peer());
  EXPECT_EQ(all.rfind("HTTP/1.0 200", 0), 0u) << all;
}

TEST_F(ServerConnections, GarbageRequestIs400AndServerStaysUp) {
  start();
  {
    RawSocket s(port());
    ASSERT_TRUE(s.send("THIS IS NOT HTTP\r\n\r\n"));
    const std::string all = s.read_until_close(3s);
    EXPECT_EQ(all.rfind("HTTP/1.1 400", 0), 0u) << all;
    EXPECT_NE(all.find("invalid_argument"), std::string::npos) << all;
    EXPECT_TRUE(s.closed_by_peer());
  }
  {
    RawSocket s(port());
    ASSERT_TRUE(s.send(std::string("\0\1\2\3\r\n\r\n", 8)));
    s.read_until_close(3s);
    EXPECT_TRUE(s.closed_by_peer());
  }
  {
    RawSocket s(port());
    ASSERT_TRUE(s.send("GET /echo/%zz HTTP/1.1\r\nHost: t\r\n\r\n"));
    EXPECT_EQ(s.read_response(3s).rfind("HTTP/1.1 400", 0), 0u);
  }
  {
    RawSocket s(port());  // bad Content-Length
    ASSERT_TRUE(s.send("POST /echo/1 HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n"));
    EXPECT_EQ(s.read_until_close(3s).rfind("HTTP/1.1 400", 0), 0u);
  }
  auto c = client();
  EXPECT_EQ(c.get("/echo/1").status, 200);
}

TEST_F(ServerConnections, ContentLengthOverLimitAnsweredBeforeBody) {
  start();
  RawSocket s(port());
  ASSERT_TRUE(
      s.send("POST /echo/1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
             "Content-Length: 999999\r\nExpect: 100-continue\r\n\r\n"));
  const std::string res = s.read_response(3s);
  EXPECT_EQ(res.rfind("HTTP/1.1 413", 0), 0u) << res;
  EXPECT_NE(res.find("payload_too_large"), std::string::npos);
}

TEST_F(ServerConnections, ExpectContinueGetsInterimResponse) {
  start();
  RawSocket s(port());
  ASSERT_TRUE(
      s.send("POST /echo/1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
             "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(s.read_response(3s).rfind("HTTP/1.1 100", 0), 0u);
  ASSERT_TRUE(s.send("{}"));
  EXPECT_EQ(s.read_response(3s).rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(ServerConnections, SlowRequestCutOffAfterReadTimeout) {
  auto opt = test_options();
  opt.read_timeout = 300ms;
  start(opt);
  RawSocket s(port());
  ASSERT_TRUE(s.send("GET /echo/1 HTTP/1.1\r\nHost: t\r\n"));
  const auto t0 = std::chrono::steady_clock::now();
  // Dribble header bytes: each arrives well within the timeout, the whole does not.
  for (int i = 0; i < 8 && !s.closed_by_peer(); ++i) {
    s.send("X-Slow: 1\r\n");
    s.read_until_close(100ms);
  }
  s.read_until_close(2s);
  EXPECT_TRUE(s.closed_by_peer());
  EXPECT_GE(since(t0), 200ms);
  EXPECT_LT(since(t0), 1500ms);
}

TEST_F(ServerConnections, IdleConnectionClosedAfterIdleTimeout) {
  auto opt = test_options();
  opt.idle_timeout = 300ms;
  start(opt);
  RawSocket s(port());
  ASSERT_TRUE(s.send("GET /echo/1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(s.read_response(3s).rfind("HTTP/1.1 200", 0), 0u);
  const auto t0 = std::chrono::steady_clock::now();
  s.read_until_close(3s);
  EXPECT_TRUE(s.closed_by_peer());
  EXPECT_GE(since(t0), 200ms);
  EXPECT_LT(since(t0), 2000ms);
}

TEST_F(ServerConnections, GracefulShutdownFinishesInFlightRequest) {
  start();
  auto slow = std::async(std::launch::async, [this] { return client().get("/slow"); });
  std::this_thread::sleep_for(150ms);  // the handler is now sleeping
  const auto took = stop();
  const HttpResult r = slow.get();
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, R"({"slow":true})");
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_LT(took, 2500ms);
  // Nobody listens any more.
  auto after = client().get("/echo/1");
  EXPECT_EQ(after.status, 0);
  EXPECT_FALSE(after.error.empty());
  RawSocket s(port());
  EXPECT_FALSE(s.connected());
}

TEST_F(ServerConnections, ShutdownClosesIdleKeepAliveConnectionsAtOnce) {
  start();  // idle_timeout is 5 s: run() must not wait for it
  RawSocket idle(port());
  ASSERT_TRUE(idle.send("GET /echo/1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(idle.read_response(3s).rfind("HTTP/1.1 200", 0), 0u);
  RawSocket fresh(port());  // connected, never sent a byte
  ASSERT_TRUE(fresh.connected());
  std::this_thread::sleep_for(50ms);
  const auto took = stop();
  EXPECT_LT(took, 1000ms);
  idle.read_until_close(1s);
  EXPECT_TRUE(idle.closed_by_peer());
  fresh.read_until_close(1s);
  EXPECT_TRUE(fresh.closed_by_peer());
}

TEST_F(ServerConnections, GraceElapsedStillReturns) {
  auto opt = test_options();
  opt.shutdown_grace = 100ms;
  start(opt);
  auto slow = std::async(std::launch::async, [this] { return client().get("/slow"); });
  std::this_thread::sleep_for(100ms);
  const auto took = stop();
  EXPECT_LT(took, 450ms);  // did not wait for the 500 ms handler
  // The client sees the connection dropped instead of hanging until its own timeout.
  ASSERT_EQ(slow.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(slow.get().status, 0);
}

TEST_F(ServerConnections, StopFromHandlerAndBeforeRun) {
  http::Router r;
  http::Server* self = nullptr;
  r.add(http::Method::post, "/shutdown",
        [&self](http::Request&) {
          self->stop();
          return http::Response::json(202, "{}");
        },
        {.body = http::BodyKind::any});
  start(test_options(), std::move(r));
  self = server_.get();
  auto c = client();
  EXPECT_EQ(c.request("POST", "/shutdown").status, 202);
  thread_.join();  // run() returns on its own

  http::Server early(test_options(), http::Router{});
  ASSERT_TRUE(early.listen().ok());
  early.stop();
  early.run(false);  // returns at once
}

TEST_F(ServerConnections, SigtermShutsDownGracefully) {
  start(test_options(), test_router(), true);
  // A served request proves run() is past installing its signal handlers.
  ASSERT_EQ(client().get("/echo/1").status, 200);
  auto slow = std::async(std::launch::async, [this] { return client().get("/slow"); });
  std::this_thread::sleep_for(150ms);
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  thread_.join();  // run() returns without stop()
  EXPECT_EQ(slow.get().status, 200);
}

TEST_F(ServerConnections, ManyConcurrentClients) {
  auto opt = test_options();
  opt.io_threads = 2;
  start(opt);
  std::vector<std::future<int>> results;
  for (int i = 0; i < 8; ++i) {
    results.push_back(std::async(std::launch::async, [this, i] {
      auto c = client();
      int ok = 0;
      for (int j = 0; j < 25; ++j) {
        auto r = c.post("/echo/" + std::to_string(i), "[" + std::to_string(j) + "]");
        if (r.status == 200 && r.body.find("[" + std::to_string(j) + "]") != std::string::npos)
          ++ok;
      }
      return ok;
    }));
  }
  for (auto& f : results) EXPECT_EQ(f.get(), 25);
}

}  // namespace
}  // namespace ca::test
