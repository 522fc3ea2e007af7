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

namespace ca::app {

// `pool` may be null (an API-only process).
std::string render_metrics(store::Store& store, const jobs::WorkerPool* pool, Timestamp started,
                           const Clock& clock);

}  // namespace ca::app
