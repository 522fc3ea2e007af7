// Outbound HTTP for agents, llm/, channels/ and onboarding/: an interface so callers can
// be tested with fakes, and a libcurl implementation. Nothing is retried here: the caller
// decides (a POST may have had effects; a GET may be repeated).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/result.hpp"

namespace ca::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string url;  // http:// or https:// only
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  // whole request, connect included
  std::size_t max_response_bytes = 1 << 20;
  // curl CURLOPT_RESOLVE entry "host:port:address": connect to the address that was
  // checked (target_guard) instead of resolving again (DNS rebinding).
  std::optional<std::string> pinned_resolve;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  HeaderList headers;  // names lowercased
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // A transport failure (DNS, connect, timeout, oversized body) is an Error with code
  // `unavailable`; any HTTP status, 5xx included, is a response.
  virtual Result<HttpResponse> post(const HttpRequest& request) = 0;
  // GET `url` (request.body is ignored). Clients that only POST keep this default.
  virtual Result<HttpResponse> get(const HttpRequest& request) {
    (void)request;
    return Error::unavailable("this HTTP client does not support GET");
  }
};

// How far a failed request got. A POST that may have reached the server (timeout or
// error after the request went out, oversized answer) must not be resent blindly: it
// may have had effects. One never sent (DNS, connect refused, TLS handshake) can be.
// Error has no room for it, so transport Errors carry it as a message prefix; build
// them with transport_error() (fakes too) and read it back with transport_failure().
enum class TransportFailure { not_sent, maybe_sent };
Error transport_error(TransportFailure kind, std::string message);
TransportFailure transport_failure(const Error& error);

// libcurl, one easy handle per request (thread-safe: no shared handle). No redirects,
// no protocols other than HTTP(S), no proxy from the environment.
class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();
  Result<HttpResponse> post(const HttpRequest& request) override;
  Result<HttpResponse> get(const HttpRequest& request) override;

 private:
  Result<HttpResponse> perform(const HttpRequest& request, bool is_post);
};

}  // namespace ca::net
