#pragma once

#include "store/agent_repo.hpp"
#include "store/sql.hpp"

namespace ca::store {

class SqlAgentRepo final : public AgentRepo {
 public:
  explicit SqlAgentRepo(SqlSession& s) : s_(s) {}

 private:
  [[maybe_unused]] SqlSession& s_;
};

class SqlInvocationRepo final : public InvocationRepo {
 public:
  explicit SqlInvocationRepo(SqlSession& s) : s_(s) {}

 private:
  [[maybe_unused]] SqlSession& s_;
};

class SqlActionRepo final : public ActionRepo {
 public:
  explicit SqlActionRepo(SqlSession& s) : s_(s) {}

 private:
  [[maybe_unused]] SqlSession& s_;
};

}  // namespace ca::store
