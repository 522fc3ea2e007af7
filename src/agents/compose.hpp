// Message text from templates. Prices and links come only from Product rows; consumer
// text (names) is data: sanitised, length-capped, substituted in one pass and never
// re-expanded, so a name like "{{service.price}}" stays literal text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::agents {

// Placeholders: {{consumer.name}} ("there" when unknown), {{consumer.first_name}},
// {{creator.name}}, {{service.name}}, {{service.price}} (display text, e.g. "₹4,999"),
// {{service.url}} (empty when the product has none).
struct TemplateVars {
  std::string consumer_name;
  std::string consumer_first_name;
  std::string creator_name;
  const Product* service = nullptr;
};

inline constexpr std::size_t kMaxTemplateBytes = 1000;

TemplateVars make_vars(const Consumer* consumer, const Creator& creator, const Product* service);

// Single pass; unknown placeholders render empty (validate_template rejects them earlier).
std::string render(std::string_view tmpl, const TemplateVars& vars);

// Non-empty, <= kMaxTemplateBytes, only known placeholders, balanced braces.
Result<void> validate_template(std::string_view tmpl, const std::string& field);

// Whether the template mentions {{service.*}} (then it needs a resolved service).
bool uses_service(std::string_view tmpl);

// Printable, no braces or angle brackets, at most 60 bytes (UTF-8 kept whole).
std::string sanitize_name(std::string_view name);

// The service an event is about: payload service_id (string or number) matched to a
// Product id; else payload service_name/product_name matched to a name (case-insensitive);
// else payload url/service_url matched to a Product url. Null when none matches.
const Product* find_service(const std::vector<Product>& products, const Event& event);
const Product* find_product_by_id(const std::vector<Product>& products, std::string_view id);

}  // namespace ca::agents
