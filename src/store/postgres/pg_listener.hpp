// LISTEN on a dedicated PostgreSQL connection, behind a vendor-free interface: the worker
// pool waits here for `NOTIFY jobs` (sent by enqueue, delivered at commit) so that a job
// enqueued by any process on any machine wakes idle workers without polling.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "domain/result.hpp"

namespace ca::store {

class JobListener {
 public:
  virtual ~JobListener() = default;
  // Waits up to `timeout` for notifications on the channel. true when at least one arrived
  // (all pending ones are consumed), false on timeout; unavailable when the connection is
  // lost (make a new listener: notifications sent meanwhile are gone, so poll once).
  virtual Result<bool> wait(std::chrono::milliseconds timeout) = 0;
};

// Connects to `url` (a postgresql:// URL; missing parts from the PG* environment) and
// runs LISTEN <channel>.
Result<std::unique_ptr<JobListener>> make_pg_listener(const std::string& url,
                                                      const std::string& channel = "jobs");

}  // namespace ca::store
