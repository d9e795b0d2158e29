// The mutation campaign: proof that the harness finds bugs. For every defect of the catalogue
// (engine/defects.h), explore the scenario that exposes it exhaustively until the first failure,
// then shrink that failure; report how long finding took and how small the counterexample is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "explore/explorer.h"
#include "explore/shrink.h"

namespace sim {

struct DefectHunt {
  std::string defect;
  std::string reverts;
  std::string scenario_path;
  bool found = false;
  uint64_t trials_to_first_failure = 0;  // place of the first failing trial in exploration order
  uint64_t trials_run = 0;               // until exploration stopped (the batch under way ends)
  double seconds_to_first_failure = 0;   // wall time of the exploration that stopped there
  std::string token;                     // the first failing trial
  FailureKind kind = FailureKind::kLostBatch;
  std::string found_by;  // FoundBy of the first failure: the rule or output check
  // The whole exhaustive exploration of the scenario, judged with the protocol rules and with
  // the outputs alone (--no-protocol-oracle): failing trials of each, or nullopt when the
  // uncrashed run itself fails (then no crash trial runs, and each would fail).
  std::optional<uint64_t> failing_trials;
  std::optional<uint64_t> failing_trials_outputs_only;
  // The shrunk counterexample (outcome.reproduced when found and shrunk) and its wall time.
  ShrinkOutcome outcome;
  double shrink_seconds = 0;
  std::string error;  // the scenario could not be loaded

  // engine: structured, which has no `batches`: the batches the shrunk scenario's uncrashed run
  // plans.
  int64_t structured_batches = 0;

  bool shrunk() const { return outcome.reproduced; }
  int64_t shrunk_batches() const {
    if (!shrunk()) return 0;
    return outcome.scenario.engine == Engine::kStructured ? structured_batches
                                                          : outcome.scenario.batches;
  }
  uint64_t shrunk_crashes() const { return outcome.spec.crashes.size(); }
};

struct MutationTargets {
  double max_median_seconds = 1.0;  // median wall time to the first failure
  int64_t max_batches = 3;          // a small counterexample: at most this many batches
  uint64_t max_crashes = 2;         // and crashes
  double min_small_fraction = 0.9;  // for at least this share of the defects
};

struct MutationReport {
  std::vector<DefectHunt> hunts;
  uint64_t found = 0;
  uint64_t small = 0;  // shrunk within the batch and crash targets
  double median_seconds_to_first_failure = 0;
  MutationTargets targets;
  bool targets_met() const;
};

// Hunts every defect, resolving each exposing scenario's path against `root` (the repository).
// `options` gives the threads, shrink budget and binary for replay commands.
MutationReport HuntDefects(const std::string& root, const ExploreOptions& options,
                           uint64_t max_shrink_attempts = kShrinkAttempts);

}  // namespace sim
