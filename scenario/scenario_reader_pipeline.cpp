#include <algorithm>

#include "scenario/scenario_reader.h"

namespace sim {

namespace {

// The options a step may carry besides its operation's own value, and the operations that take
// each (none listed: every step). Each lands in its operations' arguments (StepArguments).
const std::map<std::string, std::vector<Operation>>& StepOptions() {
  using enum Operation;
  static const std::map<std::string, std::vector<Operation>> options = {
      {"checkpoint_interval_ms", {}},
      {"name", {}},
      {"from", {}},
      {"window_ms", {kWindow, kReduceByWindow, kReduceByKeyAndWindow}},
      {"slide_ms", {kWindow, kReduceByWindow, kReduceByKeyAndWindow}},
      {"inverse", {kReduceByWindow, kReduceByKeyAndWindow}},
      {"filter_function", {kReduceByKeyAndWindow}},
      {"timeout_ms", {kMapWithState}},
      {"output", {kForeachRdd}},
      {"store", {kForeachRdd}},
      {"num", {kPrint}},
      {"suffix", {kSaveAsTextFiles}},
      {"steps", {kTransformWith}},
  };
  return options;
}

// "window, reduce_by_window and reduce_by_key_and_window".
std::string OperationList(const std::vector<Operation>& operations) {
  std::string text;
  for (size_t i = 0; i < operations.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == operations.size() ? " and " : ", ");
    text += OperationName(operations[i]);
  }
  return text;
}

}  // namespace

Result<PipelineStep> ScenarioReader::step(const YAML::Node& node, const std::string& field) const {
  if (!node.IsMap()) return error(node, field, "expected a map such as {map: pair_with_one}");
  std::optional<Operation> operation;
  YAML::Node operation_value;
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (std::optional<Operation> named = ParseOperation(key)) {
      if (operation) return error(entry.first, field, "two operations in one step");
      operation = named;
      operation_value = entry.second;
    } else if (!StepOptions().count(key)) {
      std::string operations, options;
      for (const std::string& op : Operations())
        operations += (operations.empty() ? "" : ", ") + op;
      for (const auto& [option, takers] : StepOptions()) {
        options += (options.empty() ? "" : ", ") + option;
      }
      return error(
          entry.first, field + "." + key,
          "unknown operator or option (operators: " + operations + "; options: " + options + ")");
    }
  }
  if (!operation) return error(node, field, "no operation");
  PipelineStep step = PipelineStep::Of(*operation);
  step.origin = where(node);
  const std::string name = OperationName(step.operation);
  CKPT_RETURN_IF_ERROR(operation_argument(operation_value, field + "." + name, step));
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    auto option = StepOptions().find(key);
    if (option == StepOptions().end()) continue;  // the operation
    const std::vector<Operation>& takers = option->second;
    if (!takers.empty() &&
        std::find(takers.begin(), takers.end(), step.operation) == takers.end()) {
      return error(entry.first, field + "." + key,
                   "not an option of " + name + " (" + OperationList(takers) +
                       (takers.size() == 1 ? " takes it)" : " take it)"));
    }
    CKPT_RETURN_IF_ERROR(step_option(key, entry.second, field + "." + key, step));
  }
  if (step.operation == Operation::kTransformWith && !node["steps"]) {
    return error(node, field + ".steps", "missing (what transform_with runs on both RDDs)");
  }
  Status valid = ValidateStep(step, field + "." + name, functions());
  if (!valid.ok()) return located(node, valid);
  if (const WindowArguments* window = step.get<WindowArguments>(); window && !window->window) {
    return error(node, field + ".window_ms", "missing (the window of " + name + ")");
  }
  return step;
}

