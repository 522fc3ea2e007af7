#include "app/service.hpp"

#include <pthread.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

#include <csignal>
#include <filesystem>
#include <thread>

#include "actions/actions.hpp"
#include "actions/outbox_writer.hpp"
#include "actions/scheduler.hpp"
#include "agents/invocation_runner.hpp"
#include "api/api.hpp"
#include "app/metrics.hpp"
#include "auth/api_keys.hpp"
#include "auth/authenticator.hpp"
#include "auth/session.hpp"
#include "channels/sandbox.hpp"
#include "channels/smtp.hpp"
#include "channels/twilio.hpp"
#include "domain/ids.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "ingest/agent_dispatch.hpp"
#include "jobs/worker_pool.hpp"
#include "llm/openai_client.hpp"
#include "onboarding/onboarding_service.hpp"
#include "onboarding/sources.hpp"
#include "store/store.hpp"

namespace ca::app {

namespace {

// The sending side: a channel per message channel as configured, and the scheduler.
struct Senders {
  std::unique_ptr<actions::StoreOutboxWriter> outbox;
  std::unique_ptr<channels::MessageChannel> sandbox, whatsapp, email;
  std::unique_ptr<actions::SendScheduler> scheduler;
};

std::unique_ptr<Senders> make_senders(store::Store& store, const Clock& clock, IdGenerator& ids,
                                      const Config& config) {
  auto s = std::make_unique<Senders>();
  s->outbox = std::make_unique<actions::StoreOutboxWriter>(store, clock, ids);
  s->sandbox = channels::make_sandbox_channel(*s->outbox);
  const bool sandbox_only = config.channel_mode == "sandbox";
  if (!sandbox_only && !config.twilio_account_sid.empty() && !config.twilio_auth_token.empty() &&
      !config.twilio_whatsapp_from.empty()) {
    channels::TwilioConfig tc;
    tc.api_base_url = config.twilio_api_base_url;
    tc.account_sid = config.twilio_account_sid;
    tc.auth_token = config.twilio_auth_token;
    tc.from = config.twilio_whatsapp_from;
    s->whatsapp = channels::make_twilio_channel(tc);
  }
  if (!sandbox_only && !config.smtp_url.empty() && !config.email_from.empty()) {
    s->email =
        channels::make_smtp_channel(channels::SmtpConfig{config.smtp_url, config.email_from});
  }
  actions::ChannelMap map{{Channel::whatsapp, s->whatsapp ? s->whatsapp.get() : s->sandbox.get()},
                          {Channel::email, s->email ? s->email.get() : s->sandbox.get()}};
  spdlog::info("channels: whatsapp={}, email={}", map[Channel::whatsapp]->name(),
               map[Channel::email]->name());
  actions::SchedulerOptions so;
  so.public_base_url = config.public_base_url;
  s->scheduler = std::make_unique<actions::SendScheduler>(store, clock, ids, std::move(map), so);
  return s;
}

}  // namespace

namespace {

// Onboarding's adapters as configured: the creator source and the model (none: offline).
struct OnboardingParts {
  std::unique_ptr<onboarding::CreatorSource> source;
  std::unique_ptr<llm::LlmClient> llm;
  std::unique_ptr<onboarding::OnboardingService> service;
};

std::unique_ptr<OnboardingParts> make_onboarding(store::Store& store, const Clock& clock,
                                                 IdGenerator& ids, const Config& config,
                                                 jobs::Waker* waker) {
  auto p = std::make_unique<OnboardingParts>();
  if (config.creator_source == "topmate") {
    onboarding::TopmateOptions o;
    o.base_url = config.topmate_api_url;
    p->source = onboarding::make_topmate_source(o);
  } else {
    p->source = std::make_unique<onboarding::FixtureSource>(
        config.creator_fixtures_dir.empty() ? onboarding::default_fixtures_dir()
                                            : std::filesystem::path(config.creator_fixtures_dir));
  }
  if (config.llm_enabled) p->llm = llm::make_openai_client(config.openai);
  p->service = std::make_unique<onboarding::OnboardingService>(store, clock, ids, *p->source,
                                                               p->llm.get(), waker);
  return p;
}

}  // namespace

namespace {

// The dashboard's static files at "/" (WEB_DIR, else the source tree's web/).
void register_dashboard(http::Router& router, const Config& config) {
  std::string dir = config.web_dir;
#ifdef CA_SOURCE_WEB_DIR
  if (dir.empty()) dir = CA_SOURCE_WEB_DIR;
#endif
  const std::size_t n = http::register_static_routes(router, dir);
  if (n == 0) spdlog::warn("dashboard: no files in '{}' (set WEB_DIR); / is not served", dir);
}

}  // namespace

struct Service::Parts {
  SystemClock clock;
  Timestamp started = clock.now();
  SecureRandom random;
  IdGenerator ids{clock, random};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<auth::Authenticator> auth;
  std::unique_ptr<auth::SessionStore> sessions;
  jobs::Waker waker;
  std::unique_ptr<agents::InlineDecider> decider;  // null: AGENT_INLINE_DECISIONS off
  std::unique_ptr<ingest::AgentDispatch> dispatch;
  std::unique_ptr<ingest::IngestService> ingest;
  std::unique_ptr<ingest::GroupCommitter> group_commit;
  std::unique_ptr<agents::InvocationRunner> runner;
  std::unique_ptr<OnboardingParts> onboarding;
  std::unique_ptr<actions::ActionService> actions;
  std::unique_ptr<Senders> senders;  // before workers: the pool stops first
  std::unique_ptr<jobs::WorkerPool> workers;
  std::unique_ptr<api::ApiDeps> deps;
  std::unique_ptr<http::Server> server;
};

namespace {

Result<std::unique_ptr<store::Store>> open_and_migrate(const Config& config) {
  store::StoreConfig sc;
  sc.url = config.database_url;
  sc.pool_size = config.db_pool_size;
  auto store = store::open_store(sc);
  if (!store) return std::move(store).error();
  auto applied = (*store)->migrate();
  if (!applied) return std::move(applied).error();
  if (*applied > 0) {
    spdlog::info("applied {} migration(s); schema version {}", *applied,
                 (*store)->latest_version());
  }
  return store;
}

// Without ADMIN_API_KEY, an empty database gets one admin key, printed once.
Result<void> bootstrap_admin_key(store::Store& store, Random& random, IdGenerator& ids,
                                 const Clock& clock, const Config& config, std::ostream& out) {
  if (!config.admin_api_key.empty()) return ok();
  auto any = store::in_tx(store, store::TxMode::read,
                          [](store::Tx& tx) { return tx.api_keys().any_admin_key(); });
  if (!any) return std::move(any).error();
  if (*any) return ok();
  auth::MintedKey minted = auth::mint_key(random);
  ApiKey key{ids.next(),      KeyRole::admin, std::nullopt, minted.prefix,
             minted.hash_hex, "bootstrap",    clock.now(),  {}};
  CA_CHECK(store::in_tx(store, store::TxMode::write,
                        [&](store::Tx& tx) { return tx.api_keys().insert(key); }));
  out << "\n  Admin API key (shown once; store it now):\n\n    " << minted.key << "\n\n"
      << "  Use it as:  curl -H 'Authorization: Bearer " << minted.key << "' ...\n\n";
  out.flush();
  return ok();
}

agents::RuntimeOptions runtime_options(const Config& config, llm::LlmClient* llm) {
  agents::RuntimeOptions opts;
  opts.allow_private_targets = config.allow_private_agent_targets;
  opts.llm = llm;  // null: the agents' own (template) texts
  return opts;
}

std::unique_ptr<agents::InvocationRunner> make_runner(store::Store& store, const Clock& clock,
                                                      IdGenerator& ids, const Config& config,
                                                      llm::LlmClient* llm) {
  return std::make_unique<agents::InvocationRunner>(store, clock, ids,
                                                    runtime_options(config, llm));
}

std::unique_ptr<jobs::WorkerPool> make_pool(store::Store& store, const Clock& clock,
                                            const Config& config, jobs::Waker* waker) {
  jobs::WorkerPoolOptions o;
  o.threads = config.worker_threads;
  o.waker = waker;
  if (store.dialect() == store::Dialect::postgres) o.listen_url = config.database_url;
  return std::make_unique<jobs::WorkerPool>(store, clock, o);
}

}  // namespace

Service::Service(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Service::~Service() = default;

Result<std::unique_ptr<Service>> Service::start(const Config& config, std::ostream& out) {
  auto parts = std::make_unique<Parts>();
  auto store = open_and_migrate(config);
  if (!store) return std::move(store).error();
  parts->store = std::move(*store);
  CA_CHECK(
      bootstrap_admin_key(*parts->store, parts->random, parts->ids, parts->clock, config, out));

  parts->auth =
      std::make_unique<auth::Authenticator>(*parts->store, parts->clock, config.admin_api_key);
  // Made before ingest: the inline decider leaves decisions with messages to personalise
  // to the workers, so it must know whether an LLM is configured.
  parts->onboarding =
      make_onboarding(*parts->store, parts->clock, parts->ids, config, &parts->waker);
  if (config.agent_inline_decisions) {
    parts->decider = std::make_unique<agents::InlineDecider>(
        runtime_options(config, parts->onboarding->llm.get()));
  }
  parts->dispatch = std::make_unique<ingest::AgentDispatch>(parts->ids, parts->clock, &parts->waker,
                                                            parts->decider.get());
  parts->ingest = std::make_unique<ingest::IngestService>(*parts->store, parts->clock, parts->ids,
                                                          parts->dispatch.get());
  if (config.group_commit) {
    ingest::GroupCommitOptions gc;
    // PostgreSQL: two writers. With decisions at ingest, its backends' CPU is the limit,
    // and most of it is per statement; four writers split the same load into groups half
    // as large (docs/PERFORMANCE.md, eleventh session).
    gc.writers = config.ingest_writers > 0                             ? config.ingest_writers
                 : parts->store->dialect() == store::Dialect::postgres ? 2
                                                                       : 1;
    gc.max_batch = static_cast<std::size_t>(config.ingest_max_batch);
    parts->group_commit = std::make_unique<ingest::GroupCommitter>(*parts->ingest, gc);
  }
  parts->deps = std::make_unique<api::ApiDeps>(
      api::ApiDeps{*parts->store, *parts->auth, parts->clock, parts->ids, parts->random,
                   *parts->ingest, parts->group_commit.get()});
  parts->deps->onboarding = parts->onboarding->service.get();
  parts->deps->metrics_token = config.metrics_token;
  parts->deps->metrics = [p = parts.get()] {
    return render_metrics(*p->store, p->workers.get(), p->group_commit.get(), *p->dispatch,
                          p->started, p->clock);
  };
  parts->actions =
      std::make_unique<actions::ActionService>(*parts->store, parts->clock, parts->ids);
  parts->deps->actions = parts->actions.get();
  parts->deps->twilio_auth_token = config.twilio_auth_token;
  parts->deps->public_base_url = config.public_base_url;
  parts->sessions = std::make_unique<auth::SessionStore>(
      *parts->auth, parts->clock, parts->random,
      auth::SessionOptions{std::chrono::seconds{config.session_ttl_s}});
  parts->deps->sessions = parts->sessions.get();
  http::Router router;
  api::register_routes(router, *parts->deps);
  register_dashboard(router, config);

  http::ServerOptions so;
  so.host = config.host;
  so.port = config.port;
  so.io_threads = config.http_io_threads;
  so.handler_threads = config.http_handler_threads;
  so.max_body_bytes = config.max_body_bytes;
  parts->server = std::make_unique<http::Server>(so, std::move(router));
  CA_CHECK(parts->server->listen());

  if (config.serve_workers) {
    parts->runner =
        make_runner(*parts->store, parts->clock, parts->ids, config, parts->onboarding->llm.get());
    parts->workers = make_pool(*parts->store, parts->clock, config, &parts->waker);
    parts->runner->register_with(*parts->workers);
    parts->onboarding->service->register_with(*parts->workers);
    parts->senders = make_senders(*parts->store, parts->clock, parts->ids, config);
    parts->senders->scheduler->register_with(*parts->workers);
  }
  return std::unique_ptr<Service>(new Service(std::move(parts)));
}

std::uint16_t Service::port() const { return parts_->server->port(); }

Service::Handles Service::handles() {
  Parts& p = *parts_;
  return Handles{*p.store, p.clock, p.ids, p.random, *p.ingest, *p.onboarding->service, *p.actions};
}

void Service::run(bool handle_signals) {
  if (parts_->workers) parts_->workers->start();
  parts_->server->run(handle_signals);
  // HTTP has drained. Events still queued commit now, while the server whose I/O threads
  // their answers are posted to still exists.
  if (parts_->group_commit) parts_->group_commit->stop();
  // In-flight jobs finish, claimed-but-unstarted ones go back.
  if (parts_->workers) parts_->workers->stop();
}
void Service::stop() { parts_->server->stop(); }

Result<void> run_worker(const Config& config) {
  // Block the stop signals before any thread starts, so only the waiter below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto store = open_and_migrate(config);
  if (!store) return std::move(store).error();
  SystemClock clock;
  SecureRandom random;
  IdGenerator ids(clock, random);
  auto pool = make_pool(**store, clock, config, nullptr);
  auto onboarding = make_onboarding(**store, clock, ids, config, &pool->waker());
  auto runner = make_runner(**store, clock, ids, config, onboarding->llm.get());
  runner->register_with(*pool);
  onboarding->service->register_with(*pool);
  auto senders = make_senders(**store, clock, ids, config);
  senders->scheduler->register_with(*pool);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("worker: signal {}, finishing in-flight jobs", sig);
    pool->stop();
  });
  spdlog::info("worker: {} thread(s) on {}", config.worker_threads,
               (*store)->dialect() == store::Dialect::postgres ? "PostgreSQL" : "SQLite");
  pool->run_until_stopped();
  waiter.join();
  return ok();
}

