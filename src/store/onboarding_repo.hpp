// Creator profiles (creator_profiles) and onboarding runs (onboarding_logs).
// Owned by the onboarding work; see onboarding/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::store {

class ProfileRepo {
 public:
  virtual ~ProfileRepo() = default;
};

class OnboardingRepo {
 public:
  virtual ~OnboardingRepo() = default;
};

}  // namespace ca::store
