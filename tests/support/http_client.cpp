#include "support/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>

namespace ca::test {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* result = static_cast<HttpResult*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    result->headers.clear();  // a new response (e.g. after 100 Continue)
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    result->headers.emplace_back(lower(trim(line.substr(0, colon))),
                                 std::string(trim(line.substr(colon + 1))));
  }
  return size * n;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

}  // namespace

std::string HttpResult::header(std::string_view name) const {
  const std::string want = lower(name);
  for (const auto& [k, v] : headers) {
    if (k == want) return v;
  }
  return {};
}

struct HttpClient::Handle {
  Handle() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl = curl_easy_init();
    if (!curl) throw std::runtime_error("curl_easy_init failed");
  }
  ~Handle() { curl_easy_cleanup(curl); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  CURL* curl = nullptr;
};

HttpClient::HttpClient(std::string base_url)
    : base_url_(std::move(base_url)), handle_(std::make_unique<Handle>()) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResult HttpClient::request(std::string_view method, std::string_view path,
                               std::string_view body, const Headers& headers) {
  CURL* c = handle_->curl;
  // Options persist across requests on a handle; reset what varies, keep the connection.
  curl_easy_reset(c);
  HttpResult result;
  const std::string url = base_url_ + std::string(path);
  const std::string m(method);
  const std::string payload(body);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &result);
  if (m == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (m != "GET" || !payload.empty()) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
  }
  if (!payload.empty() || m == "POST" || m == "PUT" || m == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  }
  Slist list;
  // Without a type curl would label POST bodies as form data; tests set it explicitly.
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    if (lower(k) == "content-type") has_type = true;
    list.reset(curl_slist_append(list.release(), (k + ": " + v).c_str()));
  }
  if (!has_type && !payload.empty()) {
    list.reset(curl_slist_append(list.release(), "Content-Type:"));
  }
  // Send bodies straight away instead of waiting for 100 Continue.
  list.reset(curl_slist_append(list.release(), "Expect:"));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());

  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    result.error = curl_easy_strerror(rc);
    return result;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &result.new_connections);
  return result;
}

HttpResult HttpClient::with_body(std::string_view method, std::string_view path,
                                 std::string_view json, std::string_view token) {
  Headers h{{"Content-Type", "application/json"}};
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + std::string(token));
  return request(method, path, json, h);
}

HttpResult HttpClient::get(std::string_view path, std::string_view token) {
  Headers h;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + std::string(token));
  return request("GET", path, {}, h);
}

HttpResult HttpClient::del(std::string_view path, std::string_view token) {
  Headers h;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + std::string(token));
  return request("DELETE", path, {}, h);
}

HttpResult HttpClient::post(std::string_view path, std::string_view json, std::string_view token) {
  return with_body("POST", path, json, token);
}
HttpResult HttpClient::patch(std::string_view path, std::string_view json, std::string_view token) {
  return with_body("PATCH", path, json, token);
}
HttpResult HttpClient::put(std::string_view path, std::string_view json, std::string_view token) {
  return with_body("PUT", path, json, token);
}

}  // namespace ca::test
