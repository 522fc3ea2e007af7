// Chat Completions over libcurl for any OpenAI-compatible server.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/time.hpp"
#include "llm/llm_client.hpp"

namespace ca::net {
class HttpClient;
}

namespace ca::llm {

struct OpenAiConfig {
  std::string base_url = "https://api.openai.com/v1";  // OPENAI_BASE_URL
  std::string api_key;                                 // OPENAI_API_KEY
  std::string model = "gpt-4o-mini";                   // OPENAI_MODEL
  OutputMode mode = OutputMode::json_schema;           // OPENAI_OUTPUT_MODE
  std::optional<std::string> reasoning_effort;         // OPENAI_REASONING_EFFORT
  std::chrono::milliseconds timeout{60000};            // per request
  int max_attempts = 4;                                // 429/5xx/timeouts
  std::chrono::milliseconds max_backoff{20000};        // cap incl. Retry-After
  std::chrono::milliseconds base_backoff{1000};        // first retry waits ~this

  // Hooks for tests and `simulate`; unset → the real thing. None is owned.
  std::function<void(std::chrono::milliseconds)> sleep;  // waits between attempts
  const Clock* clock = nullptr;                          // "now" for HTTP-date Retry-After
  std::function<double()> jitter;                        // uniform [0, 1) for backoff jitter
};

// gpt-5*, o1*, o3*, o4* (also behind a "vendor/" prefix): reasoning models that take only
// the default temperature, count reasoning in max_completion_tokens, accept reasoning_effort.
bool is_reasoning_model(std::string_view model);

// `http` is not owned; null → the client owns a CurlHttpClient.
std::unique_ptr<LlmClient> make_openai_client(const OpenAiConfig& config,
                                              net::HttpClient* http = nullptr);

}  // namespace ca::llm
