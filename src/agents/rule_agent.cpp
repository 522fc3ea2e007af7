#include "agents/rule_agent.hpp"

#include <boost/json/serialize.hpp>

#include <array>

#include "agents/compose.hpp"
#include "agents/input_json.hpp"
#include "domain/json_codec.hpp"

namespace ca::agents {
namespace bj = boost::json;
namespace {

using json::FieldReader;
using json::Need;

constexpr std::size_t kMaxRules = 50;
constexpr std::size_t kMaxConditions = 20;

constexpr std::array<std::string_view, 17> kExactPaths = {"event.id",
                                                          "event.type",
                                                          "event.source",
                                                          "event.occurred_at",
                                                          "before.stage",
                                                          "before.lead_score",
                                                          "before.last_seen_at",
                                                          "after.stage",
                                                          "after.lead_score",
                                                          "after.last_seen_at",
                                                          "consumer",
                                                          "consumer.id",
                                                          "consumer.name",
                                                          "consumer.email",
                                                          "consumer.whatsapp",
                                                          "creator.id",
                                                          "creator.name"};
constexpr std::array<std::string_view, 5> kPathPrefixes = {"event.payload.", "before.metrics.",
                                                           "after.metrics.", "before.attributes.",
                                                           "after.attributes."};

bool known_path(std::string_view p) {
  if (p == "consumer.external_id" || p == "consumer.timezone") return true;
  for (std::string_view e : kExactPaths) {
    if (p == e) return true;
  }
  for (std::string_view prefix : kPathPrefixes) {
    if (p.starts_with(prefix) && p.size() > prefix.size() && !p.ends_with(".")) return true;
  }
  return false;
}

std::optional<Condition> parse_condition(const bj::value& v, const std::string& field,
                                         FieldReader& parent) {
  if (!v.is_object()) {
    parent.adopt(Error::invalid(field, field + " must be an object {path, op, value}"));
    return std::nullopt;
  }
  FieldReader r(v.get_object(), field);
  r.reject_unknown({"path", "op", "value", "gte", "lt"});
  auto path = r.string("path", Need::required, 200);
  auto op_name = r.string("op", Need::required, 16);
  if (!r.ok()) {
    parent.adopt(r.error());
    return std::nullopt;
  }
  Condition c;
  c.path = *path;
  if (!known_path(c.path)) {
    r.fail("path", "unknown path " + c.path +
                       "; use event.type, event.payload.<key>, before.metrics.<key>, "
                       "after.stage, before.last_seen_at, consumer.<field>, ...");
  }
  auto op = parse_op(*op_name);
  if (!op) {
    r.fail("op", "unknown operator " + *op_name +
                     "; allowed: equals, in, gt, gte, lt, lte, exists, time_since");
  } else {
    c.op = *op;
  }
  if (r.ok() && c.op == Op::time_since) {
    for (const char* key : {"gte", "lt"}) {
      if (auto d = r.string(key, Need::optional, 16)) {
        auto parsed = parse_duration(*d);
        if (!parsed) {
          r.fail(key, r.path(key) + " must be a duration like 30m, 24h or 7d");
        } else {
          (std::string_view(key) == "gte" ? c.since_gte : c.since_lt) = parsed;
        }
      }
    }
    if (r.ok() && !c.since_gte && !c.since_lt) r.fail("gte", "time_since needs gte and/or lt");
  } else if (r.ok()) {
    if (r.has("gte") || r.has("lt")) r.fail("op", "gte/lt fields belong to time_since");
    const bj::value* operand = v.get_object().if_contains("value");
    if (operand == nullptr && c.op == Op::exists) {
      c.operand = true;
    } else if (operand == nullptr) {
      r.fail("value", r.path("value") + " is required");
    } else {
      c.operand = *operand;
      auto checked = check_operand(c.op, c.operand, r.path("value"));
      if (!checked) r.adopt(checked.error());
    }
  }
  if (!r.ok()) {
    parent.adopt(r.error());
    return std::nullopt;
  }
  return c;
}

std::optional<RuleSpec> parse_rule(const bj::value& v, const std::string& field,
                                   FieldReader& parent) {
  if (!v.is_object()) {
    parent.adopt(Error::invalid(field, field + " must be an object {name, when, action}"));
    return std::nullopt;
  }
  FieldReader r(v.get_object(), field);
  r.reject_unknown({"name", "when", "action"});
  RuleSpec rule;
  if (auto name = r.string("name", Need::required, 64)) rule.name = *name;
  if (const bj::value* when = v.get_object().if_contains("when"); when != nullptr && r.ok()) {
    if (!when->is_array() || when->get_array().size() > kMaxConditions) {
      r.fail("when", r.path("when") + " must be an array of at most 20 conditions");
    } else {
      for (std::size_t i = 0; i < when->get_array().size() && r.ok(); ++i) {
        std::string f = r.path("when") + "[" + std::to_string(i) + "]";
        if (auto c = parse_condition(when->get_array()[i], f, r)) rule.when.push_back(*c);
      }
    }
  }
  if (const auto* action = r.object("action", Need::required)) {
    FieldReader a(*action, r.path("action"));
    a.reject_unknown({"channel", "delay_minutes", "message"});
    if (auto ch = a.string("channel", Need::optional, 16)) {
      auto pref = parse_channel_preference(*ch);
      if (!pref) {
        a.fail("channel", a.path("channel") + " must be auto, whatsapp or email");
      } else {
        rule.channel = *pref;
      }
    }
    if (auto d = a.integer("delay_minutes", Need::optional, 0, kMaxDelayMinutes)) {
      rule.delay = std::chrono::minutes{*d};
    }
    if (auto m = a.string("message", Need::required, kMaxTemplateBytes)) {
      auto valid = validate_template(*m, a.path("message"));
      if (!valid) a.adopt(valid.error());
      rule.message = *m;
    }
    if (!a.ok()) r.adopt(a.error());
  }
  if (!r.ok()) {
    parent.adopt(r.error());
    return std::nullopt;
  }
  return rule;
}

}  // namespace

Result<RuleAgentConfig> parse_rule_config(const std::string& text) {
  auto parsed = json::parse_object(text.empty() ? "{}" : text);
  if (!parsed) return Error::invalid("config", "config must be a JSON object");
  RuleAgentConfig cfg;
  FieldReader r(*parsed, "config");
  r.reject_unknown({"match", "rules"});
  if (auto m = r.string("match", Need::optional, 8)) {
    if (*m != "first" && *m != "all") r.fail("match", "config.match must be first or all");
    cfg.match_all = *m == "all";
  }
  const bj::value* rules = parsed->if_contains("rules");
  if (r.ok()) {
    if (rules == nullptr || !rules->is_array() || rules->get_array().empty() ||
        rules->get_array().size() > kMaxRules) {
      r.fail("rules", "config.rules must be an array of 1..50 rules");
    } else {
      for (std::size_t i = 0; i < rules->get_array().size() && r.ok(); ++i) {
        std::string f = "config.rules[" + std::to_string(i) + "]";
        if (auto rule = parse_rule(rules->get_array()[i], f, r)) {
          cfg.rules.push_back(std::move(*rule));
        }
      }
    }
  }
  if (!r.ok()) return r.error();
  return cfg;
}

std::vector<std::size_t> RuleAgent::matching(const AgentInput& in, std::string& why) const {
  const bj::value doc = input_json(in);
  const Product* service = find_service(in.products, in.event);
  const bool reachable = choose_channel(in.consumer, ChannelPreference::automatic).has_value();
  std::vector<std::size_t> out;
  std::string skipped;
  for (std::size_t i = 0; i < config_.rules.size(); ++i) {
    const RuleSpec& rule = config_.rules[i];
    bool all = true;
    for (const Condition& c : rule.when) {
      if (!evaluate(c, resolve_path(doc, c.path), in.event.occurred_at)) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    if (uses_service(rule.message) && service == nullptr) {
      skipped += "; rule " + rule.name + " matched but the event names no known service";
      continue;
    }
    if (!reachable) {
      skipped += "; rule " + rule.name + " matched but the consumer has no contact";
      continue;
    }
    out.push_back(i);
    if (!config_.match_all) break;
  }
  if (out.empty()) {
    why = "no rule matched" + skipped;
  } else {
    why = "matched rule";
    for (std::size_t i : out) why += " " + config_.rules[i].name;
  }
  return out;
}

bool RuleAgent::should_act(const AgentInput& in, std::string& reason) const {
  return !matching(in, reason).empty();
}

std::vector<PlannedAction> RuleAgent::plan_actions(const AgentInput& in) const {
  std::string why;
  const Product* service = find_service(in.products, in.event);
  const TemplateVars vars = make_vars(in.consumer, in.creator, service);
  std::vector<PlannedAction> out;
  for (std::size_t i : matching(in, why)) {
    const RuleSpec& rule = config_.rules[i];
    auto channel = choose_channel(in.consumer, rule.channel);
    if (!channel) continue;
    PlannedAction a;
    a.channel = *channel;
    a.send_at = send_at_after(in.now, rule.delay);
    a.message = render(rule.message, vars);
    bj::object meta{{"agent", kRuleKind}, {"rule", rule.name}, {"event_id", in.event.id}};
    if (service != nullptr) meta["service_id"] = service->id;
    a.metadata_json = bj::serialize(meta);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace ca::agents
