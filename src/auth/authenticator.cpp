#include "auth/authenticator.hpp"

#include "auth/api_keys.hpp"

namespace ca::auth {

namespace {

constexpr std::size_t kMaxCacheEntries = 10000;
// last_used_at is written on a cache miss, and only when older than this: at most one
// write per key per minute, never one per request.
constexpr auto kLastUsedResolution = std::chrono::minutes{1};

Error unauthorized(std::string message) {
  return Error{ErrorCode::unauthorized, std::move(message), {}};
}

}  // namespace

Authenticator::Authenticator(store::Store& store, const Clock& clock,
                             std::string_view env_admin_key, std::chrono::seconds cache_ttl)
    : store_(store),
      clock_(clock),
      env_admin_hash_(env_admin_key.empty() ? std::string() : sha256_hex(env_admin_key)),
      ttl_(cache_ttl) {}

Result<std::string> Authenticator::key_hash(std::optional<std::string_view> header) const {
  if (!header)
    return unauthorized("missing Authorization header; send 'Authorization: Bearer <api key>'");
  std::string_view h = *header;
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size() || !(h.substr(0, 6) == "Bearer" || h.substr(0, 6) == "bearer") ||
      h[6] != ' ') {
    return unauthorized("Authorization header must be 'Bearer <api key>'");
  }
  std::string_view key = h.substr(kBearer.size());
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  if (key.empty() || key.size() > 256) return unauthorized("invalid API key");
  return sha256_hex(key);
}

std::optional<Result<Principal>> Authenticator::known(const std::string& hash, Timestamp now) {
  if (!env_admin_hash_.empty() && constant_time_equal(hash, env_admin_hash_)) {
    return Principal{KeyRole::admin, std::nullopt, "env"};
  }
  std::lock_guard lock(mu_);
  auto it = cache_.find(hash);
  if (it == cache_.end() || it->second.expires <= now) return std::nullopt;
  if (!it->second.principal) return unauthorized("invalid API key");
  return *it->second.principal;
}

std::optional<Result<Principal>> Authenticator::authenticate_cached(
    std::optional<std::string_view> header) {
  auto hash = key_hash(header);
  if (!hash) return Result<Principal>(std::move(hash).error());
  return known(*hash, clock_.now());
}

Result<Principal> Authenticator::authenticate(std::optional<std::string_view> header) {
  auto hashed = key_hash(header);
  if (!hashed) return std::move(hashed).error();
  const std::string& hash = *hashed;
  Timestamp now = clock_.now();
  if (auto answer = known(hash, now)) return std::move(*answer);

  auto found = store::in_tx(store_, store::TxMode::read,
                            [&](store::Tx& tx) { return tx.api_keys().find_by_hash(hash); });
  if (!found) return std::move(found).error();

  std::optional<Principal> principal;
  if (found->has_value()) {
    const ApiKey& k = **found;
    principal = Principal{k.role, k.creator_id, k.id};
    bool write = false;
    if (!k.last_used_at || *k.last_used_at + kLastUsedResolution <= now) {
      std::lock_guard lock(mu_);
      if (touched_.size() >= kMaxCacheEntries) touched_.clear();
      Timestamp& last = touched_[k.id];
      write = last + kLastUsedResolution <= now;
      if (write) last = now;
    }
    if (write) {
      // Best effort: a failed write must not refuse a valid key.
      (void)store::in_tx(store_, store::TxMode::write,
                         [&](store::Tx& tx) { return tx.api_keys().touch(k.id, now); });
    }
  }
  {
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();  // crude bound; keys are few
    cache_[hash] = Entry{principal, now + ttl_};
  }
  if (!principal) return unauthorized("invalid API key");
  return *principal;
}

void Authenticator::evict_key(const std::string& key_id) {
  std::lock_guard lock(mu_);
  std::erase_if(cache_, [&](const auto& kv) {
    return kv.second.principal && kv.second.principal->key_id == key_id;
  });
}

void Authenticator::evict_creator(const std::string& creator_id) {
  std::lock_guard lock(mu_);
  std::erase_if(cache_, [&](const auto& kv) {
    return kv.second.principal && kv.second.principal->creator_id == creator_id;
  });
}

}  // namespace ca::auth
