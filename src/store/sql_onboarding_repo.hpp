#pragma once

#include "store/onboarding_repo.hpp"
#include "store/sql.hpp"

namespace ca::store {

class SqlProfileRepo final : public ProfileRepo {
 public:
  explicit SqlProfileRepo(SqlSession& s) : s_(s) {}

 private:
  [[maybe_unused]] SqlSession& s_;
};

class SqlOnboardingRepo final : public OnboardingRepo {
 public:
  explicit SqlOnboardingRepo(SqlSession& s) : s_(s) {}

 private:
  [[maybe_unused]] SqlSession& s_;
};

}  // namespace ca::store
