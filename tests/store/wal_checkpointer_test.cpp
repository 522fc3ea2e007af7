// The SQLite WAL checkpointer against a real database file: under a writer that never
// pauses, with a reader beside it, the WAL is still copied back and rewound.
#include "store/sqlite/wal_checkpointer.hpp"
#include "store/sqlite/writer_turn.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

#include "support/test_db.hpp"

namespace ca::test {
namespace {

sqlite3* open_db(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "") << " in " << sql;
  sqlite3_free(err);
}

std::int64_t query_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  std::int64_t n = -1;
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

std::int64_t count_rows(sqlite3* db) { return query_int(db, "SELECT count(*) FROM t"); }

// A fresh WAL-mode database file with table t, for the test's own writer connection.
sqlite3* create_wal_db(const TestDatabase& tdb, std::string& path) {
  path = tdb.url().substr(std::string("sqlite://").size());
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  sqlite3* writer = open_db(path);
  exec(writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  exec(writer, "CREATE TABLE t (id integer PRIMARY KEY, body blob NOT NULL)");
  return writer;
}

TEST(WalCheckpointer, RewindsTheWalUnderAWriterThatNeverPauses) {
  TestDatabase tdb;  // a fresh temp dir on the sqlite backend
  if (tdb.is_postgres()) GTEST_SKIP() << "SQLite-specific";
  std::string path;
  sqlite3* writer = create_wal_db(tdb, path);

  constexpr int kPages = 200;
  auto checkpointer = store::WalCheckpointer::start(path, kPages);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.error().message;
  // The store's own writer turn, first come first served: an unfair mutex would let the
  // writer loop below take it again before the checkpointer ever got it.
  store::WriterTurn turn;
  constexpr auto kTurnWait = std::chrono::seconds(30);
  (*checkpointer)->attach(writer, [&](const std::function<void()>& fn) {
    if (!turn.acquire_for(kTurnWait)) return false;
    fn();
    turn.release();
    return true;
  });

  // A reader in short transactions, as the HTTP handlers and workers read.
  std::atomic<bool> done{false};
  std::thread reader([&] {
    sqlite3* db = open_db(path);
    while (!done.load()) {
      EXPECT_GE(query_int(db, "SELECT coalesce(max(id), 0) FROM t"), 0);
      // Between requests, not spinning: a reader that never leaves the CPU starved the
      // checkpointer thread on a loaded 2-core CI machine.
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    sqlite3_close(db);
  });

  // 1,000 transactions of 8 rows of 4 KiB: over 32 MiB of WAL frames in all.
  constexpr int kTx = 1000;
  constexpr int kRows = 8;
  std::uintmax_t largest_wal = 0;
  const std::string wal = path + "-wal";
  for (int i = 0; i < kTx; ++i) {
    if (!turn.acquire_for(kTurnWait)) {
      ADD_FAILURE() << "the writer turn was not had in 30 s";
      break;  // the reader thread still has to be joined
    }
    exec(writer, "BEGIN IMMEDIATE");
    for (int r = 0; r < kRows; ++r) exec(writer, "INSERT INTO t (body) VALUES (zeroblob(4096))");
    exec(writer, "COMMIT");
    turn.release();
    std::error_code ec;
    largest_wal = std::max(largest_wal, std::filesystem::file_size(wal, ec));
  }
  done = true;
  reader.join();

  EXPECT_GT((*checkpointer)->checkpoints(), 0);
  // Without rewinding, the WAL would hold every frame written (over 32 MiB). Rewound, it
  // stays near the threshold plus what was written during one checkpoint (a few MiB).
  EXPECT_LT(largest_wal, std::uintmax_t{kTx} * kRows * 4096 / 3);
  // The rows were copied back into the database file itself.
  EXPECT_GT(std::filesystem::file_size(path), std::uintmax_t{kTx} * kRows * 4096 / 2);

  sqlite3_close(writer);
  checkpointer->reset();
  sqlite3* fresh = open_db(path);
  EXPECT_EQ(count_rows(fresh), kTx * kRows);
  sqlite3_close(fresh);
}

TEST(WalCheckpointer, RetriesWhileAReaderPinsTheWalThenCatchesUp) {
  TestDatabase tdb;
  if (tdb.is_postgres()) GTEST_SKIP() << "SQLite-specific";
  std::string path;
  sqlite3* writer = create_wal_db(tdb, path);
  // A checkpoint of the table's creation first, so the file size below counts rows only.
  exec(writer, "PRAGMA wal_checkpoint(TRUNCATE)");
  const auto empty_size = std::filesystem::file_size(path);

  auto checkpointer = store::WalCheckpointer::start(path, 10);
  ASSERT_TRUE(checkpointer.ok());
  std::atomic<int> turns{0};
  (*checkpointer)->attach(writer, [&](const std::function<void()>& fn) {
    ++turns;
    fn();
    return true;
  });
  // A reader whose snapshot is older than every frame to come: none may be copied back.
  sqlite3* reader = open_db(path);
  exec(reader, "BEGIN");
  EXPECT_EQ(count_rows(reader), 0);

  exec(writer, "BEGIN");
  for (int r = 0; r < 20; ++r) exec(writer, "INSERT INTO t (body) VALUES (zeroblob(4096))");
  exec(writer, "COMMIT");
  auto wait_until = [](auto pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  };
  // Nothing else commits: only the checkpointer's own retries take the turn again.
  EXPECT_TRUE(wait_until([&] { return turns.load() >= 3; }));
  EXPECT_EQ(std::filesystem::file_size(path), empty_size);

  exec(reader, "COMMIT");
  EXPECT_TRUE(wait_until([&] { return std::filesystem::file_size(path) > empty_size; }));
  // Caught up: it is no longer due, so the retries stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const int settled = turns.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(turns.load(), settled);
  sqlite3_close(reader);
  sqlite3_close(writer);
  checkpointer->reset();
}

}  // namespace
}  // namespace ca::test
