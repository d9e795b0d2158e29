// What the simulations of both engines (sim/trial.cpp, sim/structured_trial.cpp) share about the
// simulated machine: the engine's assertions as exceptions, injected faults, the crash planned
// for an incarnation, and the crash of the machine itself. Each takes the trial's record and
// tells the simulation what to trace and to mix into the digest, in the order it happens.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "oracle/trial_run.h"
#include "scenario/scenario.h"
#include "sim/event_loop.h"
#include "sim/faults.h"
#include "sim/sim_fs.h"

namespace sim {

// An engine invariant that failed (CKPT_ASSERT) inside a simulation: thrown by the handler
// ThrowEngineAssertion installs for the simulating thread, caught by the simulation's loop.
struct EngineAssertion {
  std::string message;
};
[[noreturn]] void ThrowEngineAssertion(const char* file, int line, const std::string& message);

// The scenario's fault rules, or none (RunOptions::inject_faults off: references).
const std::vector<FaultRule>& FaultRulesOf(const Scenario& scenario, bool inject_faults);

// The simulation's trace and digest, as the helpers below feed them.
struct MachineLog {
  std::function<void(const std::string&)> trace;
  std::function<void(const void*, size_t)> mix;
};

// The fault `injector` decides for `operation` on `path` (appending `bytes`): latency charged to
// the running task, a bit flipped in the file (noted in `run` and `incarnation`), and the error
// returned (noted in `incarnation`).
ckpt::Status InjectFault(FaultInjector& injector, SimFs& fs, EventLoop& loop, const char* operation,
                         const std::string& path, uint64_t bytes, TrialRun& run,
                         IncarnationRecord& incarnation, const MachineLog& log);

// Whether the crash a trial plans for one incarnation comes before its step `step` labelled
// `label`: at a step, at a time, or before or after the nth match of an event.
class PlannedCrash {
 public:
  // `crash`: the incarnation's crash, or null when it has none.
  PlannedCrash(const CrashSpec* crash, std::string checkpoint_dir)
      : crash_(crash), checkpoint_dir_(std::move(checkpoint_dir)) {}
  bool due(uint64_t step, ckpt::Time now, const std::string& label);
  // Whether due() reads its label (an event crash): callers build labels only then.
  bool needs_label() const {
    return crash_ && std::holds_alternative<CrashEvent>(crash_->placement);
  }

 private:
  const CrashSpec* crash_;
  std::string checkpoint_dir_;
  uint64_t event_matches_ = 0;       // of its event so far
  bool crash_at_next_step_ = false;  // its `after` event matched
};

// The crash of the machine the incarnation ran on, as `crash` says: the filesystem keeps the
// durable state `crash.state` picks, and the torn_write rules tear their newest file (noted in
// `run` and `incarnation`).
void CrashMachine(SimFs& fs, const FaultInjector& injector, const CrashSpec& crash,
                  uint64_t trial_seed, int index, TrialRun& run, IncarnationRecord& incarnation,
                  const MachineLog& log);

// Runs `loop`'s tasks in order until it drains (true) or `steps()` reaches `max_steps` (false,
// traced). A task of a process (not the harness's) is a step first: `enter(entry)` false means its
// process died right there, and the task is dropped. `after(entry_ran)` runs after each task or
// dropped one; true stops the run early (convergence pruning).
bool RunMachine(EventLoop& loop, const std::function<uint64_t()>& steps, uint64_t max_steps,
                const std::function<bool(const EventLoop::Entry&)>& enter,
                const std::function<bool(bool entry_ran)>& after, const MachineLog& log);

}  // namespace sim
