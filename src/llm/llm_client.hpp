// Large language models behind one small interface. The OpenAI-compatible client
// (llm/openai_client.hpp) speaks Chat Completions to OpenAI, vLLM, Ollama, llama.cpp;
// with no LLM configured the platform uses offline engines instead (onboarding/).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/result.hpp"

namespace ca::llm {

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

// How the server is asked for JSON: strict json_schema, json_object, or the schema in
// the prompt (servers without response_format support).
enum class OutputMode { json_schema, json_object, prompt };
const char* to_string(OutputMode mode);
// "json_schema" | "json_object" | "prompt" (OPENAI_OUTPUT_MODE); nullopt otherwise.
std::optional<OutputMode> parse_output_mode(std::string_view text);

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::string schema_name;  // e.g. "creator_profile"
  std::string json_schema;  // JSON Schema text; empty → plain text completion
  std::optional<double> temperature;
  int max_output_tokens = 4000;  // max_tokens, or max_completion_tokens for gpt-5/o-series
};

struct Usage {
  long prompt_tokens = 0;
  long completion_tokens = 0;
  long total_tokens = 0;
};

struct ChatResponse {
  std::string content;        // the assistant's text (JSON text when a schema was asked)
  std::string finish_reason;  // "stop" | "length" | ...
  std::string model;          // as reported by the server
  Usage usage;
  std::chrono::milliseconds latency{0};  // all attempts together
  int attempts = 1;                      // HTTP requests made (retries included)
};

class LlmClient {
 public:
  virtual ~LlmClient() = default;
  virtual std::string model() const = 0;
  // One completion, with the client's retries for 429/5xx/timeouts. Errors: unavailable
  // (transport, retries exhausted), invalid_argument (refusal, finish_reason length,
  // malformed reply) with a message saying which.
  virtual Result<ChatResponse> complete(const ChatRequest& request) = 0;
};

}  // namespace ca::llm
