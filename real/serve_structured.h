// The driver program of an `engine: structured` scenario as a real process (internal to
// `ckptsim serve`, real/serve.h): writeStream.start on the run directory's checkpoint location,
// then processAllAvailable once every input has arrived, and stop(), as the simulator's driver
// program does (sim/structured_trial.h). Not under simulation: it runs on the wall clock.
#pragma once

#include "engine/runtime/wall_clock_scheduler.h"
#include "real/journal.h"
#include "real/serve.h"
#include "scenario/scenario.h"

namespace real {

// Runs process `index` of the run until its query stops (done, or with an error), journaling
// what it did to `journal`. A crashed predecessor's files are recovered from the checkpoint.
void RunStructuredProcess(const sim::Scenario& scenario, const ServeOptions& options, int index,
                          ckpt::WallClockScheduler& scheduler, JournalWriter& journal);

}  // namespace real
