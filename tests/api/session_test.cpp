// Dashboard sessions through the real service: sign-in cookie flags, CSRF on state
// changes, revoked keys, sign-out, the admin's creator switch, and expiry on a manual clock.
#include <boost/json/array.hpp>

#include "api_fixture.hpp"
#include "auth/authenticator.hpp"
#include "auth/session.hpp"
#include "store/store.hpp"

namespace ca::test {
namespace {

struct SignedIn {
  std::string cookie;  // "ca_session=<token>"
  std::string csrf;
  boost::json::object body;
};

class SessionTest : public ApiTest {
 protected:
  SignedIn sign_in(const std::string& key) {
    auto r = client_->post("/session", R"({"api_key":")" + key + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    SignedIn s;
    std::string set_cookie = r.header("set-cookie");
    s.cookie = set_cookie.substr(0, set_cookie.find(';'));
    s.body = obj(r);
    if (s.body.contains("csrf_token")) s.csrf = str(s.body.at("csrf_token"));
    return s;
  }

  HttpResult with_cookie(const std::string& method, const std::string& path, const SignedIn& s,
                         const std::string& body = {}, std::optional<std::string> csrf = {}) {
    Headers h{{"Cookie", s.cookie}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    if (csrf) h.emplace_back("X-CSRF-Token", *csrf);
    return client_->request(method, path, body, h);
  }

  std::pair<std::string, std::string> mint_key(const std::string& creator_id) {
    auto r =
        client_->post("/creators/" + creator_id + "/api-keys", R"({"name":"dash"})", kAdminKey);
    EXPECT_EQ(r.status, 201) << r.body;
    auto o = obj(r);
    return {str(o.at("id")), str(o.at("key"))};
  }
};

TEST_F(SessionTest, SignInSetsAStrictHttpOnlyCookieAndWhoamiAnswers) {
  std::string creator = create_creator("alice");
  auto [key_id, key] = mint_key(creator);
  auto r = client_->post("/session", R"({"api_key":")" + key + R"("})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string set_cookie = r.header("set-cookie");
  EXPECT_EQ(set_cookie.rfind("ca_session=", 0), 0u) << set_cookie;
  EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("; SameSite=Strict"), std::string::npos);
  EXPECT_NE(set_cookie.find("; Path=/"), std::string::npos);
  EXPECT_NE(set_cookie.find("; Max-Age=28800"), std::string::npos);
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);  // http:// here
  EXPECT_EQ(set_cookie.find(key), std::string::npos);       // the key never goes back out
  auto body = obj(r);
  EXPECT_EQ(body.at("role").as_string(), "creator");
  EXPECT_EQ(body.at("creator_id").as_string(), creator);
  EXPECT_EQ(body.at("csrf_token").as_string().size(), 64u);
  ASSERT_EQ(body.at("creators").as_array().size(), 1u);
  EXPECT_EQ(body.at("creators").as_array()[0].at("name").as_string(), "alice");

