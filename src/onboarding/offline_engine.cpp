#include "onboarding/offline_engine.hpp"

#include <algorithm>

namespace ca::onboarding {

namespace {

constexpr std::size_t kMaxValueProps = 6;

std::string type_label(const std::string& type) {
  if (type == "call") return "1:1 call";
  if (type == "cohort") return "live cohort";
  if (type == "webinar") return "webinar";
  if (type == "course") return "program";
  if (type == "package") return "package";
  if (type == "digital_product") return "digital product";
  if (type == "priority_dm") return "priority DM";
  return "service";
}

std::string price_label(const Money& m) { return m.amount_minor == 0 ? "free" : display(m); }

// "Building Agents in Enterprise (live cohort, 6 weeks, ₹50,000)".
std::string service_line(const ProfileService& s) {
  std::string d = duration_label(s);
  return s.name + " (" + type_label(s.type) + (d.empty() ? "" : ", " + d) + ", " +
         price_label(s.price) + ")";
}

std::string ensure_period(std::string s) {
  if (!s.empty() && s.back() != '.' && s.back() != '!' && s.back() != '?') s += '.';
  return s;
}

const ProfileService* featured(const CreatorData& d, const std::vector<ProfileService>& services) {
  if (services.empty()) return nullptr;
  if (d.featured_service_id) {
    for (const auto& s : services) {
      if (s.source_id == *d.featured_service_id) return &s;
    }
  }
  // Otherwise the flagship: the dearest offering (cohorts and programs usually).
  return &*std::max_element(services.begin(), services.end(), [](const auto& a, const auto& b) {
    return a.price.amount_minor < b.price.amount_minor;
  });
}

// The cheapest way in: a free call, else the cheapest paid service.
const ProfileService* entry_offer(const std::vector<ProfileService>& services) {
  const ProfileService* best = nullptr;
  for (const auto& s : services) {
    if (!best || s.price.amount_minor < best->price.amount_minor) best = &s;
  }
  return best;
}

std::vector<std::pair<std::string, std::string>> objections(
    const CreatorData& d, const std::vector<ProfileService>& services, const SocialProof& proof) {
  std::vector<std::pair<std::string, std::string>> out;
  const ProfileService* entry = entry_offer(services);
  const ProfileService* top = featured(d, services);
  if (entry != nullptr && top != nullptr && entry != top) {
    out.emplace_back("It's too expensive",
                     "Start smaller: " + entry->name + " is " + price_label(entry->price) +
                         " and is the quickest way to see whether " + d.name +
                         "'s approach fits you before committing to " + top->name + ".");
  } else if (entry != nullptr) {
    out.emplace_back("It's too expensive", entry->name + " is " + price_label(entry->price) +
                                               ". Ask what outcome matters most and show how " +
                                               "the session is focused on exactly that.");
  }
  std::string time_answer = "Every session is booked at a time that suits you";
  for (const auto& s : services) {
    if (s.duration_minutes && s.type == "call") {
      time_answer =
          s.name + " takes " + duration_label(s) + "; it is booked at a time that suits you";
      break;
    }
  }
  out.emplace_back("I don't have time right now", time_answer + ".");
  std::string proof_answer = proof.summary.empty()
                                 ? "Point to the specific outcomes described in the services."
                                 : proof.summary;
  if (!proof.highlights.empty()) proof_answer += " One learner wrote: " + proof.highlights.front();
  out.emplace_back("How do I know it's worth it?", ensure_period(proof_answer));
  out.emplace_back("I'm not sure it's right for me",
                   "Ask about their goal and current situation, then suggest the one service "
                   "that matches it; never push more than one option at a time.");
  return out;
}

std::string instructions(const CreatorData& d, const std::vector<ProfileService>& services) {
  std::string s = "You sell on behalf of " + d.name + ". Be warm, brief and specific; write " +
                  "like a helpful assistant, not an advertiser.\n";
  if (services.empty()) {
    s += "No services are listed yet: do not offer or price anything; invite the person to "
         "follow " +
         d.name + " for upcoming offerings.\n";
  } else {
    s += "Offer only these services, at exactly these prices:\n";
    for (const auto& svc : services) s += "- " + service_line(svc) + "\n";
  }
  s += "Never invent prices, discounts, dates, guarantees or results. Quote ratings and "
       "booking numbers only as given in this profile.\n"
       "Recommend one service per message, matched to what the person viewed or asked about.\n"
       "Respect opt-outs immediately; if someone asks for a human, say " +
       d.name + " will reply personally.";
  return s;
}

}  // namespace

std::vector<std::string> sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::size_t b = cur.find_first_not_of(" -");
    if (b != std::string::npos) {
      std::string s = cur.substr(b);
      while (!s.empty() && s.back() == ' ') s.pop_back();
      if (s.size() >= 3) out.push_back(std::move(s));
    }
    cur.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      flush();
      continue;
    }
    cur += c;
    const bool end = c == '.' || c == '!' || c == '?';
    // "ex-Google." ends a sentence; "4.8" and "e.g." do not.
    if (end && (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n')) {
      const bool abbrev = cur.size() >= 4 && (cur.ends_with("e.g.") || cur.ends_with("i.e."));
      if (!abbrev) flush();
    }
  }
  flush();
  return out;
}

