#include <algorithm>
#include <unordered_map>

#include "domain/pii.hpp"
#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kSelect =
    "SELECT c.id, c.creator_id, c.name, c.email, c.whatsapp, c.external_id, c.timezone, "
    "c.created_at, c.updated_at FROM consumers c";

Consumer read_consumer(const SqlRow& r) {
  Consumer c;
  c.id = r.text(0);
  c.creator_id = r.text(1);
  c.name = r.opt_text(2);
  c.email = r.opt_text(3);
  c.whatsapp = r.opt_text(4);
  c.external_id = r.opt_text(5);
  c.timezone = r.opt_text(6);
  c.created_at = r.time(7);
  c.updated_at = r.time(8);
  return c;
}

const char* key_column(ConsumerKey key) {
  switch (key) {
    case ConsumerKey::id: return "id";
    case ConsumerKey::external_id: return "external_id";
    case ConsumerKey::email: return "email";
    case ConsumerKey::whatsapp: return "whatsapp";
  }
  return "external_id";
}

// `%`, `_` and the escape character itself match literally.
std::string like_pattern(std::string_view q) {
  std::string out = "%";
  for (char ch : q) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '%';
  return out;
}

}  // namespace

Result<void> SqlConsumerRepo::insert(const Consumer& c) {
  return insert_many({c}, NewContexts::insert);
}

Result<void> SqlConsumerRepo::insert_many(const std::vector<Consumer>& consumers,
                                          NewContexts contexts) {
  for (const auto& c : consumers) {
    if (!valid_id(c.id)) return Error::invalid("id", "id must be a UUID");
    if (!valid_id(c.creator_id)) return Error::invalid("creator_id", "creator_id must be a UUID");
  }
  for (size_t start = 0; start < consumers.size(); start += kRowsPerStatement) {
    const size_t end = std::min(consumers.size(), start + kRowsPerStatement);
    SqlParams p;
    std::string sql =
        "INSERT INTO consumers (id, creator_id, name, email, whatsapp, external_id, timezone, "
        "created_at, updated_at) VALUES ";
    SqlParams cp;
    std::string context_sql =
        "INSERT INTO consumer_context (consumer_id, creator_id, stage, lead_score, metrics, "
        "attributes, version, updated_at) VALUES ";
    for (size_t i = start; i < end; ++i) {
      const Consumer& c = consumers[i];
      if (i > start) {
        sql += ", ";
        context_sql += ", ";
      }
      bind_row(p, sql,
               {c.id, c.creator_id, sql_opt(c.name), sql_opt(c.email), sql_opt(c.whatsapp),
                sql_opt(c.external_id), sql_opt(c.timezone), sql_time(c.created_at),
                sql_time(c.updated_at)});
      bind_row(cp, context_sql,
               {c.id, c.creator_id, std::string("new"), 0.0, std::string("{}"), std::string("{}"),
                std::int64_t{1}, sql_time(c.created_at)});
    }
    CA_CHECK(run_later(s_, sql, p));
    if (contexts == NewContexts::insert) CA_CHECK(run_later(s_, context_sql, cp));
  }
  for (const auto& c : consumers) {
    for (const auto& [channel, consent] : c.consent) {
      CA_CHECK(upsert_consent(c.id, c.creator_id, channel, consent));
    }
  }
  return ok();
}

Result<std::vector<std::pair<std::string, std::string>>> SqlConsumerRepo::find_ids_by(
    const std::string& creator_id, ConsumerKey key, const std::vector<std::string>& values) {
  std::vector<std::pair<std::string, std::string>> found;
  if (!valid_id(creator_id)) return found;
  std::vector<std::string> wanted;
  wanted.reserve(values.size());
  for (const auto& v : values) {
    if (key != ConsumerKey::id || valid_id(v)) wanted.push_back(v);  // a bad uuid finds nobody
  }
  const std::string column = key_column(key);
  for (size_t start = 0; start < wanted.size(); start += kRowsPerStatement) {
    const size_t end = std::min(wanted.size(), start + kRowsPerStatement);
    SqlParams p{creator_id};
    // PostgreSQL needs "IS NOT NULL" to use the partial unique index (it cannot prove it
    // from an IN list of parameters); SQLite infers it from the IN, and given the explicit
    // term it range-scans every consumer of the creator instead.
    std::string sql = "SELECT " + column + ", id FROM consumers WHERE creator_id = $1 AND ";
    if (s_.dialect() == Dialect::postgres) sql += column + " IS NOT NULL AND ";
    sql += column + " IN ";
    sql += bind_in(p, wanted, start, end);
    auto r = s_.query(sql, p);
    if (!r) return std::move(r).error();
    for (const auto& row : r->rows) found.emplace_back(row.text(0), row.text(1));
  }
  return found;
}

Result<Consumer> SqlConsumerRepo::get(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("consumer");
  SqlParams p{id};
  auto r =
      s_.query(std::string(kSelect) + " WHERE c.id = $1" + tenant_clause(t, "c.creator_id", p), p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("consumer");
  std::vector<Consumer> one{read_consumer(r->rows.front())};
  CA_CHECK(load_consents(one));
  return std::move(one.front());
}

Result<std::vector<Consumer>> SqlConsumerRepo::get_many(const std::vector<std::string>& ids) {
  auto rows = query_by_ids(s_, std::string(kSelect) + " WHERE ", "c.id", ids);
  if (!rows) return std::move(rows).error();
  std::vector<Consumer> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) out.push_back(read_consumer(row));
  CA_CHECK(load_consents(out));
  return out;
}

