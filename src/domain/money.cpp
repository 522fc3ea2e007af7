#include "domain/money.hpp"

#include <cstdlib>

namespace ca {

int minor_digits(std::string_view c) {
  if (c == "JPY" || c == "KRW" || c == "VND" || c == "CLP" || c == "ISK") return 0;
  if (c == "KWD" || c == "BHD" || c == "OMR" || c == "JOD" || c == "TND") return 3;
  return 2;
}

bool is_currency_code(std::string_view code) {
  if (code.size() != 3) return false;
  for (char ch : code)
    if (ch < 'A' || ch > 'Z') return false;
  return true;
}

namespace {

std::string symbol_for(std::string_view c) {
  if (c == "INR") return "₹";
  if (c == "USD") return "$";
  if (c == "EUR") return "€";
  if (c == "GBP") return "£";
  if (c == "JPY") return "¥";
  return std::string(c) + " ";
}

// Western grouping (1,234,567) or Indian lakh/crore grouping (12,34,567).
std::string group(std::string digits, bool indian) {
  std::string out;
  int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    int left = n - i;
    out += digits[i];
    if (left > 1) {
      bool sep = indian ? (left - 1 == 3 || (left - 1 > 3 && (left - 1 - 3) % 2 == 0))
                        : ((left - 1) % 3 == 0);
      if (sep) out += ',';
    }
  }
  return out;
}

}  // namespace

std::string display(const Money& m) {
  int digits = minor_digits(m.currency);
  std::int64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::int64_t abs = std::llabs(m.amount_minor);
  std::int64_t major = abs / scale;
  std::int64_t minor = abs % scale;
  std::string s = m.amount_minor < 0 ? "-" : "";
  s += symbol_for(m.currency);
  s += group(std::to_string(major), m.currency == "INR");
  if (minor != 0) {
    std::string frac = std::to_string(minor);
    while (static_cast<int>(frac.size()) < digits) frac.insert(frac.begin(), '0');
    s += "." + frac;
  }
  return s;
}

}  // namespace ca
