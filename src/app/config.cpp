#include "app/config.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace ca::app {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

template <class Int>
Result<void> read_int(const char* name, Int& out, long long min, long long max) {
  const char* v = env(name);
  if (!v) return ok();
  std::string_view s(v);
  long long n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || ptr != s.data() + s.size() || n < min || n > max) {
    return Error::invalid(name, std::string(name) + " must be an integer from " +
                                    std::to_string(min) + " to " + std::to_string(max));
  }
  out = static_cast<Int>(n);
  return ok();
}

Result<void> read_bool(const char* name, bool& out) {
  const char* v = env(name);
  if (!v) return ok();
  std::string_view s(v);
  if (s == "1" || s == "true" || s == "on" || s == "yes") {
    out = true;
  } else if (s == "0" || s == "false" || s == "off" || s == "no") {
    out = false;
  } else {
    return Error::invalid(name, std::string(name) + " must be on or off");
  }
  return ok();
}

}  // namespace

Result<Config> Config::from_env() {
  Config c;
  if (const char* v = env("DATABASE_URL")) c.database_url = v;
  if (const char* v = env("HOST")) c.host = v;
  if (const char* v = env("ADMIN_API_KEY")) c.admin_api_key = v;
  if (const char* v = env("LOG_LEVEL")) c.log_level = v;
  CA_CHECK(read_int("PORT", c.port, 0, 65535));
  CA_CHECK(read_int("HTTP_IO_THREADS", c.http_io_threads, 1, 64));
  CA_CHECK(read_int("HTTP_HANDLER_THREADS", c.http_handler_threads, 1, 256));
  CA_CHECK(read_int("DB_POOL_SIZE", c.db_pool_size, 1, 256));
  CA_CHECK(read_int("INGEST_WRITERS", c.ingest_writers, 0, 64));
  CA_CHECK(read_int("WORKER_THREADS", c.worker_threads, 1, 64));
  CA_CHECK(read_bool("INGEST_GROUP_COMMIT", c.group_commit));
  CA_CHECK(read_bool("SERVE_WORKERS", c.serve_workers));
  CA_CHECK(read_bool("ALLOW_PRIVATE_AGENT_TARGETS", c.allow_private_agent_targets));
  CA_CHECK(read_int("MAX_BODY_BYTES", c.max_body_bytes, 1024, 64LL << 20));
  if (!c.admin_api_key.empty() && c.admin_api_key.size() < 24) {
    return Error::invalid("ADMIN_API_KEY", "ADMIN_API_KEY must be at least 24 characters");
  }
  return c;
}

}  // namespace ca::app