Result<std::optional<Consumer>> SqlConsumerRepo::find_by(const std::string& creator_id,
                                                         ConsumerKey key,
                                                         const std::string& value) {
  if (!valid_id(creator_id) || (key == ConsumerKey::id && !valid_id(value))) {
    return std::optional<Consumer>{};
  }
  auto r =
      s_.query(std::string(kSelect) + " WHERE c.creator_id = $1 AND c." + key_column(key) + " = $2",
               {creator_id, value});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return std::optional<Consumer>{};
  std::vector<Consumer> one{read_consumer(r->rows.front())};
  CA_CHECK(load_consents(one));
  return std::optional<Consumer>{std::move(one.front())};
}

Result<Page<Consumer>> SqlConsumerRepo::list(const Tenant& t, const ConsumerFilter& f,
                                             const PageRequest& page) {
  SqlParams p;
  std::string sql = kSelect;
  if (f.stage) sql += " JOIN consumer_context x ON x.consumer_id = c.id";
  sql += " WHERE 1 = 1" + tenant_clause(t, "c.creator_id", p);
  if (f.stage) sql += " AND x.stage = " + bind(p, std::string(to_string(*f.stage)));
  if (f.q && !f.q->empty()) {
    // The one dialect branch of the repositories: SQLite's LIKE is already
    // case-insensitive (ASCII); PostgreSQL needs ILIKE.
    const char* like = s_.dialect() == Dialect::postgres ? " ILIKE " : " LIKE ";
    std::string q = bind(p, like_pattern(*f.q));
    std::string any;
    for (const char* col : {"c.name", "c.email", "c.whatsapp", "c.external_id"}) {
      if (!any.empty()) any += " OR ";
      any += std::string(col) + like + q + " ESCAPE '\\'";
    }
    sql += " AND (" + any + ")";
  }
  auto result = query_page(s_, std::move(sql), p, page, read_consumer, "c.id");
  if (!result) return result;
  CA_CHECK(load_consents(result->items));
  return result;
}

Result<void> SqlConsumerRepo::update(const Tenant& t, const Consumer& c) {
  if (!valid_id(c.id)) return not_found("consumer");
  SqlParams p{c.id,
              sql_opt(c.name),
              sql_opt(c.email),
              sql_opt(c.whatsapp),
              sql_opt(c.external_id),
              sql_opt(c.timezone),
              sql_time(c.updated_at)};
  std::string sql =
      "UPDATE consumers SET name = $2, email = $3, whatsapp = $4, external_id = $5, "
      "timezone = $6, updated_at = $7 WHERE id = $1" +
      tenant_clause(t, "creator_id", p);
  return run_one(s_, sql, p, "consumer");
}

Result<void> SqlConsumerRepo::remove(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("consumer");
  SqlParams p{id};
  auto found =
      s_.query("SELECT id FROM consumers WHERE id = $1" + tenant_clause(t, "creator_id", p), p);
  if (!found) return std::move(found).error();
  if (found->rows.empty()) return not_found("consumer");
  // Rows that outlive the consumer (events for analytics, decisions, planned messages) keep
  // no personal data: payloads are scrubbed, message texts and rendered results dropped.
  auto events = s_.query("SELECT id, payload FROM events WHERE consumer_id = $1", {id});
  if (!events) return std::move(events).error();
  for (const auto& row : events->rows) {
    std::string scrubbed = scrub_personal_data(row.text(1));
    if (scrubbed == row.text(1)) continue;
    CA_CHECK(s_.query("UPDATE events SET payload = $1 WHERE id = $2", {scrubbed, row.text(0)}));
  }
  CA_CHECK(s_.query(
      "UPDATE actions SET message = $1, template = NULL WHERE consumer_id = $2 AND message IS "
      "NOT NULL",
      {std::string(kErased), id}));
  CA_CHECK(s_.query("UPDATE agent_invocations SET result = $1 WHERE consumer_id = $2",
                    {std::string("{}"), id}));
  // consumer_context, consumer_consents and the consumer's jobs go with it (ON DELETE
  // CASCADE); events, invocations and actions keep their rows with consumer_id NULL.
  return run_one(s_, "DELETE FROM consumers WHERE id = $1", {id}, "consumer");
}

Result<void> SqlConsumerRepo::load_consents(std::vector<Consumer>& consumers) {
  std::unordered_map<std::string, Consumer*> by_id;
  std::vector<std::string> ids;
  ids.reserve(consumers.size());
  for (auto& c : consumers) {
    by_id.emplace(c.id, &c);
    ids.push_back(c.id);
  }
  auto rows = query_by_ids(s_,
                           "SELECT consumer_id, channel, granted, source, updated_at "
                           "FROM consumer_consents WHERE ",
                           "consumer_id", ids);
  if (!rows) return std::move(rows).error();
  for (const auto& row : *rows) {
    auto it = by_id.find(row.text(0));
    auto channel = parse_channel(row.text(1));
    if (it == by_id.end() || !channel) continue;
    it->second->consent[*channel] = Consent{row.boolean(2), row.text(3), row.time(4)};
  }
  return ok();
}

}  // namespace ca::store
