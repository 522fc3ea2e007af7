// What must never happen, checked from the database after a run: every count must be 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"
#include "store/store.hpp"

namespace ca::sim {

struct InvariantReport {
  std::int64_t sent_to_opted_out = 0;        // consent revoked (or never given) before the send
  std::int64_t sent_in_quiet_hours = 0;      // in the consumer's zone (policy's rules)
  std::int64_t caps_exceeded = 0;            // messages over the rolling day/week caps
  std::int64_t duplicate_sends = 0;          // one action or one decision sent twice
  std::int64_t whatsapp_outside_window = 0;  // free-form > 24 h after the last inbound
  std::int64_t lost_events = 0;              // generated but not stored
  std::int64_t messages_checked = 0;
  std::vector<std::string> examples;  // a few offending action ids with the rule

  bool ok() const {
    return sent_to_opted_out == 0 && sent_in_quiet_hours == 0 && caps_exceeded == 0 &&
           duplicate_sends == 0 && whatsapp_outside_window == 0 && lost_events == 0;
  }
};

// `expected_events`: how many events the run stored (generated and accepted); compared with
// the events table's growth `stored_events`.
Result<InvariantReport> check_invariants(store::Store& store, const Tenant& scope,
                                         std::int64_t expected_events, std::int64_t stored_events);

}  // namespace ca::sim
