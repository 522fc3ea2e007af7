// The sales profile (API.md "Profile fields") and the facts in it that always come from
// the source data, never from a model: services with prices, ratings, counts.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/money.hpp"
#include "onboarding/creator_data.hpp"

namespace ca::onboarding {

struct ProfileService {
  std::string id;         // the creator's Product id once stored; the source id before
  std::string source_id;  // the source's service id
  std::string name;
  std::string type;
  Money price;
  std::optional<int> duration_minutes;
  std::optional<std::string> duration_text;
  std::string description;
  std::optional<std::string> url;
  std::optional<std::int64_t> bookings_count;
};

struct PricingInfo {
  std::string summary;  // "3 services from ₹999 to ₹50,000"
  std::vector<std::string> currencies;
  std::optional<Money> lowest;   // cheapest paid service per the first currency
  std::optional<Money> highest;  // dearest service per the first currency
  int free_services = 0;
};

struct Ratings {
  std::optional<double> average;
  std::optional<std::int64_t> total_ratings;
  std::optional<std::int64_t> reviews_count;
  std::string summary;  // "4.8/5 from 795 ratings", or "" when there are none
};

struct SocialProof {
  std::optional<std::int64_t> total_bookings;
  std::optional<std::int64_t> followers;
  std::optional<std::int64_t> testimonials_count;
  std::vector<std::string> badges;
  std::vector<std::string> highlights;  // testimonial quotes with their authors
  std::string summary;
};

struct SalesProfile {
  std::string llm_summary;
  std::string sales_pitch;
  std::string target_audience_description;
  std::vector<std::string> value_propositions;
  std::vector<ProfileService> services;
  std::string agent_instructions;
  std::vector<std::pair<std::string, std::string>> objection_handling;  // objection → response
  PricingInfo pricing_info;
  Ratings ratings;
  SocialProof social_proof;
};

// The grounded parts, from the source alone.
std::vector<ProfileService> services_from(const CreatorData& d);
PricingInfo pricing_from(const CreatorData& d);
Ratings ratings_from(const CreatorData& d);
SocialProof social_proof_from(const CreatorData& d);

// Every profile field except generated_by and last_synced_at (the store keeps those in
// columns and the API adds them).
boost::json::object to_json(const SalesProfile& p);

// "1,23,456" style counts for INR creators would surprise non-Indian readers; counts use
// plain thousands separators: 18361 → "18,361".
std::string format_count(std::int64_t n);
// 4.8 → "4.8", 5.0 → "5".
std::string format_rating(double r);
// "30 min", "1 h 30 min", or the source's text ("6 weeks"); empty when unknown.
std::string duration_label(const ProfileService& s);

}  // namespace ca::onboarding
