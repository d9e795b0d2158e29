// Crash-recovery trial throughput (Google Benchmark).
//
//   build/ckpt_bench --benchmark_format=json
//
// BM_UninterruptedRun and BM_CrashRecoveryTrial measure one trial of
// scenarios/basic/running_count.yaml without and with a crash in the middle, so their ratio
// (measured in the same run) is what a crash costs. BM_ExhaustiveExploration reports
// trials_per_second for the whole exhaustive exploration, the figure the explorer lives on.
#include <benchmark/benchmark.h>

#include "sim/explorer.h"
#include "sim/trial.h"

namespace {

const sim::Scenario& RunningCount() {
  static const sim::Scenario scenario =
      sim::LoadScenario(CKPTSIM_SOURCE_DIR "/scenarios/basic/running_count.yaml").value();
  return scenario;
}

void BM_UninterruptedRun(benchmark::State& state) {
  sim::RunOptions options;
  for (auto _ : state) {
    sim::TrialRun run = sim::RunTrial(RunningCount(), sim::TrialSpec{}, options);
    benchmark::DoNotOptimize(run.digest);
  }
}
BENCHMARK(BM_UninterruptedRun)->Unit(benchmark::kMicrosecond);

void BM_CrashRecoveryTrial(benchmark::State& state) {
  sim::RunOptions options;
  uint64_t steps = sim::RunTrial(RunningCount(), sim::TrialSpec{}, options).total_steps;
  sim::TrialSpec spec{{sim::CrashSpec{steps / 2, ckpt::Duration{0}, {}, 0}}};
  for (auto _ : state) {
    sim::TrialRun run = sim::RunTrial(RunningCount(), spec, options);
    benchmark::DoNotOptimize(run.digest);
  }
}
BENCHMARK(BM_CrashRecoveryTrial)->Unit(benchmark::kMicrosecond);

void BM_ExhaustiveExploration(benchmark::State& state) {
  sim::ExploreOptions options;
  uint64_t trials = 0;
  for (auto _ : state) {
    sim::ExploreResult result = sim::Explore({RunningCount()}, options);
    trials += result.trials;
    benchmark::DoNotOptimize(result.failures);
  }
  state.counters["trials_per_second"] =
      benchmark::Counter(static_cast<double>(trials), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExhaustiveExploration)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
