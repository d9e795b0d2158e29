// The Structured Streaming query an `engine: structured` scenario describes, as the engine takes
// it: DataStreamReader/Writer options turned into engine/structured's plan and options.
#pragma once

#include <map>
#include <string>

#include "engine/structured/query.h"
#include "scenario/scenario.h"

namespace sim {

// REQUIRES: scenario.engine == Engine::kStructured.
ckpt::structured::QueryPlan StructuredPlanOf(const Scenario& scenario);

// The session conf of a process: its scheduled run's conf (`run`: the run it serves, restarts
// included), else the scenario's conf for the first process (`first`) and its restart_conf for
// the later ones.
const std::map<std::string, std::string>& StructuredSession(const Scenario& scenario,
                                                            const ScheduledRun* run, bool first);

// The writer's options of a process: the checkpoint location, the trigger, and the session conf
// (`session`, then `overrides`).
ckpt::structured::QueryOptions StructuredOptionsOf(
    const Scenario& scenario, const std::map<std::string, std::string>& session,
    const std::map<std::string, std::string>& overrides);

// The query environment of process `index` (0: the first), whatever runs it: its functions (its
// plugins), its uid, `defects`, and the executors' time per batch (the scenario's processing).
// The caller adds its seams: scheduler, filesystem, log, sink, observer and file manager.
ckpt::structured::QueryEnv QueryEnvOf(const Scenario& scenario, int index,
                                      ckpt::structured::DefectSet defects);

// The checkpoint file manager Spark picks for the storage: FileContext where the scheme has an
// AbstractFileSystem (HDFS, the local disk), the FileSystem fallback on an object store (S3A).
ckpt::structured::FileManagerKind FileManagerFor(PersistenceModel model);

}  // namespace sim
