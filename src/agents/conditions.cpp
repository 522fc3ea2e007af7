#include "agents/conditions.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <charconv>
#include <cmath>

namespace ca::agents {
namespace bj = boost::json;
namespace {

std::optional<double> as_number(const bj::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

// A string that is exactly a decimal number reads as that number (ids like "42").
std::optional<double> loose_number(const bj::value& v) {
  if (auto n = as_number(v)) return n;
  if (!v.is_string() || v.get_string().empty()) return std::nullopt;
  const auto& s = v.get_string();
  double out = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return out;
}

bool scalar(const bj::value& v) { return v.is_string() || v.is_number() || v.is_bool(); }

bool loosely_equal(const bj::value& a, const bj::value& b) {
  if (a.is_string() && b.is_string()) return a.get_string() == b.get_string();
  if (a.is_bool() || b.is_bool()) return a.is_bool() && b.is_bool() && a.get_bool() == b.get_bool();
  auto x = loose_number(a);
  auto y = loose_number(b);
  return x && y && *x == *y;
}

}  // namespace

std::optional<Op> parse_op(std::string_view name) {
  if (name == "equals") return Op::equals;
  if (name == "in") return Op::in;
  if (name == "gt") return Op::gt;
  if (name == "gte") return Op::gte;
  if (name == "lt") return Op::lt;
  if (name == "lte") return Op::lte;
  if (name == "exists") return Op::exists;
  if (name == "time_since") return Op::time_since;
  return std::nullopt;
}

std::optional<std::chrono::microseconds> parse_duration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc{} || ptr != text.data() + text.size() - 1 || n <= 0) return std::nullopt;
  std::chrono::microseconds d{};
  switch (text.back()) {
    case 'm': d = std::chrono::minutes{n}; break;
    case 'h': d = std::chrono::hours{n}; break;
    case 'd': d = std::chrono::hours{24 * n}; break;
    default: return std::nullopt;
  }
  if (d > std::chrono::hours{24 * 366}) return std::nullopt;
  return d;
}

Result<void> check_operand(Op op, const bj::value& operand, const std::string& field) {
  switch (op) {
    case Op::equals:
      if (!scalar(operand)) return Error::invalid(field, "must be a string, number or boolean");
      return {};
    case Op::in: {
      if (!operand.is_array() || operand.get_array().empty() || operand.get_array().size() > 100) {
        return Error::invalid(field, "must be an array of 1..100 strings or numbers");
      }
      for (const auto& v : operand.get_array()) {
        if (!scalar(v)) return Error::invalid(field, "must hold only strings or numbers");
      }
      return {};
    }
    case Op::gt:
    case Op::gte:
    case Op::lt:
    case Op::lte:
      if (!as_number(operand)) return Error::invalid(field, "must be a number");
      return {};
    case Op::exists:
      if (!operand.is_bool()) return Error::invalid(field, "must be true or false");
      return {};
    case Op::time_since: return {};  // durations are checked by the caller (gte/lt fields)
  }
  return {};
}

const bj::value* resolve_path(const bj::value& root, std::string_view path) {
  const bj::value* cur = &root;
  while (!path.empty()) {
    auto dot = path.find('.');
    std::string_view key = path.substr(0, dot);
    if (!cur->is_object()) return nullptr;
    cur = cur->get_object().if_contains(key);
    if (cur == nullptr) return nullptr;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return cur;
}

bool evaluate(const Condition& c, const bj::value* actual, Timestamp reference) {
  const bool present = actual != nullptr && !actual->is_null();
  switch (c.op) {
    case Op::exists: return present == c.operand.get_bool();
    case Op::equals: return present && loosely_equal(*actual, c.operand);
    case Op::in: {
      if (!present) return false;
      for (const auto& v : c.operand.get_array()) {
        if (loosely_equal(*actual, v)) return true;
      }
      return false;
    }
    case Op::gt:
    case Op::gte:
    case Op::lt:
    case Op::lte: {
      if (!present) return false;
      auto x = as_number(*actual);
      auto y = as_number(c.operand);
      if (!x || !y || std::isnan(*x)) return false;
      if (c.op == Op::gt) return *x > *y;
      if (c.op == Op::gte) return *x >= *y;
      if (c.op == Op::lt) return *x < *y;
      return *x <= *y;
    }
    case Op::time_since: {
      if (!present || !actual->is_string()) return false;
      auto t = parse_rfc3339(std::string_view(actual->get_string()));
      if (!t) return false;
      auto elapsed = reference - *t;
      if (c.since_gte && elapsed < *c.since_gte) return false;
      if (c.since_lt && elapsed >= *c.since_lt) return false;
      return true;
    }
  }
  return false;
}

}  // namespace ca::agents
