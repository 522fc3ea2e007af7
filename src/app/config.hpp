// Configuration from the environment (12-factor); flags override a few of them.
// docs/configuration.md lists every variable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "domain/result.hpp"
#include "llm/openai_client.hpp"

namespace ca::app {

struct Config {
  std::string database_url = "sqlite://var/creator-agents.db";  // DATABASE_URL
  std::string host = "127.0.0.1";                               // HOST
  std::uint16_t port = 8080;                                    // PORT
  std::string admin_api_key;                                    // ADMIN_API_KEY (secret)
  std::string metrics_token;       // METRICS_TOKEN (secret): may read /metrics besides admin keys
  std::string log_level = "info";  // LOG_LEVEL
  int http_io_threads = 1;         // HTTP_IO_THREADS
  int http_handler_threads = 32;   // HTTP_HANDLER_THREADS (they wait on the database)
  bool group_commit = true;        // INGEST_GROUP_COMMIT
  int ingest_writers = 0;          // INGEST_WRITERS; 0: 1 on SQLite, 2 on PostgreSQL
  int ingest_max_batch = 2000;     // INGEST_MAX_BATCH: events per group-commit transaction
  int worker_threads = 2;          // WORKER_THREADS: agent workers inside serve / worker
  bool serve_workers = true;       // SERVE_WORKERS: off to run workers only in `worker`
  // AGENT_INLINE_DECISIONS: pure agents decide inside the ingest transaction (see
  // agents/inline_decider.hpp); off: every invocation goes through the job queue.
  bool agent_inline_decisions = true;
  bool allow_private_agent_targets = false;  // ALLOW_PRIVATE_AGENT_TARGETS (dev/tests)
  int db_pool_size = 8;                      // DB_POOL_SIZE
  std::size_t max_body_bytes = 1 << 20;      // MAX_BODY_BYTES
  // The dashboard: its static files (empty: the repo's web/) and sign-in session length.
  std::string web_dir;        // WEB_DIR
  int session_ttl_s = 28800;  // SESSION_TTL (seconds)
  // Onboarding: where creator data comes from, and the model that writes profiles (none:
  // the offline engine). The LLM is on when OPENAI_API_KEY or OPENAI_BASE_URL is set.
  std::string creator_source = "fixtures";  // CREATOR_SOURCE: fixtures | topmate
  std::string creator_fixtures_dir;         // CREATOR_FIXTURES_DIR; empty: the shipped fixtures
  std::string topmate_api_url;  // TOPMATE_API_URL (required with CREATOR_SOURCE=topmate)
  bool llm_enabled = false;
  llm::OpenAiConfig openai;  // OPENAI_API_KEY (secret), OPENAI_BASE_URL, OPENAI_MODEL,
                             // OPENAI_OUTPUT_MODE, OPENAI_REASONING_EFFORT
  // Sending. WhatsApp goes through Twilio when SID, token and sender are all set, email
  // through SMTP when SMTP_URL and EMAIL_FROM are; otherwise (or with CHANNEL_MODE=sandbox)
  // the sandbox channel records messages in the outbox and sends nothing.
  std::string twilio_account_sid;    // TWILIO_ACCOUNT_SID
  std::string twilio_auth_token;     // TWILIO_AUTH_TOKEN (secret; also verifies webhooks)
  std::string twilio_whatsapp_from;  // TWILIO_WHATSAPP_FROM
  std::string twilio_api_base_url = "https://api.twilio.com";  // TWILIO_API_BASE_URL
  std::string smtp_url;                                        // SMTP_URL (may hold secrets)
  std::string email_from;                                      // EMAIL_FROM
  std::string public_base_url;        // PUBLIC_BASE_URL: status callbacks, webhook signatures
  std::string channel_mode = "auto";  // CHANNEL_MODE: auto | sandbox

  // Reads the variables above; a bad value is an error naming the variable.
  static Result<Config> from_env();
};

}  // namespace ca::app
