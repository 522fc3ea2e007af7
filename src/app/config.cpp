#include "app/config.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "channels/smtp.hpp"

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
      return Error::invalid("PUBLIC_BASE_URL",
                            "PUBLIC_BASE_URL must start with http:// or https://");
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
  // Checked at start: a half or bad email setup would otherwise fail every send later, or
  // quietly put real customers' email in the sandbox outbox.
  if (c.smtp_url.empty() != c.email_from.empty()) {
    const char* missing = c.smtp_url.empty() ? "SMTP_URL" : "EMAIL_FROM";
    return Error::invalid(missing, std::string(missing) +
                                       " is unset: SMTP_URL and EMAIL_FROM go together (both to "
                                       "send email, neither for the sandbox outbox)");
  }
  if (!c.smtp_url.empty()) {
    CA_CHECK(channels::check_smtp_config(channels::SmtpConfig{c.smtp_url, c.email_from}));
  }
  // The same for WhatsApp. TWILIO_AUTH_TOKEN alone is a setup of its own: it verifies
  // webhooks while messages stay in the sandbox.
  if (!c.twilio_account_sid.empty() || !c.twilio_whatsapp_from.empty()) {
    for (const auto& [name, value] :
         {std::pair<const char*, const std::string&>{"TWILIO_ACCOUNT_SID", c.twilio_account_sid},
          {"TWILIO_AUTH_TOKEN", c.twilio_auth_token},
          {"TWILIO_WHATSAPP_FROM", c.twilio_whatsapp_from}}) {
      if (value.empty()) {
        return Error::invalid(name, std::string(name) +
                                        " is unset: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                                        "TWILIO_WHATSAPP_FROM go together to send WhatsApp");
      }
    }
  }
  return ok();
}

// Onboarding: the creator source and the OpenAI-compatible model.
Result<void> read_onboarding(Config& c) {
  if (const char* v = env("CREATOR_SOURCE")) c.creator_source = v;
  if (c.creator_source != "fixtures" && c.creator_source != "topmate") {
    return Error::invalid("CREATOR_SOURCE", "CREATOR_SOURCE must be fixtures or topmate");
  }
  if (const char* v = env("CREATOR_FIXTURES_DIR")) c.creator_fixtures_dir = v;
  if (const char* v = env("TOPMATE_API_URL")) c.topmate_api_url = v;
  const auto is_http = [](std::string_view u) {
    return u.starts_with("http://") || u.starts_with("https://");
  };
  if (!c.topmate_api_url.empty() && !is_http(c.topmate_api_url)) {
    return Error::invalid("TOPMATE_API_URL", "TOPMATE_API_URL must start with http:// or https://");
  }
  if (c.creator_source == "topmate" && c.topmate_api_url.empty()) {
    return Error::invalid("TOPMATE_API_URL", "CREATOR_SOURCE=topmate needs TOPMATE_API_URL");
  }
  const char* key = env("OPENAI_API_KEY");
  const char* base = env("OPENAI_BASE_URL");
  c.llm_enabled = key != nullptr || base != nullptr;
  if (key) c.openai.api_key = key;
  if (base) c.openai.base_url = base;
  if (!is_http(c.openai.base_url)) {
    return Error::invalid("OPENAI_BASE_URL", "OPENAI_BASE_URL must start with http:// or https://");
  }
  if (const char* v = env("OPENAI_MODEL")) c.openai.model = v;
  if (const char* v = env("OPENAI_OUTPUT_MODE")) {
    const std::string_view m(v);
    if (m == "json_schema") {
      c.openai.mode = llm::OutputMode::json_schema;
    } else if (m == "json_object") {
      c.openai.mode = llm::OutputMode::json_object;
    } else if (m == "prompt") {
      c.openai.mode = llm::OutputMode::prompt;
    } else {
      return Error::invalid("OPENAI_OUTPUT_MODE",
                            "OPENAI_OUTPUT_MODE must be json_schema, json_object or prompt");
    }
  }
  if (const char* v = env("OPENAI_REASONING_EFFORT")) c.openai.reasoning_effort = v;
  return ok();
}

}  // namespace

Result<Config> Config::from_env() {
  Config c;
  if (const char* v = env("DATABASE_URL")) c.database_url = v;
  if (const char* v = env("HOST")) c.host = v;
  if (const char* v = env("ADMIN_API_KEY")) c.admin_api_key = v;
  if (const char* v = env("METRICS_TOKEN")) c.metrics_token = v;
  if (const char* v = env("LOG_LEVEL")) c.log_level = v;
  CA_CHECK(read_int("PORT", c.port, 0, 65535));
  CA_CHECK(read_int("HTTP_IO_THREADS", c.http_io_threads, 1, 64));
  CA_CHECK(read_int("HTTP_HANDLER_THREADS", c.http_handler_threads, 1, 256));
  CA_CHECK(read_int("DB_POOL_SIZE", c.db_pool_size, 1, 256));
  CA_CHECK(read_int("INGEST_WRITERS", c.ingest_writers, 0, 64));
  CA_CHECK(read_int("INGEST_MAX_BATCH", c.ingest_max_batch, 1, 20000));
  CA_CHECK(read_int("WORKER_THREADS", c.worker_threads, 1, 64));
  CA_CHECK(read_bool("INGEST_GROUP_COMMIT", c.group_commit));
  CA_CHECK(read_bool("SERVE_WORKERS", c.serve_workers));
  CA_CHECK(read_bool("AGENT_INLINE_DECISIONS", c.agent_inline_decisions));
  CA_CHECK(read_bool("ALLOW_PRIVATE_AGENT_TARGETS", c.allow_private_agent_targets));
  CA_CHECK(read_int("MAX_BODY_BYTES", c.max_body_bytes, 1024, 64LL << 20));
  if (const char* v = env("WEB_DIR")) c.web_dir = v;
  CA_CHECK(read_int("SESSION_TTL", c.session_ttl_s, 60, 30LL * 24 * 3600));
  CA_CHECK(read_onboarding(c));
  CA_CHECK(read_channels(c));
  if (!c.admin_api_key.empty() && c.admin_api_key.size() < 24) {
    return Error::invalid("ADMIN_API_KEY", "ADMIN_API_KEY must be at least 24 characters");
  }
  return c;
}

}  // namespace ca::app
