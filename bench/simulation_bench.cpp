// The simulator's own speed: trials, explorations, events and virtual time (Google Benchmark).
//
//   build/ckpt_bench --benchmark_filter='Trial|Exploration|EventLoop|VirtualTime'
//
// BM_UninterruptedRun and BM_CrashRecoveryTrial run one trial of running_count.yaml without and
// with a crash in the middle: their ratio, read from one run, is what a crash costs a trial. The
// exploration benchmarks report trials_per_second; BM_VirtualTimeAcceleration reports simulated
// seconds per wall second for a production-like stateful job.
#include <benchmark/benchmark.h>

#include "bench/bench_support.h"
#include "explore/explorer.h"
#include "sim/event_loop.h"
#include "sim/trial.h"
#include "util/random.h"

namespace {

const sim::Scenario& RunningCount() { return bench::Bundled("scenarios/basic/running_count.yaml"); }

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
  sim::TrialSpec spec{{sim::CrashSpec{sim::CrashBeforeStep{steps / 2}, ckpt::Duration{0}}}};
  for (auto _ : state) {
    sim::TrialRun run = sim::RunTrial(RunningCount(), spec, options);
    benchmark::DoNotOptimize(run.digest);
  }
}
BENCHMARK(BM_CrashRecoveryTrial)->Unit(benchmark::kMicrosecond);

void Explore(benchmark::State& state, sim::Strategy strategy) {
  sim::ExploreOptions options;
  options.strategy = strategy;
  options.trials = 300;
  uint64_t trials = 0;
  for (auto _ : state) {
    sim::ExploreResult result = sim::Explore({RunningCount()}, options);
    if (result.failures != 0) state.SkipWithError("the exploration found failures");
    trials += result.trials;
  }
  state.counters["trials_per_second"] =
      benchmark::Counter(static_cast<double>(trials), benchmark::Counter::kIsRate);
}

// Every crash point of running_count.yaml (one crash per trial), on one core.
void BM_ExhaustiveExploration(benchmark::State& state) {
  Explore(state, sim::Strategy::kExhaustive);
}
BENCHMARK(BM_ExhaustiveExploration)->Unit(benchmark::kMillisecond);

// 300 swarm trials of running_count.yaml: 1 to 10 crashes, variants, interleavings.
void BM_RandomExploration(benchmark::State& state) { Explore(state, sim::Strategy::kRandom); }
BENCHMARK(BM_RandomExploration)->Unit(benchmark::kMillisecond);

// Schedules `range(0)` tasks at random times of 8 actors-worth of owners, then runs them all.
void BM_EventLoop(benchmark::State& state) {
  const auto tasks = static_cast<uint64_t>(state.range(0));
  uint64_t events = 0;
  for (auto _ : state) {
    sim::EventLoop loop;
    sim::Random random(7);
    uint64_t ran = 0;
    for (uint64_t i = 0; i < tasks; ++i) {
      loop.schedule_at(static_cast<sim::OwnerId>(i % 8), ckpt::Time{int64_t(random.below(100000))},
                       {}, [&ran] { ++ran; });
    }
    while (std::optional<sim::EventLoop::Entry> entry = loop.pop()) {
      entry->task();
      loop.finish_task(*entry);
    }
    if (ran != tasks) state.SkipWithError("the loop lost tasks");
    events += ran;
  }
  state.counters["events_per_second"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EventLoop)->Arg(1 << 16)->Unit(benchmark::kMillisecond);

// Ten simulated minutes of bench/scenarios/stateful_1s_1000.yaml, uncrashed.
void BM_VirtualTimeAcceleration(benchmark::State& state) {
  const sim::Scenario& scenario = bench::Bundled("bench/scenarios/stateful_1s_1000.yaml");
  sim::RunOptions options;
  double simulated_seconds = 0;
  for (auto _ : state) {
    sim::TrialRun run = sim::RunTrial(scenario, sim::TrialSpec{}, options);
    if (!run.quiesced || run.emissions.size() != static_cast<size_t>(scenario.batches)) {
      state.SkipWithError("the run did not emit every batch");
    }
    simulated_seconds += static_cast<double>(scenario.batches * scenario.batch_duration.ms) / 1000;
  }
  state.counters["simulated_seconds_per_second"] =
      benchmark::Counter(simulated_seconds, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VirtualTimeAcceleration)->Unit(benchmark::kMillisecond);

}  // namespace
