#include "scenario/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include "engine/runtime/assert.h"
#include "scenario/scenario_reader.h"
#include "scenario/swarm.h"
#include "util/read_file.h"

namespace sim {
namespace {

// The kind of the function an operation's own key names; none for those that take none.
std::optional<ckpt::FunctionKind> MainFunctionKind(Operation operation) {
  using ckpt::FunctionKind;
  switch (operation) {
    case Operation::kMap:
    case Operation::kMapValues:
      return FunctionKind::kMap;
    case Operation::kFlatMap:
      return FunctionKind::kFlatMap;
    case Operation::kFilter:
      return FunctionKind::kFilter;
    case Operation::kTransform:
    case Operation::kForeachRdd:
      return FunctionKind::kTransform;
    case Operation::kTransformWith:
      return std::nullopt;
    case Operation::kReduce:
    case Operation::kReduceByKey:
    case Operation::kReduceByWindow:
    case Operation::kReduceByKeyAndWindow:
      return FunctionKind::kReduce;
    case Operation::kUpdateStateByKey:
      return FunctionKind::kUpdateState;
    case Operation::kMapWithState:
      return FunctionKind::kMapWithState;
    case Operation::kUnion:
    case Operation::kCogroup:
    case Operation::kJoin:
    case Operation::kLeftOuterJoin:
    case Operation::kRightOuterJoin:
    case Operation::kFullOuterJoin:
    case Operation::kCountByValue:
    case Operation::kWindow:
    case Operation::kStateSnapshots:
    case Operation::kCollect:
    case Operation::kPrint:
    case Operation::kSaveAsTextFiles:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

Status ValidateStep(const PipelineStep& step, const std::string& field,
                    const ckpt::FunctionRegistry& registry) {
  using ckpt::FunctionKind;
  CKPT_ASSERT(step.arguments.index() == ArgumentsOf(step.operation).index(),
              field + ": arguments of another operation (PipelineStep::Of)");
  std::optional<FunctionKind> kind = MainFunctionKind(step.operation);
  if (kind && !(step.operation == Operation::kTransform && !step.steps().empty())) {
    CKPT_RETURN_IF_ERROR(registry.check(step.function, *kind).with_context(field));
  }
  if (const WindowArguments* window = step.get<WindowArguments>()) {
    if (!window->inverse.empty()) {
      CKPT_RETURN_IF_ERROR(
          registry.check(window->inverse, FunctionKind::kReduce).with_context(field + ".inverse"));
    }
    if (!window->filter_function.empty()) {
      if (window->inverse.empty()) {
        return Status::InvalidArgument(field + ".filter_function: needs an inverse function");
      }
      CKPT_RETURN_IF_ERROR(registry.check(window->filter_function, FunctionKind::kFilter)
                               .with_context(field + ".filter_function"));
    }
  }
  const OutputArguments* output = step.get<OutputArguments>();
  if (output && output->store != OutputStore::kNone && step.operation != Operation::kForeachRdd) {
    return Status::InvalidArgument(field + ".store: only foreach_rdd writes to a store");
  }
  if (step.operation == Operation::kForeachRdd && step.output_name().empty()) {
    return Status::InvalidArgument(field + ".output: missing (the sink name of foreach_rdd)");
  }
  return Status::Ok();
}

Result<Scenario> LoadScenario(const std::string& path, const PluginPolicy& plugins) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    bool missing = text.status().code() == ckpt::StatusCode::kNotFound;
    return Status::InvalidArgument(missing ? path + ": no such scenario file"
                                           : text.status().message());
  }
  return LoadScenarioFromText(text.value(), path, plugins);
}

Result<Scenario> LoadScenarioFromText(const std::string& text, const std::string& path,
                                      const PluginPolicy& plugins) {
  ScenarioReader loader(path, plugins);
  auto yaml_error = [&path](const YAML::Exception& e, const std::string& prefix) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                   std::to_string(e.mark.column + 1) + ": " + prefix + e.msg);
  };
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return yaml_error(e, "(yaml): ");
  }
  try {
    CKPT_RETURN_IF_ERROR(loader.unique_keys(root));
    Result<Scenario> scenario = loader.scenario(root);
    if (!scenario.ok()) return scenario;
    // An error that names its place in the file already needs no second path.
    // The reader loaded the plugins: their registry is ready.
    Status valid = ValidateScenario(scenario.value(), loader.functions());
    if (!valid.ok())
      return valid.message().starts_with(path + ":") ? valid : valid.with_context(path);
    return scenario;
  } catch (const YAML::Exception& e) {
    return yaml_error(e, "");
  }
}

