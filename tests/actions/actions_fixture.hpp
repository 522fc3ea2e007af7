// The scheduler against a real store (SQLite file or PostgreSQL per CA_TEST_BACKEND) on a
// ManualClock, with the sandbox channel writing the real outbox table.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actions/actions.hpp"
#include "actions/outbox_writer.hpp"
#include "actions/scheduler.hpp"
#include "agents/invocation_runner.hpp"
#include "channels/sandbox.hpp"
#include "context/metrics.hpp"
#include "domain/ids.hpp"
#include "store/agent_repo.hpp"
#include "store/delivery_repo.hpp"
#include "store/event_repo.hpp"
#include "store/job_repo.hpp"
#include "store/store.hpp"
#include "support/test_db.hpp"

#define ASSERT_OK(expr)                                                \
  do {                                                                 \
    const auto& ca_r_ = (expr);                                        \
    ASSERT_TRUE(ca_r_.ok()) << #expr << ": " << ca_r_.error().message; \
  } while (0)

namespace ca::test {

using namespace std::chrono_literals;

inline Timestamp at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

class ActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>();
    store_ = open();
    ASSERT_TRUE(store_);
    auto m = store_->migrate();
    ASSERT_TRUE(m.ok()) << m.error().message;
    outbox_ = std::make_unique<actions::StoreOutboxWriter>(*store_, clock_, ids_);
    sandbox_ = channels::make_sandbox_channel(*outbox_);
    scheduler_ = make_scheduler(*store_, sandbox_.get());
    service_ = std::make_unique<actions::ActionService>(*store_, clock_, ids_);
  }
  void TearDown() override {
    scheduler_.reset();
    service_.reset();
    store_.reset();
    db_.reset();
  }

  std::unique_ptr<store::Store> open() {
    store::StoreConfig c;
    c.url = db_->url();
    c.pool_size = 8;
    c.busy_timeout_ms = 10000;
    auto s = store::open_store(c);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::unique_ptr<actions::SendScheduler> make_scheduler(store::Store& s,
                                                         channels::MessageChannel* channel) {
    actions::SchedulerOptions o;
    o.public_base_url = "https://ca.example.com";
    return std::make_unique<actions::SendScheduler>(
        s, clock_, ids_,
        actions::ChannelMap{{Channel::whatsapp, channel}, {Channel::email, channel}}, o);
  }

  template <class Fn>
  void write(Fn&& fn) {
    auto r = store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
      fn(tx);
      return ok();
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  std::string creator(const std::string& settings_json = "{}", const std::string& tz = "UTC") {
    Creator c;
    c.id = ids_.next();
    c.name = "Coach";
    c.email = c.id + "@example.com";
    c.timezone = tz;
    c.settings_json = settings_json;
    c.created_at = c.updated_at = clock_.now();
    write([&](store::Tx& tx) { ASSERT_OK(tx.creators().insert(c)); });
    return c.id;
  }

  // A consumer with WhatsApp consent granted and (by default) a recent WhatsApp message,
  // so the 24-hour window is open.
  std::string consumer(const std::string& creator_id, const std::string& whatsapp,
                       std::optional<std::string> tz = "UTC", bool window_open = true) {
    Consumer c;
    c.id = ids_.next();
    c.creator_id = creator_id;
    c.whatsapp = whatsapp;
    c.email = c.id + "@example.net";
    c.timezone = std::move(tz);
    c.consent[Channel::whatsapp] = Consent{true, "test", clock_.now()};
    c.consent[Channel::email] = Consent{true, "test", clock_.now()};
    c.created_at = c.updated_at = clock_.now();
    write([&](store::Tx& tx) { ASSERT_OK(tx.consumers().insert(c)); });
    if (window_open) inbound_whatsapp(creator_id, c.id, clock_.now() - 1h);
    return c.id;
  }

  void inbound_whatsapp(const std::string& creator_id, const std::string& consumer_id,
                        Timestamp when) {
    write([&](store::Tx& tx) {
      auto ctx = tx.consumers().get_context_for_update(creator_id, consumer_id);
      ASSERT_OK(ctx);
      auto m = context::parse_metrics(ctx->metrics_json);
      m.last_inbound_at[Channel::whatsapp] = when;
      ctx->metrics_json = context::to_json(m);
      ASSERT_OK(tx.consumers().put_context(*ctx));
    });
  }

  void event(const std::string& creator_id, const std::string& consumer_id, const std::string& type,
             Timestamp when) {
    Event e;
    e.id = ids_.next();
    e.creator_id = creator_id;
    e.consumer_id = consumer_id;
    e.type = type;
    e.occurred_at = e.received_at = when;
    e.request_hash = "x";
    write([&](store::Tx& tx) { ASSERT_OK(tx.events().insert(e)); });
  }

  // A planned action (as the invocation runner writes it) with its send job.
  std::string plan(const std::string& creator_id, const std::string& consumer_id, Timestamp send_at,
                   const std::string& message = "Hi! Your slot is ready.",
                   Channel channel = Channel::whatsapp, const std::string& status = "scheduled",
                   std::optional<std::string> template_json = std::nullopt) {
    Action a;
    a.id = ids_.next();
    a.creator_id = creator_id;
    a.consumer_id = consumer_id;
    a.channel = channel;
    a.status = status;
    a.send_at = send_at;
    a.message = message;
    a.template_json = std::move(template_json);
    a.created_at = a.updated_at = clock_.now();
    write([&](store::Tx& tx) {
      ASSERT_OK(tx.actions().insert_many({a}));
      if (status == "scheduled") {
        ASSERT_OK(agents::enqueue_send_job(tx, a, ids_, a.send_at, clock_.now()));
      }
    });
    return a.id;
  }

  // Runs every due action.send job through the scheduler, as a worker would, until none
  // is due; returns how many ran.
  int drain(actions::SendScheduler* scheduler = nullptr) {
    if (scheduler == nullptr) scheduler = scheduler_.get();
    int ran = 0;
    for (int round = 0; round < 100; ++round) {
      store::ClaimRequest req;
      req.worker_id = "test";
      req.limit = 10;
      req.now = clock_.now();
      auto jobs = store::in_tx(*store_, store::TxMode::write,
                               [&](store::Tx& tx) { return tx.jobs().claim(req); });
      EXPECT_TRUE(jobs.ok()) << jobs.error().message;
      if (!jobs.ok() || jobs->empty()) break;
      for (const auto& j : *jobs) {
        EXPECT_EQ(j.kind, agents::kSendJobKind);
        auto r = scheduler->run_send(j);
        EXPECT_TRUE(r.ok()) << r.error().message;
        auto done = store::in_tx(*store_, store::TxMode::write,
                                 [&](store::Tx& tx) { return tx.jobs().complete(j); });
        EXPECT_TRUE(done.ok()) << done.error().message;
        ++ran;
      }
    }
    return ran;
  }

  Action action(const std::string& id) {
    auto a = store::in_tx(*store_, store::TxMode::read,
                          [&](store::Tx& tx) { return tx.actions().get(Tenant::admin(), id); });
    EXPECT_TRUE(a.ok()) << a.error().message;
    return a.ok() ? *a : Action{};
  }

  std::vector<store::OutboxMessage> outbox() {
    PageRequest p;
    p.limit = 500;
    auto page = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.delivery().list_outbox(Tenant::admin(), p);
    });
    EXPECT_TRUE(page.ok()) << page.error().message;
    return page.ok() ? page->items : std::vector<store::OutboxMessage>{};
  }

  std::vector<store::ActionAttempt> attempts(const std::string& action_id) {
    auto r = store::in_tx(*store_, store::TxMode::read,
                          [&](store::Tx& tx) { return tx.delivery().attempts(action_id); });
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::vector<store::ActionAttempt>{};
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{at("2026-11-24T10:00:00Z")};
  SeededRandom random_{42};
  IdGenerator ids_{clock_, random_};
  std::unique_ptr<actions::StoreOutboxWriter> outbox_;
  std::unique_ptr<channels::MessageChannel> sandbox_;
  std::unique_ptr<actions::SendScheduler> scheduler_;
  std::unique_ptr<actions::ActionService> service_;
};

}  // namespace ca::test
