#include "http/message.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/wire.hpp"

namespace ca::http {
namespace {

std::string header_of(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

TEST(HttpMessage, RequestLookups) {
  Request req;
  req.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  req.query = {{"limit", "10"}, {"q", ""}};
  req.path_params = {{"id", "c1"}};
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("x-a"), "1");
  EXPECT_FALSE(req.header("authorization").has_value());
  EXPECT_EQ(req.query_param("limit"), "10");
  EXPECT_EQ(req.query_param("q"), "");
  EXPECT_FALSE(req.query_param("cursor").has_value());
  EXPECT_EQ(req.param("id"), "c1");
  EXPECT_EQ(req.param("nope"), "");
}

TEST(HttpMessage, ResponseFactories) {
  auto r = Response::json(201, R"({"ok":true})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"ok":true})");
  auto n = Response::no_content();
  EXPECT_EQ(n.status, 204);
  EXPECT_TRUE(n.body.empty());
}

TEST(HttpMessage, StatusForEveryCode) {
  EXPECT_EQ(status_for(ErrorCode::invalid_argument), 400);
  EXPECT_EQ(status_for(ErrorCode::malformed_json), 400);
  EXPECT_EQ(status_for(ErrorCode::unauthorized), 401);
  EXPECT_EQ(status_for(ErrorCode::forbidden), 403);
  EXPECT_EQ(status_for(ErrorCode::not_found), 404);
  EXPECT_EQ(status_for(ErrorCode::method_not_allowed), 405);
  EXPECT_EQ(status_for(ErrorCode::conflict), 409);
  EXPECT_EQ(status_for(ErrorCode::payload_too_large), 413);
  EXPECT_EQ(status_for(ErrorCode::unsupported_media_type), 415);
  EXPECT_EQ(status_for(ErrorCode::rate_limited), 429);
  EXPECT_EQ(status_for(ErrorCode::unavailable), 503);
  EXPECT_EQ(status_for(ErrorCode::internal), 500);
}

TEST(HttpMessage, ErrorBodyWithField) {
  auto r = error_response(Error::invalid("consumer.email", "email \"x\" is not valid\n"));
  EXPECT_EQ(r.status, 400);
  auto v = boost::json::parse(r.body);
  const auto& e = v.at("error");
  EXPECT_EQ(e.at("code").as_string(), "invalid_argument");
  EXPECT_EQ(e.at("message").as_string(), "email \"x\" is not valid\n");
  EXPECT_EQ(e.at("field").as_string(), "consumer.email");
}

TEST(HttpMessage, ErrorBodyWithoutField) {
  auto r = error_response(Error::not_found("no such creator"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no such creator"}})");
  EXPECT_TRUE(r.headers.empty());
}

TEST(HttpMessage, ErrorHeaders) {
  auto u = error_response(Error{ErrorCode::unauthorized, "missing key", {}});
  EXPECT_EQ(u.status, 401);
  EXPECT_EQ(header_of(u, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(header_of(error_response(Error::unavailable("db down")), "Retry-After"), "1");
  EXPECT_EQ(
      header_of(error_response(Error{ErrorCode::rate_limited, "slow down", {}}), "Retry-After"),
      "1");
}

TEST(HttpWire, MediaTypes) {
  EXPECT_TRUE(media_type_is("application/json", "application/json"));
  EXPECT_TRUE(media_type_is("Application/JSON; charset=utf-8", "application/json"));
  EXPECT_TRUE(media_type_is("  application/json  ;charset=UTF-8", "application/json"));
  EXPECT_FALSE(media_type_is("application/jsonx", "application/json"));
  EXPECT_FALSE(media_type_is("text/plain", "application/json"));
  EXPECT_FALSE(media_type_is("", "application/json"));
  EXPECT_TRUE(body_kind_accepts(BodyKind::form, "application/x-www-form-urlencoded"));
  EXPECT_FALSE(body_kind_accepts(BodyKind::form, "application/json"));
  EXPECT_TRUE(body_kind_accepts(BodyKind::any, ""));
}

TEST(HttpWire, Methods) {
  EXPECT_EQ(method_from_string("GET"), Method::get);
  EXPECT_EQ(method_from_string("DELETE"), Method::del);
  EXPECT_EQ(method_from_string("get"), Method::other);
  EXPECT_STREQ(to_string(Method::patch), "PATCH");
}

}  // namespace
}  // namespace ca::http
