// Small pieces every handler uses: authentication, ids from the path, pagination,
// JSON responses. Keeps each handler to decode → call → encode.
#pragma once

#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>

#include "api/api.hpp"
#include "auth/authenticator.hpp"
#include "domain/entities.hpp"
#include "domain/result.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace ca::api {

using AuthedHandler = std::function<Result<http::Response>(const auth::Principal&, http::Request&)>;

// The caller: a Bearer API key, or else the dashboard's session cookie (state changes then
// need the session's X-CSRF-Token header; forbidden without it).
Result<auth::Principal> authenticate_request(ApiDeps& deps, const http::Request& req);

// Authenticates, runs fn, and turns an Error into the API error body.
http::Handler authed(ApiDeps& deps, AuthedHandler fn);
using ResourceFn = Result<http::Response> (*)(ApiDeps&, const auth::Principal&, http::Request&);
http::Handler authed(ApiDeps& deps, ResourceFn fn);

Result<void> require_admin(const auth::Principal& p);

// A path id that is not a UUID cannot name any object: not_found, like a missing one.
Result<std::string> path_id(const http::Request& req, std::string_view param,
                            std::string_view what);

// ?limit= (1..500, default 50) and ?cursor= (opaque, from next_cursor).
Result<PageRequest> parse_page(const http::Request& req);
std::string encode_cursor(const std::string& id);

http::Response json_response(int status, const boost::json::value& body);
// {"items": [...], "next_cursor": "..."|null}
template <class T, class Encode>
http::Response page_response(const Page<T>& page, Encode encode);

// The creator a new object belongs to: the key's creator, or `creator_id` from the body
// for an admin key (required then). A creator key naming another creator → not_found.
Result<std::string> owning_creator(ApiDeps& deps, const auth::Principal& p,
                                   const std::optional<std::string>& body_creator_id);

}  // namespace ca::api

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace ca::api {

template <class T, class Encode>
http::Response page_response(const Page<T>& page, Encode encode) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const auto& item : page.items) items.push_back(encode(item));
  boost::json::object out;
  out["items"] = std::move(items);
  out["next_cursor"] = page.next_after_id ? boost::json::value(encode_cursor(*page.next_after_id))
                                          : boost::json::value(nullptr);
  return json_response(200, out);
}

}  // namespace ca::api
