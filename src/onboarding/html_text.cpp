// strip_html: creator descriptions arrive as HTML fragments; the profile, prompts and
// messages want plain text. Not a full HTML parser: tags go, script/style content goes,
// entities are decoded, and the result is clean UTF-8 text.
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "onboarding/creator_data.hpp"

namespace ca::onboarding {

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr std::array<std::pair<std::string_view, std::uint32_t>, 16> kEntities{{
    {"amp", '&'},
    {"lt", '<'},
    {"gt", '>'},
    {"quot", '"'},
    {"apos", '\''},
    {"nbsp", ' '},
    {"mdash", 0x2014},
    {"ndash", 0x2013},
    {"hellip", 0x2026},
    {"rsquo", 0x2019},
    {"lsquo", 0x2018},
    {"ldquo", 0x201C},
    {"rdquo", 0x201D},
    {"bull", 0x2022},
    {"rupee", 0x20B9},
    {"copy", 0xA9},
}};

// Decodes the entity starting at text[i] == '&'; returns characters consumed (0: not one).
std::size_t decode_entity(std::string_view text, std::size_t i, std::string& out) {
  std::size_t semi = text.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  std::string_view name = text.substr(i + 1, semi - i - 1);
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    std::uint32_t cp = 0;
    auto [ptr, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) return 0;
    append_utf8(out, cp);
    return semi - i + 1;
  }
  for (const auto& [n, cp] : kEntities) {
    if (n == name) {
      append_utf8(out, cp);
      return semi - i + 1;
    }
  }
  return 0;
}

bool is_block_tag(std::string_view tag) {
  for (std::string_view b : {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "tr"}) {
    if (tag == b) return true;
  }
  return false;
}

// Drops invalid UTF-8 sequences and control characters (keeps '\n').
std::string clean_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    bool valid = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (!valid) {
      ++i;
      continue;
    }
    if (len == 1 && c < 0x20 && c != '\n') {
      out += ' ';
    } else if (len == 1 && c == 0x7F) {
      // dropped
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

// Collapses runs of spaces, trims lines, keeps at most one blank-free line break.
std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  bool newline = false;
  for (char c : s) {
    if (c == '\n') {
      newline = !out.empty();
      space = false;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      space = !out.empty();
    } else {
      if (newline) {
        out += '\n';
      } else if (space) {
        out += ' ';
      }
      newline = space = false;
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string strip_html(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      std::size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;  // an unterminated tag: drop the rest
      std::string_view inner = html.substr(i + 1, end - i - 1);
      const bool closing = !inner.empty() && inner.front() == '/';
      if (closing) inner.remove_prefix(1);
      std::string tag;
      for (char t : inner) {
        if (std::isalnum(static_cast<unsigned char>(t)) == 0) break;
        tag += static_cast<char>(std::tolower(static_cast<unsigned char>(t)));
      }
      i = end + 1;
      if (!closing && (tag == "script" || tag == "style")) {
        std::size_t close = std::string_view::npos;
        for (std::size_t k = i; k + 2 + tag.size() <= html.size(); ++k) {
          if (html[k] == '<' && html[k + 1] == '/') {
            std::string_view candidate = html.substr(k + 2, tag.size());
            bool same = true;
            for (std::size_t m = 0; m < tag.size(); ++m) {
              same = same && std::tolower(static_cast<unsigned char>(candidate[m])) == tag[m];
            }
            if (same) {
              close = k;
              break;
            }
          }
        }
        if (close == std::string_view::npos) break;
        std::size_t gt = html.find('>', close);
        i = gt == std::string_view::npos ? html.size() : gt + 1;
        continue;
      }
      if (tag == "li" && !closing) {
        out += "\n- ";
      } else if (is_block_tag(tag)) {
        out += '\n';
      } else {
        out += ' ';
      }
      continue;
    }
    if (c == '&') {
      if (std::size_t n = decode_entity(html, i, out); n > 0) {
        i += n;
        continue;
      }
    }
    out += c;
    ++i;
  }
  // Inline tags became spaces; " ." and " ," from "<b>x</b>." read badly.
  std::string text = collapse(clean_utf8(out));
  std::string tidy;
  tidy.reserve(text.size());
  for (std::size_t k = 0; k < text.size(); ++k) {
    if (text[k] == ' ' && k + 1 < text.size() &&
        (text[k + 1] == '.' || text[k + 1] == ',' || text[k + 1] == '!' || text[k + 1] == '?')) {
      continue;
    }
    tidy += text[k];
  }
  return tidy;
}

}  // namespace ca::onboarding
