// Shared set-up of the job suites: a fresh migrated database per test, a clock that worker
// threads may read while the test moves it, and small builders.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "domain/ids.hpp"
#include "store/job_repo.hpp"
#include "store/store.hpp"
#include "support/test_db.hpp"

#define ASSERT_OK(expr)                                                \
  do {                                                                 \
    const auto& ca_r_ = (expr);                                        \
    ASSERT_TRUE(ca_r_.ok()) << #expr << ": " << ca_r_.error().message; \
  } while (0)

namespace ca::test {

// Real time plus an offset the test can move forward; safe to read from any thread.
class ShiftedClock final : public Clock {
 public:
  Timestamp now() const override {
    auto real =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    return real + std::chrono::microseconds(offset_us_.load());
  }
  void advance(std::chrono::microseconds d) { offset_us_ += d.count(); }

 private:
  std::atomic<std::int64_t> offset_us_{0};
};

// Polls `done` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>();
    store_ = open();
    ASSERT_TRUE(store_);
    auto m = store_->migrate();
    ASSERT_TRUE(m.ok()) << m.error().message;
  }
  void TearDown() override {
    store_.reset();  // close every connection before the database is dropped
    db_.reset();
  }

  // Another handle on the same database: a second worker process, as far as it knows.
  std::unique_ptr<store::Store> open() {
    store::StoreConfig c;
    c.url = db_->url();
    c.pool_size = 8;
    c.busy_timeout_ms = 10000;
    auto s = store::open_store(c);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::unique_ptr<store::Tx> write() { return begin(store::TxMode::write); }
  std::unique_ptr<store::Tx> read() { return begin(store::TxMode::read); }
  std::unique_ptr<store::Tx> begin(store::TxMode mode) {
    auto tx = store_->begin(mode);
    EXPECT_TRUE(tx.ok()) << tx.error().message;
    return tx.ok() ? std::move(*tx) : nullptr;
  }

  std::string new_id() { return ids_.next(); }
  Timestamp now() const { return clock_.now(); }

  std::string add_creator() {
    Creator c;
    c.id = new_id();
    c.name = "Asha";
    c.email = "creator@example.com";
    c.created_at = c.updated_at = now();
    auto tx = write();
    auto r = tx->creators().insert(c);
    EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(tx->commit().ok());
    return c.id;
  }
  std::string add_consumer(const std::string& creator_id) {
    Consumer c;
    c.id = new_id();
    c.creator_id = creator_id;
    c.created_at = c.updated_at = now();
    auto tx = write();
    auto r = tx->consumers().insert(c);
    EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(tx->commit().ok());
    return c.id;
  }

  store::NewJob make_job(std::string kind = "test.work") {
    store::NewJob j;
    j.id = new_id();
    j.kind = std::move(kind);
    j.run_at = now();
    return j;
  }
  // Enqueues and commits; returns the id.
  std::string enqueue(const store::NewJob& j) {
    auto tx = write();
    auto r = tx->jobs().enqueue(j, now());
    EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(tx->commit().ok());
    return j.id;
  }
  store::Job get(const std::string& id) {
    auto tx = read();
    auto r = tx->jobs().get(Tenant::admin(), id);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : store::Job{};
  }
  // A succeeded job is deleted (JobRepo::complete): gone means done.
  bool completed(const std::string& id) {
    auto r = read()->jobs().get(Tenant::admin(), id);
    return !r.ok() && r.error().code == ErrorCode::not_found;
  }
  std::vector<store::Job> claim(const std::string& worker, int limit = 10,
                                std::chrono::microseconds lease = std::chrono::seconds(60),
                                bool expired = true) {
    store::ClaimRequest req;
    req.worker_id = worker;
    req.limit = limit;
    req.now = now();
    req.lease = lease;
    req.expired = expired;
    auto r = store::in_tx(*store_, store::TxMode::write,
                          [&](store::Tx& tx) { return tx.jobs().claim(req); });
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::vector<store::Job>{};
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  ShiftedClock clock_;
  SeededRandom random_{42};
  IdGenerator ids_{clock_, random_};
};

}  // namespace ca::test
