// ConsumerRepo: consent and context, the per-consumer state beside the consumer row.
#include <algorithm>

#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kContextSelect =
    "SELECT consumer_id, creator_id, stage, lead_score, last_seen_at, metrics, attributes, "
    "updated_at FROM consumer_context";

ConsumerContext context_of(const SqlRow& row) {
  ConsumerContext ctx;
  ctx.consumer_id = row.text(0);
  ctx.creator_id = row.text(1);
  ctx.stage = parse_stage(row.text(2)).value_or(Stage::new_);
  ctx.lead_score = row.f64(3);
  ctx.last_seen_at = row.opt_time(4);
  ctx.metrics_json = row.text(5);
  ctx.attributes_json = row.text(6);
  ctx.updated_at = row.time(7);
  return ctx;
}

}  // namespace

Result<void> SqlConsumerRepo::upsert_consent(const std::string& consumer_id,
                                             const std::string& creator_id, Channel ch,
                                             const Consent& consent) {
  return run(s_,
             "INSERT INTO consumer_consents (consumer_id, creator_id, channel, granted, source, "
             "updated_at) VALUES ($1, $2, $3, $4, $5, $6) "
             "ON CONFLICT (consumer_id, channel) DO UPDATE SET granted = excluded.granted, "
             "source = excluded.source, updated_at = excluded.updated_at",
             {consumer_id, creator_id, std::string(to_string(ch)), consent.granted, consent.source,
              sql_time(consent.at)});
}

Result<void> SqlConsumerRepo::set_consent(const Tenant& t, const std::string& consumer_id,
                                          Channel ch, const Consent& consent) {
  if (!valid_id(consumer_id)) return not_found("consumer");
  SqlParams p{consumer_id};
  auto owner = s_.query(
      "SELECT creator_id FROM consumers WHERE id = $1" + tenant_clause(t, "creator_id", p), p);
  if (!owner) return std::move(owner).error();
  if (owner->rows.empty()) return not_found("consumer");
  return upsert_consent(consumer_id, owner->rows.front().text(0), ch, consent);
}

Result<ConsumerContext> SqlConsumerRepo::get_context(const Tenant& t,
                                                     const std::string& consumer_id) {
  return read_context(consumer_id, t, false);
}

Result<ConsumerContext> SqlConsumerRepo::get_context_for_update(const std::string& creator_id,
                                                                const std::string& consumer_id) {
  return read_context(consumer_id, Tenant::creator(creator_id), true);
}

