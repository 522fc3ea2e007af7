#include "http/message.hpp"

#include <boost/json.hpp>

namespace ca::http {

const char* to_string(Method m) {
  switch (m) {
    case Method::get: return "GET";
    case Method::head: return "HEAD";
    case Method::post: return "POST";
    case Method::put: return "PUT";
    case Method::patch: return "PATCH";
    case Method::del: return "DELETE";
    case Method::options: return "OPTIONS";
    case Method::other: return "OTHER";
  }
  return "OTHER";
}

namespace {

template <class Pairs>
std::optional<std::string_view> find_first(const Pairs& pairs, std::string_view name) {
  for (const auto& [k, v] : pairs) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
  return find_first(headers, lower_name);
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  return find_first(query, name);
}

std::string_view Request::param(std::string_view name) const {
  return find_first(path_params, name).value_or(std::string_view{});
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::malformed_json: return 400;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::method_not_allowed: return 405;
    case ErrorCode::conflict: return 409;
    case ErrorCode::payload_too_large: return 413;
    case ErrorCode::unsupported_media_type: return 415;
    case ErrorCode::rate_limited: return 429;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

Response error_response(const Error& e) {
  boost::json::object err;
  err["code"] = to_string(e.code);
  err["message"] = e.message;
  if (!e.field.empty()) err["field"] = e.field;
  boost::json::object root;
  root["error"] = std::move(err);

  Response r = Response::json(status_for(e.code), boost::json::serialize(root));
  if (e.code == ErrorCode::unauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (e.code == ErrorCode::unavailable || e.code == ErrorCode::rate_limited) {
    r.headers.emplace_back("Retry-After", "1");
  }
  return r;
}

}  // namespace ca::http
