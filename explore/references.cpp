#include "explore/references.h"

#include <utility>

namespace sim {

References::References(const Scenario& scenario, const RunOptions& options)
    : scenario_(scenario), options_(options) {
  options_.record_trace = false;
  options_.record_steps = false;
  options_.inject_faults = false;  // a reference is the same scenario without faults
  TrialRun run = RunTrial(scenario, TrialSpec{}, options_);
  base_ = BuildReference(scenario, run);
  if (options_.record_quiet_points) {
    prune_target_ = PruneTarget{std::move(run.quiet_points), run.emissions, run.total_steps};
  }
  base_key_.start = std::max(options_.first_start, scenario.first_start);
  if (InputDependsOnTiming(scenario)) base_key_.batch_input = BatchInput(scenario, run);
}

const Reference& References::at(const ReferenceKey& key) {
  if (key == base_key_ ||
      (!key.batch_input && (key.start == base_key_.start || !StartTimeMatters(scenario_)))) {
    return base_.reference;
  }
  auto it = others_.find(key);
  if (it != others_.end()) return it->second;
  RunOptions later = options_;
  later.first_start = key.start;
  Scenario replayed;
  const Scenario* scenario = &scenario_;
  if (key.batch_input) {
    // The same application, uncrashed, with sources that hand each batch the records the
    // judged incarnation's batches read.
    replayed = scenario_;
    for (const auto& [stream_id, input] : *key.batch_input) {
      InputSource(replayed, stream_id).of = SequenceInput{input};
    }
    replayed.expect.clear();
    scenario = &replayed;
  }
  Reference reference =
      BuildReference(*scenario, RunTrial(*scenario, TrialSpec{}, later)).reference;
  return others_.emplace(key, std::move(reference)).first->second;
}

std::vector<Failure> References::check(const TrialRun& run, bool require_expected_error) {
  if (!base_.failures.empty()) return base_.failures;
  // Evicted between checks only: CheckTrial holds on to the references it was given.
  if (others_.size() >= kMaxCachedReferences) others_.clear();
  return CheckTrial(
      scenario_, [this](const ReferenceKey& key) -> const Reference& { return at(key); }, run,
      require_expected_error);
}

}  // namespace sim