Result<ConsumerContext> SqlConsumerRepo::read_context(const std::string& consumer_id,
                                                      const Tenant& t, bool for_update) {
  if (!valid_id(consumer_id)) return not_found("consumer");
  SqlParams p{consumer_id};
  std::string sql =
      std::string(kContextSelect) + " WHERE consumer_id = $1" + tenant_clause(t, "creator_id", p);
  if (for_update && s_.dialect() == Dialect::postgres) sql += " FOR UPDATE";
  auto r = s_.query(sql, p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("consumer");
  return context_of(r->rows.front());
}

Result<std::vector<ConsumerContext>> SqlConsumerRepo::get_contexts_for_update(
    const std::string& creator_id, const std::vector<std::string>& consumer_ids) {
  // By primary key only: a creator_id condition tempted PostgreSQL's planner (stale
  // statistics on a growing table) into a bitmap AND over all the creator's contexts.
  // Ingestion passes its creator's consumers; any other row is left out here. Sorted
  // chunks lock in id order across the whole call.
  const std::string suffix = s_.dialect() == Dialect::postgres ? " ORDER BY consumer_id FOR UPDATE"
                                                               : " ORDER BY consumer_id";
  auto rows = query_by_ids(s_, std::string(kContextSelect) + " WHERE ", "consumer_id", consumer_ids,
                           suffix);
  if (!rows) return std::move(rows).error();
  std::vector<ConsumerContext> out;
  for (const auto& row : *rows) {
    ConsumerContext ctx = context_of(row);
    if (ctx.creator_id == creator_id) out.push_back(std::move(ctx));
  }
  return out;
}

namespace {

// One multi-row upsert of contexts[start, end): the one multi-row UPDATE both dialects
// share. Every row exists (read for update, or its consumer inserted, in this
// transaction), and the WHERE keeps each on its own creator.
std::string upsert_contexts(const std::vector<ConsumerContext>& contexts, size_t start, size_t end,
                            ConsumerRepo::StageWrite stage, SqlParams& p) {
  std::string sql =
      "INSERT INTO consumer_context AS c (consumer_id, creator_id, stage, lead_score, "
      "last_seen_at, metrics, attributes, version, updated_at) VALUES ";
  for (size_t i = start; i < end; ++i) {
    const ConsumerContext& ctx = contexts[i];
    if (i > start) sql += ", ";
    bind_row(p, sql,
             {ctx.consumer_id, ctx.creator_id, std::string(to_string(ctx.stage)), ctx.lead_score,
              sql_opt_time(ctx.last_seen_at), ctx.metrics_json, ctx.attributes_json,
              std::int64_t{1}, sql_time(ctx.updated_at)});
  }
  sql += " ON CONFLICT (consumer_id) DO UPDATE SET ";
  if (stage == ConsumerRepo::StageWrite::set) sql += "stage = excluded.stage, ";
  sql +=
      "lead_score = excluded.lead_score, last_seen_at = excluded.last_seen_at, "
      "metrics = excluded.metrics, attributes = excluded.attributes, "
      "version = c.version + 1, updated_at = excluded.updated_at "
      "WHERE c.creator_id = excluded.creator_id";
  return sql;
}

}  // namespace

Result<void> SqlConsumerRepo::put_contexts(const std::vector<ConsumerContext>& contexts) {
  return write_contexts(contexts, true, StageWrite::set);
}

Result<void> SqlConsumerRepo::put_locked_contexts(const std::vector<ConsumerContext>& contexts,
                                                  StageWrite stage) {
  return write_contexts(contexts, false, stage);
}

Result<void> SqlConsumerRepo::write_contexts(const std::vector<ConsumerContext>& contexts,
                                             bool checked, StageWrite stage) {
  for (const auto& ctx : contexts) {
    if (!valid_id(ctx.consumer_id) || !valid_id(ctx.creator_id)) return not_found("consumer");
  }
  for (size_t start = 0; start < contexts.size(); start += kRowsPerStatement) {
    const size_t end = std::min(contexts.size(), start + kRowsPerStatement);
    SqlParams p;
    const std::string sql = upsert_contexts(contexts, start, end, stage, p);
    if (!checked) {
      CA_CHECK(run_later(s_, sql, p));
      continue;
    }
    auto r = s_.query(sql, p);
    // A consumer that is not there would be inserted: its foreign key refuses it.
    if (!r && r.error().code == ErrorCode::invalid_argument) return not_found("consumer");
    if (!r) return std::move(r).error();
    if (r->affected != static_cast<std::int64_t>(end - start)) return not_found("consumer");
  }
  return ok();
}

Result<void> SqlConsumerRepo::put_context(const ConsumerContext& ctx) {
  if (!valid_id(ctx.consumer_id)) return not_found("consumer");
  SqlParams p{ctx.consumer_id,         std::string(to_string(ctx.stage)),
              ctx.lead_score,          sql_opt_time(ctx.last_seen_at),
              ctx.metrics_json,        ctx.attributes_json,
              sql_time(ctx.updated_at)};
  std::string sql =
      "UPDATE consumer_context SET stage = $2, lead_score = $3, last_seen_at = $4, "
      "metrics = $5, attributes = $6, version = version + 1, updated_at = $7 "
      "WHERE consumer_id = $1";
  // Guards against writing one creator's context onto another's consumer.
  if (!ctx.creator_id.empty()) {
    sql += tenant_clause(Tenant::creator(ctx.creator_id), "creator_id", p);
  }
  return run_one(s_, sql, p, "consumer");
}

}  // namespace ca::store
