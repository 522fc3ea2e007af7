// The service with Twilio webhook verification configured (sandbox channels: no provider
// credentials besides the auth token), plus a second store handle to plant actions the
// way the invocation runner writes them.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "agents/invocation_runner.hpp"
#include "api_fixture.hpp"
#include "channels/twilio_webhook.hpp"
#include "domain/ids.hpp"
#include "store/agent_repo.hpp"
#include "store/store.hpp"

namespace ca::test {

inline constexpr const char* kTwilioToken = "twilio-test-auth-token";
inline constexpr const char* kPublicBase = "https://agents.example.com";
// The service runs on the wall clock; tests that wait for a send must not depend on the
// hour they run at (the default quiet hours, 21:00-09:00 UTC, would hold it until 09:00).
inline constexpr const char* kNoQuietHours = R"({"policy":{"quiet_hours":{"enabled":false}}})";

class ActionsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>();
    app::Config config;
    config.database_url = db_->url();
    config.port = 0;
    config.admin_api_key = kAdminKey;
    config.http_handler_threads = 4;
    config.db_pool_size = 4;
    config.log_level = "warn";
    config.twilio_auth_token = kTwilioToken;
    config.public_base_url = kPublicBase;
    app::setup_logging(config.log_level);
    auto service = app::Service::start(config, startup_output_);
    ASSERT_TRUE(service.ok()) << service.error().message;
    service_ = std::move(*service);
    thread_ = std::thread([this] { service_->run(false); });
    client_ = std::make_unique<HttpClient>("http://127.0.0.1:" + std::to_string(service_->port()));
    store::StoreConfig sc;
    sc.url = db_->url();
    sc.pool_size = 2;
    auto s = store::open_store(sc);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    stop();
    store_.reset();
  }

  std::string consumer(const std::string& key, const std::string& whatsapp,
                       const std::string& consent = R"({"whatsapp":true,"email":true})") {
    auto r = client_->post("/consumers",
                           R"({"name":"Asha","email":")" + whatsapp.substr(1) +
                               R"(@example.net","whatsapp":")" + whatsapp + R"(","consent":)" +
                               consent + "}",
                           key);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(obj(r).at("id"));
  }

  // An action as the runner plans it (with its send job when scheduled).
  std::string plan(const std::string& creator_id, const std::string& consumer_id,
                   const std::string& status, Timestamp send_at,
                   Channel channel = Channel::whatsapp, const std::string& message = "Hello!") {
    Action a;
    a.id = ids_.next();
    a.creator_id = creator_id;
    a.consumer_id = consumer_id;
    a.channel = channel;
    a.status = status;
    a.send_at = send_at;
    a.message = message;
    a.created_at = a.updated_at = clock_.now();
    auto r = store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
      CA_CHECK(tx.actions().insert_many({a}));
      if (status == "scheduled") {
        CA_CHECK(agents::enqueue_send_job(tx, a, ids_, send_at, clock_.now()));
      }
      return ok();
    });
    EXPECT_TRUE(r.ok()) << r.error().message;
    return a.id;
  }

  // A form POST signed the way Twilio signs it, over PUBLIC_BASE_URL + path_and_query.
  HttpResult twilio_post(const std::string& path_and_query, const channels::FormParams& form,
                         const std::string& token = kTwilioToken) {
    std::string body;
    for (const auto& [k, v] : form) {
      if (!body.empty()) body += '&';
      body += encode(k) + "=" + encode(v);
    }
    const std::string sig =
        channels::twilio_signature(token, std::string(kPublicBase) + path_and_query, form);
    return client_->request(
        "POST", path_and_query, body,
        {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Twilio-Signature", sig}});
  }

  static std::string encode(const std::string& s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  }

  static bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
  }

  SystemClock clock_;
  SeededRandom random_{7};
  IdGenerator ids_{clock_, random_};
  std::unique_ptr<store::Store> store_;
};

}  // namespace ca::test