Result<std::vector<Scenario>> LoadScenarios(const std::string& path, const PluginPolicy& plugins) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    CKPT_ASSIGN_OR_RETURN(Scenario one, LoadScenario(path, plugins));
    return std::vector<Scenario>{one};
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::InvalidArgument(path + ": no *.yaml scenario below it");
  std::vector<Scenario> scenarios;
  for (const std::string& file : files) {
    CKPT_ASSIGN_OR_RETURN(Scenario one, LoadScenario(file, plugins));
    scenarios.push_back(one);
  }
  return scenarios;
}

const char* OperationName(Operation operation) {
  switch (operation) {
    case Operation::kMap:
      return "map";
    case Operation::kMapValues:
      return "map_values";
    case Operation::kFlatMap:
      return "flat_map";
    case Operation::kFilter:
      return "filter";
    case Operation::kTransform:
      return "transform";
    case Operation::kTransformWith:
      return "transform_with";
    case Operation::kUnion:
      return "union";
    case Operation::kCogroup:
      return "cogroup";
    case Operation::kJoin:
      return "join";
    case Operation::kLeftOuterJoin:
      return "left_outer_join";
    case Operation::kRightOuterJoin:
      return "right_outer_join";
    case Operation::kFullOuterJoin:
      return "full_outer_join";
    case Operation::kReduce:
      return "reduce";
    case Operation::kReduceByKey:
      return "reduce_by_key";
    case Operation::kCountByValue:
      return "count_by_value";
    case Operation::kWindow:
      return "window";
    case Operation::kReduceByWindow:
      return "reduce_by_window";
    case Operation::kReduceByKeyAndWindow:
      return "reduce_by_key_and_window";
    case Operation::kUpdateStateByKey:
      return "update_state_by_key";
    case Operation::kMapWithState:
      return "map_with_state";
    case Operation::kStateSnapshots:
      return "state_snapshots";
    case Operation::kCollect:
      return "collect";
    case Operation::kPrint:
      return "print";
    case Operation::kSaveAsTextFiles:
      return "save_as_text_files";
    case Operation::kForeachRdd:
      return "foreach_rdd";
  }
  return "?";
}

std::optional<Operation> ParseOperation(const std::string& name) {
  for (Operation operation : kOperations) {
    if (name == OperationName(operation)) return operation;
  }
  return std::nullopt;
}

const char* CrashEventKindName(CrashEvent::Kind kind) {
  switch (kind) {
    case CrashEvent::Kind::kCheckpointWritten:
      return "checkpoint_written";
    case CrashEvent::Kind::kRename:
      return "rename";
    case CrashEvent::Kind::kBatchCompleted:
      return "batch_completed";
    case CrashEvent::Kind::kCleanup:
      return "cleanup";
    case CrashEvent::Kind::kWalWrite:
      return "wal_write";
  }
  return "?";
}

const char* RunExpectationKindName(RunExpectation::Kind kind) {
  switch (kind) {
    case RunExpectation::Kind::kDistinct:
      return "distinct";
    case RunExpectation::Kind::kContains:
      return "contains";
    case RunExpectation::Kind::kLastBatch:
      return "last_batch";
  }
  return "?";
}

const char* RestartEntryName(RestartEntry entry) {
  switch (entry) {
    case RestartEntry::kGetOrCreate:
      return "get_or_create";
    case RestartEntry::kGetOrCreateActiveSparkContext:
      return "get_or_create_active_spark_context";
    case RestartEntry::kNewStreamingContext:
      return "new_streaming_context";
    case RestartEntry::kGetActiveOrCreate:
      return "get_active_or_create";
  }
  return "?";
}

bool CombinesTwoStreams(Operation operation) {
  return operation == Operation::kUnion || operation == Operation::kCogroup ||
         operation == Operation::kJoin || operation == Operation::kLeftOuterJoin ||
         operation == Operation::kRightOuterJoin || operation == Operation::kFullOuterJoin ||
         operation == Operation::kTransformWith;
}

const char* EngineName(Engine engine) {
  return engine == Engine::kStructured ? "structured" : "dstream";
}

const char* SourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::kSequence:
      return "sequence";
    case SourceKind::kConstant:
      return "constant";
    case SourceKind::kQueue:
      return "queue";
    case SourceKind::kFile:
      return "file";
    case SourceKind::kLog:
      return "log";
    case SourceKind::kReceiver:
      return "receiver";
  }
  return "?";
}

