// Shrinking: reduces a failing trial to a minimal one that fails the same way, and writes it as a
// scenario file for scenarios/regressions/.
//
// Greedy reduction to a fixpoint, each candidate kept only when it still fails with the same
// kind (and is not a known weakness) and, under a defect, passes on the engine without it: fewer
// crashes, fewer batches, fewer fault rules, fewer or earlier slow and failing batches, fewer or
// earlier producer appends and files, smaller integer settings, fewer records, earlier crash steps,
// shorter downtimes, the first durable state, FIFO interleaving, trial seed 0. A smaller scenario
// moves the step at which a crash lands, so when one fails as it is, its last crash is tried at
// every step of its incarnation. A candidate is judged against its own uncrashed run, like every
// trial.
#pragma once

#include <cstdint>
#include <string>

#include "engine/runtime/status.h"
#include "oracle/oracle.h"
#include "scenario/scenario.h"
#include "sim/trial.h"

namespace sim {

struct ShrinkOutcome {
  bool reproduced = false;  // false: the given trial does not fail with the given kind
  // The minimal trial: a concrete scenario (swarm variant applied, only the fault rules that
  // take part) and a spec with variant 0 and every rule on.
  Scenario scenario;
  TrialSpec spec;
  Failure failure;
  uint64_t attempts = 0;  // candidate trials run
};

inline constexpr uint64_t kShrinkAttempts = 5000;

// Shrinks `failing` (a trial of `declared`, with `options`' defects and filesystem) while it keeps
// failing with `kind`; stops after `max_attempts` candidates.
ShrinkOutcome Shrink(const Scenario& declared, const TrialSpec& failing, FailureKind kind,
                     const RunOptions& options, uint64_t max_attempts = kShrinkAttempts);

// The shrunk trial as a scenario file (written by scenario/scenario_writer.h): the shrunk scenario
// with its crashes as the `crashes:` list (`ckptsim run` replays them), its seeds, `expect` and
// `swarm` dropped, `name` and `description` set, `declared`'s name kept as spark.app.name, and
// `header` as leading comment lines.
std::string RegressionScenarioYaml(const Scenario& declared, const ShrinkOutcome& outcome,
                                   const std::string& name, const std::string& description,
                                   const std::string& header);

}  // namespace sim
