// The explorer: which trials to run against a scenario, and what they found.
//
//   exhaustive - for every step of the uninterrupted run (with the scenario's faults): crash
//                there and restart after the scenario's downtime, once per durable state the
//                filesystem model allows at that crash, up to max_crash_states per step. With
//                depth 2 (3), each depth-1 (2) trial in its first durable state is crashed again
//                at every step of its last recovery: crashes during recovery. Levels run in
//                order (all of depth 1 first), so a budget (max_trials) cuts the deepest level.
//   random     - swarm testing: seeded trials, each with 1 to kMaxRandomCrashes crashes at random
//                steps with random downtimes and durable states, a random subset of the
//                scenario's fault rules, a trial seed, an interleaving of the actors ready at the
//                same virtual time, and (when the scenario declares `swarm:` ranges) a variant of
//                the scenario (scenario/swarm.h), judged against its own uncrashed run. Trial k of
//                a scenario draws from a generator forked from (seed, scenario, k).
//   run        - the scenario's own `crashes:` list, once.
// Every failing trial carries a replay token and the exact command that replays it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "explore/references.h"
#include "oracle/oracle.h"
#include "oracle/results.h"
#include "scenario/scenario.h"
#include "sim/trial.h"

namespace sim {

// Where an exploration stands, for a progress display (ExploreOptions::on_progress).
struct Progress {
  size_t scenario_index = 0;  // 0-based
  size_t scenarios = 0;
  std::string scenario;
  uint64_t trials_done = 0;     // of this scenario
  uint64_t trials_planned = 0;  // of this scenario, as far as known (deeper levels add more)
  uint64_t failures = 0;        // of this scenario
};

struct ExploreOptions {
  Strategy strategy = Strategy::kExhaustive;
  uint64_t trials = 1000;  // random: trials per scenario
  uint64_t seed = 1;
  uint64_t max_crash_states = 8;  // exhaustive: durable states explored per crash step
  int depth = 1;                  // exhaustive: crashes per trial, the later ones during recovery
  // Per scenario (and per shard): no trial starts once this many ran (0: no budget). A depth-1
  // step's durable states run together, so the count may overshoot by their number.
  uint64_t max_trials = 0;
  int jobs = 1;  // threads, each running whole simulations; results do not depend on it
  // A deterministic slice: depth-1 crash steps (with their deeper trials) or random trial numbers
  // k with k % shard_count == shard_index. Shards merged (MergeResults) equal the whole run.
  uint64_t shard_index = 0;
  uint64_t shard_count = 1;
  // Reruns every trial whose token hashes to 0 mod kDeterminismSample and compares digests.
  bool check_determinism = false;
  // Starts no more trials of a scenario once one failed (the batch under way still finishes).
  bool stop_at_first_failure = false;
  // Convergence pruning (RunOptions::prune_against) where PruningApplies: a trial stops once its
  // last incarnation's state equals the uncrashed run's at the same tick.
  bool prune = false;
  RunOptions run;
  // Called on the exploring thread after each batch of trials; never influences a simulation.
  std::function<void(const Progress&)> on_progress;
  // Set (by a signal handler) to stop at the next trial boundary: the trials run so far are
  // reported, and the result is INCOMPLETE. Read between trials only, never by a simulation.
  const std::atomic<bool>* stop_requested = nullptr;
  std::string binary = "build/ckptsim";   // for replay commands
  std::vector<std::string> replay_flags;  // --defect/--fs/--conf/--plugin flags, as given
  // --plugin and --no-scenario-plugins: the scenarios read already follow them; crash-real passes
  // them to its children.
  PluginPolicy plugins;
};

inline constexpr uint64_t kDeterminismSample = 16;
inline constexpr int64_t kMaxRandomCrashes = 10;

// The trials a strategy runs on a scenario whose uninterrupted run has `crash_points` steps
// (exhaustive: each with the first durable state; ExploreScenario adds the others).
std::vector<TrialSpec> PlanTrials(const Scenario& scenario, uint64_t crash_points,
                                  const ExploreOptions& options);

// The scenario's own trial: its `crashes:` with its trial seed and interleaving (`ckptsim run`).
TrialSpec OwnTrial(const Scenario& scenario);

// Random trial `k` of `scenario` (PlanTrials' k-th): drawn from a generator forked from
// (options.seed, scenario, k) alone, so trials can be drawn in any order or a chunk at a time.
TrialSpec RandomTrial(const Scenario& scenario, uint64_t crash_points,
                      const ExploreOptions& options, uint64_t k);

ExploreResult Explore(const std::vector<Scenario>& scenarios, const ExploreOptions& options);

std::string ReplayCommand(const ExploreOptions& options, const std::string& scenario_path,
                          const std::string& token);

}  // namespace sim
