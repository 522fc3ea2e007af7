// The offline profile engine: deterministic and extractive. Every sentence is built from
// the creator's own words and numbers, so it needs no model and cannot invent anything.
// The default when no LLM is configured, and the fallback when the LLM fails.
#pragma once

#include <string>
#include <vector>

#include "onboarding/creator_data.hpp"
#include "onboarding/profile.hpp"

namespace ca::onboarding {

inline constexpr const char* kOfflineGenerator = "offline";

SalesProfile generate_offline(const CreatorData& d);

// The description as sentences and bullet items, in order (used by the offline engine and
// the LLM prompt's DATA block).
std::vector<std::string> sentences(const std::string& text);

}  // namespace ca::onboarding
