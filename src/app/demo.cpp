#include "app/demo.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "actions/actions.hpp"
#include "analytics/summary.hpp"
#include "app/service.hpp"
#include "auth/api_keys.hpp"
#include "ingest/ingest_service.hpp"
#include "onboarding/onboarding_service.hpp"
#include "onboarding/sources.hpp"
#include "sim/feeder.hpp"
#include "sim/traffic.hpp"
#include "store/analytics_repo.hpp"

namespace ca::app {

namespace {

// generic_sales with every delay at a minute or less and the re-engagement check after a
// day, so a visitor's follow-up is due while you watch.
constexpr const char* kDemoAgentConfig = R"({
  "delays": {"first_view_minutes": 1, "return_visit_minutes": 1, "service_click_minutes": 1,
             "booking_confirmation_minutes": 0, "payment_failed_minutes": 1,
             "reengagement_minutes": 0},
  "thresholds": {"return_after_hours": 1, "inactivity_days": 1}
})";

Result<std::string> mint(Service::Handles& h, KeyRole role,
                         const std::optional<std::string>& creator_id) {
  auth::MintedKey minted = auth::mint_key(h.secure_random);
  ApiKey key{h.ids.next(),    role,   creator_id,    minted.prefix,
             minted.hash_hex, "demo", h.clock.now(), {}};
  CA_CHECK(store::in_tx(h.store, store::TxMode::write,
                        [&](store::Tx& tx) { return tx.api_keys().insert(key); }));
  return minted.key;
}

class Stopper {
 public:
  void stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  // false once stopped.
  bool sleep(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stopped_; });
  }
  bool stopped() {
    std::lock_guard lock(mu_);
    return stopped_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

// Feeds the traffic model's days at the wall clock: each event happens now.
void feed(Service::Handles h, const std::vector<sim::CreatorRef>& creators, const DemoOptions& o,
          Stopper& stopper, std::atomic<std::int64_t>& fed) {
  std::vector<std::string> ids;
  ids.reserve(creators.size());
  for (const auto& c : creators) ids.push_back(c.id);
  std::uint64_t seed = std::random_device{}();
  const auto gap =
      std::chrono::milliseconds(static_cast<int>(1000.0 / std::max(0.1, o.events_per_second)));
  while (!stopper.stopped()) {
    sim::TrafficModel model(seed++, creators, h.clock.now(), o.days, o.consumers);
    sim::Feeder feeder(h.store, h.clock, h.ids, h.ingest, h.actions, ids);
    Timestamp since = h.clock.now();
    for (int day = 0; day < o.days && !stopper.stopped(); ++day) {
      std::set<int> messaged;
      auto sent = store::in_tx(h.store, store::TxMode::read, [&](store::Tx& tx) {
        return tx.analytics().messaged_consumer_ids(Tenant::admin(),
                                                    store::TimeRange{since, h.clock.now()});
      });
      if (sent) {
        for (const auto& id : *sent) {
          if (auto i = feeder.persona_of(id)) messaged.insert(*i);
        }
      }
      since = h.clock.now();
      for (const auto& e : model.day(day, messaged)) {
        if (!stopper.sleep(gap)) return;
        auto r = feeder.apply(e, model.personas()[static_cast<size_t>(e.consumer)], h.clock.now());
        if (!r) spdlog::warn("demo traffic: {}", r.error().message);
        if (r && e.kind == sim::ActionKind::event) ++fed;
      }
    }
  }
}

std::string status_line(Service::Handles& h, Timestamp since, std::int64_t events_delta,
                        int seconds) {
  auto s = store::in_tx(h.store, store::TxMode::read, [&](store::Tx& tx) {
    return analytics::summarize(tx, Tenant::admin(),
                                store::TimeRange{since, h.clock.now() + std::chrono::seconds(1)});
  });
  if (!s) return "status unavailable: " + s.error().message;
  std::string line = fmt::format("events {} ({:.1f}/s) | invocations {} | actions", s->events,
                                 static_cast<double>(events_delta) / seconds, s->invocations);
  if (s->messages_by_status.empty()) line += " 0";
  for (const auto& [status, n] : s->messages_by_status) line += fmt::format(" {} {}", status, n);
  line += fmt::format(" | conversions {} ({} after a message)", s->conversions,
                      s->attributed_conversions);
  return line;
}

}  // namespace

Result<void> run_demo(const Config& config, const DemoOptions& options, std::ostream& out) {
  auto service = Service::start(config, out);
  if (!service) return std::move(service).error();
  Service::Handles h = (*service)->handles();
  const Timestamp started = h.clock.now();

  out << "demo: onboarding the fixture creators (" << h.onboarding.source().name() << ")...\n";
  out.flush();
  auto creators = sim::onboard_fixture_creators(h.store, h.onboarding, kDemoAgentConfig, h.clock);
  if (!creators) return std::move(creators).error();
  auto admin_key = mint(h, KeyRole::admin, std::nullopt);
  if (!admin_key) return std::move(admin_key).error();
  auto creator_key = mint(h, KeyRole::creator, creators->front().id);
  if (!creator_key) return std::move(creator_key).error();

  const std::string base = "http://" + config.host + ":" + std::to_string((*service)->port());
  out << "\n  Dashboard:    " << base << "/\n"
      << "  Admin key:    " << *admin_key << "\n"
      << "  Creator key:  " << *creator_key << "  (" << creators->front().username << ")\n"
      << "  Try:          curl -H 'Authorization: Bearer " << *admin_key << "' " << base
      << "/analytics/summary\n\n"
      << "  " << creators->size() << " creators onboarded with sales agents; simulated visitors"
      << " arrive at ~" << options.events_per_second << " events/s. Ctrl-C stops.\n\n";
  out.flush();

  Stopper stopper;
  std::atomic<std::int64_t> fed{0};
  std::thread traffic([&, creators = *creators] { feed(h, creators, options, stopper, fed); });
  std::thread status([&] {
    std::int64_t last = 0;
    while (stopper.sleep(std::chrono::seconds(options.status_every_seconds))) {
      const std::int64_t now = fed.load();
      out << status_line(h, started, now - last, options.status_every_seconds) << "\n";
      out.flush();
      last = now;
    }
  });
  (*service)->run(/*handle_signals=*/true);
  stopper.stop();
  traffic.join();
  status.join();
  return ok();
}

}  // namespace ca::app
