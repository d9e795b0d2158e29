#include "scenario/scenario_writer.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <string>

namespace sim {
namespace {

// A double as text the reader reads back as a double: the shortest exact form, with ".0" where
// that form would read as an integer.
std::string DoubleText(double value) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, error == std::errc() ? end : buffer);
  if (text.find_first_of(".eEni") == std::string::npos) text += ".0";
  return text;
}

void EmitRecords(YAML::Emitter& out, const ckpt::Records& records);

// A record as the reader reads it: strings always quoted (so "12" stays a string), pairs as
// two-element flow sequences, {none: ~}, {some: v} and {list: [...]}.
void EmitValue(YAML::Emitter& out, const ckpt::Value& value) {
  switch (value.kind()) {
    case ckpt::Value::Kind::kInt:
      out << value.as_int();
      return;
    case ckpt::Value::Kind::kDouble:
      out << DoubleText(value.as_double());
      return;
    case ckpt::Value::Kind::kString:
      out << YAML::DoubleQuoted << value.as_string();
      return;
    case ckpt::Value::Kind::kPair:
      out << YAML::Flow << YAML::BeginSeq;
      EmitValue(out, value.first());
      EmitValue(out, value.second());
      out << YAML::EndSeq;
      return;
    case ckpt::Value::Kind::kNone:
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "none" << YAML::Value << YAML::Null
          << YAML::EndMap;
      return;
    case ckpt::Value::Kind::kSome:
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "some" << YAML::Value;
      EmitValue(out, value.some_value());
      out << YAML::EndMap;
      return;
    case ckpt::Value::Kind::kList:
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "list" << YAML::Value;
      EmitRecords(out, value.items());
      out << YAML::EndMap;
      return;
  }
}

void EmitRecords(YAML::Emitter& out, const ckpt::Records& records) {
  out << YAML::Flow << YAML::BeginSeq;
  for (const ckpt::Value& record : records) EmitValue(out, record);
  out << YAML::EndSeq;
}

void EmitBatches(YAML::Emitter& out, const std::vector<ckpt::Records>& batches) {
  out << YAML::BeginSeq;
  for (const ckpt::Records& records : batches) EmitRecords(out, records);
  out << YAML::EndSeq;
}

// "name" or "name(arg, ...)", the arguments as a flow sequence's items.
std::string FunctionText(const ckpt::FunctionRef& function) {
  if (function.args.empty()) return function.name;
  YAML::Emitter args;
  EmitRecords(args, function.args);
  std::string list = args.c_str();  // "[a, b]"
  return function.name + "(" + list.substr(1, list.size() - 2) + ")";
}

template <typename T>
void Field(YAML::Emitter& out, const char* key, const T& value) {
  out << YAML::Key << key << YAML::Value << value;
}

// A sequence or queue source's `input`, a constant source's `records`; nothing for the others.
void EmitHeldInput(YAML::Emitter& out, const SourceSpec& source) {
  const std::vector<ckpt::Records>* input = source.held_input();
  if (!input) return;
  if (source.kind() == SourceKind::kConstant) {
    out << YAML::Key << "records" << YAML::Value;
    EmitRecords(out, input->empty() ? ckpt::Records{} : input->front());
  } else {
    out << YAML::Key << "input" << YAML::Value;
    EmitBatches(out, *input);
  }
}

