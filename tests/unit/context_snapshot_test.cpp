// The snapshot carries "the context before this event" from ingest to the agent's job; the
// returning-after-24 h rule depends on it surviving the trip intact.
#include <gtest/gtest.h>

#include <boost/json/object.hpp>

#include <chrono>

#include "context/metrics.hpp"
#include "context/queries.hpp"
#include "context/rules.hpp"
#include "context/snapshot.hpp"

namespace ca::context {
namespace {

TEST(ContextSnapshot, RoundTripsAContextAfterRules) {
  const Timestamp t0 = *parse_rfc3339("2026-11-24T10:00:00Z");
  ConsumerContext ctx;
  ctx.consumer_id = "co_1";
  ctx.creator_id = "cr_1";
  ctx.attributes_json = R"({"utm":"ig"})";
  Event e;
  e.type = "payment_success";
  e.payload_json = R"({"amount_minor":49900,"currency":"INR","service_id":"s1"})";
  e.occurred_at = t0;
  e.received_at = t0 + std::chrono::seconds{1};
  ctx = apply_event(ctx, e);

  auto back = from_snapshot(to_snapshot(ctx));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->consumer_id, "co_1");
  EXPECT_EQ(back->creator_id, "cr_1");
  EXPECT_EQ(back->stage, Stage::converted);
  EXPECT_DOUBLE_EQ(back->lead_score, ctx.lead_score);
  EXPECT_EQ(back->last_seen_at, ctx.last_seen_at);
  EXPECT_EQ(back->updated_at, ctx.updated_at);
  EXPECT_EQ(parse_metrics(back->metrics_json), parse_metrics(ctx.metrics_json));
  EXPECT_EQ(back->attributes_json, ctx.attributes_json);
  EXPECT_EQ(time_since_last_seen(*back, t0 + std::chrono::hours{25}), std::chrono::hours{25});

  ConsumerContext never_seen;
  auto empty = from_snapshot(to_snapshot(never_seen));
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->last_seen_at);
  EXPECT_FALSE(from_snapshot("not json"));
  EXPECT_FALSE(from_snapshot(R"({"stage":"nope"})"));
}

// Ingest snapshots the parsed state it is advancing; the document must be the one the
// context it stands for gives.
TEST(ContextSnapshot, AStateSnapshotsLikeItsContext) {
  const Timestamp t0 = *parse_rfc3339("2026-11-24T10:00:00Z");
  ConsumerContext ctx;
  ctx.consumer_id = "co_1";
  ctx.creator_id = "cr_1";
  ctx.attributes_json = R"({"utm":"ig"})";
  ContextState state = load_state(ctx);
  for (const char* type : {"page_view", "service_click", "whatsapp_message_received"}) {
    Event e;
    e.type = type;
    e.payload_json = R"({"service_id":"s1"})";
    e.occurred_at = t0;
    e.received_at = t0;
    advance(state, e);
    EXPECT_EQ(snapshot_object(state), snapshot_object(to_context(state))) << type;
  }
  EXPECT_EQ(snapshot_object(state).at("metrics").at("replies"), 1);
}

}  // namespace
}  // namespace ca::context
