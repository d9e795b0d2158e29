#include "sim/explorer.h"

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
        trials.push_back(TrialSpec{{CrashSpec{step, scenario.downtime, std::nullopt}}});
      }
      break;
    case Strategy::kRandom: {
      Random scenario_random = Random(options.seed).fork(scenario.name);
      int64_t max_downtime_ms = scenario.batch_duration.ms * 4;
      for (uint64_t k = 0; k < options.trials; ++k) {
        Random random = scenario_random.fork(k);
        TrialSpec spec;
        int64_t crash_count = random.between(1, 3);
        for (int64_t c = 0; c < crash_count; ++c) {
          spec.crashes.push_back(CrashSpec{random.below(crash_points),
                                           Duration{random.between(0, max_downtime_ms)},
                                           std::nullopt});
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
  base_ = BuildReference(scenario, RunTrial(scenario, TrialSpec{}, options_));
}

const Reference& References::at(ckpt::Time start) {
  if (start.ms == 0 || !StartTimeMatters(scenario_)) return base_.reference;
  auto it = started_later_.find(start.ms);
  if (it == started_later_.end()) {
    RunOptions later = options_;
    later.first_start = start;
    it = started_later_
             .emplace(start.ms,
                      BuildReference(scenario_, RunTrial(scenario_, TrialSpec{}, later)).reference)
             .first;
  }
  return it->second;
}

std::vector<Failure> References::check(const TrialRun& run, bool require_expected_error) {
  return CheckTrial(
      scenario_, [this](ckpt::Time start) -> const Reference& { return at(start); }, run,
      require_expected_error);
}

namespace {

FailingTrial MakeFailing(const Scenario& scenario, const std::string& token, Failure failure,
                         const ExploreOptions& options) {
  return FailingTrial{scenario.name, scenario.path, token, std::move(failure),
                      ReplayCommand(options, scenario.path, token)};
}

void ExploreScenario(const Scenario& scenario, const ExploreOptions& options,
                     ExploreResult& result) {
  ScenarioSummary summary{scenario.name, scenario.path, 0, 0, 0, ckpt::kFnvOffset};
  References references(scenario, options.run);
  const ReferenceOutcome& reference = references.base();
  summary.crash_points = reference.reference.steps;
  if (!reference.failures.empty()) {
    // Without a clean reference nothing else can be judged: report it as the scenario's failure.
    summary.trials = 1;
    summary.failures = 1;
    result.failing.push_back(MakeFailing(scenario, "ref", reference.failures.front(), options));
  } else {
    for (const TrialSpec& spec : PlanTrials(scenario, summary.crash_points, options)) {
      TrialRun run = RunTrial(scenario, spec, options.run);
      summary.digest = ckpt::Fnv1a(&run.digest, sizeof run.digest, summary.digest);
      ++summary.trials;
      // `run` replays the scenario's own crashes, which must produce its expected error.
      bool require_expected_error = options.strategy == Strategy::kRun && !spec.crashes.empty();
      std::vector<Failure> failures = references.check(run, require_expected_error);
      if (failures.empty()) continue;
      ++summary.failures;
      result.failing.push_back(MakeFailing(scenario, spec.token(), failures.front(), options));
    }
  }
  result.trials += summary.trials;
  result.failures += summary.failures;
  result.crash_points += summary.crash_points;
  result.scenarios.push_back(summary);
}

}  // namespace

ExploreResult Explore(const std::vector<Scenario>& scenarios, const ExploreOptions& options) {
  // Wall time is measured only for the report; it never influences a simulation.
  auto started = std::chrono::steady_clock::now();
  ExploreResult result;
  result.strategy = options.strategy;
  result.seed = options.seed;
  for (const Scenario& scenario : scenarios) ExploreScenario(scenario, options, result);
  result.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace sim
