// A small libcurl client for server and API tests. One easy handle per client, reused
// across requests so HTTP keep-alive is exercised the way real clients use it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ca::test {

struct HttpResult {
  long status = 0;  // 0 when the request failed below HTTP (see error)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string error;                                         // curl's message on transport failure
  long new_connections = 0;  // CURLINFO_NUM_CONNECTS: 0 when a kept-alive one was reused

  // First value of a header (case-insensitive name); empty when absent.
  std::string header(std::string_view name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // `path` is appended to the base URL verbatim (encode it yourself).
  HttpResult request(std::string_view method, std::string_view path, std::string_view body = {},
                     const Headers& headers = {});

  // Convenience calls: JSON content type for bodies, optional bearer token.
  HttpResult get(std::string_view path, std::string_view token = {});
  HttpResult del(std::string_view path, std::string_view token = {});
  HttpResult post(std::string_view path, std::string_view json, std::string_view token = {});
  HttpResult patch(std::string_view path, std::string_view json, std::string_view token = {});
  HttpResult put(std::string_view path, std::string_view json, std::string_view token = {});

  void set_timeout_ms(long ms) { timeout_ms_ = ms; }
  const std::string& base_url() const { return base_url_; }

 private:
  HttpResult with_body(std::string_view method, std::string_view path, std::string_view json,
                       std::string_view token);
  struct Handle;
  std::string base_url_;
  std::unique_ptr<Handle> handle_;
  long timeout_ms_ = 10'000;
};

}  // namespace ca::test
