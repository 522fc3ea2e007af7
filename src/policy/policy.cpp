#include "policy/policy.hpp"
