#include "sim/explorer.h"

#include <algorithm>
#include <chrono>

#include "sim/random.h"

namespace sim {

const char* StrategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::kExhaustive:
      return "exhaustive";
    case Strategy::kRandom:
      return "random";
    case Strategy::kRun:
      return "run";
  }
  return "?";
}

std::string ReplayCommand(const ExploreOptions& options, const std::string& scenario_path,
                          const std::string& token) {
  std::string command = options.binary + " replay " + scenario_path + " --token " + token;
  for (const std::string& flag : options.replay_flags) command += " " + flag;
  return command;
}

std::vector<TrialSpec> PlanTrials(const Scenario& scenario, uint64_t crash_points,
                                  const ExploreOptions& options) {
  std::vector<TrialSpec> trials;
  switch (options.strategy) {
    case Strategy::kRun:
      trials.push_back(TrialSpec{scenario.crashes});
      break;
    case Strategy::kExhaustive:
      for (uint64_t step = 0; step < crash_points; ++step) {
        trials.push_back(TrialSpec{{CrashSpec{step, scenario.downtime, std::nullopt, 0}}});
      }
      break;
    case Strategy::kRandom: {
      Random scenario_random = Random(options.seed).fork(scenario.name);
      int64_t max_downtime_ms = scenario.batch_duration.ms * 4;
      bool journaled = ModelFor(scenario, options.run) == PersistenceModel::kPosix ||
                       ModelFor(scenario, options.run) == PersistenceModel::kLyingDisk;
      uint64_t all_rules =
          scenario.faults.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << scenario.faults.size()) - 1;
      for (uint64_t k = 0; k < options.trials; ++k) {
        Random random = scenario_random.fork(k);
        TrialSpec spec;
        int64_t crash_count = random.between(1, 3);
        for (int64_t c = 0; c < crash_count; ++c) {
          uint64_t step = random.below(crash_points);
          Duration downtime{random.between(0, max_downtime_ms)};
          uint64_t state = journaled ? random.below(uint64_t{1} << 32) : 0;
          spec.crashes.push_back(CrashSpec{step, downtime, std::nullopt, state});
        }
        if (!scenario.faults.empty()) {
          spec.fault_mask = random.next_u64() & all_rules;
          if (spec.fault_mask == all_rules) spec.fault_mask = ~uint64_t{0};
          spec.seed = random.between(1, 1'000'000'000);
        }
        trials.push_back(std::move(spec));
      }
      break;
    }
  }
  return trials;
}

References::References(const Scenario& scenario, const RunOptions& options)
    : scenario_(scenario), options_(options) {
  options_.record_trace = false;
  options_.record_steps = false;
  options_.inject_faults = false;  // a reference is the same scenario without faults
  TrialRun run = RunTrial(scenario, TrialSpec{}, options_);
  base_ = BuildReference(scenario, run);
  base_key_.start = options_.first_start;
  if (scenario.source_kind == "log") base_key_.batch_input = LogBatchInput(scenario, run);
}

const Reference& References::at(const ReferenceKey& key) {
  if (key == base_key_ ||
      (!key.batch_input && (key.start == base_key_.start || !StartTimeMatters(scenario_)))) {
    return base_.reference;
  }
  auto it = others_.find(key);
  if (it != others_.end()) return it->second;
  if (others_.size() >= kMaxCachedReferences) others_.clear();
  RunOptions later = options_;
  later.first_start = key.start;
  Scenario replayed;
  const Scenario* scenario = &scenario_;
  if (key.batch_input) {
    // The same application, uncrashed, with a source that hands each batch the records the
    // judged incarnation's batches read.
    replayed = scenario_;
    replayed.source_kind = "sequence";
    replayed.input = *key.batch_input;
    replayed.expect.clear();
    scenario = &replayed;
  }
  Reference reference =
      BuildReference(*scenario, RunTrial(*scenario, TrialSpec{}, later)).reference;
  return others_.emplace(key, std::move(reference)).first->second;
}

std::vector<Failure> References::check(const TrialRun& run, bool require_expected_error) {
  return CheckTrial(
      scenario_, [this](const ReferenceKey& key) -> const Reference& { return at(key); }, run,
      require_expected_error);
}

namespace {

FailingTrial MakeFailing(const Scenario& scenario, const std::string& token, Failure failure,
                         const ExploreOptions& options) {
  return FailingTrial{scenario.name, scenario.path, token, std::move(failure),
                      ReplayCommand(options, scenario.path, token)};
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a + b < a ? ~uint64_t{0} : a + b; }

class ScenarioExplorer {
 public:
  ScenarioExplorer(const Scenario& scenario, const ExploreOptions& options, ExploreResult& result)
      : scenario_(scenario),
        options_(options),
        result_(result),
        references_(scenario, options.run),
        summary_{scenario.name, scenario.path, 0, 0, 0, ckpt::kFnvOffset, 0, 0, 0} {}

