#include "domain/json_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

#include <fmt/format.h>

#include "domain/validation.hpp"

namespace ca::json {

namespace {

const char* type_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "an integer";
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
  }
  return "a value";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

Result<boost::json::object> parse_object(std::string_view body) {
  if (trim(body).empty()) {
    return Error{ErrorCode::malformed_json, "request body is empty; send a JSON object", {}};
  }
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(body.data(), body.size(), ec);
  if (!ec) {
    consumed = body.size();
    parser.finish(ec);
  }
  if (ec) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < consumed && i < body.size(); ++i) {
      if (body[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Error{ErrorCode::malformed_json,
                 fmt::format("malformed JSON at line {}, column {}: {}", line, col, ec.message()),
                 {}};
  }
  boost::json::value v = parser.release();
  if (!v.is_object()) {
    return Error{ErrorCode::invalid_argument,
                 fmt::format("request body must be a JSON object, got {}", type_name(v)),
                 {}};
  }
  return std::move(v.as_object());
}

std::string FieldReader::path(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

void FieldReader::fail(std::string_view key, std::string message) {
  if (!error_) error_ = Error::invalid(path(key), std::move(message));
}

bool FieldReader::has(std::string_view key) const {
  auto it = obj_.find(key);
  return it != obj_.end() && !it->value().is_null();
}

bool FieldReader::is_null(std::string_view key) const {
  auto it = obj_.find(key);
  return it != obj_.end() && it->value().is_null();
}

const boost::json::value* FieldReader::find(std::string_view key, Need need) {
  if (error_) return nullptr;
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) {
    if (need == Need::required) fail(key, fmt::format("{} is required", path(key)));
    return nullptr;
  }
  return &it->value();
}

std::optional<std::string> FieldReader::string(std::string_view key, Need need,
                                               std::size_t max_len) {
  const auto* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(key, fmt::format("{} must be a string, got {}", path(key), type_name(*v)));
    return std::nullopt;
  }
  std::string_view s = trim(v->as_string());
  if (s.empty()) {
    fail(key, fmt::format("{} must not be empty", path(key)));
    return std::nullopt;
  }
  if (s.size() > max_len) {
    fail(key, fmt::format("{} is {} bytes long; the limit is {}", path(key), s.size(), max_len));
    return std::nullopt;
  }
  if (!is_clean_text(s)) {
    fail(key, fmt::format("{} contains control characters", path(key)));
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<std::int64_t> FieldReader::integer(std::string_view key, Need need, std::int64_t min,
                                                 std::int64_t max) {
  const auto* v = find(key, need);
  if (!v) return std::nullopt;
  std::int64_t n;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(v->as_uint64());
  } else if (v->is_double() &&
             v->as_double() == static_cast<double>(static_cast<std::int64_t>(v->as_double()))) {
    n = static_cast<std::int64_t>(v->as_double());
  } else {
    fail(key, fmt::format("{} must be an integer, got {}", path(key), type_name(*v)));
    return std::nullopt;
  }
  if (n < min || n > max) {
    fail(key, fmt::format("{} must be between {} and {}", path(key), min, max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> FieldReader::boolean(std::string_view key, Need need) {
  const auto* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    fail(key, fmt::format("{} must be true or false, got {}", path(key), type_name(*v)));
    return std::nullopt;
  }
  return v->as_bool();
}

const boost::json::object* FieldReader::object(std::string_view key, Need need) {
  const auto* v = find(key, need);
  if (!v) return nullptr;
  if (!v->is_object()) {
    fail(key, fmt::format("{} must be an object, got {}", path(key), type_name(*v)));
    return nullptr;
  }
  return &v->as_object();
}

void FieldReader::reject_unknown(std::initializer_list<std::string_view> allowed) {
  if (error_) return;
  for (const auto& kv : obj_) {
    bool known = false;
    for (auto a : allowed) known = known || kv.key() == a;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(kv.key(), fmt::format("unknown field {}; allowed: {}", path(kv.key()), list));
      return;
    }
  }
}

std::string quote(std::string_view s) {
  return boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}

}  // namespace ca::json
