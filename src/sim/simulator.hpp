// `creator-agents simulate`: the real pipeline (onboarding, ingest, agents, the send
// scheduler with policy, the sandbox outbox, STOP handling) driven in-process on a virtual
// clock. Each simulated day: the traffic model's events in time order, due jobs run
// synchronously between them (claimed from the store at the virtual now), the clock jumping
// from one due time to the next. Deterministic for a seed on a fresh database.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "analytics/summary.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "sim/invariants.hpp"

namespace ca::sim {

struct SimOptions {
  int days = 30;
  int consumers = 10000;
  std::uint64_t seed = 42;
  // Empty: a fresh SQLite file in the temp directory, removed afterwards.
  std::string database_url;
  // Agents decide at ingest where they can, as `serve` does by default
  // (AGENT_INLINE_DECISIONS); false: every invocation through an agent.invoke job.
  bool inline_decisions = true;
  // Midnight UTC of day 0 (a fixed date, so runs repeat).
  Timestamp start = from_micros(1767571200LL * 1000000);  // 2026-01-05T00:00:00Z
};

struct SimProgress {
  int day = 0;  // days finished
  int days = 0;
  std::int64_t events = 0;
  std::int64_t jobs = 0;
};

struct SimCounters {
  std::int64_t events_generated = 0;  // ingested (not counting STOP keywords)
  std::int64_t stops = 0;
  std::int64_t consumers_created = 0;
  std::int64_t decided_at_ingest = 0;  // invocations decided in their event's transaction
  std::int64_t jobs_run = 0;
  std::int64_t jobs_failed = 0;
  std::map<std::string, std::int64_t> jobs_by_kind;
  std::int64_t ingest_errors = 0;
};

struct SimResult {
  SimCounters counters;
  analytics::Summary summary;
  InvariantReport invariants;
  std::string database_url;
  int creators = 0;
};

using ProgressFn = std::function<void(const SimProgress&)>;

Result<SimResult> run_simulation(const SimOptions& options, const ProgressFn& progress = {});

}  // namespace ca::sim
