// The scenario file of `parley simulate` (TOML, documented key by key in docs/SIMULATOR.md):
// parsed here, at the edge, into core::simulation::Scenario, so the core stays free of the TOML
// library. This layer checks the file's shape: syntax, known keys, value types. Ranges and
// references (an unknown queue, a level of 6) are core::simulation::validate()'s.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/simulation/scenario.hpp"

namespace parley::app {

// InvalidInput "<source>:<line>: <key path>: <what>" for a syntax error, an unknown key (named,
// with the keys allowed there) or a value of the wrong type.
[[nodiscard]] core::Result<core::simulation::Scenario> parseScenario(std::string_view toml_text,
                                                                     std::string_view source = "scenario");

// Reads and parses the file; InvalidInput when it cannot be read.
[[nodiscard]] core::Result<core::simulation::Scenario> loadScenarioFile(const std::string& path);

}  // namespace parley::app
