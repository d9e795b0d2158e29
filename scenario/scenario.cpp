#include "scenario/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "scenario/swarm.h"

namespace sim {
namespace {

using ckpt::Result;
using ckpt::Status;
using ckpt::Value;

std::optional<ckpt::FunctionKind> MainFunctionKind(const std::string& operation) {
  using ckpt::FunctionKind;
  static const std::map<std::string, FunctionKind> kinds = {
      {"map", FunctionKind::kMap},
      {"map_values", FunctionKind::kMap},
      {"flat_map", FunctionKind::kFlatMap},
      {"filter", FunctionKind::kFilter},
      {"transform", FunctionKind::kTransform},
      {"foreach_rdd", FunctionKind::kTransform},
      {"reduce", FunctionKind::kReduce},
      {"reduce_by_key", FunctionKind::kReduce},
      {"reduce_by_window", FunctionKind::kReduce},
      {"reduce_by_key_and_window", FunctionKind::kReduce},
      {"update_state_by_key", FunctionKind::kUpdateState},
      {"map_with_state", FunctionKind::kMapWithState}};
  auto it = kinds.find(operation);
  if (it == kinds.end()) return std::nullopt;
  return it->second;
}

Status ValidateStep(const PipelineStep& step, const std::string& field,
                    const ckpt::FunctionRegistry& registry) {
  using ckpt::FunctionKind;
  if (std::optional<FunctionKind> kind = MainFunctionKind(step.operation)) {
    CKPT_RETURN_IF_ERROR(registry.check(step.function, *kind).with_context(field));
  }
  if (!step.inverse.empty()) {
    CKPT_RETURN_IF_ERROR(
        registry.check(step.inverse, FunctionKind::kReduce).with_context(field + ".inverse"));
  }
  if (!step.filter_function.empty()) {
    if (step.inverse.empty()) {
      return Status::InvalidArgument(field + ".filter_function: needs an inverse function");
    }
    CKPT_RETURN_IF_ERROR(registry.check(step.filter_function, FunctionKind::kFilter)
                             .with_context(field + ".filter_function"));
  }
  if (step.operation == "foreach_rdd" && step.output_name.empty()) {
    return Status::InvalidArgument(field + ".output: missing (the sink name of foreach_rdd)");
  }
  return Status::Ok();
}

class Loader {
 public:
  explicit Loader(std::string path) : path_(std::move(path)) {}

  Status error(const YAML::Node& node, const std::string& field, const std::string& what) const {
    return Status::InvalidArgument(where(node) + ": " + field + ": " + what);
  }
  // `status`'s message (which names its field) at `node`'s place in the file.
  Status located(const YAML::Node& node, const Status& status) const {
    return Status::InvalidArgument(where(node) + ": " + status.message());
  }
  // "file:line:column" (just the file when the node has no place).
  std::string where(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return path_;
    return path_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }

  Result<int64_t> integer(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) return error(node, field, "expected an integer");
    const std::string& text = node.Scalar();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return error(node, field, "expected an integer, got '" + text + "'");
    }
    return value;
  }

  Result<Duration> duration(const YAML::Node& node, const std::string& field,
                            bool allow_zero) const {
    Result<int64_t> ms = integer(node, field);
    if (!ms.ok()) return ms.status();
    if (ms.value() < 0 || (!allow_zero && ms.value() == 0)) {
      return error(node, field,
                   "expected a " + std::string(allow_zero ? "non-negative" : "positive") +
                       " duration in milliseconds, got " + std::to_string(ms.value()));
    }
    return Duration{ms.value()};
  }

