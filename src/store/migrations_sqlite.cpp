// SQLite schema: the PostgreSQL one with text ids and JSON, integer booleans, real scores.
// Times are bigint microseconds (UTC). Foreign keys need PRAGMA foreign_keys=ON per connection.
#include <array>

#include "store/migrations.hpp"

namespace ca::store {
namespace {

constexpr const char* kV1 = R"sql(
CREATE TABLE creators (
  id text PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  external_username text,
  timezone text NOT NULL DEFAULT 'UTC',
  settings text NOT NULL DEFAULT '{}',
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX creators_external_username_key ON creators (external_username);

CREATE TABLE creator_profiles (
  creator_id text PRIMARY KEY REFERENCES creators (id) ON DELETE CASCADE,
  profile text NOT NULL DEFAULT '{}',
  raw_data text,
  generated_by text,
  llm_usage text,
  last_synced_at bigint,
  updated_at bigint NOT NULL
);

CREATE TABLE consumers (
  id text PRIMARY KEY,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  name text,
  email text,
  whatsapp text,
  external_id text,
  timezone text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX consumers_creator_id_idx ON consumers (creator_id, id);
CREATE UNIQUE INDEX consumers_email_key ON consumers (creator_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX consumers_whatsapp_key ON consumers (creator_id, whatsapp)
  WHERE whatsapp IS NOT NULL;
CREATE UNIQUE INDEX consumers_external_id_key ON consumers (creator_id, external_id)
  WHERE external_id IS NOT NULL;

CREATE TABLE consumer_consents (
  consumer_id text NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  channel text NOT NULL,
  granted integer NOT NULL,
  source text NOT NULL DEFAULT '',
  updated_at bigint NOT NULL,
  PRIMARY KEY (consumer_id, channel)
);
CREATE INDEX consumer_consents_creator_id_idx ON consumer_consents (creator_id);

CREATE TABLE consumer_context (
  consumer_id text PRIMARY KEY REFERENCES consumers (id) ON DELETE CASCADE,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  stage text NOT NULL DEFAULT 'new',
  lead_score real NOT NULL DEFAULT 0,
  last_seen_at bigint,
  metrics text NOT NULL DEFAULT '{}',
  attributes text NOT NULL DEFAULT '{}',
  version integer NOT NULL DEFAULT 1,
  updated_at bigint NOT NULL
);
CREATE INDEX consumer_context_stage_idx ON consumer_context (creator_id, stage);

CREATE TABLE products (
  id text PRIMARY KEY,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  name text NOT NULL,
  type text NOT NULL,
  price_minor bigint NOT NULL,
  currency text NOT NULL,
  description text,
  url text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX products_creator_id_idx ON products (creator_id, id);

CREATE TABLE events (
  id text PRIMARY KEY,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  consumer_id text REFERENCES consumers (id) ON DELETE SET NULL,
  type text NOT NULL,
  source text NOT NULL,
  occurred_at bigint NOT NULL,
  received_at bigint NOT NULL,
  payload text NOT NULL DEFAULT '{}',
  idempotency_key text,
  request_hash text
);
CREATE UNIQUE INDEX events_idempotency_key_key ON events (creator_id, idempotency_key);
CREATE INDEX events_consumer_idx ON events (creator_id, consumer_id, occurred_at);
CREATE INDEX events_type_idx ON events (creator_id, type, occurred_at);
CREATE INDEX events_consumer_id_idx ON events (consumer_id);

CREATE TABLE agents (
  id text PRIMARY KEY,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL,
  config text NOT NULL DEFAULT '{}',
  approval text NOT NULL DEFAULT 'auto',
  enabled integer NOT NULL DEFAULT 1,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX agents_creator_id_idx ON agents (creator_id, id);

CREATE TABLE agent_triggers (
  id text PRIMARY KEY,
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  event_type text NOT NULL,
  filter text
);
CREATE INDEX agent_triggers_event_type_idx ON agent_triggers (creator_id, event_type);
CREATE INDEX agent_triggers_agent_id_idx ON agent_triggers (agent_id);

CREATE TABLE agent_invocations (
  id text PRIMARY KEY,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  consumer_id text REFERENCES consumers (id) ON DELETE SET NULL,
  event_id text REFERENCES events (id) ON DELETE SET NULL,
  status text NOT NULL,
  reason text,
  result text,
  error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX agent_invocations_creator_id_idx ON agent_invocations (creator_id, id);
CREATE INDEX agent_invocations_agent_id_idx ON agent_invocations (agent_id);
CREATE INDEX agent_invocations_consumer_id_idx ON agent_invocations (consumer_id);
CREATE INDEX agent_invocations_event_id_idx ON agent_invocations (event_id);

CREATE TABLE actions (
  id text PRIMARY KEY,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  invocation_id text REFERENCES agent_invocations (id) ON DELETE CASCADE,
  agent_id text REFERENCES agents (id) ON DELETE CASCADE,
  consumer_id text REFERENCES consumers (id) ON DELETE SET NULL,
  channel text NOT NULL,
  type text NOT NULL,
  status text NOT NULL,
  skip_reason text,
  send_at bigint,
  message text,
  template text,
  provider_message_id text,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX actions_due_idx ON actions (status, send_at);
CREATE INDEX actions_consumer_idx ON actions (creator_id, consumer_id);
CREATE INDEX actions_consumer_id_idx ON actions (consumer_id);
CREATE INDEX actions_invocation_id_idx ON actions (invocation_id);
CREATE INDEX actions_agent_id_idx ON actions (agent_id);
CREATE UNIQUE INDEX actions_provider_message_id_key ON actions (provider_message_id)
  WHERE provider_message_id IS NOT NULL;

CREATE TABLE onboarding_logs (
  id text PRIMARY KEY,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  username text NOT NULL,
  status text NOT NULL,
  step text,
  error text,
  request text,
  response text,
  usage text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX onboarding_logs_creator_id_idx ON onboarding_logs (creator_id, id);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('admin', 'creator')),
  creator_id text REFERENCES creators (id) ON DELETE CASCADE,
  prefix text NOT NULL,
  hash text NOT NULL,
  name text,
  created_at bigint NOT NULL,
  last_used_at bigint,
  revoked_at bigint,
  CHECK ((role = 'creator') = (creator_id IS NOT NULL))
);
CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (hash);
CREATE INDEX api_keys_creator_id_idx ON api_keys (creator_id);

CREATE TABLE jobs (
  id text PRIMARY KEY,
  queue text NOT NULL,
  kind text NOT NULL,
  creator_id text REFERENCES creators (id) ON DELETE CASCADE,
  consumer_id text REFERENCES consumers (id) ON DELETE CASCADE,
  payload text NOT NULL DEFAULT '{}',
  status text NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 5,
  run_at bigint NOT NULL,
  lease_until bigint,
  locked_by text,
  last_error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX jobs_due_idx ON jobs (status, run_at);
CREATE INDEX jobs_consumer_idx ON jobs (consumer_id, status);
CREATE INDEX jobs_creator_id_idx ON jobs (creator_id);
)sql";

// v2: claims walk the due jobs of a queue in claim order and stop at LIMIT instead of
// sorting the whole backlog; the per-consumer check finds a consumer's earlier jobs by
// index. Lists of actions by creator no longer sort.
constexpr const char* kV2 = R"sql(
CREATE INDEX jobs_claim_idx ON jobs (queue, status, priority DESC, run_at, id);
DROP INDEX jobs_consumer_idx;
CREATE INDEX jobs_consumer_idx ON jobs (consumer_id, status, run_at, id);
CREATE INDEX actions_creator_id_idx ON actions (creator_id, id);
)sql";

// v3: sending. Each send attempt is a row (outcome, provider ids, error); the sandbox
// channel's outbox; the original due time of an action held by policy (max_hold is
// measured from it); the provider's last delivery status; caps count a consumer's actions
// per channel by index.
constexpr const char* kV3 = R"sql(
ALTER TABLE actions ADD COLUMN planned_send_at bigint;
ALTER TABLE actions ADD COLUMN provider_status text;
CREATE INDEX actions_consumer_channel_idx ON actions (consumer_id, channel, status);

CREATE TABLE action_attempts (
  id text PRIMARY KEY,
  action_id text NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  channel text NOT NULL,
  outcome text NOT NULL,
  provider_message_id text,
  provider_status text,
  error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX action_attempts_action_id_idx ON action_attempts (action_id, id);
CREATE INDEX action_attempts_creator_id_idx ON action_attempts (creator_id);

CREATE TABLE outbox (
  id text PRIMARY KEY,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  action_id text NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  consumer_id text REFERENCES consumers (id) ON DELETE CASCADE,
  channel text NOT NULL,
  recipient text NOT NULL,
  subject text,
  body text NOT NULL,
  content_sid text,
  content_variables text,
  created_at bigint NOT NULL
);
CREATE UNIQUE INDEX outbox_action_id_key ON outbox (action_id);
CREATE INDEX outbox_creator_id_idx ON outbox (creator_id, id);
CREATE INDEX outbox_consumer_id_idx ON outbox (consumer_id);
)sql";

// v4: one index on a consumer's events instead of two. Every event wrote an entry into
// both (creator_id, consumer_id, occurred_at) and (consumer_id), each at a random place
// (consumer ids are spread over the whole index), so each cost a page written per event.
// (consumer_id, occurred_at) serves the timeline, the consumer filter of the event list
// (the creator is checked on the row) and the foreign key's ON DELETE SET NULL.
constexpr const char* kV4 = R"sql(
DROP INDEX events_consumer_idx;
DROP INDEX events_consumer_id_idx;
CREATE INDEX events_consumer_idx ON events (consumer_id, occurred_at);
)sql";

// v5: claims walk due jobs in due order. The claim index put priority before run_at, so a
// claim could not stop at `run_at <= now`: it read every queued job, including the
// follow-ups scheduled days ahead (one per active consumer), about 5 ms a claim on
// PostgreSQL with 25,000 of them. Priority now breaks ties between jobs due together.
constexpr const char* kV5 = R"sql(
DROP INDEX jobs_claim_idx;
CREATE INDEX jobs_claim_idx ON jobs (queue, status, run_at, priority DESC, id);
)sql";

// v6: no index led by status (see the PostgreSQL v6): the claim's per-consumer check can
// only use jobs_consumer_idx, and the reaper and the purge use jobs_claim_idx.
constexpr const char* kV6 = R"sql(
DROP INDEX jobs_due_idx;
)sql";

// v7: only events that carry an idempotency key (or a client id) go into its unique
// index. Keyless events, most of the traffic, each wrote an entry that no lookup reads
// (a lookup always names a key, and NULLs never conflict): one B-tree fewer per event.
constexpr const char* kV7 = R"sql(
DROP INDEX events_idempotency_key_key;
CREATE UNIQUE INDEX events_idempotency_key_key ON events (creator_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
)sql";

// v8: jobs_consumer_idx without status. A job's status changes twice in its life (claimed,
// then finished or retried); with status in the key, each change moved the job's entry to
// another place in the index: a page written at a random place (consumer ids are spread
// over the whole index) in each of those transactions. Every query through it names a
// consumer, whose few jobs are then filtered by status on the row.
constexpr const char* kV8 = R"sql(
DROP INDEX jobs_consumer_idx;
CREATE INDEX jobs_consumer_idx ON jobs (consumer_id, run_at, id);
)sql";

// v9: delivery suppressions. An address a provider refused for good (no such mailbox, not
// a WhatsApp number) is named by its SHA-256, one row per consumer and channel: sends to it
// are skipped as `suppressed`, and a consumer given a new address is tried again.
constexpr const char* kV9 = R"sql(
CREATE TABLE consumer_suppressions (
  consumer_id text NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
  creator_id text NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  channel text NOT NULL,
  address_hash text NOT NULL,
  reason text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (consumer_id, channel)
);
CREATE INDEX consumer_suppressions_creator_id_idx ON consumer_suppressions (creator_id);
)sql";

constexpr std::array kMigrations{
    Migration{1, "initial schema", kV1},
    Migration{2, "claim and list indexes", kV2},
    Migration{3, "send attempts and outbox", kV3},
    Migration{4, "one index on a consumer's events", kV4},
    Migration{5, "claims in due order", kV5},
    Migration{6, "no status-led job index", kV6},
    Migration{7, "idempotency index only for keyed events", kV7},
    Migration{8, "no status in the per-consumer job index", kV8},
    Migration{9, "delivery suppressions", kV9},
};

}  // namespace

std::span<const Migration> sqlite_migrations() { return kMigrations; }

}  // namespace ca::store
