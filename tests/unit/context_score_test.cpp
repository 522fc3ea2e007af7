// The lead score: exact values for a few hand-computed rows, bounds, and monotonicity.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "context/metrics.hpp"
#include "context/rules.hpp"
#include "context/score.hpp"

namespace ca::context {
namespace {
using std::chrono::hours;

const Timestamp kT0 = *parse_rfc3339("2026-11-24T10:00:00Z");

TEST(ContextScore, HandComputedRows) {
  struct Row {
    std::string name;
    Metrics m;
    Stage stage;
    hours idle;
    double score;
  };
  Metrics browsing;
  browsing.page_views = 2;
  browsing.service_clicks = 1;  // 4 + 5 = 9 points
  Metrics busy;
  busy.page_views = 50;       // 10 (cap)
  busy.service_clicks = 50;   // 20 (cap)
  busy.replies = 1;           // 10
  busy.bookings_created = 1;  // 15   -> 55
  Metrics maxed = busy;
  maxed.replies = 9;
  maxed.payments = 3;
  maxed.calls_completed = 1;  // 10+20+20+15+25+15 = 105 -> 100
  const std::vector<Row> rows = {
      {"nothing yet", {}, Stage::new_, hours{0}, 0},
      {"browsing interested", browsing, Stage::interested, hours{0}, 15 + 85 * 0.09},
      {"busy engaged", busy, Stage::engaged, hours{0}, 40 + 60 * 0.55},
      {"busy engaged, 7 days idle", busy, Stage::engaged, hours{7 * 24}, 40 + 60 * 0.55},
      {"busy engaged, 37 days idle", busy, Stage::engaged, hours{37 * 24}, 40 + 60 * 0.55 * 0.75},
      {"busy engaged, a year idle", busy, Stage::engaged, hours{365 * 24}, 40 + 60 * 0.55 * 0.25},
      {"converted with nothing else", {}, Stage::converted, hours{0}, 80},
      {"maxed converted", maxed, Stage::converted, hours{0}, 100},
      {"busy churned is halved", busy, Stage::churned, hours{0}, 27.5},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    EXPECT_NEAR(lead_score(r.m, r.stage, kT0, kT0 + r.idle), r.score, 0.051);
  }
  // Never seen, or scored at a time before last_seen: no decay.
  EXPECT_DOUBLE_EQ(lead_score(busy, Stage::engaged, std::nullopt, kT0), 73);
  EXPECT_DOUBLE_EQ(lead_score(busy, Stage::engaged, kT0 + hours{1000}, kT0), 73);
}

TEST(ContextScore, MonotonicInEveryCounterAndInStage) {
  const std::vector<std::function<void(Metrics&)>> bumps = {
      [](Metrics& m) { ++m.page_views; },       [](Metrics& m) { ++m.service_clicks; },
      [](Metrics& m) { ++m.emails_opened; },    [](Metrics& m) { ++m.emails_clicked; },
      [](Metrics& m) { ++m.replies; },          [](Metrics& m) { ++m.calls_scheduled; },
      [](Metrics& m) { ++m.calls_completed; },  [](Metrics& m) { ++m.bookings_created; },
      [](Metrics& m) { ++m.payment_failures; }, [](Metrics& m) { ++m.payments; },
      [](Metrics& m) { ++m.custom["x"]; },      [](Metrics& m) { ++m.bookings_cancelled; },
  };
  const std::vector<Stage> order = {Stage::new_, Stage::interested, Stage::engaged,
                                    Stage::converted};
  for (hours idle : {hours{0}, hours{30 * 24}}) {
    Metrics m;
    for (int round = 0; round < 12; ++round) {
      for (std::size_t i = 0; i < bumps.size(); ++i) {
        Metrics more = m;
        bumps[i](more);
        for (Stage s :
             {Stage::new_, Stage::interested, Stage::engaged, Stage::converted, Stage::churned}) {
          double a = lead_score(m, s, kT0, kT0 + idle);
          double b = lead_score(more, s, kT0, kT0 + idle);
          EXPECT_LE(a, b) << "counter " << i << " round " << round;
          EXPECT_GE(a, 0);
          EXPECT_LE(b, 100);
        }
        m = more;
      }
      for (std::size_t s = 1; s < order.size(); ++s) {
        EXPECT_LE(lead_score(m, order[s - 1], kT0, kT0 + idle),
                  lead_score(m, order[s], kT0, kT0 + idle));
      }
      EXPECT_GE(lead_score(m, Stage::converted, kT0, kT0 + idle), 80);
    }
  }
}

// Through apply_event: at one instant, every further engagement event keeps or raises it.
TEST(ContextScore, NeverDropsAlongAJourneyAtOneInstant) {
  const std::vector<std::pair<std::string, std::string>> journey = {
      {"page_view", "{}"},
      {"email_opened", "{}"},
      {"page_view", "{}"},
      {"service_click", R"({"service_id":"s1"})"},
      {"email_clicked", "{}"},
      {"webinar_joined", "{}"},
      {"service_click", R"({"service_id":"s1"})"},
      {"service_click", R"({"service_id":"s2"})"},
      {"whatsapp_message_received", "{}"},
      {"call_scheduled", "{}"},
      {"call_completed", "{}"},
      {"booking_created", R"({"service_id":"s1"})"},
      {"payment_failed", "{}"},
      {"booking_cancelled", R"({"service_id":"s1"})"},
      {"payment_success", R"({"amount_minor":100,"currency":"INR"})"},
      {"email_replied", "{}"},
  };
  ConsumerContext ctx;
  double prev = 0;
  for (const auto& [type, payload] : journey) {
    Event e;
    e.type = type;
    e.payload_json = payload;
    e.occurred_at = e.received_at = kT0;
    ctx = apply_event(ctx, e);
    EXPECT_GE(ctx.lead_score, prev) << type;
    prev = ctx.lead_score;
  }
  EXPECT_EQ(ctx.stage, Stage::converted);
  EXPECT_GE(ctx.lead_score, 95);
}

}  // namespace
}  // namespace ca::context
