#include "onboarding/creator_data.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "domain/validation.hpp"

namespace ca::onboarding {

namespace bj = boost::json;

namespace {

constexpr std::size_t kDescriptionMax = 5000;
constexpr std::size_t kTitleMax = 200;
constexpr std::size_t kMaxServices = 100;
constexpr std::size_t kMaxTestimonials = 50;
constexpr double kMaxPriceMajor = 1e9;  // beyond this a "price" is garbage, not a price

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string truncate_utf8(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

const bj::value* field(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

std::optional<double> number_of(const bj::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  if (v->is_string()) {
    std::string s;
    for (char c : v->get_string()) {
      if (c != ',' && c != ' ') s += c;
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return d;
  }
  return std::nullopt;
}

std::optional<std::int64_t> count_of(const bj::object& o, std::string_view key) {
  auto d = number_of(field(o, key));
  if (!d || !std::isfinite(*d) || *d < 0 || *d > 1e12) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(*d));
}

std::optional<std::string> text_of(const bj::value* v, std::size_t max = kTitleMax) {
  if (v == nullptr) return std::nullopt;
  std::string s;
  if (v->is_string()) {
    s = strip_html(v->get_string());
  } else if (v->is_int64() || v->is_uint64()) {
    s = v->is_int64() ? std::to_string(v->get_int64()) : std::to_string(v->get_uint64());
  } else {
    return std::nullopt;
  }
  s = truncate_utf8(std::move(s), max);
  if (s.empty()) return std::nullopt;
  return s;
}

std::optional<std::string> currency_of(const bj::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_object()) return currency_of(field(v->get_object(), "code"));
  if (!v->is_string()) return std::nullopt;
  std::string code(v->get_string());
  std::transform(code.begin(), code.end(), code.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!is_currency_code(code)) return std::nullopt;
  return code;
}

std::optional<Money> money_of(double major, const std::string& currency) {
  if (!std::isfinite(major) || major < 0 || major > kMaxPriceMajor) return std::nullopt;
  const double scale = std::pow(10.0, minor_digits(currency));
  return Money{static_cast<std::int64_t>(std::llround(major * scale)), currency};
}

// price: a number of major units, a numeric string, or {amount, currency}; the same under
// "charge" or "pricing". The currency falls back to the service's, then INR (Topmate's home).
std::optional<Money> price_of(const bj::object& s,
                              const std::optional<std::string>& fallback_currency) {
  std::optional<std::string> currency = currency_of(field(s, "currency"));
  for (std::string_view key : {"price", "charge", "pricing", "amount"}) {
    const bj::value* v = field(s, key);
    if (v == nullptr) continue;
    if (v->is_object()) {
      const bj::object& po = v->get_object();
      auto c = currency_of(field(po, "currency"))
                   .value_or(currency.value_or(fallback_currency.value_or("INR")));
      auto amount = number_of(field(po, "amount"));
      if (!amount) amount = number_of(field(po, "value"));
      if (amount) return money_of(*amount, c);
      continue;
    }
    if (auto amount = number_of(v)) {
      return money_of(*amount, currency.value_or(fallback_currency.value_or("INR")));
    }
  }
  return std::nullopt;
}

// 30 → 30 min; "45 mins" → 45; "1 hour" → 60; "6 weeks" → text only.
void read_duration(const bj::value* v, SourceService& out) {
  if (v == nullptr) return;
  if (auto n = number_of(v); n && v->is_number()) {
    if (*n > 0 && *n <= 100000) out.duration_minutes = static_cast<int>(std::lround(*n));
    return;
  }
  if (!v->is_string()) return;
  std::string text = truncate_utf8(strip_html(v->get_string()), 60);
  if (text.empty()) return;
  std::string l = lower(text);
  int n = 0;
  auto [ptr, ec] = std::from_chars(l.data(), l.data() + l.size(), n);
  if (ec == std::errc() && n > 0 && n <= 100000) {
    std::string_view unit(ptr, static_cast<std::size_t>(l.data() + l.size() - ptr));
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    if (unit.empty() || unit.starts_with("min")) {
      out.duration_minutes = n;
      return;
    }
    if (unit.starts_with("hour") || unit.starts_with("hr")) {
      out.duration_minutes = n * 60;
      return;
    }
  }
  out.duration_text = text;
}

std::string slug(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0) {
      out += static_cast<char>(std::tolower(c));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.substr(0, 60);
}

std::optional<SourceService> read_service(const bj::object& s,
                                          const std::optional<std::string>& fallback_currency,
                                          std::vector<std::string>& notes) {
  auto title = text_of(field(s, "title"));
  if (!title) title = text_of(field(s, "name"));
  if (!title) {
    notes.emplace_back("skipped a service without a title");
    return std::nullopt;
  }
  SourceService out;
  out.title = *title;
  out.id = text_of(field(s, "id"), 64).value_or("t-" + slug(*title));
  auto price = price_of(s, fallback_currency);
  if (!price) {
    notes.push_back("skipped service \"" + *title + "\": no valid price");
    return std::nullopt;
  }
  out.price = *price;
  const bj::value* type = field(s, "type");
  out.type = normalize_service_type(type != nullptr && type->is_string()
                                        ? std::string_view(type->get_string())
                                        : std::string_view{});
  read_duration(field(s, "duration"), out);
  out.description = text_of(field(s, "description"), kDescriptionMax).value_or("");
  out.bookings_count = count_of(s, "bookings_count");
  if (auto url = text_of(field(s, "url"), 500); url && is_http_url(*url)) out.url = url;
  return out;
}

}  // namespace

bool is_username(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '.' || c == '-';
  });
}

