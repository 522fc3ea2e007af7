// Ingestion: in ONE transaction, deduplicate by idempotency key, resolve (or create) the
// consumer, store the event, update the consumer's context and hand the event to the
// EventSink (agent triggers → invocations + jobs). A successful return means the
// transaction committed: the event is durable.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "context/rules.hpp"
#include "domain/entities.hpp"
#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "ingest/event_request.hpp"
#include "store/store.hpp"

namespace ca::ingest {

struct IngestOutcome {
  std::string id;
  bool duplicate = false;
};

// One newly stored event with the consumer's context before it, parsed (empty for
// consumer-less events). The context after it is context::advance of that, for whoever
// needs it; nothing at ingest does.
struct StoredEvent {
  const Event* event = nullptr;
  std::optional<context::ContextState> before;
};

// Sees every newly stored event inside its ingest transaction (never replays), all events
// of one transaction at once so it can share look-ups between them. In two steps: prepare
// before the consumers' contexts are read and locked (work and reads that need no context:
// on PostgreSQL, round trips other writers need not wait out), then on_events with them.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // What prepare worked out, handed back to on_events.
  class Prepared {
   public:
    virtual ~Prepared() = default;
  };
  // `first_try` is false when these events' first transaction failed and they are being
  // stored again (alone or in smaller groups): a sink should then do only what it must.
  // May return null (nothing to hand over).
  virtual Result<std::unique_ptr<Prepared>> prepare(store::Tx& tx, const std::vector<Event>& events,
                                                    bool first_try) = 0;
  // `events` are prepare's, in the same order, with their contexts.
  virtual Result<void> on_events(store::Tx& tx, const std::vector<StoredEvent>& events,
                                 Prepared* prepared) = 0;
  // After the transaction committed (e.g. wake idle workers), with what prepare returned
  // (null when no event was new).
  virtual void after_commit(Prepared* /*prepared*/) {}
};

// An event whose creator is already known (resolved from the API key or checked for admins).
struct IngestItem {
  std::string creator_id;
  const EventRequest* request = nullptr;
};

// A batch's requests as items: the ones whose creator resolved, `at[j]` being item j's
// place in the request list; the others already have their error in `results`.
struct BatchItems {
  std::vector<IngestItem> items;
  std::vector<size_t> at;
  std::vector<Result<IngestOutcome>> results;  // one slot per request

  // The results with each item's outcome (one per item, in order) in its request's slot.
  std::vector<Result<IngestOutcome>> with(std::vector<Result<IngestOutcome>> stored) && {
    for (size_t j = 0; j < stored.size(); ++j) results[at[j]] = std::move(stored[j]);
    return std::move(results);
  }
};

class IngestService {
 public:
  IngestService(store::Store& store, const Clock& clock, IdGenerator& ids,
                EventSink* sink = nullptr)
      : store_(store), clock_(clock), ids_(ids), sink_(sink) {}

  // The creator an event belongs to: the key's creator, or `creator_id` for admin keys.
  Result<std::string> creator_for(const Tenant& tenant, const EventRequest& req);
  // creator_for of every request of a batch.
  BatchItems batch_items(const Tenant& tenant, const std::vector<EventRequest>& reqs);

  // conflict (field "id") when the key was used with another body; not_found for a
  // consumer_id or creator_id the tenant cannot see.
  Result<IngestOutcome> ingest(const Tenant& tenant, const EventRequest& req);
  Result<IngestOutcome> ingest_item(const IngestItem& item) { return ingest_one(item, true); }

  // One result per request, in order. Valid events share one transaction; if that
  // transaction fails as a whole, each event is retried alone so one bad event never
  // sinks the others.
  std::vector<Result<IngestOutcome>> ingest_batch(const Tenant& tenant,
                                                  const std::vector<EventRequest>& reqs);
  // `requests`: the sizes of the requests `items` is made of, in order (the group
  // committer's group). When the shared transaction fails, each request runs again in a
  // transaction of its own, and only a request that fails again goes event by event: one
  // bad request costs its neighbours one re-run, not a transaction per event. Empty, or
  // not adding up to items.size(): one request.
  std::vector<Result<IngestOutcome>> ingest_items(const std::vector<IngestItem>& items,
                                                  std::span<const std::size_t> requests = {});

 private:
  // All items in one write transaction: per-item results, or the error that failed the
  // transaction as a whole (then nothing was stored).
  // `first_try` as the sink's.
  Result<std::vector<Result<IngestOutcome>>> store_items(const std::vector<IngestItem>& items,
                                                         bool first_try);
  Result<IngestOutcome> ingest_one(const IngestItem& item, bool first_try);

  store::Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  EventSink* sink_;
};

}  // namespace ca::ingest
