// The uninterrupted runs a scenario's trials are judged against. The oracle never runs a
// simulation: this class runs them (sim/trial.h) and hands the oracle the one it asks for.
#pragma once

#include <cstddef>
#include <map>

#include "oracle/oracle.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"
#include "sim/trial.h"

namespace sim {

// The uninterrupted runs a scenario's trials are judged against (see ReferenceKey): the one
// started at time 0; when StartTimeMatters, one per other time at which a trial's application
// started afresh; for a log source, one per distinct set of records its batches read.
class References {
 public:
  References(const Scenario& scenario, const RunOptions& options);
  const ReferenceOutcome& base() const { return base_; }
  const Reference& at(const ReferenceKey& key);
  // Checks `run` against the right references (see CheckTrial). When the uncrashed run itself is
  // not clean, every trial fails the way it does: its failures.
  std::vector<Failure> check(const TrialRun& run, bool require_expected_error = false);
  // The base run's quiet points (RunOptions::record_quiet_points) for convergence pruning.
  const PruneTarget& prune_target() const { return prune_target_; }

 private:
  const Scenario& scenario_;
  RunOptions options_;
  ReferenceOutcome base_;
  PruneTarget prune_target_;
  // The references of other keys, built on demand (a bounded cache: rebuilt when evicted).
  std::map<ReferenceKey, Reference> others_;
  static constexpr size_t kMaxCachedReferences = 1024;
  ReferenceKey base_key_;
};

}  // namespace sim
