// An ingest service with the generic sales agent deployed, on a virtual clock, and the
// worker side run by hand: what the invocation tests share.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "agents/inline_decider.hpp"
#include "agents/invocation_runner.hpp"
#include "ingest/agent_dispatch.hpp"
#include "ingest/event_request.hpp"
#include "ingest/ingest_service.hpp"
#include "store/agent_repo.hpp"
#include "store/event_repo.hpp"
#include "store/job_repo.hpp"
#include "support/test_db.hpp"

namespace ca::test {

class InvocationRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_store(store::StoreConfig{db_.url(), 4, 5000});
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->migrate().ok());
    creator_.id = ids_.next();
    creator_.name = "Ajay";
    creator_.email = "ajay@example.com";
    agent_.id = ids_.next();
    agent_.creator_id = creator_.id;
    agent_.name = "Sales";
    agent_.kind = "generic_sales";
    agent_.triggers.push_back(AgentTrigger{ids_.next(), agent_.id, creator_.id, "page_view", "{}"});
    auto r = store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
      CA_CHECK(tx.creators().insert(creator_));
      return tx.agents().insert(agent_);
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
    dispatch_ = std::make_unique<ingest::AgentDispatch>(ids_, clock_, nullptr);
    ingest_ = std::make_unique<ingest::IngestService>(*store_, clock_, ids_, dispatch_.get());
    runner_ =
        std::make_unique<agents::InvocationRunner>(*store_, clock_, ids_, agents::RuntimeOptions{});
  }

  // From now on, ingest decides what it can inline (agents/inline_decider.hpp).
  void decide_inline(agents::RuntimeOptions opts = {}) {
    decider_ = std::make_unique<agents::InlineDecider>(opts);
    dispatch_ = std::make_unique<ingest::AgentDispatch>(ids_, clock_, nullptr, decider_.get());
    ingest_ = std::make_unique<ingest::IngestService>(*store_, clock_, ids_, dispatch_.get());
  }

  void ingest_view(const std::string& visitor = "v1",
                   const std::string& whatsapp = "+919812345678") {
    ingest::EventRequest req;
    req.type = "page_view";
    req.consumer.external_id = visitor;
    req.consumer.whatsapp = whatsapp;
    req.fingerprint = ids_.next();
    auto out = ingest_->ingest(Tenant::creator(creator_.id), req);
    ASSERT_TRUE(out.ok()) << out.error().message;
  }

  // Up to `limit` due jobs, claimed now as worker `worker`.
  Result<std::vector<store::Job>> claim(const std::string& worker, int limit) {
    store::ClaimRequest req;
    req.worker_id = worker;
    req.limit = limit;
    req.now = clock_.now();
    return store::in_tx(*store_, store::TxMode::write,
                        [&](store::Tx& tx) { return tx.jobs().claim(req); });
  }

  // Claims and runs every due job of the given kind; returns how many ran.
  int run_due(const std::string& kind) {
    int ran = 0;
    for (;;) {
      auto jobs = claim("test", 1);
      EXPECT_TRUE(jobs.ok());
      if (!jobs.ok() || jobs->empty()) return ran;
      const store::Job& job = jobs->front();
      if (job.kind == agents::kSendJobKind) {  // sending planned actions is actions/' work
        auto done = store::in_tx(*store_, store::TxMode::write,
                                 [&](store::Tx& tx) { return tx.jobs().complete(job); });
        EXPECT_TRUE(done.ok());
        continue;
      }
      EXPECT_EQ(job.kind, kind);
      auto r =
          kind == agents::kInvokeJobKind ? runner_->run_invoke(job) : runner_->run_followup(job);
      EXPECT_TRUE(r.ok()) << r.error().message;
      auto done = store::in_tx(*store_, store::TxMode::write,
                               [&](store::Tx& tx) { return tx.jobs().complete(job); });
      EXPECT_TRUE(done.ok());
      ++ran;
    }
  }

  int count_actions() {
    PageRequest page;
    page.limit = 500;
    auto a = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.actions().list(Tenant::admin(), {}, page);
    });
    return a.ok() ? static_cast<int>(a->items.size()) : -1;
  }

  int queued(const char* kind) {
    store::JobFilter f;
    f.status = store::JobStatus::queued;
    f.kind = kind;
    PageRequest page;
    page.limit = 500;
    auto j = store::in_tx(*store_, store::TxMode::read,
                          [&](store::Tx& tx) { return tx.jobs().list(Tenant::admin(), f, page); });
    return j.ok() ? static_cast<int>(j->items.size()) : -1;
  }
  int queued_followups() { return queued(agents::kFollowupJobKind); }

  // Every invocation, oldest first.
  std::vector<Invocation> invocations() {
    PageRequest page;
    page.limit = 500;
    auto list = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.invocations().list(Tenant::admin(), {}, page);
    });
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return {};
    std::vector<Invocation> out = std::move(list->items);
    std::sort(out.begin(), out.end(),
              [](const Invocation& a, const Invocation& b) { return a.id < b.id; });
    return out;
  }

  TestDatabase db_;
  ManualClock clock_{*parse_rfc3339("2026-11-24T10:00:00Z")};
  SeededRandom random_{7};
  IdGenerator ids_{clock_, random_};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<agents::InlineDecider> decider_;  // before dispatch_: it points here
  std::unique_ptr<ingest::AgentDispatch> dispatch_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<agents::InvocationRunner> runner_;
  Creator creator_;
  ca::Agent agent_;
};

}  // namespace ca::test
