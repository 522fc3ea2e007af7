#include "http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ca::http {
namespace {

Handler named(std::string name) {
  return [name](Request&) { return Response::json(200, name); };
}

std::string run(const RouteMatch& m) {
  Request req;
  return m.route ? m.route->handler(req).body : "<none>";
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    r.add(Method::get, "/health", named("health"));
    r.add(Method::get, "/creators", named("list"));
    r.add(Method::post, "/creators", named("create"));
    r.add(Method::get, "/creators/{id}", named("get"));
    r.add(Method::patch, "/creators/{id}", named("patch"));
    r.add(Method::del, "/creators/{id}/api-keys/{key_id}", named("del-key"));
    r.add(Method::post, "/onboarding/", named("onboard"));
    r.add(Method::get, "/onboarding/{onboarding_id}", named("onboard-status"));
    r.add(Method::get, "/onboarding/profile/{creator_id}", named("profile"));
    r.add(Method::post, "/events/batch", named("batch"), {.max_body_bytes = 5 << 20});
    r.add(Method::get, "/events/{id}", named("event"));
  }
  Router r;
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
  auto m = r.match(Method::get, "/health");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(run(m), "health");
  EXPECT_EQ(run(r.match(Method::post, "/creators")), "create");
}

TEST_F(RouterTest, ExtractsParamsInOrder) {
  auto m = r.match(Method::del, "/creators/c1/api-keys/k9");
  ASSERT_NE(m.route, nullptr);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"id", "c1"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"key_id", "k9"}));
  EXPECT_EQ(m.route->pattern, "/creators/{id}/api-keys/{key_id}");
}

TEST_F(RouterTest, ParamNamesMayDifferAtTheSamePosition) {
  auto a = r.match(Method::get, "/onboarding/abc");
  ASSERT_NE(a.route, nullptr);
  EXPECT_EQ(a.params.at(0).first, "onboarding_id");
  auto b = r.match(Method::get, "/events/e1");
  EXPECT_EQ(b.params.at(0).first, "id");
}

TEST_F(RouterTest, LiteralBeatsParam) {
  auto m = r.match(Method::get, "/onboarding/profile/c7");
  EXPECT_EQ(run(m), "profile");
  EXPECT_EQ(m.params.at(0), (std::pair<std::string, std::string>{"creator_id", "c7"}));
  // Literal path exists but lacks the method: fall back to the parameter route.
  r.add(Method::get, "/events/batch", named("batch-get"));
  EXPECT_EQ(run(r.match(Method::get, "/events/batch")), "batch-get");
  EXPECT_EQ(run(r.match(Method::get, "/events/other")), "event");
}

TEST_F(RouterTest, ParamRouteUsedWhenLiteralLacksMethod) {
  // POST /events/batch exists only as POST; GET /events/batch is the {id} route.
  auto m = r.match(Method::get, "/events/batch");
  EXPECT_EQ(run(m), "event");
  EXPECT_EQ(m.params.at(0).second, "batch");
}

TEST_F(RouterTest, UnknownPathIs404) {
  auto m = r.match(Method::get, "/nope");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 404);
  EXPECT_TRUE(m.allow.empty());
  EXPECT_EQ(r.match(Method::get, "/creators/c1/api-keys").status, 404);
  EXPECT_EQ(r.match(Method::get, "/creators/c1/x/y/z").status, 404);
}

TEST_F(RouterTest, WrongMethodIs405WithAllowList) {
  auto m = r.match(Method::del, "/creators");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "GET, POST");
  auto p = r.match(Method::put, "/creators/c1");
  EXPECT_EQ(p.status, 405);
  EXPECT_EQ(p.allow, "GET, PATCH");
  EXPECT_EQ(r.match(Method::other, "/health").status, 405);
}

TEST_F(RouterTest, AllowListUnitesLiteralAndParamRoutes) {
  auto m = r.match(Method::del, "/events/batch");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "GET, POST");
}

TEST_F(RouterTest, TrailingSlashIgnored) {
  EXPECT_EQ(run(r.match(Method::post, "/onboarding")), "onboard");
  EXPECT_EQ(run(r.match(Method::post, "/onboarding/")), "onboard");
  EXPECT_EQ(run(r.match(Method::get, "/health/")), "health");
  auto m = r.match(Method::get, "/creators/c1/");
  EXPECT_EQ(run(m), "get");
  EXPECT_EQ(m.params.at(0).second, "c1");
}

TEST_F(RouterTest, RootPath) {
  EXPECT_EQ(r.match(Method::get, "/").status, 404);
  r.add(Method::get, "/", named("root"));
  EXPECT_EQ(run(r.match(Method::get, "/")), "root");
  EXPECT_EQ(run(r.match(Method::get, "")), "root");
}

TEST_F(RouterTest, SegmentsArePercentDecoded) {
  auto m = r.match(Method::get, "/creators/a%20b");
  EXPECT_EQ(m.params.at(0).second, "a b");
  // An encoded slash stays inside its segment.
  auto s = r.match(Method::get, "/creators/a%2Fb");
  ASSERT_NE(s.route, nullptr);
  EXPECT_EQ(s.params.at(0).second, "a/b");
  // Encoded literal segments match their literal.
  EXPECT_EQ(run(r.match(Method::get, "/%68ealth")), "health");
  // A malformed escape is kept verbatim.
  EXPECT_EQ(r.match(Method::get, "/creators/%zz").params.at(0).second, "%zz");
}

TEST_F(RouterTest, EmptySegmentDoesNotBindParam) {
  EXPECT_EQ(r.match(Method::del, "/creators//api-keys/k").status, 404);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  auto m = r.match(Method::head, "/creators/c1");
  EXPECT_EQ(run(m), "get");
  EXPECT_EQ(r.match(Method::head, "/onboarding").status, 405);
}

TEST_F(RouterTest, KeepsRouteOptions) {
  auto m = r.match(Method::post, "/events/batch");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->options.max_body_bytes, 5u << 20);
  EXPECT_EQ(m.route->options.body, BodyKind::json);
}

TEST_F(RouterTest, RejectsBadAndDuplicatePatterns) {
  EXPECT_THROW(r.add(Method::get, "/health", named("dup")), std::invalid_argument);
  EXPECT_THROW(r.add(Method::get, "health", named("x")), std::invalid_argument);
  EXPECT_THROW(r.add(Method::get, "/a/{b", named("x")), std::invalid_argument);
}

TEST(RouterMove, MovedRouterStillMatches) {
  Router a;
  a.add(Method::get, "/x/{id}", named("x"));
  Router b = std::move(a);
  EXPECT_EQ(run(b.match(Method::get, "/x/1")), "x");
}

}  // namespace
}  // namespace ca::http
