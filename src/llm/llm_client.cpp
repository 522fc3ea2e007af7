#include "llm/llm_client.hpp"
