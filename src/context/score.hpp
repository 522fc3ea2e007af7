// The lead score: one deterministic 0..100 number a sales team can read at a glance.
//
//   engagement = min(100, sum over counters of min(cap, weight * count))
//       counter           weight cap     counter           weight cap
//       page_views             2  10     calls_scheduled       10  10
//       service_clicks         5  20     calls_completed       15  15
//       emails_opened          1   5     bookings_created      15  15
//       emails_clicked         4  12     payment_failures       5   5   (intent to pay)
//       replies               10  20     payments              25  25
//       custom (all types)     1   5
//   idle     = at - last_seen_at (0 if never seen or at is not later)
//   recency  = 1 for idle <= 7 days, then 1/120 less per further idle day, never below 0.25
//   floor    = new 0, interested 15, engaged 40, converted 80, churned 0
//   score    = floor + (100 - floor) * engagement / 100 * recency   (churned: halved)
//   rounded to one decimal.
// Monotonic: for the same stage and times, more of any counter never lowers the score, and a
// later stage (new < interested < engaged < converted) never scores lower. Converted >= 80.
#pragma once

#include <optional>

#include "context/metrics.hpp"
#include "domain/entities.hpp"
#include "domain/time.hpp"

namespace ca::context {

double lead_score(const Metrics& m, Stage stage, std::optional<Timestamp> last_seen_at,
                  Timestamp at);

}  // namespace ca::context
