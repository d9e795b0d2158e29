// The storage a scenario runs on: which contract of durability the simulated filesystem keeps
// (sim/sim_fs.h implements each; docs/persistence-models.md describes them).
#pragma once

#include <string>

#include "engine/runtime/status.h"

namespace sim {

enum class PersistenceModel { kHdfs, kPosix, kObjectStore, kLyingDisk };
const char* PersistenceModelName(PersistenceModel model);
ckpt::Result<PersistenceModel> ParsePersistenceModel(const std::string& name);

}  // namespace sim
