#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kSelect =
    "SELECT id, role, creator_id, prefix, hash, name, created_at, last_used_at FROM api_keys "
    "WHERE revoked_at IS NULL";

ApiKey read_key(const SqlRow& r) {
  ApiKey k;
  k.id = r.text(0);
  k.role = r.text(1) == "admin" ? KeyRole::admin : KeyRole::creator;
  k.creator_id = r.opt_text(2);
  k.prefix = r.text(3);
  k.hash_hex = r.text(4);
  k.name = r.opt_text(5);
  k.created_at = r.time(6);
  k.last_used_at = r.opt_time(7);
  return k;
}

}  // namespace

Result<void> SqlApiKeyRepo::insert(const ApiKey& k) {
  if (!valid_id(k.id)) return Error::invalid("id", "id must be a UUID");
  if ((k.role == KeyRole::creator) != k.creator_id.has_value() ||
      (k.creator_id && !valid_id(*k.creator_id))) {
    return Error::invalid("creator_id", "a creator key needs a creator_id; an admin key none");
  }
  return run(s_,
             "INSERT INTO api_keys (id, role, creator_id, prefix, hash, name, created_at, "
             "last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
             {k.id, std::string(k.role == KeyRole::admin ? "admin" : "creator"),
              sql_opt(k.creator_id), k.prefix, k.hash_hex, sql_opt(k.name), sql_time(k.created_at),
              sql_opt_time(k.last_used_at)});
}

Result<std::optional<ApiKey>> SqlApiKeyRepo::find_by_hash(const std::string& hash_hex) {
  auto r = s_.query(std::string(kSelect) + " AND hash = $1", {hash_hex});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return std::optional<ApiKey>{};
  return std::optional<ApiKey>{read_key(r->rows.front())};
}

Result<std::vector<ApiKey>> SqlApiKeyRepo::list_for_creator(const std::string& creator_id) {
  if (!valid_id(creator_id)) return std::vector<ApiKey>{};
  auto r = s_.query(std::string(kSelect) + " AND creator_id = $1 ORDER BY id DESC", {creator_id});
  if (!r) return std::move(r).error();
  std::vector<ApiKey> keys;
  keys.reserve(r->rows.size());
  for (const auto& row : r->rows) keys.push_back(read_key(row));
  return keys;
}

Result<void> SqlApiKeyRepo::touch(const std::string& key_id, Timestamp at) {
  if (!valid_id(key_id)) return not_found("api key");
  return run_one(s_, "UPDATE api_keys SET last_used_at = $2 WHERE id = $1", {key_id, sql_time(at)},
                 "api key");
}

Result<void> SqlApiKeyRepo::revoke(const std::string& creator_id, const std::string& key_id,
                                   Timestamp at) {
  if (!valid_id(creator_id) || !valid_id(key_id)) return not_found("api key");
  return run_one(s_,
                 "UPDATE api_keys SET revoked_at = $3 "
                 "WHERE id = $1 AND creator_id = $2 AND revoked_at IS NULL",
                 {key_id, creator_id, sql_time(at)}, "api key");
}

Result<bool> SqlApiKeyRepo::any_admin_key() {
  auto r = s_.query(
      "SELECT EXISTS (SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL)");
  if (!r) return std::move(r).error();
  return r->rows.at(0).boolean(0);
}

}  // namespace ca::store
