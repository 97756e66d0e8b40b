// `parley simulate --scenario FILE [--seed N] [--hours H] [--agents N] [--json]`: reads the
// scenario file (app/scenario_file), runs core::simulation::simulate, and prints a table per
// queue and channel and per agent group, or one JSON object with the same figures. The command
// line and output format are documented in docs/SIMULATOR.md.
#pragma once

#include <string>

#include "core/simulation/simulator.hpp"

namespace parley::app {

// argv holds the arguments after the word `simulate`. Returns 0, or 2 with a message on stderr
// for bad options, an unreadable or invalid scenario.
int simulateCommand(int argc, char** argv);

// The figures as printed by the command (exposed for tests).
std::string simulationTable(const core::simulation::SimulationResult& result);
std::string simulationJson(const core::simulation::SimulationResult& result);

}  // namespace parley::app
