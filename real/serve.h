// `ckptsim serve`: a scenario's application as a real process, on the wall clock and a real disk.
//
// The engine runs unchanged: the same StreamingContext, JobGenerator, CheckpointWriter and
// getOrCreate as under simulation (or, for `engine: structured`, the same StreamingQuery and
// its logs and state store), on WallClockScheduler and PosixFileSystem. A run directory
// holds everything that outlives a process:
//
//   DIR/                   the engine's filesystem root: the scenario's checkpoint directory
//                          (checkpoint_dir: /checkpoint) is DIR/checkpoint
//   DIR/.ckptsim/timeline  the run's time line (engine time 0 as a wall-clock instant, and speed)
//   DIR/.ckptsim/journal   what every process reported (real/journal.h), one JSON line each
//   DIR/.ckptsim/acknowledged  a receiver source's acknowledged position (the source's own state)
//
// A second start on the same directory recovers through getOrCreate and continues the same time
// line. When the application has done all its batches, serve judges the journal of every process
// that served the directory against the uninterrupted simulated run (the oracle) and says so.
//
// Under `ckptsim crash-real` the process journals to a pipe instead, gets the time line and its
// incarnation from its parent, and stops at a chosen step to be killed there.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "engine/defects.h"
#include "engine/fixes.h"
#include "engine/runtime/status.h"
#include "engine/structured/defects.h"
#include "scenario/scenario.h"

namespace real {

inline constexpr const char* kHarnessDirectory = ".ckptsim";

struct ServeOptions {
  std::string run_directory;
  double speed = 1;  // engine milliseconds per wall-clock millisecond
  ckpt::DefectSet defects;
  ckpt::structured::DefectSet structured_defects;
  ckpt::FixSet fixes;
  std::map<std::string, std::string> conf;  // on top of the scenario's
  bool quiet = false;                       // print nothing but errors

  // Set by crash-real for its children.
  std::optional<int64_t> epoch_unix_ms;  // the shared time line
  int journal_fd = -1;                   // journal to this pipe (not the run directory's file)
  int incarnation = -1;                  // which process of the run this is
  int scheduled_run = -1;                // a structured query's scheduled run this process serves
  // Stop before this step (or before this checkpoint-writer filesystem step), write a kill_point
  // line and wait for the SIGKILL (reading stdin; end of file means the parent is gone).
  std::optional<uint64_t> kill_at_step;
  std::optional<uint64_t> kill_at_writer_step;
};

// Unsupported when the real runtime cannot run the scenario faithfully: a file source (its
// producer would have to write files on the engine's time line), failing output writes, or a
// structured query's concurrent scheduled run (a second driver beside the first). Scheduled runs
// one after another run under crash-real's supervisor, which starts each (Serve refuses them
// without ServeOptions::scheduled_run).
// The scenario's fault rules are not an error: the real runtime injects none (kills only).
ckpt::Status RealRuntimeSupports(const sim::Scenario& scenario);

// Writes the scenario's initial files into a new run directory (the harness's part of the world).
ckpt::Status PrepareRunDirectory(const sim::Scenario& scenario, const std::string& run_directory);

// Runs the application until it has nothing left to do. Exit code: 0 done (standalone: and the
// whole run kept to the oracle), 1 the oracle found failures, 2 bad input.
int Serve(const sim::Scenario& scenario, const ServeOptions& options);

}  // namespace real
