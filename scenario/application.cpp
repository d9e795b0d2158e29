#include "scenario/application.h"

#include <algorithm>

#include "engine/runtime/assert.h"
#include "scenario/plugins.h"
#include "util/overloaded.h"

namespace sim {
namespace {

using ckpt::Duration;
using ckpt::Result;
using ckpt::Status;
using ckpt::StreamingContext;
using ckpt::Time;

Result<ckpt::DStream*> BuildSource(const SourceSpec& source, StreamingContext& context) {
  using Built = Result<ckpt::DStream*>;
  return std::visit(
      Overloaded{
          [&](const SequenceInput& s) -> Built { return context.sequence_stream(s.input); },
          [&](const ConstantInput& s) -> Built { return context.constant_stream(s.input[0]); },
          [&](const QueueInput& s) -> Built { return context.queue_stream(s.input); },
          [&](const FileInput& s) -> Built {
            return context.text_file_stream(s.directory, {s.new_files_only, s.path_filter});
          },
          [&](const LogInput& s) -> Built { return context.log_stream(s.topic); },
          [&](const ReceiverInput& s) -> Built { return context.receiver_stream(s.topic); },
      },
      source.of);
}

// A transform's sub-pipeline in the engine's terms.
std::vector<ckpt::RddStep> RddSteps(const std::vector<PipelineStep>& steps) {
  std::vector<ckpt::RddStep> out;
  for (const PipelineStep& step : steps) {
    // The engine's step kinds are the scenario's operation names.
    const OutputArguments* output = step.get<OutputArguments>();
    out.push_back(ckpt::RddStep{OperationName(step.operation), step.function, step.output_name(),
                                output ? output->suffix : ""});
  }
  return out;
}

// window, reduce_by_window or reduce_by_key_and_window on `input` (the reader required a window).
Result<ckpt::DStream*> ApplyWindow(const PipelineStep& step, const WindowArguments& arguments,
                                   ckpt::DStream* input) {
  const Duration window = *arguments.window;
  const Duration slide = arguments.slide.value_or(input->slide_duration());
  if (step.operation == Operation::kWindow) return input->window(window, slide);
  if (step.operation == Operation::kReduceByWindow) {
    return input->reduce_by_window(step.function, window, slide, arguments.inverse);
  }
  return input->reduce_by_key_and_window(step.function, window, slide, arguments.inverse,
                                         arguments.filter_function);
}

// Applies one non-output step to `input`. `streams` resolves the other stream of union, cogroup
// and the joins.
Result<ckpt::DStream*> ApplyStep(const PipelineStep& step, ckpt::DStream* input,
                                 const std::map<std::string, ckpt::DStream*>& streams) {
  const Operation op = step.operation;
  if (!step.steps().empty()) {
    ckpt::DStream* other = op == Operation::kTransformWith ? streams.at(step.other()) : nullptr;
    return input->transform_steps(RddSteps(step.steps()), other);
  }
  if (const WindowArguments* window = step.get<WindowArguments>()) {
    return ApplyWindow(step, *window, input);
  }
  if (op == Operation::kMap) return input->map(step.function);
  if (op == Operation::kMapValues) return input->map_values(step.function);
  if (op == Operation::kFlatMap) return input->flat_map(step.function);
  if (op == Operation::kFilter) return input->filter(step.function);
  if (op == Operation::kTransform) return input->transform(step.function);
  if (op == Operation::kUnion) return input->union_with(streams.at(step.other()));
  // The pair joins' operation names are the engine's stream kinds.
  if (CombinesTwoStreams(op)) return input->join_with(OperationName(op), streams.at(step.other()));
  if (op == Operation::kReduce) return input->reduce(step.function);
  if (op == Operation::kReduceByKey) return input->reduce_by_key(step.function);
  if (op == Operation::kCountByValue) return input->count_by_value();
  if (op == Operation::kUpdateStateByKey) return input->update_state_by_key(step.function);
  if (const StateArguments* state = step.get<StateArguments>()) {
    return input->map_with_state(step.function, state->timeout);
  }
  if (op == Operation::kStateSnapshots) return input->state_snapshots();
  return Status::InvalidArgument(std::string("not a transformation: ") + OperationName(op));
}

Status ApplyOutput(const PipelineStep& step, ckpt::DStream* input) {
  const Operation op = step.operation;
  const OutputArguments& output = *step.get<OutputArguments>();
  if (op == Operation::kCollect) return input->collect(output.output_name);
  if (op == Operation::kPrint) return input->print(output.num, output.output_name);
  if (op == Operation::kSaveAsTextFiles) {
    return input->save_as_text_files(output.output_name, output.suffix);
  }
  return input->foreach_rdd(step.function, output.output_name);
}

}  // namespace

Duration ScenarioExecution::job_duration(Time batch_time, size_t record_count,
                                         size_t computed_records) const {
  const ProcessingModel& model = scenario_.processing;
  int64_t record_us = model.per_record_us * static_cast<int64_t>(record_count) +
                      model.per_computed_record_us * static_cast<int64_t>(computed_records);
  Duration duration = model.job_base + Duration{record_us / 1000};
  auto slow = model.slow_batches.find(batch_time.ms / scenario_.batch_duration.ms);
  if (slow != model.slow_batches.end()) duration = duration + slow->second;
  return duration;
}

Result<std::unique_ptr<StreamingContext>> BuildApplication(const Scenario& scenario,
                                                           const ckpt::EngineEnv& env,
                                                           BuiltSteps* built) {
  std::unique_ptr<StreamingContext> context =
      StreamingContext::Create(env, scenario.batch_duration);
  if (!scenario.checkpoint_dir.empty()) {
    CKPT_RETURN_IF_ERROR(context->checkpoint(scenario.checkpoint_dir));
  }
  if (scenario.remember) CKPT_RETURN_IF_ERROR(context->remember(*scenario.remember));
  Result<ckpt::DStream*> source = BuildSource(scenario.source, *context);
  if (!source.ok()) return source.status();
  if (built) built->source_built = true;
  std::map<std::string, ckpt::DStream*> streams = {{"source", source.value()}};
  for (const NamedSource& named : scenario.sources) {
    CKPT_ASSIGN_OR_RETURN(streams[named.name], BuildSource(named, *context));
  }
  // The harness names the engine's input streams by id (InputStreamName).
  for (int32_t id = 0; id < InputStreamCount(scenario); ++id) {
    CKPT_ASSERT(
        streams.at(InputStreamName(scenario, id))->id() == id,
        "input stream " + InputStreamName(scenario, id) + " is not stream " + std::to_string(id));
  }
  ckpt::DStream* previous = source.value();
  for (const PipelineStep& step : scenario.pipeline) {
    ckpt::DStream* input = step.from.empty() ? previous : streams.at(step.from);
    if (step.is_output()) {
      CKPT_RETURN_IF_ERROR(ApplyOutput(step, input));
      if (built) built->streams.push_back(nullptr);
      continue;
    }
    CKPT_ASSIGN_OR_RETURN(ckpt::DStream* stream, ApplyStep(step, input, streams));
    if (built) built->streams.push_back(stream);
    if (step.checkpoint_interval) {
      CKPT_RETURN_IF_ERROR(stream->checkpoint(*step.checkpoint_interval));
    }
    previous = stream;
    if (!step.name.empty()) streams[step.name] = previous;
  }
  if (built) built->named = std::move(streams);
  return context;
}

Result<std::unique_ptr<StreamingContext>> GetContext(const Scenario& scenario, int index,
                                                     ckpt::EngineEnv env) {
  env.functions = FunctionsOf(scenario, index == 0);
  auto create = [&scenario](const ckpt::EngineEnv& e) { return BuildApplication(scenario, e); };
  if (scenario.checkpoint_dir.empty()) return create(env);
  const RestartEntry entry = index == 0 ? RestartEntry::kGetOrCreate : scenario.restart_entry;
  if (entry == RestartEntry::kNewStreamingContext) {
    return StreamingContext::FromCheckpointDirectory(env, scenario.checkpoint_dir);
  }
  // getActiveOrCreate returns the process's active StreamingContext when it has one; a process
  // started after a crash has none, so it is getOrCreate.
  env.spark_context_active = entry == RestartEntry::kGetOrCreateActiveSparkContext;
  return StreamingContext::GetOrCreate(env, scenario.checkpoint_dir, create,
                                       scenario.create_on_error);
}

const ckpt::FunctionRegistry* FunctionsOf(const Scenario& scenario, bool first) {
  const std::vector<std::string>& plugins =
      first || !scenario.restart_plugins ? scenario.plugins : *scenario.restart_plugins;
  Result<const ckpt::FunctionRegistry*> registry = RegistryWithPlugins(plugins);
  // The reader loaded and checked these plugins; a scenario built in code must name good ones.
  CKPT_ASSERT(registry.ok(), registry.status().message());
  return registry.value();
}

ckpt::Time LastArrival(const Scenario& scenario) {
  ckpt::Time last{0};
  for (int32_t id = 0; id < InputStreamCount(scenario); ++id) {
    const SourceSpec& source = InputSource(scenario, id);
    if (const auto* file_source = source.get<FileInput>()) {
      for (const ProducedFile& file : file_source->files) last = std::max(last, file.at);
    }
    if (const auto* log = source.get<LogInput>()) {
      for (const LogAppend& append : log->appends) last = std::max(last, append.at);
    }
  }
  return last;
}

std::map<std::string, std::string> ProcessConf(
    const Scenario& scenario, bool first, const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> conf = {{"spark.master", "sim[1]"},
                                             {"spark.app.name", scenario.name}};
  const std::map<std::string, std::string>& base = first                   ? scenario.conf
                                                   : scenario.restart_conf ? *scenario.restart_conf
                                                                           : scenario.conf;
  for (const auto& [key, value] : base) conf[key] = value;
  for (const auto& [key, value] : overrides) conf[key] = value;
  return conf;
}

void ScheduleGracefulStop(const Scenario& scenario, ckpt::Scheduler& scheduler,
                          ckpt::StreamingContext& context) {
  std::optional<ckpt::Time> last = context.last_batch_time();
  if (!scenario.graceful_stop_lead || !last) return;
  ckpt::Time at = *last - *scenario.graceful_stop_lead;
  if (scheduler.now() > at) return;
  scheduler.schedule_at(at, ckpt::TaskLabel{ckpt::Actor::kDriver, "ssc.stop(gracefully)"},
                        [&context] { context.stop_gracefully(); });
}

}  // namespace sim
