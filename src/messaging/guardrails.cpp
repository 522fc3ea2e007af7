#include "messaging/guardrails.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "domain/money.hpp"

namespace ca::messaging {
namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

// Whole word at i, case-insensitive: no letter or digit right before or right after.
bool word_at(std::string_view text, std::size_t i, std::string_view word) {
  if (i + word.size() > text.size()) return false;
  if (i > 0 && is_alnum(text[i - 1])) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (lower(text[i + k]) != word[k]) return false;
  }
  std::size_t end = i + word.size();
  return end == text.size() || !is_alpha(text[end]);
}

struct Marker {
  std::string_view spelling;  // lowercase for words; raw UTF-8 for symbols
  std::string_view currency;
  bool symbol;
};

constexpr std::array kPrefixes{
    Marker{"\u20B9", "INR", true}, Marker{"$", "USD", true},      Marker{"\u20AC", "EUR", true},
    Marker{"\u00A3", "GBP", true}, Marker{"\u00A5", "JPY", true}, Marker{"rs.", "INR", false},
    Marker{"rs", "INR", false},
};
// Codes that are prices when they stand before or after an amount.
constexpr std::array<std::string_view, 24> kCodes{
    "inr", "usd", "eur", "gbp", "jpy", "aed", "sgd", "aud", "cad", "chf", "cny", "hkd",
    "nzd", "zar", "sar", "myr", "idr", "php", "thb", "bdt", "pkr", "lkr", "npr", "qar"};
constexpr std::array kPostfixWords{
    Marker{"rupees", "INR", false}, Marker{"rupee", "INR", false}, Marker{"dollars", "USD", false},
    Marker{"dollar", "USD", false}, Marker{"rs", "INR", false},
};
constexpr std::array<std::string_view, 9> kMagnitudes{
    "k", "lakh", "lakhs", "lac", "crore", "crores", "million", "m", "thousand"};

struct Amount {
  std::string canonical;  // "50000", "49.9", "50000 k"
  std::size_t end;
};

// Digits with ',' grouping and an optional fraction at i; nullopt when no digit is there.
std::optional<Amount> read_amount(std::string_view text, std::size_t i) {
  if (i >= text.size() || !is_digit(text[i])) return std::nullopt;
  std::string whole;
  std::size_t p = i;
  while (p < text.size() &&
         (is_digit(text[p]) || (text[p] == ',' && p + 1 < text.size() && is_digit(text[p + 1])))) {
    if (text[p] != ',') whole += text[p];
    ++p;
  }
  std::string frac;
  if (p + 1 < text.size() && text[p] == '.' && is_digit(text[p + 1])) {
    ++p;
    while (p < text.size() && is_digit(text[p])) frac += text[p++];
  }
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  auto nz = whole.find_first_not_of('0');
  whole = nz == std::string::npos ? "0" : whole.substr(nz);
  Amount a{frac.empty() ? whole : whole + "." + frac, p};
  // "50k", "50K", "2 lakh": a different number than any listed price.
  bool spaced = p < text.size() && text[p] == ' ';
  std::size_t q = spaced ? p + 1 : p;
  for (std::string_view m : kMagnitudes) {
    if (spaced && m.size() == 1) continue;  // "$5 m..." is more likely a word than millions
    if (q + m.size() > text.size() || lower(text.substr(q, m.size())) != m) continue;
    if (q + m.size() < text.size() && is_alpha(text[q + m.size()])) continue;
    a.canonical += " " + std::string(m);
    a.end = q + m.size();
    break;
  }
  return a;
}

