#include "scenario/structured_application.h"

#include "scenario/application.h"

namespace sim {

using ckpt::structured::PlanStep;
using ckpt::structured::QueryPlan;

namespace {

PlanStep::Kind PlanStepKind(Operation operation) {
  switch (operation) {
    case Operation::kFlatMap:
      return PlanStep::Kind::kFlatMap;
    case Operation::kFilter:
      return PlanStep::Kind::kFilter;
    default:
      CKPT_ASSERT(operation == Operation::kMap, "not a row operation of a structured query");
      return PlanStep::Kind::kMap;
  }
}

}  // namespace

QueryPlan StructuredPlanOf(const Scenario& scenario) {
  CKPT_ASSERT(scenario.engine == Engine::kStructured, "not a structured scenario");
  const StructuredQuery& query = scenario.query;
  QueryPlan plan;
  if (const FileInput* file = scenario.source.get<FileInput>()) {
    plan.source = QueryPlan::Source::kFiles;
    plan.files.directory = file->directory;
    plan.files.max_files_per_trigger = query.max_files_per_trigger;
  } else {
    plan.source = QueryPlan::Source::kKafka;
    plan.topic = scenario.source.topic();
    plan.max_offsets_per_trigger = query.max_offsets_per_trigger;
  }
  for (const PipelineStep& step : query.steps) {
    plan.steps.push_back(PlanStep{PlanStepKind(step.operation), step.function});
  }
  if (query.stateful == StructuredQuery::Stateful::kAggregate) plan.aggregation = query.reduce;
  plan.deduplicate = query.stateful == StructuredQuery::Stateful::kDeduplicate;
  plan.watermark_delay = query.watermark_delay;
  plan.output_mode = query.output_mode;
  if (query.sink == StructuredQuery::Sink::kFile) {
    plan.sink = QueryPlan::Sink::kFile;
    plan.sink_path = query.sink_name;
  } else {
    plan.sink = QueryPlan::Sink::kForeachBatch;
    plan.sink_name = query.sink_name;
  }
  return plan;
}

ckpt::structured::QueryOptions StructuredOptionsOf(
    const Scenario& scenario, const std::map<std::string, std::string>& session,
    const std::map<std::string, std::string>& overrides) {
  ckpt::structured::QueryOptions options;
  options.checkpoint_location = scenario.checkpoint_dir;
  if (scenario.query.trigger_interval) {
    options.trigger = {ckpt::structured::Trigger::Kind::kProcessingTime,
                       *scenario.query.trigger_interval};
  } else {
    options.trigger = {ckpt::structured::Trigger::Kind::kOnce, Duration{0}};
  }
  options.conf = session;
  for (const auto& [key, value] : overrides) options.conf[key] = value;
  return options;
}

ckpt::structured::QueryEnv QueryEnvOf(const Scenario& scenario, int index,
                                      ckpt::structured::DefectSet defects) {
  ckpt::structured::QueryEnv env;
  env.functions = FunctionsOf(scenario, index == 0);
  env.process_uid = static_cast<uint64_t>(index) + 1;
  env.defects = defects;
  const ProcessingModel& processing = scenario.processing;
  env.batch_duration = [&processing](size_t records) {
    return processing.job_base +
           ckpt::Duration{static_cast<int64_t>(records) * processing.per_record_us / 1000};
  };
  return env;
}

const std::map<std::string, std::string>& StructuredSession(const Scenario& scenario,
                                                            const ScheduledRun* run, bool first) {
  if (run && run->conf) return *run->conf;
  return first || !scenario.restart_conf ? scenario.conf : *scenario.restart_conf;
}

ckpt::structured::FileManagerKind FileManagerFor(PersistenceModel model) {
  return model == PersistenceModel::kObjectStore ? ckpt::structured::FileManagerKind::kFileSystem
                                                 : ckpt::structured::FileManagerKind::kFileContext;
}

}  // namespace sim
