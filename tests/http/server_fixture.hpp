// Runs a real Server on an ephemeral port in a background thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "http/server.hpp"
#include "support/http_client.hpp"

namespace ca::test {

inline std::string str(const boost::json::value& v, std::string_view key) {
  return std::string(v.at(key).as_string());
}

// Routes shared by the server tests.
inline http::Router test_router() {
  using namespace ca::http;
  Router r;
  auto echo = [](Request& req) {
    boost::json::object o;
    o["method"] = to_string(req.method);
    o["path"] = req.path;
    o["id"] = req.param("id");
    o["q"] = req.query_param("q").value_or("<none>");
    o["x_test"] = req.header("x-test").value_or("<none>");
    o["body"] = req.body;
    o["remote"] = req.remote_addr;
    boost::json::array query;
    for (const auto& [k, v] : req.query) query.push_back(boost::json::array{k.c_str(), v.c_str()});
    o["query"] = std::move(query);
    return Response::json(200, boost::json::serialize(o));
  };
  r.add(Method::get, "/echo/{id}", echo);
  r.add(Method::post, "/echo/{id}", echo);
  r.add(Method::post, "/form", echo, {.body = BodyKind::form});
  r.add(Method::post, "/any", echo, {.body = BodyKind::any});
  r.add(Method::post, "/big", echo, {.max_body_bytes = 64 << 10});
  r.add(Method::get, "/throw", [](Request&) -> Response { throw std::runtime_error("boom"); });
  r.add(Method::get, "/slow", [](Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return Response::json(200, R"({"slow":true})");
  });
  r.add(Method::del, "/empty", [](Request&) { return Response::no_content(); });
  r.add(Method::get, "/text", [](Request&) {
    Response res;
    res.content_type = "text/plain; charset=utf-8";
    res.body = "hello";
    return res;
  });
  return r;
}

inline http::ServerOptions test_options() {
  http::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.handler_threads = 2;
  o.max_body_bytes = 1024;
  o.max_header_bytes = 4096;
  o.read_timeout = std::chrono::milliseconds(2000);
  o.idle_timeout = std::chrono::milliseconds(5000);
  o.shutdown_grace = std::chrono::milliseconds(3000);
  return o;
}

class ServerTest : public ::testing::Test {
 protected:
  void start(http::ServerOptions opt = test_options(), http::Router router = test_router(),
             bool handle_signals = false) {
    server_ = std::make_unique<http::Server>(std::move(opt), std::move(router));
    auto r = server_->listen();
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this, handle_signals] { server_->run(handle_signals); });
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  // Returns how long run() took to return after stop().
  std::chrono::milliseconds stop() {
    const auto t0 = std::chrono::steady_clock::now();
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0);
  }
  void TearDown() override { stop(); }

  std::uint16_t port() const { return server_->port(); }
  HttpClient client() const { return HttpClient(base_); }

  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::string base_;
};

}  // namespace ca::test
