#include "support/test_db.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>

namespace ca::test {
namespace {

struct ConnFinish {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnFinish>;

constexpr const char* kHowToRun =
    "CA_TEST_BACKEND=postgres needs a PostgreSQL server from the PG* environment: run "
    "`make test` (it starts one with pg_virtualenv), or wrap the command in "
    "`pg_virtualenv -v 15 …`";

std::string random_hex(int bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    auto b = rd() & 0xff;
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

[[noreturn]] void fail(const std::string& message) {
  ADD_FAILURE() << message;
  throw std::runtime_error(message);
}

// Connects to the maintenance database named by the PG* environment.
ConnPtr admin_connection() {
  const char* host = std::getenv("PGHOST");
  if (host == nullptr || *host == '\0') fail(std::string("PGHOST is not set. ") + kHowToRun);
  ConnPtr conn(PQconnectdb(""));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    fail(std::string("cannot reach PostgreSQL: ") +
         (conn ? PQerrorMessage(conn.get()) : "out of memory") + kHowToRun);
  }
  return conn;
}

bool exec(PGconn* conn, const std::string& sql, std::string* error) {
  PGresult* res = PQexec(conn, sql.c_str());
  bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
  if (!ok && error) *error = PQerrorMessage(conn);
  PQclear(res);
  return ok;
}

}  // namespace

std::string test_backend() {
  const char* b = std::getenv("CA_TEST_BACKEND");
  if (b == nullptr || *b == '\0') return "sqlite";
  return b;
}

TestDatabase::TestDatabase() : backend_(test_backend()) {
  if (backend_ == "sqlite") {
    temp_dir_ = std::filesystem::temp_directory_path() / ("ca_test_" + random_hex(8));
    std::filesystem::create_directories(temp_dir_);
    url_ = "sqlite://" + (temp_dir_ / "test.db").string();  // absolute: sqlite:///tmp/…
  } else if (backend_ == "postgres") {
    auto conn = admin_connection();
    std::string name = "ca_test_" + random_hex(8);
    std::string error;
    if (!exec(conn.get(), "CREATE DATABASE " + name, &error)) {
      fail("CREATE DATABASE failed: " + error);
    }
    pg_name_ = name;
    url_ = "postgresql:///" + name;  // host, port and user from the PG* environment
  } else {
    fail("unknown CA_TEST_BACKEND '" + backend_ + "' (use sqlite or postgres)");
  }
}

TestDatabase::~TestDatabase() {
  if (!pg_name_.empty()) {
    ConnPtr conn(PQconnectdb(""));
    if (conn && PQstatus(conn.get()) == CONNECTION_OK) {
      // FORCE: a store that leaked a pooled connection must not keep the database alive.
      (void)exec(conn.get(), "DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)", nullptr);
    }
  }
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

bool TestDatabase::exec_raw(const std::string& sql) const {
  if (is_postgres()) {
    ConnPtr conn(PQconnectdb(url_.c_str()));
    if (PQstatus(conn.get()) != CONNECTION_OK) return false;
    PGresult* res = PQexec(conn.get(), sql.c_str());
    const bool ok =
        PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    return ok;
  }
  sqlite3* db = nullptr;
  const std::string path = url_.substr(std::string("sqlite://").size());
  bool ok = sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
            sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return ok;
}

}  // namespace ca::test
