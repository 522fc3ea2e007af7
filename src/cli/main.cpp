// creator-agents: serve | worker | migrate | keys create | onboard. Later: simulate, demo.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/config.hpp"
#include "app/demo.hpp"
#include "app/service.hpp"
#include "app/simulate.hpp"

namespace {

int fail(const ca::Error& e) {
  std::cerr << "error: " << e.message;
  if (!e.field.empty()) std::cerr << " (" << e.field << ")";
  std::cerr << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"creator-agents: sales agents for creators"};
  cli.require_subcommand(1);

  auto* serve = cli.add_subcommand("serve", "Run the HTTP API (migrates first)");
  std::optional<int> port;
  std::optional<std::string> host;
  serve->add_option("--port", port, "Port to listen on (env PORT, default 8080)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--host", host, "Address to bind (env HOST, default 127.0.0.1)");

  auto* worker = cli.add_subcommand("worker", "Run agent workers only (scale out on PostgreSQL)");
  std::optional<int> threads;
  worker->add_option("--threads", threads, "Worker threads (env WORKER_THREADS, default 2)")
      ->check(CLI::Range(1, 64));

  auto* migrate = cli.add_subcommand("migrate", "Apply pending database migrations");

  auto* keys = cli.add_subcommand("keys", "Manage API keys");
  keys->require_subcommand(1);
  auto* keys_create = keys->add_subcommand("create", "Mint a new API key and print it once");
  bool admin = false;
  std::optional<std::string> creator;
  auto* admin_flag = keys_create->add_flag("--admin", admin, "An admin key (sees every creator)");
  auto* creator_opt =
      keys_create->add_option("--creator", creator, "A key scoped to this creator id");
  admin_flag->excludes(creator_opt);
  creator_opt->excludes(admin_flag);

  auto* onboard = cli.add_subcommand(
      "onboard",
      "Onboard a creator by username: fetch, generate the profile, store (migrates first)");
  std::string onboard_username;
  std::optional<std::string> onboard_source;
  bool onboard_deploy = false;
  onboard->add_option("username", onboard_username, "The creator's username at the source")
      ->required();
  onboard->add_option("--source", onboard_source, "fixtures | topmate (env CREATOR_SOURCE)")
      ->check(CLI::IsMember({"fixtures", "topmate"}));
  onboard->add_flag("--deploy", onboard_deploy, "Also deploy the creator's sales agent");

  auto* demo = cli.add_subcommand(
      "demo", "serve + the fixture creators onboarded + simulated traffic, with live status");
  demo->add_option("--port", port, "Port to listen on (env PORT, default 8080)")
      ->check(CLI::Range(0, 65535));
  demo->add_option("--host", host, "Address to bind (env HOST, default 127.0.0.1)");
  ca::app::DemoOptions demo_options;
  demo->add_option("--rate", demo_options.events_per_second, "Simulated events per second")
      ->check(CLI::Range(0.1, 1000.0));

  auto* simulate = cli.add_subcommand(
      "simulate", "The pipeline on a virtual clock with invariant checks (exit 1 if one breaks)");
  ca::app::SimulateArgs sim_args;
  simulate->add_option("--days", sim_args.days, "Simulated days")->check(CLI::Range(1, 366));
  simulate->add_option("--consumers", sim_args.consumers, "Simulated consumers")
      ->check(CLI::Range(1, 1000000));
  simulate->add_option("--seed", sim_args.seed, "Random seed (same seed, same run)");
  simulate->add_option("--database", sim_args.database_url,
                       "Database URL (default: a temporary SQLite file)");
  bool queued_decisions = false;
  simulate->add_flag(
      "--queued-decisions", queued_decisions,
      "Every invocation through an agent.invoke job (as AGENT_INLINE_DECISIONS=off)");

  CLI11_PARSE(cli, argc, argv);

  if (*simulate) {
    // No environment needed: the simulation builds its own pipeline.
    ca::app::setup_logging("warn");
    sim_args.inline_decisions = !queued_decisions;
    return ca::app::simulate(sim_args, std::cout, std::cerr);
  }

  auto config = ca::app::Config::from_env();
  if (!config) return fail(config.error());
  ca::app::setup_logging(config->log_level);

  if (*serve) {
    if (port) config->port = static_cast<std::uint16_t>(*port);
    if (host) config->host = *host;
    auto service = ca::app::Service::start(*config, std::cout);
    if (!service) return fail(service.error());
    spdlog::info("listening on http://{}:{}", config->host, (*service)->port());
    (*service)->run(/*handle_signals=*/true);
    spdlog::info("stopped");
    return 0;
  }
  if (*demo) {
    if (port) config->port = static_cast<std::uint16_t>(*port);
    if (host) config->host = *host;
    auto r = ca::app::run_demo(*config, demo_options, std::cout);
    if (!r) return fail(r.error());
    spdlog::info("demo stopped");
    return 0;
  }
  if (*worker) {
    if (threads) config->worker_threads = *threads;
    auto r = ca::app::run_worker(*config);
    if (!r) return fail(r.error());
    spdlog::info("worker stopped");
    return 0;
  }
  if (*onboard) {
    if (onboard_source) config->creator_source = *onboard_source;
    if (config->creator_source == "topmate" && config->topmate_api_url.empty()) {
      std::cerr << "error: --source topmate needs TOPMATE_API_URL\n";
      return 2;
    }
    auto r = ca::app::onboard(*config, onboard_username, onboard_deploy, std::cout);
    if (!r) return fail(r.error());
    return 0;
  }
  if (*migrate) {
    auto n = ca::app::migrate(*config);
    if (!n) return fail(n.error());
    std::cout << "applied " << *n << " migration(s)\n";
    return 0;
  }
  if (*keys_create) {
    if (!admin && !creator) {
      std::cerr << "error: keys create needs --admin or --creator ID\n";
      return 2;
    }
    auto key = ca::app::create_key(*config, admin, creator);
    if (!key) return fail(key.error());
    std::cout << *key << "\n";
    return 0;
  }
  return 0;
}
