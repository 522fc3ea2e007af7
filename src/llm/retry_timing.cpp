#include "llm/retry_timing.hpp"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string>

namespace ca::llm {

bool is_retryable_status(long status) { return status == 429 || (status >= 500 && status <= 599); }

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, Timestamp now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    if (value.size() > 9) return std::chrono::hours(24 * 365);  // absurd; the cap handles it
    return std::chrono::seconds(std::stol(std::string(value)));
  }
  // IMF-fixdate (RFC 9110 §5.6.7), the only HTTP-date form servers still send.
  std::istringstream in{std::string(value)};
  date::sys_seconds when;
  in >> date::parse("%a, %d %b %Y %H:%M:%S GMT", when);
  if (in.fail()) return std::nullopt;
  auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
  return std::max(delta, std::chrono::milliseconds(0));
}

std::optional<std::chrono::milliseconds> parse_retry_after_ms(std::string_view value) {
  std::size_t digits = 0;
  while (digits < value.size() && std::isdigit(static_cast<unsigned char>(value[digits])) != 0) {
    ++digits;
  }
  if (digits == 0 || digits > 9) return std::nullopt;
  std::string_view rest = value.substr(digits);
  if (!rest.empty() && rest.front() == '.') rest.remove_prefix(1);  // fraction: rounded down
  if (!std::all_of(rest.begin(), rest.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(std::stol(std::string(value.substr(0, digits))));
}

std::chrono::milliseconds retry_delay(int attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds cap, double unit,
                                      std::optional<std::chrono::milliseconds> retry_after) {
  if (retry_after) return std::clamp(*retry_after, std::chrono::milliseconds(0), cap);
  double exp = static_cast<double>(base.count());
  for (int i = 1; i < attempt && exp < static_cast<double>(cap.count()); ++i) exp *= 2;
  exp = std::min(exp, static_cast<double>(cap.count()));
  unit = std::clamp(unit, 0.0, 1.0);
  auto ms = static_cast<std::int64_t>(exp / 2 + unit * exp / 2);
  return std::clamp(std::chrono::milliseconds(ms), std::chrono::milliseconds(0), cap);
}

}  // namespace ca::llm
