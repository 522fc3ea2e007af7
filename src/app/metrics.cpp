#include "app/metrics.hpp"

#include <fmt/format.h>

#include <fstream>
#include <string>

#include "http/request_stats.hpp"
#include "ingest/agent_dispatch.hpp"
#include "ingest/group_commit.hpp"
#include "jobs/worker_pool.hpp"
#include "store/job_repo.hpp"
#include "store/store.hpp"

namespace ca::app {
namespace {

// VmRSS from /proc (Linux); 0 when unreadable.
double resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;
  }
  return 0;
}

void counter(std::string& out, const char* name, const char* help, std::uint64_t v) {
  out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
}

}  // namespace

std::string render_metrics(store::Store& store, const jobs::WorkerPool* pool,
                           const ingest::GroupCommitter* group_commit,
                           const ingest::AgentDispatch& dispatch, Timestamp started,
                           const Clock& clock) {
  std::string out = http::request_stats().prometheus();
  auto counts = store::in_tx(store, store::TxMode::read,
                             [](store::Tx& tx) { return tx.jobs().count_by_status(); });
  out += "# HELP ca_jobs Jobs in the queue table, by status.\n# TYPE ca_jobs gauge\n";
  if (counts) {
    for (const auto& [status, n] : *counts) {
      out += fmt::format("ca_jobs{{status=\"{}\"}} {}\n", status, n);
    }
  }
  out += fmt::format(
      "# HELP ca_store_up Whether the database answered.\n# TYPE ca_store_up gauge\n"
      "ca_store_up {}\n",
      counts ? 1 : 0);
  if (pool != nullptr) {
    const auto s = pool->stats();
    counter(out, "ca_worker_jobs_claimed_total", "Jobs claimed by this process.", s.claimed);
    counter(out, "ca_worker_claims_total", "Claims that took at least one job (batches).",
            s.claims);
    counter(out, "ca_worker_jobs_succeeded_total", "Jobs completed.", s.succeeded);
    counter(out, "ca_worker_jobs_retried_total", "Failed attempts scheduled again.", s.retried);
    counter(out, "ca_worker_jobs_dead_total", "Jobs out of attempts.", s.dead);
    counter(out, "ca_worker_jobs_lease_lost_total", "Jobs finished after their lease expired.",
            s.lease_lost);
  }
  if (group_commit != nullptr) {
    const auto g = group_commit->stats();
    counter(out, "ca_ingest_group_commits_total",
            "Shared ingest transactions (events_total / this = mean group).", g.commits);
    counter(out, "ca_ingest_group_commit_events_total",
            "Events they carried, single POSTs and batches.", g.events);
    counter(out, "ca_ingest_saturated_total", "Ingest requests refused with 503, queue full.",
            g.refused);
  }
  counter(out, "ca_agent_inline_decisions_total",
          "Invocations decided in their event's ingest transaction (no agent.invoke job).",
          dispatch.decided_inline());
  out += fmt::format(
      "# HELP process_resident_memory_bytes Resident memory.\n"
      "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {:.0f}\n"
      "# HELP ca_uptime_seconds Seconds since the service started.\n"
      "# TYPE ca_uptime_seconds gauge\nca_uptime_seconds {:.0f}\n",
      resident_bytes(), std::chrono::duration<double>(clock.now() - started).count());
  return out;
}

}  // namespace ca::app
