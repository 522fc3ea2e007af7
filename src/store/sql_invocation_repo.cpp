// Invocations (one agent run per matched trigger) and the actions they plan.
#include <algorithm>
#include <unordered_map>

#include "store/repos.hpp"
#include "store/sql_agent_repo.hpp"

namespace ca::store {
namespace {

// SQLite allows 32,766 bound parameters per statement; PostgreSQL 65,535.

constexpr const char* kInvocationColumns =
    "id, creator_id, agent_id, consumer_id, event_id, status, reason, result, error, "
    "created_at, updated_at";

constexpr const char* kActionColumns =
    "id, creator_id, invocation_id, agent_id, consumer_id, channel, type, status, skip_reason, "
    "send_at, message, template, provider_message_id, attempts, created_at, updated_at";

Invocation read_invocation(const SqlRow& r) {
  Invocation v;
  v.id = r.text(0);
  v.creator_id = r.text(1);
  v.agent_id = r.text(2);
  v.consumer_id = r.opt_text(3);
  v.event_id = r.text(4);
  v.status = parse_invocation_status(r.text(5)).value_or(InvocationStatus::failed);
  v.reason = r.text(6);
  v.result_json = r.is_null(7) ? "{}" : r.text(7);
  v.error = r.opt_text(8);
  v.created_at = r.time(9);
  v.updated_at = r.time(10);
  return v;
}

Action read_action(const SqlRow& r) {
  Action a;
  a.id = r.text(0);
  a.creator_id = r.text(1);
  a.invocation_id = r.text(2);
  a.agent_id = r.text(3);
  a.consumer_id = r.text(4);
  a.channel = parse_channel(r.text(5)).value_or(Channel::whatsapp);
  a.type = r.text(6);
  a.status = r.text(7);
  a.skip_reason = r.opt_text(8);
  a.send_at = r.time(9);
  a.message = r.text(10);
  a.template_json = r.opt_text(11);
  a.provider_message_id = r.opt_text(12);
  a.attempts = static_cast<int>(r.i64(13));
  a.created_at = r.time(14);
  a.updated_at = r.time(15);
  return a;
}

bool valid_opt_id(const std::optional<std::string>& id) { return !id || valid_id(*id); }

// Empty text for a nullable uuid column means NULL.
SqlValue id_or_null(const std::string& id) { return id.empty() ? sql_null() : SqlValue{id}; }

}  // namespace

const char* to_string(InvocationStatus s) {
  switch (s) {
    case InvocationStatus::queued: return "queued";
    case InvocationStatus::running: return "running";
    case InvocationStatus::completed: return "completed";
    case InvocationStatus::failed: return "failed";
  }
  return "failed";
}

std::optional<InvocationStatus> parse_invocation_status(std::string_view s) {
  for (auto st : {InvocationStatus::queued, InvocationStatus::running, InvocationStatus::completed,
                  InvocationStatus::failed}) {
    if (s == to_string(st)) return st;
  }
  return std::nullopt;
}

// ---- invocations ----

Result<void> SqlInvocationRepo::insert(const Invocation& inv) { return insert_many({inv}); }

Result<void> SqlInvocationRepo::insert_many(const std::vector<Invocation>& invs) {
  for (size_t start = 0; start < invs.size(); start += kRowsPerStatement) {
    const size_t end = std::min(invs.size(), start + kRowsPerStatement);
    SqlParams p;
    std::string sql =
        std::string("INSERT INTO agent_invocations (") + kInvocationColumns + ") VALUES ";
    for (size_t i = start; i < end; ++i) {
      const Invocation& v = invs[i];
      if (!valid_id(v.id) || !valid_id(v.creator_id) || !valid_id(v.agent_id) ||
          !valid_opt_id(v.consumer_id) || (!v.event_id.empty() && !valid_id(v.event_id))) {
        return Error::invalid("id", "invocation ids must be UUIDs");
      }
      if (i > start) sql += ", ";
      bind_row(p, sql,
               {v.id, v.creator_id, v.agent_id, sql_opt(v.consumer_id), id_or_null(v.event_id),
                std::string(to_string(v.status)), v.reason, v.result_json, sql_opt(v.error),
                sql_time(v.created_at), sql_time(v.updated_at)});
    }
    CA_CHECK(run_later(s_, sql, p));
  }
  return ok();
}

Result<Invocation> SqlInvocationRepo::get(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("invocation");
  SqlParams p{id};
  auto r = s_.query(std::string("SELECT ") + kInvocationColumns +
                        " FROM agent_invocations WHERE id = $1" + tenant_clause(t, "creator_id", p),
                    p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("invocation");
  return read_invocation(r->rows.front());
}

Result<std::vector<Invocation>> SqlInvocationRepo::get_many(const std::vector<std::string>& ids) {
  auto rows = query_by_ids(
      s_, std::string("SELECT ") + kInvocationColumns + " FROM agent_invocations WHERE ", "id",
      ids);
  if (!rows) return std::move(rows).error();
  std::vector<Invocation> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) out.push_back(read_invocation(row));
  return out;
}

Result<Page<Invocation>> SqlInvocationRepo::list(const Tenant& t, const InvocationFilter& f,
                                                 const PageRequest& page) {
  if (!valid_opt_id(f.agent_id) || !valid_opt_id(f.consumer_id)) return Page<Invocation>{};
  SqlParams p;
  std::string sql = std::string("SELECT ") + kInvocationColumns +
                    " FROM agent_invocations WHERE 1 = 1" + tenant_clause(t, "creator_id", p);
  if (f.agent_id) sql += " AND agent_id = " + bind(p, *f.agent_id);
  if (f.consumer_id) sql += " AND consumer_id = " + bind(p, *f.consumer_id);
  if (f.status) sql += " AND status = " + bind(p, std::string(to_string(*f.status)));
  return query_page(s_, std::move(sql), p, page, read_invocation);
}

Result<void> SqlInvocationRepo::update_status(const std::string& id, InvocationStatus status,
                                              Timestamp at) {
  if (!valid_id(id)) return not_found("invocation");
  return run_one(s_, "UPDATE agent_invocations SET status = $2, updated_at = $3 WHERE id = $1",
                 {id, std::string(to_string(status)), sql_time(at)}, "invocation");
}

Result<void> SqlInvocationRepo::finish(const std::string& id, InvocationStatus status,
                                       const std::string& reason, const std::string& result_json,
                                       const std::optional<std::string>& error, Timestamp at) {
  if (!valid_id(id)) return not_found("invocation");
  return run_one(
      s_,
      "UPDATE agent_invocations SET status = $2, reason = $3, result = $4, error = $5, "
      "updated_at = $6 WHERE id = $1 AND status IN ('queued', 'running')",
      {id, std::string(to_string(status)), reason, result_json, sql_opt(error), sql_time(at)},
      "invocation");
}

Result<std::vector<bool>> SqlInvocationRepo::finish_many(
    const std::vector<InvocationOutcome>& outcomes, Timestamp at) {
  std::vector<bool> finished(outcomes.size(), false);
  std::unordered_map<std::string, size_t> where;
  // PostgreSQL reads an untyped CASE result as text; result is jsonb there.
  const char* as_json = s_.dialect() == Dialect::postgres ? "::jsonb" : "";
  for (size_t start = 0; start < outcomes.size(); start += kRowsPerStatement) {
    const size_t end = std::min(outcomes.size(), start + kRowsPerStatement);
    SqlParams p;
    const std::string time = bind(p, sql_time(at));
    std::string ids, status = "CASE id", reason = "CASE id", result = "CASE id", error = "CASE id";
    for (size_t i = start; i < end; ++i) {
      const InvocationOutcome& o = outcomes[i];
      if (!valid_id(o.id) || where.count(o.id)) continue;  // not_found, like finish
      where[o.id] = i;
      const std::string id = bind(p, o.id);
      ids += (ids.empty() ? "" : ", ") + id;
      status += " WHEN " + id + " THEN " + bind(p, std::string(to_string(o.status)));
      reason += " WHEN " + id + " THEN " + bind(p, o.reason);
      result += " WHEN " + id + " THEN " + bind(p, o.result_json) + as_json;
      error += " WHEN " + id + " THEN " + bind(p, sql_opt(o.error));
    }
    if (ids.empty()) continue;
    std::string sql = "UPDATE agent_invocations SET status = ";
    sql += status;
    sql += " END, reason = ";
    sql += reason;
    sql += " END, result = ";
    sql += result;
    sql += " END, error = ";
    sql += error;
    sql += " END, updated_at = ";
    sql += time;
    sql += " WHERE status IN ('queued', 'running') AND id IN (";
    sql += ids;
    sql += ") RETURNING id";
    auto r = s_.query(sql, p);
    if (!r) return std::move(r).error();
    for (const auto& row : r->rows) {
      if (auto it = where.find(row.text(0)); it != where.end()) finished[it->second] = true;
    }
  }
  return finished;
}

// ---- actions ----

Result<void> SqlActionRepo::insert_many(const std::vector<Action>& actions) {
  for (size_t start = 0; start < actions.size(); start += kRowsPerStatement) {
    const size_t end = std::min(actions.size(), start + kRowsPerStatement);
    SqlParams p;
    std::string sql = std::string("INSERT INTO actions (") + kActionColumns + ") VALUES ";
    for (size_t i = start; i < end; ++i) {
      const Action& a = actions[i];
      if (!valid_id(a.id) || !valid_id(a.creator_id) ||
          (!a.invocation_id.empty() && !valid_id(a.invocation_id)) ||
          (!a.agent_id.empty() && !valid_id(a.agent_id)) ||
          (!a.consumer_id.empty() && !valid_id(a.consumer_id))) {
        return Error::invalid("id", "action ids must be UUIDs");
      }
      if (i > start) sql += ", ";
      bind_row(p, sql,
               {a.id, a.creator_id, id_or_null(a.invocation_id), id_or_null(a.agent_id),
                id_or_null(a.consumer_id), std::string(to_string(a.channel)), a.type, a.status,
                sql_opt(a.skip_reason), sql_time(a.send_at), a.message, sql_opt(a.template_json),
                sql_opt(a.provider_message_id), std::int64_t{a.attempts}, sql_time(a.created_at),
                sql_time(a.updated_at)});
    }
    CA_CHECK(run_later(s_, sql, p));
  }
  return ok();
}

Result<Action> SqlActionRepo::get(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("action");
  SqlParams p{id};
  auto r = s_.query(std::string("SELECT ") + kActionColumns + " FROM actions WHERE id = $1" +
                        tenant_clause(t, "creator_id", p),
                    p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("action");
  return read_action(r->rows.front());
}

Result<Page<Action>> SqlActionRepo::list(const Tenant& t, const ActionFilter& f,
                                         const PageRequest& page) {
  if (!valid_opt_id(f.agent_id) || !valid_opt_id(f.consumer_id)) return Page<Action>{};
  SqlParams p;
  std::string sql = std::string("SELECT ") + kActionColumns + " FROM actions WHERE 1 = 1" +
                    tenant_clause(t, "creator_id", p);
  if (f.status) sql += " AND status = " + bind(p, *f.status);
  if (f.consumer_id) sql += " AND consumer_id = " + bind(p, *f.consumer_id);
  if (f.agent_id) sql += " AND agent_id = " + bind(p, *f.agent_id);
  return query_page(s_, std::move(sql), p, page, read_action);
}

}  // namespace ca::store