Result<int> migrate(const Config& config) {
  store::StoreConfig sc;
  sc.url = config.database_url;
  sc.pool_size = 1;
  auto store = store::open_store(sc);
  if (!store) return std::move(store).error();
  return (*store)->migrate();
}

Result<std::string> create_key(const Config& config, bool admin,
                               const std::optional<std::string>& creator_id) {
  auto store = open_and_migrate(config);
  if (!store) return std::move(store).error();
  SystemClock clock;
  SecureRandom random;
  IdGenerator ids(clock, random);
  if (!admin) {
    if (!creator_id || !is_uuid(*creator_id))
      return Error::invalid("--creator", "--creator needs a creator id (UUID)");
    auto c = store::in_tx(**store, store::TxMode::read, [&](store::Tx& tx) {
      return tx.creators().get(Tenant::admin(), *creator_id);
    });
    if (!c) return std::move(c).error();
  }
  auth::MintedKey minted = auth::mint_key(random);
  ApiKey key{ids.next(),
             admin ? KeyRole::admin : KeyRole::creator,
             admin ? std::nullopt : creator_id,
             minted.prefix,
             minted.hash_hex,
             "cli",
             clock.now(),
             {}};
  CA_CHECK(store::in_tx(**store, store::TxMode::write,
                        [&](store::Tx& tx) { return tx.api_keys().insert(key); }));
  return minted.key;
}

