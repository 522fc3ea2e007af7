// Finds or creates the consumers a batch of events names, with a few statements per batch
// instead of several per event (on PostgreSQL each statement is a round trip): ids are
// checked with one IN list per creator, identities looked up with one per (creator, key),
// and new consumers inserted together. Items resolve in arrival order, so two events of one
// new visitor in the same batch land on the same consumer.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "ingest/ingest_service.hpp"
#include "store/store.hpp"

namespace ca::ingest {

// Per item: the consumer id, nullopt for an event without a consumer, or not_found (field
// "consumer_id") for an id that is not the creator's. The outer error fails the batch.
using ResolvedConsumer = Result<std::optional<std::string>>;

struct Resolution {
  std::vector<ResolvedConsumer> consumers;  // one per item, in order
  // The consumers created here. Their context rows are NOT written: their context is the
  // initial one, and the caller writes it (put_locked_contexts) in the same transaction. That
  // saves a new visitor's event an insert and a read of a row it already knows.
  std::set<std::string> created;
};

Result<Resolution> resolve_consumers(store::Tx& tx, const std::vector<const IngestItem*>& items,
                                     IdGenerator& ids, Timestamp now);

}  // namespace ca::ingest