  void explore() {
    const ReferenceOutcome& reference = references_.base();
    // The trials crash the run with the scenario's faults, whose steps may differ.
    summary_.crash_points = scenario_.faults.empty()
                                ? reference.reference.steps
                                : RunTrial(scenario_, TrialSpec{}, options_.run).total_steps;
    if (!reference.failures.empty()) {
      // Without a clean reference nothing else can be judged: report it as the scenario's failure.
      summary_.trials = 1;
      summary_.failures = 1;
      result_.failing.push_back(
          MakeFailing(scenario_, "ref", reference.failures.front(), options_));
    } else {
      for (const TrialSpec& spec : PlanTrials(scenario_, summary_.crash_points, options_)) {
        const TrialRun run = run_trial(spec);
        if (options_.strategy == Strategy::kExhaustive) explore_other_states(spec, run);
      }
      check_expected_failures_found();
    }
    result_.trials += summary_.trials;
    result_.failures += summary_.failures;
    result_.expected_failures += summary_.expected_failures;
    result_.crash_points += summary_.crash_points;
    result_.crash_states = SaturatingAdd(result_.crash_states, summary_.crash_states);
    result_.crash_states_explored += summary_.crash_states_explored;
    result_.scenarios.push_back(summary_);
  }

 private:
  TrialRun run_trial(const TrialSpec& spec) {
    TrialRun run = RunTrial(scenario_, spec, options_.run);
    summary_.digest = ckpt::Fnv1a(&run.digest, sizeof run.digest, summary_.digest);
    ++summary_.trials;
    // `run` replays the scenario's own crashes, which must produce its expected error.
    bool require_expected_error = options_.strategy == Strategy::kRun && !spec.crashes.empty();
    std::vector<Failure> failures = references_.check(run, require_expected_error);
    if (failures.empty()) return run;
    const std::vector<FailureKind>& expected = scenario_.expect_failures;
    if (std::find(expected.begin(), expected.end(), failures.front().kind) == expected.end()) {
      ++summary_.failures;
      result_.failing.push_back(MakeFailing(scenario_, spec.token(), failures.front(), options_));
    } else if (summary_.expected_failures++ < kExpectedFailingShown) {
      result_.expected_failing.push_back(
          MakeFailing(scenario_, spec.token(), failures.front(), options_));
    }
    return run;
  }

  // A scenario that documents an unsafe configuration must still show it.
  void check_expected_failures_found() {
    if (scenario_.expect_failures.empty() || summary_.expected_failures > 0) return;
    std::string kinds;
    for (FailureKind kind : scenario_.expect_failures) {
      kinds += (kinds.empty() ? "" : ", ") + std::string(FailureKindName(kind));
    }
    ++summary_.failures;
    result_.failing.push_back(
        MakeFailing(scenario_, "ref",
                    Failure{FailureKind::kExpectationMismatch, std::nullopt,
                            "the scenario expects failures (" + kinds + ") and none of its " +
                                std::to_string(summary_.trials) + " trials failed"},
                    options_));
  }

  // The first trial at a crash step learns how many durable states the crash could leave; the
  // others are explored up to the bound.
  void explore_other_states(const TrialSpec& first, const TrialRun& run) {
    if (run.incarnations.empty() || !run.incarnations[0].crashed_at) return;
    uint64_t states = run.incarnations[0].crash_states;
    uint64_t explored = std::min(states, options_.max_crash_states);
    summary_.crash_states = SaturatingAdd(summary_.crash_states, states);
    summary_.crash_states_explored += std::max<uint64_t>(explored, 1);
    for (uint64_t state = 1; state < explored; ++state) {
      TrialSpec spec = first;
      spec.crashes[0].state = state;
      run_trial(spec);
    }
  }

  const Scenario& scenario_;
  const ExploreOptions& options_;
  ExploreResult& result_;
  References references_;
  ScenarioSummary summary_;
};

}  // namespace

ExploreResult Explore(const std::vector<Scenario>& scenarios, const ExploreOptions& options) {
  // Wall time is measured only for the report; it never influences a simulation.
  auto started = std::chrono::steady_clock::now();
  ExploreResult result;
  result.strategy = options.strategy;
  result.seed = options.seed;
  for (const Scenario& scenario : scenarios) ScenarioExplorer(scenario, options, result).explore();
  result.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace sim