Result<SourceKind> ParseSourceKind(const std::string& name) {
  for (SourceKind kind : {SourceKind::kConstant, SourceKind::kFile, SourceKind::kLog,
                          SourceKind::kQueue, SourceKind::kReceiver, SourceKind::kSequence}) {
    if (name == SourceKindName(kind)) return kind;
  }
  return Status::InvalidArgument("unknown source '" + name +
                                 "' (known: constant, file, log, queue, receiver, sequence)");
}

namespace {

// The driver-held input of the source `of` holds (const when `of` is), or null.
template <typename Of>
auto* HeldInputOf(Of& of) {
  using Input = std::conditional_t<std::is_const_v<Of>, const std::vector<ckpt::Records>,
                                   std::vector<ckpt::Records>>;
  return std::visit(
      [](auto& source) -> Input* {
        if constexpr (requires { source.input; }) return &source.input;
        return nullptr;
      },
      of);
}

// The producer's appends of the source `of` holds (const when `of` is), or null.
template <typename Of>
auto* AppendsOf(Of& of) {
  using Appends =
      std::conditional_t<std::is_const_v<Of>, const std::vector<LogAppend>, std::vector<LogAppend>>;
  return std::visit(
      [](auto& source) -> Appends* {
        if constexpr (requires { source.appends; }) return &source.appends;
        return nullptr;
      },
      of);
}

}  // namespace

const std::vector<ckpt::Records>* SourceSpec::held_input() const { return HeldInputOf(of); }

std::vector<ckpt::Records>* SourceSpec::held_input() { return HeldInputOf(of); }

const std::vector<ckpt::Records>* SourceSpec::per_batch_input() const {
  return kind() == SourceKind::kConstant ? nullptr : held_input();
}

std::vector<ckpt::Records>* SourceSpec::per_batch_input() {
  return kind() == SourceKind::kConstant ? nullptr : held_input();
}

const std::vector<LogAppend>* SourceSpec::appends() const { return AppendsOf(of); }

std::vector<LogAppend>* SourceSpec::appends() { return AppendsOf(of); }

const std::string& SourceSpec::topic() const {
  static const std::string kNone;
  return *std::visit(
      []<typename S>(const S& source) -> const std::string* {
        if constexpr (requires { source.topic; }) return &source.topic;
        return &kNone;
      },
      of);
}

SourceSpec DefaultSource(SourceKind kind) {
  switch (kind) {
    case SourceKind::kSequence:
      return {SequenceInput{}};
    case SourceKind::kConstant:
      return {ConstantInput{}};
    case SourceKind::kQueue:
      return {QueueInput{}};
    case SourceKind::kFile:
      return {FileInput{}};
    case SourceKind::kLog:
      return {LogInput{}};
    case SourceKind::kReceiver:
      return {ReceiverInput{}};
  }
  CKPT_ASSERT(false, "unknown source kind");
  return {};
}

std::vector<std::string> Scenario::output_names() const {
  std::vector<std::string> names;
  for (const PipelineStep& step : pipeline) {
    for (std::string& name : step.sink_names()) names.push_back(std::move(name));
  }
  return names;
}

std::set<std::string> Scenario::transform_action_sinks() const {
  std::set<std::string> names;
  for (const PipelineStep& step : pipeline) {
    if (step.is_output()) continue;
    for (const std::string& name : step.sink_names()) names.insert(name);
  }
  return names;
}

std::set<std::string> Scenario::appending_stores() const {
  std::set<std::string> names;
  for (const PipelineStep& step : pipeline) {
    const OutputArguments* output = step.get<OutputArguments>();
    if (output && output->store == OutputStore::kAppending) names.insert(output->output_name);
  }
  return names;
}

std::string StateText(const std::vector<int64_t>& numbers) {
  std::string text = "[";
  for (size_t i = 0; i < numbers.size(); ++i) text += (i ? ", " : "") + std::to_string(numbers[i]);
  return text + "]";
}

std::string StateText(const std::vector<std::string>& names) {
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  std::string text = "[";
  for (size_t i = 0; i < sorted.size(); ++i) text += (i ? ", " : "") + sorted[i];
  return text + "]";
}

std::string StateText(const std::vector<std::vector<int64_t>>& rows) {
  std::string text = "[";
  for (size_t i = 0; i < rows.size(); ++i) text += (i ? ", " : "") + StateText(rows[i]);
  return text + "]";
}

const char* OutputStoreName(OutputStore store) {
  switch (store) {
    case OutputStore::kNone:
      return "none";
    case OutputStore::kIdempotent:
      return "idempotent";
    case OutputStore::kAppending:
      return "appending";
  }
  return "?";
}

