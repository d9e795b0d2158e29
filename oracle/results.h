// What trials found: per trial its first failure and replay command, per scenario and in total
// counts that add up over trials, threads, shards and scenarios; filing a failure as one the
// scenario expects, as a known weakness or as a failure; merging the results of shards. The
// explorer (explore/) and crash-real (real/) fill them; reports/ prints them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "oracle/oracle.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace sim {

// kCrashReal: results of real processes killed with SIGKILL (real/crash_real.h); the explorer
// itself never runs it.
enum class Strategy { kExhaustive, kRandom, kRun, kCrashReal };
const char* StrategyName(Strategy strategy);

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

// How long recovery took over trials: from each crash to the first batch completed after the
// restart (its output received by the sink; a structured query's: its commit), in virtual ms. Held
// as counts per bucket of a 1-2-5 series (1, 2, 5, 10, 20, ... ms), so that threads and shards add
// up to the same figures.
struct RecoveryTimes {
  uint64_t restarts = 0;  // restarts after a crash
  uint64_t never = 0;     // of them, those after which no batch completed before the run ended
  int64_t max_ms = 0;     // the longest recovery
  std::map<int64_t, uint64_t> at_most_ms;  // bucket bound -> recoveries that took at most it
                                           // (and more than the bound below)

  // The 1-2-5 bound that `ms` falls under (a negative time counts as 0).
  static int64_t BucketBound(int64_t ms);
  void add_recovery(int64_t ms);
  void add(const RecoveryTimes& other);
  uint64_t recovered() const { return restarts - never; }
  // The bound of the bucket that holds the recovery at quantile `q` (0 < q <= 1) of those that
  // recovered; 0 when none did.
  int64_t quantile_bound_ms(double q) const;
};

// Adds the recovery times of one trial's restarts to `times` (in place: no map built per trial).
void AddRecoveryTimes(const TrialRun& run, RecoveryTimes& times);

// What adds up over trials, and so over threads, shards and scenarios.
struct TrialCounts {
  uint64_t trials = 0;
  uint64_t failures = 0;
  uint64_t expected_failures = 0;  // failures of the kinds the scenario expects
  uint64_t known_weaknesses = 0;   // failures that are a known weakness (KnownWeakness)
  std::map<std::string, uint64_t> known_weaknesses_by_name;  // the same, per weakness
  // The cost of excusing them: trials re-run with a weakness's fix, and their steps.
  uint64_t weakness_reruns = 0;
  uint64_t weakness_rerun_steps = 0;
  uint64_t determinism_checked = 0;
  uint64_t determinism_mismatches = 0;
  // exhaustive: durable crash states the model allowed over all crash steps (saturating), and
  // how many of them were explored (the rest lie beyond max_crash_states).
  uint64_t crash_states = 0;
  uint64_t crash_states_explored = 0;
  // What the strategy planned and what ran, in units (a random trial, a depth-1 crash step with
  // its durable states, a deeper trial, the `run` strategy's one trial). Fewer explored than
  // planned: a budget (--max-trials, --stop-at-first-failure) or an interrupt cut the run short,
  // and the verdict is INCOMPLETE, never PASS. Durable states beyond --max-crash-states are not a
  // cut: like --depth they are part of what the strategy plans (the totals print them).
  uint64_t units_planned = 0;
  uint64_t units_explored = 0;
  bool complete() const { return units_explored >= units_planned; }
  // Cost, in simulated steps: run, and what the trials would have run without pruning.
  uint64_t trials_pruned = 0;
  uint64_t steps_run = 0;
  uint64_t steps_unpruned = 0;
  RecoveryTimes recovery;

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
  // The run strategy: the token of the trial the scenario's `crashes:` list makes, and how many
  // of those crashes fired (the later ones may come after the run ended).
  std::string run_token;
  uint64_t crashes_planned = 0;
  uint64_t crashes_fired = 0;
  // The scenario's expect_state assertions: judged on its own trial only (`run`, and the replay
  // of that trial), so an exploration (and a merge of its shards) says it left them unjudged.
  uint64_t state_expectations = 0;
  // Wall time spent exploring it (summed over shards), for reports only (JUnit's time=).
  uint64_t elapsed_ms = 0;
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
  bool interrupted = false;  // a stop was requested (Ctrl-C): the result is partial
};

inline constexpr size_t kExpectedFailingShown = 5;

// a + b, or the largest uint64_t when that overflows (counts of crash states).
uint64_t SaturatingAdd(uint64_t a, uint64_t b);

// Adds a scenario's counts (crash points included) to the result's totals.
void AddToTotals(const ScenarioSummary& summary, ExploreResult& result);

// Runs the failing trial again, the same way, with `fixes` on (engine/fixes.h): its record and
// its failures. Null where a trial cannot be run again (a run a person killed).
using RerunWithFixes =
    std::function<std::pair<TrialRun, std::vector<Failure>>(const ckpt::FixSet& fixes)>;

// Files the first failure of a trial (already counted in summary.trials): as one the scenario
// expects (expect_failures); as a known weakness (KnownWeakness) only when the trial passes once
// rerun with that weakness's fix on (and, when the fix uncovers another known weakness, with its
// fix too; the reruns are counted in summary); or as a failure, which says when it only looks
// like a known weakness.
void FileFailure(const Scenario& scenario, const TrialRun& run, FailingTrial failing,
                 const RerunWithFixes& rerun, ScenarioSummary& summary, ExploreResult& result);

// The failure reported when a scenario documents an unsafe configuration (expect_failures) and
// none of its trials showed it.
FailingTrial ExpectedFailuresMissing(const ScenarioSummary& summary);

// Combines the results of shards of one exploration (same scenarios, strategy and seed) into
// the result the whole exploration gives; elapsed_s is the largest. InvalidArgument when the
// parts do not belong together.
ckpt::Result<ExploreResult> MergeResults(const std::vector<ExploreResult>& parts);

}  // namespace sim
