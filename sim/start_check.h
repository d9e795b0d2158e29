// Spark's start-time validation, run when a scenario loads. StreamingContext.start() refuses an
// application whose graph breaks one of Spark's rules (a checkpoint interval below or not a
// multiple of the slide, a window or slide not a multiple of the parent's slide, a stateful
// stream without a checkpoint directory, no output operation, ...). Found only when a trial
// starts, such an error would read as a recovery_error of the engine; found here, it is the
// scenario's, named at its field.
#pragma once

#include <functional>

#include "engine/runtime/status.h"
#include "engine/streaming_context.h"
#include "scenario/scenario.h"

namespace sim {

// Builds `scenario`'s application on a throwaway simulated machine and starts its context
// without running a single task. OK when it starts; otherwise InvalidArgument reading
// "file:line:column: pipeline[i].<operation>: <Spark's message>" for the step the engine
// refused, or "file: pipeline: <message>" for the graph as a whole. `started`, when given, sees
// the started context (its graph initialized) before it is thrown away.
ckpt::Status CheckApplicationStarts(
    const Scenario& scenario,
    const std::function<void(ckpt::StreamingContext&)>& started = nullptr);

}  // namespace sim
