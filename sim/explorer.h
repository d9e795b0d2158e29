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
//                the scenario (sim/swarm.h), judged against its own uncrashed run. Trial k of a
//                scenario draws from a generator forked from (seed, scenario, k).
//   run        - the scenario's own `crashes:` list, once.
// Every failing trial carries a replay token and the exact command that replays it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/oracle.h"
#include "sim/scenario.h"
#include "sim/trial.h"

namespace sim {

// kCrashReal: results of real processes killed with SIGKILL (real/crash_real.h); the explorer
// itself never runs it.
enum class Strategy { kExhaustive, kRandom, kRun, kCrashReal };
const char* StrategyName(Strategy strategy);

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
  std::string binary = "build/ckptsim";   // for replay commands
  std::vector<std::string> replay_flags;  // --defect/--fs/--conf flags, as given
};

inline constexpr uint64_t kDeterminismSample = 16;
inline constexpr int64_t kMaxRandomCrashes = 10;

struct FailingTrial {
  std::string scenario;
  std::string scenario_path;
  std::string token;
  Failure failure;
  std::string replay;  // the command line that replays it
  // The trial's place in the scenario's trial space, for ordering merged results: exhaustive
  // [depth, 0, step, state, step, state, ...], random [1, k], run [0].
  std::vector<uint64_t> order;
};

// One level of exhaustive exploration: trials with `depth` crashes.
struct LevelSummary {
  int depth = 1;
  uint64_t planned = 0;          // trials the level has (children of the explored parents)
  uint64_t explored = 0;         // trials run (less than planned when the budget stopped it)
  bool parents_complete = true;  // false: the level above was cut, `planned` is a lower bound
};

// What adds up over trials, and so over threads, shards and scenarios.
struct TrialCounts {
  uint64_t trials = 0;
  uint64_t failures = 0;
  uint64_t expected_failures = 0;  // failures of the kinds the scenario expects
  uint64_t known_weaknesses = 0;   // failures that are a known weakness (KnownWeakness)
  uint64_t determinism_checked = 0;
  uint64_t determinism_mismatches = 0;
  // exhaustive: durable crash states the model allowed over all crash steps (saturating), and
  // how many of them were explored (the rest lie beyond max_crash_states).
  uint64_t crash_states = 0;
  uint64_t crash_states_explored = 0;
  // Cost, in simulated steps: run, and what the trials would have run without pruning.
  uint64_t trials_pruned = 0;
  uint64_t steps_run = 0;
  uint64_t steps_unpruned = 0;

  void add(const TrialCounts& other);
};

struct ScenarioSummary : TrialCounts {
  std::string name;
  std::string path;
  uint64_t crash_points = 0;  // steps of the uninterrupted run
  // Over every trial's trace digest, order-independent (a sum of hashes), so that shards and
  // threads add up to the same value.
  uint64_t digest = 0;
  std::vector<FailureKind> expect_failures;  // the scenario's (merge checks them)
  std::vector<LevelSummary> levels;          // exhaustive
  // 1-based place of the first failing trial (0: none); for the mutation campaign, not in JSON
  // (shards cannot tell it).
  uint64_t first_failure_trial = 0;
  std::string ref_replay;  // the command that replays the uninterrupted run
};

// The counts are the scenarios' summed; crash_points too.
struct ExploreResult : TrialCounts {
  Strategy strategy = Strategy::kExhaustive;
  uint64_t seed = 0;
  uint64_t crash_points = 0;
  double elapsed_s = 0;
  uint64_t shard_index = 0;
  uint64_t shard_count = 1;
  std::vector<ScenarioSummary> scenarios;
  std::vector<FailingTrial> failing;
  // Failures a scenario's expect_failures contracts for (the first few per scenario).
  std::vector<FailingTrial> expected_failing;
  // Instances of a known weakness of the modelled protocol (the first few per scenario).
  std::vector<FailingTrial> known_weakness_failing;
};

inline constexpr size_t kExpectedFailingShown = 5;

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

// The trials a strategy runs on a scenario whose uninterrupted run has `crash_points` steps
// (exhaustive: each with the first durable state; ExploreScenario adds the others).
std::vector<TrialSpec> PlanTrials(const Scenario& scenario, uint64_t crash_points,
                                  const ExploreOptions& options);

ExploreResult Explore(const std::vector<Scenario>& scenarios, const ExploreOptions& options);

// Files the first failure of a trial (already counted in summary.trials): as one the scenario
// expects (expect_failures), as a known weakness (KnownWeakness), or as a failure.
void FileFailure(const Scenario& scenario, const TrialRun& run, FailingTrial failing,
                 ScenarioSummary& summary, ExploreResult& result);

// The failure reported when a scenario documents an unsafe configuration (expect_failures) and
// none of its trials showed it.
FailingTrial ExpectedFailuresMissing(const ScenarioSummary& summary);

// Combines the results of shards of one exploration (same scenarios, strategy and seed) into
// the result the whole exploration gives; elapsed_s is the largest. InvalidArgument when the
// parts do not belong together.
ckpt::Result<ExploreResult> MergeResults(const std::vector<ExploreResult>& parts);

std::string ReplayCommand(const ExploreOptions& options, const std::string& scenario_path,
                          const std::string& token);

}  // namespace sim
