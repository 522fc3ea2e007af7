#include "llm/openai_wire.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace ca::llm {
namespace {

namespace bj = boost::json;

std::string schema_instruction(OutputMode mode, const std::string& schema_text) {
  if (mode == OutputMode::json_object) {
    return "Reply with a JSON object that conforms to this JSON Schema:\n" + schema_text;
  }
  return "Reply with only a JSON object (no prose, no code fences) that conforms to this JSON "
         "Schema:\n" +
         schema_text;
}

// Merged into the first system message: some local chat templates accept only one system
// message, and only first.
bj::array messages_json(const ChatRequest& request, const std::string& instruction) {
  bj::array out;
  bool merged = instruction.empty();
  if (!merged && (request.messages.empty() || request.messages.front().role != "system")) {
    out.push_back(bj::object{{"role", "system"}, {"content", instruction}});
    merged = true;
  }
  for (const auto& m : request.messages) {
    std::string content = m.content;
    if (!merged && m.role == "system") {
      content += "\n\n" + instruction;
      merged = true;
    }
    out.push_back(bj::object{{"role", m.role}, {"content", content}});
  }
  return out;
}

long int_field(const bj::object& obj, std::string_view key) {
  const bj::value* v = obj.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return static_cast<long>(v->as_int64());
  if (v->is_uint64()) return static_cast<long>(v->as_uint64());
  return 0;
}

std::string string_field(const bj::object& obj, std::string_view key) {
  const bj::value* v = obj.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

bool is_reasoning_model(std::string_view model) {
  if (auto slash = model.rfind('/'); slash != std::string_view::npos) {
    model.remove_prefix(slash + 1);
  }
  for (std::string_view prefix : {"gpt-5", "o1", "o3", "o4"}) {
    if (model.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

Result<std::string> build_chat_body(const OpenAiConfig& config, const ChatRequest& request) {
  if (request.messages.empty()) return Error::invalid("messages", "no messages to send");
  bj::object body;
  body["model"] = config.model;

  std::string instruction;
  if (!request.json_schema.empty()) {
    boost::system::error_code ec;
    bj::value schema = bj::parse(request.json_schema, ec);
    if (ec || !schema.is_object()) {
      return Error::invalid("json_schema", "the JSON schema is not a JSON object");
    }
    switch (config.mode) {
      case OutputMode::json_schema: {
        std::string name = request.schema_name.empty() ? "reply" : request.schema_name;
        body["response_format"] = bj::object{
            {"type", "json_schema"},
            {"json_schema", bj::object{{"name", name}, {"schema", schema}, {"strict", true}}}};
        break;
      }
      case OutputMode::json_object:
        body["response_format"] = bj::object{{"type", "json_object"}};
        instruction = schema_instruction(config.mode, bj::serialize(schema));
        break;
      case OutputMode::prompt:
        instruction = schema_instruction(config.mode, bj::serialize(schema));
        break;
    }
  }
  body["messages"] = messages_json(request, instruction);

  int max_tokens = std::max(1, request.max_output_tokens);
  if (is_reasoning_model(config.model)) {
    // Only the default temperature (1) is accepted; any other value is a 400.
    body["max_completion_tokens"] = max_tokens + kReasoningBudgetTokens;
    if (config.reasoning_effort) body["reasoning_effort"] = *config.reasoning_effort;
  } else {
    body["max_tokens"] = max_tokens;
    if (request.temperature) body["temperature"] = *request.temperature;
  }
  return bj::serialize(body);
}

Result<ChatResponse> parse_chat_reply(std::string_view body) {
  boost::system::error_code ec;
  bj::value doc = bj::parse(body, ec);
  if (ec || !doc.is_object()) {
    std::string head(body.substr(0, 120));
    return Error::invalid("reply",
                          "malformed reply from the LLM server (not a JSON object): " + head);
  }
  const bj::object& root = doc.as_object();
  const bj::value* choices = root.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty() ||
      !choices->as_array()[0].is_object()) {
    return Error::invalid("reply", "malformed reply from the LLM server: no choices");
  }
  const bj::object& choice = choices->as_array()[0].as_object();
  const bj::value* message = choice.if_contains("message");
  if (message == nullptr || !message->is_object()) {
    return Error::invalid("reply",
                          "malformed reply from the LLM server: choices[0] has no message");
  }
  const bj::object& msg = message->as_object();

  ChatResponse out;
  out.finish_reason = string_field(choice, "finish_reason");
  out.model = string_field(root, "model");
  if (const bj::value* usage = root.if_contains("usage"); usage != nullptr && usage->is_object()) {
    out.usage.prompt_tokens = int_field(usage->as_object(), "prompt_tokens");
    out.usage.completion_tokens = int_field(usage->as_object(), "completion_tokens");
    out.usage.total_tokens = int_field(usage->as_object(), "total_tokens");
  }

  if (const bj::value* refusal = msg.if_contains("refusal");
      refusal != nullptr && !refusal->is_null()) {
    std::string why = refusal->is_string() ? std::string(refusal->as_string()) : "(no reason)";
    return Error::invalid("reply", "model refused: " + why);
  }
  if (out.finish_reason == "length") {
    return Error::invalid("reply", "output truncated (finish_reason length after " +
                                       std::to_string(out.usage.completion_tokens) +
                                       " completion tokens): raise max_output_tokens");
  }
  if (out.finish_reason == "content_filter") {
    return Error::invalid("reply", "reply withheld by the server's content filter");
  }
  const bj::value* content = msg.if_contains("content");
  if (content == nullptr || !content->is_string()) {
    return Error::invalid("reply", "malformed reply from the LLM server: message has no content");
  }
  out.content = std::string(content->as_string());
  return out;
}

std::string server_error_message(std::string_view body) {
  boost::system::error_code ec;
  bj::value doc = bj::parse(body, ec);
  if (!ec && doc.is_object()) {
    const bj::value* err = doc.as_object().if_contains("error");
    if (err != nullptr && err->is_object()) {
      std::string msg = string_field(err->as_object(), "message");
      if (!msg.empty()) return msg;
    }
    if (err != nullptr && err->is_string()) return std::string(err->as_string());
  }
  std::string head(body.substr(0, 300));
  return head.empty() ? "(empty body)" : head;
}

}  // namespace ca::llm
