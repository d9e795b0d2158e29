// Spark's start-time validation, run when a scenario loads. StreamingContext.start() refuses an
// application whose graph breaks one of Spark's rules (a checkpoint interval below or not a
// multiple of the slide, a window or slide not a multiple of the parent's slide, a stateful
// stream without a checkpoint directory, no output operation, ...). Found only when a trial
// starts, such an error would read as a recovery_error of the engine; found here, it is the
// scenario's, named at its field.
#pragma once

#include <functional>
#include <map>

#include "engine/runtime/status.h"
#include "engine/streaming_context.h"
#include "scenario/application.h"
#include "scenario/scenario.h"

namespace sim {

// Builds `scenario`'s application on a throwaway simulated machine and starts its context
// without running a single task. OK when it starts; otherwise InvalidArgument reading
// "file:line:column: pipeline[i].<operation>: <Spark's message>" for the step the engine
// refused, or "file: pipeline: <message>" for the graph as a whole. `started`, when given, sees
// the started context (its graph initialized) before it is thrown away. A structured scenario's
// query was checked as it loaded: OK.
ckpt::Status CheckApplicationStarts(
    const Scenario& scenario,
    const std::function<void(ckpt::StreamingContext&, const BuiltSteps&)>& started = nullptr);

// The id of each named stream of the scenario's application ("source", named sources, the steps'
// `name:`s): the same in every process, as a recovered graph keeps its streams' ids. Empty when
// the application does not start.
std::map<std::string, int32_t> StreamIdsByName(const Scenario& scenario);

}  // namespace sim
