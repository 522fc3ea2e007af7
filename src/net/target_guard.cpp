#include "net/target_guard.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

namespace ca::net {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStrDeleter {
  void operator()(char* s) const { curl_free(s); }
};
using CurlStr = std::unique_ptr<char, CurlStrDeleter>;

std::optional<std::string> url_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, flags) != CURLUE_OK || raw == nullptr) return std::nullopt;
  CurlStr owned(raw);
  return std::string(owned.get());
}

bool private_v4(const std::array<std::uint8_t, 4>& a) {
  return a[0] == 127 || a[0] == 10 || a[0] == 0 || (a[0] == 172 && (a[1] & 0xF0) == 16) ||
         (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
         (a[0] == 100 && (a[1] & 0xC0) == 64);  // carrier-grade NAT 100.64/10
}

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};

}  // namespace

std::string ResolvedTarget::pinned_resolve() const {
  if (addresses.empty()) return {};
  const std::string& a = addresses.front();
  std::string addr = a.find(':') != std::string::npos ? "[" + a + "]" : a;
  return host + ":" + std::to_string(port) + ":" + addr;
}

bool is_private_address(std::string_view address) {
  std::string text(address);
  std::array<std::uint8_t, 4> v4{};
  if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return private_v4(v4);
  std::array<std::uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) return true;  // unparseable: refuse
  static constexpr std::array<std::uint8_t, 16> kZero{};
  std::array<std::uint8_t, 16> loopback{};
  loopback[15] = 1;
  if (v6 == kZero || v6 == loopback) return true;            // :: and ::1
  if ((v6[0] & 0xFE) == 0xFC) return true;                   // fc00::/7 unique local
  if (v6[0] == 0xFE && (v6[1] & 0xC0) == 0x80) return true;  // fe80::/10 link-local
  // IPv4-mapped (::ffff:a.b.c.d): judge the embedded IPv4 address.
  bool mapped = std::all_of(v6.begin(), v6.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
                v6[10] == 0xFF && v6[11] == 0xFF;
  if (mapped) return private_v4({v6[12], v6[13], v6[14], v6[15]});
  return false;
}

Result<ResolvedTarget> parse_target(std::string_view url, const std::string& field) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return Error::internal("out of memory parsing a URL");
  std::string text(url);
  if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return Error::invalid(field, "not a valid absolute URL");
  }
  ResolvedTarget t;
  auto scheme = url_part(u.get(), CURLUPART_SCHEME);
  if (!scheme || (*scheme != "http" && *scheme != "https")) {
    return Error::invalid(field, "URL scheme must be http or https");
  }
  t.scheme = *scheme;
  if (url_part(u.get(), CURLUPART_USER)) {
    return Error::invalid(field, "URL must not contain user info");
  }
  auto host = url_part(u.get(), CURLUPART_HOST);
  if (!host || host->empty()) return Error::invalid(field, "URL has no host");
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  t.host = *host;
  auto port = url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  t.port = port ? std::atoi(port->c_str()) : 0;
  if (t.port <= 0 || t.port > 65535) return Error::invalid(field, "URL has an invalid port");
  return t;
}

Result<ResolvedTarget> resolve_target(std::string_view url, bool allow_private,
                                      const std::string& field) {
  auto parsed = parse_target(url, field);
  if (!parsed) return std::move(parsed).error();
  ResolvedTarget t = std::move(parsed).value();

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  int rc = getaddrinfo(t.host.c_str(), nullptr, &hints, &raw);
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  if (rc != 0 || !list) {
    return Error{ErrorCode::unavailable, "cannot resolve host " + t.host + ": " + gai_strerror(rc),
                 field};
  }
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    const void* src = nullptr;
    if (ai->ai_family == AF_INET) {
      src = &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr;
    } else if (ai->ai_family == AF_INET6) {
      src = &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr;
    } else {
      continue;
    }
    if (inet_ntop(ai->ai_family, src, buf.data(), buf.size()) == nullptr) continue;
    std::string addr(buf.data());
    if (!allow_private && is_private_address(addr)) {
      return Error{
          ErrorCode::forbidden,
          "target " + t.host + " resolves to a private or loopback address (" + addr + "); refused",
          field};
    }
    bool seen = false;
    for (const auto& a : t.addresses) seen = seen || a == addr;
    if (!seen) t.addresses.push_back(std::move(addr));
  }
  if (t.addresses.empty()) {
    return Error{ErrorCode::unavailable, "host " + t.host + " has no usable address", field};
  }
  return t;
}

}  // namespace ca::net
