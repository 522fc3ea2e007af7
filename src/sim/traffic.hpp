// The traffic model: a seeded population of consumers per creator (contacts, consent,
// time zones, intent) and, day by day, what they do: visit, come back, click services,
// book, pay or fail to pay, reply on WhatsApp, say STOP. Pure given the seed: the same
// seed and inputs give the same days. Consumers messaged the day before come back and book
// a little more often, so messages can show an effect.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/ids.hpp"
#include "domain/money.hpp"
#include "domain/time.hpp"

namespace ca::sim {

struct ServiceRef {
  std::string id;
  Money price;
};

struct CreatorRef {
  std::string id;
  std::string username;
  std::vector<ServiceRef> services;
};

struct Persona {
  int creator = 0;  // index into the creators
  std::string external_id;
  std::string name;
  std::optional<std::string> email;
  std::optional<std::string> whatsapp;
  std::optional<std::string> timezone;  // nullopt: unknown (policy uses the creator's)
  int utc_offset_minutes = 0;           // of the zone, for placing visits in local daytime
  bool consent_whatsapp = false;
  bool consent_email = false;
  double intent = 0;  // 0..1: how likely to click, book and pay
  int arrival_day = 0;
};

enum class ActionKind { event, stop };

struct PlannedEvent {
  Timestamp at{};
  int consumer = 0;  // index into the personas
  ActionKind kind = ActionKind::event;
  std::string type;  // event type (kind event)
  std::string payload_json = "{}";
};

// Deterministic draws from a SeededRandom.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : random_(seed) {}
  double unit();     // [0, 1)
  int below(int n);  // [0, n)
  bool chance(double p) { return unit() < p; }

 private:
  SeededRandom random_;
};

class TrafficModel {
 public:
  TrafficModel(std::uint64_t seed, std::vector<CreatorRef> creators, Timestamp start, int days,
               int consumers);

  const std::vector<Persona>& personas() const { return personas_; }
  const std::vector<CreatorRef>& creators() const { return creators_; }
  Timestamp day_start(int day) const;

  // Day `day`'s events in time order. `messaged`: consumers sent a message the day before.
  std::vector<PlannedEvent> day(int day, const std::set<int>& messaged);

 private:
  struct State {
    bool arrived = false;
    bool stopped = false;
    int clicked_service = -1;
    int booked_service = -1;  // booked, not yet paid
    bool paid = false;
    int visits = 0;
  };
  void visit(int day, int consumer, bool messaged, std::vector<PlannedEvent>& out);
  Timestamp local_time(int day, const Persona& p, int local_minute);
  std::string service_payload(int consumer, int service, bool with_amount) const;

  Draw draw_;
  std::vector<CreatorRef> creators_;
  Timestamp start_;
  std::vector<Persona> personas_;
  std::vector<State> state_;
};

}  // namespace ca::sim
