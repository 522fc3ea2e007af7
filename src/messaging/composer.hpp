// Message text for one planned action: the offline template text as rendered, or an
// LLM-personalised version of it that passed the guardrails. The LLM only ever writes the
// text; recipient and channel come from the caller, never from model output.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "domain/entities.hpp"
#include "llm/llm_client.hpp"
#include "messaging/guardrails.hpp"

namespace ca::messaging {

struct ComposeInput {
  std::string creator_name;
  std::string profile_text;         // summary / sales pitch from the creator's profile
  std::string consumer_first_name;  // UNTRUSTED: consumer-provided, sent to the model as data
  std::optional<Product> service;   // the service the message is about, if any
  Channel channel = Channel::whatsapp;
  std::string trigger_reason;  // why now, e.g. "viewed the 1:1 call page twice today"
  std::string offline_text;    // the rendered template: sent as is without an LLM or on fallback
  AllowedFacts extra_facts;    // further prices/links the message may use (other services)
};

struct ComposedMessage {
  std::string text;
  std::string generated_by = "offline";  // "offline" or the model name
  bool fell_back = false;                // an LLM was asked but its text was not used
  std::string fallback_reason;
  llm::Usage usage;
  std::chrono::milliseconds latency{0};
  int llm_calls = 0;
};

inline constexpr std::size_t kMaxConsumerNameBytes = 80;

// Never fails: any LLM error or guardrail rejection falls back to in.offline_text.
ComposedMessage compose(llm::LlmClient* llm, const ComposeInput& in);

// The request compose() sends; exposed so tests and logs can see the prompt.
llm::ChatRequest compose_request(const ComposeInput& in);

}  // namespace ca::messaging
