// The storage boundary. Services see only these interfaces; SQL lives behind them in
// store/ (one set of repositories over two drivers: store/sqlite, store/postgres).
//
// Tenancy: every method on a tenant table takes a Tenant. A creator tenant only ever
// sees rows with its creator_id; another creator's row reads as not_found.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::store {

class EventRepo;       // store/event_repo.hpp
class JobRepo;         // store/job_repo.hpp
class AgentRepo;       // store/agent_repo.hpp
class InvocationRepo;  // store/agent_repo.hpp
class ActionRepo;      // store/agent_repo.hpp
class ProfileRepo;     // store/onboarding_repo.hpp
class OnboardingRepo;  // store/onboarding_repo.hpp
class DeliveryRepo;    // store/delivery_repo.hpp
class AnalyticsRepo;   // store/analytics_repo.hpp

enum class Dialect { sqlite, postgres };
enum class TxMode { read, write };

class CreatorRepo {
 public:
  virtual ~CreatorRepo() = default;
  // conflict (field "external_username") when the username is taken.
  virtual Result<void> insert(const Creator& c) = 0;
  virtual Result<Creator> get(const Tenant& t, const std::string& id) = 0;
  virtual Result<Page<Creator>> list(const Tenant& t, const PageRequest& page) = 0;
  // Replaces name, email, external_username, timezone, settings_json, updated_at.
  virtual Result<void> update(const Tenant& t, const Creator& c) = 0;
  // Deletes the creator and every row of it in every tenant table.
  virtual Result<void> remove(const std::string& id) = 0;
};

struct ConsumerFilter {
  std::optional<Stage> stage;
  std::optional<std::string> q;  // case-insensitive substring of name, email, whatsapp, external_id
};

enum class ConsumerKey { id, external_id, email, whatsapp };

class ConsumerRepo {
 public:
  virtual ~ConsumerRepo() = default;
  // Also creates its consumer_context row (stage new) and its consent rows.
  // conflict (field "email" / "whatsapp" / "external_id") on a duplicate within the creator.
  virtual Result<void> insert(const Consumer& c) = 0;
  virtual Result<Consumer> get(const Tenant& t, const std::string& id) = 0;
  // The consumers among `ids` with their consent (any order, unknown ids left out;
  // workers, no tenant check).
  virtual Result<std::vector<Consumer>> get_many(const std::vector<std::string>& ids) = 0;
  virtual Result<std::optional<Consumer>> find_by(const std::string& creator_id, ConsumerKey key,
                                                  const std::string& value) = 0;
  virtual Result<Page<Consumer>> list(const Tenant& t, const ConsumerFilter& f,
                                      const PageRequest& page) = 0;
  // Replaces name, email, whatsapp, external_id, timezone, updated_at (not consent).
  virtual Result<void> update(const Tenant& t, const Consumer& c) = 0;
  virtual Result<void> set_consent(const Tenant& t, const std::string& consumer_id, Channel ch,
                                   const Consent& consent) = 0;
  virtual Result<ConsumerContext> get_context(const Tenant& t, const std::string& consumer_id) = 0;
  // The context row locked until the transaction ends (PostgreSQL FOR UPDATE; SQLite's
  // single writer already serialises), for read-modify-write by ingestion.
  virtual Result<ConsumerContext> get_context_for_update(const std::string& creator_id,
                                                         const std::string& consumer_id) = 0;
  virtual Result<void> put_context(const ConsumerContext& ctx) = 0;

  // Batch forms for ingestion: one statement per call however many consumers (on
  // PostgreSQL every statement is a round trip).
  // (value, consumer id) for each of `values` that names a consumer of the creator.
  virtual Result<std::vector<std::pair<std::string, std::string>>> find_ids_by(
      const std::string& creator_id, ConsumerKey key, const std::vector<std::string>& values) = 0;
  // insert() for many: the consumers, their consents and (with NewContexts::insert) their
  // first context rows. Ingestion passes NewContexts::by_caller: it knows a new consumer's
  // context (the initial one) without reading it, and writes it once with put_locked_contexts.
  enum class NewContexts { insert, by_caller };
  virtual Result<void> insert_many(const std::vector<Consumer>& consumers,
                                   NewContexts contexts) = 0;
  // The creator's contexts among `consumer_ids`, locked as get_context_for_update does
  // (in id order, so concurrent batches cannot deadlock). Missing ids are left out.
  virtual Result<std::vector<ConsumerContext>> get_contexts_for_update(
      const std::string& creator_id, const std::vector<std::string>& consumer_ids) = 0;
  // put_context for many; not_found when a consumer is not there (or its context is not the
  // creator's). A consumer inserted with NewContexts::by_caller has no context row yet:
  // this creates it.
  virtual Result<void> put_contexts(const std::vector<ConsumerContext>& contexts) = 0;
  // put_contexts for contexts this transaction locked with get_contexts_for_update or
  // whose consumers it inserted (ingestion): no row-count check, so on PostgreSQL the
  // write travels with the transaction's next statement or COMMIT (SqlSession::defer).
  // StageWrite::keep: each context still has the stage it was read with, and the write
  // leaves that column alone. SQLite rewrites an index entry for every column an UPDATE
  // assigns, equal or not: the stage index then got a page written per event.
  enum class StageWrite { set, keep };
  virtual Result<void> put_locked_contexts(const std::vector<ConsumerContext>& contexts,
                                           StageWrite stage) = 0;
  // Erases the consumer, its context and consent rows.
  virtual Result<void> remove(const Tenant& t, const std::string& id) = 0;
};