void EmitFileInput(YAML::Emitter& out, const FileInput& source, const StructuredQuery* query) {
  Field(out, "directory", source.directory);
  if (!source.new_files_only) Field(out, "new_files_only", false);
  if (!source.path_filter.empty()) Field(out, "path_filter", FunctionText(source.path_filter));
  if (query && query->max_files_per_trigger) {
    Field(out, "max_files_per_trigger", *query->max_files_per_trigger);
  }
  out << YAML::Key << "files" << YAML::Value << YAML::BeginSeq;
  for (const ProducedFile& file : source.files) {
    out << YAML::Flow << YAML::BeginMap;
    Field(out, "at_ms", file.at.ms);
    out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << file.name;
    out << YAML::Key << "lines" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& line : file.lines) out << YAML::DoubleQuoted << line;
    out << YAML::EndSeq;
    if (file.modified_at) Field(out, "modified_at_ms", file.modified_at->ms);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

// A log's or a receiver's topic and appends (a receiver's have no partition).
void EmitAppendedInput(YAML::Emitter& out, const SourceSpec& source, const StructuredQuery* query) {
  const LogInput* log = source.get<LogInput>();
  Field(out, "topic", source.topic());
  if (log) Field(out, "partitions", log->partitions);
  if (query && query->max_offsets_per_trigger) {
    Field(out, "max_offsets_per_trigger", *query->max_offsets_per_trigger);
  }
  out << YAML::Key << "appends" << YAML::Value << YAML::BeginSeq;
  for (const LogAppend& append : *source.appends()) {
    out << YAML::Flow << YAML::BeginMap;
    Field(out, "at_ms", append.at.ms);
    if (log) Field(out, "partition", append.partition);
    out << YAML::Key << "records" << YAML::Value;
    EmitRecords(out, append.records);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

// A source's kind and fields inside its map; `query`, for the main source of a structured
// scenario, adds its rate limit.
void EmitSourceFields(YAML::Emitter& out, const SourceSpec& source, const StructuredQuery* query) {
  Field(out, "kind", SourceKindName(source.kind()));
  EmitHeldInput(out, source);
  if (const FileInput* file = source.get<FileInput>()) EmitFileInput(out, *file, query);
  if (source.appends()) EmitAppendedInput(out, source, query);
}

void EmitNamedSources(YAML::Emitter& out, const std::vector<NamedSource>& sources) {
  if (sources.empty()) return;
  out << YAML::Key << "sources" << YAML::Value << YAML::BeginSeq;
  for (const NamedSource& source : sources) {
    out << YAML::BeginMap;
    Field(out, "name", source.name);
    EmitSourceFields(out, source, nullptr);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void EmitSource(YAML::Emitter& out, const Scenario& s) {
  out << YAML::Key << "source" << YAML::Value << YAML::BeginMap;
  EmitSourceFields(out, s.source, &s.query);
  out << YAML::EndMap;
}

// The operation's own value: a function, a stream or output name, or "" when it takes none.
std::string OperationArgument(const PipelineStep& step) {
  const Operation op = step.operation;
  if (op == Operation::kCountByValue || op == Operation::kStateSnapshots ||
      op == Operation::kWindow)
    return "";
  if (CombinesTwoStreams(op)) return step.other();
  if (op == Operation::kCollect || op == Operation::kPrint || op == Operation::kSaveAsTextFiles)
    return step.output_name();
  return FunctionText(step.function);
}

void EmitDuration(YAML::Emitter& out, const char* key, const std::optional<Duration>& duration) {
  if (duration) Field(out, key, duration->ms);
}

// The options of a window or a state operation (before the stream's name, as a user writes them).
void EmitWindowOrStateOptions(YAML::Emitter& out, const PipelineStep& step) {
  if (const WindowArguments* window = step.get<WindowArguments>()) {
    EmitDuration(out, "window_ms", window->window);
    EmitDuration(out, "slide_ms", window->slide);
    if (!window->inverse.empty()) Field(out, "inverse", FunctionText(window->inverse));
    if (!window->filter_function.empty()) {
      Field(out, "filter_function", FunctionText(window->filter_function));
    }
  }
  if (const StateArguments* state = step.get<StateArguments>()) {
    EmitDuration(out, "timeout_ms", state->timeout);
  }
}

void EmitOutputOptions(YAML::Emitter& out, const PipelineStep& step) {
  const OutputArguments* output = step.get<OutputArguments>();
  if (!output) return;
  if (step.operation == Operation::kForeachRdd) Field(out, "output", output->output_name);
  if (!output->suffix.empty()) Field(out, "suffix", output->suffix);
  if (output->store != OutputStore::kNone) Field(out, "store", OutputStoreName(output->store));
  if (step.operation == Operation::kPrint) Field(out, "num", output->num);
}

void EmitStep(YAML::Emitter& out, const PipelineStep& step) {
  out << YAML::BeginMap;
  out << YAML::Key << OperationName(step.operation) << YAML::Value;
  const std::vector<PipelineStep>& steps = step.steps();
  if (!steps.empty() && step.operation == Operation::kTransform) {
    out << YAML::BeginSeq;
    for (const PipelineStep& sub : steps) EmitStep(out, sub);
    out << YAML::EndSeq;
  } else {
    out << YAML::DoubleQuoted << OperationArgument(step);
  }
  if (!steps.empty() && step.operation == Operation::kTransformWith) {
    out << YAML::Key << "steps" << YAML::Value << YAML::BeginSeq;
    for (const PipelineStep& sub : steps) EmitStep(out, sub);
    out << YAML::EndSeq;
  }
  EmitDuration(out, "checkpoint_interval_ms", step.checkpoint_interval);
  EmitWindowOrStateOptions(out, step);
  if (!step.name.empty()) Field(out, "name", step.name);
  if (!step.from.empty()) Field(out, "from", step.from);
  EmitOutputOptions(out, step);
  out << YAML::EndMap;
}

void EmitProcessing(YAML::Emitter& out, const ProcessingModel& model) {
  out << YAML::Key << "processing" << YAML::Value << YAML::BeginMap;
  Field(out, "job_base_ms", model.job_base.ms);
  Field(out, "per_record_us", model.per_record_us);
  Field(out, "per_computed_record_us", model.per_computed_record_us);
  if (!model.slow_batches.empty()) {
    out << YAML::Key << "slow_batches" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& [batch, extra] : model.slow_batches) {
      out << YAML::Key << batch << YAML::Value << extra.ms;
    }
    out << YAML::EndMap;
  }
  if (!model.failing_batches.empty()) {
    out << YAML::Key << "failing_batches" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& [batch, attempts] : model.failing_batches) {
      out << YAML::Key << batch << YAML::Value << attempts;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void EmitConf(YAML::Emitter& out, const char* key, const std::map<std::string, std::string>& conf) {
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& [name, value] : conf) {
    out << YAML::Key << name << YAML::Value << YAML::DoubleQuoted << value;
  }
  out << YAML::EndMap;
}

// `before:`/`after:` and `nth` of a crash or a state expectation, into the open map.
void EmitEvent(YAML::Emitter& out, const CrashEvent& event) {
  out << YAML::Key << (event.after ? "after" : "before") << YAML::Value << YAML::Flow
      << YAML::BeginMap << YAML::Key << CrashEventKindName(event.kind) << YAML::Value;
  if (event.kind == CrashEvent::Kind::kWalWrite) out << event.nth;
  if (event.kind == CrashEvent::Kind::kRename) out << YAML::DoubleQuoted << event.argument;
  if (event.kind != CrashEvent::Kind::kWalWrite && event.kind != CrashEvent::Kind::kRename) {
    out << event.argument;
  }
  out << YAML::EndMap;
  if (event.kind != CrashEvent::Kind::kWalWrite && event.nth != 1) Field(out, "nth", event.nth);
}

// expect_state: each field's text (StateText) is YAML of the value it states.
void EmitStateExpectations(YAML::Emitter& out, const std::vector<StateExpectation>& all) {
  out << YAML::Key << "expect_state" << YAML::Value << YAML::BeginSeq;
  for (const StateExpectation& expectation : all) {
    out << YAML::BeginMap;
    EmitEvent(out, expectation.event);
    if (expectation.process) Field(out, "process", *expectation.process);
    std::map<std::string, std::map<std::string, std::string>> groups;  // group -> key -> text
    for (const auto& [field, text] : expectation.fields) {
      if (field == "checkpoint_files") {
        out << YAML::Key << field << YAML::Value << YAML::Flow << YAML::Load(text);
      } else if (field.starts_with("streams.")) {
        size_t dot = field.rfind('.');
        groups["streams"][field.substr(8, dot - 8) + "\n" + field.substr(dot + 1)] = text;
      } else {
        size_t dot = field.find('.');
        groups[field.substr(0, dot)][field.substr(dot + 1)] = text;
      }
    }
    for (const auto& [group, entries] : groups) {
      out << YAML::Key << group << YAML::Value << YAML::BeginMap;
      std::string open_stream;
      for (const auto& [key, text] : entries) {
        std::string name = key;
        if (group == "streams") {
          std::string stream = key.substr(0, key.find('\n'));
          name = key.substr(key.find('\n') + 1);
          if (stream != open_stream) {
            if (!open_stream.empty()) out << YAML::EndMap;
            out << YAML::Key << stream << YAML::Value << YAML::BeginMap;
            open_stream = stream;
          }
        }
        out << YAML::Key << YAML::Load(name) << YAML::Value;
        if (text == "none") {
          out << YAML::Null;  // a duration not set, read back from `~`
        } else {
          out << YAML::Flow << YAML::Load(text);
        }
      }
      if (!open_stream.empty()) out << YAML::EndMap;
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void EmitExpectations(YAML::Emitter& out, const Scenario& s) {
  if (!s.expect_conf.empty()) {
    out << YAML::Key << "expect_conf" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, value] : s.expect_conf) {
      out << YAML::Key << name << YAML::Value;
      if (value) out << YAML::DoubleQuoted << *value;
      if (!value) out << YAML::Null;
    }
    out << YAML::EndMap;
  }
  if (!s.expect.empty()) {
    out << YAML::Key << "expect" << YAML::Value << YAML::BeginMap;
    for (const auto& [output, batches] : s.expect) {
      out << YAML::Key << output << YAML::Value;
      EmitBatches(out, batches);
    }
    out << YAML::EndMap;
  }
  if (!s.expect_all_runs.empty()) {
    // The reader keeps each output's assertions together, in file order.
    out << YAML::Key << "expect_all_runs" << YAML::Value << YAML::BeginMap;
    for (size_t i = 0; i < s.expect_all_runs.size(); ++i) {
      const RunExpectation& expected = s.expect_all_runs[i];
      if (i == 0 || s.expect_all_runs[i - 1].output != expected.output) {
        out << YAML::Key << expected.output << YAML::Value << YAML::BeginMap;
      }
      out << YAML::Key << RunExpectationKindName(expected.kind) << YAML::Value;
      EmitRecords(out, expected.records);
      if (i + 1 == s.expect_all_runs.size() || s.expect_all_runs[i + 1].output != expected.output) {
        out << YAML::EndMap;
      }
    }
    out << YAML::EndMap;
  }
  if (!s.expect_state.empty()) EmitStateExpectations(out, s.expect_state);
  if (!s.expect_error.empty()) Field(out, "expect_error", s.expect_error);
  if (!s.expect_failures.empty()) {
    out << YAML::Key << "expect_failures" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (FailureKind kind : s.expect_failures) out << FailureKindName(kind);
    out << YAML::EndSeq;
  }
}

void EmitFault(YAML::Emitter& out, const FaultRule& rule) {
  out << YAML::Flow << YAML::BeginMap;
  Field(out, "kind", FaultKindName(rule.kind));
  if (!rule.operation.empty()) Field(out, "operation", rule.operation);
  out << YAML::Key << "path" << YAML::Value << YAML::DoubleQuoted << rule.path;
  bool counted = CountsOccurrences(rule.kind);
  if (counted && rule.nth > 0) {
    Field(out, "nth", rule.nth);
    if (rule.times != 1) Field(out, "times", rule.times);
  } else if (counted) {
    Field(out, "probability", DoubleText(rule.probability_ppm / 1e6));
  }
  if (rule.kind == FaultKind::kLatency) Field(out, "latency_ms", rule.latency.ms);
  if (rule.kind == FaultKind::kEnospc) Field(out, "bytes", rule.bytes);
  out << YAML::EndMap;
}

// What the harness does to the application: initial files, storage, faults, crashes, seeds and
// swarm ranges.
void EmitHarness(YAML::Emitter& out, const Scenario& s) {
  if (!s.initial_files.empty()) {
    out << YAML::Key << "initial_files" << YAML::Value << YAML::BeginSeq;
    for (const InitialFile& file : s.initial_files) {
      out << YAML::BeginMap;
      Field(out, "path", file.path);
      out << YAML::Key << "content" << YAML::Value << YAML::DoubleQuoted << file.content;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  Field(out, "filesystem", PersistenceModelName(s.filesystem));
  if (!s.faults.empty()) {
    out << YAML::Key << "faults" << YAML::Value << YAML::BeginSeq;
    for (const FaultRule& rule : s.faults) EmitFault(out, rule);
    out << YAML::EndSeq;
  }
  if (!s.crashes.empty()) {
    out << YAML::Key << "crashes" << YAML::Value << YAML::BeginSeq;
    for (const CrashSpec& crash : s.crashes) {
      out << YAML::Flow << YAML::BeginMap;
      if (const auto* event = std::get_if<CrashEvent>(&crash.placement)) {
        EmitEvent(out, *event);
      } else if (const auto* from = std::get_if<CrashFromTime>(&crash.placement)) {
        Field(out, "at_ms", from->at.ms);
      } else {
        Field(out, "step", std::get<CrashBeforeStep>(crash.placement).step);
      }
      Field(out, "downtime_ms", crash.downtime.ms);
      if (crash.state != 0) Field(out, "crash_state", crash.state);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (s.trial_seed != 0) Field(out, "trial_seed", s.trial_seed);
  if (s.interleaving != 0) Field(out, "interleaving", s.interleaving);
  if (!s.swarm.empty()) {
    out << YAML::Key << "swarm" << YAML::Value << YAML::BeginMap;
    const auto ranges = SwarmRanges::Fields(s.swarm);
    for (auto [key, range] : ranges) {
      if (!*range) continue;
      out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq << (*range)->low
          << (*range)->high << YAML::EndSeq;
    }
    out << YAML::EndMap;
  }
}

std::string Comments(const std::string& header) {
  std::string text;
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find('\n', start);
    if (end == std::string::npos) end = header.size();
    text += "# " + header.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return text;
}

// What both engines' scenarios end with: conf, restart_conf, expectations and the harness's
// settings; the document, with `header` as comment lines.
std::string EmitEnd(YAML::Emitter& out, const Scenario& s, const std::string& header) {
  EmitConf(out, "conf", s.conf);
  if (s.restart_conf) EmitConf(out, "restart_conf", *s.restart_conf);
  EmitExpectations(out, s);
  EmitHarness(out, s);
  out << YAML::EndMap;
  return Comments(header) + out.c_str() + "\n";
}

// An `engine: structured` scenario's query: its pipeline, output mode and trigger.
void EmitQuery(YAML::Emitter& out, const StructuredQuery& query) {
  out << YAML::Key << "pipeline" << YAML::Value << YAML::BeginSeq;
  for (const PipelineStep& step : query.steps) EmitStep(out, step);
  auto step = [&out](const char* key, const auto& value) {
    out << YAML::BeginMap;
    Field(out, key, value);
    out << YAML::EndMap;
  };
  if (query.watermark_delay) step("with_watermark_ms", query.watermark_delay->ms);
  if (query.stateful == StructuredQuery::Stateful::kAggregate) {
    step("reduce_by_key", FunctionText(query.reduce));
  }
  if (query.stateful == StructuredQuery::Stateful::kDeduplicate) step("drop_duplicates", "key");
  step(query.sink == StructuredQuery::Sink::kFile         ? "write_files"
       : query.sink == StructuredQuery::Sink::kKeyedStore ? "write_store"
                                                          : "foreach_batch",
       query.sink_name);
  out << YAML::EndSeq;
  Field(out, "output_mode", ckpt::structured::OutputModeName(query.output_mode));
  if (query.trigger_interval) {
    Field(out, "trigger_ms", query.trigger_interval->ms);
  } else {
    Field(out, "trigger", "once");
  }
}

// An `engine: structured` scenario's scheduled runs and expected log ids.
void EmitRuns(YAML::Emitter& out, const Scenario& s) {
  if (!s.scheduled_runs.empty()) {
    out << YAML::Key << "scheduled_runs" << YAML::Value << YAML::BeginSeq;
    for (const ScheduledRun& run : s.scheduled_runs) {
      out << YAML::Flow << YAML::BeginMap;
      Field(out, "at_ms", run.at.ms);
      if (!run.deletes.empty()) Field(out, "delete", run.deletes);
      if (run.conf) EmitConf(out, "conf", *run.conf);
      if (run.concurrent) Field(out, "concurrent", true);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!s.expect_logs.empty()) {
    out << YAML::Key << "expect_logs" << YAML::Value << YAML::BeginMap;
    for (const auto& [log, ids] : s.expect_logs) {
      out << YAML::Key << log << YAML::Value << YAML::Flow << ids;
    }
    out << YAML::EndMap;
  }
  if (s.expect_deliveries.empty()) return;
  out << YAML::Key << "expect_deliveries" << YAML::Value << YAML::BeginMap;
  for (const auto& [sink, deliveries] : s.expect_deliveries) {
    out << YAML::Key << sink << YAML::Value << YAML::BeginSeq;
    for (const auto& [batch_id, rows] : deliveries) {
      out << YAML::Flow << YAML::BeginMap;
      Field(out, "batch", batch_id);
      out << YAML::Key << "rows" << YAML::Value;
      EmitRecords(out, rows);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

std::string StructuredScenarioToYaml(const Scenario& s, const std::string& header) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  Field(out, "engine", EngineName(s.engine));
  Field(out, "name", s.name);
  if (!s.description.empty()) Field(out, "description", s.description);
  EmitSource(out, s);
  EmitQuery(out, s.query);
  out << YAML::Key << "checkpoint_dir" << YAML::Value << YAML::DoubleQuoted << s.checkpoint_dir;
  out << YAML::Key << "processing" << YAML::Value << YAML::BeginMap;
  Field(out, "job_base_ms", s.processing.job_base.ms);
  Field(out, "per_record_us", s.processing.per_record_us);
  out << YAML::EndMap;
  Field(out, "downtime_ms", s.downtime.ms);
  if (!s.plugins.empty()) Field(out, "plugins", s.plugins);
  EmitRuns(out, s);
  return EmitEnd(out, s, header);
}

}  // namespace

std::string ScenarioToYaml(const Scenario& s, const std::string& header) {
  if (s.engine == Engine::kStructured) return StructuredScenarioToYaml(s, header);
  YAML::Emitter out;
  out << YAML::BeginMap;
  Field(out, "name", s.name);
  if (!s.description.empty()) Field(out, "description", s.description);
  Field(out, "batch_duration_ms", s.batch_duration.ms);
  Field(out, "batches", s.batches);
  EmitSource(out, s);
  EmitNamedSources(out, s.sources);
  out << YAML::Key << "pipeline" << YAML::Value << YAML::BeginSeq;
  for (const PipelineStep& step : s.pipeline) EmitStep(out, step);
  out << YAML::EndSeq;
  out << YAML::Key << "checkpoint_dir" << YAML::Value << YAML::DoubleQuoted << s.checkpoint_dir;
  Field(out, "create_on_error", s.create_on_error);
  if (s.restart_entry != RestartEntry::kGetOrCreate) {
    Field(out, "restart_entry", RestartEntryName(s.restart_entry));
  }
  EmitProcessing(out, s.processing);
  if (s.first_start.ms != 0) Field(out, "start_ms", s.first_start.ms);
  if (s.remember) Field(out, "remember_ms", s.remember->ms);
  Field(out, "downtime_ms", s.downtime.ms);
  if (s.graceful_stop_lead) Field(out, "graceful_stop_lead_ms", s.graceful_stop_lead->ms);
  if (s.restart_clock_offset.ms != 0) {
    Field(out, "restart_clock_offset_ms", s.restart_clock_offset.ms);
  }
  if (!s.plugins.empty()) Field(out, "plugins", s.plugins);
  if (s.restart_plugins) Field(out, "restart_plugins", *s.restart_plugins);
  return EmitEnd(out, s, header);
}

}  // namespace sim
