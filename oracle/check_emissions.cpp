#include <algorithm>
#include <map>
#include <set>

#include "oracle/check.h"

namespace sim {

void CheckEmissions(const CheckInput& input, std::vector<Failure>& failures) {
  const Scenario& scenario = input.scenario;
  const ReferenceFor& reference_for = input.reference_for;
  const TrialRun& run = input.run;
  const Applications& applications = input.applications;
  const std::vector<int>& application = applications.of;
  // Each incarnation's reference, looked up once (a log source's key holds every batch's input).
  std::vector<const Reference*> references(run.incarnations.size(), nullptr);
  // (application, output, time) -> incarnations that emitted it.
  std::map<std::tuple<int, std::string, int64_t>, std::vector<int>> emitted_by;
  const std::set<std::string> in_transforms = scenario.transform_action_sinks();
  for (const Emission& e : run.emissions) {
    const IncarnationRecord& incarnation = run.incarnations[e.incarnation];
    Time zero = incarnation.zero_time.value_or(Time{0});
    int64_t index = BatchIndex(e.batch_time, zero, scenario.batch_duration);
    const Reference*& cached = references[e.incarnation];
    if (!cached) cached = &reference_for(applications.keys[e.incarnation]);
    const Reference& reference = *cached;
    auto expected = reference.outputs.find(e.output);
    if (index < 1 || index > scenario.batches || expected == reference.outputs.end() ||
        reference.silent.count({e.output, index}) > 0) {
      failures.push_back(
          {FailureKind::kDivergentOutput, e.batch_time,
           "output " + e.output + " emitted for a batch time the reference run " + "never had"});
      continue;
    }
    const ckpt::Records& want = expected->second[index - 1];
    if (e.records != want) {
      failures.push_back({FailureKind::kDivergentOutput, e.batch_time,
                          "output " + e.output + " of batch " + std::to_string(e.batch_time.ms) +
                              ": expected " + Describe(want) + ", got " + Describe(e.records) +
                              " (incarnation " + std::to_string(e.incarnation) + ")"});
    }
    auto& emitters = emitted_by[{application[e.incarnation], e.output, e.batch_time.ms}];
    if (!emitters.empty()) {
      std::string why;
      if (std::find(emitters.begin(), emitters.end(), e.incarnation) != emitters.end()) {
        why = "emitted twice by incarnation " + std::to_string(e.incarnation);
      } else if (!incarnation.recovered) {
        why = "emitted again by a fresh start";
      } else {
        std::vector<Time> reruns =
            LegitimateReruns(incarnation.checkpoint_time, incarnation.pending_times, zero,
                             scenario.batch_duration, incarnation.clock_at_start());
        // The timer generates every batch from the restart time on: when this process's clock
        // is behind an earlier one's, those include batches that process had already run.
        bool timer_batch = incarnation.restart_time && e.batch_time >= *incarnation.restart_time;
        // An action inside a transform runs again for an older batch whose RDD recovery
        // recomputes from its lineage (Scenario::transform_action_sinks).
        bool recomputed =
            in_transforms.count(e.output) > 0 && e.batch_time <= incarnation.checkpoint_time;
        if (!timer_batch && !recomputed &&
            !std::binary_search(reruns.begin(), reruns.end(), e.batch_time)) {
          why = "emitted again by incarnation " + std::to_string(e.incarnation) +
                ", which recovered from checkpoint time " +
                std::to_string(incarnation.checkpoint_time.ms) + " and had no reason to re-run it";
        }
      }
      if (!why.empty()) {
        failures.push_back(
            {FailureKind::kUnexpectedDuplicate, e.batch_time,
             "output " + e.output + " of batch " + std::to_string(e.batch_time.ms) + " " + why});
      }
    }
    emitters.push_back(e.incarnation);
  }
}

}  // namespace sim
