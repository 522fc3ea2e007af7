#include "app/simulate.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "sim/report.hpp"
#include "sim/simulator.hpp"

namespace ca::app {

namespace {

void progress_bar(std::ostream& err, const sim::SimProgress& p) {
  constexpr int kWidth = 30;
  const int filled = p.days > 0 ? p.day * kWidth / p.days : kWidth;
  err << "\r  [" << std::string(static_cast<size_t>(filled), '#')
      << std::string(static_cast<size_t>(kWidth - filled), '.') << "] day " << p.day << "/"
      << p.days << "  events " << p.events << "  jobs " << p.jobs << std::flush;
  if (p.day == p.days) err << "\n";
}

}  // namespace

int simulate(const SimulateArgs& args, std::ostream& out, std::ostream& err) {
  sim::SimOptions o;
  o.days = args.days;
  o.consumers = args.consumers;
  o.seed = args.seed;
  o.database_url = args.database_url;
  o.inline_decisions = args.inline_decisions;
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const auto started = std::chrono::steady_clock::now();
  auto result = sim::run_simulation(o, [&](const sim::SimProgress& p) {
    if (tty) {
      progress_bar(err, p);
    } else {
      err << "day " << p.day << "/" << p.days << ": events " << p.events << ", jobs " << p.jobs
          << "\n";
    }
  });
  if (!result) {
    err << "error: " << result.error().message;
    if (!result.error().field.empty()) err << " (" << result.error().field << ")";
    err << "\n";
    return 2;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out << sim::format_report(o, *result, seconds);
  out.flush();
  return result->invariants.ok() ? 0 : 1;
}

}  // namespace ca::app