  Result<bool> boolean(const YAML::Node& node, const std::string& field) const {
    if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
      return node.Scalar() == "true";
    }
    return error(node, field, "expected true or false");
  }

  Result<std::string> string(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) return error(node, field, "expected a string");
    return node.Scalar();
  }

  // A scalar is an integer, a double, or a string (quoted scalars are always strings);
  // a two-element sequence is a pair.
  Result<Value> value(const YAML::Node& node, const std::string& field) const {
    if (node.IsSequence()) {
      if (node.size() != 2) return error(node, field, "a pair needs exactly two elements");
      Result<Value> first = value(node[0], field), second = value(node[1], field);
      if (!first.ok()) return first.status();
      if (!second.ok()) return second.status();
      return Value::Pair(first.value(), second.value());
    }
    if (!node.IsScalar()) return error(node, field, "expected a value (scalar or pair)");
    const std::string& text = node.Scalar();
    // Quoted ("12") or tagged (!!str 12) scalars are strings even when they look like numbers.
    if (node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str") {
      int64_t integer = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
        return Value::Int(integer);
      }
      double real = 0;
      auto [real_end, real_ec] = std::from_chars(text.data(), text.data() + text.size(), real);
      if (real_ec == std::errc() && real_end == text.data() + text.size() && !text.empty()) {
        return Value::Double(real);
      }
    }
    return Value::String(text);
  }

  Result<ckpt::Records> records(const YAML::Node& node, const std::string& field) const {
    if (!node.IsSequence()) return error(node, field, "expected a list of records");
    ckpt::Records out;
    for (const YAML::Node& item : node) {
      Result<Value> v = value(item, field);
      if (!v.ok()) return v.status();
      out.push_back(v.value());
    }
    return out;
  }

  Result<std::vector<ckpt::Records>> batches(const YAML::Node& node,
                                             const std::string& field) const {
    if (!node.IsSequence()) return error(node, field, "expected a list of batches");
    std::vector<ckpt::Records> out;
    for (const YAML::Node& batch : node) {
      Result<ckpt::Records> r = records(batch, field);
      if (!r.ok()) return r.status();
      out.push_back(std::move(r).value());
    }
    return out;
  }

  // "name" or "name(arg, ...)".
  Result<ckpt::FunctionRef> function(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) return error(node, field, "expected a function name");
    std::string text = node.Scalar();
    ckpt::FunctionRef ref;
    size_t open = text.find('(');
    ref.name = text.substr(0, open);
    if (open != std::string::npos) {
      if (text.back() != ')') return error(node, field, "unbalanced parentheses in '" + text + "'");
      YAML::Node args = YAML::Load("[" + text.substr(open + 1, text.size() - open - 2) + "]");
      for (const YAML::Node& arg : args) {
        Result<Value> v = value(arg, field);
        if (!v.ok()) return v.status();
        ref.args.push_back(v.value());
      }
    }
    return ref;
  }

  Status check_keys(const YAML::Node& node, const std::string& where,
                    const std::set<std::string>& known) const {
    for (const auto& entry : node) {
      std::string key = entry.first.Scalar();
      if (!known.count(key)) {
        std::string list;
        for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
        return error(entry.first, where.empty() ? key : where + "." + key,
                     "unknown field (known: " + list + ")");
      }
    }
    return Status::Ok();
  }

  Result<PipelineStep> step(const YAML::Node& node, size_t index) const {
    std::string field = "pipeline[" + std::to_string(index) + "]";
    if (!node.IsMap()) return error(node, field, "expected a map such as {map: pair_with_one}");
    PipelineStep step;
    for (const auto& entry : node) {
      std::string key = entry.first.Scalar();
      std::string where = field + "." + key;
      const YAML::Node& value = entry.second;
      if (Operations().count(key)) {
        if (!step.operation.empty()) return error(entry.first, field, "two operations in one step");
        step.operation = key;
        CKPT_RETURN_IF_ERROR(operation_argument(value, where, step));
      } else if (key == "checkpoint_interval_ms" || key == "window_ms" || key == "slide_ms" ||
                 key == "timeout_ms") {
        Result<Duration> d = duration(value, where, false);
        if (!d.ok()) return d.status();
        if (key == "checkpoint_interval_ms") step.checkpoint_interval = d.value();
        if (key == "window_ms") step.window = d.value();
        if (key == "slide_ms") step.slide = d.value();
        if (key == "timeout_ms") step.timeout = d.value();
      } else if (key == "inverse" || key == "filter_function") {
        Result<ckpt::FunctionRef> f = function(value, where);
        if (!f.ok()) return f.status();
        (key == "inverse" ? step.inverse : step.filter_function) = f.value();
      } else if (key == "name" || key == "from" || key == "output" || key == "suffix") {
        Result<std::string> text = string(value, where);
        if (!text.ok()) return text.status();
        if (key == "name") step.name = text.value();
        if (key == "from") step.from = text.value();
        if (key == "output") step.output_name = text.value();
        if (key == "suffix") step.suffix = text.value();
      } else if (key == "num") {
        Result<int64_t> n = integer(value, where);
        if (!n.ok()) return n.status();
        if (n.value() < 1) return error(value, where, "must be at least 1");
        step.num = n.value();
      } else {
        std::string known;
        for (const std::string& op : Operations()) known += (known.empty() ? "" : ", ") + op;
        return error(entry.first, where,
                     "unknown operator or option (operators: " + known +
                         "; options: checkpoint_interval_ms, filter_function, from, inverse, "
                         "name, num, output, slide_ms, suffix, timeout_ms, window_ms)");
      }
    }
    if (step.operation.empty()) return error(node, field, "no operation");
    Status valid =
        ValidateStep(step, field + "." + step.operation, ckpt::FunctionRegistry::Builtins());
    if (!valid.ok()) return located(node, valid);
    if ((step.operation == "window" || step.operation == "reduce_by_window" ||
         step.operation == "reduce_by_key_and_window") &&
        !step.window) {
      return error(node, field + ".window_ms", "missing (the window of " + step.operation + ")");
    }
    return step;
  }

  static const std::set<std::string>& Operations() {
    static const std::set<std::string> operations = {"map",
                                                     "map_values",
                                                     "flat_map",
                                                     "filter",
                                                     "transform",
                                                     "union",
                                                     "reduce",
                                                     "reduce_by_key",
                                                     "count_by_value",
                                                     "window",
                                                     "reduce_by_window",
                                                     "reduce_by_key_and_window",
                                                     "update_state_by_key",
                                                     "map_with_state",
                                                     "state_snapshots",
                                                     "collect",
                                                     "print",
                                                     "save_as_text_files",
                                                     "foreach_rdd"};
    return operations;
  }

  // What the operation's own key holds: a function, a stream name, an output name or nothing.
  Status operation_argument(const YAML::Node& value, const std::string& where,
                            PipelineStep& step) const {
    const std::string& op = step.operation;
    if (op == "count_by_value" || op == "state_snapshots" || op == "window") {
      if (op == "window" && value.IsScalar() && !value.Scalar().empty()) {
        Result<Duration> d = duration(value, where, false);
        if (!d.ok()) return d.status();
        step.window = d.value();
      }
      return Status::Ok();
    }
    Result<std::string> text = string(value, where);
    if (!text.ok()) return text.status();
    if (op == "union") {
      step.other = text.value();
    } else if (op == "collect" || op == "print") {
      step.output_name = text.value();
    } else if (op == "save_as_text_files") {
      if (text.value().empty() || text.value()[0] != '/') {
        return error(value, where, "the prefix must be an absolute path");
      }
      step.output_name = text.value();
    } else {
      Result<ckpt::FunctionRef> f = function(value, where);
      if (!f.ok()) return f.status();
      step.function = f.value();
    }
    return Status::Ok();
  }

  Status processing(const YAML::Node& node, ProcessingModel& model) const {
    CKPT_RETURN_IF_ERROR(check_keys(node, "processing",
                                    {"job_base_ms", "per_record_us", "per_computed_record_us",
                                     "slow_batches", "failing_batches"}));
    if (node["job_base_ms"]) {
      Result<Duration> d = duration(node["job_base_ms"], "processing.job_base_ms", true);
      if (!d.ok()) return d.status();
      model.job_base = d.value();
    }
    for (auto [key, field] : {std::pair{"per_record_us", &model.per_record_us},
                              std::pair{"per_computed_record_us", &model.per_computed_record_us}}) {
      if (!node[key]) continue;
      std::string where = std::string("processing.") + key;
      Result<int64_t> n = integer(node[key], where);
      if (!n.ok()) return n.status();
      if (n.value() < 0) return error(node[key], where, "must not be negative");
      *field = n.value();
    }
    if (const YAML::Node slow = node["slow_batches"]) {
      if (!slow.IsMap())
        return error(slow, "processing.slow_batches", "expected {batch: extra_ms}");
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

  Result<std::vector<CrashSpec>> crashes(const YAML::Node& node) const {
    if (!node.IsSequence()) {
      return error(node, "crashes", "expected a list of {step or at_ms, downtime_ms}");
    }
    std::vector<CrashSpec> out;
    for (const YAML::Node& item : node) {
      CKPT_RETURN_IF_ERROR(
          check_keys(item, "crashes", {"step", "at_ms", "downtime_ms", "crash_state"}));
      if (!item["step"] == !item["at_ms"]) {
        return error(item, "crashes", "give exactly one of step and at_ms");
      }
      const char* key = item["step"] ? "step" : "at_ms";
      std::string where = std::string("crashes.") + key;
      Result<int64_t> point = integer(item[key], where);
      if (!point.ok()) return point.status();
      if (point.value() < 0) return error(item[key], where, "must be >= 0");
      CrashSpec spec;
      if (item["step"]) spec.step = static_cast<uint64_t>(point.value());
      if (item["at_ms"]) spec.at = Time{point.value()};
      if (item["downtime_ms"]) {
        Result<Duration> d = duration(item["downtime_ms"], "crashes.downtime_ms", true);
        if (!d.ok()) return d.status();
        spec.downtime = d.value();
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

  Result<FaultRule> fault(const YAML::Node& item) const {
    const std::string where = "faults";
    CKPT_RETURN_IF_ERROR(check_keys(
        item, where,
        {"kind", "operation", "path", "nth", "times", "probability", "latency_ms", "bytes"}));
    FaultRule rule;
    rule.origin = path_ + ":" + std::to_string(item.Mark().line + 1);
    if (!item["kind"])
      return error(item, "faults.kind", "missing (eio, enospc, latency, bitflip or torn_write)");
    Result<std::string> kind_name = string(item["kind"], "faults.kind");
    if (!kind_name.ok()) return kind_name.status();
    Result<FaultKind> kind = ParseFaultKind(kind_name.value());
    if (!kind.ok()) return error(item["kind"], "faults.kind", kind.status().message());
    rule.kind = kind.value();
    if (item["operation"]) {
      Result<std::string> op = string(item["operation"], "faults.operation");
      if (!op.ok()) return op.status();
      const std::vector<std::string>& known = FaultOperations();
      if (std::find(known.begin(), known.end(), op.value()) == known.end()) {
        std::string list;
        for (const std::string& name : known) list += (list.empty() ? "" : ", ") + name;
        return error(item["operation"], "faults.operation",
                     "unknown operation '" + op.value() + "' (known: " + list + ")");
      }
      rule.operation = op.value();
    }
    if (item["path"]) {
      Result<std::string> pattern = string(item["path"], "faults.path");
      if (!pattern.ok()) return pattern.status();
      rule.path = pattern.value();
    }
    if (item["nth"]) {
      Result<int64_t> nth = integer(item["nth"], "faults.nth");
      if (!nth.ok()) return nth.status();
      if (nth.value() < 1) return error(item["nth"], "faults.nth", "must be >= 1");
      rule.nth = nth.value();
    }
    if (item["times"]) {
      Result<int64_t> times = integer(item["times"], "faults.times");
      if (!times.ok()) return times.status();
      if (times.value() < 1 || times.value() > 1000000) {
        return error(item["times"], "faults.times", "must be in 1..1000000");
      }
      rule.times = times.value();
    }
    if (item["probability"]) {
      double p = -1;
      const std::string& text = item["probability"].Scalar();
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
      if (ec != std::errc() || end != text.data() + text.size() || p < 0 || p > 1) {
        return error(item["probability"], "faults.probability",
                     "expected a probability in [0, 1], got '" + text + "'");
      }
      rule.probability_ppm = static_cast<uint32_t>(p * 1'000'000 + 0.5);
    }
    if (item["latency_ms"]) {
      Result<Duration> d = duration(item["latency_ms"], "faults.latency_ms", false);
      if (!d.ok()) return d.status();
      rule.latency = d.value();
    }
    if (item["bytes"]) {
      Result<int64_t> bytes = integer(item["bytes"], "faults.bytes");
      if (!bytes.ok()) return bytes.status();
      if (bytes.value() < 0) return error(item["bytes"], "faults.bytes", "must be >= 0");
      rule.bytes = static_cast<uint64_t>(bytes.value());
    }
    return check_fault(item, rule);
  }

  // Which fields each kind needs, and which it cannot use.
  Result<FaultRule> check_fault(const YAML::Node& item, const FaultRule& rule) const {
    bool counted = rule.kind == FaultKind::kEio || rule.kind == FaultKind::kBitflip;
    if (counted && !item["nth"] == !item["probability"]) {
      return error(
          item, "faults",
          std::string(FaultKindName(rule.kind)) + " needs exactly one of nth and probability");
    }
    if (!counted) {
      for (const char* key : {"nth", "times", "probability"}) {
        if (item[key])
          return error(item[key], std::string("faults.") + key,
                       "only eio and bitflip count occurrences");
      }
    }
    if (item["times"] && !item["nth"]) return error(item["times"], "faults.times", "needs nth");
    if ((rule.kind == FaultKind::kLatency) != bool(item["latency_ms"])) {
      return error(item, "faults.latency_ms",
                   "latency needs latency_ms; other kinds cannot have it");
    }
    if ((rule.kind == FaultKind::kEnospc) != bool(item["bytes"])) {
      return error(item, "faults.bytes", "enospc needs bytes; other kinds cannot have it");
    }
    bool takes_operation = rule.kind == FaultKind::kEio || rule.kind == FaultKind::kLatency ||
                           (rule.kind == FaultKind::kBitflip && rule.operation == "read");
    if (item["operation"] && !takes_operation) {
      return error(item["operation"], "faults.operation",
                   std::string(FaultKindName(rule.kind)) + " does not take an operation" +
                       (rule.kind == FaultKind::kBitflip ? " other than read" : ""));
    }
    return rule;
  }

  Status faults(const YAML::Node& node, Scenario& s) const {
    if (!node.IsSequence()) return error(node, "faults", "expected a list of fault rules");
    if (node.size() > 64) return error(node, "faults", "at most 64 rules");
    for (const YAML::Node& item : node) {
      if (!item.IsMap()) return error(item, "faults", "expected a map {kind: ..., ...}");
      Result<FaultRule> rule = fault(item);
      if (!rule.ok()) return rule.status();
      s.faults.push_back(rule.value());
    }
    return Status::Ok();
  }

  Result<Scenario> scenario(const YAML::Node& root) const {
    if (!root.IsMap()) return error(root, "(document)", "expected a map of scenario fields");
    CKPT_RETURN_IF_ERROR(check_keys(
        root, "",
        {"name",       "description",    "batch_duration_ms", "batches",       "source",
         "pipeline",   "checkpoint_dir", "create_on_error",   "processing",    "downtime_ms",
         "conf",       "expect",         "expect_error",      "initial_files", "crashes",
         "filesystem", "faults",         "expect_failures",   "restart_conf",  "expect_conf",
         "swarm",      "trial_seed",     "interleaving"}));
    Scenario s;
    s.path = path_;
    for (const char* required : {"name", "batches", "source", "pipeline"}) {
      if (!root[required]) return error(root, required, "missing required field");
    }
    Result<std::string> name = string(root["name"], "name");
    if (!name.ok()) return name.status();
    s.name = name.value();
    if (root["description"]) s.description = root["description"].Scalar();
    if (root["batch_duration_ms"]) {
      Result<Duration> d = duration(root["batch_duration_ms"], "batch_duration_ms", false);
      if (!d.ok()) return d.status();
      s.batch_duration = d.value();
    }
    Result<int64_t> n = integer(root["batches"], "batches");
    if (!n.ok()) return n.status();
    if (n.value() < 1 || n.value() > 100000)
      return error(root["batches"], "batches", "must be in 1..100000");
    s.batches = n.value();
    CKPT_RETURN_IF_ERROR(source(root["source"], s));
    const YAML::Node pipeline = root["pipeline"];
    if (!pipeline.IsSequence() || pipeline.size() == 0) {
      return error(pipeline, "pipeline", "expected a non-empty list of steps");
    }
    for (size_t i = 0; i < pipeline.size(); ++i) {
      Result<PipelineStep> st = step(pipeline[i], i);
      if (!st.ok()) return st.status();
      s.pipeline.push_back(st.value());
    }
    if (root["checkpoint_dir"]) {
      Result<std::string> dir = string(root["checkpoint_dir"], "checkpoint_dir");
      if (!dir.ok()) return dir.status();
      if (!dir.value().empty() && dir.value()[0] != '/') {
        return error(root["checkpoint_dir"], "checkpoint_dir", "must be an absolute path or empty");
      }
      s.checkpoint_dir = dir.value();
    }
    if (root["create_on_error"]) {
      Result<bool> b = boolean(root["create_on_error"], "create_on_error");
      if (!b.ok()) return b.status();
      s.create_on_error = b.value();
    }
    if (root["processing"]) CKPT_RETURN_IF_ERROR(processing(root["processing"], s.processing));
    if (root["downtime_ms"]) {
      Result<Duration> d = duration(root["downtime_ms"], "downtime_ms", true);
      if (!d.ok()) return d.status();
      s.downtime = d.value();
    }
    if (root["conf"]) CKPT_RETURN_IF_ERROR(conf_map(root["conf"], "conf", s.conf));
    if (root["restart_conf"]) {
      s.restart_conf.emplace();
      CKPT_RETURN_IF_ERROR(conf_map(root["restart_conf"], "restart_conf", *s.restart_conf));
    }
    if (const YAML::Node expected = root["expect_conf"]) {
      if (!expected.IsMap()) return error(expected, "expect_conf", "expected a map of key: value");
      for (const auto& entry : expected) {
        std::optional<std::string> value;  // ~ (null): the key must be absent
        if (!entry.second.IsNull()) value = entry.second.Scalar();
        s.expect_conf[entry.first.Scalar()] = value;
      }
    }
    if (const YAML::Node expect = root["expect"]) {
      if (!expect.IsMap()) return error(expect, "expect", "expected {output: [[records], ...]}");
      for (const auto& entry : expect) {
        Result<std::vector<ckpt::Records>> b =
            batches(entry.second, "expect." + entry.first.Scalar());
        if (!b.ok()) return b.status();
        s.expect[entry.first.Scalar()] = b.value();
      }
    }
    if (root["expect_error"]) {
      Result<std::string> text = string(root["expect_error"], "expect_error");
      if (!text.ok()) return text.status();
      s.expect_error = text.value();
    }
    if (const YAML::Node kinds = root["expect_failures"]) {
      if (!kinds.IsSequence() || kinds.size() == 0) {
        return error(kinds, "expect_failures", "expected a non-empty list of failure kinds");
      }
      for (const YAML::Node& item : kinds) {
        Result<std::string> name = string(item, "expect_failures");
        if (!name.ok()) return name.status();
        Result<FailureKind> kind = ParseFailureKind(name.value());
        if (!kind.ok()) return error(item, "expect_failures", kind.status().message());
        s.expect_failures.push_back(kind.value());
      }
    }
    if (root["initial_files"]) CKPT_RETURN_IF_ERROR(initial_files(root["initial_files"], s));
    if (root["filesystem"]) {
      Result<std::string> text = string(root["filesystem"], "filesystem");
      if (!text.ok()) return text.status();
      Result<PersistenceModel> model = ParsePersistenceModel(text.value());
      if (!model.ok()) return error(root["filesystem"], "filesystem", model.status().message());
      s.filesystem = model.value();
    }
    if (root["faults"]) CKPT_RETURN_IF_ERROR(faults(root["faults"], s));
    if (root["crashes"]) {
      Result<std::vector<CrashSpec>> c = crashes(root["crashes"]);
      if (!c.ok()) return c.status();
      s.crashes = c.value();
    }
    for (auto [key, field] :
         {std::pair{"trial_seed", &s.trial_seed}, std::pair{"interleaving", &s.interleaving}}) {
      if (!root[key]) continue;
      Result<int64_t> n = integer(root[key], key);
      if (!n.ok()) return n.status();
      if (n.value() < 0) return error(root[key], key, "must be >= 0");
      *field = static_cast<uint64_t>(n.value());
    }
    if (root["swarm"]) CKPT_RETURN_IF_ERROR(swarm(root["swarm"], s));
    return s;
  }

  // swarm: {batches: [low, high], ...}; each range must leave at least one valid variant.
  Status swarm(const YAML::Node& node, Scenario& s) const {
    if (!node.IsMap()) return error(node, "swarm", "expected a map of field: [low, high]");
    CKPT_RETURN_IF_ERROR(check_keys(
        node, "swarm",
        {"batches", "records_per_batch", "batch_duration_ms", "checkpoint_interval_ms"}));
    const std::pair<const char*, std::optional<IntRange>*> ranges[] = {
        {"batches", &s.swarm.batches},
        {"records_per_batch", &s.swarm.records_per_batch},
        {"batch_duration_ms", &s.swarm.batch_duration_ms},
        {"checkpoint_interval_ms", &s.swarm.checkpoint_interval_ms}};
    for (auto [key, range] : ranges) {
      const YAML::Node item = node[key];
      if (!item) continue;
      std::string field = std::string("swarm.") + key;
      if (!item.IsSequence() || item.size() != 2) return error(item, field, "expected [low, high]");
      Result<int64_t> low = integer(item[0], field);
      Result<int64_t> high = integer(item[1], field);
      if (!low.ok()) return low.status();
      if (!high.ok()) return high.status();
      if (low.value() < 0 || low.value() > high.value()) {
        return error(item, field, "expected 0 <= low <= high");
      }
      *range = IntRange{low.value(), high.value()};
    }
    for (auto [key, range] : ranges) {  // once all are known: they constrain each other
      if (!*range) continue;
      Status valid = ValidateSwarmRange(s, key);
      if (!valid.ok()) return error(node[key], std::string("swarm.") + key, valid.message());
    }
    return Status::Ok();
  }

  Status source(const YAML::Node& node, Scenario& s) const {
    if (!node.IsMap()) return error(node, "source", "expected {kind: sequence, input: [...]}");
    CKPT_RETURN_IF_ERROR(check_keys(node, "source",
                                    {"kind", "input", "records", "directory", "files", "topic",
                                     "partitions", "appends", "generate"}));
    if (node["kind"]) s.source_kind = node["kind"].Scalar();
    if (s.source_kind == "sequence" || s.source_kind == "queue") {
      if (!node["input"])
        return error(node, "source.input", "missing (one list of records per batch)");
      Result<std::vector<ckpt::Records>> input = batches(node["input"], "source.input");
      if (!input.ok()) return input.status();
      s.input = input.value();
    } else if (s.source_kind == "constant") {
      if (!node["records"]) return error(node, "source.records", "missing");
      Result<ckpt::Records> r = records(node["records"], "source.records");
      if (!r.ok()) return r.status();
      s.input = {r.value()};
    } else if (s.source_kind == "file") {
      return file_source(node, s);
    } else if (s.source_kind == "log" || s.source_kind == "receiver") {
      return log_source(node, s);
    } else {
      return error(node["kind"], "source.kind",
                   "unknown source '" + s.source_kind +
                       "' (known: constant, file, log, queue, receiver, sequence)");
    }
    return Status::Ok();
  }

  Status file_source(const YAML::Node& node, Scenario& s) const {
    if (!node["directory"]) return error(node, "source.directory", "missing");
    Result<std::string> directory = string(node["directory"], "source.directory");
    if (!directory.ok()) return directory.status();
    if (directory.value().empty() || directory.value()[0] != '/') {
      return error(node["directory"], "source.directory", "must be an absolute path");
    }
    s.source_directory = directory.value();
    const YAML::Node files = node["files"];
    if (!files || !files.IsSequence()) {
      return error(files ? files : node, "source.files", "expected a list of {at_ms, name, lines}");
    }
    for (const YAML::Node& file : files) {
      CKPT_RETURN_IF_ERROR(check_keys(file, "source.files", {"at_ms", "name", "lines"}));
      for (const char* required : {"at_ms", "name", "lines"}) {
        if (!file[required]) return error(file, std::string("source.files.") + required, "missing");
      }
      Result<Duration> at = duration(file["at_ms"], "source.files.at_ms", true);
      Result<std::string> name = string(file["name"], "source.files.name");
      Result<ckpt::Records> lines = records(file["lines"], "source.files.lines");
      if (!at.ok()) return at.status();
      if (!name.ok()) return name.status();
      if (!lines.ok()) return lines.status();
      if (name.value().empty() || name.value().find('/') != std::string::npos) {
        return error(file["name"], "source.files.name", "must be a plain file name");
      }
      ProducedFile produced{Time{0} + at.value(), name.value(), {}};
      for (const Value& line : lines.value()) {
        produced.lines.push_back(line.is_string() ? line.as_string() : line.to_string());
      }
      s.produced_files.push_back(std::move(produced));
    }
    return Status::Ok();
  }

  Status conf_map(const YAML::Node& node, const std::string& field,
                  std::map<std::string, std::string>& conf) const {
    if (!node.IsMap()) return error(node, field, "expected a map of key: value");
    for (const auto& entry : node) {
      if (!entry.second.IsScalar()) {
        return error(entry.second, field + "." + entry.first.Scalar(), "expected a scalar value");
      }
      conf[entry.first.Scalar()] = entry.second.Scalar();
    }
    return Status::Ok();
  }

  // A log (partitioned) or a receiver's source (one sequence of records): records arriving at
  // virtual times, listed or generated.
  Status log_source(const YAML::Node& node, Scenario& s) const {
    bool receiver = s.source_kind == "receiver";
    if (node["topic"]) {
      Result<std::string> topic = string(node["topic"], "source.topic");
      if (!topic.ok()) return topic.status();
      s.log_topic = topic.value();
    }
    if (receiver) {
      if (node["partitions"]) {
        return error(node["partitions"], "source.partitions", "a receiver's source has none");
      }
      s.log_partitions = 1;
    } else {
      if (!node["partitions"]) return error(node, "source.partitions", "missing");
      Result<int64_t> partitions = integer(node["partitions"], "source.partitions");
      if (!partitions.ok()) return partitions.status();
      if (partitions.value() < 1 || partitions.value() > 1000) {
        return error(node["partitions"], "source.partitions", "must be in 1..1000");
      }
      s.log_partitions = static_cast<int32_t>(partitions.value());
    }
    if (node["generate"]) return generated_appends(node["generate"], s);
    const YAML::Node appends = node["appends"];
    const char* shape = receiver ? "{at_ms, records}" : "{at_ms, partition, records}";
    if (!appends || !appends.IsSequence()) {
      return error(appends ? appends : node, "source.appends",
                   std::string("expected a list of ") + shape + " (or generate: {...})");
    }
    std::vector<std::string> keys = {"at_ms", "records"};
    if (!receiver) keys.push_back("partition");
    for (const YAML::Node& item : appends) {
      CKPT_RETURN_IF_ERROR(
          check_keys(item, "source.appends", std::set<std::string>(keys.begin(), keys.end())));
      for (const std::string& required : keys) {
        if (!item[required]) return error(item, "source.appends." + required, "missing");
      }
      Result<Duration> at = duration(item["at_ms"], "source.appends.at_ms", true);
      Result<int64_t> partition =
          receiver ? Result<int64_t>(0) : integer(item["partition"], "source.appends.partition");
      Result<ckpt::Records> appended = records(item["records"], "source.appends.records");
      if (!at.ok()) return at.status();
      if (!partition.ok()) return partition.status();
      if (!appended.ok()) return appended.status();
      if (partition.value() < 0 || partition.value() >= s.log_partitions) {
        return error(item["partition"], "source.appends.partition",
                     "must be in 0.." + std::to_string(s.log_partitions - 1));
      }
      if (!s.log_appends.empty() && Time{0} + at.value() < s.log_appends.back().at) {
        return error(item["at_ms"], "source.appends.at_ms", "must not go back in time");
      }
      s.log_appends.push_back(LogAppend{Time{0} + at.value(),
                                        static_cast<int32_t>(partition.value()), appended.value()});
    }
    return Status::Ok();
  }

  // generate: {every_ms, until_ms, records} (GenerateLogAppends).
  Status generated_appends(const YAML::Node& node, Scenario& s) const {
    CKPT_RETURN_IF_ERROR(check_keys(node, "source.generate", {"every_ms", "until_ms", "records"}));
    for (const char* required : {"every_ms", "until_ms", "records"}) {
      if (!node[required])
        return error(node, std::string("source.generate.") + required, "missing");
    }
    Result<Duration> every = duration(node["every_ms"], "source.generate.every_ms", false);
    Result<Duration> until = duration(node["until_ms"], "source.generate.until_ms", true);
    Result<int64_t> count = integer(node["records"], "source.generate.records");
    if (!every.ok()) return every.status();
    if (!until.ok()) return until.status();
    if (!count.ok()) return count.status();
    if (count.value() < 1 || count.value() > 1000) {
      return error(node["records"], "source.generate.records", "must be in 1..1000");
    }
    int64_t appends = until.value().ms / every.value().ms * s.log_partitions * count.value();
    if (appends > 1'000'000) {
      return error(node, "source.generate", "more than 1,000,000 records");
    }
    s.log_appends =
        GenerateLogAppends(s.log_partitions, every.value(), until.value(), count.value());
    return Status::Ok();
  }

  Status initial_files(const YAML::Node& node, Scenario& s) const {
    if (!node.IsSequence())
      return error(node, "initial_files", "expected a list of {path, content}");
    for (const YAML::Node& file : node) {
      CKPT_RETURN_IF_ERROR(check_keys(file, "initial_files", {"path", "content"}));
      if (!file["path"]) return error(file, "initial_files.path", "missing");
      Result<std::string> path = string(file["path"], "initial_files.path");
      if (!path.ok()) return path.status();
      if (path.value().empty() || path.value()[0] != '/') {
        return error(file["path"], "initial_files.path", "must be an absolute path");
      }
      std::string content = file["content"] ? file["content"].Scalar() : "";
      s.initial_files.push_back({path.value(), content});
    }
    return Status::Ok();
  }

 private:
  std::string path_;
};

}  // namespace

Result<Scenario> LoadScenario(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument(path + ": no such scenario file");
  }
  std::ifstream file(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file && !file.eof()) return Status::InvalidArgument(path + ": cannot read");
  return LoadScenarioFromText(text, path);
}

Result<Scenario> LoadScenarioFromText(const std::string& text, const std::string& path) {
  Loader loader(path);
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
    Result<Scenario> scenario = loader.scenario(root);
    if (!scenario.ok()) return scenario;
    CKPT_RETURN_IF_ERROR(
        ValidateScenario(scenario.value(), ckpt::FunctionRegistry::Builtins()).with_context(path));
    return scenario;
  } catch (const YAML::Exception& e) {
    return yaml_error(e, "");
  }
}

Result<std::vector<Scenario>> LoadScenarios(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    Result<Scenario> one = LoadScenario(path);
    if (!one.ok()) return one.status();
    return std::vector<Scenario>{one.value()};
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
    Result<Scenario> one = LoadScenario(file);
    if (!one.ok()) return one.status();
    scenarios.push_back(one.value());
  }
  return scenarios;
}

