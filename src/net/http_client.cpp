#include "net/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <string_view>

namespace ca::net {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct Sink {
  HttpResponse* response;
  std::size_t limit;
  bool overflow = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t len = size * n;
  if (sink->response->body.size() + len > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->response->body.append(data, len);
  return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t len = size * n;
  std::string_view line(data, len);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    sink->response->headers.emplace_back(std::move(name), std::string(value));
  }
  return len;
}

constexpr std::string_view kMaybeSentPrefix = "request may have reached the server: ";

}  // namespace

Error transport_error(TransportFailure kind, std::string message) {
  if (kind == TransportFailure::maybe_sent) message.insert(0, kMaybeSentPrefix);
  return Error::unavailable(std::move(message));
}

TransportFailure transport_failure(const Error& error) {
  return error.message.rfind(kMaybeSentPrefix, 0) == 0 ? TransportFailure::maybe_sent
                                                       : TransportFailure::not_sent;
}

CurlHttpClient::CurlHttpClient() {
  // curl_global_init is not thread-safe in every build; do it once.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<HttpResponse> CurlHttpClient::post(const HttpRequest& request) {
  return perform(request, /*is_post=*/true);
}

Result<HttpResponse> CurlHttpClient::get(const HttpRequest& request) {
  return perform(request, /*is_post=*/false);
}

Result<HttpResponse> CurlHttpClient::perform(const HttpRequest& request, bool is_post) {
  Easy easy(curl_easy_init());
  if (!easy) return Error::unavailable("curl_easy_init failed");
  CURL* c = easy.get();

  Slist headers;
  for (const auto& [name, value] : request.headers) {
    std::string line = name;
    line.append(": ").append(value);
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) return Error::unavailable("out of memory building headers");
    (void)headers.release();
    headers.reset(next);
  }
  // libcurl adds "Expect: 100-continue" for larger bodies; an extra round trip for nothing.
  if (curl_slist* next = curl_slist_append(headers.get(), "Expect:")) {
    (void)headers.release();
    headers.reset(next);
  }
  Slist resolve;
  if (request.pinned_resolve)
    resolve.reset(curl_slist_append(nullptr, request.pinned_resolve->c_str()));

  HttpResponse response;
  Sink sink{&response, request.max_response_bytes};
  auto timeout_ms = static_cast<long>(std::max<std::int64_t>(1, request.timeout.count()));

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (is_post) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // ignore http_proxy from the environment
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  if (resolve) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());

  std::array<char, CURL_ERROR_SIZE> err{};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err.data());

  CURLcode rc = curl_easy_perform(c);
  // Bytes of request curl wrote to the socket: zero means the server never saw it.
  long request_bytes = 0;
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_bytes);
  auto kind = request_bytes > 0 ? TransportFailure::maybe_sent : TransportFailure::not_sent;
  if (sink.overflow) {
    return transport_error(kind, "response body exceeds " + std::to_string(sink.limit) + " bytes");
  }
  if (rc != CURLE_OK) {
    std::string detail = err[0] != '\0' ? std::string(err.data()) : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return transport_error(
          kind, "request timed out after " + std::to_string(timeout_ms) + " ms: " + detail);
    }
    return transport_error(kind, "request failed: " + detail);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace ca::net
