#include "ingest/ingest_service.hpp"

#include <map>
#include <unordered_map>

#include "context/rules.hpp"
#include "store/event_repo.hpp"

namespace ca::ingest {

namespace {

// Concurrent first events of one new consumer, or two requests with one key, race to
// insert; the loser's transaction fails with a uniqueness conflict and a re-run finds
// the winner's row.
constexpr int kConflictRetries = 2;

// Finds the consumer an event names, or creates it from the identity given.
Result<std::optional<std::string>> resolve_consumer(store::Tx& tx, const std::string& creator_id,
                                                    const ConsumerRef& ref, IdGenerator& ids,
                                                    Timestamp now) {
  if (ref.id) {
    auto c = tx.consumers().get(Tenant::creator(creator_id), *ref.id);
    if (!c) return Error{ErrorCode::not_found, "consumer not found", "consumer_id"};
    return std::optional<std::string>{c->id};
  }
  if (ref.empty()) return std::optional<std::string>{};
  const std::pair<store::ConsumerKey, const std::optional<std::string>*> keys[] = {
      {store::ConsumerKey::external_id, &ref.external_id},
      {store::ConsumerKey::email, &ref.email},
      {store::ConsumerKey::whatsapp, &ref.whatsapp}};
  for (const auto& [key, value] : keys) {
    if (!*value) continue;
    auto found = tx.consumers().find_by(creator_id, key, **value);
    if (!found) return std::move(found).error();
    if (*found) return std::optional<std::string>{(*found)->id};
  }
  Consumer c;
  c.id = ids.next();
  c.creator_id = creator_id;
  c.name = ref.name;
  c.email = ref.email;
  c.whatsapp = ref.whatsapp;
  c.external_id = ref.external_id;
  c.timezone = ref.timezone;
  c.created_at = c.updated_at = now;
  CA_CHECK(tx.consumers().insert(c));
  return std::optional<std::string>{c.id};
}

Event make_event(const std::string& creator_id, const std::optional<std::string>& consumer_id,
                 const EventRequest& req, IdGenerator& ids, Timestamp now) {
  Event e;
  e.id = req.key_is_event_id ? *req.idempotency_key : ids.next();
  e.creator_id = creator_id;
  e.consumer_id = consumer_id;
  e.type = req.type;
  e.source = req.source;
  e.occurred_at = req.occurred_at.value_or(now);
  e.received_at = now;
  e.payload_json = req.payload_json;
  e.idempotency_key = req.idempotency_key;
  e.request_hash = req.fingerprint;
  return e;
}

Result<void> update_context(store::Tx& tx, const Event& e) {
  if (!e.consumer_id) return ok();
  auto before = tx.consumers().get_context_for_update(e.creator_id, *e.consumer_id);
  if (!before) return std::move(before).error();
  return tx.consumers().put_context(context::apply_event(*before, e));
}

Error key_reused() {
  return Error::conflict(
      "this idempotency key was already used with a different request body; use a new key",
      "id");
}

}  // namespace

Result<std::string> IngestService::creator_for(const Tenant& tenant, const EventRequest& req) {
  if (!tenant.is_admin()) {
    if (req.creator_id && *req.creator_id != *tenant.creator_id) {
      return Error{ErrorCode::not_found, "creator not found", "creator_id"};
    }
    return *tenant.creator_id;
  }
  if (!req.creator_id) {
    return Error::invalid("creator_id", "creator_id is required with an admin API key");
  }
  auto c = store::in_tx(store_, store::TxMode::read, [&](store::Tx& tx) {
    return tx.creators().get(Tenant::admin(), *req.creator_id);
  });
  if (!c) return Error{ErrorCode::not_found, "creator not found", "creator_id"};
  return c->id;
}

Result<IngestOutcome> IngestService::ingest(const Tenant& tenant, const EventRequest& req) {
  auto creator_id = creator_for(tenant, req);
  if (!creator_id) return std::move(creator_id).error();
  Result<IngestOutcome> out = Error::internal("not attempted");
  for (int attempt = 0; attempt <= kConflictRetries; ++attempt) {
    out = ingest_once(*creator_id, req);
    if (out.ok() || out.error().code != ErrorCode::conflict || out.error().field == "id") break;
  }
  return out;
}

Result<IngestOutcome> IngestService::ingest_once(const std::string& creator_id,
                                                 const EventRequest& req) {
  return store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<IngestOutcome> {
    if (req.idempotency_key) {
      auto existing = tx.events().find_by_key(creator_id, *req.idempotency_key);
      if (!existing) return std::move(existing).error();
      if (*existing) {
        if ((*existing)->request_hash != req.fingerprint) return key_reused();
        return IngestOutcome{(*existing)->id, true};
      }
    }
    Timestamp now = clock_.now();
    auto consumer = resolve_consumer(tx, creator_id, req.consumer, ids_, now);
    if (!consumer) return std::move(consumer).error();
    Event e = make_event(creator_id, *consumer, req, ids_, now);
    if (auto r = tx.events().insert(e); !r) {
      // A UUID key that another creator already used as an event id.
      if (r.error().code == ErrorCode::conflict && req.key_is_event_id) {
        return Error::conflict("this event id is already taken; use a new id", "id");
      }
      return std::move(r).error();
    }
    CA_CHECK(update_context(tx, e));
    return IngestOutcome{e.id, false};
  });
}

