// Shared set-up of the store contract suite: a fresh migrated database per test, ids in
// creation order, and small builders.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "domain/ids.hpp"
#include "store/store.hpp"
#include "support/test_db.hpp"

#define ASSERT_OK(expr)                                                \
  do {                                                                 \
    const auto& ca_r_ = (expr);                                        \
    ASSERT_TRUE(ca_r_.ok()) << #expr << ": " << ca_r_.error().message; \
  } while (0)
#define EXPECT_CODE(expr, code_)                                                    \
  do {                                                                              \
    const auto& ca_r_ = (expr);                                                     \
    ASSERT_FALSE(ca_r_.ok()) << #expr << " unexpectedly succeeded";                 \
    EXPECT_EQ(ca_r_.error().code, ::ca::ErrorCode::code_) << ca_r_.error().message; \
  } while (0)

namespace ca::test {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>();
    store_ = open(config());
    ASSERT_TRUE(store_);
    auto m = store_->migrate();
    ASSERT_TRUE(m.ok()) << m.error().message;
  }
  void TearDown() override {
    store_.reset();  // close every connection before the database is dropped
    db_.reset();
  }

  virtual store::StoreConfig config() const {
    store::StoreConfig c;
    c.url = db_->url();
    c.pool_size = 4;
    c.busy_timeout_ms = 5000;
    return c;
  }

  std::unique_ptr<store::Store> open(const store::StoreConfig& c) {
    auto s = store::open_store(c);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }

  // UUIDv7 one millisecond apart, so id order is creation order.
  std::string new_id() {
    clock_.advance(std::chrono::milliseconds(1));
    return ids_.next();
  }
  Timestamp now() const { return clock_.now(); }

  // A write's outcome as its transaction's caller sees it: an insert's database error can
  // come from the insert itself (SQLite) or from the COMMIT it was sent with (PostgreSQL
  // pipelines inserts whose results nobody reads; SqlSession::defer).
  static Result<void> with_commit(store::Tx& tx, Result<void> r) {
    if (!r) return r;
    return tx.commit();
  }
  std::unique_ptr<store::Tx> write() { return begin(store::TxMode::write); }
  std::unique_ptr<store::Tx> read() { return begin(store::TxMode::read); }
  std::unique_ptr<store::Tx> begin(store::TxMode mode) {
    auto tx = store_->begin(mode);
    EXPECT_TRUE(tx.ok()) << tx.error().message;
    return tx.ok() ? std::move(*tx) : nullptr;
  }

  Creator make_creator(std::string name = "Asha") {
    Creator c;
    c.id = new_id();
    c.name = std::move(name);
    c.email = "creator@example.com";
    c.created_at = c.updated_at = now();
    return c;
  }
  // Inserts and commits a creator; returns its id.
  std::string add_creator(std::string name = "Asha") {
    auto c = make_creator(std::move(name));
    auto tx = write();
    auto r = tx->creators().insert(c);
    EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(tx->commit().ok());
    return c.id;
  }

  Consumer make_consumer(const std::string& creator_id) {
    Consumer c;
    c.id = new_id();
    c.creator_id = creator_id;
    c.created_at = c.updated_at = now();
    return c;
  }
  std::string add_consumer(const std::string& creator_id,
                           std::optional<std::string> email = std::nullopt) {
    auto c = make_consumer(creator_id);
    c.email = std::move(email);
    auto tx = write();
    auto r = tx->consumers().insert(c);
    EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(tx->commit().ok());
    return c.id;
  }

  Product make_product(const std::string& creator_id) {
    Product p;
    p.id = new_id();
    p.creator_id = creator_id;
    p.name = "1:1 mentoring";
    p.type = "call";
    p.price = Money{500000, "INR"};
    p.created_at = p.updated_at = now();
    return p;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{from_micros(1'780'000'000'000'000)};
  SeededRandom random_{42};
  IdGenerator ids_{clock_, random_};
};

}  // namespace ca::test