Result<void> onboard(const Config& config, const std::string& username, bool deploy,
                     std::ostream& out) {
  auto store = open_and_migrate(config);
  if (!store) return std::move(store).error();
  SystemClock clock;
  SecureRandom random;
  IdGenerator ids(clock, random);
  auto parts = make_onboarding(**store, clock, ids, config, nullptr);
  onboarding::OnboardingService& svc = *parts->service;
  out << "onboarding " << username << " from " << svc.source().name() << " ("
      << (parts->llm ? "model " + parts->llm->model() : std::string("offline engine")) << ")\n";
  auto started = svc.start(onboarding::StartRequest{username, std::nullopt, std::nullopt},
                           /*enqueue=*/false);
  if (!started) return std::move(started).error();
  out << "  creator " << started->creator_id << ", onboarding " << started->onboarding_id << "\n";
  CA_CHECK(svc.run(started->onboarding_id, [&out](std::string_view step, std::string_view detail) {
    out << "  " << step << ": " << detail << "\n";
    out.flush();
  }));
  auto run = svc.status(Tenant::admin(), started->onboarding_id);
  if (!run) return std::move(run).error();
  if (run->status != store::OnboardingStatus::completed) {
    return Error::invalid("username", run->error.value_or("onboarding did not complete"));
  }
  auto profile = svc.profile(Tenant::admin(), started->creator_id);
  if (!profile) return std::move(profile).error();
  boost::system::error_code ec;
  boost::json::value p = boost::json::parse(profile->profile_json, ec);
  if (!ec && p.is_object()) {
    const auto& o = p.as_object();
    auto text = [&o](const char* k) {
      const auto* v = o.if_contains(k);
      return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string{};
    };
    out << "profile (generated by " << profile->generated_by << "):\n  " << text("llm_summary")
        << "\n  pitch: " << text("sales_pitch") << "\n";
    if (const auto* services = o.if_contains("services"); services && services->is_array()) {
      for (const auto& s : services->as_array()) {
        const auto& so = s.as_object();
        out << "  - " << so.at("name").as_string().c_str() << ": "
            << so.at("price").as_object().at("display").as_string().c_str() << "\n";
      }
    }
  }
  if (deploy) {
    auto d = svc.deploy_agent(Tenant::admin(), started->creator_id);
    if (!d) return std::move(d).error();
    out << (d->created ? "deployed" : "already deployed") << " sales agent " << d->agent.id
        << " (triggers:";
    for (const auto& t : d->agent.triggers) out << " " << t.event_type;
    out << ")\n";
  }
  return ok();
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::get("creator-agents");
  if (!logger) logger = spdlog::stderr_logger_mt("creator-agents");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

}  // namespace ca::app
