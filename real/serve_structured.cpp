#include "real/serve_structured.h"

#include <memory>

#include "engine/runtime/posix_file_system.h"
#include "real/kill_gate.h"
#include "real/step_file_system.h"
#include "real/structured_journal.h"
#include "scenario/application.h"
#include "scenario/scenario_log.h"
#include "scenario/structured_application.h"

namespace real {

namespace ss = ckpt::structured;

void RunStructuredProcess(const sim::Scenario& scenario, const ServeOptions& options, int index,
                          ckpt::WallClockScheduler& scheduler, JournalWriter& journal) {
  // Every file a query writes is checkpoint state (its logs, its state store, its sink): each
  // mutating call is a "writer" step for crash-real's w<k> kills.
  KillGate gate(options, &journal, /*writes_are_checkpoint_writes=*/true);
  ckpt::PosixFileSystem disk(options.run_directory);
  StructuredJournal events(&journal, index, scenario.checkpoint_dir, &disk);
  StepFileSystem fs(&disk, [&](ckpt::FileOperation operation, const std::string& path) {
    gate.before_mutation(ckpt::FileOperationName(operation), path);
    events.before_mutation(operation, path);
  });
  sim::ScenarioLog log(scenario, [&scheduler] { return scheduler.now(); });

  ss::QueryEnv env = sim::QueryEnvOf(scenario, index, options.structured_defects);
  env.scheduler = &scheduler;
  env.fs = &fs;
  env.log = &log;
  env.sink = &events;
  env.observer = &events;
  env.file_manager = ss::FileManagerKind::kFileContext;  // a local disk: FileContext, atomic rename
  const sim::ScheduledRun* run =
      options.scheduled_run >= 0 ? &scenario.scheduled_runs.at(options.scheduled_run) : nullptr;
  ss::QueryOptions query_options = sim::StructuredOptionsOf(
      scenario, sim::StructuredSession(scenario, run, index == 0), options.conf);

  journal.process_started(index, scheduler.now(), /*source_acknowledged=*/0, {});
  journal.context_conf(query_options.conf);
  const ss::QueryPlan plan = sim::StructuredPlanOf(scenario);
  const ckpt::Time last_arrival = sim::LastArrival(scenario);
  std::unique_ptr<ss::StreamingQuery> query;
  // processAllAvailable returned: stop at once when a later run waits for this one (StopStream,
  // then StartStream), else once every input has arrived.
  const bool next_run_waits =
      run && static_cast<size_t>(options.scheduled_run) + 1 < scenario.scheduled_runs.size();
  events.set_on_no_new_data([&] {
    if (query && (next_run_waits || scheduler.now() >= last_arrival)) query->stop();
  });
  scheduler.post(ckpt::TaskLabel{ckpt::Actor::kDriver, "start (writeStream.start)"}, [&] {
    ckpt::Result<std::unique_ptr<ss::StreamingQuery>> started =
        ss::StreamingQuery::Start(env, plan, query_options);
    if (!started.ok()) return journal.start_failed(started.status());
    query = std::move(started).value();
  });
  scheduler.run([&gate](const ckpt::TaskLabel& label) { gate.before_task(label); });
  journal.finished(scheduler.now(), gate.steps());
}

}  // namespace real