Status ValidateScenario(const Scenario& s, const ckpt::FunctionRegistry& registry) {
  if (s.engine == Engine::kStructured) return Status::Ok();  // checked as it was read
  // stream name -> the operation that made it (none: the source).
  std::map<std::string, std::optional<Operation>> streams = {{"source", std::nullopt}};
  for (const NamedSource& source : s.sources) {
    if (!streams.emplace(source.name, std::nullopt).second) {
      return Status::InvalidArgument("sources: a second stream named '" + source.name + "'");
    }
  }
  std::string previous = "source";
  std::set<std::string> outputs;
  bool has_output_operation = false;
  for (size_t i = 0; i < s.pipeline.size(); ++i) {
    const PipelineStep& step = s.pipeline[i];
    std::string field = "pipeline[" + std::to_string(i) + "]." + OperationName(step.operation);
    CKPT_RETURN_IF_ERROR(ValidateStep(step, field, registry));
    std::string input = step.from.empty() ? previous : step.from;
    if (!streams.count(input)) {
      return Status::InvalidArgument(field + ": no stream named '" + input + "' before this step");
    }
    if (CombinesTwoStreams(step.operation) && !streams.count(step.other())) {
      return Status::InvalidArgument(field + ": no stream named '" + step.other() +
                                     "' before this step");
    }
    if (step.operation == Operation::kStateSnapshots &&
        streams[input] != Operation::kMapWithState) {
      return Status::InvalidArgument(field + ": needs a map_with_state stream, got " +
                                     (streams[input] ? OperationName(*streams[input]) : "source"));
    }
    for (const std::string& sink : step.sink_names()) {
      if (!outputs.insert(sink).second) {
        return Status::InvalidArgument(field + ": a second output named '" + sink + "'");
      }
    }
    if (step.is_output()) {
      has_output_operation = true;
      continue;  // outputs make no stream
    }
    previous = step.name.empty() ? "#" + std::to_string(i) : step.name;
    if (!step.name.empty() && streams.count(step.name)) {
      return Status::InvalidArgument(field + ".name: '" + step.name + "' is already taken");
    }
    streams[previous] = step.operation;
  }
  if (!has_output_operation) {
    return Status::InvalidArgument("pipeline: no output operation (add a step {collect: NAME})");
  }
  for (const RunExpectation& expected : s.expect_all_runs) {
    if (!outputs.count(expected.output)) {
      return Status::InvalidArgument((expected.origin.empty() ? "" : expected.origin + ": ") +
                                     "expect_all_runs." + expected.output + ": no such output");
    }
  }
  for (const auto& [output, expected] : s.expect) {
    if (!outputs.count(output))
      return Status::InvalidArgument("expect." + output + ": no such output");
    if (static_cast<int64_t>(expected.size()) != s.batches) {
      return Status::InvalidArgument("expect." + output + ": " + std::to_string(expected.size()) +
                                     " batches listed, scenario has " + std::to_string(s.batches));
    }
  }
  return Status::Ok();
}

std::vector<LogAppend> GenerateLogAppends(int32_t partitions, Duration every, Duration until,
                                          int64_t records) {
  std::vector<LogAppend> appends;
  int64_t next = 1;
  for (Time at = Time{0} + every; at <= Time{0} + until; at = at + every) {
    for (int32_t partition = 0; partition < partitions; ++partition) {
      LogAppend append{at, partition, {}};
      for (int64_t i = 0; i < records; ++i) append.records.push_back(Value::Int(next++));
      appends.push_back(std::move(append));
    }
  }
  return appends;
}

int32_t InputStreamCount(const Scenario& scenario) {
  return 1 + static_cast<int32_t>(scenario.sources.size());
}

const SourceSpec& InputSource(const Scenario& scenario, int32_t stream_id) {
  CKPT_ASSERT(stream_id >= 0 && stream_id < InputStreamCount(scenario),
              "no input stream " + std::to_string(stream_id));
  return stream_id == 0 ? scenario.source : scenario.sources[stream_id - 1];
}

SourceSpec& InputSource(Scenario& scenario, int32_t stream_id) {
  return const_cast<SourceSpec&>(InputSource(std::as_const(scenario), stream_id));
}

const std::string& InputStreamName(const Scenario& scenario, int32_t stream_id) {
  static const std::string kMain = "source";
  InputSource(scenario, stream_id);  // checks the id
  return stream_id == 0 ? kMain : scenario.sources[stream_id - 1].name;
}

}  // namespace sim
