#include "sim/start_check.h"

#include <memory>
#include <string>
#include <vector>

#include "engine/streaming_context.h"
#include "scenario/application.h"
#include "scenario/scenario_log.h"
#include "scenario/scenario_receiver_source.h"
#include "sim/event_loop.h"
#include "sim/sim_fs.h"

namespace sim {
namespace {

// Outputs go nowhere: no task ever runs.
class NoSink : public ckpt::OutputSink {
 public:
  ckpt::Status emit(const std::string&, ckpt::Time, const ckpt::Records&) override {
    return ckpt::Status::Ok();
  }
};

// `error` as the scenario's, at step `index` (or at the pipeline when index is past the steps).
ckpt::Status AtStep(const Scenario& scenario, size_t index, const ckpt::Status& error) {
  if (index >= scenario.pipeline.size()) {
    return ckpt::Status::InvalidArgument(scenario.path + ": pipeline: " + error.message());
  }
  const PipelineStep& step = scenario.pipeline[index];
  std::string where = step.origin.empty() ? scenario.path : step.origin;
  return ckpt::Status::InvalidArgument(where + ": pipeline[" + std::to_string(index) + "]." +
                                       OperationName(step.operation) + ": " + error.message());
}

// The first step whose stream (with its parents) fails Spark's start-time checks.
size_t RefusedStep(const std::vector<ckpt::DStream*>& step_streams) {
  for (size_t i = 0; i < step_streams.size(); ++i) {
    if (step_streams[i] && !step_streams[i]->validate_at_start().ok()) return i;
  }
  return step_streams.size();
}

}  // namespace

ckpt::Status CheckApplicationStarts(
    const Scenario& scenario,
    const std::function<void(ckpt::StreamingContext&, const BuiltSteps&)>& started_hook) {
  // A structured query's start-time checks ran as it was read (CheckQueryPlan).
  if (scenario.engine == Engine::kStructured) return ckpt::Status::Ok();
  EventLoop loop;
  OwnerScheduler scheduler(&loop, kHarnessOwner + 1);
  SimFs fs(PersistenceModel::kHdfs);
  auto clock = [&loop] { return loop.now(); };
  ScenarioLog log(scenario, clock);
  ScenarioReceiverSource source(scenario, clock);
  ScenarioExecution execution(scenario);
  NoSink sink;
  ckpt::EngineEnv env;
  env.scheduler = &scheduler;
  env.fs = &fs;
  env.sink = &sink;
  env.execution = &execution;
  env.log = &log;
  env.receiver_source = &source;
  env.process_conf = ProcessConf(scenario, /*first=*/true, {});
  env.functions = FunctionsOf(scenario, /*first=*/true);
  env.stop_after_batches = scenario.batches;
  BuiltSteps built;
  ckpt::Result<std::unique_ptr<ckpt::StreamingContext>> context =
      BuildApplication(scenario, env, &built);
  if (!context.ok() && !built.source_built) {
    return ckpt::Status::InvalidArgument(scenario.path + ": " + context.status().message());
  }
  // A refused step is the one after the last stream recorded.
  if (!context.ok()) return AtStep(scenario, built.streams.size(), context.status());
  ckpt::Status started = context.value()->start();
  if (started.ok() && started_hook) started_hook(*context.value(), built);
  if (started.ok()) return started;
  return AtStep(scenario, RefusedStep(built.streams), started);
}

std::map<std::string, int32_t> StreamIdsByName(const Scenario& scenario) {
  std::map<std::string, int32_t> ids;
  ckpt::Status started =
      CheckApplicationStarts(scenario, [&ids](ckpt::StreamingContext&, const BuiltSteps& built) {
        for (const auto& [name, stream] : built.named) ids[name] = stream->id();
      });
  return started.ok() ? ids : std::map<std::string, int32_t>{};
}

}  // namespace sim
