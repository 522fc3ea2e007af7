// Placeholder; the llm suite replaces it.
#include <gtest/gtest.h>