std::size_t skip_spaces(std::string_view text, std::size_t p, std::size_t max) {
  for (std::size_t n = 0; n < max && p < text.size() && text[p] == ' '; ++n) ++p;
  return p;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<PriceMention> find_prices(std::string_view text) {
  std::vector<PriceMention> out;
  std::size_t i = 0;
  while (i < text.size()) {
    // A marker before the amount: "₹50,000", "Rs. 500", "USD 99".
    std::optional<std::pair<std::string, std::size_t>> prefix;  // currency, amount start
    for (const auto& m : kPrefixes) {
      bool hit =
          m.symbol ? text.substr(i, m.spelling.size()) == m.spelling : word_at(text, i, m.spelling);
      if (hit) {
        prefix = {std::string(m.currency), skip_spaces(text, i + m.spelling.size(), 2)};
        break;
      }
    }
    if (!prefix) {
      for (std::string_view code : kCodes) {
        if (word_at(text, i, code)) {
          prefix = {upper(code), skip_spaces(text, i + code.size(), 2)};
          break;
        }
      }
    }
    if (prefix) {
      if (auto amount = read_amount(text, prefix->second)) {
        std::string written(text.substr(i, amount->end - i));
        out.push_back({written, prefix->first + " " + amount->canonical});
        i = amount->end;
        continue;
      }
    }
    // An amount followed by its currency: "50,000 INR", "99 dollars".
    if (is_digit(text[i]) && (i == 0 || (!is_alnum(text[i - 1]) && text[i - 1] != '.'))) {
      auto amount = read_amount(text, i);
      std::size_t p = skip_spaces(text, amount->end, 1);
      std::optional<std::string> currency;
      std::size_t end = p;
      for (const auto& m : kPostfixWords) {
        if (word_at(text, p, m.spelling)) {
          currency = std::string(m.currency);
          end = p + m.spelling.size();
          break;
        }
      }
      for (std::string_view code : kCodes) {
        if (!currency && word_at(text, p, code)) {
          currency = upper(code);
          end = p + code.size();
        }
      }
      if (currency) {
        out.push_back({std::string(text.substr(i, end - i)), *currency + " " + amount->canonical});
        i = end;
        continue;
      }
      i = amount->end;
      continue;
    }
    ++i;
  }
  return out;
}

namespace {

constexpr std::array<std::string_view, 28> kTlds{
    "com",    "in",    "io",   "net", "org",  "co",   "me", "app", "ai",   "xyz",
    "link",   "ly",    "gg",   "dev", "info", "biz",  "us", "uk",  "page", "site",
    "online", "store", "shop", "to",  "club", "live", "tv", "so"};

bool url_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7F) return false;  // whitespace, controls, non-ASCII text after it
  return c != '<' && c != '>' && c != '"' && c != '\'' && c != '`' && c != '(' && c != ')' &&
         c != '[' && c != ']' && c != '{' && c != '}' && c != '|' && c != '\\';
}

std::string canonical_url(std::string_view url) {
  std::string s = lower(url.substr(0, std::min<std::size_t>(url.size(), 8)));
  if (s.rfind("https://", 0) == 0) {
    url.remove_prefix(8);
  } else if (s.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
  }
  auto slash = url.find_first_of("/?#");
  std::string host = lower(url.substr(0, slash));
  std::string rest(slash == std::string_view::npos ? std::string_view() : url.substr(slash));
  if (host.rfind("www.", 0) == 0) host.erase(0, 4);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  return host + rest;
}

// "name.tld" or "a.b.tld" (then a path) with a common TLD; false for e-mail addresses.
bool bare_domain(std::string_view token) {
  auto slash = token.find_first_of("/?#");
  std::string host = lower(token.substr(0, slash));
  auto dot = host.rfind('.');
  if (dot == std::string::npos || dot == 0 || host.find('@') != std::string::npos) return false;
  std::string tld = host.substr(dot + 1);
  if (std::find(kTlds.begin(), kTlds.end(), tld) == kTlds.end()) return false;
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '.'; });
}

