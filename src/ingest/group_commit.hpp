// Group commit for single-event ingestion: concurrent POST /events requests share one
// write transaction instead of paying one commit (and, on PostgreSQL, several round
// trips) each. Requests wait on a bounded queue; one writer thread takes everything queued
// (up to max_batch) and commits it together, so batches grow exactly when load does and
// an idle server adds no delay. The caller still gets its reply only after the commit.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ingest/ingest_service.hpp"

namespace ca::ingest {

struct GroupCommitOptions {
  std::size_t max_batch = 512;
  std::size_t queue_capacity = 20'000;  // beyond this, 503 with Retry-After
  int writers = 1;                      // SQLite has one writer anyway; PG may use more
};

// Since start. events / commits is the mean group size: near 1 means each request paid
// its own commit (the writer keeps up, or concurrency is low).
struct GroupCommitStats {
  std::uint64_t commits = 0;  // shared transactions run (a fallback re-run counts once)
  std::uint64_t events = 0;   // requests they carried
  std::uint64_t refused = 0;  // turned away with 503 because the queue was full
};

class GroupCommitter {
 public:
  GroupCommitter(IngestService& service, GroupCommitOptions options);
  ~GroupCommitter();  // drains what is queued, then stops
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Blocks until the event's transaction committed (or failed).
  Result<IngestOutcome> submit(const Tenant& tenant, const EventRequest& req);
  GroupCommitStats stats() const;

 private:
  struct Pending {
    IngestItem item;
    std::promise<Result<IngestOutcome>> done;
  };
  void writer_loop();

  IngestService& service_;
  GroupCommitOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Pending>>
      queue_;  // shared: the writer may still hold one as its waiter returns
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0}, events_{0}, refused_{0};
  std::vector<std::thread> writers_;
};

}  // namespace ca::ingest
