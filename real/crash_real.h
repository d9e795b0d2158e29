// `ckptsim crash-real`: real kill -9 crash tests of the engine on a real disk.
//
// Each trial runs a scenario's application as a child process (`ckptsim serve`) on a fresh run
// directory, kills it with SIGKILL at seeded moments, starts it again (getOrCreate recovers from
// what the disk kept), and when the application has done all its batches judges the journal of
// every process with the simulator's oracle against the uninterrupted simulated run.
//
// A trial's kill plan has one kill per process, each drawn from the trial's seed as one of
//   c<k>  before the process's step k (every task and every mutating filesystem call is a step,
//         numbered as the simulator numbers them): the process stops there and is killed;
//   w<k>  before its k-th filesystem call from the checkpoint writer: in the middle of writing,
//         syncing, renaming or cleaning a checkpoint (a structured query: its k-th mutating
//         filesystem call, as every file it writes is checkpoint state);
//   t<ms> after that much engine time from the process's start, wherever it is.
// The plan is seeded; where the kills land is not exactly reproducible (real timing decides
// which tasks are due), but the same seed gives the same plan.
//
// Not under simulation: this code forks, reads pipes, sleeps and reads the wall clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/defects.h"
#include "engine/fixes.h"
#include "engine/structured/defects.h"
#include "oracle/results.h"
#include "scenario/scenario.h"

namespace real {

// One kill of a plan (see PlanKills).
struct Kill {
  char kind = 'c';  // 'c' step, 'w' checkpoint-writer filesystem call, 't' engine time
  uint64_t value = 0;
};

struct CrashRealOptions {
  int kills = 20;  // per trial: processes killed before the one that finishes
  uint64_t seed = 1;
  int trials = 1;     // per scenario
  double speed = 10;  // engine milliseconds per wall-clock millisecond
  ckpt::DefectSet defects;
  ckpt::structured::DefectSet structured_defects;
  ckpt::FixSet fixes;
  std::map<std::string, std::string> conf;
  sim::PluginPolicy plugins;              // --plugin and --no-scenario-plugins, for every child
  std::vector<std::string> replay_flags;  // --defect / --conf as given, for replay commands
  std::string binary;                     // the ckptsim executable the children run
  std::string work_directory;             // where run directories go
  bool keep_directories = false;          // keep every run directory (else failing ones only)
  bool protocol_oracle = true;            // false: judge outputs only (--no-protocol-oracle)
  // --plan: this kill plan for every trial instead of plans drawn from the seed (a failing
  // trial's replay gives its own).
  std::optional<std::vector<Kill>> plan;
};

// The trial's kill plan, drawn from (seed, scenario, trial) and the uninterrupted simulated run's
// length: `steps` steps, `writer_steps` of them checkpoint-writer filesystem calls, lasting
// `run_time` of engine time. Kills spread so that each process gets about 1/(kills+1) of the run.
std::vector<Kill> PlanKills(const sim::Scenario& scenario, uint64_t trial,
                            const CrashRealOptions& options, uint64_t steps, uint64_t writer_steps,
                            ckpt::Duration run_time);
// "real:c12,w3,t450": the plan as a token ("real:none" without kills).
std::string PlanToken(const std::vector<Kill>& plan);
// The plan a token names; InvalidArgument quoting it when it is not one (at most 10,000 kills).
ckpt::Result<std::vector<Kill>> ParsePlanToken(const std::string& token);

// Runs every trial of every scenario; the result has strategy kCrashReal, one trial per run and
// its delivered kills as crash points. Scenarios the real runtime cannot run
// (RealRuntimeSupports) must be filtered out by the caller. An error when the machine's storage
// refused a run (a full or read-only disk, no permission): the environment's failure, not a
// verdict on the engine (the run directory is kept when it could be, and the error says where).
ckpt::Result<sim::ExploreResult> CrashReal(const std::vector<sim::Scenario>& scenarios,
                                           const CrashRealOptions& options);

}  // namespace real
