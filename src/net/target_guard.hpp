// Refuses outbound requests to private, loopback and link-local addresses so a creator's
// configured URL cannot reach the platform's own network (SSRF).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/result.hpp"

namespace ca::net {

struct ResolvedTarget {
  std::string scheme;  // "http" | "https"
  std::string host;    // as written in the URL (brackets stripped for IPv6)
  int port = 0;
  std::vector<std::string> addresses;  // numeric, every address the host resolved to
  // CURLOPT_RESOLVE entry pinning the first checked address.
  std::string pinned_resolve() const;
};

// Parses an absolute http(s) URL (no user info) into scheme/host/port. Errors name `field`.
Result<ResolvedTarget> parse_target(std::string_view url, const std::string& field);

// Parses and resolves the URL; fails with code `forbidden` (field `field`) if any address is
// loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
// fe80::/10), unspecified, or IPv4-mapped private — unless allow_private.
Result<ResolvedTarget> resolve_target(std::string_view url, bool allow_private,
                                      const std::string& field);

// True for addresses the guard refuses; `address` is numeric IPv4 or IPv6 text.
bool is_private_address(std::string_view address);

}  // namespace ca::net
