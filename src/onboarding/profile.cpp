#include "onboarding/profile.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cstdio>

namespace ca::onboarding {

namespace bj = boost::json;

namespace {

bj::value money_json(const Money& m) {
  return bj::object{
      {"amount_minor", m.amount_minor}, {"currency", m.currency}, {"display", display(m)}};
}

template <class T>
bj::value opt(const std::optional<T>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

bj::array strings(const std::vector<std::string>& v) {
  bj::array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}

}  // namespace

std::string format_count(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string format_rating(double r) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%.2f", r);
  std::string s(buf.data());
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string duration_label(const ProfileService& s) {
  if (s.duration_minutes) {
    int m = *s.duration_minutes;
    if (m < 60 || m % 60 != 0) {
      if (m < 60) return std::to_string(m) + " min";
      return std::to_string(m / 60) + " h " + std::to_string(m % 60) + " min";
    }
    return std::to_string(m / 60) + (m == 60 ? " hour" : " hours");
  }
  return s.duration_text.value_or("");
}

std::vector<ProfileService> services_from(const CreatorData& d) {
  std::vector<ProfileService> out;
  out.reserve(d.services.size());
  for (const auto& s : d.services) {
    ProfileService p;
    p.id = s.id;
    p.source_id = s.id;
    p.name = s.title;
    p.type = s.type;
    p.price = s.price;
    p.duration_minutes = s.duration_minutes;
    p.duration_text = s.duration_text;
    p.description = s.description;
    p.url = s.url;
    p.bookings_count = s.bookings_count;
    out.push_back(std::move(p));
  }
  return out;
}

PricingInfo pricing_from(const CreatorData& d) {
  PricingInfo p;
  for (const auto& s : d.services) {
    if (std::find(p.currencies.begin(), p.currencies.end(), s.price.currency) ==
        p.currencies.end()) {
      p.currencies.push_back(s.price.currency);
    }
    if (s.price.amount_minor == 0) ++p.free_services;
  }
  if (d.services.empty()) {
    p.summary = "No services are listed yet.";
    return p;
  }
  const std::string& main = p.currencies.front();
  for (const auto& s : d.services) {
    if (s.price.currency != main) continue;
    if (s.price.amount_minor > 0 && (!p.lowest || s.price.amount_minor < p.lowest->amount_minor))
      p.lowest = s.price;
    if (!p.highest || s.price.amount_minor > p.highest->amount_minor) p.highest = s.price;
  }
  const std::string n = std::to_string(d.services.size());
  const std::string noun = d.services.size() == 1 ? " service" : " services";
  if (p.lowest && p.highest && p.lowest->amount_minor != p.highest->amount_minor) {
    p.summary = n + noun + " from " + display(*p.lowest) + " to " + display(*p.highest);
  } else if (p.highest && p.highest->amount_minor > 0) {
    p.summary = n + noun + " at " + display(*p.highest);
  } else {
    p.summary = n + noun + ", free";
  }
  if (p.currencies.size() > 1) p.summary += " (also priced in " + p.currencies[1] + ")";
  if (p.free_services > 0) {
    p.summary += "; " + std::to_string(p.free_services) + " free";
  }
  p.summary += ".";
  return p;
}

Ratings ratings_from(const CreatorData& d) {
  Ratings r;
  r.average = d.average_rating;
  r.total_ratings = d.total_ratings;
  r.reviews_count = d.reviews_count;
  if (d.average_rating) {
    r.summary = format_rating(*d.average_rating) + "/5";
    if (d.total_ratings && *d.total_ratings > 0) {
      r.summary += " from " + format_count(*d.total_ratings) + " ratings";
    }
  }
  return r;
}

SocialProof social_proof_from(const CreatorData& d) {
  SocialProof s;
  s.total_bookings = d.total_bookings;
  s.followers = d.followers;
  s.testimonials_count =
      d.testimonials_count
          ? d.testimonials_count
          : (d.testimonials.empty()
                 ? std::nullopt
                 : std::optional<std::int64_t>(static_cast<std::int64_t>(d.testimonials.size())));
  s.badges = d.badges;
  for (const auto& t : d.testimonials) {
    if (s.highlights.size() >= 3) break;
    s.highlights.push_back("\u201C" + t.text + "\u201D" +
                           (t.author.empty() ? "" : " \u2014 " + t.author));
  }
  std::vector<std::string> parts;
  if (d.total_bookings && *d.total_bookings > 0)
    parts.push_back(format_count(*d.total_bookings) + " bookings");
  if (d.followers && *d.followers > 0) parts.push_back(format_count(*d.followers) + " followers");
  if (d.average_rating) {
    parts.push_back("rated " + format_rating(*d.average_rating) + "/5" +
                    (d.total_ratings && *d.total_ratings > 0
                         ? " by " + format_count(*d.total_ratings) + " people"
                         : std::string{}));
  }
  if (!d.badges.empty()) parts.push_back("badges: " + d.badges.front());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    s.summary += (i == 0 ? "" : ", ") + parts[i];
  }
  if (!s.summary.empty()) {
    s.summary[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s.summary[0])));
    s.summary += ".";
  }
  return s;
}

bj::object to_json(const SalesProfile& p) {
  bj::array services;
  for (const auto& s : p.services) {
    bj::object o{{"id", s.id},     {"source_id", s.source_id},     {"name", s.name},
                 {"type", s.type}, {"price", money_json(s.price)}, {"description", s.description}};
    if (s.duration_minutes) o["duration_minutes"] = *s.duration_minutes;
    if (s.duration_text) o["duration"] = *s.duration_text;
    if (s.url) o["url"] = *s.url;
    if (s.bookings_count) o["bookings_count"] = *s.bookings_count;
    services.emplace_back(std::move(o));
  }
  bj::object objections;
  for (const auto& [q, a] : p.objection_handling) objections[q] = a;
  const PricingInfo& pi = p.pricing_info;
  const Ratings& r = p.ratings;
  const SocialProof& sp = p.social_proof;
  return bj::object{
      {"llm_summary", p.llm_summary},
      {"sales_pitch", p.sales_pitch},
      {"target_audience_description", p.target_audience_description},
      {"value_propositions", strings(p.value_propositions)},
      {"services", std::move(services)},
      {"agent_instructions", p.agent_instructions},
      {"objection_handling", std::move(objections)},
      {"pricing_info",
       bj::object{{"summary", pi.summary},
                  {"currencies", strings(pi.currencies)},
                  {"lowest", pi.lowest ? money_json(*pi.lowest) : bj::value(nullptr)},
                  {"highest", pi.highest ? money_json(*pi.highest) : bj::value(nullptr)},
                  {"free_services", pi.free_services}}},
      {"ratings", bj::object{{"average", opt(r.average)},
                             {"total_ratings", opt(r.total_ratings)},
                             {"reviews_count", opt(r.reviews_count)},
                             {"summary", r.summary}}},
      {"social_proof", bj::object{{"total_bookings", opt(sp.total_bookings)},
                                  {"followers", opt(sp.followers)},
                                  {"testimonials_count", opt(sp.testimonials_count)},
                                  {"badges", strings(sp.badges)},
                                  {"highlights", strings(sp.highlights)},
                                  {"summary", sp.summary}}},
  };
}

}  // namespace ca::onboarding
