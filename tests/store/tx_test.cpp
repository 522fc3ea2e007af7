// Units of work: rollback, read-only snapshots, concurrency and the connection pool.
#include <libpq-fe.h>

#include <atomic>
#include <thread>

#include "store_fixture.hpp"

namespace ca::test {
namespace {

using TxTest = StoreTest;

TEST_F(TxTest, DroppedTxRollsBack) {
  auto c = make_creator();
  {
    auto tx = write();
    ASSERT_OK(tx->creators().insert(c));
    ASSERT_OK(tx->creators().get(Tenant::admin(), c.id));  // visible inside
  }                                                        // no commit
  auto tx = read();
  EXPECT_CODE(tx->creators().get(Tenant::admin(), c.id), not_found);
}

TEST_F(TxTest, InTxCommitsOnSuccessAndRollsBackOnError) {
  auto kept = make_creator();
  auto dropped = make_creator();
  auto ok_result = store::in_tx(*store_, store::TxMode::write,
                                [&](store::Tx& tx) { return tx.creators().insert(kept); });
  ASSERT_OK(ok_result);
  auto failed = store::in_tx(*store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
    CA_CHECK(tx.creators().insert(dropped));
    return Error::internal("business rule says no");
  });
  EXPECT_FALSE(failed.ok());
  auto tx = read();
  ASSERT_OK(tx->creators().get(Tenant::admin(), kept.id));
  EXPECT_CODE(tx->creators().get(Tenant::admin(), dropped.id), not_found);
}

TEST_F(TxTest, FailedStatementDoesNotPoisonTheNextTx) {
  auto c = make_creator();
  {
    auto tx = write();
    ASSERT_OK(tx->creators().insert(c));
    ASSERT_OK(tx->commit());
  }
  {
    auto tx = write();
    EXPECT_CODE(tx->creators().insert(c), conflict);
  }
  auto other = make_creator();
  auto tx = write();
  ASSERT_OK(tx->creators().insert(other));
  ASSERT_OK(tx->commit());
}

TEST_F(TxTest, ReadTxCannotWrite) {
  auto tx = read();
  auto r = tx->creators().insert(make_creator());
  EXPECT_FALSE(r.ok());
}

TEST_F(TxTest, CommitTwiceFails) {
  auto tx = write();
  ASSERT_OK(tx->commit());
  EXPECT_FALSE(tx->commit().ok());
}

TEST_F(TxTest, ReaderSeesCommittedWritesOnly) {
  auto c = make_creator();
  auto writer = write();
  ASSERT_OK(writer->creators().insert(c));
  {
    auto reader = read();
    EXPECT_CODE(reader->creators().get(Tenant::admin(), c.id), not_found);
  }
  ASSERT_OK(writer->commit());
  auto reader = read();
  ASSERT_OK(reader->creators().get(Tenant::admin(), c.id));
}

TEST_F(TxTest, ConcurrentWritersAllLand) {
  auto creator = add_creator();
  // Ids made up front: the id generator is not thread-safe.
  std::vector<std::vector<Consumer>> batches(2);
  for (auto& batch : batches) {
    for (int i = 0; i < 200; ++i) batch.push_back(make_consumer(creator));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (auto& batch : batches) {
    threads.emplace_back([&, &batch = batch] {
      for (const auto& c : batch) {
        auto r = store::in_tx(*store_, store::TxMode::write,
                              [&](store::Tx& tx) { return tx.consumers().insert(c); });
        if (!r) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto tx = read();
  PageRequest all;
  all.limit = 1000;
  auto page = tx->consumers().list(Tenant::creator(creator), {}, all);
  ASSERT_OK(page);
  EXPECT_EQ(page->items.size(), 400u);
}

class SmallPoolTest : public StoreTest {
 protected:
  store::StoreConfig config() const override {
    auto c = StoreTest::config();
    c.pool_size = 2;
    c.busy_timeout_ms = 10000;
    return c;
  }
};

TEST_F(SmallPoolTest, MoreThreadsThanConnectionsAllSucceed) {
  auto creator = add_creator();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 15;
  std::vector<std::vector<Product>> work(kThreads);
  for (auto& w : work) {
    for (int i = 0; i < kPerThread; ++i) w.push_back(make_product(creator));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& p : work[static_cast<size_t>(t)]) {
        auto w = store::in_tx(*store_, store::TxMode::write,
                              [&](store::Tx& tx) { return tx.products().insert(p); });
        if (!w) ++failures;
        auto r = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
          return tx.products().get(Tenant::creator(creator), p.id);
        });
        if (!r) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto tx = read();
  PageRequest all;
  all.limit = 1000;
  auto page = tx->products().list(Tenant::admin(), all);
  ASSERT_OK(page);
  EXPECT_EQ(page->items.size(), static_cast<size_t>(kThreads * kPerThread));
}

class ExhaustedPoolTest : public StoreTest {
 protected:
  // PostgreSQL: the pool's one connection, remembered by its server process id.
  void remember_pooled_connection() {
    if (!db_->is_postgres()) return;
    ASSERT_TRUE(db_->exec_raw(
        "CREATE TABLE pooled AS SELECT pid FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = 'creator-agents'"));
  }
  // That connection is idle and still open: a failed transaction ended with a ROLLBACK
  // and went back to the pool (not closed for a transaction left open).
  bool pooled_connection_is_back() {
    if (!db_->is_postgres()) return true;
    return db_->exec_raw(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_stat_activity a JOIN pooled p USING (pid) "
        "WHERE a.state = 'idle') THEN RAISE EXCEPTION 'the pooled connection is gone'; "
        "END IF; END $$");
  }
  // A new consumer of `creator` with the email another of its consumers already has: its
  // insert fails on the unique email, with code conflict and field "email".
  Consumer email_clash(const std::string& creator) {
    add_consumer(creator, "same@example.com");
    auto dup = make_consumer(creator);
    dup.email = "same@example.com";
    return dup;
  }
  static void expect_email_clash(const Result<void>& r) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::conflict) << r.error().message;
    EXPECT_EQ(r.error().field, "email");
  }
  store::StoreConfig config() const override {
    auto c = StoreTest::config();
    c.pool_size = 1;
    c.busy_timeout_ms = 200;
    return c;
  }
};

TEST_F(ExhaustedPoolTest, WaitingTooLongIsUnavailable) {
  auto held = write();
  ASSERT_TRUE(held);
  auto second = store_->begin(store::TxMode::write);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::unavailable);
  held.reset();
  auto third = store_->begin(store::TxMode::write);
  ASSERT_OK(third);
}

// Kills the pooled connections from outside, as a server restart would.
void terminate_other_backends(const std::string& url) {
  PGconn* admin = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(admin), CONNECTION_OK);
  PGresult* res = PQexec(admin,
                         "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  EXPECT_EQ(PQresultStatus(res), PGRES_TUPLES_OK);
  EXPECT_GE(PQntuples(res), 1);
  PQclear(res);
  PQfinish(admin);
}

TEST_F(ExhaustedPoolTest, BrokenConnectionIsReplaced) {
  if (!db_->is_postgres()) GTEST_SKIP() << "PostgreSQL-specific";
  auto c = make_creator();
  {
    auto tx = write();  // leaves one idle pooled connection behind
    ASSERT_OK(tx->creators().insert(c));
    ASSERT_OK(tx->commit());
  }
  terminate_other_backends(db_->url());
  auto tx = read();
  ASSERT_TRUE(tx);
  ASSERT_OK(tx->creators().get(Tenant::admin(), c.id));
}

// Inserts whose results nobody reads may travel with the transaction's next statement or
// its COMMIT (PostgreSQL pipelines them, SqlSession::defer). What a caller sees stays the
// same; the pool of one connection shows that connection stays fit for the next user.
TEST_F(ExhaustedPoolTest, HeldWritesGoWithARollbackAndLeaveTheConnectionClean) {
  const auto creator = add_creator();
  auto c = make_consumer(creator);
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert(c));
  }  // dropped: rolled back (on PostgreSQL before the insert ever left)
  {
    auto tx = read();
    EXPECT_CODE(tx->consumers().get(Tenant::admin(), c.id), not_found);
  }
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert(c));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  ASSERT_OK(tx->consumers().get(Tenant::admin(), c.id));
}

