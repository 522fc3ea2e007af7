// LLM personalisation of planned messages (when an LLM is configured): each message goes
// through messaging::compose, which keeps the consumer's text as data, checks the result
// against the guardrails (prices and links only from the creator's services, channel
// length) and falls back to the agent's own text on any failure. The recipient and the
// channel stay what the agent planned.
#pragma once

#include <string>
#include <vector>

#include "agents/runtime.hpp"

namespace ca::llm {
class LlmClient;
}

namespace ca::agents {

struct PersonalizeInput {
  const Creator& creator;
  const Consumer* consumer;
  const std::vector<Product>& products;
  std::string profile_text;  // the creator's summary and pitch, from the stored profile
};

// Rewrites each planned action's message and records in its metadata_json who wrote it
// ("composed_by": model name or "offline", "fell_back", "fallback_reason").
void personalize(llm::LlmClient& llm, const PersonalizeInput& in, Decision& decision);

// "llm_summary" and "sales_pitch" of a stored profile JSON ("" when absent).
std::string profile_text_of(const std::string& profile_json);

}  // namespace ca::agents