std::size_t utf8_chars(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::vector<UrlMention> find_urls(std::string_view text) {
  std::vector<UrlMention> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!url_char(text[i]) || (i > 0 && url_char(text[i - 1]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && url_char(text[end])) ++end;
    std::string_view token = text.substr(i, end - i);
    while (!token.empty() &&
           std::string_view(".,;:!?*_").find(token.back()) != std::string_view::npos) {
      token.remove_suffix(1);
    }
    std::string head = lower(token.substr(0, std::min<std::size_t>(token.size(), 8)));
    bool schemed = head.rfind("http://", 0) == 0 || head.rfind("https://", 0) == 0;
    // A Markdown link "[x](https://...)" or "see:https://..." starts mid-token.
    if (!schemed) {
      std::string low = lower(token);
      auto at = low.find("http://");
      if (at == std::string::npos) at = low.find("https://");
      if (at != std::string::npos) {
        token.remove_prefix(at);
        schemed = true;
      }
    }
    if (schemed || head.rfind("www.", 0) == 0 || bare_domain(token)) {
      std::string canonical = canonical_url(token);
      if (!canonical.empty()) out.push_back({std::string(token), std::move(canonical)});
    }
    i = end;
  }
  return out;
}

std::size_t max_chars(Channel channel) {
  switch (channel) {
    case Channel::whatsapp: return 1000;
    case Channel::email: return 5000;
    case Channel::sms: return 1600;
  }
  return 1000;
}

AllowedFacts facts_from_products(const std::vector<Product>& products) {
  AllowedFacts f;
  for (const auto& p : products) {
    f.service_names.push_back(p.name);
    f.prices.push_back(display(p.price));
    if (p.url && !p.url->empty()) f.urls.push_back(*p.url);
  }
  return f;
}

void append_facts(AllowedFacts& into, const AllowedFacts& more) {
  into.service_names.insert(into.service_names.end(), more.service_names.begin(),
                            more.service_names.end());
  into.prices.insert(into.prices.end(), more.prices.begin(), more.prices.end());
  into.urls.insert(into.urls.end(), more.urls.begin(), more.urls.end());
}

namespace {

// Products carry no discounts, so any offer of one was made up.
std::optional<std::string> find_discount(std::string_view text) {
  std::string low = lower(text);
  for (std::string_view w : {"discount", "coupon", "promo code", "% off", "percent off"}) {
    if (auto at = low.find(w); at != std::string::npos)
      return std::string(text.substr(at, w.size()));
  }
  for (std::size_t i = 0; i + 1 < low.size(); ++i) {  // "20 % off", "20%off"
    if (low[i] != '%') continue;
    std::size_t j = i + 1;
    while (j < low.size() && low[j] == ' ') ++j;
    if (low.compare(j, 3, "off") == 0) return std::string(text.substr(i, j + 3 - i));
  }
  return std::nullopt;
}

// Eight or more digits in one run of digits, spaces, dots, dashes and brackets (optionally
// after '+'): a phone number the facts never contain. Grouped prices use commas.
std::optional<std::string> find_phone(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_digit(text[i]) && text[i] != '+') continue;
    if (i > 0 && (is_digit(text[i - 1]) || text[i - 1] == '+')) continue;
    std::size_t j = i + (text[i] == '+' ? 1 : 0);
    std::size_t digits = 0;
    std::size_t last = i;
    while (j < text.size() && (is_digit(text[j]) ||
                               std::string_view(" -.()").find(text[j]) != std::string_view::npos)) {
      if (is_digit(text[j])) {
        ++digits;
        last = j;
      }
      ++j;
    }
    if (digits >= 8) return std::string(text.substr(i, last + 1 - i));
  }
  return std::nullopt;
}

}  // namespace

Result<void> check_message(std::string_view text, Channel channel, const AllowedFacts& facts) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Error::invalid("message", "the message is empty");
  }
  if (text.find("{{") != std::string_view::npos || text.find("}}") != std::string_view::npos) {
    return Error::invalid("message", "the message contains template braces");
  }
  std::size_t chars = utf8_chars(text);
  if (chars > max_chars(channel)) {
    return Error::invalid("message", "the message has " + std::to_string(chars) + " characters; " +
                                         to_string(channel) + " allows at most " +
                                         std::to_string(max_chars(channel)));
  }
  if (auto d = find_discount(text)) {
    return Error::invalid("message", "the message offers a discount the creator never set: " + *d);
  }
  if (auto p = find_phone(text)) {
    return Error::invalid("message", "the message has a phone number: " + *p);
  }
  std::vector<std::string> allowed_prices;
  for (const auto& p : facts.prices) {
    for (auto& m : find_prices(p)) allowed_prices.push_back(std::move(m.canonical));
  }
  for (const auto& m : find_prices(text)) {
    if (std::find(allowed_prices.begin(), allowed_prices.end(), m.canonical) ==
        allowed_prices.end()) {
      return Error::invalid(
          "message",
          "the message mentions a price that is not in the creator's services: " + m.text);
    }
  }
  std::vector<std::string> allowed_urls;
  for (const auto& u : facts.urls) allowed_urls.push_back(canonical_url(u));
  for (const auto& m : find_urls(text)) {
    if (std::find(allowed_urls.begin(), allowed_urls.end(), m.canonical) == allowed_urls.end()) {
      return Error::invalid(
          "message", "the message has a link that is not in the creator's services: " + m.text);
    }
  }
  return ok();
}

}  // namespace ca::messaging
