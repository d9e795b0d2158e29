#include "explore/timeline.h"

#include <set>

#include "scenario/swarm.h"

namespace sim {
namespace {

// Labels read "batch 500 · writer · write checkpoint › rename ..." or "driver · start ...": the
// actor names the lane, and a filesystem call (after "›") has a lane of its own.
Lane LaneOf(const std::string& label) {
  if (label.find(" \u203a ") != std::string::npos) return Lane::kFilesystem;
  const std::pair<const char*, Lane> actors[] = {{"\u00b7 timer \u00b7", Lane::kGenerator},
                                                 {"\u00b7 generator \u00b7", Lane::kGenerator},
                                                 {"\u00b7 scheduler \u00b7", Lane::kGenerator},
                                                 {"\u00b7 executor \u00b7", Lane::kJobs},
                                                 {"\u00b7 writer \u00b7", Lane::kWriter}};
  for (auto [actor, lane] : actors) {
    if (label.find(actor) != std::string::npos) return lane;
  }
  return Lane::kDriver;
}

// A structured query's batches by id, at the time the uninterrupted run delivered each: who
// delivered it in the trial (foreachBatch; a file sink's batches are judged through its log).
std::vector<TimelineBatch> StructuredBatchOutcomes(const Reference& reference,
                                                   const TrialRun& run) {
  std::vector<TimelineBatch> batches;
  std::set<int64_t> seen;
  for (const StructuredDelivery& want : reference.structured.deliveries) {
    if (!seen.insert(want.batch_id).second) continue;
    TimelineBatch batch;
    batch.time = want.at;
    std::string emitters;
    int deliveries = 0;
    bool divergent = false;
    for (const StructuredDelivery& got : run.structured.deliveries) {
      if (got.batch_id != want.batch_id) continue;
      ++deliveries;
      emitters += (emitters.empty() ? "#" : " and #") + std::to_string(got.incarnation);
      divergent = divergent || got.records != want.records;
    }
    batch.outcome = divergent         ? BatchOutcome::kDivergent
                    : deliveries == 0 ? BatchOutcome::kLost
                    : deliveries > 1  ? BatchOutcome::kReexecuted
                                      : BatchOutcome::kCompleted;
    batch.detail = "batch " + std::to_string(want.batch_id) +
                   (deliveries == 0 ? " never delivered" : " delivered by " + emitters);
    batches.push_back(std::move(batch));
  }
  return batches;
}

std::vector<TimelineBatch> BatchOutcomes(const Scenario& scenario, const Reference& reference,
                                         const TrialRun& run) {
  if (scenario.engine == Engine::kStructured) return StructuredBatchOutcomes(reference, run);
  std::vector<TimelineBatch> batches;
  if (reference.outputs.empty() || run.incarnations.empty()) return batches;
  const auto& [output, expected] = *reference.outputs.begin();
  Time zero = run.incarnations[0].zero_time.value_or(Time{0});
  for (int64_t index = 1; index <= static_cast<int64_t>(expected.size()); ++index) {
    if (reference.silent.count({output, index})) continue;
    TimelineBatch batch;
    batch.time = zero + scenario.batch_duration * index;
    std::string emitters;
    int emissions = 0;
    bool divergent = false;
    for (const Emission& e : run.emissions) {
      if (e.output != output || e.batch_time != batch.time) continue;
      ++emissions;
      emitters += (emitters.empty() ? "#" : " and #") + std::to_string(e.incarnation);
      divergent = divergent || e.records != expected[static_cast<size_t>(index - 1)];
    }
    batch.outcome = divergent        ? BatchOutcome::kDivergent
                    : emissions == 0 ? BatchOutcome::kLost
                    : emissions > 1  ? BatchOutcome::kReexecuted
                                     : BatchOutcome::kCompleted;
    batch.detail = output + (emissions == 0 ? " never emitted" : " emitted by " + emitters);
    batches.push_back(std::move(batch));
  }
  return batches;
}

}  // namespace

const char* LaneName(Lane lane) {
  switch (lane) {
    case Lane::kGenerator:
      return "timer & job generator";
    case Lane::kJobs:
      return "jobs";
    case Lane::kWriter:
      return "checkpoint writer";
    case Lane::kFilesystem:
      return "filesystem";
    case Lane::kDriver:
      return "driver";
  }
  return "?";
}

const char* BatchOutcomeName(BatchOutcome outcome) {
  switch (outcome) {
    case BatchOutcome::kCompleted:
      return "completed";
    case BatchOutcome::kReexecuted:
      return "re-executed";
    case BatchOutcome::kLost:
      return "lost";
    case BatchOutcome::kDivergent:
      return "divergent";
  }
  return "?";
}

ckpt::Result<Timeline> BuildTimeline(const Scenario& declared, const FailingTrial& failing,
                                     const RunOptions& options) {
  CKPT_ASSIGN_OR_RETURN(TrialSpec spec, TrialSpec::ParseToken(failing.token));
  Scenario scenario = ScenarioVariant(declared, spec.variant);
  RunOptions replay = options;
  replay.record_steps = true;
  replay.record_trace = true;
  References references(scenario, options);
  TrialRun run = RunTrial(scenario, spec, replay);
  const Reference& reference = references.base().reference;

  Timeline t;
  t.scenario = failing.scenario;
  t.token = failing.token;
  t.replay = failing.replay;
  t.failure = failing.failure;
  t.batch_duration = scenario.batch_duration;
  t.end = run.end_time;
  for (const StepRecord& step : run.steps) {
    t.steps.push_back(TimelineStep{step.incarnation, step.time, LaneOf(step.label), step.label});
  }
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& record = run.incarnations[i];
    t.processes.push_back(TimelineProcess{static_cast<int>(i), record.started_at, record.crashed_at,
                                          record.recovered ? record.checkpoint_file : ""});
  }
  t.batches = BatchOutcomes(scenario, reference, run);
  t.divergence = ExplainDivergence(scenario, reference, run, failing.failure);
  return t;
}

}  // namespace sim
