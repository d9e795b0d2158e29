// Property-based recovery tests (RapidCheck under GoogleTest).
//
// Method: RapidCheck draws a whole scenario (random words per batch, random job durations with a
// slow batch, a stateful running count with RDD checkpoints) and a crash (any step of the
// uninterrupted run, any downtime). The property: the recovered run's output equals the
// uninterrupted run's, batch by batch, with duplicates only where recovery may re-run. A failing
// case prints RapidCheck's seed; rerun with RC_PARAMS="reproduce=..." to replay it.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "explore/explorer.h"
#include "oracle/oracle.h"
#include "sim/trial.h"

namespace sim {
namespace {

rc::Gen<Scenario> GenScenario() {
  return rc::gen::exec([] {
    Scenario s;
    s.name = "property";
    s.batch_duration = Duration{*rc::gen::element<int64_t>(200, 500, 1000)};
    s.batches = *rc::gen::inRange<int64_t>(4, 16);
    for (int64_t i = 0; i < s.batches; ++i) {
      auto words = *rc::gen::container<std::vector<std::string>>(
          *rc::gen::inRange<size_t>(0, 5), rc::gen::element<std::string>("a", "b", "c", "d"));
      ckpt::Records batch;
      for (const std::string& w : words) batch.push_back(ckpt::Value::String(w));
      s.source.held_input()->push_back(batch);
    }
    PipelineStep pair = PipelineStep::Of(Operation::kMap);
    pair.function = {"pair_with_one", {}};
    PipelineStep state = PipelineStep::Of(Operation::kUpdateStateByKey);
    state.function = {"running_sum", {}};
    state.checkpoint_interval = s.batch_duration * *rc::gen::inRange<int64_t>(1, 4);
    PipelineStep collect = PipelineStep::Of(Operation::kCollect);
    collect.get<OutputArguments>()->output_name = "counts";
    s.pipeline = {pair, state, collect};
    s.processing.job_base = Duration{*rc::gen::inRange<int64_t>(0, s.batch_duration.ms)};
    s.processing.slow_batches[*rc::gen::inRange<int64_t>(1, s.batches + 1)] =
        Duration{*rc::gen::inRange<int64_t>(0, 4 * s.batch_duration.ms)};
    return s;
  });
}

RC_GTEST_PROP(Recovery, OneCrashAnywhereRecoversTheReferenceOutput, ()) {
  Scenario scenario = *GenScenario();
  RunOptions options;
  TrialRun reference_run = RunTrial(scenario, TrialSpec{}, options);
  ReferenceOutcome reference = BuildReference(scenario, reference_run);
  RC_ASSERT(reference.failures.empty());
  uint64_t step = *rc::gen::inRange<uint64_t>(0, reference_run.total_steps);
  int64_t downtime_ms = *rc::gen::inRange<int64_t>(0, 4 * scenario.batch_duration.ms);
  TrialSpec spec{{CrashSpec{CrashBeforeStep{step}, Duration{downtime_ms}}}};
  TrialRun run = RunTrial(scenario, spec, options);
  std::vector<Failure> failures = CheckTrial(scenario, reference.reference, run);
  RC_LOG() << "token " << spec.token() << "\n";
  if (!failures.empty())
    RC_LOG() << FailureKindName(failures.front().kind) << ": " << failures.front().detail;
  RC_ASSERT(failures.empty());
}

RC_GTEST_PROP(Determinism, RerunningATrialGivesTheSameTraceDigest, ()) {
  Scenario scenario = *GenScenario();
  TrialRun reference_run = RunTrial(scenario, TrialSpec{}, RunOptions{});
  TrialSpec spec;
  int crashes = *rc::gen::inRange(1, 4);
  for (int i = 0; i < crashes; ++i) {
    spec.crashes.push_back(
        CrashSpec{CrashBeforeStep{*rc::gen::inRange<uint64_t>(0, reference_run.total_steps)},
                  Duration{*rc::gen::inRange<int64_t>(0, 3000)}});
  }
  TrialRun first = RunTrial(scenario, spec, RunOptions{});
  TrialRun second = RunTrial(scenario, spec, RunOptions{});
  RC_ASSERT(first.digest == second.digest);
  RC_ASSERT(first.emissions.size() == second.emissions.size());
}

// The property above must be able to fail: with restart's down times switched off, the same
// generator finds a counterexample.
TEST(Recovery, ThePropertyCatchesABrokenEngine) {
  const auto result = rc::check("skip-down-times breaks recovery", [] {
    Scenario scenario = *GenScenario();
    RunOptions options;
    options.defects.add(ckpt::Defect::kSkipDownTimes);
    TrialRun reference_run = RunTrial(scenario, TrialSpec{}, options);
    ReferenceOutcome reference = BuildReference(scenario, reference_run);
    uint64_t step = *rc::gen::inRange<uint64_t>(0, reference_run.total_steps);
    TrialRun run =
        RunTrial(scenario, TrialSpec{{CrashSpec{CrashBeforeStep{step}, Duration{0}}}}, options);
    RC_ASSERT(CheckTrial(scenario, reference.reference, run).empty());
  });
  EXPECT_FALSE(result);
}

}  // namespace
}  // namespace sim
