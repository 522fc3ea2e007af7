// Asking for a JSON object and getting one: lenient parsing of what weak servers send
// (code fences, control characters, trailing commas, arrays where strings belong), the
// caller's validation, and ONE re-ask carrying the validation error. Every repair is
// reported so the caller can log it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "domain/result.hpp"
#include "llm/llm_client.hpp"

namespace ca::llm {

struct StructuredResult {
  std::string json;                      // the accepted object, compact JSON text
  ChatResponse last;                     // the reply it came from
  Usage usage;                           // summed over all calls
  std::chrono::milliseconds latency{0};  // summed over all calls
  int calls = 0;                         // completions made (1 or 2)
  std::vector<std::string> repairs;      // e.g. "stripped code fence", "re-asked: field x ..."
};

// Returns invalid_argument (message says what is wrong) to trigger the one re-ask.
using Validator = std::function<Result<void>(const std::string& json)>;

Result<StructuredResult> complete_structured(LlmClient& client, const ChatRequest& request,
                                             const Validator& validate);

// The lenient parser on its own: JSON text of an object, or invalid_argument.
// `repairs` receives a line per fix applied.
Result<std::string> lenient_json_object(std::string_view text, std::vector<std::string>& repairs);

}  // namespace ca::llm