class ProductRepo {
 public:
  virtual ~ProductRepo() = default;
  virtual Result<void> insert(const Product& p) = 0;
  virtual Result<Product> get(const Tenant& t, const std::string& id) = 0;
  virtual Result<Page<Product>> list(const Tenant& t, const PageRequest& page) = 0;
  virtual Result<void> update(const Tenant& t, const Product& p) = 0;
  virtual Result<void> remove(const Tenant& t, const std::string& id) = 0;
};

class ApiKeyRepo {
 public:
  virtual ~ApiKeyRepo() = default;
  virtual Result<void> insert(const ApiKey& k) = 0;
  // Revoked keys are not found.
  virtual Result<std::optional<ApiKey>> find_by_hash(const std::string& hash_hex) = 0;
  virtual Result<std::vector<ApiKey>> list_for_creator(const std::string& creator_id) = 0;
  // Marks revoked; not_found when the key is not the creator's or already revoked.
  virtual Result<void> revoke(const std::string& creator_id, const std::string& key_id,
                              Timestamp at) = 0;
  virtual Result<bool> any_admin_key() = 0;
  // Records a use of the key (last_used_at = at).
  virtual Result<void> touch(const std::string& key_id, Timestamp at) = 0;
};

// A unit of work. Destroying an uncommitted Tx rolls it back.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual Result<void> commit() = 0;
  virtual CreatorRepo& creators() = 0;
  virtual ConsumerRepo& consumers() = 0;
  virtual ProductRepo& products() = 0;
  virtual ApiKeyRepo& api_keys() = 0;
  virtual EventRepo& events() = 0;
  virtual JobRepo& jobs() = 0;
  virtual AgentRepo& agents() = 0;
  virtual InvocationRepo& invocations() = 0;
  virtual ActionRepo& actions() = 0;
  virtual ProfileRepo& profiles() = 0;
  virtual OnboardingRepo& onboardings() = 0;
  virtual DeliveryRepo& delivery() = 0;
  virtual AnalyticsRepo& analytics() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Dialect dialect() const = 0;
  // read: a snapshot for reading (SQLite: a reader connection; PG: READ ONLY).
  // write: SQLite takes the single writer (BEGIN IMMEDIATE); PG a pooled connection.
  // unavailable when no connection frees up in time.
  virtual Result<std::unique_ptr<Tx>> begin(TxMode mode) = 0;
  // Applies pending migrations in order; returns how many ran (0 when up to date).
  virtual Result<int> migrate() = 0;
  // Highest applied migration version (0 on an empty database).
  virtual Result<int> schema_version() = 0;
  // Latest version this binary knows.
  virtual int latest_version() const = 0;
  // A trivial round trip to the database.
  virtual Result<void> ping() = 0;
};

struct StoreConfig {
  // "sqlite:///abs/path.db", "sqlite://relative/path.db", "postgresql://..." or "postgres://...".
  std::string url = "sqlite://var/creator-agents.db";
  int pool_size = 8;           // PG connections / SQLite reader connections
  int busy_timeout_ms = 5000;  // SQLite busy_timeout and the wait for a free connection
};

Result<std::unique_ptr<Store>> open_store(const StoreConfig& config);

// Runs fn(tx) in a transaction and commits when fn succeeds.
template <class Fn>
auto in_tx(Store& store, TxMode mode, Fn&& fn) -> decltype(fn(std::declval<Tx&>())) {
  auto tx = store.begin(mode);
  if (!tx) return std::move(tx).error();
  auto result = fn(**tx);
  if (!result) return result;
  if (auto c = (*tx)->commit(); !c) return std::move(c).error();
  return result;
}

}  // namespace ca::store
