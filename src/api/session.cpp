// Dashboard sign-in: POST /session trades an API key for an HttpOnly session cookie and a
// CSRF token; GET /session says who is signed in; PATCH /session lets an admin pick the
// creator to view; DELETE /session signs out.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>

#include "api/api.hpp"
#include "api/handler_support.hpp"
#include "auth/api_keys.hpp"
#include "auth/session.hpp"
#include "domain/json_codec.hpp"
#include "store/store.hpp"

namespace ca::api {

namespace {

using json::Need;

constexpr int kMaxCreatorsListed = 500;

bool secure_cookie(const ApiDeps& d) { return d.public_base_url.starts_with("https://"); }

std::string cookie(const ApiDeps& d, std::string_view value, long long max_age) {
  std::string c = std::string(auth::kSessionCookie) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (secure_cookie(d)) c += "; Secure";
  return c;
}

Result<auth::SessionStore*> sessions(ApiDeps& d) {
  if (!d.sessions) return Error{ErrorCode::unavailable, "sessions are not enabled", {}};
  return d.sessions;
}

std::optional<std::string_view> session_token(const http::Request& req) {
  auto header = req.header("cookie");
  if (!header) return std::nullopt;
  return auth::cookie_value(*header, auth::kSessionCookie);
}

Result<auth::Session> current(ApiDeps& d, const http::Request& req) {
  auto store = sessions(d);
  if (!store) return std::move(store).error();
  auto token = session_token(req);
  if (!token) return Error{ErrorCode::unauthorized, "not signed in; POST /session", {}};
  return (*store)->resume(*token);
}

Result<void> check_csrf(const auth::Session& s, const http::Request& req) {
  auto sent = req.header(auth::kCsrfHeader);
  if (!sent || !auth::constant_time_equal(*sent, s.csrf_token)) {
    return Error{ErrorCode::forbidden,
                 "missing or wrong X-CSRF-Token header; use csrf_token from GET /session",
                 {}};
  }
  return ok();
}

Result<boost::json::value> session_json(ApiDeps& d, const auth::Session& s) {
  const auth::Principal eff = s.effective();
  boost::json::object out{
      {"role", s.key.is_admin() ? "admin" : "creator"},
      {"creator_id", eff.creator_id ? boost::json::value(*eff.creator_id) : nullptr},
      {"csrf_token", s.csrf_token},
      {"expires_at", format_rfc3339(s.expires_at)},
  };
  // The creators this session may view: all for an admin (the switcher), else its own.
  auto listed = store::in_tx(d.store, store::TxMode::read, [&](store::Tx& tx) {
    PageRequest page;
    page.limit = kMaxCreatorsListed;
    return tx.creators().list(s.key.tenant(), page);
  });
  if (!listed) return std::move(listed).error();
  boost::json::array creators;
  for (const auto& c : listed->items) creators.push_back({{"id", c.id}, {"name", c.name}});
  out["creators"] = std::move(creators);
  return boost::json::value(std::move(out));
}

http::Response reply(ApiDeps& d, int status, const auth::Session& s, bool set_cookie) {
  auto body = session_json(d, s);
  if (!body) return http::error_response(body.error());
  http::Response r = json_response(status, *body);
  r.headers.emplace_back("Cache-Control", "no-store");
  if (set_cookie)
    r.headers.emplace_back("Set-Cookie", cookie(d, s.token, d.sessions->ttl().count()));
  return r;
}

http::Response sign_in(ApiDeps& d, http::Request& req) {
  auto store = sessions(d);
  if (!store) return http::error_response(store.error());
  auto body = json::parse_object(req.body);
  if (!body) return http::error_response(body.error());
  json::FieldReader r(*body);
  r.reject_unknown({"api_key"});
  auto key = r.string("api_key", Need::required, 256);
  if (!r.ok()) return http::error_response(r.error());
  auto s = (*store)->create(*key);
  if (!s) return http::error_response(s.error());
  return reply(d, 201, *s, true);
}

http::Response whoami(ApiDeps& d, http::Request& req) {
  auto s = current(d, req);
  if (!s) return http::error_response(s.error());
  return reply(d, 200, *s, false);
}

http::Response switch_creator(ApiDeps& d, http::Request& req) {
  auto s = current(d, req);
  if (!s) return http::error_response(s.error());
  if (auto c = check_csrf(*s, req); !c) return http::error_response(c.error());
  if (!s->key.is_admin()) {
    return http::error_response(
        Error{ErrorCode::forbidden, "only an admin key can switch creators", "creator_id"});
  }
  auto body = json::parse_object(req.body);
  if (!body) return http::error_response(body.error());
  json::FieldReader r(*body);
  r.reject_unknown({"creator_id"});
  std::optional<std::string> creator_id;
  if (!r.is_null("creator_id")) {
    creator_id = r.string("creator_id", Need::required, 36);
    if (!r.ok()) return http::error_response(r.error());
    if (!is_uuid(*creator_id)) {
      return http::error_response(Error::not_found("creator not found"));
    }
    auto exists = store::in_tx(d.store, store::TxMode::read, [&](store::Tx& tx) {
      return tx.creators().get(s->key.tenant(), *creator_id);
    });
    if (!exists) return http::error_response(exists.error());
  }
  auto updated = d.sessions->set_scope(s->token, creator_id);
  if (!updated) return http::error_response(updated.error());
  return reply(d, 200, *updated, false);
}

http::Response sign_out(ApiDeps& d, http::Request& req) {
  auto store = sessions(d);
  if (!store) return http::error_response(store.error());
  // A live session needs its CSRF token (no cross-site sign-out); a dead one just clears.
  if (auto s = current(d, req)) {
    if (auto c = check_csrf(*s, req); !c) return http::error_response(c.error());
    (*store)->destroy(s->token);
  }
  http::Response r = http::Response::no_content();
  r.headers.emplace_back("Set-Cookie", cookie(d, "", 0));
  return r;
}

}  // namespace

void register_session_routes(http::Router& router, ApiDeps& deps) {
  using http::Method;
  ApiDeps& d = deps;
  router.add(Method::post, "/session", [&d](http::Request& req) { return sign_in(d, req); });
  router.add(Method::get, "/session", [&d](http::Request& req) { return whoami(d, req); });
  router.add(Method::patch, "/session",
             [&d](http::Request& req) { return switch_creator(d, req); });
  router.add(Method::del, "/session", [&d](http::Request& req) { return sign_out(d, req); });
}

}  // namespace ca::api