SalesProfile generate_offline(const CreatorData& d) {
  SalesProfile p;
  p.services = services_from(d);
  p.pricing_info = pricing_from(d);
  p.ratings = ratings_from(d);
  p.social_proof = social_proof_from(d);
  const std::vector<std::string> said = sentences(d.description);
  const ProfileService* top = featured(d, p.services);

  // llm_summary: who, what they sell, how it's received.
  p.llm_summary = d.name + (said.empty() ? "." : ": " + ensure_period(said.front()));
  if (!p.services.empty()) p.llm_summary += " Offers " + p.pricing_info.summary;
  if (!p.ratings.summary.empty()) p.llm_summary += " Rated " + p.ratings.summary + ".";
  if (d.total_bookings && *d.total_bookings > 0)
    p.llm_summary += " " + format_count(*d.total_bookings) + " bookings so far.";

  // sales_pitch: the creator's own opening, the flagship offer, the proof.
  std::string pitch;
  for (std::size_t i = 0; i < said.size() && i < 2; ++i) pitch += ensure_period(said[i]) + " ";
  if (top != nullptr) {
    pitch += "Featured: " + service_line(*top) + ".";
    if (!top->description.empty()) {
      auto s = sentences(top->description);
      if (!s.empty()) pitch += " " + ensure_period(s.front());
    }
  } else {
    pitch += "New offerings from " + d.name + " are coming soon.";
  }
  if (!p.social_proof.summary.empty()) pitch += " " + p.social_proof.summary;
  p.sales_pitch = pitch;

  // target_audience_description: the sentence where the creator names who they help.
  std::string who;
  for (const auto& s : said) {
    if (s.find("help") != std::string::npos || s.find(" for ") != std::string::npos ||
        s.find("teach") != std::string::npos || s.find("coach") != std::string::npos) {
      who = s;
      break;
    }
  }
  if (who.empty() && !said.empty()) who = said.front();
  p.target_audience_description =
      who.empty() ? "People who follow " + d.name + " and want direct access to their expertise."
                  : "In " + d.name + "'s words: \u201C" + ensure_period(who) + "\u201D";
  if (!p.services.empty()) {
    std::vector<std::string> kinds;
    for (const auto& s : p.services) {
      std::string k = type_label(s.type) + "s";
      if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
    }
    std::string list;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == kinds.size() ? " and " : ", ") + kinds[i];
    }
    p.target_audience_description += " They come for " + list + ".";
  }

  // value_propositions: the creator's own claims, then one line per service.
  for (std::size_t i = 1; i < said.size() && p.value_propositions.size() < 3; ++i) {
    p.value_propositions.push_back(ensure_period(said[i]));
  }
  for (const auto& s : p.services) {
    if (p.value_propositions.size() >= kMaxValueProps - 1) break;
    auto first = sentences(s.description);
    p.value_propositions.push_back(service_line(s) +
                                   (first.empty() ? "." : ": " + ensure_period(first.front())));
  }
  if (!p.social_proof.summary.empty()) p.value_propositions.push_back(p.social_proof.summary);
  if (p.value_propositions.empty()) p.value_propositions.push_back(ensure_period(p.llm_summary));

  p.agent_instructions = instructions(d, p.services);
  p.objection_handling = objections(d, p.services, p.social_proof);
  return p;
}

}  // namespace ca::onboarding
