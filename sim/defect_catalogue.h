// Every injectable defect of both engines as one catalogue (engine/defects.h for the DStream
// engine, engine/structured/defects.h for Structured Streaming): what `--defect`, `ckptsim
// defects` and the mutation campaign go through, so that each names either engine's defects.
#pragma once

#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "scenario/scenario.h"
#include "sim/trial.h"

namespace sim {

struct CatalogueDefect {
  Engine engine = Engine::kDStream;
  std::string name;
  std::string reverts;
  std::string description;
  std::string exposed_by;  // the bundled scenario whose exploration finds it
  // Switches it on in `options` (its engine's defect set).
  void add_to(RunOptions& options) const;
};

// The DStream engine's defects, then the structured engine's (names are unique across both).
const std::vector<CatalogueDefect>& DefectCatalogue();

// InvalidArgument listing every known name when `name` is none of them.
ckpt::Result<const CatalogueDefect*> FindDefect(const std::string& name);

}  // namespace sim
