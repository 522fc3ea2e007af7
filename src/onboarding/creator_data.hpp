// A creator's public data as the sources deliver it, normalised from the Topmate shape
// (docs/onboarding.md has the field mapping). Everything the profile states as a fact —
// services, prices, ratings, counts — comes from here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/money.hpp"
#include "domain/result.hpp"

namespace ca::onboarding {

struct SourceService {
  std::string id;     // the source's id, as text ("880101")
  std::string title;  // plain text
  std::string type;   // normalised: call | cohort | webinar | course | package | digital_product |
                      // priority_dm | service
  Money price;
  std::optional<int> duration_minutes;       // when the source gives minutes or hours
  std::optional<std::string> duration_text;  // "6 weeks", "4 sessions"
  std::string description;                   // plain text (HTML stripped)
  std::optional<std::int64_t> bookings_count;
  std::optional<std::string> url;
};

struct Testimonial {
  std::string author;
  std::string text;
  std::optional<double> rating;
};

struct CreatorData {
  std::optional<std::string> user_id;
  std::string username;
  std::string name;  // display name, or the username when the source has none
  std::string description;
  std::optional<double> average_rating;
  std::optional<std::int64_t> total_ratings;
  std::optional<std::int64_t> reviews_count;
  std::optional<std::int64_t> total_bookings;
  std::optional<std::int64_t> followers;
  std::optional<std::int64_t> testimonials_count;
  std::vector<std::string> badges;
  std::optional<std::string> featured_service_id;  // current_offering, when it is a service
  std::vector<SourceService> services;
  std::vector<Testimonial> testimonials;
  std::vector<std::string>
      notes;  // what was skipped while reading (e.g. a service without a price)
};

// Parses Topmate-shaped JSON. Missing optional fields stay empty and unknown fields are
// ignored; only a body that is not a JSON object, or has no username, is an error
// (invalid_argument, message says what). `expected_username` fills a missing username.
Result<CreatorData> parse_topmate(std::string_view json, std::string_view expected_username = {});

// HTML → plain text: tags removed (script/style with their content), block ends become
// line breaks, entities decoded, whitespace collapsed, control characters dropped.
std::string strip_html(std::string_view html);

// A Topmate username: 1..64 of [A-Za-z0-9_.-], not starting with '.'.
bool is_username(std::string_view s);

// "call", "cohort", ... from what the source calls it ("1:1 call", "Webinar", ...).
std::string normalize_service_type(std::string_view type);

}  // namespace ca::onboarding