std::vector<Result<IngestOutcome>> IngestService::ingest_batch(
    const Tenant& tenant, const std::vector<EventRequest>& reqs) {
  std::vector<Result<IngestOutcome>> results(reqs.size(), Error::internal("not attempted"));
  // Resolve creators first; requests that fail here are answered at once.
  std::vector<std::string> creators(reqs.size());
  std::vector<size_t> todo;
  for (size_t i = 0; i < reqs.size(); ++i) {
    auto c = creator_for(tenant, reqs[i]);
    if (!c) {
      results[i] = std::move(c).error();
    } else {
      creators[i] = std::move(*c);
      todo.push_back(i);
    }
  }
  if (todo.empty()) return results;

  auto batch = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
    Timestamp now = clock_.now();
    // Keys seen earlier in this batch: a repeat is a duplicate of that event (or a clash).
    std::map<std::pair<std::string, std::string>, size_t> first_by_key;
    std::map<std::string, std::vector<std::string>> keys_by_creator;
    for (size_t i : todo) {
      if (reqs[i].idempotency_key) keys_by_creator[creators[i]].push_back(*reqs[i].idempotency_key);
    }
    std::map<std::pair<std::string, std::string>, Event> existing;
    for (const auto& [creator, keys] : keys_by_creator) {
      auto found = tx.events().find_by_keys(creator, keys);
      if (!found) return std::move(found).error();
      for (auto& e : *found) existing.emplace(std::make_pair(creator, *e.idempotency_key), e);
    }
    std::vector<Event> fresh;
    std::vector<size_t> fresh_index;
    for (size_t i : todo) {
      const EventRequest& req = reqs[i];
      if (req.idempotency_key) {
        auto k = std::make_pair(creators[i], *req.idempotency_key);
        if (auto it = existing.find(k); it != existing.end()) {
          results[i] = it->second.request_hash == req.fingerprint
                           ? Result<IngestOutcome>(IngestOutcome{it->second.id, true})
                           : Result<IngestOutcome>(key_reused());
          continue;
        }
        if (auto it = first_by_key.find(k); it != first_by_key.end()) {
          const Event& first = fresh[it->second];
          results[i] = first.request_hash == req.fingerprint
                           ? Result<IngestOutcome>(IngestOutcome{first.id, true})
                           : Result<IngestOutcome>(key_reused());
          continue;
        }
        first_by_key.emplace(k, fresh.size());
      }
      auto consumer = resolve_consumer(tx, creators[i], req.consumer, ids_, now);
      if (!consumer) {
        if (consumer.error().code != ErrorCode::not_found) return std::move(consumer).error();
        results[i] = std::move(consumer).error();  // that event alone is refused
        continue;
      }
      fresh.push_back(make_event(creators[i], *consumer, req, ids_, now));
      fresh_index.push_back(i);
    }
    CA_CHECK(tx.events().insert_many(fresh));
    for (size_t j = 0; j < fresh.size(); ++j) {
      CA_CHECK(update_context(tx, fresh[j]));
      results[fresh_index[j]] = IngestOutcome{fresh[j].id, false};
    }
    return ok();
  });
  if (!batch) {
    // Something in the batch broke the shared transaction (a race, a taken id):
    // fall back to one transaction per event so the good ones still land.
    for (size_t i : todo) results[i] = ingest(tenant, reqs[i]);
  }
  return results;
}

}  // namespace ca::ingest
