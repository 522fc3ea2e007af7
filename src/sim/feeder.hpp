// Feeding traffic into the real pipeline, shared by `simulate` (virtual clock) and `demo`
// (wall clock): onboarding the fixture creators with their sales agents, creating each
// simulated consumer on first sight (contacts, zone, consent as a signup form records
// them), ingesting their events through IngestService and STOP through ActionService
// (what the Twilio inbound webhook does).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "sim/traffic.hpp"
#include "store/store.hpp"

namespace ca::ingest {
class IngestService;
}
namespace ca::actions {
class ActionService;
}
namespace ca::onboarding {
class OnboardingService;
}

namespace ca::sim {

// Onboards every fixture creator inline and deploys its sales agent; `agent_config_json`
// (when not empty) replaces the deployed agent's config (demo: shorter delays).
Result<std::vector<CreatorRef>> onboard_fixture_creators(store::Store& store,
                                                         onboarding::OnboardingService& svc,
                                                         const std::string& agent_config_json,
                                                         const Clock& clock);

struct FeedCounters {
  std::int64_t events = 0;  // stored (not duplicates, not STOP keywords)
  std::int64_t stops = 0;
  std::int64_t consumers_created = 0;
  std::int64_t errors = 0;  // events the pipeline refused
};

class Feeder {
 public:
  Feeder(store::Store& store, const Clock& clock, IdGenerator& ids, ingest::IngestService& ingest,
         actions::ActionService& actions, std::vector<std::string> creator_ids)
      : store_(store),
        clock_(clock),
        ids_(ids),
        ingest_(ingest),
        actions_(actions),
        creator_ids_(std::move(creator_ids)) {}

  // `occurred_at`: the event's time (nullopt: e.at). Errors are store failures; an event
  // the pipeline refuses is counted in errors.
  Result<void> apply(const PlannedEvent& e, const Persona& p,
                     std::optional<Timestamp> occurred_at = std::nullopt);
  // The persona index of a stored consumer id, if this feeder created or found it.
  std::optional<int> persona_of(const std::string& consumer_id) const;
  const FeedCounters& counters() const { return counters_; }

 private:
  Result<std::string> consumer_id(const Persona& p, int index);

  store::Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  ingest::IngestService& ingest_;
  actions::ActionService& actions_;
  std::vector<std::string> creator_ids_;
  FeedCounters counters_;
  std::unordered_map<int, std::string> consumer_ids_;
  std::unordered_map<std::string, int> persona_index_;
};

}  // namespace ca::sim
