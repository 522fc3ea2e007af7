// Group commit: concurrent POST /events and POST /events/batch requests share one write
// transaction instead of paying one commit (and, on PostgreSQL, several round trips)
// each. Requests wait on a bounded queue; a writer thread takes everything queued (up to
// max_batch events, whole requests) and commits it together, so transactions grow exactly
// when load does and an idle server adds no delay. The caller still gets its reply only
// after the commit. Batches gain too: consumers and index pages that several concurrent
// batches touch are written once per commit, not once per batch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ingest/ingest_service.hpp"

namespace ca::ingest {

struct GroupCommitOptions {
  // Events per transaction (whole requests; a larger single request goes alone). Bigger
  // groups write shared pages once for more events, but hold the writer longer.
  std::size_t max_batch = 2000;
  std::size_t queue_capacity = 20'000;  // queued events; beyond this, 503 with Retry-After
  int writers = 1;                      // SQLite has one writer anyway; PG may use more
};

// Since start. events / commits is the mean group size: near 1 means each request paid
// its own commit (the writer keeps up, or concurrency is low).
struct GroupCommitStats {
  std::uint64_t commits = 0;  // shared transactions run (a fallback re-run counts once)
  std::uint64_t events = 0;   // events they carried
  std::uint64_t refused = 0;  // turned away with 503 because the queue was full
};

class GroupCommitter {
 public:
  GroupCommitter(IngestService& service, GroupCommitOptions options);
  ~GroupCommitter();  // stop()
  // Idempotent: refuses new work, commits what is queued (every callback runs), joins the
  // writers. The server calls it once HTTP has drained and before its I/O threads' state
  // goes, since submit_async's callbacks post to them.
  void stop();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Blocks until the event's transaction committed (or failed).
  Result<IngestOutcome> submit(const Tenant& tenant, const EventRequest& req);
  // One result per request, in order, as IngestService::ingest_batch. An error only when
  // the whole batch was turned away (queue full, shutting down): nothing was stored.
  Result<std::vector<Result<IngestOutcome>>> submit_batch(const Tenant& tenant,
                                                          const std::vector<EventRequest>& reqs);
  // Queues one event and returns at once: for a caller that must not block (an I/O
  // thread). `done` gets the event's result exactly once, on a writer thread right after
  // the commit, so it should only hand the answer on. An error when the event was turned
  // away (refused by creator_for, queue full, shutting down); `done` is never called then.
  // A creator's tenant never reads the store here; an admin's does (creator_for).
  using OutcomeCallback = std::function<void(Result<IngestOutcome>)>;
  Result<void> submit_async(const Tenant& tenant, EventRequest req, OutcomeCallback done);
  GroupCommitStats stats() const;

 private:
  using Done = std::function<void(std::vector<Result<IngestOutcome>>)>;
  struct Pending {
    std::vector<IngestItem> items;
    Done done;                            // called once, by the writer
    std::unique_ptr<EventRequest> owned;  // submit_async's request, alive until done
  };
  // Queues the items and waits for their commit.
  Result<std::vector<Result<IngestOutcome>>> run(std::vector<IngestItem> items);
  // Queues a request unless the queue is full or stopping.
  Result<void> enqueue(std::unique_ptr<Pending> pending);
  void writer_loop();

  IngestService& service_;
  GroupCommitOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Pending>> queue_;
  std::size_t queued_events_ = 0;
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0}, events_{0}, refused_{0};
  std::vector<std::thread> writers_;
};

}  // namespace ca::ingest
