#include "explore/mutation.h"

#include <algorithm>
#include <set>

#include "sim/defect_catalogue.h"
#include "util/stopwatch.h"

namespace sim {
namespace {

// Failing trials of the exploration, or nullopt when the uncrashed run fails.
std::optional<uint64_t> FailingTrials(const Scenario& scenario, const ExploreOptions& options) {
  ExploreResult result = Explore({scenario}, options);
  bool uncrashed = std::any_of(result.failing.begin(), result.failing.end(),
                               [](const FailingTrial& f) { return f.token == "ref"; });
  return uncrashed ? std::nullopt : std::optional(result.failures);
}

DefectHunt Hunt(const CatalogueDefect& info, const std::string& root, const ExploreOptions& base,
                uint64_t max_shrink_attempts) {
  DefectHunt hunt;
  hunt.defect = info.name;
  hunt.reverts = info.reverts;
  hunt.scenario_path = info.exposed_by;
  ckpt::Result<Scenario> scenario = LoadScenario(root + "/" + info.exposed_by);
  if (!scenario.ok()) {
    hunt.error = scenario.status().message();
    return hunt;
  }
  ExploreOptions options = base;
  options.strategy = Strategy::kExhaustive;
  options.stop_at_first_failure = true;
  options.run.defects = ckpt::DefectSet{};
  options.run.structured_defects = ckpt::structured::DefectSet{};
  info.add_to(options.run);
  Stopwatch stopwatch;
  ExploreResult result = Explore({scenario.value()}, options);
  hunt.seconds_to_first_failure = stopwatch.elapsed_s();
  hunt.trials_run = result.trials;
  if (result.failing.empty()) return hunt;
  const FailingTrial& first = result.failing.front();
  hunt.found = true;
  hunt.trials_to_first_failure = result.scenarios.front().first_failure_trial;
  hunt.token = first.token;
  hunt.kind = first.failure.kind;
  hunt.found_by = FoundBy(first.failure);
  options.stop_at_first_failure = false;
  hunt.failing_trials = FailingTrials(scenario.value(), options);
  options.run.record_protocol = false;
  hunt.failing_trials_outputs_only = FailingTrials(scenario.value(), options);
  options.run.record_protocol = true;
  stopwatch.restart();
  hunt.outcome = Shrink(scenario.value(), TrialSpec::ParseToken(first.token).value(),
                        first.failure.kind, options.run, max_shrink_attempts);
  hunt.shrink_seconds = stopwatch.elapsed_s();
  if (hunt.shrunk() && hunt.outcome.scenario.engine == Engine::kStructured) {
    TrialRun uncrashed = RunTrial(hunt.outcome.scenario, TrialSpec{}, options.run);
    std::set<int64_t> ids;
    for (const StructuredPlan& plan : uncrashed.structured.plans) ids.insert(plan.batch_id);
    hunt.structured_batches = static_cast<int64_t>(ids.size());
  }
  return hunt;
}

}  // namespace

bool MutationReport::targets_met() const {
  // A campaign that hunted nothing proves nothing: it never meets the targets.
  return !hunts.empty() && found == hunts.size() &&
         median_seconds_to_first_failure <= targets.max_median_seconds &&
         static_cast<double>(small) >=
             targets.min_small_fraction * static_cast<double>(hunts.size());
}

MutationReport HuntDefects(const std::string& root, const ExploreOptions& options,
                           uint64_t max_shrink_attempts) {
  MutationReport report;
  std::vector<double> seconds;
  for (const CatalogueDefect& info : DefectCatalogue()) {
    DefectHunt hunt = Hunt(info, root, options, max_shrink_attempts);
    if (hunt.found) {
      ++report.found;
      seconds.push_back(hunt.seconds_to_first_failure);
    }
    if (hunt.shrunk() && hunt.shrunk_batches() <= report.targets.max_batches &&
        hunt.shrunk_crashes() <= report.targets.max_crashes) {
      ++report.small;
    }
    report.hunts.push_back(std::move(hunt));
  }
  if (!seconds.empty()) {
    std::sort(seconds.begin(), seconds.end());
    size_t n = seconds.size();
    report.median_seconds_to_first_failure =
        n % 2 == 1 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
  }
  return report;
}

}  // namespace sim
