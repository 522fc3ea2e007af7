// Framework-free request/response types: handlers and api/ never see Beast.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/result.hpp"

namespace ca::http {

enum class Method { get, head, post, put, patch, del, options, other };
const char* to_string(Method m);

struct Request {
  Method method = Method::get;
  std::string path;                                          // decoded path, no query
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::vector<std::pair<std::string, std::string>> path_params;
  std::string body;
  std::string remote_addr;

  std::optional<std::string_view> header(std::string_view lower_name) const;
  std::optional<std::string_view> query_param(std::string_view name) const;
  // Path parameter declared in the route ("{id}"); empty when absent.
  std::string_view param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response json(int status, std::string body);
  static Response no_content();
};

// The one place an Error becomes an HTTP status and the API.md error body
// {"error":{"code","message","field"?}}.
int status_for(ErrorCode code);
Response error_response(const Error& e);

}  // namespace ca::http