TEST_F(ExhaustedPoolTest, AHeldWritesErrorComesBackAndFailsTheTransaction) {
  const auto creator = add_creator();
  const auto dup = email_clash(creator);
  auto other = make_creator();
  {
    auto tx = write();
    // SQLite refuses at the insert; PostgreSQL at the next statement, sent with it.
    Result<void> r = tx->consumers().insert(dup);
    if (r) r = tx->creators().insert(other);
    ASSERT_NO_FATAL_FAILURE(expect_email_clash(r));
    if (db_->is_postgres()) {
      EXPECT_FALSE(tx->commit().ok());  // the transaction is aborted
    }
  }
  auto tx = read();
  EXPECT_CODE(tx->consumers().get(Tenant::admin(), dup.id), not_found);
  EXPECT_CODE(tx->creators().get(Tenant::admin(), other.id), not_found);
}

// Here the held insert goes out with the COMMIT (the transaction already ran a statement):
// the COMMIT answers with the insert's error, and the transaction is over.
TEST_F(ExhaustedPoolTest, AHeldWritesErrorComesBackFromTheCommitItWentWith) {
  const auto creator = add_creator();
  const auto dup = email_clash(creator);
  remember_pooled_connection();
  {
    auto tx = write();
    ASSERT_OK(tx->creators().get(Tenant::admin(), creator));  // the transaction has begun
    Result<void> r = tx->consumers().insert(dup);
    if (r) r = tx->commit();
    ASSERT_NO_FATAL_FAILURE(expect_email_clash(r));
  }
  EXPECT_TRUE(pooled_connection_is_back());
  auto tx = write();
  EXPECT_CODE(tx->consumers().get(Tenant::admin(), dup.id), not_found);
  ASSERT_OK(tx->consumers().insert(make_consumer(creator)));
  ASSERT_OK(tx->commit());
}

