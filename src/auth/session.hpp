// Dashboard sign-in: an API key exchanged for an opaque session token carried in an
// HttpOnly cookie. Sessions live in this process (a restart signs everyone out); every use
// re-authenticates the key through the Authenticator, so a revoked key ends its sessions.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/authenticator.hpp"
#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"

namespace ca::auth {

inline constexpr std::string_view kSessionCookie = "ca_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

struct SessionOptions {
  std::chrono::seconds ttl{std::chrono::hours{8}};
  std::size_t max_sessions = 10000;
};

struct Session {
  std::string token;       // the cookie value
  std::string csrf_token;  // must accompany cookie-authenticated state changes
  Principal key;           // the signed-in key itself
  // An admin viewing one creator: handlers then act as that creator.
  std::optional<std::string> scope_creator_id;
  Timestamp expires_at{};

  Principal effective() const;
};

class SessionStore {
 public:
  SessionStore(Authenticator& auth, const Clock& clock, Random& random, SessionOptions options);

  // unauthorized when the key is unknown or revoked.
  Result<Session> create(std::string_view api_key);
  // The live session for a token; unknown, expired or revoked key → unauthorized.
  Result<Session> resume(std::string_view token);
  // Admin sessions only (forbidden otherwise); nullopt goes back to the all-creators view.
  Result<Session> set_scope(std::string_view token, std::optional<std::string> creator_id);
  void destroy(std::string_view token);
  std::chrono::seconds ttl() const { return options_.ttl; }

 private:
  struct Entry {
    std::string api_key;  // kept in memory only, to re-check revocation on every use
    std::string csrf_token;
    std::optional<std::string> scope_creator_id;
    Timestamp expires_at{};
  };
  std::string random_token();
  void evict_for_room();  // caller holds mu_

  Authenticator& auth_;
  const Clock& clock_;
  Random& random_;
  SessionOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> sessions_;  // by sha256(token)
};

// The value of cookie `name` in a Cookie header, if present.
std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name);

}  // namespace ca::auth
