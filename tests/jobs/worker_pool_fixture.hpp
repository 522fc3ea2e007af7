// The worker pool's test fixture (on the jobs fixture's real store) and a gate that
// holds a handler until the test opens it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "jobs/worker_pool.hpp"
#include "jobs_fixture.hpp"

namespace ca::test {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)
using jobs::WorkerPool;
using jobs::WorkerPoolOptions;
using store::Job;
using store::JobStatus;

class WorkerPoolTest : public JobsTest {
 protected:
  // A "test.work" handler that only counts its runs.
  static void count_runs(WorkerPool& pool, std::atomic<int>& ran) {
    pool.register_handler("test.work", [&ran](const Job&) -> Result<void> {
      ++ran;
      return ok();
    });
  }
  WorkerPoolOptions options(int threads = 2) {
    WorkerPoolOptions o;
    o.threads = threads;
    o.lease = 2s;
    o.poll_interval = 50ms;
    o.backoff.base = 1ms;
    o.backoff.cap = 5ms;
    o.jitter_seed = 7;
    return o;
  }
  JobStatus status_of(const std::string& id) { return get(id).status; }

  // The observable write of a staged job in these tests: a job row on a queue no pool
  // serves, its payload naming the source job and who wrote it. A fresh id per call, so
  // effects written twice show up as two rows.
  store::NewJob effect_of(const Job& source, const std::string& by) {
    store::NewJob e = make_job("test.effect");
    e.queue = "effects";
    e.payload_json = R"({"source":")" + source.id + R"(","by":")" + by + R"("})";
    return e;
  }
  static std::string effect_key(const std::string& source_id, const std::string& by) {
    return source_id + "/" + by;
  }
  // Every effect row as "<source id>/<by>" (payload is jsonb on PostgreSQL: parse it).
  std::multiset<std::string> effect_rows() {
    std::multiset<std::string> out;
    store::JobFilter filter;
    filter.kind = "test.effect";
    PageRequest page;
    auto tx = read();
    if (!tx) return out;
    for (;;) {
      auto r = tx->jobs().list(Tenant::admin(), filter, page);
      if (!r) {
        ADD_FAILURE() << "listing effects: " << r.error().message;
        return out;
      }
      for (const auto& j : r->items) {
        boost::system::error_code ec;
        auto v = boost::json::parse(j.payload_json, ec);
        const auto* o = ec ? nullptr : v.if_object();
        const auto* source = o != nullptr ? o->if_contains("source") : nullptr;
        const auto* by = o != nullptr ? o->if_contains("by") : nullptr;
        if (source == nullptr || by == nullptr || !source->is_string() || !by->is_string()) {
          ADD_FAILURE() << "unexpected effect payload: " << j.payload_json;
          continue;
        }
        out.insert(effect_key(std::string(source->get_string()), std::string(by->get_string())));
      }
      if (!r->next_after_id) return out;
      page.after_id = r->next_after_id;
    }
  }
};

// Holds a handler until the test opens it; the timeout keeps a failed test from hanging
// in the pool's stop().
class Gate {
 public:
  void open() {
    {
      std::lock_guard lk(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, 30s, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

}  // namespace ca::test
