// A fresh, empty database per test for whichever backend CA_TEST_BACKEND names
// ("sqlite", the default, or "postgres"). RAII: the destructor drops it.
#pragma once

#include <filesystem>
#include <string>

namespace ca::test {

// "sqlite" or "postgres", from CA_TEST_BACKEND.
std::string test_backend();

class TestDatabase {
 public:
  // PostgreSQL needs the PG* environment of a running server (`make test` starts one with
  // pg_virtualenv); without it the current test FAILS (never skips) and this throws.
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // The DATABASE_URL of the new database.
  const std::string& url() const { return url_; }
  const std::string& backend() const { return backend_; }
  bool is_postgres() const { return backend_ == "postgres"; }
  // Runs one statement straight on the database, outside the store: for rows the store
  // no longer writes (a legacy status, say). True when it succeeded.
  bool exec_raw(const std::string& sql) const;

 private:
  std::string backend_;
  std::string url_;
  std::string pg_name_;             // postgres: database to drop
  std::filesystem::path temp_dir_;  // sqlite: directory to remove
};

}  // namespace ca::test
