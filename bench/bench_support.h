// Helpers shared by the benchmarks (bench/ only).
#pragma once

#include <map>
#include <string>

#include "scenario/scenario.h"

namespace bench {

// A scenario file under the source tree, loaded once ("scenarios/basic/running_count.yaml").
inline const sim::Scenario& Bundled(const std::string& relative_path) {
  static std::map<std::string, sim::Scenario> loaded;
  auto it = loaded.find(relative_path);
  if (it == loaded.end()) {
    sim::Scenario scenario =
        sim::LoadScenario(std::string(CKPTSIM_SOURCE_DIR) + "/" + relative_path).value();
    it = loaded.emplace(relative_path, std::move(scenario)).first;
  }
  return it->second;
}

}  // namespace bench
