#include "agents/registry.hpp"

#include <array>

#include "agents/external_http.hpp"
#include "agents/generic_sales.hpp"
#include "agents/rule_agent.hpp"

namespace ca::agents {
namespace {

constexpr std::array<std::string_view, 3> kKinds = {kGenericSalesKind, kRuleKind,
                                                    kExternalHttpKind};

Error unknown_kind(std::string_view kind) {
  return Error::invalid("kind", "unknown agent kind " + std::string(kind) +
                                    "; allowed: generic_sales, rule, external_http");
}

}  // namespace

std::span<const std::string_view> known_kinds() { return kKinds; }

Result<void> validate_config(std::string_view kind, const std::string& config_json) {
  if (kind == kGenericSalesKind) {
    auto c = parse_generic_sales_config(config_json);
    if (!c) return std::move(c).error();
    return {};
  }
  if (kind == kRuleKind) {
    auto c = parse_rule_config(config_json);
    if (!c) return std::move(c).error();
    return {};
  }
  if (kind == kExternalHttpKind) {
    auto c = parse_external_http_config(config_json);
    if (!c) return std::move(c).error();
    return {};
  }
  return unknown_kind(kind);
}

Result<std::unique_ptr<Agent>> make_agent(std::string_view kind, const std::string& config_json,
                                          const RuntimeOptions& opts) {
  if (kind == kGenericSalesKind) {
    auto c = parse_generic_sales_config(config_json);
    if (!c) return std::move(c).error();
    return std::unique_ptr<Agent>(std::make_unique<GenericSalesAgent>(std::move(c).value()));
  }
  if (kind == kRuleKind) {
    auto c = parse_rule_config(config_json);
    if (!c) return std::move(c).error();
    return std::unique_ptr<Agent>(std::make_unique<RuleAgent>(std::move(c).value()));
  }
  if (kind == kExternalHttpKind) {
    auto c = parse_external_http_config(config_json);
    if (!c) return std::move(c).error();
    return std::unique_ptr<Agent>(std::make_unique<ExternalHttpAgent>(std::move(c).value(), opts));
  }
  return unknown_kind(kind);
}

}  // namespace ca::agents
