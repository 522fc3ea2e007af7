#include "onboarding/grounding.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>

namespace ca::onboarding {

namespace bj = boost::json;

namespace {

constexpr std::size_t kTextMax = 5000;
constexpr std::size_t kMaxListItems = 10;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

double parse_number(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ','), s.end());
  try {
    return std::stod(s);
  } catch (...) {  // NOLINT(bugprone-empty-catch): not a number reads as NaN
    return std::nan("");
  }
}

std::string currency_of_marker(const std::string& m) {
  if (m == "\u20B9" || m.starts_with("Rs") || m == "INR" || m == "rupees") return "INR";
  if (m == "\u20AC" || m == "EUR") return "EUR";
  if (m == "\u00A3" || m == "GBP") return "GBP";
  return "USD";  // "$", "US$", "USD"
}

bool is_source_price(const CreatorData& d, const std::string& currency, double major) {
  if (!std::isfinite(major)) return false;
  const auto minor =
      static_cast<std::int64_t>(std::llround(major * std::pow(10.0, minor_digits(currency))));
  return std::any_of(d.services.begin(), d.services.end(), [&](const SourceService& s) {
    return s.price.currency == currency && s.price.amount_minor == minor;
  });
}

void check_money(const std::string& text, const CreatorData& d, std::vector<std::string>& out) {
  static const std::regex kPrefix(
      R"((\xE2\x82\xB9|Rs\.?|INR|US\$|\$|USD|\xE2\x82\xAC|EUR|\xC2\xA3|GBP) ?([0-9][0-9,]*(?:\.[0-9]+)?)( ?[kK]\b)?)");
  static const std::regex kSuffix(R"(([0-9][0-9,]*(?:\.[0-9]+)?) ?(INR|USD|rupees|/-))");
  auto check = [&](const std::string& marker, const std::string& number, bool thousands,
                   const std::string& quoted) {
    double v = parse_number(number);
    if (thousands) v *= 1000;
    if (!is_source_price(d, currency_of_marker(marker), v)) {
      out.push_back(quoted + " is not the price of any service");
    }
  };
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kPrefix);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    // "Rs" inside a word ("Users 500") is not a currency.
    if (m.position(0) > 0 && m[1].str().starts_with("R") &&
        std::isalpha(
            static_cast<unsigned char>(text[static_cast<std::size_t>(m.position(0)) - 1])) != 0)
      continue;
    check(m[1].str(), m[2].str(), m[3].matched, m[0].str());
  }
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kSuffix);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    check(m[2].str() == "/-" ? "INR" : m[2].str(), m[1].str(), false, m[0].str());
  }
}

void check_ratings(const std::string& text, const CreatorData& d, std::vector<std::string>& out) {
  static const std::regex kRating(
      R"(([0-5]\.[0-9]{1,2}) ?(/ ?5|\xE2\x98\x85|-?stars?|-star| rating|\+? average))");
  static const std::regex kRated(R"(rated ([0-5](?:\.[0-9]{1,2})?))", std::regex::icase);
  auto check = [&](const std::string& number, const std::string& quoted) {
    const double v = parse_number(number);
    if (!d.average_rating || std::fabs(v - *d.average_rating) > 0.051) {
      out.push_back(quoted + " does not match the creator's rating" +
                    (d.average_rating ? " (" + format_rating(*d.average_rating) + ")" : " (none)"));
    }
  };
  for (const std::regex* re : {&kRating, &kRated}) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), *re);
         it != std::sregex_iterator(); ++it) {
      check((*it)[1].str(), (*it)[0].str());
    }
  }
}

