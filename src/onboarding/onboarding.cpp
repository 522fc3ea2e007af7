// Placeholder until onboarding lands.
#include "store/onboarding_repo.hpp"