Status ScenarioReader::step_option(const std::string& key, const YAML::Node& value,
                                   const std::string& where, PipelineStep& step) const {
  WindowArguments* window = step.get<WindowArguments>();
  OutputArguments* output = step.get<OutputArguments>();
  if (key == "checkpoint_interval_ms" || key == "window_ms" || key == "slide_ms" ||
      key == "timeout_ms") {
    CKPT_ASSIGN_OR_RETURN(Duration d, duration(value, where, false));
    if (key == "checkpoint_interval_ms") step.checkpoint_interval = d;
    if (key == "window_ms") window->window = d;
    if (key == "slide_ms") window->slide = d;
    if (key == "timeout_ms") step.get<StateArguments>()->timeout = d;
  } else if (key == "inverse" || key == "filter_function") {
    CKPT_ASSIGN_OR_RETURN(ckpt::FunctionRef f, function(value, where));
    (key == "inverse" ? window->inverse : window->filter_function) = f;
  } else if (key == "name" || key == "from" || key == "output") {
    CKPT_ASSIGN_OR_RETURN(std::string text, string(value, where));
    if (key == "name") step.name = text;
    if (key == "from") step.from = text;
    if (key == "output") output->output_name = text;
  } else if (key == "suffix") {
    CKPT_ASSIGN_OR_RETURN(std::string text, string(value, where));
    // The suffix ends a directory name under the real runtime's run directory.
    if (!text.empty()) {
      CKPT_ASSIGN_OR_RETURN(output->suffix, plain_name(value, where));
    }
  } else if (key == "steps") {
    CKPT_ASSIGN_OR_RETURN(step.get<SubPipeline>()->steps, sub_steps(value, where, step));
  } else if (key == "store") {
    CKPT_ASSIGN_OR_RETURN(output->store, output_store(value, where));
  } else if (key == "num") {
    CKPT_ASSIGN_OR_RETURN(int64_t n, integer(value, where));
    if (n < 1) return error(value, where, "must be at least 1");
    output->num = n;
  }
  return Status::Ok();
}

Result<OutputStore> ScenarioReader::output_store(const YAML::Node& node,
                                                 const std::string& field) const {
  CKPT_ASSIGN_OR_RETURN(std::string text, string(node, field));
  for (OutputStore store : {OutputStore::kIdempotent, OutputStore::kAppending}) {
    if (text == OutputStoreName(store)) return store;
  }
  return error(node, field, "unknown store '" + text + "' (known: idempotent, appending)");
}

const std::set<std::string>& ScenarioReader::Operations() {
  static const std::set<std::string> names = [] {
    std::set<std::string> sorted;
    for (Operation operation : kOperations) sorted.insert(OperationName(operation));
    return sorted;
  }();
  return names;
}

Status ScenarioReader::operation_argument(const YAML::Node& value, const std::string& where,
                                          PipelineStep& step) const {
  const Operation op = step.operation;
  if (op == Operation::kCountByValue || op == Operation::kStateSnapshots ||
      op == Operation::kWindow) {
    if (op == Operation::kWindow && value.IsScalar() && !value.Scalar().empty()) {
      CKPT_ASSIGN_OR_RETURN(Duration d, duration(value, where, false));
      step.get<WindowArguments>()->window = d;
    }
    return Status::Ok();
  }
  if (op == Operation::kTransform && value.IsSequence()) {
    CKPT_ASSIGN_OR_RETURN(step.get<SubPipeline>()->steps, sub_steps(value, where, step));
    return Status::Ok();
  }
  CKPT_ASSIGN_OR_RETURN(std::string text, string(value, where));
  if (OtherStream* stream = step.get<OtherStream>()) {
    stream->other = text;
  } else if (op == Operation::kTransformWith) {
    step.get<SubPipeline>()->other = text;
  } else if (op == Operation::kCollect || op == Operation::kPrint) {
    step.get<OutputArguments>()->output_name = text;
  } else if (op == Operation::kSaveAsTextFiles) {
    CKPT_ASSIGN_OR_RETURN(step.get<OutputArguments>()->output_name, absolute_path(value, where));
  } else {
    CKPT_ASSIGN_OR_RETURN(ckpt::FunctionRef f, function(value, where));
    step.function = f;
  }
  return Status::Ok();
}

