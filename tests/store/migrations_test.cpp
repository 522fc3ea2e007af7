#include <libpq-fe.h>
#include <sqlite3.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.hpp"

namespace ca::test {
namespace {

const std::set<std::string> kTables = {
    "creators",
    "creator_profiles",
    "consumers",
    "consumer_consents",
    "consumer_context",
    "products",
    "events",
    "agents",
    "agent_triggers",
    "agent_invocations",
    "actions",
    "onboarding_logs",
    "api_keys",
    "jobs",
    "schema_migrations",
};

// The first column of a query's rows, read straight from PostgreSQL, outside the store.
std::vector<std::string> pg_column(const TestDatabase& db, const char* sql) {
  PGconn* conn = PQconnectdb(db.url().c_str());
  PGresult* res = PQexec(conn, sql);
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(res); ++i) out.emplace_back(PQgetvalue(res, i, 0));
  PQclear(res);
  PQfinish(conn);
  return out;
}

// The first column of a query's rows from either backend, outside the store.
std::vector<std::string> column(const TestDatabase& db, const char* sql) {
  if (db.is_postgres()) return pg_column(db, sql);
  std::vector<std::string> out;
  sqlite3* db_handle = nullptr;
  sqlite3_open(db.url().substr(std::string("sqlite://").size()).c_str(), &db_handle);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_handle, sql, -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  sqlite3_close(db_handle);
  return out;
}

// Reads the table names straight from the database, outside the store.
std::set<std::string> table_names(const TestDatabase& db) {
  const auto names =
      column(db, db.is_postgres() ? "SELECT table_name FROM information_schema.tables "
                                    "WHERE table_schema = 'public'"
                                  : "SELECT name FROM sqlite_master WHERE type = 'table'");
  return {names.begin(), names.end()};
}

std::unique_ptr<store::Store> open_url(const std::string& url) {
  auto s = store::open_store({url, 4, 5000});
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(Migrations, FreshDatabaseMigratesToLatestAndRerunIsNoOp) {
  TestDatabase db;
  auto store = open_url(db.url());
  ASSERT_TRUE(store);
  auto before = store->schema_version();
  ASSERT_OK(before);
  EXPECT_EQ(*before, 0);
  EXPECT_GE(store->latest_version(), 1);

  auto applied = store->migrate();
  ASSERT_OK(applied);
  EXPECT_EQ(*applied, store->latest_version());
  auto after = store->schema_version();
  ASSERT_OK(after);
  EXPECT_EQ(*after, store->latest_version());

  auto again = store->migrate();
  ASSERT_OK(again);
  EXPECT_EQ(*again, 0);
  ASSERT_OK(store->ping());
}

TEST(Migrations, CreatesEveryTable) {
  TestDatabase db;
  {
    auto store = open_url(db.url());
    ASSERT_TRUE(store);
    ASSERT_OK(store->migrate());
  }
  auto names = table_names(db);
  for (const auto& t : kTables) EXPECT_TRUE(names.count(t)) << "missing table " << t;
}

// Keyless events (most of them) stay out of the idempotency index: nothing looks them up
// there, and each entry was a B-tree write per event.
TEST(Migrations, OnlyKeyedEventsGoIntoTheIdempotencyIndex) {
  TestDatabase db;
  {
    auto store = open_url(db.url());
    ASSERT_TRUE(store);
    ASSERT_OK(store->migrate());
  }
  const auto defs =
      column(db, db.is_postgres() ? "SELECT indexdef FROM pg_indexes WHERE indexname = "
                                    "'events_idempotency_key_key'"
                                  : "SELECT sql FROM sqlite_master WHERE name = "
                                    "'events_idempotency_key_key'");
  ASSERT_EQ(defs.size(), 1u);
  EXPECT_NE(defs.front().find("UNIQUE"), std::string::npos) << defs.front();
  EXPECT_NE(defs.front().find("idempotency_key IS NOT NULL"), std::string::npos) << defs.front();
}

// On SQLite a claim no longer moves a job's entry in the per-consumer index (status is
// not in its key): each move was a page written at a random place. PostgreSQL rewrites
// every index entry of an updated row anyway, so it keeps status in the key.
TEST(Migrations, SqliteClaimsLeaveThePerConsumerJobIndexAlone) {
  TestDatabase db;
  if (db.is_postgres()) GTEST_SKIP() << "an SQLite index";
  {
    auto store = open_url(db.url());
    ASSERT_TRUE(store);
    ASSERT_OK(store->migrate());
  }
  const auto cols = column(db, "SELECT name FROM pragma_index_info('jobs_consumer_idx')");
  EXPECT_EQ(cols, (std::vector<std::string>{"consumer_id", "run_at", "id"}));
}

TEST(Migrations, PostgresVacuumsTheJobsTableByRowCount) {
  TestDatabase db;
  if (!db.is_postgres()) GTEST_SKIP() << "PostgreSQL storage parameters";
  {
    auto store = open_url(db.url());
    ASSERT_TRUE(store);
    ASSERT_OK(store->migrate());
  }
  const auto rows = pg_column(db,
                              "SELECT array_to_string(reloptions, ',') FROM pg_class "
                              "WHERE relname = 'jobs' AND relkind = 'r'");
  ASSERT_EQ(rows.size(), 1u);
  const std::string& options = rows.front();
  for (const char* o : {"autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=2000",
                        "autovacuum_analyze_threshold=2000"}) {
    EXPECT_NE(options.find(o), std::string::npos) << o << " in " << options;
  }
}

// ANALYZE skips the JSON columns: sorting their samples cost a tenth of the CPU under load.
TEST(Migrations, PostgresGathersNoStatisticsForJsonColumns) {
  TestDatabase db;
  if (!db.is_postgres()) GTEST_SKIP() << "PostgreSQL column statistics";
  {
    auto store = open_url(db.url());
    ASSERT_TRUE(store);
    ASSERT_OK(store->migrate());
  }
  const auto json_with_stats = pg_column(
      db,
      "SELECT c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = "
      "a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "
      "current_schema() AND c.relkind = 'r' AND a.atttypid = 'jsonb'::regtype AND a.attnum > 0 "
      "AND NOT a.attisdropped AND a.attstattarget <> 0 AND c.relname IN ('consumer_context', "
      "'events', 'agent_invocations', 'actions', 'jobs', 'outbox', 'onboarding_logs', "
      "'creator_profiles')");
  EXPECT_TRUE(json_with_stats.empty()) << json_with_stats.front();
  // Only those: a column the planner uses keeps the default target.
  EXPECT_EQ(pg_column(db,
                      "SELECT attstattarget FROM pg_attribute WHERE attrelid = "
                      "'events'::regclass AND attname = 'type'"),
            std::vector<std::string>{"-1"});
}

TEST(Migrations, TwoStoresMigratingAtOnceApplyEachMigrationOnce) {
  TestDatabase db;
  auto a = open_url(db.url());
  auto b = open_url(db.url());
  ASSERT_TRUE(a && b);
  Result<int> ra = 0, rb = 0;
  std::thread ta([&] { ra = a->migrate(); });
  std::thread tb([&] { rb = b->migrate(); });
  ta.join();
  tb.join();
  ASSERT_OK(ra);
  ASSERT_OK(rb);
  EXPECT_EQ(*ra + *rb, a->latest_version());
}

TEST(OpenStore, UnknownSchemeIsInvalidDatabaseUrl) {
  auto s = store::open_store({"mysql://localhost/x", 4, 5000});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(s.error().field, "DATABASE_URL");
}

TEST(OpenStore, SqliteCreatesParentDirectories) {
  TestDatabase db;  // only for a fresh temp dir name on the sqlite backend
  if (db.is_postgres()) GTEST_SKIP() << "SQLite-specific";
  std::string base = db.url().substr(std::string("sqlite://").size());
  std::string url = "sqlite://" + base + ".d/nested/dir/store.db";
  auto store = open_url(url);
  ASSERT_TRUE(store);
  ASSERT_OK(store->migrate());
  store.reset();
  // WAL is a property of the file, so it is visible from a fresh connection.
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open((base + ".d/nested/dir/store.db").c_str(), &h), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(h);
}

}  // namespace
}  // namespace ca::test
