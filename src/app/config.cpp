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

// The sending channels and the public URL (status callbacks, webhook signatures).
Result<void> read_channels(Config& c) {
  if (const char* v = env("TWILIO_ACCOUNT_SID")) c.twilio_account_sid = v;
  if (const char* v = env("TWILIO_AUTH_TOKEN")) c.twilio_auth_token = v;
  if (const char* v = env("TWILIO_WHATSAPP_FROM")) c.twilio_whatsapp_from = v;
  if (const char* v = env("TWILIO_API_BASE_URL")) c.twilio_api_base_url = v;
  if (const char* v = env("SMTP_URL")) c.smtp_url = v;
  if (const char* v = env("EMAIL_FROM")) c.email_from = v;
  if (const char* v = env("PUBLIC_BASE_URL")) c.public_base_url = v;
  if (const char* v = env("CHANNEL_MODE")) c.channel_mode = v;
  auto is_http = [](const std::string& u) {
    return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
  };
  if (!c.public_base_url.empty()) {
    if (!is_http(c.public_base_url)) {
      return Error::invalid("PUBLIC_BASE_URL", "PUBLIC_BASE_URL must start with http:// or https://");
    }
    while (c.public_base_url.ends_with('/')) c.public_base_url.pop_back();
  }
  if (!is_http(c.twilio_api_base_url)) {
    return Error::invalid("TWILIO_API_BASE_URL",
                          "TWILIO_API_BASE_URL must start with http:// or https://");
  }
  if (c.channel_mode != "auto" && c.channel_mode != "sandbox") {
    return Error::invalid("CHANNEL_MODE", "CHANNEL_MODE must be auto or sandbox");
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
  CA_CHECK(read_channels(c));
  if (!c.admin_api_key.empty() && c.admin_api_key.size() < 24) {
    return Error::invalid("ADMIN_API_KEY", "ADMIN_API_KEY must be at least 24 characters");
  }
  return c;
}

}  // namespace ca::app
