#include "http/wire.hpp"

#include <algorithm>
#include <cctype>

namespace ca::http {

Method method_from_string(std::string_view name) {
  if (name == "GET") return Method::get;
  if (name == "HEAD") return Method::head;
  if (name == "POST") return Method::post;
  if (name == "PUT") return Method::put;
  if (name == "PATCH") return Method::patch;
  if (name == "DELETE") return Method::del;
  if (name == "OPTIONS") return Method::options;
  return Method::other;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool media_type_is(std::string_view content_type, std::string_view media_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!t.empty() && blank(t.front())) t.remove_prefix(1);
  while (!t.empty() && blank(t.back())) t.remove_suffix(1);
  return to_lower(t) == to_lower(media_type);
}

bool body_kind_accepts(BodyKind kind, std::string_view content_type) {
  switch (kind) {
    case BodyKind::json: return media_type_is(content_type, "application/json");
    case BodyKind::form: return media_type_is(content_type, "application/x-www-form-urlencoded");
    case BodyKind::any: return true;
  }
  return false;
}

}  // namespace ca::http