Result<std::vector<PipelineStep>> ScenarioReader::sub_steps(const YAML::Node& node,
                                                            const std::string& field,
                                                            const PipelineStep& parent) const {
  if (!node.IsSequence() || node.size() == 0) {
    return error(node, field, "expected a non-empty list of steps");
  }
  std::vector<PipelineStep> steps;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string where = field + "[" + std::to_string(i) + "]";
    CKPT_ASSIGN_OR_RETURN(PipelineStep sub, step(node[i], where));
    const Operation op = sub.operation;
    const std::string name = where + "." + OperationName(op);
    bool on_rdd = op == Operation::kMap || op == Operation::kMapValues ||
                  op == Operation::kFlatMap || op == Operation::kFilter ||
                  (op == Operation::kTransform && sub.steps().empty()) ||
                  op == Operation::kReduce || op == Operation::kReduceByKey ||
                  op == Operation::kCountByValue || op == Operation::kCollect ||
                  op == Operation::kSaveAsTextFiles ||
                  (CombinesTwoStreams(op) && op != Operation::kTransformWith);
    if (!on_rdd) {
      return error(node[i], name,
                   "not an operation on one batch's RDD (a sub-pipeline takes map, map_values, "
                   "flat_map, filter, transform by a function, reduce, reduce_by_key, "
                   "count_by_value, collect, save_as_text_files, and in transform_with union, "
                   "cogroup and the joins)");
    }
    if (CombinesTwoStreams(op) &&
        (parent.operation != Operation::kTransformWith || sub.other() != parent.other())) {
      return error(
          node[i], name,
          "combines with the other RDD of a transform_with, named as it names it" +
              (parent.operation == Operation::kTransformWith ? " ('" + parent.other() + "')"
                                                             : std::string()));
    }
    if (!sub.name.empty() || !sub.from.empty() || sub.checkpoint_interval) {
      return error(node[i], name,
                   "name, from and checkpoint_interval_ms belong to streams, not to a step inside "
                   "a transform");
    }
    steps.push_back(std::move(sub));
  }
  return steps;
}

Status ScenarioReader::processing(const YAML::Node& node, ProcessingModel& model) const {
  CKPT_RETURN_IF_ERROR(check_keys(node, "processing",
                                  {"job_base_ms", "per_record_us", "per_computed_record_us",
                                   "slow_batches", "failing_batches"}));
  if (node["job_base_ms"]) {
    CKPT_ASSIGN_OR_RETURN(Duration d,
                          duration(node["job_base_ms"], "processing.job_base_ms", true));
    model.job_base = d;
  }
  for (auto [key, field] : {std::pair{"per_record_us", &model.per_record_us},
                            std::pair{"per_computed_record_us", &model.per_computed_record_us}}) {
    if (!node[key]) continue;
    std::string where = std::string("processing.") + key;
    CKPT_ASSIGN_OR_RETURN(int64_t n, integer(node[key], where));
    if (n < 0) return error(node[key], where, "must not be negative");
    *field = n;
  }
  if (const YAML::Node slow = node["slow_batches"]) {
    if (!slow.IsMap()) return error(slow, "processing.slow_batches", "expected {batch: extra_ms}");
    for (const auto& entry : slow) {
      Result<int64_t> batch = integer(entry.first, "processing.slow_batches");
      Result<Duration> extra = duration(entry.second, "processing.slow_batches", true);
      if (!batch.ok()) return batch.status();
      if (!extra.ok()) return extra.status();
      model.slow_batches[batch.value()] = extra.value();
    }
  }
  if (const YAML::Node failing = node["failing_batches"]) {
    std::string where = "processing.failing_batches";
    if (!failing.IsMap()) return error(failing, where, "expected {batch: failed_attempts}");
    for (const auto& entry : failing) {
      Result<int64_t> batch = integer(entry.first, where);
      Result<int64_t> attempts = integer(entry.second, where);
      if (!batch.ok()) return batch.status();
      if (!attempts.ok()) return attempts.status();
      if (attempts.value() < 1 || attempts.value() > 100) {
        return error(entry.second, where, "failed attempts must be in 1..100");
      }
      model.failing_batches[batch.value()] = static_cast<int>(attempts.value());
    }
  }
  return Status::Ok();
}

