// Placeholder; the actions suite replaces it.
#include <gtest/gtest.h>