void check_counts(const std::string& text, const CreatorData& d, std::vector<std::string>& out) {
  static const std::regex kCount(
      R"(([0-9][0-9,]*(?:\.[0-9]+)?) ?([kK])?\+? (bookings|sessions booked|followers|ratings|reviews)\b)",
      std::regex::icase);
  std::int64_t service_bookings = 0;
  for (const auto& s : d.services) service_bookings += s.bookings_count.value_or(0);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kCount);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    double v = parse_number(m[1].str());
    if (m[2].matched) v *= 1000;
    const std::string what = lower(m[3].str());
    std::optional<std::int64_t> limit;
    if (what == "followers") {
      limit = d.followers;
    } else if (what == "ratings") {
      limit = d.total_ratings;
    } else if (what == "reviews") {
      limit = d.reviews_count ? d.reviews_count : d.total_ratings;
    } else {
      limit = std::max(d.total_bookings.value_or(0), service_bookings);
    }
    // Rounding down ("18,000+ bookings") is honest; more than the data says is not.
    if (!std::isfinite(v) || !limit || v > static_cast<double>(*limit)) {
      out.push_back(m[0].str() + " is more than the data supports" +
                    (limit ? " (" + format_count(*limit) + ")" : " (no such figure)"));
    }
  }
}

const SourceService* match_service(const CreatorData& d, const bj::object& s) {
  const bj::value* id = s.if_contains("id");
  const bj::value* name = s.if_contains("name");
  for (const auto& svc : d.services) {
    if (id && id->is_string() && id->get_string() == svc.id) return &svc;
    if (id && id->is_int64() && std::to_string(id->get_int64()) == svc.id) return &svc;
  }
  if (name && name->is_string()) {
    const std::string n = lower(name->get_string());
    for (const auto& svc : d.services) {
      if (lower(svc.title) == n) return &svc;
    }
  }
  return nullptr;
}

std::string text_field(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  std::string s(v->get_string());
  if (s.size() > kTextMax) s.resize(kTextMax);
  return s;
}

