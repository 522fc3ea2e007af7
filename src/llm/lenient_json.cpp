// lenient_json_object (declared in structured.hpp): the repairs weak servers need, each
// applied only when the strict parse fails and reported when it changed something.
#include <boost/json/serialize.hpp>

#include "domain/json_codec.hpp"
#include "llm/structured.hpp"

namespace ca::llm {
namespace {

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// U+201C / U+201D: what chat UIs and some models put where '"' belongs.
bool smart_quote_at(const std::string& s, std::size_t i) {
  return i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE2 &&
         static_cast<unsigned char>(s[i + 1]) == 0x80 &&
         (static_cast<unsigned char>(s[i + 2]) == 0x9C ||
          static_cast<unsigned char>(s[i + 2]) == 0x9D);
}

// ```json ... ``` → the inside. An unclosed fence keeps everything after it.
bool strip_fence(std::string& s) {
  auto open = s.find("```");
  if (open == std::string::npos) return false;
  auto start = s.find('\n', open);
  start = start == std::string::npos ? open + 3 : start + 1;
  auto close = s.find("```", start);
  s = s.substr(start, close == std::string::npos ? std::string::npos : close - start);
  return true;
}

struct TokenFixes {
  int control_chars = 0;
  int smart_quotes = 0;
  int trailing_commas = 0;
};

// One pass that knows whether it is inside a string: escapes raw control characters in
// strings, turns smart-quote delimiters into '"', drops commas right before '}' or ']'.
std::string fix_tokens(const std::string& s, TokenFixes& fixes) {
  std::string out;
  out.reserve(s.size());
  bool in_str = false;
  bool smart = false;  // the open string began with a smart quote
  bool esc = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_str) {
      if (esc) {
        out += c;
        esc = false;
      } else if (c == '\\') {
        out += c;
        esc = true;
      } else if (!smart && c == '"') {
        out += c;
        in_str = false;
      } else if (smart && smart_quote_at(s, i)) {
        out += '"';
        i += 2;
        in_str = false;
      } else if (smart && c == '"') {
        out += "\\\"";
      } else if (static_cast<unsigned char>(c) < 0x20) {
        ++fixes.control_chars;
        if (c == '\n') out += "\\n";
        if (c == '\t') out += "\\t";
        if (c == '\r') out += "\\r";  // anything else is dropped
      } else {
        out += c;
      }
      continue;
    }
    if (c == '"') {
      in_str = true;
      smart = false;
    } else if (smart_quote_at(s, i)) {
      ++fixes.smart_quotes;
      out += '"';
      i += 2;
      in_str = true;
      smart = true;
      continue;
    } else if (c == ',') {
      auto next = s.find_first_not_of(" \t\r\n", i + 1);
      if (next != std::string::npos && (s[next] == '}' || s[next] == ']')) {
        ++fixes.trailing_commas;
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace

Result<std::string> lenient_json_object(std::string_view text, std::vector<std::string>& repairs) {
  if (is_blank(text)) return Error::invalid("reply", "the reply is empty, not a JSON object");
  if (auto strict = json::parse_object(text)) return boost::json::serialize(*strict);

  std::string work(text);
  if (strip_fence(work)) repairs.emplace_back("stripped code fence");
  auto open = work.find('{');
  auto close = work.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return Error::invalid("reply", "the reply contains no JSON object");
  }
  if (!is_blank(std::string_view(work).substr(0, open)) ||
      !is_blank(std::string_view(work).substr(close + 1))) {
    repairs.emplace_back("removed text around the JSON object");
  }
  work = work.substr(open, close - open + 1);

  TokenFixes fixes;
  work = fix_tokens(work, fixes);
  if (fixes.control_chars > 0) {
    repairs.push_back("escaped " + std::to_string(fixes.control_chars) +
                      " raw control character(s) inside strings");
  }
  if (fixes.smart_quotes > 0) repairs.emplace_back("replaced smart quotes used as JSON quotes");
  if (fixes.trailing_commas > 0) {
    repairs.push_back("removed " + std::to_string(fixes.trailing_commas) + " trailing comma(s)");
  }
  auto parsed = json::parse_object(work);
  if (!parsed) {
    return Error::invalid("reply", "the reply is not a valid JSON object even after repair: " +
                                       parsed.error().message);
  }
  return boost::json::serialize(*parsed);
}

}  // namespace ca::llm
