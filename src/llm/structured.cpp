#include "llm/structured.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <optional>

#include "llm/schema_fit.hpp"

namespace ca::llm {
namespace {

namespace bj = boost::json;

std::string describe(const Error& e) {
  return e.field.empty() || e.field == "reply" ? e.message : e.field + ": " + e.message;
}

// One reply through the pipeline: lenient parse, coercion, schema, caller's validator.
Result<std::string> accept(const std::string& content, const bj::object* schema,
                           const Validator& validate, std::vector<std::string>& repairs) {
  auto text = lenient_json_object(content, repairs);
  if (!text) return std::move(text).error();
  if (schema == nullptr) {
    if (validate) CA_CHECK(validate(*text));
    return text;
  }
  bj::value doc = bj::parse(*text);  // lenient_json_object returned valid JSON
  coerce_to_schema(doc, *schema, repairs);
  CA_CHECK(check_schema(doc, *schema));
  std::string fitted = bj::serialize(doc);
  if (validate) CA_CHECK(validate(fitted));
  return fitted;
}

}  // namespace

Result<StructuredResult> complete_structured(LlmClient& client, const ChatRequest& request,
                                             const Validator& validate) {
  std::optional<bj::object> schema;
  if (!request.json_schema.empty()) {
    boost::system::error_code ec;
    bj::value parsed = bj::parse(request.json_schema, ec);
    if (ec || !parsed.is_object()) {
      return Error::invalid("json_schema", "the JSON schema is not a JSON object");
    }
    schema = std::move(parsed.as_object());
  }

  StructuredResult out;
  ChatRequest attempt = request;
  for (int round = 1;; ++round) {
    auto reply = client.complete(attempt);
    if (!reply) return std::move(reply).error();
    ++out.calls;
    out.usage.prompt_tokens += reply->usage.prompt_tokens;
    out.usage.completion_tokens += reply->usage.completion_tokens;
    out.usage.total_tokens += reply->usage.total_tokens;
    out.latency += reply->latency;

    std::vector<std::string> repairs;
    auto accepted = accept(reply->content, schema ? &*schema : nullptr, validate, repairs);
    for (auto& r : repairs) {
      spdlog::info("llm structured model={} schema={} repair: {}", client.model(),
                   request.schema_name, r);
      out.repairs.push_back(std::move(r));
    }
    if (accepted) {
      out.json = std::move(accepted).value();
      out.last = std::move(reply).value();
      return out;
    }
    const Error& problem = accepted.error();
    if (problem.code != ErrorCode::invalid_argument) return problem;  // not the model's fault
    if (round == 2) {
      spdlog::warn("llm structured model={} schema={} still invalid after a re-ask: {}",
                   client.model(), request.schema_name, describe(problem));
      return Error::invalid(problem.field,
                            "the LLM reply is still invalid after a re-ask: " + describe(problem));
    }
    std::string why = describe(problem);
    spdlog::info("llm structured model={} schema={} re-asking: {}", client.model(),
                 request.schema_name, why);
    out.repairs.push_back("re-asked: " + why);
    attempt.messages.push_back({"assistant", reply->content});
    attempt.messages.push_back({"user", "Your previous reply was invalid: " + why +
                                            ". Reply with only the corrected JSON object."});
  }
}

}  // namespace ca::llm
