// What both drivers share: the unit of work over a leased session, and the Store
// operations (begin, migrate, schema_version, ping) expressed over acquire().
#pragma once

#include <memory>
#include <span>

#include "store/migrations.hpp"
#include "store/repos.hpp"
#include "store/sql.hpp"
#include "store/sql_agent_repo.hpp"
#include "store/sql_analytics_repo.hpp"
#include "store/sql_delivery_repo.hpp"
#include "store/sql_event_repo.hpp"
#include "store/sql_job_repo.hpp"
#include "store/sql_onboarding_repo.hpp"
#include "store/store.hpp"

namespace ca::store {

// Forwards to the leased connection while the Tx holds one; afterwards every call fails,
// so a repository used after commit cannot touch a connection someone else now owns.
class TxSession final : public SqlSession {
 public:
  TxSession(Dialect d, std::unique_ptr<SessionLease> lease)
      : dialect_(d), lease_(std::move(lease)) {}
  Dialect dialect() const override { return dialect_; }
  Result<SqlResult> query(const std::string& sql, const SqlParams& params) override;
  Result<void> defer(const std::string& sql, const SqlParams& params) override;
  Result<void> exec_script(const std::string& sql) override;
  void release() { lease_.reset(); }
  bool active() const { return lease_ != nullptr; }

 private:
  Dialect dialect_;
  std::unique_ptr<SessionLease> lease_;
};

// Commit (or destruction) hands the connection back to the pool at once.
class SqlTx final : public Tx {
 public:
  SqlTx(Dialect d, std::unique_ptr<SessionLease> lease);
  ~SqlTx() override;
  SqlTx(const SqlTx&) = delete;
  SqlTx& operator=(const SqlTx&) = delete;

  Result<void> commit() override;
  CreatorRepo& creators() override { return creators_; }
  ConsumerRepo& consumers() override { return consumers_; }
  ProductRepo& products() override { return products_; }
  ApiKeyRepo& api_keys() override { return api_keys_; }
  EventRepo& events() override { return events_; }
  JobRepo& jobs() override { return jobs_; }
  AgentRepo& agents() override { return agents_; }
  InvocationRepo& invocations() override { return invocations_; }
  ActionRepo& actions() override { return actions_; }
  ProfileRepo& profiles() override { return profiles_; }
  OnboardingRepo& onboardings() override { return onboardings_; }
  DeliveryRepo& delivery() override { return delivery_; }
  AnalyticsRepo& analytics() override { return analytics_; }

 private:
  TxSession session_;
  SqlCreatorRepo creators_;
  SqlConsumerRepo consumers_;
  SqlProductRepo products_;
  SqlApiKeyRepo api_keys_;
  SqlEventRepo events_;
  SqlJobRepo jobs_;
  SqlAgentRepo agents_;
  SqlInvocationRepo invocations_;
  SqlActionRepo actions_;
  SqlProfileRepo profiles_;
  SqlOnboardingRepo onboardings_;
  SqlDeliveryRepo delivery_;
  SqlAnalyticsRepo analytics_;
};

class SqlStore : public Store {
 public:
  Result<std::unique_ptr<Tx>> begin(TxMode mode) override;
  Result<int> migrate() override;
  Result<int> schema_version() override;
  int latest_version() const override;
  Result<void> ping() override;

 protected:
  // A pooled connection inside BEGIN (write: BEGIN IMMEDIATE / BEGIN; read: a snapshot).
  virtual Result<std::unique_ptr<SessionLease>> acquire(TxMode mode) = 0;

 private:
  std::span<const Migration> migrations() const;
};

}  // namespace ca::store
