// A scenario's application: the user's creating function (its DStream pipeline) and how long its
// jobs take on the (simulated) executors. The simulator and the real runtime run the same ones.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/env.h"
#include "engine/streaming_context.h"
#include "scenario/scenario.h"

namespace sim {

// The scenario's processing model: a job takes job_base plus per-record costs, plus the extra
// time of a slow batch (keyed by batch index = batch time / batch duration).
class ScenarioExecution : public ckpt::ExecutionModel {
 public:
  explicit ScenarioExecution(const Scenario& scenario) : scenario_(scenario) {}
  ckpt::Duration job_duration(ckpt::Time batch_time, size_t record_count,
                              size_t computed_records) const override;

 private:
  const Scenario& scenario_;
};

// How far BuildApplication got: whether the checkpoint directory and the source were set up, and
// the stream each pipeline step made (nullptr for an output step). When a step is refused,
// `streams` holds those of the steps before it.
struct BuiltSteps {
  bool source_built = false;
  std::vector<ckpt::DStream*> streams;
  // Once the whole pipeline is built: every named stream ("source", the named sources, the steps'
  // `name:`s).
  std::map<std::string, ckpt::DStream*> named;
};

// Builds the application of `scenario` into a new context: what getOrCreate's creating function
// does. With `built`, also says how far it got (see BuiltSteps).
ckpt::Result<std::unique_ptr<ckpt::StreamingContext>> BuildApplication(const Scenario& scenario,
                                                                       const ckpt::EngineEnv& env,
                                                                       BuiltSteps* built = nullptr);

// What the driver program of process `index` (0: the first) does to get its context: with a
// checkpoint directory, getOrCreate with the scenario's creating function for the first process,
// and the scenario's restart_entry for the others; without one, the creating function.
ckpt::Result<std::unique_ptr<ckpt::StreamingContext>> GetContext(const Scenario& scenario,
                                                                 int index, ckpt::EngineEnv env);

// The functions a process of `scenario` can bind: the built-ins and its plugins (a process started
// after a crash: restart_plugins when the scenario sets them). GetContext gives them to the env.
const ckpt::FunctionRegistry* FunctionsOf(const Scenario& scenario, bool first);

// When the last input of a file or log source arrives (a produced file or a log append); 0 when
// there is none.
ckpt::Time LastArrival(const Scenario& scenario);

// What the driver program does after start: ssc.stop(stopGracefully = true) the scenario's
// graceful_stop_lead before the last batch's time of `scheduler`'s clock, unless the process
// started after that moment (then it is not asked to stop and ends after the last batch).
void ScheduleGracefulStop(const Scenario& scenario, ckpt::Scheduler& scheduler,
                          ckpt::StreamingContext& context);

// A process's own configuration (EngineEnv::process_conf): the simulated cluster's master and the
// application's name, the scenario's conf (a restarted process: its restart_conf when it has
// one), then `overrides`.
std::map<std::string, std::string> ProcessConf(const Scenario& scenario, bool first,
                                               const std::map<std::string, std::string>& overrides);

}  // namespace sim
