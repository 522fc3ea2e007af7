#pragma once

#include "store/agent_repo.hpp"
#include "store/sql.hpp"

namespace ca::store {

class SqlAgentRepo final : public AgentRepo {
 public:
  explicit SqlAgentRepo(SqlSession& s) : s_(s) {}
  Result<void> insert(const Agent& a) override;
  Result<Agent> get(const Tenant& t, const std::string& id) override;
  Result<Page<Agent>> list(const Tenant& t, const PageRequest& page) override;
  Result<void> update(const Tenant& t, const Agent& a, TriggerUpdate triggers) override;
  Result<void> set_enabled(const Tenant& t, const std::string& id, bool enabled,
                           Timestamp at) override;
  Result<std::vector<TriggerMatch>> matching_triggers(const std::string& creator_id,
                                                      const std::string& event_type) override;

 private:
  Result<void> insert_triggers(const Agent& a);
  // Fills `triggers` of each agent with one query.
  Result<void> load_triggers(std::vector<Agent>& agents);

  SqlSession& s_;
};

class SqlInvocationRepo final : public InvocationRepo {
 public:
  explicit SqlInvocationRepo(SqlSession& s) : s_(s) {}
  Result<void> insert(const Invocation& inv) override;
  Result<void> insert_many(const std::vector<Invocation>& invs) override;
  Result<Invocation> get(const Tenant& t, const std::string& id) override;
  Result<std::vector<Invocation>> get_many(const std::vector<std::string>& ids) override;
  Result<Page<Invocation>> list(const Tenant& t, const InvocationFilter& f,
                                const PageRequest& page) override;
  Result<void> update_status(const std::string& id, InvocationStatus status, Timestamp at) override;
  Result<void> finish(const std::string& id, InvocationStatus status, const std::string& reason,
                      const std::string& result_json, const std::optional<std::string>& error,
                      Timestamp at) override;
  Result<std::vector<bool>> finish_many(const std::vector<InvocationOutcome>& outcomes,
                                        Timestamp at) override;

 private:
  SqlSession& s_;
};

class SqlActionRepo final : public ActionRepo {
 public:
  explicit SqlActionRepo(SqlSession& s) : s_(s) {}
  Result<void> insert_many(const std::vector<Action>& actions) override;
  Result<Action> get(const Tenant& t, const std::string& id) override;
  Result<Page<Action>> list(const Tenant& t, const ActionFilter& f,
                            const PageRequest& page) override;

 private:
  SqlSession& s_;
};

}  // namespace ca::store
