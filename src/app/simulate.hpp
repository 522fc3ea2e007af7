// `creator-agents simulate`: runs sim::run_simulation with a progress bar on a terminal
// (plain lines otherwise) and prints the report. Exit code 0 only when every invariant holds.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace ca::app {

struct SimulateArgs {
  int days = 30;
  int consumers = 10000;
  std::uint64_t seed = 42;
  std::string database_url;      // empty: a temporary SQLite file
  bool inline_decisions = true;  // false (--queued-decisions): every invocation through a job
};

// 0: all invariants hold; 1: an invariant broke; 2: the run failed.
int simulate(const SimulateArgs& args, std::ostream& out, std::ostream& err);

}  // namespace ca::app
