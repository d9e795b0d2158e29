// A trial of an `engine: structured` scenario: its query's processes on the simulated machine,
// crashed and restarted as the TrialSpec says (RunTrial dispatches here), with the same steps,
// tokens, persistence models and faults as a DStream trial.
//
// Each process runs the driver program "start the query, wait for it": DataStreamWriter.start on
// the checkpoint location, then, once every input has arrived and a trigger finds no new data
// (Spark's processAllAvailable), stop(). A query that stops with an error ends its process;
// when a fault the scenario injected caused it, a supervisor starts the program again after the
// scenario's downtime, as it does after a crash (at most kMaxFaultRestarts times per trial).
#pragma once

#include "oracle/trial_run.h"
#include "scenario/scenario.h"
#include "sim/trial.h"

namespace sim {

inline constexpr int kMaxFaultRestarts = 32;

// REQUIRES: scenario.engine == Engine::kStructured.
TrialRun RunStructuredTrial(const Scenario& scenario, const TrialSpec& spec,
                            const RunOptions& options);

}  // namespace sim
