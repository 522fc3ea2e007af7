// Store throughput on the backend named by CA_BENCH_DATABASE_URL (default: a fresh SQLite
// file). Baseline: BM_Ping, a trivial round trip on the same connection kind — report
// the other numbers as ratios to it (this machine is shared and noisy).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "domain/ids.hpp"
#include "store/event_repo.hpp"
#include "store/store.hpp"

namespace {

using namespace ca;

struct Fixture {
  SystemClock clock;
  SecureRandom random;
  IdGenerator ids{clock, random};
  std::unique_ptr<store::Store> store;
  std::string creator_id;
  std::string consumer_id;

  Fixture() {
    std::string url;
    if (const char* u = std::getenv("CA_BENCH_DATABASE_URL")) {
      url = u;
    } else {
      auto dir = std::filesystem::temp_directory_path() / ("ca-bench-" + ids.next());
      std::filesystem::create_directories(dir);
      url = "sqlite://" + (dir / "bench.db").string();
    }
    auto s = store::open_store(store::StoreConfig{url, 4, 5000});
    if (!s) throw std::runtime_error(s.error().message);
    store = std::move(*s);
    if (auto m = store->migrate(); !m) throw std::runtime_error(m.error().message);
    Creator c;
    c.id = creator_id = ids.next();
    c.name = "Bench Creator";
    c.email = "bench-" + c.id + "@example.com";
    c.created_at = c.updated_at = clock.now();
    auto r = store::in_tx(*store, store::TxMode::write,
                          [&](store::Tx& tx) { return tx.creators().insert(c); });
    if (!r) throw std::runtime_error(r.error().message);
    consumer_id = insert_consumer();
  }

  Consumer make_consumer() {
    Consumer c;
    c.id = ids.next();
    c.creator_id = creator_id;
    c.name = "Visitor";
    c.email = "v-" + c.id + "@example.com";
    c.created_at = c.updated_at = clock.now();
    return c;
  }

  std::string insert_consumer() {
    Consumer c = make_consumer();
    auto r = store::in_tx(*store, store::TxMode::write,
                          [&](store::Tx& tx) { return tx.consumers().insert(c); });
    if (!r) throw std::runtime_error(r.error().message);
    return c.id;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_Ping(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) {
    auto r = f.store->ping();
    benchmark::DoNotOptimize(r.ok());
  }
}
BENCHMARK(BM_Ping);

void BM_GetConsumer(benchmark::State& state) {
  auto& f = fixture();
  Tenant t = Tenant::creator(f.creator_id);
  for (auto _ : state) {
    auto c = store::in_tx(*f.store, store::TxMode::read,
                          [&](store::Tx& tx) { return tx.consumers().get(t, f.consumer_id); });
    if (!c) state.SkipWithError(c.error().message.c_str());
  }
}
BENCHMARK(BM_GetConsumer);

// One consumer per transaction: dominated by the commit.
void BM_InsertConsumer(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) f.insert_consumer();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InsertConsumer);

// 100 consumers per transaction: the per-row cost once commits are shared.
void BM_InsertConsumerBatch100(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) {
    auto r = store::in_tx(*f.store, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
      for (int i = 0; i < 100; ++i) CA_CHECK(tx.consumers().insert(f.make_consumer()));
      return ok();
    });
    if (!r) state.SkipWithError(r.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_InsertConsumerBatch100);

// The database's own ceiling for event rows: multi-row inserts of 500 events per
// transaction, no HTTP, no context — the baseline batch ingest is read against.
void BM_InsertEventsBatch500(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) {
    std::vector<Event> events(500);
    for (auto& e : events) {
      e.id = f.ids.next();
      e.creator_id = f.creator_id;
      e.consumer_id = f.consumer_id;
      e.type = "page_view";
      e.occurred_at = e.received_at = f.clock.now();
      e.request_hash = "x";
    }
    auto r = store::in_tx(*f.store, store::TxMode::write,
                          [&](store::Tx& tx) { return tx.events().insert_many(events); });
    if (!r) state.SkipWithError(r.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations() * 500);
}
BENCHMARK(BM_InsertEventsBatch500);

}  // namespace

BENCHMARK_MAIN();