std::vector<std::pair<std::string, std::string>> read_objections(const bj::value* v) {
  std::vector<std::pair<std::string, std::string>> out;
  if (v == nullptr) return out;
  if (v->is_array()) {
    for (const auto& item : v->get_array()) {
      if (!item.is_object()) continue;
      std::string q = text_field(item.get_object(), "objection");
      std::string a = text_field(item.get_object(), "response");
      if (!q.empty() && !a.empty() && out.size() < kMaxListItems) out.emplace_back(q, a);
    }
  } else if (v->is_object()) {
    for (const auto& [k, val] : v->get_object()) {
      if (val.is_string() && !val.get_string().empty() && out.size() < kMaxListItems) {
        out.emplace_back(std::string(k), std::string(val.get_string()));
      }
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> ungrounded_claims(std::string_view text, const CreatorData& d) {
  std::vector<std::string> out;
  const std::string t(text);
  check_money(t, d, out);
  check_ratings(t, d, out);
  check_counts(t, d, out);
  return out;
}

Result<void> check_grounded(std::string_view llm_json, const CreatorData& d) {
  boost::system::error_code ec;
  bj::value root = bj::parse(llm_json, ec);
  if (ec || !root.is_object()) return Error::invalid("", "the reply is not a JSON object");
  const bj::object& o = root.get_object();
  std::vector<std::pair<std::string, std::string>> texts;  // (field path, text)
  for (std::string_view key :
       {"llm_summary", "sales_pitch", "target_audience_description", "agent_instructions"}) {
    std::string t = text_field(o, key);
    if (t.empty())
      return Error::invalid(std::string(key), std::string(key) + " must be a non-empty string");
    texts.emplace_back(std::string(key), std::move(t));
  }
  const bj::value* vp = o.if_contains("value_propositions");
  if (vp == nullptr || !vp->is_array() || vp->get_array().empty()) {
    return Error::invalid("value_propositions",
                          "value_propositions must be a non-empty array of strings");
  }
  for (std::size_t i = 0; i < vp->get_array().size(); ++i) {
    const auto& item = vp->get_array()[i];
    if (!item.is_string()) {
      return Error::invalid("value_propositions", "value_propositions must contain only strings");
    }
    texts.emplace_back("value_propositions[" + std::to_string(i) + "]",
                       std::string(item.get_string()));
  }
  const bj::value* services = o.if_contains("services");
  if (services == nullptr || !services->is_array()) {
    return Error::invalid("services", "services must be an array (empty when DATA lists none)");
  }
  for (std::size_t i = 0; i < services->get_array().size(); ++i) {
    const std::string path = "services[" + std::to_string(i) + "]";
    const auto& item = services->get_array()[i];
    if (!item.is_object()) return Error::invalid(path, path + " must be an object");
    if (match_service(d, item.get_object()) == nullptr) {
      return Error::invalid(path, path +
                                      " is not one of the creator's services; list only "
                                      "services from DATA, with their ids");
    }
    texts.emplace_back(path + ".description", text_field(item.get_object(), "description"));
  }
  auto objections = read_objections(o.if_contains("objection_handling"));
  if (objections.empty()) {
    return Error::invalid("objection_handling",
                          "objection_handling must list objections with responses");
  }
  for (std::size_t i = 0; i < objections.size(); ++i) {
    texts.emplace_back("objection_handling[" + std::to_string(i) + "]",
                       objections[i].first + " " + objections[i].second);
  }
  for (const auto& [path, text] : texts) {
    auto claims = ungrounded_claims(text, d);
    if (!claims.empty()) {
      return Error::invalid(path, path + ": " + claims.front() +
                                      "; state only prices, ratings and counts given in DATA");
    }
  }
  return ok();
}

Result<SalesProfile> ground_profile(std::string_view llm_json, const CreatorData& d,
                                    std::vector<std::string>& corrections) {
  CA_CHECK(check_grounded(llm_json, d));
  bj::value root = bj::parse(llm_json);
  const bj::object& o = root.get_object();
  SalesProfile p;
  p.llm_summary = text_field(o, "llm_summary");
  p.sales_pitch = text_field(o, "sales_pitch");
  p.target_audience_description = text_field(o, "target_audience_description");
  p.agent_instructions = text_field(o, "agent_instructions");
  for (const auto& item : o.at("value_propositions").get_array()) {
    if (p.value_propositions.size() < kMaxListItems && !item.get_string().empty())
      p.value_propositions.emplace_back(item.get_string());
  }
  p.objection_handling = read_objections(o.if_contains("objection_handling"));

  // Services, prices, ratings and counts: the source's, always.
  p.services = services_from(d);
  p.pricing_info = pricing_from(d);
  p.ratings = ratings_from(d);
  p.social_proof = social_proof_from(d);
  std::vector<bool> mentioned(p.services.size(), false);
  for (const auto& item : o.at("services").get_array()) {
    const SourceService* src = match_service(d, item.get_object());
    auto it = std::find_if(p.services.begin(), p.services.end(),
                           [&](const ProfileService& s) { return s.source_id == src->id; });
    const auto index = static_cast<std::size_t>(it - p.services.begin());
    mentioned[index] = true;
    std::string desc = text_field(item.get_object(), "description");
    if (!desc.empty()) it->description = desc;
    std::string said_price = text_field(item.get_object(), "price");
    if (!said_price.empty() && said_price != display(src->price)) {
      corrections.push_back("services[" + src->id + "].price: model said \"" + said_price +
                            "\", source says " + display(src->price));
    }
    std::string said_name = text_field(item.get_object(), "name");
    if (!said_name.empty() && said_name != src->title) {
      corrections.push_back("services[" + src->id + "].name: model said \"" + said_name +
                            "\", source says \"" + src->title + "\"");
    }
  }
  for (std::size_t i = 0; i < mentioned.size(); ++i) {
    if (!mentioned[i]) {
      corrections.push_back("services[" + p.services[i].source_id +
                            "]: missing from the model's list, added from the source");
    }
  }
  return p;
}

}  // namespace ca::onboarding
