// Reading client JSON by hand so that every error names its field (Boost.JSON's
// described-struct conversion reports no field names). Only api/ includes this.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "domain/result.hpp"

namespace ca::json {

// Parses a request body that must be a JSON object. Errors say where:
// "malformed JSON at line 3, column 14: expected ','" (code malformed_json, 400).
Result<boost::json::object> parse_object(std::string_view body);

enum class Need { required, optional };

// Reads fields of one object, remembering the first error. Calls after an error are
// no-ops that return nullopt, so a decoder reads straight through and checks once.
class FieldReader {
 public:
  explicit FieldReader(const boost::json::object& obj, std::string prefix = {})
      : obj_(obj), prefix_(std::move(prefix)) {}

  // A string of 1..max_len bytes (after trimming surrounding whitespace), clean UTF-8 text.
  // JSON null counts as absent for optional fields.
  std::optional<std::string> string(std::string_view key, Need need, std::size_t max_len = 200);
  std::optional<std::int64_t> integer(std::string_view key, Need need, std::int64_t min,
                                      std::int64_t max);
  std::optional<bool> boolean(std::string_view key, Need need);
  // An object field, returned as is (caller decodes it with a nested FieldReader).
  const boost::json::object* object(std::string_view key, Need need);
  // True when the key is present with a non-null value.
  bool has(std::string_view key) const;
  // True when the key is present and explicitly null (PATCH: clear the field).
  bool is_null(std::string_view key) const;

  // Fails on the first key not in `allowed` ("unknown field; allowed: a, b, c").
  void reject_unknown(std::initializer_list<std::string_view> allowed);
  // Records an error for a field (first error wins).
  void fail(std::string_view key, std::string message);
  // Records an error found by a nested reader, keeping its full field path.
  void adopt(const Error& e) {
    if (!error_) error_ = e;
  }

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }
  std::string path(std::string_view key) const;

 private:
  const boost::json::value* find(std::string_view key, Need need);

  const boost::json::object& obj_;
  std::string prefix_;
  std::optional<Error> error_;
};

// Serialises a string as a JSON string literal (escaped, quoted).
std::string quote(std::string_view s);

}  // namespace ca::json