std::string normalize_service_type(std::string_view type) {
  const std::string t = lower(type);
  auto has = [&](std::string_view w) { return t.find(w) != std::string::npos; };
  if (has("cohort")) return "cohort";
  if (has("webinar") || has("workshop") || has("masterclass")) return "webinar";
  if (has("course")) return "course";
  if (has("package") || has("bundle")) return "package";
  if (has("digital") || has("download") || has("ebook") || has("product")) return "digital_product";
  if (has("dm") || has("text") || has("query") || has("question")) return "priority_dm";
  if (has("call") || has("1:1") || has("session") || has("meeting") || has("consult"))
    return "call";
  return "service";
}

Result<CreatorData> parse_topmate(std::string_view json, std::string_view expected_username) {
  boost::system::error_code ec;
  bj::value root = bj::parse(json, ec);
  if (ec) return Error::invalid("source", "creator data is not valid JSON: " + ec.message());
  // Some deployments wrap the creator as {"data": {...}}.
  if (root.is_object()) {
    if (const bj::value* data = field(root.get_object(), "data"); data && data->is_object()) {
      if (!field(root.get_object(), "username")) root = *data;
    }
  }
  if (!root.is_object()) return Error::invalid("source", "creator data is not a JSON object");
  const bj::object& o = root.get_object();

  CreatorData d;
  d.username = text_of(field(o, "username"), 64).value_or(std::string(expected_username));
  if (!is_username(d.username)) {
    return Error::invalid("source", "creator data has no valid username");
  }
  d.user_id = text_of(field(o, "user_id"), 64);
  d.name =
      text_of(field(o, "name")).value_or(text_of(field(o, "display_name")).value_or(d.username));
  d.description = text_of(field(o, "description"), kDescriptionMax).value_or("");
  if (d.description.empty()) d.description = text_of(field(o, "bio"), kDescriptionMax).value_or("");
  if (auto r = number_of(field(o, "average_rating")); r && *r > 0 && *r <= 5) {
    d.average_rating = std::round(*r * 100) / 100;
  }
  d.total_ratings = count_of(o, "total_ratings");
  d.reviews_count = count_of(o, "reviews_count");
  d.total_bookings = count_of(o, "total_bookings");
  d.followers = count_of(o, "followers");
  d.testimonials_count = count_of(o, "testimonials_count");
  if (const bj::value* b = field(o, "badges"); b && b->is_array()) {
    for (const auto& item : b->get_array()) {
      const bj::value* v = item.is_object() ? field(item.get_object(), "name") : &item;
      if (auto t = text_of(v, 80)) d.badges.push_back(*t);
      if (d.badges.size() >= 20) break;
    }
  }
  std::optional<std::string> fallback_currency = currency_of(field(o, "currency"));
  if (const bj::value* s = field(o, "services"); s && s->is_array()) {
    for (const auto& item : s->get_array()) {
      if (d.services.size() >= kMaxServices) break;
      if (!item.is_object()) continue;
      auto svc = read_service(item.get_object(), fallback_currency, d.notes);
      bool duplicate = svc && std::any_of(d.services.begin(), d.services.end(),
                                          [&](const auto& x) { return x.id == svc->id; });
      if (duplicate) d.notes.push_back("skipped duplicate service id " + svc->id);
      if (svc && !duplicate) d.services.push_back(std::move(*svc));
    }
  }
  // current_offering marks the featured service; one not among the services is added.
  if (const bj::value* c = field(o, "current_offering"); c && c->is_object()) {
    const bj::object& co = c->get_object();
    auto id = text_of(field(co, "id"), 64);
    auto title = text_of(field(co, "title"));
    auto it = std::find_if(d.services.begin(), d.services.end(), [&](const SourceService& s) {
      return (id && s.id == *id) || (title && lower(s.title) == lower(*title));
    });
    if (it != d.services.end()) {
      d.featured_service_id = it->id;
    } else if (auto svc = read_service(co, fallback_currency, d.notes)) {
      d.featured_service_id = svc->id;
      d.services.push_back(std::move(*svc));
    }
  }
  if (const bj::value* t = field(o, "testimonials"); t && t->is_array()) {
    for (const auto& item : t->get_array()) {
      if (d.testimonials.size() >= kMaxTestimonials) break;
      if (!item.is_object()) continue;
      const bj::object& to = item.get_object();
      Testimonial tm;
      auto text = text_of(field(to, "text"), 1000);
      if (!text) text = text_of(field(to, "content"), 1000);
      if (!text) text = text_of(field(to, "testimonial"), 1000);
      if (!text) continue;
      tm.text = *text;
      tm.author =
          text_of(field(to, "author"), 80).value_or(text_of(field(to, "name"), 80).value_or(""));
      if (auto r = number_of(field(to, "rating")); r && *r > 0 && *r <= 5) tm.rating = *r;
      d.testimonials.push_back(std::move(tm));
    }
  }
  return d;
}

}  // namespace ca::onboarding
