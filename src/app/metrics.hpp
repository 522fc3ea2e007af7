// The /metrics text: HTTP request counters, job queue depth and worker outcomes, process
// memory. Assembled on demand from the parts that own the numbers.
#pragma once

#include <string>

#include "domain/time.hpp"

namespace ca::store {
class Store;
}
namespace ca::jobs {
class WorkerPool;
}
namespace ca::ingest {
class GroupCommitter;
class AgentDispatch;
}  // namespace ca::ingest

namespace ca::app {

// `pool` may be null (an API-only process), `group_commit` too (INGEST_GROUP_COMMIT off).
std::string render_metrics(store::Store& store, const jobs::WorkerPool* pool,
                           const ingest::GroupCommitter* group_commit,
                           const ingest::AgentDispatch& dispatch, Timestamp started,
                           const Clock& clock);

}  // namespace ca::app
