// The Chat Completions wire format as pure functions: the request body for a model and
// output mode, and the reply (or error body) back to values.
#pragma once

#include <string>
#include <string_view>

#include "domain/result.hpp"
#include "llm/llm_client.hpp"
#include "llm/openai_client.hpp"

namespace ca::llm {

// Reasoning models spend part of max_completion_tokens thinking; this much is added to the
// caller's output budget so the visible answer is not cut off.
inline constexpr int kReasoningBudgetTokens = 16384;

// The JSON body for POST /chat/completions. invalid_argument when request.json_schema is
// not a JSON object or there are no messages.
Result<std::string> build_chat_body(const OpenAiConfig& config, const ChatRequest& request);

// A 200 reply → ChatResponse (content, finish_reason, model, usage). invalid_argument for a
// refusal, finish_reason "length" or "content_filter", missing choices/content, non-JSON.
Result<ChatResponse> parse_chat_reply(std::string_view body);

// error.message from an OpenAI-style error body, else the body's first 300 bytes.
std::string server_error_message(std::string_view body);

}  // namespace ca::llm
