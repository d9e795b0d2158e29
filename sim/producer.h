// The input that lives outside the driver: the scenario's initial files and the file source's
// producer (another machine), written durably by harness tasks whatever happens to the engine.
#pragma once

#include <functional>
#include <string>

#include "scenario/scenario.h"
#include "sim/event_loop.h"
#include "sim/sim_fs.h"

namespace sim {

// Writes the initial files now and schedules the producer's files at their times; `trace` hears
// of each file written. Sets `fs`'s clock to `loop`'s (files' modification times).
void ScheduleProducer(const Scenario& scenario, SimFs& fs, EventLoop& loop,
                      std::function<void(const std::string&)> trace);

}  // namespace sim
