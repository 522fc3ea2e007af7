// `simulate` on a small population against a real database (per backend): every
// invariant reads zero, the pipeline did real work, a seed repeats exactly, and the
// invariant checks catch a violation planted in the database.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "sim/invariants.hpp"
#include "sim/simulator.hpp"
#include "store/delivery_repo.hpp"
#include "store/store.hpp"
#include "support/test_db.hpp"

namespace ca::sim {
namespace {

// Every skip is logged at info; the report is what these tests read.
struct QuietLogs : ::testing::Environment {
  void SetUp() override { spdlog::set_level(spdlog::level::warn); }
};
const auto* const kQuiet = ::testing::AddGlobalTestEnvironment(new QuietLogs);

SimOptions small(const std::string& url, std::uint64_t seed = 7) {
  SimOptions o;
  o.days = 7;
  o.consumers = 200;
  o.seed = seed;
  o.database_url = url;
  return o;
}

std::int64_t count(const std::map<std::string, std::int64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

TEST(Simulate, SmallPopulationKeepsEveryInvariant) {
  test::TestDatabase db;
  int progress_calls = 0;
  auto r = run_simulation(small(db.url()), [&](const SimProgress& p) {
    ++progress_calls;
    EXPECT_EQ(p.day, progress_calls);
    EXPECT_EQ(p.days, 7);
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(progress_calls, 7);
  const auto& inv = r->invariants;
  EXPECT_TRUE(inv.ok());
  EXPECT_EQ(inv.sent_to_opted_out, 0);
  EXPECT_EQ(inv.sent_in_quiet_hours, 0);
  EXPECT_EQ(inv.caps_exceeded, 0);
  EXPECT_EQ(inv.duplicate_sends, 0);
  EXPECT_EQ(inv.whatsapp_outside_window, 0);
  EXPECT_EQ(inv.lost_events, 0);
  for (const auto& e : inv.examples) ADD_FAILURE() << e;

  // The pipeline did real work: events became invocations, some messages went out, some
  // were skipped by policy, and some consumers paid.
  const auto& s = r->summary;
  EXPECT_EQ(s.events, r->counters.events_generated);
  EXPECT_GT(s.events, 300);
  EXPECT_GT(count(s.events_by_type, "page_view"), 100);
  EXPECT_GT(count(s.events_by_type, "service_click"), 0);
  EXPECT_GT(s.invocations, 100);
  EXPECT_GT(s.messages_out, 0);
  EXPECT_GT(inv.messages_checked, 0);
  EXPECT_FALSE(s.skips_by_reason.empty());
  EXPECT_GT(s.conversions, 0);
  EXPECT_GT(r->counters.consumers_created, 100);
  EXPECT_LE(r->counters.consumers_created, 200);
  EXPECT_EQ(r->counters.ingest_errors, 0);
  // As in `serve`: most invocations are decided in their event's transaction, the rest
  // (consumers with a job due first) through agent.invoke jobs; follow-ups and sends are jobs.
  const auto& kinds = r->counters.jobs_by_kind;
  const auto jobs_of = [&](const std::string& kind) {
    auto it = kinds.find(kind);
    return it == kinds.end() ? std::int64_t{0} : it->second;
  };
  EXPECT_GT(r->counters.decided_at_ingest, s.invocations / 2);
  EXPECT_EQ(r->counters.decided_at_ingest + jobs_of("agent.invoke") + jobs_of("agent.followup"),
            s.invocations);
  EXPECT_GT(jobs_of("action.send"), 0);
}

TEST(Simulate, QueuedDecisionsKeepEveryInvariant) {
  test::TestDatabase db;
  SimOptions o = small(db.url());
  o.inline_decisions = false;
  auto r = run_simulation(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->invariants.ok());
  for (const auto& e : r->invariants.examples) ADD_FAILURE() << e;
  EXPECT_EQ(r->counters.decided_at_ingest, 0);
  const auto& kinds = r->counters.jobs_by_kind;
  ASSERT_TRUE(kinds.count("agent.invoke"));
  EXPECT_GT(kinds.at("agent.invoke"), r->summary.invocations / 2);
  EXPECT_GT(r->summary.messages_out, 0);
  EXPECT_GT(r->summary.conversions, 0);
}

TEST(Simulate, SameSeedSameRun) {
  test::TestDatabase db1;
  test::TestDatabase db2;
  SimOptions o1 = small(db1.url(), 11);
  o1.consumers = 120;
  o1.days = 5;
  SimOptions o2 = o1;
  o2.database_url = db2.url();
  auto a = run_simulation(o1);
  auto b = run_simulation(o2);
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(a->summary.events_by_type, b->summary.events_by_type);
  EXPECT_EQ(a->summary.invocations_by_status, b->summary.invocations_by_status);
  EXPECT_EQ(a->summary.messages_by_channel, b->summary.messages_by_channel);
  EXPECT_EQ(a->summary.skips_by_reason, b->summary.skips_by_reason);
  EXPECT_EQ(a->summary.conversions, b->summary.conversions);
  EXPECT_EQ(a->summary.revenue_minor, b->summary.revenue_minor);
  EXPECT_EQ(a->counters.jobs_run, b->counters.jobs_run);
}

TEST(Simulate, InvariantChecksCatchPlantedViolations) {
  test::TestDatabase db;
  auto r = run_simulation(small(db.url(), 3));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->invariants.ok());

  store::StoreConfig sc;
  sc.url = db.url();
  auto store = store::open_store(sc);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto sent = store::in_tx(**store, store::TxMode::read, [](store::Tx& tx) {
    return tx.analytics().sent_messages(Tenant::admin());
  });
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  ASSERT_FALSE(sent->empty());
  const store::SentMessage m = sent->front();

  // Consent revoked an hour before a message that went out; a second accepted attempt.
  auto planted = store::in_tx(**store, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
    CA_CHECK(tx.consumers().set_consent(Tenant::admin(), m.consumer_id, m.channel,
                                        Consent{false, "test", m.sent_at - std::chrono::hours(1)}));
    store::ActionAttempt extra;
    extra.id = "01900000-0000-7000-8000-00000000abcd";
    extra.action_id = m.action_id;
    extra.creator_id = m.creator_id;
    extra.channel = "sandbox";
    extra.outcome = "accepted";
    extra.created_at = extra.updated_at = m.sent_at;
    return tx.delivery().insert_attempt(extra);
  });
  ASSERT_TRUE(planted.ok()) << planted.error().message;

  auto inv = check_invariants(**store, Tenant::admin(), 10, 9);
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  EXPECT_FALSE(inv->ok());
  EXPECT_GE(inv->sent_to_opted_out, 1);
  EXPECT_EQ(inv->duplicate_sends, 1);
  EXPECT_EQ(inv->lost_events, 1);
  EXPECT_FALSE(inv->examples.empty());
}

}  // namespace
}  // namespace ca::sim
