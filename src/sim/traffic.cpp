#include "sim/traffic.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

namespace ca::sim {

namespace bj = boost::json;

namespace {

struct Zone {
  const char* name;  // nullptr: unknown to the platform
  int offset_minutes;
  int weight;
};

// Mostly India (the creators' market), some diaspora, a few without a known zone.
constexpr std::array kZones{
    Zone{"Asia/Kolkata", 330, 60},
    Zone{"Asia/Dubai", 240, 8},
    Zone{"Europe/London", 0, 7},
    Zone{"America/New_York", -300, 8},
    Zone{"America/Los_Angeles", -480, 4},
    Zone{"Asia/Singapore", 480, 6},
    Zone{nullptr, 330, 7},
};

constexpr std::array kFirstNames{"Aarav", "Diya",  "Ishaan", "Meera", "Kabir", "Ananya",
                                 "Rohan", "Sara",  "Vikram", "Zoya",  "Arjun", "Nisha",
                                 "Dev",   "Priya", "Omar",   "Emma",  "Liam",  "Mei"};

constexpr auto kMinute = std::chrono::minutes(1);

}  // namespace

double Draw::unit() {
  return static_cast<double>(random_.next() >> 11) * (1.0 / 9007199254740992.0);
}

int Draw::below(int n) {
  return n <= 1 ? 0 : static_cast<int>(random_.next() % static_cast<std::uint64_t>(n));
}

TrafficModel::TrafficModel(std::uint64_t seed, std::vector<CreatorRef> creators, Timestamp start,
                           int days, int consumers)
    : draw_(seed), creators_(std::move(creators)), start_(start) {
  int total_weight = 0;
  for (const auto& z : kZones) total_weight += z.weight;
  personas_.reserve(static_cast<size_t>(consumers));
  for (int i = 0; i < consumers; ++i) {
    Persona p;
    // Bigger creators draw more traffic: the first creators weigh more.
    const int n = static_cast<int>(creators_.size());
    p.creator = std::min(draw_.below(n), draw_.below(n));
    p.external_id = "sim-" + std::to_string(seed) + "-" + std::to_string(i);
    p.name =
        std::string(
            kFirstNames[static_cast<size_t>(draw_.below(static_cast<int>(kFirstNames.size())))]) +
        " " + std::to_string(i);
    if (draw_.chance(0.8)) {
      p.email = "sim" + std::to_string(seed) + "-" + std::to_string(i) + "@example.com";
    }
    if (draw_.chance(0.7)) {
      // Unique per consumer and (mostly) per seed: ten digits from the seed and the index.
      const long long number = 6000000000LL + static_cast<long long>(seed % 300) * 10000000LL +
                               static_cast<long long>(i % 10000000);
      p.whatsapp = "+91" + std::to_string(number);
    }
    int w = draw_.below(total_weight);
    for (const auto& z : kZones) {
      if (w < z.weight) {
        if (z.name != nullptr) p.timezone = z.name;
        p.utc_offset_minutes = z.offset_minutes;
        break;
      }
      w -= z.weight;
    }
    p.consent_whatsapp = p.whatsapp && draw_.chance(0.65);
    p.consent_email = p.email && draw_.chance(0.75);
    p.intent = std::pow(draw_.unit(), 1.6);  // most browse, a few are keen
    p.arrival_day = draw_.below(std::max(days, 1));
    personas_.push_back(std::move(p));
  }
  state_.resize(personas_.size());
}

Timestamp TrafficModel::day_start(int day) const { return start_ + std::chrono::days(day); }

Timestamp TrafficModel::local_time(int day, const Persona& p, int local_minute) {
  // Local minute → UTC within the simulated day (a fixed offset is close enough to place a
  // visit; the invariants use real zone rules).
  int utc_minute = local_minute - p.utc_offset_minutes;
  utc_minute = ((utc_minute % 1440) + 1440) % 1440;
  return day_start(day) + utc_minute * kMinute + std::chrono::seconds(draw_.below(60));
}

std::string TrafficModel::service_payload(int consumer, int service, bool with_amount) const {
  const auto& c = creators_[static_cast<size_t>(personas_[static_cast<size_t>(consumer)].creator)];
  const auto& s = c.services[static_cast<size_t>(service)];
  bj::object o{{"service_id", s.id}};
  if (with_amount) {
    o["amount_minor"] = s.price.amount_minor;
    o["currency"] = s.price.currency;
  }
  return bj::serialize(o);
}

void TrafficModel::visit(int day, int consumer, bool messaged, std::vector<PlannedEvent>& out) {
  const Persona& p = personas_[static_cast<size_t>(consumer)];
  State& st = state_[static_cast<size_t>(consumer)];
  const auto& creator = creators_[static_cast<size_t>(p.creator)];
  // Mostly daytime and evening; one visit in ten in the small hours.
  const int local_minute =
      draw_.chance(0.1) ? draw_.below(7 * 60) : 8 * 60 + draw_.below(15 * 60 + 30);
  Timestamp t = local_time(day, p, local_minute);
  auto add = [&](std::string type, std::string payload) {
    out.push_back(
        PlannedEvent{t, consumer, ActionKind::event, std::move(type), std::move(payload)});
    t += kMinute * (1 + draw_.below(6));
  };
  ++st.visits;
  const int views = 1 + draw_.below(3);
  for (int i = 0; i < views; ++i) {
    add("page_view", bj::serialize(bj::object{{"url", "https://topmate.io/" + creator.username},
                                              {"visit", st.visits}}));
  }
  if (creator.services.empty()) return;
  const double lift = messaged ? 1.6 : 1.0;
  if (st.booked_service >= 0 && !st.paid) {
    // Came back to finish a failed payment.
    if (draw_.chance(0.5 * lift)) {
      const bool ok = draw_.chance(0.8);
      add(ok ? "payment_success" : "payment_failed",
          service_payload(consumer, st.booked_service, true));
      if (ok) st.paid = true;
    }
    return;
  }
  if (st.paid || !draw_.chance(0.2 + 0.6 * p.intent)) return;
  const int svc = draw_.below(static_cast<int>(creator.services.size()));
  st.clicked_service = svc;
  add("service_click", service_payload(consumer, svc, false));
  if (!draw_.chance(std::min(0.9, 0.35 * p.intent * lift))) return;
  add("booking_created", service_payload(consumer, svc, false));
  st.booked_service = svc;
  const bool ok = draw_.chance(0.75);
  add(ok ? "payment_success" : "payment_failed", service_payload(consumer, svc, true));
  if (ok) st.paid = true;
}

std::vector<PlannedEvent> TrafficModel::day(int day, const std::set<int>& messaged) {
  std::vector<PlannedEvent> out;
  for (int i = 0; i < static_cast<int>(personas_.size()); ++i) {
    const Persona& p = personas_[static_cast<size_t>(i)];
    State& st = state_[static_cast<size_t>(i)];
    if (p.arrival_day > day) continue;
    const bool was_messaged = messaged.count(i) > 0;
    if (p.arrival_day == day) {
      st.arrived = true;
      visit(day, i, false, out);
    } else {
      const int age = day - p.arrival_day;
      double chance = (0.04 + 0.16 * p.intent) * std::pow(0.92, age);
      if (st.paid) chance *= 0.3;
      if (was_messaged) chance *= 2.0;
      if (draw_.chance(chance)) visit(day, i, was_messaged, out);
    }
    if (!p.whatsapp || st.stopped) continue;
    // Replies on WhatsApp: mostly to a message, sometimes unprompted; some say STOP.
    const double reply = was_messaged ? 0.15 : 0.01;
    if (draw_.chance(reply)) {
      const Timestamp at = local_time(day, p, 9 * 60 + draw_.below(13 * 60));
      out.push_back(PlannedEvent{at, i, ActionKind::event, "whatsapp_message_received",
                                 R"({"text":"Hi, is there a slot this week?"})"});
    }
    if (was_messaged && draw_.chance(0.03)) {
      st.stopped = true;
      const Timestamp at = local_time(day, p, 8 * 60 + draw_.below(15 * 60));
      out.push_back(PlannedEvent{at, i, ActionKind::stop, "STOP", "{}"});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const PlannedEvent& a, const PlannedEvent& b) {
    return std::tie(a.at, a.consumer) < std::tie(b.at, b.consumer);
  });
  return out;
}

}  // namespace ca::sim
