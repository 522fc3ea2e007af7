// PostgreSQL schema. Ids are uuid, JSON is jsonb, times are BIGINT microseconds (UTC).
#include <array>

#include "store/migrations.hpp"

namespace ca::store {
namespace {

constexpr const char* kV1 = R"sql(
CREATE TABLE creators (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  external_username text,
  timezone text NOT NULL DEFAULT 'UTC',
  settings jsonb NOT NULL DEFAULT '{}',
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX creators_external_username_key ON creators (external_username);

CREATE TABLE creator_profiles (
  creator_id uuid PRIMARY KEY REFERENCES creators (id) ON DELETE CASCADE,
  profile jsonb NOT NULL DEFAULT '{}',
  raw_data jsonb,
  generated_by text,
  llm_usage jsonb,
  last_synced_at bigint,
  updated_at bigint NOT NULL
);

CREATE TABLE consumers (
  id uuid PRIMARY KEY,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
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
  consumer_id uuid NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  channel text NOT NULL,
  granted boolean NOT NULL,
  source text NOT NULL DEFAULT '',
  updated_at bigint NOT NULL,
  PRIMARY KEY (consumer_id, channel)
);
CREATE INDEX consumer_consents_creator_id_idx ON consumer_consents (creator_id);

CREATE TABLE consumer_context (
  consumer_id uuid PRIMARY KEY REFERENCES consumers (id) ON DELETE CASCADE,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  stage text NOT NULL DEFAULT 'new',
  lead_score double precision NOT NULL DEFAULT 0,
  last_seen_at bigint,
  metrics jsonb NOT NULL DEFAULT '{}',
  attributes jsonb NOT NULL DEFAULT '{}',
  version integer NOT NULL DEFAULT 1,
  updated_at bigint NOT NULL
);
CREATE INDEX consumer_context_stage_idx ON consumer_context (creator_id, stage);

CREATE TABLE products (
  id uuid PRIMARY KEY,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
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
  id uuid PRIMARY KEY,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  consumer_id uuid REFERENCES consumers (id) ON DELETE SET NULL,
  type text NOT NULL,
  source text NOT NULL,
  occurred_at bigint NOT NULL,
  received_at bigint NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  idempotency_key text,
  request_hash text
);
CREATE UNIQUE INDEX events_idempotency_key_key ON events (creator_id, idempotency_key);
CREATE INDEX events_consumer_idx ON events (creator_id, consumer_id, occurred_at);
CREATE INDEX events_type_idx ON events (creator_id, type, occurred_at);
CREATE INDEX events_consumer_id_idx ON events (consumer_id);

CREATE TABLE agents (
  id uuid PRIMARY KEY,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL,
  config jsonb NOT NULL DEFAULT '{}',
  approval text NOT NULL DEFAULT 'auto',
  enabled boolean NOT NULL DEFAULT true,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX agents_creator_id_idx ON agents (creator_id, id);

CREATE TABLE agent_triggers (
  id uuid PRIMARY KEY,
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  event_type text NOT NULL,
  filter jsonb
);
CREATE INDEX agent_triggers_event_type_idx ON agent_triggers (creator_id, event_type);
CREATE INDEX agent_triggers_agent_id_idx ON agent_triggers (agent_id);

CREATE TABLE agent_invocations (
  id uuid PRIMARY KEY,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  consumer_id uuid REFERENCES consumers (id) ON DELETE SET NULL,
  event_id uuid REFERENCES events (id) ON DELETE SET NULL,
  status text NOT NULL,
  reason text,
  result jsonb,
  error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX agent_invocations_creator_id_idx ON agent_invocations (creator_id, id);
CREATE INDEX agent_invocations_agent_id_idx ON agent_invocations (agent_id);
CREATE INDEX agent_invocations_consumer_id_idx ON agent_invocations (consumer_id);
CREATE INDEX agent_invocations_event_id_idx ON agent_invocations (event_id);

CREATE TABLE actions (
  id uuid PRIMARY KEY,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  invocation_id uuid REFERENCES agent_invocations (id) ON DELETE CASCADE,
  agent_id uuid REFERENCES agents (id) ON DELETE CASCADE,
  consumer_id uuid REFERENCES consumers (id) ON DELETE SET NULL,
  channel text NOT NULL,
  type text NOT NULL,
  status text NOT NULL,
  skip_reason text,
  send_at bigint,
  message text,
  template jsonb,
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
  id uuid PRIMARY KEY,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  username text NOT NULL,
  status text NOT NULL,
  step text,
  error text,
  request jsonb,
  response jsonb,
  usage jsonb,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX onboarding_logs_creator_id_idx ON onboarding_logs (creator_id, id);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('admin', 'creator')),
  creator_id uuid REFERENCES creators (id) ON DELETE CASCADE,
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
  id uuid PRIMARY KEY,
  queue text NOT NULL,
  kind text NOT NULL,
  creator_id uuid REFERENCES creators (id) ON DELETE CASCADE,
  consumer_id uuid REFERENCES consumers (id) ON DELETE CASCADE,
  payload jsonb NOT NULL DEFAULT '{}',
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
  id uuid PRIMARY KEY,
  action_id uuid NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
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
  id uuid PRIMARY KEY,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
  action_id uuid NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  consumer_id uuid REFERENCES consumers (id) ON DELETE CASCADE,
  channel text NOT NULL,
  recipient text NOT NULL,
  subject text,
  body text NOT NULL,
  content_sid text,
  content_variables jsonb,
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

// v6: no index led by status, and the queue table vacuumed by row count.
// - jobs_due_idx (status, run_at) let the planner answer the claim's per-consumer check
//   ("does this consumer have a running job?") by reading every entry for status
//   'running' and filtering by consumer. Statistics taken while nothing ran make that
//   look like one row; under load it is every job that ran since the last vacuum (their
//   dead versions keep their entries), for each candidate of each claim. One claim was
//   seen at full CPU for over nine minutes. The reaper and the purge now go through
//   jobs_claim_idx with their queue, and the check can only use jobs_consumer_idx.
// - Every job is inserted queued, then updated twice, never HOT (status is indexed), so
//   each leaves two dead versions that claims step over until a vacuum. The default 20 %
//   scale factor waits for tens of thousands; claims read 7,000 to 35,000 buffers each at
//   1,000 events/s, against 1,150 to 3,400 with these settings and autovacuum_naptime=1s.
constexpr const char* kV6 = R"sql(
DROP INDEX jobs_due_idx;
ALTER TABLE jobs SET (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
  autovacuum_vacuum_cost_delay = 0,
  autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 2000);
)sql";

// v7: no planner statistics for JSON columns. No query filters, joins or sorts on them,
// but every ANALYZE sorted a sample of up to 30,000 values per column with jsonb_cmp. With
// the hot tables analysed every few thousand changed rows (v6 for jobs, the default scale
// factor for the rest), that was about a tenth of PostgreSQL's CPU at 1,000 events/s
// (perf: qsort_interruptible 11 %, jsonb_cmp 9 %). Statistics target 0 skips the column.
constexpr const char* kV7 = R"sql(
ALTER TABLE consumer_context ALTER COLUMN metrics SET STATISTICS 0,
  ALTER COLUMN attributes SET STATISTICS 0;
ALTER TABLE events ALTER COLUMN payload SET STATISTICS 0;
ALTER TABLE agent_invocations ALTER COLUMN result SET STATISTICS 0;
ALTER TABLE actions ALTER COLUMN template SET STATISTICS 0;
ALTER TABLE jobs ALTER COLUMN payload SET STATISTICS 0;
ALTER TABLE outbox ALTER COLUMN content_variables SET STATISTICS 0;
ALTER TABLE onboarding_logs ALTER COLUMN request SET STATISTICS 0,
  ALTER COLUMN response SET STATISTICS 0, ALTER COLUMN usage SET STATISTICS 0;
ALTER TABLE creator_profiles ALTER COLUMN profile SET STATISTICS 0,
  ALTER COLUMN raw_data SET STATISTICS 0, ALTER COLUMN llm_usage SET STATISTICS 0;
)sql";

// v8: only events that carry an idempotency key (or a client id) go into its unique
// index. Keyless events, most of the traffic, each wrote an entry that no lookup reads
// (a lookup always names a key, and NULLs never conflict): one B-tree fewer per event.
constexpr const char* kV8 = R"sql(
DROP INDEX events_idempotency_key_key;
CREATE UNIQUE INDEX events_idempotency_key_key ON events (creator_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
)sql";

// v9: delivery suppressions. An address a provider refused for good (no such mailbox, not
// a WhatsApp number) is named by its SHA-256, one row per consumer and channel: sends to it
// are skipped as `suppressed`, and a consumer given a new address is tried again.
constexpr const char* kV9 = R"sql(
CREATE TABLE consumer_suppressions (
  consumer_id uuid NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
  creator_id uuid NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
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
    Migration{6, "no status-led job index; vacuum jobs by row count", kV6},
    Migration{7, "no planner statistics for JSON columns", kV7},
    Migration{8, "idempotency index only for keyed events", kV8},
    Migration{9, "delivery suppressions", kV9},
};

}  // namespace

std::span<const Migration> postgres_migrations() { return kMigrations; }

}  // namespace ca::store
