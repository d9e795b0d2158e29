// libFuzzer target: a scenario loaded and run. Any text that loads and passes Spark's start-time
// validation is run uncrashed, then crashed at a step the input picks, each within a step budget
// (under ASan and UBSan: an overflow in a duration, a window or a clock offset the loader let
// through is a report, not a wrong answer). Never a crash, a sanitizer report or a hang. The run
// is bounded here, not by the loader's limits (which allow days of virtual time): at most 20
// batches and 2,000 input records.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenario/scenario.h"
#include "sim/start_check.h"
#include "sim/trial.h"

namespace {

// What every input stream holds, the named sources' included.
size_t InputRecords(const sim::Scenario& scenario) {
  size_t records = 0;
  for (int32_t id = 0; id < sim::InputStreamCount(scenario); ++id) {
    const sim::SourceSpec& source = sim::InputSource(scenario, id);
    if (const auto* input = source.held_input()) {
      for (const ckpt::Records& batch : *input) records += batch.size();
    }
    if (const auto* appends = source.appends()) {
      for (const sim::LogAppend& append : *appends) records += append.records.size();
    }
    if (const auto* file_input = source.get<sim::FileInput>()) {
      for (const sim::ProducedFile& file : file_input->files) records += file.lines.size();
    }
  }
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  ckpt::Result<sim::Scenario> loaded = sim::LoadScenarioFromText(
      text, "fuzz.yaml", sim::PluginPolicy{.extra = {}, .scenario_plugins_allowed = false});
  if (!loaded.ok()) return 0;
  sim::Scenario scenario = std::move(loaded).value();
  if (scenario.batches > 20 || InputRecords(scenario) > 2000) return 0;
  if (!sim::CheckApplicationStarts(scenario).ok()) return 0;
  sim::RunOptions options;
  options.max_steps = 20'000;
  sim::TrialRun clean = sim::RunTrial(scenario, sim::TrialSpec{}, options);
  if (clean.total_steps < 2) return 0;
  sim::TrialSpec crashed;
  crashed.crashes.push_back(
      sim::CrashSpec{sim::CrashBeforeStep{1 + size % (clean.total_steps - 1)}, ckpt::Duration{0}});
  sim::RunTrial(scenario, crashed, options);
  return 0;
}
