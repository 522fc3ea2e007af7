#pragma once

#include "store/onboarding_repo.hpp"
#include "store/sql.hpp"

namespace ca::store {

class SqlProfileRepo final : public ProfileRepo {
 public:
  explicit SqlProfileRepo(SqlSession& s) : s_(s) {}
  Result<void> upsert(const StoredProfile& p) override;
  Result<StoredProfile> get(const Tenant& t, const std::string& creator_id) override;

 private:
  SqlSession& s_;
};

class SqlOnboardingRepo final : public OnboardingRepo {
 public:
  explicit SqlOnboardingRepo(SqlSession& s) : s_(s) {}
  Result<void> insert(const OnboardingRun& run) override;
  Result<OnboardingRun> get(const Tenant& t, const std::string& id) override;
  Result<void> update(const OnboardingRun& run) override;
  Result<std::optional<std::string>> find_creator_by_username(const std::string& username) override;
  Result<void> lock_creator(const std::string& creator_id) override;

 private:
  SqlSession& s_;
};

}  // namespace ca::store
