#include "ingest/group_commit.hpp"

#include <future>

namespace ca::ingest {

GroupCommitter::GroupCommitter(IngestService& service, GroupCommitOptions options)
    : service_(service), options_(options) {
  for (int i = 0; i < std::max(1, options_.writers); ++i) {
    writers_.emplace_back([this] { writer_loop(); });
  }
}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : writers_) {
    if (t.joinable()) t.join();
  }
}

Result<IngestOutcome> GroupCommitter::submit(const Tenant& tenant, const EventRequest& req) {
  auto creator_id = service_.creator_for(tenant, req);
  if (!creator_id) return std::move(creator_id).error();
  std::vector<IngestItem> items;
  items.push_back(IngestItem{std::move(*creator_id), &req});
  auto results = run(std::move(items));
  if (!results) return std::move(results).error();
  return std::move(results->front());
}

Result<std::vector<Result<IngestOutcome>>> GroupCommitter::submit_batch(
    const Tenant& tenant, const std::vector<EventRequest>& reqs) {
  BatchItems b = service_.batch_items(tenant, reqs);
  if (b.items.empty()) return std::move(b.results);
  auto stored = run(std::move(b.items));
  if (!stored) return std::move(stored).error();
  return std::move(b).with(std::move(*stored));
}

Result<void> GroupCommitter::submit_async(const Tenant& tenant, EventRequest req,
                                          OutcomeCallback done) {
  auto creator_id = service_.creator_for(tenant, req);
  if (!creator_id) return std::move(creator_id).error();
  auto pending = std::make_unique<Pending>();
  pending->owned = std::make_unique<EventRequest>(std::move(req));
  pending->items.push_back(IngestItem{std::move(*creator_id), pending->owned.get()});
  pending->done = [done = std::move(done)](std::vector<Result<IngestOutcome>> results) {
    done(std::move(results.front()));
  };
  return enqueue(std::move(pending));
}

Result<std::vector<Result<IngestOutcome>>> GroupCommitter::run(std::vector<IngestItem> items) {
  // Shared with the writer, which may still be inside set_value as this waiter returns.
  auto promise = std::make_shared<std::promise<std::vector<Result<IngestOutcome>>>>();
  auto result = promise->get_future();
  auto pending = std::make_unique<Pending>();
  pending->items = std::move(items);
  pending->done = [promise](std::vector<Result<IngestOutcome>> r) {
    promise->set_value(std::move(r));
  };
  CA_CHECK(enqueue(std::move(pending)));
  return result.get();
}

Result<void> GroupCommitter::enqueue(std::unique_ptr<Pending> pending) {
  const std::size_t n = pending->items.size();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Error::unavailable("shutting down");
    if (queued_events_ + n > options_.queue_capacity) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return Error::unavailable("ingestion is saturated; retry shortly");
    }
    queued_events_ += n;
    queue_.push_back(std::move(pending));
  }
  cv_.notify_one();
  return ok();
}

GroupCommitStats GroupCommitter::stats() const {
  return {commits_.load(std::memory_order_relaxed), events_.load(std::memory_order_relaxed),
          refused_.load(std::memory_order_relaxed)};
}

void GroupCommitter::writer_loop() {
  std::vector<std::unique_ptr<Pending>> batch;
  std::vector<IngestItem> items;
  std::vector<std::size_t> sizes;  // of each request in `items`
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // Whole requests, at least one, until max_batch events.
      std::size_t events = 0;
      while (!queue_.empty() &&
             (batch.empty() || events + queue_.front()->items.size() <= options_.max_batch)) {
        events += queue_.front()->items.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_events_ -= events;
    }
    items.clear();
    sizes.clear();
    for (const auto& p : batch) {
      items.insert(items.end(), p->items.begin(), p->items.end());
      sizes.push_back(p->items.size());
    }
    auto results = service_.ingest_items(items, sizes);
    commits_.fetch_add(1, std::memory_order_relaxed);
    events_.fetch_add(items.size(), std::memory_order_relaxed);
    auto next = std::make_move_iterator(results.begin());
    for (const auto& p : batch) {
      const auto count = static_cast<std::ptrdiff_t>(p->items.size());
      p->done(std::vector<Result<IngestOutcome>>(next, next + count));
      next += count;
    }
    batch.clear();
  }
}

}  // namespace ca::ingest
