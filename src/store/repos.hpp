// The repositories, written once over SqlSession for both dialects.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "store/sql.hpp"
#include "store/store.hpp"

namespace ca::store {

class SqlCreatorRepo final : public CreatorRepo {
 public:
  explicit SqlCreatorRepo(SqlSession& s) : s_(s) {}
  Result<void> insert(const Creator& c) override;
  Result<Creator> get(const Tenant& t, const std::string& id) override;
  Result<Page<Creator>> list(const Tenant& t, const PageRequest& page) override;
  Result<void> update(const Tenant& t, const Creator& c) override;
  Result<void> remove(const std::string& id) override;

 private:
  SqlSession& s_;
};

class SqlConsumerRepo final : public ConsumerRepo {
 public:
  explicit SqlConsumerRepo(SqlSession& s) : s_(s) {}
  Result<void> insert(const Consumer& c) override;
  Result<Consumer> get(const Tenant& t, const std::string& id) override;
  Result<std::vector<Consumer>> get_many(const std::vector<std::string>& ids) override;
  Result<std::optional<Consumer>> find_by(const std::string& creator_id, ConsumerKey key,
                                          const std::string& value) override;
  Result<Page<Consumer>> list(const Tenant& t, const ConsumerFilter& f,
                              const PageRequest& page) override;
  Result<void> update(const Tenant& t, const Consumer& c) override;
  Result<void> set_consent(const Tenant& t, const std::string& consumer_id, Channel ch,
                           const Consent& consent) override;
  Result<ConsumerContext> get_context(const Tenant& t, const std::string& consumer_id) override;
  Result<ConsumerContext> get_context_for_update(const std::string& creator_id,
                                                 const std::string& consumer_id) override;
  Result<void> put_context(const ConsumerContext& ctx) override;
  Result<void> remove(const Tenant& t, const std::string& id) override;
  Result<std::vector<std::pair<std::string, std::string>>> find_ids_by(
      const std::string& creator_id, ConsumerKey key,
      const std::vector<std::string>& values) override;
  Result<void> insert_many(const std::vector<Consumer>& consumers, NewContexts contexts) override;
  Result<std::vector<ConsumerContext>> get_contexts_for_update(
      const std::string& creator_id, const std::vector<std::string>& consumer_ids) override;
  Result<void> put_contexts(const std::vector<ConsumerContext>& contexts) override;
  Result<void> put_locked_contexts(const std::vector<ConsumerContext>& contexts,
                                   StageWrite stage) override;

 private:
  Result<void> upsert_consent(const std::string& consumer_id, const std::string& creator_id,
                              Channel ch, const Consent& consent);
  Result<ConsumerContext> read_context(const std::string& consumer_id, const Tenant& t,
                                       bool for_update);
  // put_contexts (`checked`: every row must exist and be the creator's) or
  // put_locked_contexts (no check, so the write may be held: SqlSession::defer).
  Result<void> write_contexts(const std::vector<ConsumerContext>& contexts, bool checked,
                              StageWrite stage);
  // Fills `consent` of each consumer from consumer_consents.
  Result<void> load_consents(std::vector<Consumer>& consumers);

  SqlSession& s_;
};

class SqlProductRepo final : public ProductRepo {
 public:
  explicit SqlProductRepo(SqlSession& s) : s_(s) {}
  Result<void> insert(const Product& p) override;
  Result<Product> get(const Tenant& t, const std::string& id) override;
  Result<Page<Product>> list(const Tenant& t, const PageRequest& page) override;
  Result<void> update(const Tenant& t, const Product& p) override;
  Result<void> remove(const Tenant& t, const std::string& id) override;

 private:
  SqlSession& s_;
};

class SqlApiKeyRepo final : public ApiKeyRepo {
 public:
  explicit SqlApiKeyRepo(SqlSession& s) : s_(s) {}
  Result<void> insert(const ApiKey& k) override;
  Result<std::optional<ApiKey>> find_by_hash(const std::string& hash_hex) override;
  Result<std::vector<ApiKey>> list_for_creator(const std::string& creator_id) override;
  Result<void> revoke(const std::string& creator_id, const std::string& key_id,
                      Timestamp at) override;
  Result<bool> any_admin_key() override;
  Result<void> touch(const std::string& key_id, Timestamp at) override;

 private:
  SqlSession& s_;
};

// ---- helpers shared by the repository files ----

// " AND <column> = $n" for a creator tenant; nothing for an admin.
std::string tenant_clause(const Tenant& t, std::string_view column, SqlParams& params);

// Validates the cursor and appends " AND <id_column> < $n". The caller adds
// ORDER BY <id_column> DESC LIMIT page_limit() + 1 and hands the rows to make_page.
Result<std::string> cursor_clause(const PageRequest& page, SqlParams& params,
                                  std::string_view id_column = "id");
int page_limit(const PageRequest& page);  // clamped to [1, 1000]

// Trims the extra probe row and sets next_after_id when it existed.
template <class T>
Page<T> make_page(std::vector<T> items, int limit) {
  Page<T> page;
  if (static_cast<int>(items.size()) > limit) {
    items.resize(static_cast<size_t>(limit));
    page.next_after_id = items.back().id;
  }
  page.items = std::move(items);
  return page;
}

// Runs a newest-first list: appends the cursor condition and
// "ORDER BY <id_column> DESC LIMIT limit+1" to `sql` (which ends inside its WHERE clause),
// reads each row with `read` and trims the probe row into next_after_id.
template <class Read>
auto query_page(SqlSession& s, std::string sql, SqlParams& params, const PageRequest& page,
                Read read, std::string_view id_column = "id")
    -> Result<Page<std::invoke_result_t<Read, const SqlRow&>>> {
  using T = std::invoke_result_t<Read, const SqlRow&>;
  auto cursor = cursor_clause(page, params, id_column);
  if (!cursor) return std::move(cursor).error();
  const int limit = page_limit(page);
  sql += *cursor + " ORDER BY " + std::string(id_column) + " DESC LIMIT " +
         store::bind(params, std::int64_t{limit + 1});
  auto r = s.query(sql, params);
  if (!r) return std::move(r).error();
  std::vector<T> items;
  items.reserve(r->rows.size());
  for (const auto& row : r->rows) items.push_back(read(row));
  return make_page(std::move(items), limit);
}

// Runs a statement for its effect.
Result<void> run(SqlSession& s, const std::string& sql, const SqlParams& params);
// The same, possibly sent with the transaction's next statement (SqlSession::defer): for
// inserts whose errors go up unchanged.
Result<void> run_later(SqlSession& s, const std::string& sql, const SqlParams& params);
// Runs an UPDATE/DELETE that must touch a row; not_found("<what>") otherwise.
Result<void> run_one(SqlSession& s, const std::string& sql, const SqlParams& params,
                     std::string_view what);

// Ids are UUIDs in both dialects; text that is not one can match no row (and would be
// a type error on PostgreSQL's uuid columns), so it short-circuits to not_found.
bool valid_id(const std::string& id);
Error not_found(std::string_view what);

// The rows of `select_where` + "<id_column> IN (…)" + `suffix` for the valid, distinct
// ids, in sorted chunks of kRowsPerStatement (so row locks a suffix takes come in id
// order across the whole call). Batch loads: no tenant clause. `leading` are bound first,
// as $1, $2, … of `select_where`.
Result<std::vector<SqlRow>> query_by_ids(SqlSession& s, const std::string& select_where,
                                         const std::string& id_column,
                                         const std::vector<std::string>& ids,
                                         const std::string& suffix = "",
                                         const SqlParams& leading = {});

}  // namespace ca::store
