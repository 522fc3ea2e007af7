// `creator-agents demo` (what `make run` runs): `serve` as configured, plus the fixture
// creators onboarded with their sales agents (shortened delays, so messages show up within
// a minute) and the traffic simulator feeding realistic visitors in the background at a
// modest rate. Prints the dashboard URL, an admin key and a creator key, then one status
// line every few seconds, until SIGINT/SIGTERM.
#pragma once

#include <ostream>

#include "app/config.hpp"
#include "domain/result.hpp"

namespace ca::app {

struct DemoOptions {
  int consumers = 3000;  // the simulated population, over `days` simulated days
  int days = 30;
  double events_per_second = 4;  // the feeding rate
  int status_every_seconds = 5;
};

Result<void> run_demo(const Config& config, const DemoOptions& options, std::ostream& out);

}  // namespace ca::app