// A transaction of held inserts only: they go out before the COMMIT, fail there, and the
// COMMIT answers with their error.
TEST_F(ExhaustedPoolTest, AnInsertOnlyTransactionsErrorComesBackFromItsCommit) {
  const auto creator = add_creator();
  const auto dup = email_clash(creator);
  remember_pooled_connection();
  ASSERT_NO_FATAL_FAILURE(expect_email_clash(store::in_tx(
      *store_, store::TxMode::write, [&](store::Tx& tx) { return tx.consumers().insert(dup); })));
  EXPECT_TRUE(pooled_connection_is_back());
  auto tx = write();
  ASSERT_OK(tx->consumers().insert(make_consumer(creator)));
  ASSERT_OK(tx->commit());
}

TEST_F(ExhaustedPoolTest, HeldWritesOnADeadPooledConnectionGoOutOnANewOne) {
  if (!db_->is_postgres()) GTEST_SKIP() << "PostgreSQL-specific";
  const auto creator = add_creator();  // leaves the one pooled connection idle
  terminate_other_backends(db_->url());
  auto c = make_consumer(creator);
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert(c));  // held, with the BEGIN
    // The held writes go out first and find the connection dead; nothing of the
    // transaction ran, so they go again on a new connection, then the COMMIT.
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  ASSERT_OK(tx->consumers().get(Tenant::admin(), c.id));
}

TEST(PostgresStore, UnreachableServerIsUnavailable) {
  auto s = store::open_store({"postgresql://127.0.0.1:1/nothing?connect_timeout=2", 1, 500});
  ASSERT_OK(s);  // connections open lazily
  auto ping = (*s)->ping();
  ASSERT_FALSE(ping.ok());
  EXPECT_EQ(ping.error().code, ErrorCode::unavailable);
  auto tx = (*s)->begin(store::TxMode::read);
  ASSERT_FALSE(tx.ok());
  EXPECT_EQ(tx.error().code, ErrorCode::unavailable);
}

}  // namespace
}  // namespace ca::test
