#include "ingest/ingest_service.hpp"

#include <map>
#include <unordered_map>

#include "context/rules.hpp"
#include "ingest/consumer_resolution.hpp"
#include "store/event_repo.hpp"

namespace ca::ingest {

namespace {

// Concurrent first events of one new consumer, or two requests with one key, race to
// insert; the loser's transaction fails with a uniqueness conflict and a re-run finds
// the winner's row.
constexpr int kConflictRetries = 2;

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

// Writes the advanced contexts. Most events leave the stage as it was read: those contexts
// are written without it, so its index is not touched (ConsumerRepo::StageWrite).
Result<void> write_contexts(store::Tx& tx,
                            const std::unordered_map<std::string, context::ContextState>& contexts,
                            const std::unordered_map<std::string, Stage>& stage_read) {
  using StageWrite = store::ConsumerRepo::StageWrite;
  std::vector<ConsumerContext> stage_set, stage_kept;
  for (const auto& [id, state] : contexts) {
    ConsumerContext ctx = context::to_context(state);
    auto read = stage_read.find(id);
    const bool kept = read != stage_read.end() && read->second == ctx.stage;
    (kept ? stage_kept : stage_set).push_back(std::move(ctx));
  }
  if (!stage_set.empty()) CA_CHECK(tx.consumers().put_locked_contexts(stage_set, StageWrite::set));
  if (!stage_kept.empty()) {
    CA_CHECK(tx.consumers().put_locked_contexts(stage_kept, StageWrite::keep));
  }
  return ok();
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

Result<IngestOutcome> IngestService::ingest_one(const IngestItem& item, bool first_try) {
  Error last = Error::internal("not attempted");
  for (int attempt = 0; attempt <= kConflictRetries; ++attempt) {
    auto r = store_items({item}, first_try && attempt == 0);
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

BatchItems IngestService::batch_items(const Tenant& tenant, const std::vector<EventRequest>& reqs) {
  BatchItems b;
  b.results.assign(reqs.size(), Error::internal("not attempted"));
  for (size_t i = 0; i < reqs.size(); ++i) {
    auto c = creator_for(tenant, reqs[i]);
    if (!c) {
      b.results[i] = std::move(c).error();
      continue;
    }
    b.items.push_back(IngestItem{std::move(*c), &reqs[i]});
    b.at.push_back(i);
  }
  return b;
}

std::vector<Result<IngestOutcome>> IngestService::ingest_batch(
    const Tenant& tenant, const std::vector<EventRequest>& reqs) {
  BatchItems b = batch_items(tenant, reqs);
  auto stored = ingest_items(b.items);
  return std::move(b).with(std::move(stored));
}

std::vector<Result<IngestOutcome>> IngestService::ingest_items(
    const std::vector<IngestItem>& items, std::span<const std::size_t> requests) {
  if (items.empty()) return {};
  auto together = store_items(items, true);
  if (together) return std::move(*together);
  // Something broke the shared transaction (a race, a taken id): each request alone, then
  // one transaction per event of a request that still fails, so the good ones land.
  std::vector<Result<IngestOutcome>> results;
  results.reserve(items.size());
  auto one_by_one = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) results.push_back(ingest_one(items[i], false));
  };
  std::size_t total = 0;
  for (std::size_t n : requests) total += n;
  if (requests.size() < 2 || total != items.size()) {
    one_by_one(0, items.size());
    return results;
  }
  std::size_t at = 0;
  for (std::size_t n : requests) {
    const auto first = items.begin() + static_cast<std::ptrdiff_t>(at);
    auto alone =
        store_items(std::vector<IngestItem>(first, first + static_cast<std::ptrdiff_t>(n)), false);
    if (alone) {
      for (auto& r : *alone) results.push_back(std::move(r));
    } else {
      one_by_one(at, at + n);
    }
    at += n;
  }
  return results;
}

Result<std::vector<Result<IngestOutcome>>> IngestService::store_items(
    const std::vector<IngestItem>& items, bool first_try) {
  std::vector<Result<IngestOutcome>> results(items.size(), Error::internal("not attempted"));
  std::unique_ptr<EventSink::Prepared> prepared;  // the sink's, until after the commit
  auto done = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
    prepared.reset();
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

    // Not replays: these resolve their consumers together and become events.
    std::vector<size_t> candidates;
    std::vector<const IngestItem*> candidate_items;
    std::map<std::pair<std::string, std::string>, size_t> first_with_key;
    for (size_t i = 0; i < items.size(); ++i) {
      const EventRequest& req = *items[i].request;
      if (req.idempotency_key) {
        auto key = std::make_pair(items[i].creator_id, *req.idempotency_key);
        if (auto it = stored.find(key); it != stored.end()) {
          results[i] = replay_of(it->second, req);
          continue;
        }
        if (!first_with_key.emplace(key, i).second) continue;  // a repeat: resolved below
      }
      candidates.push_back(i);
      candidate_items.push_back(&items[i]);
    }
    auto resolved = resolve_consumers(tx, candidate_items, ids_, now);
    if (!resolved) return std::move(resolved).error();
    auto& consumers = resolved->consumers;

    std::vector<Event> fresh;
    fresh.reserve(candidates.size());
    std::vector<size_t> fresh_item;
    std::map<size_t, size_t> fresh_of_item;
    for (size_t c = 0; c < candidates.size(); ++c) {
      const size_t i = candidates[c];
      auto& consumer = consumers[c];
      if (!consumer) {
        results[i] = std::move(consumer).error();  // that event alone is refused
        continue;
      }
      fresh_of_item[i] = fresh.size();
      fresh.push_back(make_event(items[i].creator_id, *consumer, *items[i].request, ids_, now));
      fresh_item.push_back(i);
    }
    // Repeated within this transaction: the first one is the original.
    for (size_t i = 0; i < items.size(); ++i) {
      const EventRequest& req = *items[i].request;
      if (!req.idempotency_key || stored.count({items[i].creator_id, *req.idempotency_key})) {
        continue;
      }
      const size_t first = first_with_key.at({items[i].creator_id, *req.idempotency_key});
      if (first == i) continue;
      auto it = fresh_of_item.find(first);
      results[i] = it != fresh_of_item.end() ? replay_of(fresh[it->second], req) : results[first];
    }
    CA_CHECK(tx.events().insert_many(fresh));
    if (sink_ && !fresh.empty()) {
      auto p = sink_->prepare(tx, fresh, first_try);
      if (!p) return std::move(p).error();
      prepared = std::move(*p);
    }

    // Every consumer's context is read once (locked, one statement per creator), parsed
    // once, advanced event by event in arrival order, and written once. A consumer created
    // just now has the initial context, known without a read (and written by put_locked_contexts).
    std::map<std::string, std::vector<std::string>> consumers_by_creator;
    std::unordered_map<std::string, context::ContextState> contexts;
    for (const Event& e : fresh) {
      if (!e.consumer_id) continue;
      if (!resolved->created.count(*e.consumer_id)) {
        consumers_by_creator[e.creator_id].push_back(*e.consumer_id);
      } else if (!contexts.count(*e.consumer_id)) {
        ConsumerContext initial;
        initial.consumer_id = *e.consumer_id;
        initial.creator_id = e.creator_id;
        initial.updated_at = now;
        contexts.emplace(*e.consumer_id, context::load_state(std::move(initial)));
      }
    }
    std::unordered_map<std::string, Stage> stage_read;  // of the contexts read here
    for (const auto& [creator, ids] : consumers_by_creator) {
      auto loaded = tx.consumers().get_contexts_for_update(creator, ids);
      if (!loaded) return std::move(loaded).error();
      for (auto& ctx : *loaded) {
        stage_read.emplace(ctx.consumer_id, ctx.stage);
        std::string id = ctx.consumer_id;
        contexts.emplace(std::move(id), context::load_state(std::move(ctx)));
      }
    }
    std::vector<StoredEvent> stored_events;
    stored_events.reserve(fresh.size());
    for (size_t j = 0; j < fresh.size(); ++j) {
      const Event& e = fresh[j];
      StoredEvent se{&e, std::nullopt};
      if (e.consumer_id) {
        auto it = contexts.find(*e.consumer_id);
        if (it == contexts.end()) return Error::internal("consumer context missing");
        se.before = it->second;
        context::advance(it->second, e);
      }
      stored_events.push_back(std::move(se));
      results[fresh_item[j]] = IngestOutcome{e.id, false};
    }
    if (sink_ && !stored_events.empty()) {
      CA_CHECK(sink_->on_events(tx, stored_events, prepared.get()));
    }
    return write_contexts(tx, contexts, stage_read);
  });
  if (!done) return std::move(done).error();
  if (sink_) sink_->after_commit(prepared.get());
  return results;
}

}  // namespace ca::ingest
