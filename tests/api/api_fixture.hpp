// The whole service in-process: real store (SQLite file or a fresh PostgreSQL database,
// per CA_TEST_BACKEND), real HTTP server on an ephemeral port, a libcurl client.
#pragma once

#include <gtest/gtest.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "app/config.hpp"
#include "app/service.hpp"
#include "support/http_client.hpp"
#include "support/test_db.hpp"

namespace ca::test {

inline constexpr const char* kAdminKey = "test-admin-key-0123456789abcdef";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>();
    start(kAdminKey);
  }

  void TearDown() override { stop(); }

  void start(const std::string& admin_key) {
    app::Config config;
    config.database_url = db_->url();
    config.port = 0;
    config.admin_api_key = admin_key;
    config.http_handler_threads = handler_threads_;
    config.agent_inline_decisions = inline_decisions_;
    config.db_pool_size = 4;
    config.log_level = "warn";
    app::setup_logging(config.log_level);
    auto service = app::Service::start(config, startup_output_);
    ASSERT_TRUE(service.ok()) << service.error().message;
    service_ = std::move(*service);
    thread_ = std::thread([this] { service_->run(false); });
    client_ = std::make_unique<HttpClient>("http://127.0.0.1:" + std::to_string(service_->port()));
  }

  void stop() {
    if (service_) service_->stop();
    if (thread_.joinable()) thread_.join();
    service_.reset();
  }

  static boost::json::object obj(const HttpResult& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << r.body;
      return {};
    }
    return v.as_object();
  }

  static std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

  // Creates a creator with the admin key and returns its id.
  // settings_json: the creator's "settings" object, or empty for the defaults.
  std::string create_creator(const std::string& name, const std::string& settings_json = "") {
    const std::string settings = settings_json.empty() ? "" : R"(,"settings":)" + settings_json;
    auto r = client_->post(
        "/creators",
        R"({"name":")" + name + R"(","email":")" + name + R"(@example.com")" + settings + "}",
        kAdminKey);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(obj(r).at("id"));
  }

  // Mints a creator-scoped key and returns it.
  std::string creator_key(const std::string& creator_id) {
    auto r =
        client_->post("/creators/" + creator_id + "/api-keys", R"({"name":"test"})", kAdminKey);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(obj(r).at("key"));
  }

  static void expect_error(const HttpResult& r, long status, const std::string& code,
                           const std::string& field = {}) {
    EXPECT_EQ(r.status, status) << r.body;
    auto body = obj(r);
    ASSERT_TRUE(body.contains("error")) << r.body;
    const auto& err = body.at("error").as_object();
    EXPECT_EQ(err.at("code").as_string(), code) << r.body;
    EXPECT_FALSE(err.at("message").as_string().empty());
    if (!field.empty()) {
      ASSERT_TRUE(err.contains("field")) << r.body;
      EXPECT_EQ(err.at("field").as_string(), field) << r.body;
    }
  }

  int handler_threads_ = 4;       // set before SetUp to change
  bool inline_decisions_ = true;  // AGENT_INLINE_DECISIONS; set before SetUp to change
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<app::Service> service_;
  std::thread thread_;
  std::unique_ptr<HttpClient> client_;
  std::ostringstream startup_output_;
};

}  // namespace ca::test
