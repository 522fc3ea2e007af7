#include "agents/compose.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace ca::agents {
namespace bj = boost::json;
namespace {

constexpr std::array<std::string_view, 6> kPlaceholders = {"consumer.name", "consumer.first_name",
                                                           "creator.name",  "service.name",
                                                           "service.price", "service.url"};
constexpr std::size_t kMaxNameBytes = 60;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string value_of(std::string_view key, const TemplateVars& v) {
  if (key == "consumer.name") return v.consumer_name;
  if (key == "consumer.first_name") return v.consumer_first_name;
  if (key == "creator.name") return v.creator_name;
  if (v.service == nullptr) return {};
  if (key == "service.name") return sanitize_name(v.service->name);
  if (key == "service.price") return display(v.service->price);
  if (key == "service.url") return v.service->url.value_or("");
  return {};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::optional<std::string> payload_string(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_string() && !v->get_string().empty()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return std::nullopt;
}

}  // namespace

std::string sanitize_name(std::string_view name) {
  std::string out;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || ch == '{' || ch == '}' || ch == '<' || ch == '>') continue;
    out.push_back(ch);
  }
  if (out.size() > kMaxNameBytes) {
    std::size_t cut = kMaxNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return std::string(trim(out));
}

TemplateVars make_vars(const Consumer* consumer, const Creator& creator, const Product* service) {
  TemplateVars v;
  std::string name = consumer != nullptr && consumer->name ? sanitize_name(*consumer->name) : "";
  v.consumer_name = name.empty() ? "there" : name;
  v.consumer_first_name = name.empty() ? "there" : name.substr(0, name.find(' '));
  v.creator_name = sanitize_name(creator.name);
  v.service = service;
  return v;
}

std::string render(std::string_view tmpl, const TemplateVars& vars) {
  std::string out;
  out.reserve(tmpl.size() + 64);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    auto open = tmpl.find("{{", i);
    if (open == std::string_view::npos) break;
    auto close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(tmpl.substr(i, open - i));
    out.append(value_of(trim(tmpl.substr(open + 2, close - open - 2)), vars));
    i = close + 2;
  }
  out.append(tmpl.substr(std::min(i, tmpl.size())));
  return out;
}

Result<void> validate_template(std::string_view tmpl, const std::string& field) {
  if (trim(tmpl).empty()) return Error::invalid(field, "message template must not be empty");
  if (tmpl.size() > kMaxTemplateBytes) {
    return Error::invalid(field, "message template is longer than 1000 bytes");
  }
  std::size_t i = 0;
  while ((i = tmpl.find("{{", i)) != std::string_view::npos) {
    auto close = tmpl.find("}}", i + 2);
    if (close == std::string_view::npos) return Error::invalid(field, "unclosed {{ placeholder");
    std::string_view key = trim(tmpl.substr(i + 2, close - i - 2));
    if (std::find(kPlaceholders.begin(), kPlaceholders.end(), key) == kPlaceholders.end()) {
      return Error::invalid(field, "unknown placeholder {{" + std::string(key) +
                                       "}}; allowed: consumer.name, consumer.first_name, "
                                       "creator.name, service.name, service.price, service.url");
    }
    i = close + 2;
  }
  return {};
}

bool uses_service(std::string_view tmpl) {
  for (std::size_t i = 0; (i = tmpl.find("{{", i)) != std::string_view::npos; i += 2) {
    auto close = tmpl.find("}}", i + 2);
    if (close == std::string_view::npos) return false;
    if (trim(tmpl.substr(i + 2, close - i - 2)).starts_with("service.")) return true;
  }
  return false;
}

const Product* find_product_by_id(const std::vector<Product>& products, std::string_view id) {
  for (const Product& p : products) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const Product* find_service(const std::vector<Product>& products, const Event& event) {
  std::error_code ec;
  bj::value root = bj::parse(event.payload_json, ec);
  if (ec || !root.is_object()) return nullptr;
  const bj::object& o = root.get_object();
  if (auto id = payload_string(o, "service_id")) {
    if (const Product* p = find_product_by_id(products, *id)) return p;
  }
  for (std::string_view key : {"service_name", "product_name"}) {
    if (auto name = payload_string(o, key)) {
      for (const Product& p : products) {
        if (iequals(trim(p.name), trim(*name))) return &p;
      }
    }
  }
  for (std::string_view key : {"service_url", "url"}) {
    if (auto url = payload_string(o, key)) {
      for (const Product& p : products) {
        if (p.url && *p.url == *url) return &p;
      }
    }
  }
  return nullptr;
}

}  // namespace ca::agents
