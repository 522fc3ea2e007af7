// The text report `creator-agents simulate` prints.
#pragma once

#include <string>

#include "sim/simulator.hpp"

namespace ca::sim {

std::string format_report(const SimOptions& options, const SimResult& result, double wall_seconds);

}  // namespace ca::sim
