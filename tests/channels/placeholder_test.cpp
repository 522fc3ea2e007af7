// Placeholder; the channels suite replaces it.
#include <gtest/gtest.h>
