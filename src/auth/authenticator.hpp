// Turns an Authorization header into a Principal. Keys are looked up by hash; a short
// cache keeps the database out of the hot path (revocations in this process evict at once,
// other processes see them within the TTL).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/entities.hpp"
#include "domain/result.hpp"
#include "store/store.hpp"

namespace ca::auth {

struct Principal {
  KeyRole role = KeyRole::creator;
  std::optional<std::string> creator_id;
  std::string key_id;  // "env" for ADMIN_API_KEY

  bool is_admin() const { return role == KeyRole::admin; }
  Tenant tenant() const { return is_admin() ? Tenant::admin() : Tenant::creator(*creator_id); }
};

class Authenticator {
 public:
  // env_admin_key: the ADMIN_API_KEY value, empty when unset.
  Authenticator(store::Store& store, const Clock& clock, std::string_view env_admin_key,
                std::chrono::seconds cache_ttl = std::chrono::seconds{5});

  // unauthorized when the header is missing, malformed or the key is unknown/revoked.
  Result<Principal> authenticate(std::optional<std::string_view> authorization_header);
  // What authenticate() would answer, when that needs no database read (a malformed header,
  // the admin key, a key cached within its TTL); nullopt when it does. Never blocks on the
  // store: for handlers that run on an I/O thread.
  std::optional<Result<Principal>> authenticate_cached(
      std::optional<std::string_view> authorization_header);
  // Drop cached keys at once after a revocation or a creator's deletion.
  void evict_key(const std::string& key_id);
  void evict_creator(const std::string& creator_id);

 private:
  // The key's hash from the header, or why the header is refused.
  Result<std::string> key_hash(std::optional<std::string_view> header) const;
  // The admin key, or a cached answer; nullopt when the store must be asked.
  std::optional<Result<Principal>> known(const std::string& hash, Timestamp now);

  struct Entry {
    std::optional<Principal> principal;  // nullopt: known-bad key (negative cache)
    Timestamp expires;
  };

  store::Store& store_;
  const Clock& clock_;
  std::string env_admin_hash_;
  std::chrono::seconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
  // Key id → when this process last wrote its last_used_at: concurrent cache misses of one
  // key (a burst on a cold cache) write it once, not once each.
  std::unordered_map<std::string, Timestamp> touched_;
};

}  // namespace ca::auth
