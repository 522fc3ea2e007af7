// Money as integer minor units plus an ISO 4217 code; never floating point.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ca {

struct Money {
  std::int64_t amount_minor = 0;
  std::string currency;  // "INR", "USD", ...

  bool operator==(const Money&) const = default;
};

// Digits after the decimal point for a currency (JPY 0, most 2).
int minor_digits(std::string_view currency);
// Human text: "₹50,000", "$49.99", "€1,200.50"; Indian digit grouping for INR.
std::string display(const Money& m);
// Three uppercase letters.
bool is_currency_code(std::string_view code);

}  // namespace ca
