#include "store/sql_agent_repo.hpp"

#include <unordered_map>

#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kSelectAgent =
    "SELECT id, creator_id, name, kind, config, approval, enabled, created_at, updated_at "
    "FROM agents WHERE 1 = 1";

Agent read_agent(const SqlRow& r) {
  Agent a;
  a.id = r.text(0);
  a.creator_id = r.text(1);
  a.name = r.text(2);
  a.kind = r.text(3);
  a.config_json = r.text(4);
  a.approval = parse_approval(r.text(5)).value_or(Approval::review);  // unknown: the safe one
  a.enabled = r.boolean(6);
  a.created_at = r.time(7);
  a.updated_at = r.time(8);
  return a;
}

}  // namespace

const char* to_string(Approval a) { return a == Approval::review ? "review" : "auto"; }

std::optional<Approval> parse_approval(std::string_view s) {
  if (s == "auto") return Approval::automatic;
  if (s == "review") return Approval::review;
  return std::nullopt;
}

Result<void> SqlAgentRepo::insert(const Agent& a) {
  if (!valid_id(a.id)) return Error::invalid("id", "id must be a UUID");
  if (!valid_id(a.creator_id)) return Error::invalid("creator_id", "creator_id must be a UUID");
  CA_CHECK(
      run(s_,
          "INSERT INTO agents (id, creator_id, name, kind, config, approval, enabled, "
          "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          {a.id, a.creator_id, a.name, a.kind, a.config_json, std::string(to_string(a.approval)),
           a.enabled, sql_time(a.created_at), sql_time(a.updated_at)}));
  return insert_triggers(a);
}

Result<void> SqlAgentRepo::insert_triggers(const Agent& a) {
  if (a.triggers.empty()) return ok();
  SqlParams p;
  std::string sql =
      "INSERT INTO agent_triggers (id, agent_id, creator_id, event_type, filter) VALUES ";
  for (size_t i = 0; i < a.triggers.size(); ++i) {
    const AgentTrigger& t = a.triggers[i];
    if (!valid_id(t.id)) return Error::invalid("triggers", "trigger ids must be UUIDs");
    if (i > 0) sql += ", ";
    sql += "(" + bind(p, t.id) + ", " + bind(p, a.id) + ", " + bind(p, a.creator_id) + ", " +
           bind(p, t.event_type) + ", " + bind(p, t.filter_json) + ")";
  }
  return run(s_, sql, p);
}

Result<void> SqlAgentRepo::load_triggers(std::vector<Agent>& agents) {
  if (agents.empty()) return ok();
  std::unordered_map<std::string, Agent*> by_id;
  SqlParams p;
  std::string sql =
      "SELECT id, agent_id, creator_id, event_type, filter FROM agent_triggers WHERE agent_id IN (";
  for (size_t i = 0; i < agents.size(); ++i) {
    by_id[agents[i].id] = &agents[i];
    if (i > 0) sql += ", ";
    sql += bind(p, agents[i].id);
  }
  sql += ") ORDER BY id";  // UUIDv7: insertion order
  auto r = s_.query(sql, p);
  if (!r) return std::move(r).error();
  for (const auto& row : r->rows) {
    AgentTrigger t;
    t.id = row.text(0);
    t.agent_id = row.text(1);
    t.creator_id = row.text(2);
    t.event_type = row.text(3);
    t.filter_json = row.is_null(4) ? "{}" : row.text(4);
    auto it = by_id.find(t.agent_id);
    if (it != by_id.end()) it->second->triggers.push_back(std::move(t));
  }
  return ok();
}

Result<Agent> SqlAgentRepo::get(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("agent");
  SqlParams p{id};
  auto r =
      s_.query(std::string(kSelectAgent) + " AND id = $1" + tenant_clause(t, "creator_id", p), p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("agent");
  std::vector<Agent> one{read_agent(r->rows.front())};
  CA_CHECK(load_triggers(one));
  return std::move(one.front());
}

Result<Page<Agent>> SqlAgentRepo::list(const Tenant& t, const PageRequest& page) {
  SqlParams p;
  std::string sql = std::string(kSelectAgent) + tenant_clause(t, "creator_id", p);
  auto out = query_page(s_, std::move(sql), p, page, read_agent);
  if (!out) return out;
  CA_CHECK(load_triggers(out->items));
  return out;
}

Result<void> SqlAgentRepo::update(const Tenant& t, const Agent& a, TriggerUpdate triggers) {
  if (!valid_id(a.id)) return not_found("agent");
  SqlParams p{a.id,          a.name,
              a.config_json, std::string(to_string(a.approval)),
              a.enabled,     sql_time(a.updated_at)};
  std::string sql =
      "UPDATE agents SET name = $2, config = $3, approval = $4, enabled = $5, updated_at = $6 "
      "WHERE id = $1" +
      tenant_clause(t, "creator_id", p);
  CA_CHECK(run_one(s_, sql, p, "agent"));
  if (triggers == TriggerUpdate::keep) return ok();
  CA_CHECK(run(s_, "DELETE FROM agent_triggers WHERE agent_id = $1", {a.id}));
  return insert_triggers(a);
}

Result<void> SqlAgentRepo::set_enabled(const Tenant& t, const std::string& id, bool enabled,
                                       Timestamp at) {
  if (!valid_id(id)) return not_found("agent");
  SqlParams p{id, enabled, sql_time(at)};
  std::string sql = "UPDATE agents SET enabled = $2, updated_at = $3 WHERE id = $1" +
                    tenant_clause(t, "creator_id", p);
  return run_one(s_, sql, p, "agent");
}

Result<std::vector<TriggerMatch>> SqlAgentRepo::matching_triggers(const std::string& creator_id,
                                                                  const std::string& event_type) {
  std::vector<TriggerMatch> out;
  if (!valid_id(creator_id)) return out;
  // Bare `a.enabled` is true for PostgreSQL's boolean and SQLite's 1 alike.
  auto r = s_.query(
      "SELECT t.id, t.agent_id, a.kind, a.approval, t.filter FROM agent_triggers t "
      "JOIN agents a ON a.id = t.agent_id "
      "WHERE t.creator_id = $1 AND t.event_type = $2 AND a.enabled ORDER BY t.agent_id, t.id",
      {creator_id, event_type});
  if (!r) return std::move(r).error();
  out.reserve(r->rows.size());
  for (const auto& row : r->rows) {
    TriggerMatch m;
    m.trigger_id = row.text(0);
    m.agent_id = row.text(1);
    m.agent_kind = row.text(2);
    m.approval = parse_approval(row.text(3)).value_or(Approval::review);
    m.filter_json = row.is_null(4) ? "{}" : row.text(4);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace ca::store
