#include "api/handler_support.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>

#include "auth/api_keys.hpp"
#include "auth/session.hpp"
#include "domain/ids.hpp"

namespace ca::api {

namespace {

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url_encode(std::string_view in) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kB64[(buf >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kB64[(buf << (6 - bits)) & 0x3f];
  return out;
}

std::optional<std::string> b64url_decode(std::string_view in) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    auto pos = kB64.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    buf = (buf << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return out;
}

bool changes_state(http::Method m) {
  return m != http::Method::get && m != http::Method::head && m != http::Method::options;
}

}  // namespace

Result<auth::Principal> authenticate_request(ApiDeps& deps, const http::Request& req) {
  auto authorization = req.header("authorization");
  auto cookies = req.header("cookie");
  if (authorization || !deps.sessions || !cookies) return deps.auth.authenticate(authorization);
  auto token = auth::cookie_value(*cookies, auth::kSessionCookie);
  if (!token) return deps.auth.authenticate(authorization);
  auto session = deps.sessions->resume(*token);
  if (!session) return std::move(session).error();
  // SameSite=Strict already keeps other sites' requests cookie-less; the token is the
  // second line for state changes (a header a cross-site form cannot set).
  if (changes_state(req.method)) {
    auto sent = req.header(auth::kCsrfHeader);
    if (!sent || !auth::constant_time_equal(*sent, session->csrf_token)) {
      return Error{ErrorCode::forbidden,
                   "missing or wrong X-CSRF-Token header; use csrf_token from GET /session",
                   {}};
    }
  }
  return session->effective();
}

http::Handler authed(ApiDeps& deps, AuthedHandler fn) {
  return [&deps, fn = std::move(fn)](http::Request& req) -> http::Response {
    auto principal = authenticate_request(deps, req);
    if (!principal) return http::error_response(principal.error());
    auto result = fn(*principal, req);
    if (!result) return http::error_response(result.error());
    return std::move(result).value();
  };
}

http::Handler authed(ApiDeps& deps, ResourceFn fn) {
  return authed(
      deps, [&deps, fn](const auth::Principal& p, http::Request& req) { return fn(deps, p, req); });
}

Result<void> require_admin(const auth::Principal& p) {
  if (!p.is_admin()) return Error{ErrorCode::forbidden, "this endpoint needs an admin API key", {}};
  return ok();
}

Result<std::string> path_id(const http::Request& req, std::string_view param,
                            std::string_view what) {
  std::string_view id = req.param(param);
  if (!is_uuid(id)) return Error::not_found(std::string(what) + " not found");
  return std::string(id);
}

std::string encode_cursor(const std::string& id) { return b64url_encode(id); }

Result<PageRequest> parse_page(const http::Request& req) {
  PageRequest page;
  if (auto limit = req.query_param("limit")) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || ptr != limit->data() + limit->size() || n < 1 || n > 500) {
      return Error::invalid("limit", "limit must be an integer from 1 to 500");
    }
    page.limit = n;
  }
  if (auto cursor = req.query_param("cursor"); cursor && !cursor->empty()) {
    auto id = b64url_decode(*cursor);
    if (!id || !is_uuid(*id)) {
      return Error::invalid("cursor",
                            "cursor is not one this API returned; pass next_cursor as is");
    }
    page.after_id = std::move(*id);
  }
  return page;
}

http::Response json_response(int status, const boost::json::value& body) {
  return http::Response::json(status, boost::json::serialize(body));
}

Result<std::string> owning_creator(ApiDeps& deps, const auth::Principal& p,
                                   const std::optional<std::string>& body_creator_id) {
  if (!p.is_admin()) {
    if (body_creator_id && *body_creator_id != *p.creator_id)
      return Error::not_found("creator not found");
    return *p.creator_id;
  }
  if (!body_creator_id) {
    return Error::invalid("creator_id", "creator_id is required with an admin API key");
  }
  if (!is_uuid(*body_creator_id)) return Error::not_found("creator not found");
  auto exists =
      store::in_tx(deps.store, store::TxMode::read, [&](store::Tx& tx) -> Result<Creator> {
        return tx.creators().get(Tenant::admin(), *body_creator_id);
      });
  if (!exists) return std::move(exists).error();
  return *body_creator_id;
}

}  // namespace ca::api
