// libFuzzer target: the crash-real journal reader. A journal is a file the real processes write
// and the supervisor reads after killing them at any moment, so any bytes must rebuild a run or
// be rejected with a Status naming the line; the run rebuilt is then judged by every oracle.
// Never a crash, a sanitizer report or an allocation far beyond the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oracle/check.h"
#include "oracle/protocol.h"
#include "real/journal.h"
#include "scenario/scenario.h"

namespace {

// The scenario the seed journals come from (fuzz/corpus/journal/: crash-real runs of it).
const sim::Scenario& Receiver() {
  static const sim::Scenario scenario = [] {
    ckpt::Result<sim::Scenario> loaded = sim::LoadScenario(
        CKPTSIM_SOURCE_DIR "/scenarios/regressions/wal-clear-queue-on-replay.yaml");
    if (!loaded.ok()) __builtin_trap();
    return loaded.value();
  }();
  return scenario;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view journal(reinterpret_cast<const char*>(data), size);
  ckpt::Result<sim::TrialRun> run = real::RunFromJournal(Receiver(), journal, true);
  if (!run.ok()) return 0;
  std::vector<sim::Failure> failures;
  sim::CheckProtocol(Receiver(), run.value(), sim::ApplicationOf(run.value()), failures);
  return 0;
}
