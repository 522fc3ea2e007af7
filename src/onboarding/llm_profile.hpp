// Profile generation with a model: the creator's data goes in as delimited DATA, a strict
// JSON schema comes back through llm::complete_structured, check_grounded validates it (one
// re-ask on failure) and ground_profile rebuilds the facts from the source.
#pragma once

#include <string>
#include <vector>

#include "domain/result.hpp"
#include "llm/llm_client.hpp"
#include "onboarding/creator_data.hpp"
#include "onboarding/profile.hpp"

namespace ca::onboarding {

struct LlmProfile {
  SalesProfile profile;
  std::string model;
  std::vector<std::string> corrections;  // what the post-pass overwrote
  std::string summary_json;  // model, tokens, latency, calls, repairs, corrections (no key)
};

Result<LlmProfile> generate_with_llm(llm::LlmClient& client, const CreatorData& d);

// The request pieces, exposed for tests and docs.
std::string profile_schema();
std::string data_block(const CreatorData& d);

}  // namespace ca::onboarding
