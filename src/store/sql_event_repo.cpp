#include "store/sql_event_repo.hpp"

#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kColumns =
    "id, creator_id, consumer_id, type, source, occurred_at, received_at, payload, "
    "idempotency_key, request_hash";
constexpr int kColumnCount = 10;
// SQLite allows 32,766 bound parameters per statement; PostgreSQL 65,535.

Event read_event(const SqlRow& r) {
  Event e;
  e.id = r.text(0);
  e.creator_id = r.text(1);
  e.consumer_id = r.opt_text(2);
  e.type = r.text(3);
  e.source = r.text(4);
  e.occurred_at = r.time(5);
  e.received_at = r.time(6);
  e.payload_json = r.text(7);
  e.idempotency_key = r.opt_text(8);
  e.request_hash = r.text(9);  // empty for a keyless event (stored as NULL)
  return e;
}

void bind_event(SqlParams& p, const Event& e, std::string& sql) {
  sql += "(";
  sql += bind(p, e.id) + ", ";
  sql += bind(p, e.creator_id) + ", ";
  sql += bind(p, sql_opt(e.consumer_id)) + ", ";
  sql += bind(p, e.type) + ", ";
  sql += bind(p, e.source) + ", ";
  sql += bind(p, sql_time(e.occurred_at)) + ", ";
  sql += bind(p, sql_time(e.received_at)) + ", ";
  sql += bind(p, e.payload_json) + ", ";
  sql += bind(p, sql_opt(e.idempotency_key)) + ", ";
  // Only a keyed event can be replayed, so only its fingerprint is kept.
  sql += bind(p, e.request_hash.empty() ? SqlValue{} : SqlValue{e.request_hash}) + ")";
}

std::vector<Event> read_all(const SqlResult& r) {
  std::vector<Event> out;
  out.reserve(r.rows.size());
  for (const auto& row : r.rows) out.push_back(read_event(row));
  return out;
}

}  // namespace

Result<void> SqlEventRepo::insert(const Event& e) { return insert_many({e}); }

Result<void> SqlEventRepo::insert_many(const std::vector<Event>& events) {
  for (size_t start = 0; start < events.size(); start += kRowsPerStatement) {
    const size_t end = std::min(events.size(), start + kRowsPerStatement);
    SqlParams p;
    p.reserve((end - start) * kColumnCount);
    std::string sql = std::string("INSERT INTO events (") + kColumns + ") VALUES ";
    for (size_t i = start; i < end; ++i) {
      if (!valid_id(events[i].id) || !valid_id(events[i].creator_id) ||
          (events[i].consumer_id && !valid_id(*events[i].consumer_id))) {
        return Error::invalid("id", "event ids must be UUIDs");
      }
      if (i > start) sql += ", ";
      bind_event(p, events[i], sql);
    }
    CA_CHECK(run_later(s_, sql, p));
  }
  return ok();
}

Result<std::optional<Event>> SqlEventRepo::find_by_key(const std::string& creator_id,
                                                       const std::string& idempotency_key) {
  if (!valid_id(creator_id)) return std::optional<Event>{};
  auto r = s_.query(std::string("SELECT ") + kColumns +
                        " FROM events WHERE creator_id = $1 AND idempotency_key = $2",
                    {creator_id, idempotency_key});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return std::optional<Event>{};
  return std::optional<Event>{read_event(r->rows.front())};
}

Result<std::vector<Event>> SqlEventRepo::find_by_keys(const std::string& creator_id,
                                                      const std::vector<std::string>& keys) {
  std::vector<Event> found;
  if (keys.empty() || !valid_id(creator_id)) return found;
  for (size_t start = 0; start < keys.size(); start += kRowsPerStatement) {
    const size_t end = std::min(keys.size(), start + kRowsPerStatement);
    SqlParams p{creator_id};
    const std::string sql = std::string("SELECT ") + kColumns +
                            " FROM events WHERE creator_id = $1 AND idempotency_key IN " +
                            bind_in(p, keys, start, end);
    auto r = s_.query(sql, p);
    if (!r) return std::move(r).error();
    for (auto& e : read_all(*r)) found.push_back(std::move(e));
  }
  return found;
}

Result<Event> SqlEventRepo::get(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("event");
  SqlParams p{id};
  auto r = s_.query(std::string("SELECT ") + kColumns + " FROM events WHERE id = $1" +
                        tenant_clause(t, "creator_id", p),
                    p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("event");
  return read_event(r->rows.front());
}

Result<std::vector<Event>> SqlEventRepo::get_many(const std::vector<std::string>& ids) {
  auto rows =
      query_by_ids(s_, std::string("SELECT ") + kColumns + " FROM events WHERE ", "id", ids);
  if (!rows) return std::move(rows).error();
  std::vector<Event> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) out.push_back(read_event(row));
  return out;
}

Result<Page<Event>> SqlEventRepo::list(const Tenant& t, const EventFilter& f,
                                       const PageRequest& page) {
  SqlParams p;
  std::string sql = std::string("SELECT ") + kColumns + " FROM events WHERE 1 = 1" +
                    tenant_clause(t, "creator_id", p);
  if (f.consumer_id) {
    if (!valid_id(*f.consumer_id)) return Page<Event>{};
    sql += " AND consumer_id = " + bind(p, *f.consumer_id);
  }
  if (f.type) sql += " AND type = " + bind(p, *f.type);
  if (f.start) sql += " AND occurred_at >= " + bind(p, sql_time(*f.start));
  if (f.end) sql += " AND occurred_at < " + bind(p, sql_time(*f.end));
  return query_page(s_, std::move(sql), p, page, read_event);
}

Result<Page<Event>> SqlEventRepo::timeline(const Tenant& t, const std::string& consumer_id,
                                           const PageRequest& page) {
  if (!valid_id(consumer_id)) return Page<Event>{};
  SqlParams p{consumer_id};
  std::string sql = std::string("SELECT ") + kColumns + " FROM events WHERE consumer_id = $1" +
                    tenant_clause(t, "creator_id", p);
  if (page.after_id) {
    if (!valid_id(*page.after_id)) return Error::invalid("cursor", "cursor is not valid");
    // Keyset on (occurred_at, id): the cursor event's own time bounds the next page.
    std::string c = bind(p, *page.after_id);
    sql += " AND (occurred_at, id) < (SELECT occurred_at, id FROM events WHERE id = " + c + ")";
  }
  const int limit = page_limit(page);
  sql += " ORDER BY occurred_at DESC, id DESC LIMIT " + bind(p, std::int64_t{limit + 1});
  auto r = s_.query(sql, p);
  if (!r) return std::move(r).error();
  return make_page(read_all(*r), limit);
}

}  // namespace ca::store
