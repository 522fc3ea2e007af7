#include "sim/simulator.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "actions/actions.hpp"
#include "actions/outbox_writer.hpp"
#include "actions/scheduler.hpp"
#include "agents/inline_decider.hpp"
#include "agents/invocation_runner.hpp"
#include "channels/sandbox.hpp"
#include "domain/ids.hpp"
#include "ingest/agent_dispatch.hpp"
#include "ingest/ingest_service.hpp"
#include "onboarding/onboarding_service.hpp"
#include "onboarding/sources.hpp"
#include "sim/feeder.hpp"
#include "sim/sim_channel.hpp"
#include "sim/traffic.hpp"
#include "store/analytics_repo.hpp"
#include "store/job_repo.hpp"

namespace ca::sim {

namespace {

constexpr int kClaimBatch = 32;
constexpr auto kRetryDelay = std::chrono::seconds(30);
constexpr const char* kWorker = "simulate";

// Everything one run drives, on one virtual clock.
class Run {
 public:
  Run(store::Store& store, ManualClock& clock, IdGenerator& ids, bool inline_decisions)
      : store_(store),
        clock_(clock),
        ids_(ids),
        decider_(agents::RuntimeOptions{}),
        dispatch_(ids, clock, nullptr, inline_decisions ? &decider_ : nullptr),
        ingest_(store, clock, ids, &dispatch_),
        runner_(store, clock, ids, agents::RuntimeOptions{}),
        outbox_(store, clock, ids),
        sandbox_(channels::make_sandbox_channel(outbox_)),
        channel_(make_sim_channel(*sandbox_)),
        scheduler_(store, clock, ids,
                   actions::ChannelMap{{Channel::whatsapp, channel_.get()},
                                       {Channel::email, channel_.get()}},
                   actions::SchedulerOptions{}),
        actions_(store, clock, ids) {}

  Result<std::vector<CreatorRef>> onboard_fixtures();
  Result<void> simulate(const SimOptions& o, const ProgressFn& progress);
  SimCounters& counters() { return counters_; }
  const std::vector<std::string>& creator_ids() const { return creator_ids_; }

 private:
  Result<void> drain_until(Timestamp limit);
  Result<void> run_job(const store::Job& job);
  Result<std::set<int>> messaged_between(Timestamp from, Timestamp to);

  store::Store& store_;
  ManualClock& clock_;
  IdGenerator& ids_;
  agents::InlineDecider decider_;  // decisions at ingest, as `serve` makes them by default
  ingest::AgentDispatch dispatch_;
  ingest::IngestService ingest_;
  agents::InvocationRunner runner_;
  actions::StoreOutboxWriter outbox_;
  std::unique_ptr<channels::MessageChannel> sandbox_;
  std::unique_ptr<channels::MessageChannel> channel_;
  actions::SendScheduler scheduler_;
  actions::ActionService actions_;
  SimCounters counters_;
  std::vector<std::string> creator_ids_;
  std::unique_ptr<Feeder> feeder_;
};

Result<std::vector<CreatorRef>> Run::onboard_fixtures() {
  onboarding::FixtureSource source(onboarding::default_fixtures_dir());
  onboarding::OnboardingService svc(store_, clock_, ids_, source, nullptr, nullptr);
  auto creators = onboard_fixture_creators(store_, svc, "", clock_);
  if (!creators) return std::move(creators).error();
  for (const auto& c : *creators) creator_ids_.push_back(c.id);
  feeder_ = std::make_unique<Feeder>(store_, clock_, ids_, ingest_, actions_, creator_ids_);
  return creators;
}

Result<void> Run::run_job(const store::Job& job) {
  ++counters_.jobs_by_kind[job.kind];
  if (job.kind == agents::kInvokeJobKind) return runner_.run_invoke(job);
  if (job.kind == agents::kFollowupJobKind) return runner_.run_followup(job);
  if (job.kind == agents::kSendJobKind) return scheduler_.run_send(job);
  return Error::invalid("kind", "simulate has no handler for job kind " + job.kind);
}

// Runs every job due up to `limit`, moving the clock to each next due time; ends at limit.
// A read of the earliest queued job comes first, so an idle queue costs no write.
Result<void> Run::drain_until(Timestamp limit) {
  for (;;) {
    auto next = store::in_tx(store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.jobs().next_run_at("default", from_micros(0));
    });
    if (!next) return std::move(next).error();
    if (!*next || **next > limit) break;
    if (**next > clock_.now()) clock_.set(**next);
    store::ClaimRequest req;
    req.worker_id = kWorker;
    req.limit = kClaimBatch;
    req.now = clock_.now();
    req.lease = std::chrono::hours(1);
    auto claimed = store::in_tx(store_, store::TxMode::write,
                                [&](store::Tx& tx) { return tx.jobs().claim(req); });
    if (!claimed) return std::move(claimed).error();
    if (claimed->empty()) {
      // Due but not claimable (cannot happen while every job finishes in this loop): step
      // on rather than spin.
      if (clock_.now() >= limit) break;
      clock_.set(std::min(limit, clock_.now() + std::chrono::seconds(1)));
      continue;
    }
    for (const auto& job : *claimed) {
      auto outcome = run_job(job);
      ++counters_.jobs_run;
      const Timestamp now = clock_.now();
      CA_CHECK(store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
        if (outcome) return tx.jobs().complete(job);
        ++counters_.jobs_failed;
        spdlog::debug("simulate: job {} ({}) failed: {}", job.id, job.kind,
                      outcome.error().message);
        std::optional<Timestamp> retry;
        if (job.attempts < job.max_attempts) retry = now + kRetryDelay;
        return tx.jobs().fail(job, outcome.error().message, retry, now);
      }));
    }
  }
  if (clock_.now() < limit) clock_.set(limit);
  return ok();
}