Result<std::vector<CrashSpec>> ScenarioReader::crashes(const YAML::Node& node) const {
  if (!node.IsSequence()) {
    return error(node, "crashes", "expected a list of {step or at_ms, downtime_ms}");
  }
  std::vector<CrashSpec> out;
  for (const YAML::Node& item : node) {
    CKPT_RETURN_IF_ERROR(
        check_keys(item, "crashes",
                   {"step", "at_ms", "before", "after", "nth", "downtime_ms", "crash_state"}));
    int placements = 0;
    for (const char* key : {"step", "at_ms", "before", "after"}) placements += item[key] ? 1 : 0;
    if (placements != 1) {
      return error(item, "crashes", "give exactly one of step, at_ms, before and after");
    }
    CrashSpec spec;
    if (item["before"] || item["after"]) {
      CKPT_ASSIGN_OR_RETURN(spec.placement, crash_event(item, "crashes"));
    } else {
      const char* key = item["step"] ? "step" : "at_ms";
      std::string where = std::string("crashes.") + key;
      CKPT_ASSIGN_OR_RETURN(int64_t point, integer(item[key], where));
      if (point < 0) return error(item[key], where, "must be >= 0");
      if (item["at_ms"] && point > kMaxScenarioDuration_ms) {
        return error(item[key], where, "at most 864000000 ms (10 days)");
      }
      if (item["step"]) spec.placement = CrashBeforeStep{static_cast<uint64_t>(point)};
      if (item["at_ms"]) spec.placement = CrashFromTime{Time{point}};
    }
    if (item["nth"] && !std::holds_alternative<CrashEvent>(spec.placement))
      return error(item["nth"], "crashes.nth", "only with an event");
    if (item["downtime_ms"]) {
      CKPT_ASSIGN_OR_RETURN(Duration d,
                            duration(item["downtime_ms"], "crashes.downtime_ms", true));
      spec.downtime = d;
    }
    if (item["crash_state"]) {
      Result<int64_t> state = integer(item["crash_state"], "crashes.crash_state");
      if (!state.ok()) return state.status();
      if (state.value() < 0)
        return error(item["crash_state"], "crashes.crash_state", "must be >= 0");
      spec.state = static_cast<uint64_t>(state.value());
    }
    out.push_back(spec);
  }
  return out;
}

Result<CrashEvent> ScenarioReader::crash_event(const YAML::Node& item,
                                               const std::string& list) const {
  CrashEvent event;
  event.after = static_cast<bool>(item["after"]);
  const char* side = event.after ? "after" : "before";
  const YAML::Node node = item[side];
  const std::string field = list + "." + side;
  if (!node.IsMap() || node.size() != 1) {
    return error(node, field,
                 "expected one event: {checkpoint_written: T_MS}, {rename: PATH}, "
                 "{batch_completed: T_MS}, {cleanup: T_MS} or {wal_write: N}");
  }
  const std::string name = node.begin()->first.IsScalar() ? node.begin()->first.Scalar() : "";
  const YAML::Node value = node.begin()->second;
  const std::string where = field + "." + name;
  bool known = false;
  for (auto kind : {CrashEvent::Kind::kCheckpointWritten, CrashEvent::Kind::kRename,
                    CrashEvent::Kind::kBatchCompleted, CrashEvent::Kind::kCleanup,
                    CrashEvent::Kind::kWalWrite}) {
    if (name == CrashEventKindName(kind)) {
      event.kind = kind;
      known = true;
    }
  }
  if (!known) {
    return error(node, field,
                 "unknown event '" + name +
                     "' (known: batch_completed, checkpoint_written, cleanup, rename, wal_write)");
  }
  if (event.kind == CrashEvent::Kind::kRename) {
    CKPT_ASSIGN_OR_RETURN(event.argument, absolute_path(value, where));
  } else {
    CKPT_ASSIGN_OR_RETURN(int64_t number, integer(value, where));
    bool is_count = event.kind == CrashEvent::Kind::kWalWrite;
    if (number < (is_count ? 1 : 0) || number > kMaxScenarioDuration_ms) {
      return error(value, where, is_count ? "must be in 1..864000000" : "must be in 0..864000000");
    }
    if (is_count) event.nth = static_cast<uint64_t>(number);
    if (!is_count) event.argument = std::to_string(number);
  }
  if (const YAML::Node nth = item["nth"]) {
    if (event.kind == CrashEvent::Kind::kWalWrite) {
      return error(nth, list + ".nth", "wal_write counts by its own value");
    }
    CKPT_ASSIGN_OR_RETURN(int64_t n, integer(nth, list + ".nth"));
    if (n < 1 || n > 1'000'000) return error(nth, list + ".nth", "must be in 1..1000000");
    event.nth = static_cast<uint64_t>(n);
  }
  return event;
}

}  // namespace sim