bool PipelineStep::is_output() const {
  return operation == "collect" || operation == "print" || operation == "save_as_text_files" ||
         operation == "foreach_rdd";
}

std::vector<std::string> Scenario::output_names() const {
  std::vector<std::string> names;
  for (const PipelineStep& step : pipeline) {
    if (step.is_output()) names.push_back(step.output_name);
  }
  return names;
}

Status ValidateScenario(const Scenario& s, const ckpt::FunctionRegistry& registry) {
  // stream name -> the operation that made it ("source" is the input).
  std::map<std::string, std::string> streams = {{"source", "source"}};
  std::string previous = "source";
  std::set<std::string> outputs;
  for (size_t i = 0; i < s.pipeline.size(); ++i) {
    const PipelineStep& step = s.pipeline[i];
    std::string field = "pipeline[" + std::to_string(i) + "]." + step.operation;
    CKPT_RETURN_IF_ERROR(ValidateStep(step, field, registry));
    std::string input = step.from.empty() ? previous : step.from;
    if (!streams.count(input)) {
      return Status::InvalidArgument(field + ": no stream named '" + input + "' before this step");
    }
    if (step.operation == "union" && !streams.count(step.other)) {
      return Status::InvalidArgument(field + ": no stream named '" + step.other +
                                     "' before this step");
    }
    if (step.operation == "state_snapshots" && streams[input] != "map_with_state") {
      return Status::InvalidArgument(field + ": needs a map_with_state stream, got " +
                                     streams[input]);
    }
    if (step.is_output()) {
      if (!outputs.insert(step.output_name).second) {
        return Status::InvalidArgument(field + ": a second output named '" + step.output_name +
                                       "'");
      }
      continue;  // outputs make no stream
    }
    previous = step.name.empty() ? "#" + std::to_string(i) : step.name;
    if (!step.name.empty() && streams.count(step.name)) {
      return Status::InvalidArgument(field + ".name: '" + step.name + "' is already taken");
    }
    streams[previous] = step.operation;
  }
  if (outputs.empty()) {
    return Status::InvalidArgument("pipeline: no output operation (add a step {collect: NAME})");
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

}  // namespace sim
