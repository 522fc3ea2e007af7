// Sending actions: status compare-and-set, attempts, outbox, send-time facts.
#include "store/sql_delivery_repo.hpp"

#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kAttemptColumns =
    "id, action_id, creator_id, channel, outcome, provider_message_id, provider_status, error, "
    "created_at, updated_at";
constexpr const char* kOutboxColumns =
    "id, creator_id, action_id, consumer_id, channel, recipient, subject, body, content_sid, "
    "content_variables, created_at";

// Statuses whose send_at is the time the message went out (set when sending began).
constexpr const char* kSentStatuses = "('sending', 'sent', 'delivered', 'read')";

ActionAttempt read_attempt(const SqlRow& r) {
  ActionAttempt a;
  a.id = r.text(0);
  a.action_id = r.text(1);
  a.creator_id = r.text(2);
  a.channel = r.text(3);
  a.outcome = r.text(4);
  a.provider_message_id = r.opt_text(5);
  a.provider_status = r.opt_text(6);
  a.error = r.opt_text(7);
  a.created_at = r.time(8);
  a.updated_at = r.time(9);
  return a;
}

OutboxMessage read_outbox(const SqlRow& r) {
  OutboxMessage m;
  m.id = r.text(0);
  m.creator_id = r.text(1);
  m.action_id = r.text(2);
  m.consumer_id = r.opt_text(3);
  m.channel = parse_channel(r.text(4)).value_or(Channel::whatsapp);
  m.recipient = r.text(5);
  m.subject = r.opt_text(6);
  m.body = r.text(7);
  m.content_sid = r.opt_text(8);
  m.content_variables_json = r.opt_text(9);
  m.created_at = r.time(10);
  return m;
}

}  // namespace

Result<bool> SqlDeliveryRepo::transition(const Tenant& t, const std::string& action_id,
                                         const std::vector<std::string>& from,
                                         const ActionChange& c, Timestamp at) {
  if (!valid_id(action_id)) return not_found("action");
  SqlParams p;
  std::string sql = "UPDATE actions SET status = " + bind(p, c.status) +
                    ", updated_at = " + bind(p, sql_time(at));
  if (c.skip_reason) sql += ", skip_reason = " + bind(p, *c.skip_reason);
  // planned_send_at is assigned from the old send_at before send_at changes (SQL
  // evaluates every right-hand side against the old row).
  if (c.remember_planned_send_at) sql += ", planned_send_at = COALESCE(planned_send_at, send_at)";
  if (c.send_at) sql += ", send_at = " + bind(p, sql_time(*c.send_at));
  if (c.message) sql += ", message = " + bind(p, *c.message);
  if (c.provider_message_id) {
    sql += ", provider_message_id = COALESCE(provider_message_id, " +
           bind(p, *c.provider_message_id) + ")";
  }
  if (c.provider_status) sql += ", provider_status = " + bind(p, *c.provider_status);
  if (c.last_error) sql += ", last_error = " + bind(p, *c.last_error);
  if (c.attempts_delta != 0) {
    sql += ", attempts = attempts + " + bind(p, std::int64_t{c.attempts_delta});
  }
  sql += " WHERE id = " + bind(p, action_id) + tenant_clause(t, "creator_id", p);
  if (!from.empty()) {
    sql += " AND status IN (";
    for (size_t i = 0; i < from.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += bind(p, from[i]);
    }
    sql += ")";
  }
  auto r = s_.query(sql, p);
  if (!r) return std::move(r).error();
  if (r->affected > 0) return true;
  SqlParams q{action_id};
  auto exists =
      s_.query("SELECT 1 FROM actions WHERE id = $1" + tenant_clause(t, "creator_id", q), q);
  if (!exists) return std::move(exists).error();
  if (exists->rows.empty()) return not_found("action");
  return false;
}

Result<ActionSendState> SqlDeliveryRepo::send_state(const std::string& action_id) {
  if (!valid_id(action_id)) return not_found("action");
  auto r = s_.query(
      "SELECT COALESCE(planned_send_at, send_at), provider_status, last_error FROM actions "
      "WHERE id = $1",
      {action_id});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("action");
  const SqlRow& row = r->rows.front();
  return ActionSendState{row.time(0), row.opt_text(1), row.opt_text(2)};
}

