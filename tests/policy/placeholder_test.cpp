// Placeholder; the policy suite replaces it.
#include <gtest/gtest.h>
