// Writing a scenario as YAML, in the layout the reader reads (docs/scenarios.md). The one writer of
// scenario files: the shrinker writes its regression scenarios through it.
#pragma once

#include <string>

#include "scenario/scenario.h"

namespace sim {

// `scenario` as a scenario file: every field the reader reads, so that reading the text back
// gives the same scenario (generated log appends are written out one by one; a step's origin and
// a fault rule's origin, which say where the scenario came from, are not fields). Each line of
// `header` becomes a leading comment line.
std::string ScenarioToYaml(const Scenario& scenario, const std::string& header = "");

}  // namespace sim