Result<std::vector<Timestamp>> SqlDeliveryRepo::counted_history(const Action& a, Timestamp since) {
  if (!valid_id(a.consumer_id) || !valid_id(a.id)) return std::vector<Timestamp>{};
  const std::string sql =
      std::string(
          "SELECT send_at FROM actions WHERE consumer_id = $1 AND channel = $2 AND id <> $3 "
          "AND ((status IN ") +
      kSentStatuses +
      " AND send_at >= $4) OR (status = 'scheduled' AND (send_at < $5 OR "
      "(send_at = $5 AND id < $3))))";
  auto r = s_.query(sql, {a.consumer_id, std::string(to_string(a.channel)), a.id, sql_time(since),
                          sql_time(a.send_at)});
  if (!r) return std::move(r).error();
  std::vector<Timestamp> out;
  out.reserve(r->rows.size());
  for (const auto& row : r->rows) out.push_back(row.time(0));
  return out;
}

Result<std::optional<Timestamp>> SqlDeliveryRepo::converted_at(const std::string& consumer_id) {
  if (!valid_id(consumer_id)) return std::optional<Timestamp>{};
  auto r = s_.query(
      "SELECT MAX(occurred_at) FROM events WHERE consumer_id = $1 AND type = 'payment_success'",
      {consumer_id});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return std::optional<Timestamp>{};
  return r->rows.front().opt_time(0);
}

Result<std::vector<std::string>> SqlDeliveryRepo::cancel_pending(const std::string& consumer_id,
                                                                 Channel channel, Timestamp at) {
  if (!valid_id(consumer_id)) return std::vector<std::string>{};
  auto r = s_.query(
      "UPDATE actions SET status = 'cancelled', updated_at = $3 WHERE consumer_id = $1 AND "
      "channel = $2 AND status IN ('scheduled', 'awaiting_review') RETURNING id",
      {consumer_id, std::string(to_string(channel)), sql_time(at)});
  if (!r) return std::move(r).error();
  std::vector<std::string> ids;
  for (const auto& row : r->rows) ids.push_back(row.text(0));
  return ids;
}

Result<void> SqlDeliveryRepo::insert_attempt(const ActionAttempt& a) {
  if (!valid_id(a.id) || !valid_id(a.action_id) || !valid_id(a.creator_id)) {
    return Error::invalid("id", "attempt ids must be UUIDs");
  }
  return run(s_,
             std::string("INSERT INTO action_attempts (") + kAttemptColumns +
                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
             {a.id, a.action_id, a.creator_id, a.channel, a.outcome, sql_opt(a.provider_message_id),
              sql_opt(a.provider_status), sql_opt(a.error), sql_time(a.created_at),
              sql_time(a.updated_at)});
}

Result<void> SqlDeliveryRepo::finish_attempt(const std::string& attempt_id,
                                             const std::string& outcome,
                                             const std::optional<std::string>& provider_message_id,
                                             const std::optional<std::string>& provider_status,
                                             const std::optional<std::string>& error,
                                             Timestamp at) {
  if (!valid_id(attempt_id)) return not_found("attempt");
  return run_one(s_,
                 "UPDATE action_attempts SET outcome = $2, provider_message_id = $3, "
                 "provider_status = $4, error = $5, updated_at = $6 WHERE id = $1",
                 {attempt_id, outcome, sql_opt(provider_message_id), sql_opt(provider_status),
                  sql_opt(error), sql_time(at)},
                 "attempt");
}

Result<std::vector<ActionAttempt>> SqlDeliveryRepo::attempts(const std::string& action_id) {
  if (!valid_id(action_id)) return std::vector<ActionAttempt>{};
  auto r = s_.query(std::string("SELECT ") + kAttemptColumns +
                        " FROM action_attempts WHERE action_id = $1 ORDER BY id",
                    {action_id});
  if (!r) return std::move(r).error();
  std::vector<ActionAttempt> out;
  for (const auto& row : r->rows) out.push_back(read_attempt(row));
  return out;
}

Result<std::optional<std::string>> SqlDeliveryRepo::action_for_provider_id(
    const std::string& provider_message_id) {
  auto r = s_.query("SELECT id FROM actions WHERE provider_message_id = $1", {provider_message_id});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return std::optional<std::string>{};
  return std::optional<std::string>{r->rows.front().text(0)};
}

