// Fast handlers: run on the I/O thread, answer now or later from another thread, or
// decline to the handler pool. Through a real server and real sockets.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "server_fixture.hpp"

namespace ca::test {
namespace {

using namespace ca::http;

Response text(std::string body) {
  Response r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

class FastRoutes : public ServerTest {
 protected:
  void SetUp() override {
    Router r;
    auto pool = [this](Request&) {
      pool_runs_.fetch_add(1);
      return text("pool");
    };
    r.add(Method::post, "/now", pool, {.body = BodyKind::any},
          [](Request& req, const Respond& respond) {
            respond(text("now " + req.body));
            return true;
          });
    r.add(Method::post, "/later", pool, {.body = BodyKind::any},
          [this](Request& req, const Respond& respond) {
            // Answered from another thread after the fast handler returned, as a group
            // commit's writer does. The request is gone by then: copy what is needed.
            std::lock_guard lock(mu_);
            answerers_.emplace_back([respond, body = req.body] {
              std::this_thread::sleep_for(std::chrono::milliseconds(30));
              respond(text("later " + body));
            });
            return true;
          });
    r.add(Method::post, "/decline", pool, {.body = BodyKind::any},
          [](Request&, const Respond&) { return false; });
    r.add(Method::post, "/throw", pool, {.body = BodyKind::any},
          [](Request&, const Respond&) -> bool { throw std::runtime_error("boom"); });
    r.add(Method::post, "/twice", pool, {.body = BodyKind::any},
          [](Request&, const Respond& respond) {
            respond(text("first"));
            respond(text("second"));
            return false;  // a broken contract: the first answer still stands
          });
    start(test_options(), std::move(r));
  }
  void TearDown() override {
    stop();
    std::lock_guard lock(mu_);
    for (auto& t : answerers_) t.join();
  }

  // A text POST on a client's connection (its keep-alive is what the tests reuse).
  static HttpResult post(HttpClient& c, const std::string& path, const std::string& body) {
    return c.request("POST", path, body, {{"Content-Type", "text/plain"}});
  }

  std::atomic<int> pool_runs_{0};
  std::mutex mu_;
  std::vector<std::thread> answerers_;
};

TEST_F(FastRoutes, AnswersAtOnceWithoutThePool) {
  auto c = client();
  auto r = post(c, "/now", "a");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "now a");
  EXPECT_EQ(pool_runs_.load(), 0);
}

TEST_F(FastRoutes, AnswersLaterFromAnotherThreadAndKeepsTheConnection) {
  auto c = client();
  for (const char* body : {"x", "y", "z"}) {
    auto r = post(c, "/later", body);
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, std::string("later ") + body);
  }
  EXPECT_EQ(pool_runs_.load(), 0);
}

TEST_F(FastRoutes, ManyConnectionsWaitingAtOnceAllGetTheirOwnAnswer) {
  std::vector<std::thread> clients;
  std::atomic<int> right{0};
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&, i] {
      auto c = client();
      const std::string body = std::to_string(i);
      auto r = post(c, "/later", body);
      if (r.status == 200 && r.body == "later " + body) right.fetch_add(1);
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(right.load(), 16);
}

TEST_F(FastRoutes, DeclinedRequestsGoToThePool) {
  auto c = client();
  auto r = post(c, "/decline", "a");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "pool");
  EXPECT_EQ(pool_runs_.load(), 1);
}

// Not the pool: the handler may have queued work before it threw.
TEST_F(FastRoutes, AThrowingFastHandlerIs500AndNeverRerunsOnThePool) {
  auto c = client();
  auto r = post(c, "/throw", "a");
  EXPECT_EQ(r.status, 500) << r.error;
  EXPECT_NE(r.body.find("internal"), std::string::npos) << r.body;
  EXPECT_EQ(pool_runs_.load(), 0);
  auto again = post(c, "/now", "b");
  EXPECT_EQ(again.body, "now b");
}

TEST_F(FastRoutes, OnlyTheFirstAnswerIsSent) {
  auto c = client();
  auto r = post(c, "/twice", "a");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "first");
  EXPECT_EQ(pool_runs_.load(), 0);
  auto again = post(c, "/now", "b");
  EXPECT_EQ(again.body, "now b");
}

}  // namespace
}  // namespace ca::test
