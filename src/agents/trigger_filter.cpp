// Trigger filters: a JSON object over the event payload, all conditions must hold.
//   {}                                   always
//   {"service_id": "svc_1"}              equals (numbers and numeric strings compare equal)
//   {"service_id": {"in": ["a", "b"]}}   any operator of conditions.hpp except time_since
//   {"amount_minor": {"gte": 1000, "lt": 50000}, "utm.source": {"exists": true}}
// Keys are dotted paths into the payload.
#include <boost/json/parse.hpp>

#include "agents/conditions.hpp"
#include "agents/registry.hpp"

namespace ca::agents {
namespace bj = boost::json;
namespace {

constexpr std::size_t kMaxFilterConditions = 20;

Result<std::vector<Condition>> parse_filter(const bj::value& root, const std::string& field) {
  if (!root.is_object()) return Error::invalid(field, "filter must be a JSON object");
  std::vector<Condition> out;
  for (const auto& kv : root.get_object()) {
    std::string key(kv.key());
    std::string key_field = field;
    key_field.append(".").append(key);
    if (key.empty() || key.size() > 128 || key.front() == '.' || key.back() == '.') {
      return Error::invalid(key_field, "filter keys are dotted payload paths");
    }
    if (!kv.value().is_object()) {
      Condition c{key, Op::equals, kv.value(), {}, {}};
      CA_CHECK(check_operand(c.op, c.operand, key_field));
      out.push_back(std::move(c));
    } else {
      if (kv.value().get_object().empty()) {
        return Error::invalid(key_field, "give at least one operator, e.g. {\"equals\": ...}");
      }
      for (const auto& op_kv : kv.value().get_object()) {
        std::string op_field = key_field + "." + std::string(op_kv.key());
        auto op = parse_op(op_kv.key());
        if (!op || *op == Op::time_since) {
          return Error::invalid(op_field,
                                "unknown operator; allowed: equals, in, gt, gte, lt, lte, exists");
        }
        CA_CHECK(check_operand(*op, op_kv.value(), op_field));
        out.push_back(Condition{key, *op, op_kv.value(), {}, {}});
      }
    }
    if (out.size() > kMaxFilterConditions) {
      return Error::invalid(field, "at most 20 conditions per filter");
    }
  }
  return out;
}

}  // namespace

Result<void> validate_trigger_filter(const std::string& filter_json, const std::string& field) {
  std::error_code ec;
  bj::value root = bj::parse(filter_json, ec);
  if (ec) return Error::invalid(field, "filter is not valid JSON");
  auto parsed = parse_filter(root, field);
  if (!parsed) return std::move(parsed).error();
  return {};
}

bool trigger_matches(const std::string& filter_json, const Event& event) {
  if (filter_json.empty() || filter_json == "{}") return true;
  std::error_code ec;
  bj::value filter = bj::parse(filter_json, ec);
  if (ec) return false;
  auto conditions = parse_filter(filter, "filter");
  if (!conditions) return false;
  if (conditions->empty()) return true;
  bj::value payload = bj::parse(event.payload_json, ec);
  if (ec) payload = bj::object{};
  for (const Condition& c : *conditions) {
    if (!evaluate(c, resolve_path(payload, c.path), event.occurred_at)) return false;
  }
  return true;
}

}  // namespace ca::agents
