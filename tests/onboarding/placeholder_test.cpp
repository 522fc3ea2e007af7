// Placeholder; the onboarding suite replaces it.
#include <gtest/gtest.h>
