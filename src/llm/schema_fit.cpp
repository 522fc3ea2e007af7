#include "llm/schema_fit.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace ca::llm {
namespace {

namespace bj = boost::json;

std::vector<std::string> types_of(const bj::object& schema) {
  std::vector<std::string> out;
  const bj::value* t = schema.if_contains("type");
  if (t == nullptr) return out;
  if (t->is_string()) out.emplace_back(t->as_string());
  if (t->is_array()) {
    for (const auto& e : t->as_array()) {
      if (e.is_string()) out.emplace_back(e.as_string());
    }
  }
  return out;
}

bool has_type(const std::vector<std::string>& types, std::string_view t) {
  return std::find(types.begin(), types.end(), t) != types.end();
}

const bj::object* sub_object(const bj::object& schema, std::string_view key) {
  const bj::value* v = schema.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

bool matches_type(const bj::value& v, std::string_view t) {
  if (t == "string") return v.is_string();
  if (t == "number") return v.is_number();
  if (t == "integer") {
    return v.is_int64() || v.is_uint64() ||
           (v.is_double() &&
            v.as_double() == static_cast<double>(static_cast<long long>(v.as_double())));
  }
  if (t == "boolean") return v.is_bool();
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "null") return v.is_null();
  return true;  // unknown type names are not ours to police
}

void coerce(bj::value& v, const bj::object& schema, const std::string& path,
            std::vector<std::string>& repairs) {
  auto types = types_of(schema);
  bool wants_string = has_type(types, "string");
  bool wants_array = has_type(types, "array");
  std::string where = path.empty() ? "the reply" : path;
  if (wants_string && !wants_array && v.is_array() && !v.as_array().empty() &&
      std::all_of(v.as_array().begin(), v.as_array().end(),
                  [](const bj::value& e) { return e.is_string(); })) {
    std::string joined;
    for (const auto& e : v.as_array()) {
      if (!joined.empty()) joined += "\n";
      joined += std::string(e.as_string());
    }
    v = bj::string(joined);
    repairs.push_back("coerced " + where + ": array of strings joined into one string");
    return;
  }
  if (wants_string && !has_type(types, "number") && !has_type(types, "integer") && v.is_number()) {
    v = bj::string(bj::serialize(v));
    repairs.push_back("coerced " + where + ": number turned into a string");
    return;
  }
  if (wants_array && !wants_string && v.is_string()) {
    const bj::object* items = sub_object(schema, "items");
    if (items == nullptr || has_type(types_of(*items), "string")) {
      v = bj::array{v};
      repairs.push_back("coerced " + where + ": single string wrapped in an array");
      return;
    }
  }
  if (v.is_object()) {
    if (const bj::object* props = sub_object(schema, "properties")) {
      for (auto& [key, child] : v.as_object()) {
        if (const bj::object* sub = sub_object(*props, key)) {
          coerce(child, *sub, join(path, key), repairs);
        }
      }
    }
  } else if (v.is_array()) {
    if (const bj::object* items = sub_object(schema, "items")) {
      auto& arr = v.as_array();
      for (std::size_t i = 0; i < arr.size(); ++i) coerce(arr[i], *items, index(path, i), repairs);
    }
  }
}

std::int64_t int_keyword(const bj::object& schema, std::string_view key, std::int64_t fallback) {
  const bj::value* v = schema.if_contains(key);
  if (v != nullptr && v->is_int64()) return v->as_int64();
  if (v != nullptr && v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return fallback;
}

Result<void> check(const bj::value& v, const bj::object& schema, const std::string& path) {
  std::string field = path.empty() ? "reply" : path;
  auto types = types_of(schema);
  if (!types.empty() && std::none_of(types.begin(), types.end(),
                                     [&](const std::string& t) { return matches_type(v, t); })) {
    std::string want;
    for (const auto& t : types) want += (want.empty() ? "" : " or ") + t;
    return Error::invalid(field, "expected " + want + ", got " + bj::serialize(v).substr(0, 80));
  }
  if (const bj::value* en = schema.if_contains("enum"); en != nullptr && en->is_array()) {
    const auto& options = en->as_array();
    if (std::find(options.begin(), options.end(), v) == options.end()) {
      return Error::invalid(field, "must be one of " + bj::serialize(*en));
    }
  }
  if (v.is_string()) {
    if (static_cast<std::int64_t>(v.as_string().size()) < int_keyword(schema, "minLength", 0)) {
      return Error::invalid(field, "is shorter than minLength");
    }
  } else if (v.is_object()) {
    const auto& obj = v.as_object();
    if (const bj::value* req = schema.if_contains("required"); req != nullptr && req->is_array()) {
      for (const auto& k : req->as_array()) {
        if (k.is_string() && !obj.contains(k.as_string())) {
          return Error::invalid(join(path, k.as_string()), "required field is missing");
        }
      }
    }
    const bj::object* props = sub_object(schema, "properties");
    const bj::value* extra = schema.if_contains("additionalProperties");
    bool closed = extra != nullptr && extra->is_bool() && !extra->as_bool();
    for (const auto& [key, child] : obj) {
      const bj::object* sub = props != nullptr ? sub_object(*props, key) : nullptr;
      if (sub == nullptr) {
        if (closed) return Error::invalid(join(path, key), "field is not in the schema");
        continue;
      }
      CA_CHECK(check(child, *sub, join(path, key)));
    }
  } else if (v.is_array()) {
    const auto& arr = v.as_array();
    auto n = static_cast<std::int64_t>(arr.size());
    if (n < int_keyword(schema, "minItems", 0)) {
      return Error::invalid(
          field,
          "needs at least " + std::to_string(int_keyword(schema, "minItems", 0)) + " item(s)");
    }
    if (n > int_keyword(schema, "maxItems", n)) {
      return Error::invalid(
          field,
          "has more than " + std::to_string(int_keyword(schema, "maxItems", n)) + " item(s)");
    }
    if (const bj::object* items = sub_object(schema, "items")) {
      for (std::size_t i = 0; i < arr.size(); ++i) CA_CHECK(check(arr[i], *items, index(path, i)));
    }
  }
  return ok();
}

}  // namespace

void coerce_to_schema(bj::value& value, const bj::object& schema,
                      std::vector<std::string>& repairs) {
  coerce(value, schema, "", repairs);
}

Result<void> check_schema(const bj::value& value, const bj::object& schema) {
  return check(value, schema, "");
}

}  // namespace ca::llm
