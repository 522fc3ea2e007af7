// Analytics aggregates. Times are bigint microseconds in both dialects, so bucketing is
// integer arithmetic that SQLite and PostgreSQL agree on.
#include "store/sql_analytics_repo.hpp"

#include "store/repos.hpp"

namespace ca::store {

namespace {

constexpr const char* kOut = "('sent', 'delivered', 'read')";

// " AND <col> >= $a AND <col> < $b"
std::string range_clause(const TimeRange& r, std::string_view column, SqlParams& params) {
  const std::string c(column);
  return " AND " + c + " >= " + bind(params, sql_time(r.from)) + " AND " + c + " < " +
         bind(params, sql_time(r.to));
}

Result<std::vector<KeyCount>> key_counts(SqlSession& s, const std::string& sql,
                                         const SqlParams& params) {
  auto res = s.query(sql, params);
  if (!res) return std::move(res).error();
  std::vector<KeyCount> out;
  out.reserve(res->rows.size());
  for (const auto& row : res->rows) out.push_back(KeyCount{row.text(0), row.i64(1)});
  return out;
}

Result<std::vector<BucketCount>> bucket_counts(SqlSession& s, const std::string& sql,
                                               const SqlParams& params) {
  auto res = s.query(sql, params);
  if (!res) return std::move(res).error();
  std::vector<BucketCount> out;
  out.reserve(res->rows.size());
  for (const auto& row : res->rows) out.push_back(BucketCount{row.i64(0), row.i64(1)});
  return out;
}

Result<std::int64_t> single_count(SqlSession& s, const std::string& sql, const SqlParams& params) {
  auto res = s.query(sql, params);
  if (!res) return std::move(res).error();
  if (res->rows.empty()) return std::int64_t{0};
  return res->rows.front().i64(0);
}

}  // namespace

Result<std::vector<KeyCount>> SqlAnalyticsRepo::consumers_by_stage(const Tenant& t,
                                                                   const TimeRange& r) {
  SqlParams p;
  std::string sql =
      "SELECT x.stage, COUNT(*) FROM consumers c JOIN consumer_context x ON x.consumer_id = c.id"
      " WHERE 1 = 1" +
      tenant_clause(t, "c.creator_id", p) + range_clause(r, "c.created_at", p) +
      " GROUP BY x.stage ORDER BY x.stage";
  return key_counts(s_, sql, p);
}

Result<std::vector<KeyCount>> SqlAnalyticsRepo::events_by_type(const Tenant& t,
                                                               const TimeRange& r) {
  SqlParams p;
  std::string sql = "SELECT type, COUNT(*) FROM events WHERE 1 = 1" +
                    tenant_clause(t, "creator_id", p) + range_clause(r, "occurred_at", p) +
                    " GROUP BY type ORDER BY type";
  return key_counts(s_, sql, p);
}

Result<std::vector<KeyCount>> SqlAnalyticsRepo::invocations_by_status(const Tenant& t,
                                                                      const TimeRange& r) {
  SqlParams p;
  std::string sql = "SELECT status, COUNT(*) FROM agent_invocations WHERE 1 = 1" +
                    tenant_clause(t, "creator_id", p) + range_clause(r, "created_at", p) +
                    " GROUP BY status ORDER BY status";
  return key_counts(s_, sql, p);
}

Result<std::vector<ActionCount>> SqlAnalyticsRepo::actions_breakdown(const Tenant& t,
                                                                     const TimeRange& r) {
  SqlParams p;
  std::string sql = "SELECT channel, status, skip_reason, COUNT(*) FROM actions WHERE 1 = 1" +
                    tenant_clause(t, "creator_id", p) + range_clause(r, "created_at", p) +
                    " GROUP BY channel, status, skip_reason ORDER BY channel, status, skip_reason";
  auto res = s_.query(sql, p);
  if (!res) return std::move(res).error();
  std::vector<ActionCount> out;
  out.reserve(res->rows.size());
  for (const auto& row : res->rows) {
    out.push_back(ActionCount{row.text(0), row.text(1), row.opt_text(2), row.i64(3)});
  }
  return out;
}

Result<std::vector<BucketCount>> SqlAnalyticsRepo::event_series(const Tenant& t, const TimeRange& r,
                                                                std::chrono::microseconds bucket) {
  SqlParams p;
  const std::string from = bind(p, sql_time(r.from));
  const std::string len = bind(p, std::int64_t{bucket.count()});
  std::string sql = "SELECT (occurred_at - " + from + ") / " + len +
                    " AS b, COUNT(*) FROM events WHERE 1 = 1" + tenant_clause(t, "creator_id", p) +
                    range_clause(r, "occurred_at", p) + " GROUP BY b ORDER BY b";
  return bucket_counts(s_, sql, p);
}

Result<std::vector<BucketCount>> SqlAnalyticsRepo::message_series(
    const Tenant& t, const TimeRange& r, std::chrono::microseconds bucket) {
  SqlParams p;
  const std::string from = bind(p, sql_time(r.from));
  const std::string len = bind(p, std::int64_t{bucket.count()});
  std::string sql = "SELECT (send_at - " + from + ") / " + len +
                    " AS b, COUNT(*) FROM actions WHERE status IN " + kOut +
                    tenant_clause(t, "creator_id", p) + range_clause(r, "send_at", p) +
                    " GROUP BY b ORDER BY b";
  return bucket_counts(s_, sql, p);
}

Result<std::vector<Payment>> SqlAnalyticsRepo::payments(const Tenant& t, const TimeRange& r,
                                                        std::chrono::microseconds window) {
  SqlParams p;
  const std::string w = bind(p, std::int64_t{window.count()});
  std::string sql =
      "SELECT e.creator_id, e.consumer_id, e.occurred_at, e.payload,"
      " EXISTS (SELECT 1 FROM actions a WHERE a.consumer_id = e.consumer_id AND a.status IN " +
      std::string(kOut) + " AND a.send_at <= e.occurred_at AND a.send_at > e.occurred_at - " + w +
      ") FROM events e WHERE e.type = 'payment_success' AND e.consumer_id IS NOT NULL" +
      tenant_clause(t, "e.creator_id", p) + range_clause(r, "e.occurred_at", p) +
      " ORDER BY e.occurred_at, e.id";
  auto res = s_.query(sql, p);
  if (!res) return std::move(res).error();
  std::vector<Payment> out;
  out.reserve(res->rows.size());
  for (const auto& row : res->rows) {
    out.push_back(Payment{row.text(0), row.text(1), row.time(2), row.text(3), row.boolean(4)});
  }
  return out;
}

Result<std::int64_t> SqlAnalyticsRepo::messaged_consumers(const Tenant& t, const TimeRange& r) {
  SqlParams p;
  std::string sql =
      std::string("SELECT COUNT(DISTINCT consumer_id) FROM actions WHERE status IN ") + kOut +
      tenant_clause(t, "creator_id", p) + range_clause(r, "send_at", p);
  return single_count(s_, sql, p);
}

Result<std::vector<std::string>> SqlAnalyticsRepo::messaged_consumer_ids(const Tenant& t,
                                                                         const TimeRange& r) {
  SqlParams p;
  std::string sql = std::string("SELECT DISTINCT consumer_id FROM actions WHERE status IN ") +
                    kOut + " AND consumer_id IS NOT NULL" + tenant_clause(t, "creator_id", p) +
                    range_clause(r, "send_at", p) + " ORDER BY consumer_id";
  auto res = s_.query(sql, p);
  if (!res) return std::move(res).error();
  std::vector<std::string> out;
  out.reserve(res->rows.size());
  for (const auto& row : res->rows) out.push_back(row.text(0));
  return out;
}

Result<std::vector<SentMessage>> SqlAnalyticsRepo::sent_messages(const Tenant& t) {
  SqlParams p;
  std::string sql =
      "SELECT a.id, a.creator_id, a.consumer_id, a.invocation_id, a.channel, a.send_at,"
      " c.timezone, cr.timezone, cr.settings, ag.config, o.content_sid, cc.granted,"
      " cc.updated_at,"
      " (SELECT MAX(e.occurred_at) FROM events e WHERE e.consumer_id = a.consumer_id"
      "   AND e.type = 'whatsapp_message_received' AND e.occurred_at <= a.send_at)"
      " FROM actions a"
      " JOIN consumers c ON c.id = a.consumer_id"
      " JOIN creators cr ON cr.id = a.creator_id"
      " LEFT JOIN agents ag ON ag.id = a.agent_id"
      " LEFT JOIN outbox o ON o.action_id = a.id"
      " LEFT JOIN consumer_consents cc ON cc.consumer_id = a.consumer_id AND cc.channel = a.channel"
      " WHERE a.status IN " +
      std::string(kOut) + tenant_clause(t, "a.creator_id", p) +
      " ORDER BY a.consumer_id, a.channel, a.send_at, a.id";
  auto res = s_.query(sql, p);
  if (!res) return std::move(res).error();
  std::vector<SentMessage> out;
  out.reserve(res->rows.size());
  for (const auto& row : res->rows) {
    SentMessage m;
    m.action_id = row.text(0);
    m.creator_id = row.text(1);
    m.consumer_id = row.text(2);
    m.invocation_id = row.text(3);
    m.channel = parse_channel(row.text(4)).value_or(Channel::whatsapp);
    m.sent_at = row.time(5);
    m.consumer_timezone = row.opt_text(6);
    m.creator_timezone = row.text(7);
    m.creator_settings_json = row.opt_text(8).value_or("{}");
    m.agent_config_json = row.opt_text(9).value_or("{}");
    m.as_template = !row.is_null(10);
    if (!row.is_null(11)) m.consent_granted = row.boolean(11);
    m.consent_updated_at = row.opt_time(12);
    m.last_inbound_whatsapp_at = row.opt_time(13);
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::int64_t> SqlAnalyticsRepo::actions_sent_twice(const Tenant& t) {
  SqlParams p;
  std::string sql =
      "SELECT COUNT(*) FROM (SELECT action_id FROM action_attempts WHERE outcome = 'accepted'" +
      tenant_clause(t, "creator_id", p) + " GROUP BY action_id HAVING COUNT(*) > 1) d";
  return single_count(s_, sql, p);
}

Result<std::int64_t> SqlAnalyticsRepo::decisions_sent_twice(const Tenant& t) {
  SqlParams p;
  std::string sql =
      "SELECT COUNT(*) FROM (SELECT invocation_id FROM actions WHERE invocation_id IS NOT NULL"
      " AND status IN " +
      std::string(kOut) + tenant_clause(t, "creator_id", p) +
      " GROUP BY invocation_id, channel HAVING COUNT(*) > 1) d";
  return single_count(s_, sql, p);
}

Result<std::int64_t> SqlAnalyticsRepo::count_events(const Tenant& t) {
  SqlParams p;
  std::string sql = "SELECT COUNT(*) FROM events WHERE 1 = 1" + tenant_clause(t, "creator_id", p);
  return single_count(s_, sql, p);
}

}  // namespace ca::store