Result<void> SqlDeliveryRepo::reconcile_unknown(const std::string& action_id,
                                                const std::string& provider_message_id,
                                                const std::string& provider_status, Timestamp at) {
  if (!valid_id(action_id)) return not_found("action");
  return run(s_,
             "UPDATE action_attempts SET outcome = 'accepted', provider_message_id = $2, "
             "provider_status = $3, error = COALESCE(error, '') || ' (reconciled by status "
             "callback)', updated_at = $4 WHERE action_id = $1 AND outcome IN ('unknown', "
             "'pending')",
             {action_id, provider_message_id, provider_status, sql_time(at)});
}

Result<std::string> SqlDeliveryRepo::record_outbox(const OutboxMessage& m) {
  if (!valid_id(m.id) || !valid_id(m.creator_id) || !valid_id(m.action_id) ||
      (m.consumer_id && !valid_id(*m.consumer_id))) {
    return Error::invalid("id", "outbox ids must be UUIDs");
  }
  CA_CHECK(
      run(s_,
          std::string("INSERT INTO outbox (") + kOutboxColumns +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
              "ON CONFLICT (action_id) DO NOTHING",
          {m.id, m.creator_id, m.action_id, sql_opt(m.consumer_id),
           std::string(to_string(m.channel)), m.recipient, sql_opt(m.subject), m.body,
           sql_opt(m.content_sid), sql_opt(m.content_variables_json), sql_time(m.created_at)}));
  auto r = s_.query("SELECT id FROM outbox WHERE action_id = $1", {m.action_id});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return Error::internal("outbox row vanished");
  return r->rows.front().text(0);
}

Result<Page<OutboxMessage>> SqlDeliveryRepo::list_outbox(const Tenant& t, const PageRequest& page) {
  SqlParams p;
  std::string sql = std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE 1 = 1" +
                    tenant_clause(t, "creator_id", p);
  return query_page(s_, std::move(sql), p, page, read_outbox);
}

Result<void> SqlDeliveryRepo::suppress(const Suppression& x) {
  if (!valid_id(x.consumer_id) || !valid_id(x.creator_id)) {
    return Error::invalid("consumer_id", "suppression ids must be UUIDs");
  }
  return run(s_,
             "INSERT INTO consumer_suppressions (consumer_id, creator_id, channel, address_hash, "
             "reason, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consumer_id, "
             "channel) DO UPDATE SET address_hash = excluded.address_hash, reason = "
             "excluded.reason, created_at = excluded.created_at",
             {x.consumer_id, x.creator_id, std::string(to_string(x.channel)), x.address_hash,
              x.reason, sql_time(x.at)});
}

Result<std::optional<Suppression>> SqlDeliveryRepo::suppression(const std::string& consumer_id,
                                                                Channel channel) {
  if (!valid_id(consumer_id)) return std::optional<Suppression>{};
  auto r = s_.query(
      "SELECT creator_id, address_hash, reason, created_at FROM consumer_suppressions "
      "WHERE consumer_id = $1 AND channel = $2",
      {consumer_id, std::string(to_string(channel))});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return std::optional<Suppression>{};
  const auto& row = r->rows.front();
  return std::optional<Suppression>{
      Suppression{consumer_id, row.text(0), channel, row.text(1), row.text(2), row.time(3)}};
}

Result<std::vector<Consumer>> SqlDeliveryRepo::consumers_by_whatsapp(const std::string& e164) {
  auto r = s_.query(
      "SELECT id, creator_id, whatsapp FROM consumers WHERE whatsapp = $1 ORDER BY id", {e164});
  if (!r) return std::move(r).error();
  std::vector<Consumer> out;
  for (const auto& row : r->rows) {
    Consumer c;
    c.id = row.text(0);
    c.creator_id = row.text(1);
    c.whatsapp = row.opt_text(2);
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<std::string>> SqlDeliveryRepo::consumers_messaged_on_whatsapp(
    const std::vector<std::string>& consumer_ids) {
  std::vector<std::string> out;
  for (const auto& id : consumer_ids) {
    if (!valid_id(id)) continue;
    auto r = s_.query(
        "SELECT 1 FROM actions WHERE consumer_id = $1 AND channel = 'whatsapp' AND status IN "
        "('sending', 'sent', 'delivered', 'read') LIMIT 1",
        {id});
    if (!r) return std::move(r).error();
    if (!r->rows.empty()) out.push_back(id);
  }
  return out;
}

}  // namespace ca::store
