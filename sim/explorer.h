// The explorer: which trials to run against a scenario, and what they found.
//
//   exhaustive - for every step of the uninterrupted run (with the scenario's faults): crash
//                there and restart after the scenario's downtime, once per durable state the
//                filesystem model allows at that crash, up to max_crash_states per step.
//   random     - seeded trials: 1 to 3 crashes at random steps with random downtimes and
//                durable states, a random subset of the scenario's fault rules and a trial seed;
//                trial k of a scenario draws from a generator forked from (seed, scenario, k).
//   run        - the scenario's own `crashes:` list, once.
// Every failing trial carries a replay token and the exact command that replays it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/oracle.h"
#include "sim/scenario.h"
#include "sim/trial.h"

namespace sim {

enum class Strategy { kExhaustive, kRandom, kRun };
const char* StrategyName(Strategy strategy);

struct ExploreOptions {
  Strategy strategy = Strategy::kExhaustive;
  uint64_t trials = 1000;  // random: trials per scenario
  uint64_t seed = 1;
  uint64_t max_crash_states = 8;  // exhaustive: durable states explored per crash step
  RunOptions run;
  std::string binary = "build/ckptsim";   // for replay commands
  std::vector<std::string> replay_flags;  // --defect/--fs/--conf flags, as given
};

struct FailingTrial {
  std::string scenario;
  std::string scenario_path;
  std::string token;
  Failure failure;
  std::string replay;  // the command line that replays it
};

struct ScenarioSummary {
  std::string name;
  std::string path;
  uint64_t trials = 0;
  uint64_t failures = 0;
  uint64_t crash_points = 0;  // steps of the uninterrupted run
  uint64_t digest = 0;        // over every trial's trace digest, in trial order
  // exhaustive: durable crash states the model allowed over all crash steps (saturating), and
  // how many of them were explored (the rest lie beyond max_crash_states).
  uint64_t crash_states = 0;
  uint64_t crash_states_explored = 0;
  uint64_t expected_failures = 0;  // failures of the kinds the scenario expects
};

struct ExploreResult {
  Strategy strategy = Strategy::kExhaustive;
  uint64_t seed = 0;
  uint64_t trials = 0;
  uint64_t failures = 0;
  uint64_t crash_points = 0;
  uint64_t crash_states = 0;
  uint64_t crash_states_explored = 0;
  double elapsed_s = 0;
  uint64_t expected_failures = 0;
  std::vector<ScenarioSummary> scenarios;
  std::vector<FailingTrial> failing;
  // Failures a scenario's expect_failures contracts for (the first few per scenario).
  std::vector<FailingTrial> expected_failing;
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
  // Checks `run` against the right references (see CheckTrial).
  std::vector<Failure> check(const TrialRun& run, bool require_expected_error = false);

 private:
  const Scenario& scenario_;
  RunOptions options_;
  ReferenceOutcome base_;
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

std::string ReplayCommand(const ExploreOptions& options, const std::string& scenario_path,
                          const std::string& token);

}  // namespace sim
