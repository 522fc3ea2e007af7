// Ingestion: in ONE transaction, deduplicate by idempotency key, resolve (or create) the
// consumer, store the event and update the consumer's context. A successful return means
// the transaction committed: the event is durable.
#pragma once

#include <string>
#include <vector>

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

class IngestService {
 public:
  IngestService(store::Store& store, const Clock& clock, IdGenerator& ids)
      : store_(store), clock_(clock), ids_(ids) {}

  // conflict (field "id") when the key was used with another body; not_found for a
  // consumer_id or creator_id the tenant cannot see.
  Result<IngestOutcome> ingest(const Tenant& tenant, const EventRequest& req);

  // One result per request, in order. Valid events share one transaction; if that
  // transaction fails as a whole, each event is retried alone so one bad event never
  // sinks the others.
  std::vector<Result<IngestOutcome>> ingest_batch(const Tenant& tenant,
                                                  const std::vector<EventRequest>& reqs);

 private:
  Result<std::string> creator_for(const Tenant& tenant, const EventRequest& req);
  Result<IngestOutcome> ingest_once(const std::string& creator_id, const EventRequest& req);

  store::Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace ca::ingest
