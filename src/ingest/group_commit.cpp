#include "ingest/group_commit.hpp"

namespace ca::ingest {

GroupCommitter::GroupCommitter(IngestService& service, GroupCommitOptions options)
    : service_(service), options_(options) {
  for (int i = 0; i < std::max(1, options_.writers); ++i) {
    writers_.emplace_back([this] { writer_loop(); });
  }
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : writers_) t.join();
}

Result<IngestOutcome> GroupCommitter::submit(const Tenant& tenant, const EventRequest& req) {
  auto creator_id = service_.creator_for(tenant, req);
  if (!creator_id) return std::move(creator_id).error();
  auto pending = std::make_shared<Pending>(Pending{IngestItem{std::move(*creator_id), &req}, {}});
  auto result = pending->done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Error::unavailable("shutting down");
    if (queue_.size() >= options_.queue_capacity) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return Error::unavailable("ingestion is saturated; retry shortly");
    }
    queue_.push_back(pending);
  }
  cv_.notify_one();
  return result.get();
}

GroupCommitStats GroupCommitter::stats() const {
  return {commits_.load(std::memory_order_relaxed), events_.load(std::memory_order_relaxed),
          refused_.load(std::memory_order_relaxed)};
}

void GroupCommitter::writer_loop() {
  std::vector<std::shared_ptr<Pending>> batch;
  std::vector<IngestItem> items;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    items.clear();
    for (const auto& p : batch) items.push_back(p->item);
    auto results = service_.ingest_items(items);
    commits_.fetch_add(1, std::memory_order_relaxed);
    events_.fetch_add(items.size(), std::memory_order_relaxed);
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
    batch.clear();
  }
}

}  // namespace ca::ingest