Result<std::set<int>> Run::messaged_between(Timestamp from, Timestamp to) {
  auto ids = store::in_tx(store_, store::TxMode::read, [&](store::Tx& tx) {
    return tx.analytics().messaged_consumer_ids(Tenant::admin(), store::TimeRange{from, to});
  });
  if (!ids) return std::move(ids).error();
  std::set<int> out;
  for (const auto& id : *ids) {
    if (auto i = feeder_->persona_of(id)) out.insert(*i);
  }
  return out;
}

Result<void> Run::simulate(const SimOptions& o, const ProgressFn& progress) {
  auto creators = onboard_fixtures();
  if (!creators) return std::move(creators).error();
  TrafficModel model(o.seed, std::move(*creators), o.start, o.days, o.consumers);
  for (int day = 0; day < o.days; ++day) {
    const Timestamp begin = model.day_start(day);
    auto messaged = messaged_between(begin - std::chrono::hours(24), begin);
    if (!messaged) return std::move(messaged).error();
    for (const auto& e : model.day(day, *messaged)) {
      CA_CHECK(drain_until(e.at));
      if (clock_.now() < e.at) clock_.set(e.at);
      CA_CHECK(feeder_->apply(e, model.personas()[static_cast<size_t>(e.consumer)]));
    }
    CA_CHECK(drain_until(model.day_start(day + 1)));
    if (progress) {
      progress(SimProgress{day + 1, o.days, feeder_->counters().events, counters_.jobs_run});
    }
  }
  const FeedCounters& f = feeder_->counters();
  counters_.events_generated = f.events;
  counters_.stops = f.stops;
  counters_.consumers_created = f.consumers_created;
  counters_.ingest_errors = f.errors;
  counters_.decided_at_ingest = static_cast<std::int64_t>(dispatch_.decided_inline());
  return ok();
}

Result<std::int64_t> count_events(store::Store& store, const Tenant& t) {
  return store::in_tx(store, store::TxMode::read,
                      [&](store::Tx& tx) { return tx.analytics().count_events(t); });
}

}  // namespace

Result<SimResult> run_simulation(const SimOptions& options, const ProgressFn& progress) {
  if (options.days < 1 || options.days > 366) {
    return Error::invalid("days", "--days must be between 1 and 366");
  }
  if (options.consumers < 1 || options.consumers > 1000000) {
    return Error::invalid("consumers", "--consumers must be between 1 and 1000000");
  }
  SimResult result;
  std::filesystem::path temp_file;
  result.database_url = options.database_url;
  if (result.database_url.empty()) {
    temp_file = std::filesystem::temp_directory_path() /
                ("creator-agents-simulate-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(temp_file);
    result.database_url = "sqlite://" + temp_file.string();
  }
  // The temp database (and its WAL files) go when the run ends, whatever the outcome.
  struct Cleanup {
    std::filesystem::path file;
    ~Cleanup() {
      if (file.empty()) return;
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(file.string() + suffix, ec);
      }
    }
  } cleanup{temp_file};

  store::StoreConfig sc;
  sc.url = result.database_url;
  sc.pool_size = 2;
  auto store = store::open_store(sc);
  if (!store) return std::move(store).error();
  CA_CHECK((*store)->migrate());

  ManualClock clock(options.start - std::chrono::hours(1));
  SeededRandom random(options.seed);
  IdGenerator ids(clock, random);
  Run run(**store, clock, ids, options.inline_decisions);
  auto before = count_events(**store, Tenant::admin());
  if (!before) return std::move(before).error();
  CA_CHECK(run.simulate(options, progress));
  auto after = count_events(**store, Tenant::admin());
  if (!after) return std::move(after).error();

  result.counters = run.counters();
  result.creators = static_cast<int>(run.creator_ids().size());
  auto inv = check_invariants(**store, Tenant::admin(), result.counters.events_generated,
                              *after - *before);
  if (!inv) return std::move(inv).error();
  result.invariants = std::move(*inv);
  const store::TimeRange range{options.start, options.start + std::chrono::days(options.days)};
  auto summary = store::in_tx(**store, store::TxMode::read, [&](store::Tx& tx) {
    return analytics::summarize(tx, Tenant::admin(), range);
  });
  if (!summary) return std::move(summary).error();
  result.summary = std::move(*summary);
  if (!temp_file.empty()) result.database_url = "(temporary, removed)";
  return result;
}

}  // namespace ca::sim
