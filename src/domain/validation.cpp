#include "domain/validation.hpp"

#include <date/tz.h>

#include <cctype>
#include <string>

namespace ca {

bool is_email(std::string_view s) {
  if (s.empty() || s.size() > 254) return false;
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos)
    return false;
  std::string_view local = s.substr(0, at);
  std::string_view domain = s.substr(at + 1);
  if (local.size() > 64 || domain.size() < 3) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
        c == '\\')
      return false;
  }
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return false;
  auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || domain.size() - dot - 1 < 2) return false;
  return true;
}

std::string normalize_email(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_e164(std::string_view s) {
  if (s.size() < 8 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
  for (size_t i = 1; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool is_timezone(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  try {
    return date::locate_zone(std::string(s)) != nullptr;
  } catch (const std::exception&) {
    return false;  // the tz library reports unknown zones by throwing
  }
}

bool is_clean_text(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    int extra;
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return false;
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0 && c >= 0xc2) {
      extra = 1;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
    } else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
      extra = 3;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(extra) >= s.size()) return false;
    for (int k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

bool is_http_url(std::string_view s) {
  if (s.size() > 2048) return false;
  std::string_view rest;
  if (s.substr(0, 8) == "https://") {
    rest = s.substr(8);
  } else if (s.substr(0, 7) == "http://") {
    rest = s.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest[0] == '/') return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>') return false;
  return true;
}

}  // namespace ca
