// The composition root: the one place that picks adapters (store driver, clock,
// randomness) and wires them into the API and the HTTP server.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "app/config.hpp"
#include "domain/ids.hpp"
#include "domain/result.hpp"

namespace ca::store {
class Store;
}
namespace ca::ingest {
class IngestService;
}
namespace ca::onboarding {
class OnboardingService;
}
namespace ca::actions {
class ActionService;
}

namespace ca::app {

class Service {
 public:
  // Opens the database, applies migrations, makes sure an admin key exists (printing a
  // new one to `out` once), builds the routes and binds the listening socket.
  static Result<std::unique_ptr<Service>> start(const Config& config, std::ostream& out);
  ~Service();

  std::uint16_t port() const;
  // Serves until stop() or (handle_signals) SIGINT/SIGTERM, then drains and returns.
  void run(bool handle_signals);
  void stop();

  // What `demo` drives inside the running service (owned by the service).
  struct Handles {
    store::Store& store;
    const Clock& clock;
    IdGenerator& ids;
    Random& secure_random;
    ingest::IngestService& ingest;
    onboarding::OnboardingService& onboarding;
    actions::ActionService& actions;
  };
  Handles handles();

 private:
  struct Parts;
  explicit Service(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// `creator-agents worker`: agent workers only (no HTTP), until SIGINT/SIGTERM. Any number
// of these may run against one PostgreSQL database.
Result<void> run_worker(const Config& config);

// `creator-agents migrate`: returns how many migrations ran.
Result<int> migrate(const Config& config);
// `creator-agents onboard USERNAME [--deploy]`: the onboarding service run inline against
// DATABASE_URL (migrated first), a line per step and the result printed to `out`.
Result<void> onboard(const Config& config, const std::string& username, bool deploy,
                     std::ostream& out);
// `creator-agents keys create`: mints a key (admin, or for creator_id) and returns it.
Result<std::string> create_key(const Config& config, bool admin,
                               const std::optional<std::string>& creator_id);

// spdlog to stderr in UTC; level names as spdlog knows them (debug, info, warn, ...).
void setup_logging(const std::string& level);

}  // namespace ca::app
