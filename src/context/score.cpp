#include "context/score.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace ca::context {
namespace {

double points(std::int64_t count, double weight, double cap) {
  return std::min(cap, weight * static_cast<double>(std::max<std::int64_t>(count, 0)));
}

double engagement(const Metrics& m) {
  std::int64_t custom = 0;
  for (const auto& [type, n] : m.custom) custom = saturating_add(custom, n);
  double sum = points(m.page_views, 2, 10) + points(m.service_clicks, 5, 20) +
               points(m.emails_opened, 1, 5) + points(m.emails_clicked, 4, 12) +
               points(m.replies, 10, 20) + points(m.calls_scheduled, 10, 10) +
               points(m.calls_completed, 15, 15) + points(m.bookings_created, 15, 15) +
               points(m.payment_failures, 5, 5) + points(m.payments, 25, 25) + points(custom, 1, 5);
  return std::min(100.0, sum);
}

double recency(std::optional<Timestamp> last_seen_at, Timestamp at) {
  if (!last_seen_at || at <= *last_seen_at) return 1.0;
  using Days = std::chrono::duration<double, std::ratio<86400>>;
  double idle_days = std::chrono::duration_cast<Days>(at - *last_seen_at).count();
  if (idle_days <= 7) return 1.0;
  return std::max(0.25, 1.0 - (idle_days - 7) / 120);
}

double stage_floor(Stage stage) {
  switch (stage) {
    case Stage::interested: return 15;
    case Stage::engaged: return 40;
    case Stage::converted: return 80;
    case Stage::new_:
    case Stage::churned: return 0;
  }
  return 0;
}

}  // namespace

double lead_score(const Metrics& m, Stage stage, std::optional<Timestamp> last_seen_at,
                  Timestamp at) {
  double floor = stage_floor(stage);
  double score = floor + (100 - floor) * engagement(m) / 100 * recency(last_seen_at, at);
  if (stage == Stage::churned) score /= 2;
  return std::clamp(std::round(score * 10) / 10, 0.0, 100.0);
}

}  // namespace ca::context