  SignedIn s{set_cookie.substr(0, set_cookie.find(';')), str(body.at("csrf_token")), body};
  auto who = with_cookie("GET", "/session", s);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(obj(who).at("csrf_token").as_string(), s.csrf);
  EXPECT_EQ(who.header("set-cookie"), "");
  // The cookie authenticates API reads as the key's creator.
  create_creator("bob");
  auto list = with_cookie("GET", "/creators", s);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(obj(list).at("items").as_array().size(), 1u);
}

TEST_F(SessionTest, BadSignInsAreClientErrors) {
  expect_error(client_->post("/session", R"({"api_key":"ca_not_a_real_key"})"), 401,
               "unauthorized");
  expect_error(client_->post("/session", R"({})"), 400, "invalid_argument", "api_key");
  expect_error(client_->post("/session", R"({"api_key":"x","role":"admin"})"), 400,
               "invalid_argument", "role");
  expect_error(client_->post("/session", R"({"api_key":)"), 400, "malformed_json");
  expect_error(client_->get("/session"), 401, "unauthorized");
  auto forged = client_->request("GET", "/consumers", {}, {{"Cookie", "ca_session=deadbeef"}});
  expect_error(forged, 401, "unauthorized");
}

TEST_F(SessionTest, CookieStateChangesNeedTheCsrfTokenBearerCallsDoNot) {
  std::string creator = create_creator("carol");
  auto [key_id, key] = mint_key(creator);
  SignedIn s = sign_in(key);
  const std::string consumer = R"({"name":"Dev","email":"dev@example.com"})";
  expect_error(with_cookie("POST", "/consumers", s, consumer), 403, "forbidden");
  expect_error(with_cookie("POST", "/consumers", s, consumer, std::string(64, '0')), 403,
               "forbidden");
  expect_error(with_cookie("POST", "/consumers", s, consumer, s.csrf.substr(0, 63)), 403,
               "forbidden");
  auto created = with_cookie("POST", "/consumers", s, consumer, s.csrf);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str(obj(created).at("id"));
  expect_error(with_cookie("PATCH", "/consumers/" + id, s, R"({"name":"D"})"), 403, "forbidden");
  EXPECT_EQ(with_cookie("PATCH", "/consumers/" + id, s, R"({"name":"D"})", s.csrf).status, 200);
  EXPECT_EQ(with_cookie("GET", "/consumers/" + id, s).status, 200);  // reads need none
  // An API client with a Bearer key needs no CSRF token, even if a cookie rides along.
  auto bearer = client_->request("POST", "/consumers", R"({"name":"Eve"})",
                                 {{"Authorization", "Bearer " + key},
                                  {"Cookie", s.cookie},
                                  {"Content-Type", "application/json"}});
  EXPECT_EQ(bearer.status, 201) << bearer.body;
}

TEST_F(SessionTest, RevokingTheKeyEndsItsSessions) {
  std::string creator = create_creator("dana");
  auto [key_id, key] = mint_key(creator);
  SignedIn s = sign_in(key);
  ASSERT_EQ(with_cookie("GET", "/consumers", s).status, 200);
  ASSERT_EQ(client_->del("/creators/" + creator + "/api-keys/" + key_id, kAdminKey).status, 204);
  expect_error(with_cookie("GET", "/consumers", s), 401, "unauthorized");
  expect_error(with_cookie("GET", "/session", s), 401, "unauthorized");
  expect_error(client_->post("/session", R"({"api_key":")" + key + R"("})"), 401, "unauthorized");
}

TEST_F(SessionTest, SignOutNeedsTheTokenThenClearsTheCookie) {
  std::string creator = create_creator("erin");
  auto [key_id, key] = mint_key(creator);
  SignedIn s = sign_in(key);
  expect_error(with_cookie("DELETE", "/session", s), 403, "forbidden");
  auto out = with_cookie("DELETE", "/session", s, {}, s.csrf);
  ASSERT_EQ(out.status, 204) << out.body;
  const std::string cleared = out.header("set-cookie");
  EXPECT_EQ(cleared.rfind("ca_session=;", 0), 0u) << cleared;
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos);
  expect_error(with_cookie("GET", "/session", s), 401, "unauthorized");
  expect_error(with_cookie("GET", "/consumers", s), 401, "unauthorized");
  // Signing out a dead session still clears the cookie.
  EXPECT_EQ(with_cookie("DELETE", "/session", s).status, 204);
}

TEST_F(SessionTest, AnAdminSwitchesCreatorsACreatorCannot) {
  std::string a = create_creator("fay");
  std::string b = create_creator("gus");
  ASSERT_EQ(client_->post("/consumers", R"({"name":"of b","creator_id":")" + b + R"("})", kAdminKey)
                .status,
            201);
  SignedIn admin = sign_in(kAdminKey);
  EXPECT_EQ(admin.body.at("role").as_string(), "admin");
  EXPECT_TRUE(admin.body.at("creator_id").is_null());
  EXPECT_EQ(admin.body.at("creators").as_array().size(), 2u);
  expect_error(with_cookie("PATCH", "/session", admin, R"({"creator_id":")" + a + R"("})"), 403,
               "forbidden");
  auto switched =
      with_cookie("PATCH", "/session", admin, R"({"creator_id":")" + a + R"("})", admin.csrf);
  ASSERT_EQ(switched.status, 200) << switched.body;
  EXPECT_EQ(obj(switched).at("creator_id").as_string(), a);
  // Scoped to a: lists show a's data only, and new objects belong to a.
  EXPECT_EQ(obj(with_cookie("GET", "/consumers", admin)).at("items").as_array().size(), 0u);
  auto made = with_cookie("POST", "/consumers", admin, R"({"name":"of a"})", admin.csrf);
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(obj(made).at("creator_id").as_string(), a);
  expect_error(with_cookie("PATCH", "/session", admin,
                           R"({"creator_id":"00000000-0000-7000-8000-000000000000"})", admin.csrf),
               404, "not_found");
  expect_error(with_cookie("PATCH", "/session", admin, R"({"creator_id":"nope"})", admin.csrf), 404,
               "not_found");
  expect_error(with_cookie("PATCH", "/session", admin, R"({})", admin.csrf), 400,
               "invalid_argument", "creator_id");
  auto all = with_cookie("PATCH", "/session", admin, R"({"creator_id":null})", admin.csrf);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_TRUE(obj(all).at("creator_id").is_null());
  EXPECT_EQ(obj(with_cookie("GET", "/consumers", admin)).at("items").as_array().size(), 2u);

  auto [key_id, key] = mint_key(b);
  SignedIn creator = sign_in(key);
  expect_error(
      with_cookie("PATCH", "/session", creator, R"({"creator_id":")" + a + R"("})", creator.csrf),
      403, "forbidden", "creator_id");
}

TEST_F(SessionTest, CookieIsSecureBehindAnHttpsPublicUrl) {
  stop();
  app::Config config;
  config.database_url = db_->url();
  config.port = 0;
  config.admin_api_key = kAdminKey;
  config.http_handler_threads = 2;
  config.db_pool_size = 2;
  config.log_level = "warn";
  config.public_base_url = "https://dash.example.com";
  config.session_ttl_s = 600;
  auto service = app::Service::start(config, startup_output_);
  ASSERT_TRUE(service.ok()) << service.error().message;
  service_ = std::move(*service);
  thread_ = std::thread([this] { service_->run(false); });
  client_ = std::make_unique<HttpClient>("http://127.0.0.1:" + std::to_string(service_->port()));
  auto r = client_->post("/session", std::string(R"({"api_key":")") + kAdminKey + R"("})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.header("set-cookie").find("; Secure"), std::string::npos) << r.header("set-cookie");
  EXPECT_NE(r.header("set-cookie").find("; Max-Age=600"), std::string::npos);
}

// Expiry and revocation on a manual clock, against the real store.
TEST(SessionStore, ExpiresAfterTheTtlAndFollowsTheKey) {
  TestDatabase db;
  auto store = store::open_store(store::StoreConfig{db.url(), 2, 5000});
  ASSERT_TRUE(store.ok()) << store.error().message;
  ManualClock clock(Timestamp{std::chrono::seconds{1'800'000'000}});
  SecureRandom random;
  auth::Authenticator authn(**store, clock, kAdminKey, std::chrono::seconds{0});
  auth::SessionStore sessions(authn, clock, random, auth::SessionOptions{std::chrono::minutes{10}});

  auto s = sessions.create(kAdminKey);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->expires_at, clock.now() + std::chrono::minutes{10});
  EXPECT_NE(s->token, s->csrf_token);
  clock.advance(std::chrono::minutes{9});
  auto live = sessions.resume(s->token);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->csrf_token, s->csrf_token);
  clock.advance(std::chrono::minutes{1});
  auto dead = sessions.resume(s->token);
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.error().code, ErrorCode::unauthorized);
  EXPECT_FALSE(sessions.resume(s->token).ok());  // gone for good

  // A creator session seen through an admin's scope acts as that creator.
  auth::Session admin{"t", "c", auth::Principal{KeyRole::admin, std::nullopt, "env"}, "cid", {}};
  EXPECT_FALSE(admin.effective().is_admin());
  EXPECT_EQ(*admin.effective().creator_id, "cid");
  admin.scope_creator_id.reset();
  EXPECT_TRUE(admin.effective().is_admin());
}

TEST(SessionStore, CookieValueParsing) {
  EXPECT_EQ(auth::cookie_value("ca_session=abc", "ca_session"), "abc");
  EXPECT_EQ(auth::cookie_value("a=1; ca_session=abc; b=2", "ca_session"), "abc");
  EXPECT_EQ(auth::cookie_value("xca_session=abc", "ca_session"), std::nullopt);
  EXPECT_EQ(auth::cookie_value("a=1;b", "ca_session"), std::nullopt);
  EXPECT_EQ(auth::cookie_value("", "ca_session"), std::nullopt);
  EXPECT_EQ(auth::cookie_value("ca_session=", "ca_session"), "");
}

}  // namespace
}  // namespace ca::test
