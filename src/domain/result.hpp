// Errors as values across component boundaries. An Error becomes an HTTP status in
// exactly one place (http/error_response); everywhere else it is data.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace ca {

enum class ErrorCode {
  invalid_argument,        // 400: a field is missing or has a bad value
  malformed_json,          // 400: the body is not JSON
  unauthorized,            // 401
  forbidden,               // 403: admin-only endpoint called with a creator key
  not_found,               // 404 (also for other tenants' objects)
  method_not_allowed,      // 405
  conflict,                // 409: uniqueness or idempotency clash
  payload_too_large,       // 413
  unsupported_media_type,  // 415
  rate_limited,            // 429
  unavailable,             // 503: not ready, database down, pool exhausted
  internal,                // 500: a bug or an unexpected backend failure
};

// snake_case code as it appears in API error bodies.
const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::string field;  // JSON path of the offending field, empty when not one field

  static Error invalid(std::string field, std::string message) {
    return {ErrorCode::invalid_argument, std::move(message), std::move(field)};
  }
  static Error not_found(std::string message) {
    return {ErrorCode::not_found, std::move(message), {}};
  }
  static Error conflict(std::string message, std::string field = {}) {
    return {ErrorCode::conflict, std::move(message), std::move(field)};
  }
  static Error internal(std::string message) {
    return {ErrorCode::internal, std::move(message), {}};
  }
  static Error unavailable(std::string message) {
    return {ErrorCode::unavailable, std::move(message), {}};
  }
};

// A minimal expected<T, Error> (GCC 12 has no std::expected in C++20 mode).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error)
      : err_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return err_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(err_);
  }

 private:
  Error err_;
  bool ok_ = true;
};

inline Result<void> ok() { return {}; }

}  // namespace ca

// Return early with the error of a failed Result (void or not).
#define CA_CHECK(expr)                                                 \
  do {                                                                 \
    auto ca_check_result_ = (expr);                                    \
    if (!ca_check_result_) return std::move(ca_check_result_).error(); \
  } while (0)
