// Keeping a model's profile true to the source data. Two layers:
//  - check_grounded, the Validator given to llm::complete_structured: rejects (and so
//    re-asks once) a reply that is malformed, names a service the creator does not sell,
//    or states a price, rating or count in its text that the data does not support;
//  - ground_profile, the post-pass: services, prices, ratings and counts are rebuilt from
//    the source whatever the model said; what it said differently is listed as corrections.
// No hallucinated price can reach the store: structured prices are overwritten and free text
// with an unknown price never passes the validator.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/result.hpp"
#include "onboarding/creator_data.hpp"
#include "onboarding/profile.hpp"

namespace ca::onboarding {

// invalid_argument naming the field (e.g. "sales_pitch mentions ₹9,999 ...").
Result<void> check_grounded(std::string_view llm_json, const CreatorData& d);

// The accepted model JSON → a profile whose facts come from `d`.
Result<SalesProfile> ground_profile(std::string_view llm_json, const CreatorData& d,
                                    std::vector<std::string>& corrections);

// Prices, ratings and counts in `text` that `d` does not support, as readable lines
// ("₹9,999 is not the price of any service"). Empty when the text is grounded.
std::vector<std::string> ungrounded_claims(std::string_view text, const CreatorData& d);

}  // namespace ca::onboarding
