// Agents with their triggers, the invocations they run, and the actions they plan.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::store {

// Text forms as stored and served ("auto" | "review"; "queued" | "running" | ...).
const char* to_string(Approval a);
std::optional<Approval> parse_approval(std::string_view s);
const char* to_string(InvocationStatus s);
std::optional<InvocationStatus> parse_invocation_status(std::string_view s);

// One enabled agent's trigger for an event type: what ingestion needs to decide whether
// to write an invocation (the filter is evaluated by the caller against the payload).
struct TriggerMatch {
  std::string trigger_id;
  std::string agent_id;
  std::string agent_kind;
  Approval approval = Approval::automatic;
  std::string filter_json = "{}";
};

enum class TriggerUpdate { keep, replace };

class AgentRepo {
 public:
  virtual ~AgentRepo() = default;
  // The agent and each of its triggers (trigger ids set by the caller; their agent_id
  // and creator_id are taken from the agent).
  virtual Result<void> insert(const Agent& a) = 0;
  // With triggers, in insertion order.
  virtual Result<Agent> get(const Tenant& t, const std::string& id) = 0;
  // Newest first, each with its triggers.
  virtual Result<Page<Agent>> list(const Tenant& t, const PageRequest& page) = 0;
  // Replaces name, config, approval, enabled, updated_at; with TriggerUpdate::replace
  // also deletes the old triggers and inserts a.triggers. not_found for another tenant.
  virtual Result<void> update(const Tenant& t, const Agent& a, TriggerUpdate triggers) = 0;
  virtual Result<void> set_enabled(const Tenant& t, const std::string& id, bool enabled,
                                   Timestamp at) = 0;
  // The ingest hot path: triggers of the creator's ENABLED agents for this event type
  // (one indexed query on agent_triggers(creator_id, event_type) joined to agents).
  virtual Result<std::vector<TriggerMatch>> matching_triggers(const std::string& creator_id,
                                                              const std::string& event_type) = 0;
};

struct InvocationFilter {
  std::optional<std::string> agent_id;
  std::optional<std::string> consumer_id;
  std::optional<InvocationStatus> status;
};

// One invocation's outcome, as InvocationRepo::finish takes it.
struct InvocationOutcome {
  std::string id;
  InvocationStatus status = InvocationStatus::completed;
  std::string reason;
  std::string result_json;
  std::optional<std::string> error;
};

class InvocationRepo {
 public:
  virtual ~InvocationRepo() = default;
  virtual Result<void> insert(const Invocation& inv) = 0;
  // Multi-row statements (ingestion writes one per matched trigger).
  virtual Result<void> insert_many(const std::vector<Invocation>& invs) = 0;
  virtual Result<Invocation> get(const Tenant& t, const std::string& id) = 0;
  // The invocations among `ids` (any order, unknown ids left out; workers, no tenant check).
  virtual Result<std::vector<Invocation>> get_many(const std::vector<std::string>& ids) = 0;
  // Newest first.
  virtual Result<Page<Invocation>> list(const Tenant& t, const InvocationFilter& f,
                                        const PageRequest& page) = 0;
  // Status only (e.g. queued → running when a worker picks it up).
  virtual Result<void> update_status(const std::string& id, InvocationStatus status,
                                     Timestamp at) = 0;
  // The outcome of a run: status, reason, result_json and error together. Only an
  // undecided invocation (queued or running) is finished; one already completed or failed
  // (a job re-run after its transaction committed) is not_found like a missing one.
  virtual Result<void> finish(const std::string& id, InvocationStatus status,
                              const std::string& reason, const std::string& result_json,
                              const std::optional<std::string>& error, Timestamp at) = 0;
  // finish for many at once, with one statement per kRowsPerStatement: true where that
  // invocation was undecided and is now finished, false where finish would be not_found.
  virtual Result<std::vector<bool>> finish_many(const std::vector<InvocationOutcome>& outcomes,
                                                Timestamp at) = 0;
};

struct ActionFilter {
  std::optional<std::string> status;
  std::optional<std::string> consumer_id;
  std::optional<std::string> agent_id;
};

class ActionRepo {
 public:
  virtual ~ActionRepo() = default;
  // One invocation's planned actions, in multi-row statements.
  virtual Result<void> insert_many(const std::vector<Action>& actions) = 0;
  virtual Result<Action> get(const Tenant& t, const std::string& id) = 0;
  // Newest first.
  virtual Result<Page<Action>> list(const Tenant& t, const ActionFilter& f,
                                    const PageRequest& page) = 0;
};

}  // namespace ca::store
