#include "llm/llm_client.hpp"

namespace ca::llm {

const char* to_string(OutputMode mode) {
  switch (mode) {
    case OutputMode::json_schema: return "json_schema";
    case OutputMode::json_object: return "json_object";
    case OutputMode::prompt: return "prompt";
  }
  return "json_schema";
}

std::optional<OutputMode> parse_output_mode(std::string_view text) {
  if (text == "json_schema") return OutputMode::json_schema;
  if (text == "json_object") return OutputMode::json_object;
  if (text == "prompt") return OutputMode::prompt;
  return std::nullopt;
}

}  // namespace ca::llm
