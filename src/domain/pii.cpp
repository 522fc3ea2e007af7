#include "domain/pii.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace ca {
namespace {

namespace bj = boost::json;

bool personal_key(std::string_view key) {
  static constexpr std::array<std::string_view, 27> kKeys{
      "name",         "first_name", "last_name", "full_name", "display_name", "email", "phone",
      "phone_number", "mobile",     "whatsapp",  "address",   "city",         "ip",    "ip_address",
      "user_agent",   "message",    "body",      "text",      "content",      "notes", "note",
      "comment",      "reply",      "from",      "to",        "profilename",  "waid"};
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kKeys.begin(), kKeys.end(), lower) != kKeys.end();
}

bool looks_like_email(std::string_view s) {
  auto at = s.find('@');
  return at != std::string_view::npos && at > 0 && s.find('.', at) != std::string_view::npos;
}

// 7+ digits with only phone punctuation around them ("+91 98123 45678", "whatsapp:+1...").
bool looks_like_phone(std::string_view s) {
  if (s.starts_with("whatsapp:")) return true;
  int digits = 0;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      ++digits;
    } else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
      return false;
    }
  }
  return digits >= 7 && s.find('+') != std::string_view::npos;
}

void scrub(bj::value& v) {
  if (v.is_object()) {
    for (auto& kv : v.as_object()) {
      if (personal_key(kv.key()) && !kv.value().is_null()) {
        kv.value() = bj::string(kErased);
      } else {
        scrub(kv.value());
      }
    }
  } else if (v.is_array()) {
    for (auto& item : v.as_array()) scrub(item);
  } else if (v.is_string()) {
    std::string_view s = v.as_string();
    if (looks_like_email(s) || looks_like_phone(s)) v = bj::string(kErased);
  }
}

}  // namespace

std::string scrub_personal_data(std::string_view payload_json) {
  boost::system::error_code ec;
  bj::value v = bj::parse(payload_json, ec);
  if (ec || !v.is_object()) return "{}";
  scrub(v);
  return bj::serialize(v);
}

}  // namespace ca
