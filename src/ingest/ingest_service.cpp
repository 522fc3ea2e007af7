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

Error key_reused() {
  return Error::conflict(
      "this idempotency key was already used with a different request body; use a new key", "id");
}

Result<IngestOutcome> replay_of(const Event& stored, const EventRequest& req) {
  if (stored.request_hash != req.fingerprint) return key_reused();
  return IngestOutcome{stored.id, true};
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
  return ingest_item(IngestItem{*creator_id, &req});
}

Result<IngestOutcome> IngestService::ingest_item(const IngestItem& item) {
  Error last = Error::internal("not attempted");
  for (int attempt = 0; attempt <= kConflictRetries; ++attempt) {
    auto r = store_items({item});
    if (r) return std::move(r->front());
    last = std::move(r).error();
    if (last.code != ErrorCode::conflict) break;
  }
  // Still a clash after re-reading: a UUID event id that another creator already used.
  if (last.code == ErrorCode::conflict && item.request->key_is_event_id) {
    return Error::conflict("this event id is already taken; use a new id", "id");
  }
  return last;
}

std::vector<Result<IngestOutcome>> IngestService::ingest_batch(
    const Tenant& tenant, const std::vector<EventRequest>& reqs) {
  std::vector<Result<IngestOutcome>> results(reqs.size(), Error::internal("not attempted"));
  std::vector<IngestItem> items;
  std::vector<size_t> where;
  for (size_t i = 0; i < reqs.size(); ++i) {
    auto c = creator_for(tenant, reqs[i]);
    if (!c) {
      results[i] = std::move(c).error();
      continue;
    }
    items.push_back(IngestItem{std::move(*c), &reqs[i]});
    where.push_back(i);
  }
  auto stored = ingest_items(items);
  for (size_t j = 0; j < stored.size(); ++j) results[where[j]] = std::move(stored[j]);
  return results;
}

std::vector<Result<IngestOutcome>> IngestService::ingest_items(
    const std::vector<IngestItem>& items) {
  if (items.empty()) return {};
  auto together = store_items(items);
  if (together) return std::move(*together);
  // Something broke the shared transaction (a race, a taken id): one transaction per
  // event so the good ones still land.
  std::vector<Result<IngestOutcome>> results;
  results.reserve(items.size());
  for (const auto& item : items) results.push_back(ingest_item(item));
  return results;
}

Result<std::vector<Result<IngestOutcome>>> IngestService::store_items(
    const std::vector<IngestItem>& items) {
  std::vector<Result<IngestOutcome>> results(items.size(), Error::internal("not attempted"));
  auto done = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
    const Timestamp now = clock_.now();
    // Replays of stored events, found with one query per creator.
    std::map<std::string, std::vector<std::string>> keys_by_creator;
    for (const auto& item : items) {
      if (item.request->idempotency_key) {
        keys_by_creator[item.creator_id].push_back(*item.request->idempotency_key);
      }
    }
    std::map<std::pair<std::string, std::string>, Event> stored;
    for (const auto& [creator, keys] : keys_by_creator) {
      auto found = tx.events().find_by_keys(creator, keys);
      if (!found) return std::move(found).error();
      for (auto& e : *found) stored.emplace(std::make_pair(creator, *e.idempotency_key), e);
    }

    std::vector<Event> fresh;
    std::vector<size_t> fresh_item;
    std::map<std::pair<std::string, std::string>, size_t> fresh_by_key;
    for (size_t i = 0; i < items.size(); ++i) {
      const EventRequest& req = *items[i].request;
      if (req.idempotency_key) {
        auto key = std::make_pair(items[i].creator_id, *req.idempotency_key);
        if (auto it = stored.find(key); it != stored.end()) {
          results[i] = replay_of(it->second, req);
          continue;
        }
        // Repeated within this transaction: the first one is the original.
        if (auto it = fresh_by_key.find(key); it != fresh_by_key.end()) {
          results[i] = replay_of(fresh[it->second], req);
          continue;
        }
        fresh_by_key.emplace(key, fresh.size());
      }
      auto consumer = resolve_consumer(tx, items[i].creator_id, req.consumer, ids_, now);
      if (!consumer) {
        if (consumer.error().code != ErrorCode::not_found) return std::move(consumer).error();
        results[i] = std::move(consumer).error();  // that event alone is refused
        continue;
      }
      fresh.push_back(make_event(items[i].creator_id, *consumer, req, ids_, now));
      fresh_item.push_back(i);
    }
    CA_CHECK(tx.events().insert_many(fresh));

    // Each consumer's context is read once (locked), advanced event by event in arrival
    // order, and written once.
    std::unordered_map<std::string, ConsumerContext> contexts;
    std::vector<StoredEvent> stored_events;
    stored_events.reserve(fresh.size());
    for (size_t j = 0; j < fresh.size(); ++j) {
      const Event& e = fresh[j];
      StoredEvent se{&e, std::nullopt, std::nullopt};
      if (e.consumer_id) {
        auto it = contexts.find(*e.consumer_id);
        if (it == contexts.end()) {
          auto loaded = tx.consumers().get_context_for_update(e.creator_id, *e.consumer_id);
          if (!loaded) return std::move(loaded).error();
          it = contexts.emplace(*e.consumer_id, std::move(*loaded)).first;
        }
        se.before = it->second;
        it->second = context::apply_event(*se.before, e);
        se.after = it->second;
      }
      stored_events.push_back(std::move(se));
      results[fresh_item[j]] = IngestOutcome{e.id, false};
    }
    if (sink_ && !stored_events.empty()) CA_CHECK(sink_->on_events(tx, stored_events));
    for (const auto& [id, ctx] : contexts) CA_CHECK(tx.consumers().put_context(ctx));
    return ok();
  });
  if (!done) return std::move(done).error();
  if (sink_) sink_->after_commit();
  return results;
}

}  // namespace ca::ingest
