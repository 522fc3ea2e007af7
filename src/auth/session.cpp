#include "auth/session.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "auth/api_keys.hpp"

namespace ca::auth {

namespace {

Error unauthorized(std::string message) {
  return Error{ErrorCode::unauthorized, std::move(message), {}};
}

std::string bearer(std::string_view key) { return "Bearer " + std::string(key); }

}  // namespace

Principal Session::effective() const {
  if (key.is_admin() && scope_creator_id) {
    return Principal{KeyRole::creator, scope_creator_id, key.key_id};
  }
  return key;
}

SessionStore::SessionStore(Authenticator& auth, const Clock& clock, Random& random,
                           SessionOptions options)
    : auth_(auth), clock_(clock), random_(random), options_(options) {}

std::string SessionStore::random_token() {
  std::array<std::uint8_t, 32> bytes{};
  random_.fill(bytes);
  return to_hex(bytes.data(), bytes.size());
}

void SessionStore::evict_for_room() {
  const Timestamp now = clock_.now();
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires_at <= now; });
  while (sessions_.size() >= options_.max_sessions && !sessions_.empty()) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.expires_at < b.second.expires_at;
    });
    sessions_.erase(oldest);
  }
}

Result<Session> SessionStore::create(std::string_view api_key) {
  auto principal = auth_.authenticate(bearer(api_key));
  if (!principal) return std::move(principal).error();
  Session s;
  s.token = random_token();
  s.csrf_token = random_token();
  s.key = *principal;
  s.expires_at = clock_.now() + options_.ttl;
  std::lock_guard lock(mu_);
  evict_for_room();
  sessions_[sha256_hex(s.token)] = Entry{std::string(api_key), s.csrf_token, {}, s.expires_at};
  return s;
}

Result<Session> SessionStore::resume(std::string_view token) {
  Entry entry;
  const std::string id = sha256_hex(token);
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return unauthorized("not signed in; POST /session with an API key");
    if (it->second.expires_at <= clock_.now()) {
      sessions_.erase(it);
      return unauthorized("the session expired; sign in again");
    }
    entry = it->second;
  }
  auto principal = auth_.authenticate(bearer(entry.api_key));
  if (!principal) {
    if (principal.error().code != ErrorCode::unauthorized) return std::move(principal).error();
    destroy(token);
    return unauthorized("the API key of this session was revoked; sign in again");
  }
  return Session{std::string(token), entry.csrf_token, *principal, entry.scope_creator_id,
                 entry.expires_at};
}

Result<Session> SessionStore::set_scope(std::string_view token,
                                        std::optional<std::string> creator_id) {
  auto s = resume(token);
  if (!s) return s;
  if (!s->key.is_admin()) {
    return Error{ErrorCode::forbidden, "only an admin key can switch creators", "creator_id"};
  }
  std::lock_guard lock(mu_);
  auto it = sessions_.find(sha256_hex(token));
  if (it == sessions_.end()) return unauthorized("not signed in; POST /session with an API key");
  it->second.scope_creator_id = creator_id;
  s->scope_creator_id = std::move(creator_id);
  return s;
}

void SessionStore::destroy(std::string_view token) {
  std::lock_guard lock(mu_);
  sessions_.erase(sha256_hex(token));
}

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (pair.substr(0, eq) == name) {
      std::string_view v = pair.substr(eq + 1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace ca::auth
